// Metaspace pre-tokenizer: spaces become the replacement char (U+2581 by default), which
// is prepended according to prepend_scheme, then the text is split before each one.
#include "tokenizers/pre_tokenizers/metaspace.h"

#include "tokenizers/pre_tokenizers/pre_tokenizer.h"
#include "tokenizers/unicode.h"

namespace cuddle::tok {

MetaspaceConfig parse_metaspace(const JsonRef& j) {
  MetaspaceConfig c;
  std::string rep = j.str("replacement", "\xE2\x96\x81");
  auto chars = to_chars(rep);
  if (chars.size() != 1) j.at("replacement").fail("expected a single character");
  c.replacement = chars[0];
  c.str_rep = rep;
  if (auto p = j.get("prepend_scheme")) {
    std::string s = p->str();
    if (s == "always") c.scheme = PrependScheme::Always;
    else if (s == "first") c.scheme = PrependScheme::First;
    else if (s == "never") c.scheme = PrependScheme::Never;
    else p->fail("expected \"always\", \"first\" or \"never\", got \"" + s + "\"");
  } else {
    c.scheme = j.boolean("add_prefix_space", true) ? PrependScheme::Always : PrependScheme::Never;
  }
  c.split = j.boolean("split", true);
  return c;
}

namespace {

class Metaspace : public PreTokenizer {
 public:
  explicit Metaspace(const JsonRef& j) : c_(parse_metaspace(j)) {}

  void pre_tokenize(PreTokenizedString& s) const override {
    s.split([&](size_t, NormalizedString n) {
      n.replace(find_matches_pred(n.get(), [](char32_t ch) { return ch == ' '; }), c_.str_rep);
      bool starts = !n.get().empty() && n.get().compare(0, c_.str_rep.size(), c_.str_rep) == 0;
      if (c_.scheme == PrependScheme::Always && !starts) n.prepend(c_.str_rep);
      if (c_.scheme == PrependScheme::First && !starts && n.offsets_original().first == 0) n.prepend(c_.str_rep);
      // Unsplit, or with no replacement char past the start (a word from WhitespaceSplit),
      // where splitting would give back the whole string.
      if (!c_.split || (n.get().find(c_.str_rep, 1) == std::string::npos && n.slice_is_whole(0, n.len()))) {
        std::vector<Split> one;
        one.push_back({std::move(n), std::nullopt});
        return one;
      }
      char32_t r = c_.replacement;
      return as_splits(n.split(find_matches_pred(n.get(), [r](char32_t ch) { return ch == r; }),
                               SplitBehavior::MergedWithNext));
    });
  }

 private:
  MetaspaceConfig c_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(const JsonRef& j) { return std::make_unique<Metaspace>(j); }

}  // namespace cuddle::tok
