// Tokenizer: the encode pipeline (added tokens -> normalizer -> pre-tokenizer -> model ->
// truncation -> post-processor -> padding) and decoding, as HF's TokenizerImpl runs it.
#include <omp.h>

#include <algorithm>

#include "tokenizers/encoding_ops.h"
#include "tokenizers/tokenizer_core.h"
#include "tokenizers/unicode.h"

namespace cuddle {

using namespace tok;

Tokenizer::Tokenizer(std::shared_ptr<TokenizerCore> core) : core_(std::move(core)) {
  if (core_) {
    truncation_ = core_->truncation;
    padding_ = core_->padding;
  }
}

Tokenizer Tokenizer::from_file(const std::string& path) { return Tokenizer(load_core_file(path)); }

Tokenizer Tokenizer::from_json(std::string_view json, const std::string& name) {
  return Tokenizer(load_core(json, name));
}

void Tokenizer::set_truncation(std::optional<TruncationParams> t) {
  if (t && t->stride >= t->max_length && t->max_length > 0)
    throw ShapeError("truncation: stride " + std::to_string(t->stride) + " must be less than max_length " +
                     std::to_string(t->max_length));
  truncation_ = t;
}

namespace {

// Byte offset -> char index in `s`; HF's BytesToCharOffsetConverter. Pure ASCII text (most
// inputs) needs no table: its char and byte offsets agree.
class CharOffsets {
 public:
  explicit CharOffsets(const std::string& s) : size_(s.size()) {
    ascii_ = std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii_) return;  // byte i is char i: no table
    map_.resize(s.size());
    uint32_t ci = 0;
    for (size_t i = 0; i < s.size();) {
      int len;
      decode_utf8(s, i, &len);
      for (int k = 0; k < len && i + k < s.size(); ++k) map_[i + k] = ci;
      i += len;
      ++ci;
    }
  }
  Offsets convert(Offsets o) const {
    if (o.first >= size_) return o;
    if (o.second < size_) return {at(o.first), at(o.second)};
    size_t last = o.second >= 1 && o.second - 1 < size_ ? at(o.second - 1) : at(o.first) + 1;
    return {at(o.first), last + 1};
  }

 private:
  size_t at(size_t byte) const { return ascii_ ? byte : map_[byte]; }
  size_t size_;
  bool ascii_;
  std::vector<uint32_t> map_;
};

// Runs the model over the untokenized splits; with a truncation limit, stops once enough
// tokens exist (HF's tokenize_with_limit) so later splits are dropped.
void tokenize_splits(const Model& model, PreTokenizedString& pts, std::optional<std::pair<size_t, Side>> limit) {
  auto& splits = pts.splits();
  auto run = [&](Split& s) { s.tokens = model.tokenize(s.normalized.get()); };
  if (!limit) {
    constexpr size_t kAhead = 4;  // words whose model lookups start ahead of their turn
    for (size_t i = 0; i < splits.size(); ++i) {
      if (i + kAhead < splits.size() && !splits[i + kAhead].tokens) model.prefetch(splits[i + kAhead].normalized.get());
      if (!splits[i].tokens) run(splits[i]);
    }
    return;
  }
  size_t total = 0;
  auto [max_tokens, dir] = *limit;
  if (dir == Side::Right) {
    size_t last = 0;
    for (size_t i = 0; i < splits.size(); ++i) {
      last = i + 1;
      if (splits[i].tokens) {
        total += splits[i].tokens->size();
        continue;
      }
      run(splits[i]);
      total += splits[i].tokens->size();
      if (total >= max_tokens) break;
    }
    splits.resize(last);
  } else {
    size_t first = splits.size();
    for (size_t i = splits.size(); i-- > 0;) {
      first = i;
      if (splits[i].tokens) {
        total += splits[i].tokens->size();
        continue;
      }
      run(splits[i]);
      total += splits[i].tokens->size();
      if (total >= max_tokens) break;
    }
    splits.erase(splits.begin(), splits.begin() + static_cast<long>(first));
  }
}

// Moves the tokens of every split into an Encoding, offsets mapped back to the input.
Encoding into_encoding(PreTokenizedString& pts, std::optional<uint32_t> word_idx, uint32_t type_id, OffsetType ot) {
  Encoding e;
  std::optional<CharOffsets> conv;
  if (ot == OffsetType::Char) conv.emplace(pts.original());
  auto& splits = pts.splits();
  size_t n = 0;
  for (const auto& sp : splits) n += sp.tokens->size();
  e.ids.reserve(n);
  e.tokens.reserve(n);
  e.offsets.reserve(n);
  e.word_ids.reserve(n);
  for (size_t idx = 0; idx < splits.size(); ++idx) {
    auto& sp = splits[idx];
    Offsets base = sp.normalized.offsets_original();
    for (auto& t : *sp.tokens) {
      Offsets r, o;
      if (sp.normalized.convert_to_original(t.offsets.first, t.offsets.second, &r)) o = {base.first + r.first, base.first + r.second};
      else o = t.offsets;
      if (conv) o = conv->convert(o);
      e.ids.push_back(t.id);
      e.tokens.push_back(std::move(t.value));
      e.offsets.push_back(o);
      e.word_ids.push_back(word_idx ? *word_idx : static_cast<uint32_t>(idx));
    }
  }
  e.type_ids.assign(n, type_id);
  e.special_tokens_mask.assign(n, 0);
  e.attention_mask.assign(n, 1);
  return e;
}

// Runs encode(i) for i in [0, n) on the OpenMP pool. An exception cannot leave a parallel
// region, so the error of the first failing input is kept and rethrown, naming the input.
template <typename Encode>
std::vector<Encoding> encode_each(size_t n, const Encode& encode) {
  std::vector<Encoding> out(n);
  size_t first_failed = n;
  std::string first_error;
#pragma omp parallel for schedule(dynamic, 16)
  for (long i = 0; i < static_cast<long>(n); ++i) {
    try {
      out[i] = encode(static_cast<size_t>(i));
    } catch (const std::exception& e) {
#pragma omp critical(cuddle_encode_each_error)
      if (static_cast<size_t>(i) < first_failed) {
        first_failed = static_cast<size_t>(i);
        first_error = e.what();
      }
    }
  }
  if (first_failed < n) throw Error("batch input " + std::to_string(first_failed) + ": " + first_error);
  return out;
}

}  // namespace

static Encoding encode_sequence(const TokenizerCore& c, const std::optional<TruncationParams>& trunc,
                                const TextInput& in, uint32_t type_id, OffsetType ot) {
  std::optional<std::pair<size_t, Side>> limit;
  if (trunc && trunc->early_exit && (trunc->strategy != TruncationStrategy::OnlySecond || type_id != 0))
    limit = {{trunc->max_length, trunc->direction}};
  auto one = [&](const std::string& text, std::optional<uint32_t> word_idx) {
    if (!is_valid_utf8(text)) throw FormatError("input text is not valid UTF-8");
    PreTokenizedString pts = c.added.extract_and_normalize(c.normalizer.get(), text);
    if (c.pre_tokenizer) c.pre_tokenizer->pre_tokenize(pts);
    tokenize_splits(*c.model, pts, limit);
    return into_encoding(pts, word_idx, type_id, ot);
  };
  if (!in.pretokenized) return one(in.text, std::nullopt);
  std::vector<Encoding> parts;
  for (size_t i = 0; i < in.words.size(); ++i) parts.push_back(one(in.words[i], static_cast<uint32_t>(i)));
  return merge_all(std::move(parts));
}

static Encoding encode_impl(const TokenizerCore& c, const std::optional<TruncationParams>& trunc,
                            const std::optional<PaddingParams>& pad, const TextInput& a, const TextInput* b,
                            bool add_special, OffsetType ot) {
  Encoding ea = encode_sequence(c, trunc, a, 0, ot);
  std::optional<Encoding> eb;
  if (b) eb = encode_sequence(c, trunc, *b, 1, ot);
  if (trunc) {
    TruncationParams p = *trunc;
    size_t n_added = c.post_processor ? c.post_processor->added_tokens(b != nullptr) : 0;
    if (add_special && n_added > 0) {
      if (p.max_length < n_added)
        throw ShapeError("truncation: max_length " + std::to_string(p.max_length) + " is smaller than the " +
                         std::to_string(n_added) + " special tokens added");
      p.max_length -= n_added;
    }
    truncate_encodings(ea, eb ? &*eb : nullptr, p);
  }
  Encoding out = post_process(c.post_processor.get(), std::move(ea), std::move(eb), add_special);
  if (pad) {
    std::vector<Encoding> one;
    one.push_back(std::move(out));
    Tokenizer::pad(one, *pad);
    out = std::move(one[0]);
  }
  return out;
}

Encoding Tokenizer::encode(const TextInput& text, bool add_special_tokens, OffsetType offsets) const {
  return encode_impl(*core_, truncation_, padding_, text, nullptr, add_special_tokens, offsets);
}

Encoding Tokenizer::encode_pair(const TextInput& a, const TextInput& b, bool add_special_tokens, OffsetType offsets) const {
  return encode_impl(*core_, truncation_, padding_, a, &b, add_special_tokens, offsets);
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<TextInput>& texts, bool add_special_tokens,
                                              OffsetType offsets) const {
  std::vector<Encoding> out = encode_each(texts.size(), [&](size_t i) {
    return encode_impl(*core_, truncation_, std::nullopt, texts[i], nullptr, add_special_tokens, offsets);
  });
  if (padding_) pad(out, *padding_);
  return out;
}

std::vector<Encoding> Tokenizer::encode_batch_pairs(const std::vector<std::pair<TextInput, TextInput>>& pairs,
                                                    bool add_special_tokens, OffsetType offsets) const {
  std::vector<Encoding> out = encode_each(pairs.size(), [&](size_t i) {
    return encode_impl(*core_, truncation_, std::nullopt, pairs[i].first, &pairs[i].second, add_special_tokens,
                       offsets);
  });
  if (padding_) pad(out, *padding_);
  return out;
}

void Tokenizer::pad(std::vector<Encoding>& encodings, const PaddingParams& p) {
  if (encodings.empty()) return;
  size_t target = 0;
  if (p.fixed_length) target = *p.fixed_length;
  else
    for (const auto& e : encodings) target = std::max(target, e.ids.size());
  if (p.pad_to_multiple_of && *p.pad_to_multiple_of > 0 && target % *p.pad_to_multiple_of)
    target += *p.pad_to_multiple_of - target % *p.pad_to_multiple_of;
  for (auto& e : encodings) pad_encoding(e, target, p);
}

std::string Tokenizer::decode(const std::vector<uint32_t>& ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (uint32_t id : ids) {
    std::optional<std::string> t = core_->added.id_to_token(id);
    if (!t) t = core_->model->id_to_token(id);
    if (!t) continue;
    if (skip_special_tokens && core_->added.is_special(*t)) continue;
    tokens.push_back(std::move(*t));
  }
  return decode_tokens(std::move(tokens));
}

std::string Tokenizer::decode_tokens(std::vector<std::string> tokens) const {
  if (core_->decoder) return core_->decoder->decode(std::move(tokens));
  std::string out;
  for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
  return out;
}

std::optional<std::string> Tokenizer::continuing_subword_prefix() const { return core_->model->continuing_subword_prefix(); }

std::vector<std::string> Tokenizer::decode_batch(const std::vector<std::vector<uint32_t>>& ids, bool skip) const {
  std::vector<std::string> out(ids.size());
#pragma omp parallel for schedule(dynamic, 16)
  for (long i = 0; i < static_cast<long>(ids.size()); ++i) out[i] = decode(ids[i], skip);
  return out;
}

std::optional<std::string> Tokenizer::DecodeStream::step(uint32_t id) {
  static const std::string kReplacement = "\xEF\xBF\xBD";
  auto ends_bad = [](const std::string& s) { return s.size() >= 3 && s.compare(s.size() - 3, 3, kReplacement) == 0; };
  if (prefix_.empty() && !ids_.empty()) {
    std::string p = tok_->decode(ids_, skip_);
    if (!ends_bad(p)) {
      prefix_ = p;
      prefix_index_ = ids_.size();
    }
  }
  ids_.push_back(id);
  std::string s = tok_->decode(ids_, skip_);
  if (s.size() > prefix_.size() && !ends_bad(s)) {
    if (s.compare(0, prefix_.size(), prefix_) != 0) throw Error("decode stream: the decoded text no longer starts with its prefix");
    std::string fresh = s.substr(prefix_.size());
    size_t new_prefix_index = ids_.size() - prefix_index_;
    ids_.erase(ids_.begin(), ids_.begin() + static_cast<long>(prefix_index_));
    prefix_ = tok_->decode(ids_, skip_);
    prefix_index_ = new_prefix_index;
    return fresh;
  }
  return std::nullopt;
}

std::optional<uint32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (auto id = core_->added.token_to_id(token)) return id;
  return core_->model->token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(uint32_t id) const {
  if (auto t = core_->added.id_to_token(id)) return t;
  return core_->model->id_to_token(id);
}

size_t Tokenizer::vocab_size(bool with_added) const {
  size_t n = core_->model->vocab_size();
  if (!with_added) return n;
  for (const auto& [id, t] : core_->added.tokens())
    if (!core_->model->id_to_token(id)) ++n;
  return n;
}

bool Tokenizer::is_special_token(std::string_view token) const { return core_->added.is_special(token); }

size_t Tokenizer::num_special_tokens_to_add(bool pair) const {
  return core_->post_processor ? core_->post_processor->added_tokens(pair) : 0;
}

size_t Tokenizer::add_tokens(const std::vector<AddedTokenSpec>& tokens) {
  return core_->added.add_tokens(tokens, *core_->model, core_->normalizer.get());
}

}  // namespace cuddle
