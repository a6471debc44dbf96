// `cuddle tokenize`: encode texts (or decode ids) with a tokenizer.json or a model folder,
// with transformers' options (special tokens, truncation, padding), as text or JSON Lines.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/command.h"
#include "cuddle/tokenizer.h"

namespace {

using nlohmann::json;

struct TokenizeFlags {
  std::string tokenizer, input, truncation = "longest_first", padding, side;
  std::vector<std::string> texts;
  bool pair = false, no_special = false, offsets = false, decode = false, skip_special = false, json_out = false;
  size_t max_length = 0, stride = 0, pad_to_multiple_of = 0;
};

// One input per line; a line holding a JSON string or {"text": ..., "text_pair": ...} is
// read as JSON so texts may contain newlines.
std::vector<std::string> read_inputs(const std::string& path, bool pair) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) throw cuddle::IoError(path + ": cannot open");
    in = &file;
  }
  std::vector<std::string> out;
  std::string line;
  for (size_t n = 1; std::getline(*in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && (line[0] == '"' || line[0] == '{')) {
      json j = json::parse(line, nullptr, false);
      if (j.is_string()) {
        out.push_back(j.get<std::string>());
        continue;
      }
      if (j.is_object() && j.contains("text") && j["text"].is_string()) {
        out.push_back(j["text"].get<std::string>());
        if (pair) {
          if (!j.contains("text_pair") || !j["text_pair"].is_string())
            throw cuddle::FormatError(path + ": line " + std::to_string(n) + ": --pair needs \"text_pair\"");
          out.push_back(j["text_pair"].get<std::string>());
        }
        continue;
      }
    }
    out.push_back(line);
  }
  return out;
}

std::vector<uint32_t> parse_ids(const std::string& s) {
  std::vector<uint32_t> ids;
  std::string clean = s;
  for (char& c : clean)
    if (c == ',' || c == '[' || c == ']') c = ' ';
  std::istringstream is(clean);
  for (std::string tok; is >> tok;) {
    char* end;
    unsigned long v = std::strtoul(tok.c_str(), &end, 10);
    if (*end || tok[0] == '-') throw cuddle::FormatError("--decode: \"" + tok + "\" is not a token id");
    ids.push_back(static_cast<uint32_t>(v));
  }
  return ids;
}

cuddle::TruncationStrategy parse_strategy(const std::string& s) {
  if (s == "longest_first") return cuddle::TruncationStrategy::LongestFirst;
  if (s == "only_first") return cuddle::TruncationStrategy::OnlyFirst;
  if (s == "only_second") return cuddle::TruncationStrategy::OnlySecond;
  throw cuddle::FormatError("--truncation: expected longest_first, only_first or only_second, got \"" + s + "\"");
}

int run(const TokenizeFlags& f) {
  cuddle::AutoTokenizer at = cuddle::AutoTokenizer::from_pretrained(f.tokenizer);
  std::vector<std::string> texts = f.texts;
  if (!f.input.empty()) {
    auto more = read_inputs(f.input, f.pair);
    texts.insert(texts.end(), more.begin(), more.end());
  }
  if (f.decode) {
    for (const auto& t : texts) {
      std::string text = at.decode(parse_ids(t), f.skip_special);
      if (f.json_out) std::cout << json{{"text", text}}.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
      else std::cout << text << "\n";
    }
    return 0;
  }
  if (f.pair && texts.size() % 2) throw cuddle::Error("--pair needs an even number of texts (first, second, ...)");

  cuddle::Tokenizer tok = at.tokenizer();
  if (f.max_length) {
    cuddle::TruncationParams t;
    t.max_length = f.max_length;
    t.stride = f.stride;
    t.strategy = parse_strategy(f.truncation);
    tok.set_truncation(t);
  }
  if (!f.padding.empty()) {
    if (!at.pad_token_id()) throw cuddle::Error("--padding: this tokenizer has no pad token");
    cuddle::PaddingParams p;
    if (f.padding == "max_length") {
      if (!f.max_length) throw cuddle::Error("--padding max_length needs --max-length");
      p.fixed_length = f.max_length;
    } else if (f.padding != "longest") {
      throw cuddle::FormatError("--padding: expected longest or max_length, got \"" + f.padding + "\"");
    }
    if (f.pad_to_multiple_of) p.pad_to_multiple_of = f.pad_to_multiple_of;
    if (f.side == "left") p.direction = cuddle::Side::Left;
    p.pad_id = *at.pad_token_id();
    p.pad_token = at.tokenizer().id_to_token(p.pad_id).value_or("");
    tok.set_padding(p);
  }
  bool add_special = !f.no_special;
  std::vector<cuddle::Encoding> encs;
  if (f.pair) {
    std::vector<std::pair<cuddle::TextInput, cuddle::TextInput>> pairs;
    for (size_t i = 0; i < texts.size(); i += 2) pairs.emplace_back(texts[i], texts[i + 1]);
    encs = tok.encode_batch_pairs(pairs, add_special);
  } else {
    std::vector<cuddle::TextInput> in(texts.begin(), texts.end());
    encs = tok.encode_batch(in, add_special);
  }
  bool type_ids = false;
  for (const auto& n : at.model_input_names()) type_ids = type_ids || n == "token_type_ids";
  for (const auto& e : encs) {
    if (f.json_out) {
      json j;
      j["ids"] = e.ids;
      j["tokens"] = e.tokens;
      json offs = json::array();
      for (auto [s, t] : e.offsets) offs.push_back({s, t});
      j["offsets"] = offs;
      j["attention_mask"] = e.attention_mask;
      if (type_ids) j["type_ids"] = e.type_ids;
      std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
      continue;
    }
    std::cout << "ids:";
    for (auto id : e.ids) std::cout << ' ' << id;
    std::cout << "\ntokens:";
    for (const auto& t : e.tokens) std::cout << ' ' << t;
    std::cout << "\n";
    if (f.offsets) {
      std::cout << "offsets:";
      for (auto [s, t] : e.offsets) std::cout << ' ' << s << ':' << t;
      std::cout << "\n";
    }
  }
  return 0;
}

}  // namespace

CUDDLE_CLI_COMMAND("tokenize", [](CLI::App& app) {
  auto f = std::make_shared<TokenizeFlags>();
  auto* sub = app.add_subcommand("tokenize", "Encode texts to token ids (or decode ids) with a tokenizer.json or model folder");
  sub->add_option("--tokenizer", f->tokenizer, "tokenizer.json file or model folder")->required();
  sub->add_option("texts", f->texts, "texts to encode (ids with --decode)");
  sub->add_option("--input", f->input, "file with one text per line or JSON Lines (\"text\" / {\"text\": ...}); - for stdin");
  sub->add_flag("--pair", f->pair, "texts are pairs: first, second, first, second... (JSONL: \"text\" + \"text_pair\")");
  sub->add_flag("--no-special-tokens", f->no_special, "do not add the model's special tokens");
  sub->add_flag("--offsets", f->offsets, "print character offsets (text output)");
  sub->add_flag("--decode", f->decode, "inputs are token ids (\"1 2 3\" or [1,2,3]); print the text");
  sub->add_flag("--skip-special-tokens", f->skip_special, "with --decode: leave special tokens out");
  sub->add_option("--max-length", f->max_length, "truncate to this many tokens");
  sub->add_option("--stride", f->stride, "overlap between overflowing windows");
  sub->add_option("--truncation", f->truncation, "longest_first (default), only_first, only_second");
  sub->add_option("--padding", f->padding, "longest or max_length");
  sub->add_option("--pad-to-multiple-of", f->pad_to_multiple_of, "round padded length up to a multiple");
  sub->add_option("--padding-side", f->side, "left or right (default right)");
  sub->add_flag("--json", f->json_out, "one JSON object per input: ids, tokens, offsets, attention_mask[, type_ids]");
  return [f] { return run(*f); };
});
