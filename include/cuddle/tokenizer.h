// Tokenizers: load any tokenizer.json and encode / decode exactly as Hugging Face
// tokenizers 0.23 does (ids, tokens, offsets, masks, truncation, padding). AutoTokenizer
// adds what transformers layers on top from tokenizer_config.json. See docs/tokenizers.md.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cuddle/error.h"

namespace cuddle {

// One encoded sequence (or pair), field for field what HF's Encoding holds.
struct Encoding {
  std::vector<uint32_t> ids;
  std::vector<uint32_t> type_ids;
  std::vector<std::string> tokens;
  std::vector<std::optional<uint32_t>> word_ids;
  std::vector<std::pair<size_t, size_t>> offsets;  // chars or bytes, see OffsetType
  std::vector<uint32_t> special_tokens_mask;
  std::vector<uint32_t> attention_mask;
  std::vector<Encoding> overflowing;  // windows cut off by truncation

  size_t size() const { return ids.size(); }
};

enum class OffsetType {
  Char,  // offsets in Unicode code points, as the Python API returns them
  Byte,  // offsets in UTF-8 bytes
};

enum class TruncationStrategy { LongestFirst, OnlyFirst, OnlySecond };
enum class Side { Left, Right };

struct TruncationParams {
  size_t max_length = 512;
  size_t stride = 0;
  TruncationStrategy strategy = TruncationStrategy::LongestFirst;
  Side direction = Side::Right;
  // tokenizers 0.23.1+ stops tokenizing once max_length tokens exist, so `overflowing` only
  // covers the text tokenized by then (huggingface/tokenizers#2091, open). false: tokenize the
  // whole text first, as tokenizers 0.22 did, so the windows cover all of it.
  bool early_exit = true;
};

struct PaddingParams {
  std::optional<size_t> fixed_length;  // nullopt: pad to the longest in the batch
  Side direction = Side::Right;
  std::optional<size_t> pad_to_multiple_of;
  uint32_t pad_id = 0;
  uint32_t pad_type_id = 0;
  std::string pad_token = "[PAD]";
};

// An input sequence: raw text, or text already split into words (is_pretokenized).
struct TextInput {
  std::string text;
  std::vector<std::string> words;
  bool pretokenized = false;

  TextInput() = default;
  TextInput(std::string t) : text(std::move(t)) {}  // NOLINT: implicit on purpose
  TextInput(const char* t) : text(t) {}             // NOLINT
  static TextInput from_words(std::vector<std::string> w) {
    TextInput in;
    in.words = std::move(w);
    in.pretokenized = true;
    return in;
  }
};

struct AddedTokenSpec {
  std::string content;
  bool special = false;
  bool normalized = true;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
};

namespace tok {
struct TokenizerCore;
}

class Tokenizer {
 public:
  // Reads a tokenizer.json; errors name the file and the JSON key.
  static Tokenizer from_file(const std::string& path);
  static Tokenizer from_json(std::string_view json, const std::string& name = "tokenizer.json");

  Encoding encode(const TextInput& text, bool add_special_tokens = true, OffsetType offsets = OffsetType::Char) const;
  Encoding encode_pair(const TextInput& a, const TextInput& b, bool add_special_tokens = true,
                       OffsetType offsets = OffsetType::Char) const;
  // Encodes in parallel, then pads the batch with the padding settings.
  std::vector<Encoding> encode_batch(const std::vector<TextInput>& texts, bool add_special_tokens = true,
                                     OffsetType offsets = OffsetType::Char) const;
  std::vector<Encoding> encode_batch_pairs(const std::vector<std::pair<TextInput, TextInput>>& pairs,
                                           bool add_special_tokens = true, OffsetType offsets = OffsetType::Char) const;

  std::string decode(const std::vector<uint32_t>& ids, bool skip_special_tokens = false) const;
  std::vector<std::string> decode_batch(const std::vector<std::vector<uint32_t>>& ids, bool skip_special_tokens = false) const;

  // Turns ids produced one at a time into text chunks (generation). step() returns nullopt
  // while the ids so far do not end in complete text (e.g. half a UTF-8 char).
  class DecodeStream {
   public:
    DecodeStream(const Tokenizer& t, bool skip_special_tokens) : tok_(&t), skip_(skip_special_tokens) {}
    std::optional<std::string> step(uint32_t id);

   private:
    const Tokenizer* tok_;
    bool skip_;
    std::vector<uint32_t> ids_;
    std::string prefix_;
    size_t prefix_index_ = 0;
  };
  DecodeStream decode_stream(bool skip_special_tokens = false) const { return DecodeStream(*this, skip_special_tokens); }

  std::optional<uint32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(uint32_t id) const;
  // The decoder applied to token strings (no id lookup, so text that is not a vocab entry
  // passes through): what transformers' convert_tokens_to_string does.
  std::string decode_tokens(std::vector<std::string> tokens) const;
  // The model's continuing_subword_prefix ("##" for WordPiece); nullopt when it has none.
  std::optional<std::string> continuing_subword_prefix() const;
  size_t vocab_size(bool with_added_tokens = true) const;
  bool is_special_token(std::string_view token) const;
  // Tokens the post-processor adds to a single sequence / a pair.
  size_t num_special_tokens_to_add(bool pair) const;

  // Adds tokens with HF's id rules (existing vocab id, else after the largest id).
  size_t add_tokens(const std::vector<AddedTokenSpec>& tokens);

  const std::optional<TruncationParams>& truncation() const { return truncation_; }
  const std::optional<PaddingParams>& padding() const { return padding_; }
  void set_truncation(std::optional<TruncationParams> t);
  void set_padding(std::optional<PaddingParams> p) { padding_ = std::move(p); }

  // Pads encodings in place (also their overflowing windows).
  static void pad(std::vector<Encoding>& encodings, const PaddingParams& params);

  // Internal: the shared immutable pipeline.
  explicit Tokenizer(std::shared_ptr<tok::TokenizerCore> core);
  const tok::TokenizerCore& core() const { return *core_; }

 private:
  std::shared_ptr<tok::TokenizerCore> core_;
  std::optional<TruncationParams> truncation_;
  std::optional<PaddingParams> padding_;
};

// What transformers' AutoTokenizer.from_pretrained(dir) builds: tokenizer.json plus
// tokenizer_config.json / special_tokens_map.json / added_tokens.json.
struct BatchEncoding {
  std::vector<std::vector<uint32_t>> input_ids;
  std::vector<std::vector<uint32_t>> token_type_ids;  // empty unless model_input_names has it
  std::vector<std::vector<uint32_t>> attention_mask;
  std::vector<std::vector<std::pair<size_t, size_t>>> offset_mapping;
  std::vector<size_t> overflow_to_sample_mapping;  // filled when overflowing windows are returned
  // Per token, the index of the word it came from (BatchEncoding.word_ids()); nullopt for
  // special tokens and padding.
  std::vector<std::vector<std::optional<uint32_t>>> word_ids;
  // Per token, 1 for a special token (return_special_tokens_mask).
  std::vector<std::vector<uint32_t>> special_tokens_mask;
};

struct CallOptions {
  bool add_special_tokens = true;
  // "longest", "max_length" or "" (no padding).
  std::string padding;
  bool truncation = false;
  std::optional<size_t> max_length;
  size_t stride = 0;
  // truncation="only_second" (a question / context pair) and friends; true means longest_first.
  TruncationStrategy truncation_strategy = TruncationStrategy::LongestFirst;
  // TruncationParams::early_exit: false makes the overflowing windows cover the whole text,
  // as run_qa.py's doc_stride windows expect.
  bool truncation_early_exit = true;
  bool return_overflowing_tokens = false;
  std::optional<size_t> pad_to_multiple_of;
};

class AutoTokenizer {
 public:
  // `name_or_path`: a model folder, a tokenizer.json file, or a Hub repo id resolved through
  // the huggingface_hub cache at `revision` (hub::resolve_pretrained).
  static AutoTokenizer from_pretrained(const std::string& name_or_path, const std::string& revision = "main");

  BatchEncoding operator()(const std::vector<std::string>& texts, const CallOptions& opts = {}) const;
  BatchEncoding operator()(const std::vector<std::pair<std::string, std::string>>& pairs, const CallOptions& opts = {}) const;
  // is_split_into_words=True: each input is a list of words, tokenised word by word (the
  // word_ids say which word each token belongs to).
  BatchEncoding split_into_words(const std::vector<std::vector<std::string>>& words, const CallOptions& opts = {}) const;
  // transformers' decode: ids -> text with skip_special_tokens and clean_up_tokenization_spaces.
  std::string decode(const std::vector<uint32_t>& ids, bool skip_special_tokens = false) const;
  std::vector<std::string> convert_ids_to_tokens(const std::vector<uint32_t>& ids) const;
  std::string convert_tokens_to_string(const std::vector<std::string>& tokens) const { return tok_.decode_tokens(tokens); }
  // The special token the configs name for `key` ("mask_token", "unk_token", "cls_token", ...).
  std::optional<std::string> special_token(const std::string& key) const;

  const Tokenizer& tokenizer() const { return tok_; }
  const std::string& tokenizer_class() const { return class_; }
  size_t model_max_length() const { return model_max_length_; }
  const std::vector<std::string>& model_input_names() const { return input_names_; }
  std::optional<uint32_t> pad_token_id() const { return pad_id_; }
  Side padding_side() const { return padding_side_; }

 private:
  BatchEncoding call(const std::vector<std::pair<TextInput, std::optional<TextInput>>>& in, const CallOptions& opts) const;

  Tokenizer tok_{nullptr};
  std::string class_;
  size_t model_max_length_ = static_cast<size_t>(-1);
  std::vector<std::string> input_names_{"input_ids", "token_type_ids", "attention_mask"};
  std::optional<std::string> pad_token_;
  std::optional<uint32_t> pad_id_;
  std::map<std::string, std::string> special_tokens_;  // "mask_token" -> "[MASK]"
  uint32_t pad_type_id_ = 0;
  Side padding_side_ = Side::Right;
  Side truncation_side_ = Side::Right;
  bool clean_up_spaces_ = false;
  bool returns_token_type_ids_ = true;
};

// BatchEncoding.sequence_ids(i) from a row's special_tokens_mask: -1 for special tokens and
// padding, 0 for the first sequence's tokens, 1 for the second's (the first run of ordinary
// tokens is the first sequence; ordinary tokens after a later special token belong to the
// second). Right for the pair templates of BERT, RoBERTa, XLM-R and DistilBERT.
std::vector<int> sequence_ids(const std::vector<uint32_t>& special_tokens_mask);

// Character (code point) view of UTF-8 text: offsets from the tokenizer count characters,
// as Python's str does. Holds a reference: the text must outlive it.
class CharIndex {
 public:
  explicit CharIndex(const std::string& text);
  size_t size() const { return starts_.size() - 1; }
  // text[begin:end] in characters, clamped like a Python slice.
  std::string slice(size_t begin, size_t end) const;

 private:
  const std::string& text_;
  std::vector<size_t> starts_;  // byte offset of each character, then the text size
};

// Number of characters of UTF-8 text (Python's len()).
size_t char_length(const std::string& text);

// transformers' clean_up_tokenization: " ." -> "." and friends.
std::string clean_up_tokenization(std::string text);

}  // namespace cuddle
