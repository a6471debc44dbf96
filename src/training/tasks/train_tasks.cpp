// Task setup before training (train_tasks.h): labels, the model, tokenised columns.
#include "cuddle/train_tasks.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "cuddle/dataset_image.h"
#include "cuddle/error.h"
#include "cuddle/quant.h"
#include "io/json_file.h"
#include "training/tasks/columns.h"

namespace cuddle::training {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using RowJson = datasets::Json;  // dataset cells keep their key order

int64_t LabelSet::id_of(const std::string& label) const {
  const auto it = std::find(names.begin(), names.end(), label);
  return it == names.end() ? -1 : int64_t(it - names.begin());
}

bool has_column(const datasets::Dataset& ds, const std::string& c) {
  const auto names = ds.column_names();
  return std::find(names.begin(), names.end(), c) != names.end();
}

void require_column(const datasets::Dataset& ds, const std::string& c, const std::string& split, const char* what) {
  if (has_column(ds, c)) return;
  std::string known;
  for (const auto& n : ds.column_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error(split + ": the " + what + " column \"" + c + "\" does not exist (columns: " + known + ")");
}

namespace {

// A label cell as the string it stands for (integers print without decimals).
std::string label_text(const RowJson& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  return v.dump();
}

// The config's head for `task`, if config.json's first architecture is one.
bool has_head_for(const Json& cfg, const std::string& dir, ModelTask task) {
  if (!cfg.contains("architectures") || !cfg["architectures"].is_array() || cfg["architectures"].empty()) return false;
  try {
    return create_model(dir, std::nullopt)->task() == task;
  } catch (const Error&) {
    return false;
  }
}

bool placeholder_labels(const Json& cfg) {
  if (!cfg.contains("id2label")) return true;
  for (const auto& [id, name] : cfg["id2label"].items())
    if (name != "LABEL_" + id) return false;
  return true;
}

// The names of a ClassLabel column (or a list of ClassLabel, as datasets holds ner_tags),
// or null for any other column.
const std::vector<std::string>* class_label_names(const datasets::Dataset& ds, const std::string& column) {
  using Kind = datasets::Feature::Kind;
  for (const auto& [name, feature] : ds.features()) {
    if (name != column) continue;
    if (feature.kind == Kind::ClassLabel) return &feature.names;
    if ((feature.kind == Kind::List || feature.kind == Kind::LargeList) && feature.item &&
        feature.item->kind == Kind::ClassLabel)
      return &feature.item->names;
  }
  return nullptr;
}

// The label cells of `column`; for token classification the labels inside each row's list.
std::vector<RowJson> label_values(const datasets::Dataset& ds, const std::string& column, ModelTask task) {
  std::vector<RowJson> values = ds.column_values(column);
  if (task != ModelTask::TokenClassification) return values;
  std::vector<RowJson> flat;
  for (size_t row = 0; row < values.size(); ++row) {
    if (!values[row].is_array())
      throw Error("train: row " + std::to_string(row) + " of the label column \"" + column +
                  "\" is not a list of labels, one per word (found " + values[row].dump() + ")");
    for (const auto& v : values[row]) flat.push_back(v);
  }
  return flat;
}

}  // namespace

LabelLookup::LabelLookup(const datasets::Dataset& ds, const std::string& column, const LabelSet& labels,
                         std::string split)
    : labels_(labels), split_(std::move(split)) {
  require_column(ds, column, split_, "label");
  if (const auto* names = class_label_names(ds, column)) class_names_ = *names;
}

int64_t LabelLookup::id(const RowJson& v, int64_t row) const {
  if (v.is_null()) throw Error(split_ + ": row " + std::to_string(row) + " has no label");
  // A ClassLabel cell is an index into its names; integers are class ids for a model's own
  // head; everything else is a label name.
  std::string name = label_text(v);
  const bool integer = v.is_number_integer();
  if (!class_names_.empty() && integer && v.get<int64_t>() >= 0 && v.get<int64_t>() < int64_t(class_names_.size()))
    name = class_names_[size_t(v.get<int64_t>())];
  int64_t id = labels_.id_of(name);
  if (class_names_.empty() && labels_.from_model && integer)
    id = v.get<int64_t>() >= 0 && v.get<int64_t>() < int64_t(labels_.names.size()) ? v.get<int64_t>() : -1;
  if (id < 0)
    throw Error(split_ + ": row " + std::to_string(row) + " has the label \"" + name +
                "\", which the model's labels do not include (" + std::to_string(labels_.names.size()) +
                " labels, e.g. \"" + labels_.names.front() + "\")");
  return id;
}

std::vector<int64_t> label_ids(const datasets::Dataset& ds, const std::string& column, const LabelSet& labels,
                               const std::string& split) {
  const LabelLookup lookup(ds, column, labels, split);
  std::vector<int64_t> ids;
  int64_t row = 0;
  for (const RowJson& v : ds.column_values(column)) ids.push_back(lookup.id(v, row++));
  return ids;
}

DataCollator image_classification_collator(std::shared_ptr<const ImageProcessor> processor, std::string image_column,
                                           std::string label_column, LabelSet labels) {
  return [processor, image_column, label_column, labels](const datasets::Dataset& ds, const std::vector<int64_t>& rows) {
    std::vector<Image> images;
    for (int64_t r : rows) images.push_back(datasets::image_at(ds, r, image_column));
    ModelInputs in;
    in.pixel_values = processor->preprocess(images).pixel_values;
    if (has_column(ds, label_column)) {
      const LabelLookup lookup(ds, label_column, labels, "dataset");
      std::vector<int64_t> ids;
      for (int64_t r : rows) ids.push_back(lookup.id(ds.row(r)[label_column], r));
      in.labels = Tensor::from_vector(ids, {int64_t(ids.size())});
    }
    return in;
  };
}

LabelSet label_set_for(const std::string& model_dir, ModelTask task, const datasets::Dataset& train,
                       const std::string& label_column) {
  require_column(train, label_column, "train", "label");
  const Json cfg = io::read_json_file((fs::path(model_dir) / "config.json").string());
  const std::vector<RowJson> values = label_values(train, label_column, task);
  bool integers = true;
  for (const auto& v : values) integers = integers && v.is_number_integer();
  LabelSet out;
  if (has_head_for(cfg, model_dir, task) && !placeholder_labels(cfg)) {
    const auto config = load_config(model_dir);
    for (const auto& [id, name] : config->id2label) out.names.push_back(name);
    out.from_model = true;
    return out;
  }
  if (const auto* names = class_label_names(train, label_column)) {
    out.names = *names;  // datasets sorted them already (imagefolder, class_encode_column)
    return out;
  }
  std::vector<RowJson> distinct;
  for (const auto& v : values) {
    if (v.is_null()) throw Error("train: a row has no value in the label column \"" + label_column + "\"");
    distinct.push_back(v);
  }
  if (distinct.empty()) throw Error("train: the label column \"" + label_column + "\" is empty");
  if (integers) {
    std::set<int64_t> ids;
    for (const auto& v : distinct) ids.insert(v.get<int64_t>());
    for (int64_t id : ids) out.names.push_back(std::to_string(id));
  } else {
    std::set<std::string> names;
    for (const auto& v : distinct) names.insert(label_text(v));
    out.names.assign(names.begin(), names.end());
  }
  return out;
}

bool has_weights(const std::string& model_dir) {
  return fs::exists(fs::path(model_dir) / "model.safetensors") ||
         fs::exists(fs::path(model_dir) / "model.safetensors.index.json");
}

std::unique_ptr<PreTrainedModel> model_for_training(const std::string& model_dir, ModelTask task,
                                                    const LabelSet* labels, std::vector<std::string>* initialised) {
  const std::string config_path = (fs::path(model_dir) / "config.json").string();
  Json cfg = io::read_json_file(config_path);
  if (labels && !labels->from_model) {
    Json id2label = Json::object(), label2id = Json::object();
    for (size_t i = 0; i < labels->names.size(); ++i) {
      id2label[std::to_string(i)] = labels->names[i];
      label2id[labels->names[i]] = int64_t(i);
    }
    cfg["id2label"] = id2label;
    cfg["label2id"] = label2id;
    cfg["num_labels"] = int64_t(labels->names.size());
  }
  auto model = create_model(parse_config(cfg, config_path), task);
  std::set<std::string> fresh;
  if (has_weights(model_dir)) {
    const auto checkpoint = SafetensorsCheckpoint::open(model_dir);
    // A folder saved quantized (bitsandbytes) installs its quantized Linear weights first;
    // QLoRA trains adapters on top of them (quantized_training.cpp).
    PreTrainedModel::Prefilled prefilled;
    if (const auto saved = quant::read_quantization_config(model_dir))
      prefilled = quant::attach_prequantized(*model, checkpoint, *saved, model_dir);
    fresh = model->keys_missing_from(checkpoint);
    if (!fresh.empty()) init_weights(*model, fresh);
    prefilled.module_keys.insert(fresh.begin(), fresh.end());
    model->load_weights(checkpoint, prefilled);
  } else {
    init_weights(*model);
    for (const auto& slot : model->named_parameters()) fresh.insert(slot.name);
    nn::visit_loaded(*model);
  }
  if (initialised) initialised->assign(fresh.begin(), fresh.end());
  return model;
}

datasets::Dataset tokenize_for_sequence_classification(const AutoTokenizer& tokenizer, const datasets::Dataset& ds,
                                                       const TextTaskOptions& options, const LabelSet& labels,
                                                       const std::string& split) {
  std::vector<std::string> columns = options.text_columns;
  if (columns.empty()) columns = {has_column(ds, "text") ? "text" : "sentence"};
  for (const auto& c : columns) require_column(ds, c, split, "text");
  const bool with_labels = has_column(ds, options.label_column);
  const int64_t n = ds.num_rows();
  std::vector<std::string> texts(static_cast<size_t>(n));
  for (size_t c = 0; c < columns.size(); ++c) {
    const auto values = ds.column_values(columns[c]);
    for (int64_t i = 0; i < n; ++i) {
      const RowJson& v = values[size_t(i)];
      const std::string t = v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
      texts[size_t(i)] += (c ? " " : "") + t;
    }
  }
  CallOptions call;
  call.truncation = true;
  call.max_length = size_t(std::min<int64_t>(options.max_seq_length, int64_t(tokenizer.model_max_length())));
  if (options.pad_to_max_length) call.padding = "max_length";
  const BatchEncoding enc = tokenizer(texts, call);
  std::vector<int64_t> ids;
  if (with_labels) ids = label_ids(ds, options.label_column, labels, split);
  std::vector<RowJson> rows;
  rows.reserve(size_t(n));
  for (int64_t i = 0; i < n; ++i) {
    RowJson row;
    row["input_ids"] = enc.input_ids[size_t(i)];
    if (!enc.token_type_ids.empty()) row["token_type_ids"] = enc.token_type_ids[size_t(i)];
    row["attention_mask"] = enc.attention_mask[size_t(i)];
    if (with_labels) row["label"] = ids[size_t(i)];
    rows.push_back(std::move(row));
  }
  if (rows.empty()) throw Error(split + ": the dataset is empty");
  return datasets::Dataset::from_rows(rows);
}

}  // namespace cuddle::training
