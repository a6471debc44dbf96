#include <algorithm>
#include <map>

#include "tokenizers/encoding_ops.h"
#include "tokenizers/post_processors/post_processor.h"
#include "tokenizers/pre_tokenizers/byte_level_alphabet.h"
#include "tokenizers/unicode.h"

namespace cuddle::tok {

void trim_byte_level_offsets(Encoding& e, bool add_prefix_space) {
  const char32_t space = byte_to_char()[' '];
  auto is_space = [&](char32_t c) { return c == space || is_whitespace(c); };
  for (size_t i = 0; i < e.tokens.size(); ++i) {
    auto chars = to_chars(e.tokens[i]);
    size_t lead = 0, trail = 0;
    while (lead < chars.size() && is_space(chars[lead])) ++lead;
    while (trail < chars.size() && is_space(chars[chars.size() - 1 - trail])) ++trail;
    auto& [s, t] = e.offsets[i];
    if (lead > 0) {
      bool is_first = i == 0 || s == 0;
      if (is_first && add_prefix_space && lead == 1) lead = 0;
      s = std::min(s + lead, t);
    }
    if (trail > 0 && t >= trail) t = std::max(t - trail, s);
  }
}

namespace {

struct SpecialToken {
  std::string token;
  uint32_t id;
};

SpecialToken parse_pair(const JsonRef& j) {
  auto pair = j.elements();
  if (pair.size() != 2) j.fail("expected [token, id]");
  return {pair[0].str(), static_cast<uint32_t>(pair[1].integer())};
}

// Surrounds e (and each overflowing window) with optional tokens; every type id = type_id.
void wrap(Encoding& e, const SpecialToken* before, const SpecialToken* after, uint32_t type_id) {
  for (auto& o : e.overflowing) wrap(o, before, after, type_id);
  size_t n = e.ids.size();
  auto put = [&](const SpecialToken* t, bool front) {
    if (!t) return;
    auto at = [&](auto& v) { return front ? v.begin() : v.end(); };
    e.ids.insert(at(e.ids), t->id);
    e.tokens.insert(at(e.tokens), t->token);
    e.word_ids.insert(at(e.word_ids), std::nullopt);
    e.offsets.insert(at(e.offsets), {0, 0});
    e.special_tokens_mask.insert(at(e.special_tokens_mask), 1u);
  };
  e.special_tokens_mask.assign(n, 0u);
  put(before, true);
  put(after, false);
  e.type_ids.assign(e.ids.size(), type_id);
  e.attention_mask.assign(e.ids.size(), 1u);
}

void set_type_ids_deep(Encoding& e, uint32_t type_id) {
  e.type_ids.assign(e.ids.size(), type_id);
  for (auto& o : e.overflowing) set_type_ids_deep(o, type_id);
}

class BertProcessing : public PostProcessor {
 public:
  explicit BertProcessing(const JsonRef& j) : sep_(parse_pair(j.at("sep"))), cls_(parse_pair(j.at("cls"))) {}
  size_t added_tokens(bool pair) const override { return pair ? 3 : 2; }
  std::vector<Encoding> process_encodings(std::vector<Encoding> enc, bool add_special) const override {
    if (!add_special) return enc;
    wrap(enc[0], &cls_, &sep_, 0);
    if (enc.size() > 1) wrap(enc[1], nullptr, &sep_, 1);
    return enc;
  }

 private:
  SpecialToken sep_, cls_;
};

class RobertaProcessing : public PostProcessor {
 public:
  explicit RobertaProcessing(const JsonRef& j)
      : sep_(parse_pair(j.at("sep"))),
        cls_(parse_pair(j.at("cls"))),
        trim_offsets_(j.boolean("trim_offsets", true)),
        add_prefix_space_(j.boolean("add_prefix_space", true)) {}
  size_t added_tokens(bool pair) const override { return pair ? 4 : 2; }
  std::vector<Encoding> process_encodings(std::vector<Encoding> enc, bool add_special) const override {
    if (trim_offsets_)
      for (auto& e : enc) {
        trim_byte_level_offsets(e, add_prefix_space_);
        for (auto& o : e.overflowing) trim_byte_level_offsets(o, add_prefix_space_);
      }
    for (auto& e : enc) e.type_ids.assign(e.ids.size(), 0);
    if (!add_special) return enc;
    wrap(enc[0], &cls_, &sep_, 0);
    if (enc.size() > 1) wrap(enc[1], &sep_, &sep_, 0);
    return enc;
  }

 private:
  SpecialToken sep_, cls_;
  bool trim_offsets_, add_prefix_space_;
};

class ByteLevelProcessing : public PostProcessor {
 public:
  explicit ByteLevelProcessing(const JsonRef& j)
      : trim_offsets_(j.boolean("trim_offsets", true)), add_prefix_space_(j.boolean("add_prefix_space", true)) {}
  size_t added_tokens(bool) const override { return 0; }
  std::vector<Encoding> process_encodings(std::vector<Encoding> enc, bool) const override {
    if (trim_offsets_)
      for (auto& e : enc) {
        trim_byte_level_offsets(e, add_prefix_space_);
        for (auto& o : e.overflowing) trim_byte_level_offsets(o, add_prefix_space_);
      }
    return enc;
  }

 private:
  bool trim_offsets_, add_prefix_space_;
};

class TemplateProcessing : public PostProcessor {
 public:
  explicit TemplateProcessing(const JsonRef& j) {
    JsonRef specials = j.at("special_tokens");
    if (!specials.is_object()) specials.fail("expected an object");
    for (auto [key, val] : simdjson::dom::object(specials.value)) {
      JsonRef v{val, specials.path + "." + std::string(key)};
      Special s;
      auto ids = v.at("ids").elements(), toks = v.at("tokens").elements();
      if (ids.size() != toks.size()) v.fail("ids and tokens differ in length");
      for (size_t i = 0; i < ids.size(); ++i) {
        s.ids.push_back(static_cast<uint32_t>(ids[i].integer()));
        s.tokens.push_back(toks[i].str());
      }
      specials_[std::string(key)] = std::move(s);
    }
    single_ = parse_template(j.at("single"));
    pair_ = parse_template(j.at("pair"));
    for (auto& p : single_) added_single_ += p.is_special ? specials_.at(p.special).ids.size() : 0;
    for (auto& p : pair_) added_pair_ += p.is_special ? specials_.at(p.special).ids.size() : 0;
  }
  size_t added_tokens(bool pair) const override { return pair ? added_pair_ : added_single_; }

  std::vector<Encoding> process_encodings(std::vector<Encoding> enc, bool add_special) const override {
    const auto& tpl = enc.size() == 2 ? pair_ : single_;
    std::vector<Encoding> out;
    for (size_t k = 0; k < tpl.size(); ++k) {
      const Piece& p = tpl[k];
      if (!p.is_special) {
        Encoding& e = enc[p.sequence_b ? 1 : 0];
        e.type_ids.assign(e.ids.size(), p.type_id);
        // The last piece that uses a sequence can take it instead of a copy.
        bool used_later = std::any_of(tpl.begin() + static_cast<long>(k) + 1, tpl.end(),
                                      [&](const Piece& q) { return !q.is_special && q.sequence_b == p.sequence_b; });
        if (used_later) out.push_back(e);
        else out.push_back(std::move(e));
      } else if (add_special) {
        const Special& s = specials_.at(p.special);
        Encoding e;
        size_t n = s.ids.size();
        e.ids = s.ids;
        e.type_ids.assign(n, p.type_id);
        e.tokens = s.tokens;
        e.word_ids.assign(n, std::nullopt);
        e.offsets.assign(n, {0, 0});
        e.special_tokens_mask.assign(n, 1);
        e.attention_mask.assign(n, 1);
        out.push_back(std::move(e));
      }
    }
    return out;
  }

 private:
  struct Piece {
    bool is_special;
    bool sequence_b;
    std::string special;
    uint32_t type_id;
  };
  struct Special {
    std::vector<uint32_t> ids;
    std::vector<std::string> tokens;
  };

  std::vector<Piece> parse_template(const JsonRef& t) const {
    std::vector<Piece> out;
    for (const JsonRef& p : t.elements()) {
      if (auto s = p.get("Sequence")) {
        std::string id = s->at("id").str();
        if (id != "A" && id != "B") s->at("id").fail("expected \"A\" or \"B\"");
        out.push_back({false, id == "B", "", static_cast<uint32_t>(s->integer("type_id", 0))});
      } else if (auto s = p.get("SpecialToken")) {
        std::string id = s->at("id").str();
        if (!specials_.count(id)) s->at("id").fail("special token \"" + id + "\" is not in special_tokens");
        out.push_back({true, false, id, static_cast<uint32_t>(s->integer("type_id", 0))});
      } else {
        p.fail("expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
      }
    }
    return out;
  }

  std::map<std::string, Special> specials_;
  std::vector<Piece> single_, pair_;
  size_t added_single_ = 0, added_pair_ = 0;
};

class SequenceProcessing : public PostProcessor {
 public:
  explicit SequenceProcessing(const JsonRef& j) {
    JsonRef list = j.at("processors");
    for (const auto& e : list.elements()) parts_.push_back(make_post_processor(e));
  }
  size_t added_tokens(bool pair) const override {
    size_t n = 0;
    for (auto& p : parts_) n += p->added_tokens(pair);
    return n;
  }
  std::vector<Encoding> process_encodings(std::vector<Encoding> enc, bool add_special) const override {
    for (auto& p : parts_) enc = p->process_encodings(std::move(enc), add_special);
    return enc;
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> parts_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const JsonRef& j) {
  std::string t = j.type_name();
  if (t == "BertProcessing") return std::make_unique<BertProcessing>(j);
  if (t == "RobertaProcessing") return std::make_unique<RobertaProcessing>(j);
  if (t == "ByteLevel") return std::make_unique<ByteLevelProcessing>(j);
  if (t == "TemplateProcessing") return std::make_unique<TemplateProcessing>(j);
  if (t == "Sequence") return std::make_unique<SequenceProcessing>(j);
  throw UnknownComponentError(j.path + ".type: unknown post-processor type \"" + t + "\"");
}

Encoding post_process(const PostProcessor* pp, Encoding a, std::optional<Encoding> b, bool add_special_tokens) {
  std::vector<Encoding> enc;
  enc.push_back(std::move(a));
  if (b) enc.push_back(std::move(*b));
  for (size_t i = 0; i < enc.size(); ++i) enc[i].type_ids.assign(enc[i].ids.size(), static_cast<uint32_t>(i));
  if (pp) enc = pp->process_encodings(std::move(enc), add_special_tokens);
  return merge_all(std::move(enc));
}

}  // namespace cuddle::tok
