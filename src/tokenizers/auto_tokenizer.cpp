// AutoTokenizer: tokenizer.json plus what transformers (v5, tokenizers backend) takes from
// tokenizer_config.json / special_tokens_map.json / added_tokens.json, including the
// per-class adjustments transformers makes to the pipeline (see docs/tokenizers.md).
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cuddle/hub.h"
#include "tokenizers/encoding_ops.h"
#include "tokenizers/tokenizer_core.h"

namespace cuddle {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tok;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw IoError(p.string() + ": cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

json read_json(const fs::path& p) {
  try {
    return json::parse(read_all(p));
  } catch (const json::exception& e) {
    throw FormatError(p.string() + ": not valid JSON (" + e.what() + ")");
  }
}

// A special token in a config: "text" or {"content": "text", ...}.
// A boolean setting of tokenizer_config.json; transformers writes null for "unset" (Llama's
// add_prefix_space), which means the default here too.
bool flag_or(const json& cfg, const char* key, bool fallback) {
  const auto it = cfg.find(key);
  if (it == cfg.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw FormatError(std::string("tokenizer_config.json: \"") + key + "\" must be true or false");
  return it->get<bool>();
}

std::optional<std::string> token_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return std::nullopt;
}

// Classes whose transformers definition leaves token_type_ids out of model_input_names.
const std::set<std::string> kNoTokenTypeIds = {
    "GPT2Tokenizer", "GPT2TokenizerFast", "RobertaTokenizer", "RobertaTokenizerFast", "CLIPTokenizer",
    "CLIPTokenizerFast", "LlamaTokenizer", "LlamaTokenizerFast", "T5Tokenizer", "T5TokenizerFast",
    "XLMRobertaTokenizer", "XLMRobertaTokenizerFast", "Qwen2Tokenizer", "Qwen2TokenizerFast", "GemmaTokenizer",
    "GemmaTokenizerFast", "BartTokenizer", "BartTokenizerFast", "DistilBertTokenizer", "DistilBertTokenizerFast"};

std::string strip_fast(std::string c) {
  const std::string suffix = "Fast";
  if (c.size() > suffix.size() && c.compare(c.size() - suffix.size(), suffix.size(), suffix) == 0) c.resize(c.size() - suffix.size());
  return c;
}

// JSON text for a component, parsed with the same factories as tokenizer.json.
template <class Make>
auto make_from(const std::string& text, const std::string& where, Make make) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  auto doc = parser.parse(padded);
  return make(JsonRef{doc.value(), where});
}

}  // namespace

std::string clean_up_tokenization(std::string s) {
  static const std::pair<const char*, const char*> rules[] = {{" .", "."},  {" ?", "?"},   {" !", "!"},
                                                              {" ,", ","},  {" ' ", "'"},  {" n't", "n't"},
                                                              {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"},
                                                              {" 're", "'re"}};
  for (auto [from, to] : rules) {
    std::string out;
    std::string_view f(from);
    size_t pos = 0;
    for (size_t hit = s.find(f); hit != std::string::npos; hit = s.find(f, pos)) {
      out.append(s, pos, hit - pos);
      out += to;
      pos = hit + f.size();
    }
    out.append(s, pos, std::string::npos);
    s = std::move(out);
  }
  return s;
}

AutoTokenizer AutoTokenizer::from_pretrained(const std::string& name_or_path, const std::string& revision) {
  fs::path p(hub::resolve_pretrained(name_or_path, revision)), dir, file;
  if (fs::is_directory(p)) {
    dir = p;
    file = p / "tokenizer.json";
  } else {
    dir = p.parent_path();
    file = p;
  }
  if (!fs::exists(file)) throw IoError(file.string() + ": not found (cuddle needs a tokenizer.json)");
  std::shared_ptr<TokenizerCore> core = load_core_file(file.string());

  AutoTokenizer a;
  json cfg = json::object();
  if (fs::exists(dir / "tokenizer_config.json")) cfg = read_json(dir / "tokenizer_config.json");
  json smap = json::object();
  if (fs::exists(dir / "special_tokens_map.json")) smap = read_json(dir / "special_tokens_map.json");
  a.class_ = cfg.value("tokenizer_class", std::string("PreTrainedTokenizerFast"));
  std::string cls = strip_fast(a.class_);

  // transformers v5 rebuilds Llama's legacy SentencePiece pipeline: no normalizer, and a
  // Metaspace pre-tokenizer that prepends U+2581 only to the first piece of the text.
  if (cls == "LlamaTokenizer" || cls == "CodeLlamaTokenizer") {
    bool add_prefix_space = flag_or(cfg, "add_prefix_space", true);
    core->normalizer.reset();
    std::string ms = std::string(R"({"type":"Metaspace","replacement":"▁","split":false,"prepend_scheme":")") +
                     (add_prefix_space ? "first" : "never") + "\"}";
    core->pre_tokenizer = make_from(ms, "LlamaTokenizer pre_tokenizer", make_pre_tokenizer);
    bool bos = flag_or(cfg, "add_bos_token", true), eos = flag_or(cfg, "add_eos_token", false);
    auto bos_t = cfg.contains("bos_token") ? token_text(cfg["bos_token"]) : std::optional<std::string>("<s>");
    auto eos_t = cfg.contains("eos_token") ? token_text(cfg["eos_token"]) : std::optional<std::string>("</s>");
    json single = json::array(), pair = json::array(), specials = json::object();
    auto special = [&](json& tpl, const std::optional<std::string>& t, int type_id) {
      if (!t) return;
      auto id = core->added.token_to_id(*t);
      if (!id) id = core->model->token_to_id(*t);
      if (!id) return;
      tpl.push_back({{"SpecialToken", {{"id", *t}, {"type_id", type_id}}}});
      specials[*t] = {{"id", *t}, {"ids", {*id}}, {"tokens", {*t}}};
    };
    auto seq = [](json& tpl, const char* id, int type_id) { tpl.push_back({{"Sequence", {{"id", id}, {"type_id", type_id}}}}); };
    if (bos) special(single, bos_t, 0);
    seq(single, "A", 0);
    if (eos) special(single, eos_t, 0);
    if (bos) special(pair, bos_t, 0);
    seq(pair, "A", 0);
    if (eos) special(pair, eos_t, 0);
    if (bos) special(pair, bos_t, 1);
    seq(pair, "B", 1);
    if (eos) special(pair, eos_t, 1);
    json tp = {{"type", "TemplateProcessing"}, {"single", single}, {"pair", pair}, {"special_tokens", specials}};
    core->post_processor = make_from(tp.dump(), "LlamaTokenizer post_processor", make_post_processor);
  }

  // Special tokens named by the configs are added as special tokens (ignored if present).
  std::vector<AddedTokenSpec> specials;
  auto collect = [&](const json& c) {
    for (const char* key : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"})
      if (c.contains(key))
        if (auto t = token_text(c[key])) {
          specials.push_back({*t, true, false, false, false, false});
          a.special_tokens_[key] = *t;
        }
    for (const char* key : {"additional_special_tokens", "extra_special_tokens"})
      if (c.contains(key) && c[key].is_array())
        for (const auto& v : c[key])
          if (auto t = token_text(v)) specials.push_back({*t, true, false, false, false, false});
  };
  collect(smap);
  collect(cfg);
  if (cfg.contains("added_tokens_decoder") && cfg["added_tokens_decoder"].is_object()) {
    for (auto& [id, v] : cfg["added_tokens_decoder"].items()) {
      if (!v.is_object() || !v.contains("content")) continue;
      AddedTokenSpec s;
      s.content = v["content"].get<std::string>();
      s.special = v.value("special", false);
      s.normalized = v.value("normalized", !s.special);
      s.lstrip = v.value("lstrip", false);
      s.rstrip = v.value("rstrip", false);
      s.single_word = v.value("single_word", false);
      specials.push_back(s);
    }
  }
  if (fs::exists(dir / "added_tokens.json")) {
    json at = read_json(dir / "added_tokens.json");
    for (auto& [content, id] : at.items()) specials.push_back({content, false, true, false, false, false});
  }
  core->added.add_tokens(specials, *core->model, core->normalizer.get());

  a.tok_ = Tokenizer(core);
  // transformers drives truncation / padding per call; the file's settings do not apply.
  a.tok_.set_truncation(std::nullopt);
  a.tok_.set_padding(std::nullopt);

  if (cfg.contains("model_max_length") && cfg["model_max_length"].is_number()) {
    double m = cfg["model_max_length"].get<double>();
    a.model_max_length_ = m >= 1e18 ? static_cast<size_t>(-1) : static_cast<size_t>(m);
  }
  if (cfg.contains("padding_side")) a.padding_side_ = cfg["padding_side"] == "left" ? Side::Left : Side::Right;
  if (cfg.contains("truncation_side")) a.truncation_side_ = cfg["truncation_side"] == "left" ? Side::Left : Side::Right;
  if (cfg.contains("model_input_names") && cfg["model_input_names"].is_array()) {
    a.input_names_ = cfg["model_input_names"].get<std::vector<std::string>>();
  } else if (kNoTokenTypeIds.count(a.class_)) {
    a.input_names_ = {"input_ids", "attention_mask"};
  }
  a.returns_token_type_ids_ = false;
  for (auto& n : a.input_names_) a.returns_token_type_ids_ = a.returns_token_type_ids_ || n == "token_type_ids";
  a.clean_up_spaces_ = flag_or(cfg, "clean_up_tokenization_spaces", false);
  std::optional<std::string> pad;
  if (cfg.contains("pad_token")) pad = token_text(cfg["pad_token"]);
  else if (smap.contains("pad_token")) pad = token_text(smap["pad_token"]);
  if (pad) {
    a.pad_token_ = pad;
    a.pad_id_ = a.tok_.token_to_id(*pad);
  }
  return a;
}

BatchEncoding AutoTokenizer::call(const std::vector<std::pair<TextInput, std::optional<TextInput>>>& in,
                                  const CallOptions& o) const {
  Tokenizer t = tok_;
  if (o.truncation) {
    TruncationParams tp;
    tp.max_length = o.max_length ? *o.max_length : model_max_length_;
    tp.stride = o.stride;
    tp.strategy = o.truncation_strategy;
    tp.early_exit = o.truncation_early_exit;
    tp.direction = truncation_side_;
    t.set_truncation(tp);
  }
  if (!o.padding.empty()) {
    if (!pad_id_) throw Error("padding requested but the tokenizer has no pad_token");
    PaddingParams pp;
    if (o.padding == "max_length") {
      if (!o.max_length) throw Error("padding=max_length needs max_length");
      pp.fixed_length = *o.max_length;
    } else if (o.padding != "longest") {
      throw Error("padding must be \"longest\" or \"max_length\", got \"" + o.padding + "\"");
    }
    pp.direction = padding_side_;
    pp.pad_to_multiple_of = o.pad_to_multiple_of;
    pp.pad_id = *pad_id_;
    pp.pad_type_id = pad_type_id_;
    pp.pad_token = *pad_token_;
    t.set_padding(pp);
  }
  std::vector<Encoding> enc;
  bool pairs = !in.empty() && in[0].second.has_value();
  if (pairs) {
    std::vector<std::pair<TextInput, TextInput>> v;
    for (auto& [a, b] : in) v.emplace_back(a, *b);
    enc = t.encode_batch_pairs(v, o.add_special_tokens);
  } else {
    std::vector<TextInput> v;
    for (auto& [a, b] : in) v.push_back(a);
    enc = t.encode_batch(v, o.add_special_tokens);
  }
  BatchEncoding out;
  auto add = [&](const Encoding& e, size_t sample) {
    out.input_ids.push_back(e.ids);
    if (returns_token_type_ids_) out.token_type_ids.push_back(e.type_ids);
    out.attention_mask.push_back(e.attention_mask);
    out.offset_mapping.push_back(e.offsets);
    out.word_ids.push_back(e.word_ids);
    out.special_tokens_mask.push_back(e.special_tokens_mask);
    if (o.return_overflowing_tokens) out.overflow_to_sample_mapping.push_back(sample);
  };
  for (size_t i = 0; i < enc.size(); ++i) {
    add(enc[i], i);
    if (o.return_overflowing_tokens)
      for (const auto& ov : enc[i].overflowing) add(ov, i);
  }
  return out;
}

BatchEncoding AutoTokenizer::operator()(const std::vector<std::string>& texts, const CallOptions& o) const {
  std::vector<std::pair<TextInput, std::optional<TextInput>>> in;
  for (auto& t : texts) in.emplace_back(TextInput(t), std::nullopt);
  return call(in, o);
}

BatchEncoding AutoTokenizer::operator()(const std::vector<std::pair<std::string, std::string>>& pairs, const CallOptions& o) const {
  std::vector<std::pair<TextInput, std::optional<TextInput>>> in;
  for (auto& [a, b] : pairs) in.emplace_back(TextInput(a), TextInput(b));
  return call(in, o);
}

BatchEncoding AutoTokenizer::split_into_words(const std::vector<std::vector<std::string>>& words,
                                              const CallOptions& o) const {
  std::vector<std::pair<TextInput, std::optional<TextInput>>> in;
  for (auto& w : words) in.emplace_back(TextInput::from_words(w), std::nullopt);
  return call(in, o);
}

std::string AutoTokenizer::decode(const std::vector<uint32_t>& ids, bool skip_special_tokens) const {
  std::string text = tok_.decode(ids, skip_special_tokens);
  // CLIP marks word ends with "</w>"; transformers turns them into spaces and strips.
  if (strip_fast(class_) == "CLIPTokenizer") {
    std::string out;
    const std::string w = "</w>";
    size_t pos = 0;
    for (size_t hit = text.find(w); hit != std::string::npos; hit = text.find(w, pos)) {
      out.append(text, pos, hit - pos);
      out += ' ';
      pos = hit + w.size();
    }
    out.append(text, pos, std::string::npos);
    size_t b = out.find_first_not_of(" \t\n\r\f\v"), e = out.find_last_not_of(" \t\n\r\f\v");
    text = b == std::string::npos ? std::string() : out.substr(b, e - b + 1);
  }
  if (clean_up_spaces_) text = clean_up_tokenization(std::move(text));
  return text;
}

std::optional<std::string> AutoTokenizer::special_token(const std::string& key) const {
  auto it = special_tokens_.find(key);
  if (it == special_tokens_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> AutoTokenizer::convert_ids_to_tokens(const std::vector<uint32_t>& ids) const {
  std::vector<std::string> out;
  for (uint32_t id : ids) out.push_back(tok_.id_to_token(id).value_or(""));
  return out;
}

}  // namespace cuddle
