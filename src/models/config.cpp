#include <filesystem>
#include <fstream>
#include <sstream>

#include "cuddle/config.h"
#include "cuddle/error.h"
#include "models/registry.h"

namespace cuddle {

namespace {

void parse_labels(const models::ConfigReader& r, ModelConfig& c) {
  const auto& j = r.json();
  if (auto it = j.find("id2label"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) r.fail("id2label", "an object mapping ids to label names");
    for (const auto& [k, v] : it->items()) {
      int64_t id = 0;
      size_t used = 0;
      try {
        id = std::stoll(k, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != k.size() || !v.is_string())
        throw FormatError(r.path() + ": \"id2label\" entry \"" + k + "\": " + v.dump() +
                          " must map an integer id to a label name");
      c.id2label[id] = v.get<std::string>();
    }
    c.num_labels = static_cast<int64_t>(c.id2label.size());
  } else {
    c.num_labels = r.integer("num_labels", 2);
    for (int64_t i = 0; i < c.num_labels; ++i) c.id2label[i] = "LABEL_" + std::to_string(i);
  }
  if (auto it = j.find("label2id"); it != j.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      if (!v.is_number_integer())
        throw FormatError(r.path() + ": \"label2id\" entry \"" + k + "\" must be an integer, got " +
                          v.dump());
      c.label2id[k] = v.get<int64_t>();
    }
  } else {
    for (const auto& [id, name] : c.id2label) c.label2id[name] = id;
  }
}

void parse_common(const models::ConfigReader& r, ModelConfig& c) {
  const auto& j = r.json();
  if (auto it = j.find("architectures"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) r.fail("architectures", "a list of class names");
    for (const auto& a : *it) {
      if (!a.is_string()) r.fail("architectures", "a list of class names");
      c.architectures.push_back(a.get<std::string>());
    }
  }
  parse_labels(r, c);
  c.problem_type = r.string("problem_type", "");
  if (!c.problem_type.empty() && c.problem_type != "regression" &&
      c.problem_type != "single_label_classification" &&
      c.problem_type != "multi_label_classification")
    r.fail("problem_type",
           "regression, single_label_classification or multi_label_classification");
  // The family set its own default (Llama: false) before.
  c.tie_word_embeddings = r.boolean("tie_word_embeddings", c.tie_word_embeddings);
  c.pad_token_id = r.optional_integer("pad_token_id", c.pad_token_id);
  c.bos_token_id = r.optional_integer("bos_token_id", c.bos_token_id);
  // Models with several end tokens (Llama 3) list them; the first stands for all here,
  // generation reads the whole list (generation_config.json, docs/generation.md).
  if (auto it = j.find("eos_token_id"); it != j.end() && it->is_array() && !it->empty() &&
                                        (*it)[0].is_number_integer())
    c.eos_token_id = (*it)[0].get<int64_t>();
  else
    c.eos_token_id = r.optional_integer("eos_token_id", c.eos_token_id);
}

}  // namespace

std::shared_ptr<const ModelConfig> load_config(const std::string& dir_or_file) {
  namespace fs = std::filesystem;
  const std::string path = fs::is_directory(dir_or_file)
                               ? (fs::path(dir_or_file) / "config.json").string()
                               : dir_or_file;
  std::ifstream in(path);
  if (!in)
    throw IoError(path + ": cannot read the model config (a model folder needs config.json)");
  std::stringstream ss;
  ss << in.rdbuf();
  const nlohmann::json doc = nlohmann::json::parse(ss.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    throw FormatError(path + ": not a JSON object");
  return parse_config(doc, path);
}

std::shared_ptr<const ModelConfig> parse_config(const nlohmann::json& doc, const std::string& path) {
  if (!doc.is_object()) throw FormatError(path + ": not a JSON object");
  auto raw = std::make_shared<nlohmann::json>(doc);
  models::ConfigReader reader(*raw, path);
  const std::string type = reader.string("model_type", "");
  if (type.empty()) reader.fail("model_type", "the model family name (e.g. \"bert\")");
  auto config = models::family_for(type, path).parse_config(reader);
  config->path = path;
  config->model_type = type;
  config->raw_ = raw;
  parse_common(reader, *config);
  return config;
}

}  // namespace cuddle
