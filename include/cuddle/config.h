// A model's config.json, parsed with transformers' defaults. The fields every model has
// live here; each family extends it (src/models/<family>/). The whole document stays
// available, unknown keys included, through json().
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace cuddle {

struct ModelConfig {
  virtual ~ModelConfig() = default;

  std::string path;        // the config.json it came from (named in error messages)
  std::string model_type;  // "bert", "roberta", "xlm-roberta", "distilbert", ...
  std::vector<std::string> architectures;
  // id2label from the file, or LABEL_0 .. LABEL_{num_labels-1} as transformers fills in.
  std::map<int64_t, std::string> id2label;
  std::map<std::string, int64_t> label2id;
  int64_t num_labels = 2;
  std::string problem_type;  // "" when null / absent
  bool tie_word_embeddings = true;
  std::optional<int64_t> pad_token_id, bos_token_id, eos_token_id;

  // The parsed config.json as read.
  const nlohmann::json& json() const { return *raw_; }
  std::shared_ptr<const nlohmann::json> raw_;
};

// Reads DIR/config.json (or the given .json file) and parses it with the defaults of its
// model_type's configuration class. Throws IoError when the file is missing, FormatError
// for malformed JSON, wrong value types or an unsupported model_type (naming the file,
// the key and the supported types).
std::shared_ptr<const ModelConfig> load_config(const std::string& dir_or_file);
// The same from a document already in memory (a config edited before training); `path`
// names it in error messages and becomes ModelConfig::path.
std::shared_ptr<const ModelConfig> parse_config(const nlohmann::json& doc, const std::string& path);

// transformers' AutoConfig: load_config of a model folder or of a Hub repo id resolved
// through the huggingface_hub cache at `revision` (hub::resolve_pretrained).
struct AutoConfig {
  static std::shared_ptr<const ModelConfig> from_pretrained(const std::string& name_or_path,
                                                            const std::string& revision = "main");
};

}  // namespace cuddle
