// Model cards: README.md with a YAML front matter block in the structure huggingface_hub's
// ModelCard / ModelCardData read (license, language, tags, datasets, metrics, base_model,
// library_name, pipeline_tag, and model-index with evaluation results). The YAML subset is
// documented in docs/hub.md.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cuddle/error.h"

namespace cuddle::hub {

// One evaluation result, as huggingface_hub's EvalResult (one metric of one task on one
// dataset).
struct EvalResult {
  std::string task_type;  // e.g. text-classification
  std::string task_name;
  std::string dataset_type;  // e.g. glue
  std::string dataset_name;
  std::string dataset_config;
  std::string dataset_split;
  std::string metric_type;  // e.g. accuracy
  nlohmann::ordered_json metric_value;
  std::string metric_name;
  std::optional<bool> verified;
};

class ModelCard {
 public:
  // Splits "---\n<yaml>\n---\n<body>"; text without front matter is all body. Throws
  // FormatError for front matter outside the YAML subset or that is not a mapping.
  static ModelCard parse(const std::string& text);
  static ModelCard load(const std::string& path);
  // A new card: empty metadata and a short body naming the repo.
  static ModelCard for_repo(const std::string& repo_id);

  nlohmann::ordered_json& data() { return data_; }
  const nlohmann::ordered_json& data() const { return data_; }
  std::string& body() { return body_; }
  const std::string& body() const { return body_; }

  // Sets a metadata field; a null value removes it.
  void set(const std::string& key, const nlohmann::ordered_json& value);
  // Adds the value to a list field (creating it, or turning a single string into a list),
  // without duplicates.
  void add_to_list(const std::string& key, const std::string& value);

  // Evaluation results read from / written to "model-index" (grouped by task and dataset,
  // as huggingface_hub writes them). set_eval_results needs the model name.
  std::vector<EvalResult> eval_results() const;
  std::string model_name() const;
  void set_eval_results(const std::string& model_name, const std::vector<EvalResult>& results);

  // The metadata cuddle adds on upload: the "cuddle" tag.
  void fill_defaults();

  std::string to_string() const;
  void save(const std::string& path) const;

 private:
  nlohmann::ordered_json data_ = nlohmann::ordered_json::object();
  std::string body_;
};

}  // namespace cuddle::hub
