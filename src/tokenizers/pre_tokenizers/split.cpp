// Split pre-tokenizer: a String (literal) or Regex pattern, a delimiter behavior, and
// `invert` to split on what does not match.
#include "tokenizers/pre_tokenizers/pre_tokenizer.h"

namespace cuddle::tok {
namespace {

class SplitPreTokenizer : public PreTokenizer {
 public:
  explicit SplitPreTokenizer(const JsonRef& j) : behavior_(parse_split_behavior(j.at("behavior"))),
                                                 invert_(j.boolean("invert", false)) {
    JsonRef p = j.at("pattern");
    if (auto r = p.get("Regex")) regex_ = std::make_unique<Regex>(r->str());
    else literal_ = p.at("String").str();
  }

  void pre_tokenize(PreTokenizedString& s) const override {
    s.split([&](size_t, NormalizedString n) {
      Matches m = regex_ ? find_matches(*regex_, n.get()) : find_matches_literal(literal_, n.get());
      if (invert_)
        for (auto& x : m) x.is_match = !x.is_match;
      return as_splits(n.split(m, behavior_));
    });
  }

 private:
  SplitBehavior behavior_;
  bool invert_;
  std::string literal_;
  std::unique_ptr<Regex> regex_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(const JsonRef& j) {
  return std::make_unique<SplitPreTokenizer>(j);
}

}  // namespace cuddle::tok
