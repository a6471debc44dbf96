// ByteLevel pre-tokenizer: optional leading space, GPT-2's word regex, then every byte
// mapped to its printable char.
#include "tokenizers/normalizers/normalizer.h"
#include "tokenizers/pre_tokenizers/pre_tokenizer.h"

namespace cuddle::tok {
namespace {

const Regex& gpt2_regex() {
  static const Regex re{std::string(gpt2_pattern())};
  return re;
}

class ByteLevel : public PreTokenizer {
 public:
  explicit ByteLevel(const JsonRef& j)
      : add_prefix_space_(j.boolean("add_prefix_space", true)), use_regex_(j.boolean("use_regex", true)) {}

  void pre_tokenize(PreTokenizedString& s) const override {
    if (add_prefix_space_ || use_regex_ || has_empty_split(s)) split(s);
    s.normalize([](NormalizedString& n) { byte_level_transform(n); });
  }

 private:
  // Without a prefix space or the regex, splitting only drops empty splits: when there
  // are none (after a Split pre-tokenizer, always) the copy of every split is skipped.
  static bool has_empty_split(const PreTokenizedString& s) {
    for (const auto& sp : s.splits())
      if (!sp.tokens && sp.normalized.empty()) return true;
    return false;
  }
  void split(PreTokenizedString& s) const {
    s.split([&](size_t, NormalizedString n) {
      if (add_prefix_space_ && (n.get().empty() || n.get()[0] != ' ')) n.prepend(" ");
      if (!use_regex_) {
        std::vector<NormalizedString> one;
        one.push_back(std::move(n));
        return as_splits(std::move(one));
      }
      return as_splits(n.split(find_matches(gpt2_regex(), n.get()), SplitBehavior::Isolated));
    });
  }

  bool add_prefix_space_, use_regex_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(const JsonRef& j) { return std::make_unique<ByteLevel>(j); }

}  // namespace cuddle::tok
