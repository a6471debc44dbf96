// Transformer models with the semantics of their transformers classes: load a Hugging Face
// model folder (config.json + safetensors) and run it. Outputs carry transformers' names:
// hidden_states.0 (embeddings) .. hidden_states.L, last_hidden_state, pooler_output, logits,
// start_logits, end_logits (docs/models.md).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cuddle/config.h"
#include "cuddle/nn.h"
#include "cuddle/safetensors.h"
#include "cuddle/tensor.h"

namespace cuddle {

// What the model is for: which head sits on the base model (transformers' Auto classes).
enum class ModelTask {
  Base,
  MaskedLM,
  SequenceClassification,
  TokenClassification,
  QuestionAnswering,
  ImageClassification,
  ObjectDetection,
  ZeroShotImageClassification,
  CausalLM,
};
std::string_view task_name(ModelTask task);  // "AutoModelForMaskedLM", ...

struct ModelInputs {
  Tensor input_ids;       // [B, S] integer
  Tensor attention_mask;  // [B, S], 1 = token, 0 = padding; undefined = all ones
  Tensor token_type_ids;  // [B, S]; undefined = zeros (ignored by models without segments)
  Tensor pixel_values;    // [B, C, H, W] f32, as the model's image processor produced it
  Tensor pixel_mask;      // [B, H, W], 1 = real pixel, 0 = padding; undefined = all ones
  // ViT / CLIP: accept images of another size than config.image_size by resizing the
  // position embeddings (transformers' interpolate_pos_encoding argument).
  bool interpolate_pos_encoding = false;
  // Training targets, as transformers' forward takes them (forward_with_loss): class ids
  // [B] (or floats [B] / [B, num_labels] for regression and multi-label), token labels
  // [B, S] with -100 for positions to ignore, masked-LM labels [B, S], causal-LM labels
  // [B, S] (the input ids; the model shifts them: logits at i predict labels at i + 1).
  Tensor labels;
  Tensor start_positions, end_positions;  // question answering, [B]
  // Causal LM (transformers' num_items_in_batch loss kwarg): > 0 makes the loss the sum of
  // the token losses over this count instead of their mean, so micro-batches of one
  // gradient-accumulation step add up to the mean over all of their tokens. The Trainer
  // sets it to the labels != -100 of the step's micro-batches, as transformers' does.
  int64_t num_items_in_batch = 0;
};

struct ModelOutputs {
  NamedTensors tensors;  // in transformers' order
  const Tensor& get(const std::string& name) const;  // throws Error naming the missing output
  bool contains(const std::string& name) const;
  // Appends hidden_states.0 .. hidden_states.N in transformers' naming.
  void add_hidden_states(const std::vector<Tensor>& hidden_states);
};

class PreTrainedModel : public nn::Module {
 public:
  // Runs the model; hidden_states.* are included when output_hidden_states.
  virtual ModelOutputs forward(const ModelInputs& inputs, bool output_hidden_states = true) const = 0;

  const ModelConfig& config() const { return *config_; }
  // transformers' class name, e.g. "BertForSequenceClassification".
  const std::string& class_name() const { return class_name_; }
  ModelTask task() const { return task_; }

  // forward() plus transformers' loss for the task as the first output "loss" when the
  // inputs carry labels (or start/end positions): sequence classification by
  // config.problem_type (inferred as transformers does: one label -> regression with MSE,
  // integer labels -> cross-entropy, else multi-label BCE-with-logits), token
  // classification and masked LM by cross-entropy ignoring -100, question answering by
  // the mean of the start and end cross-entropies (positions clamped to the sequence,
  // out-of-range ones ignored), causal LM by transformers' ForCausalLMLoss (logits[:, :-1]
  // against labels[:, 1:], -100 ignored, mean or sum / num_items_in_batch).
  // label_smoothing as TrainingArguments.label_smoothing_factor.
  ModelOutputs forward_with_loss(const ModelInputs& inputs, float label_smoothing = 0.0f) const;

  // Fills the weights from a checkpoint, adapting keys the way transformers does: the
  // base-model prefix (bert., roberta., distilbert.) added or stripped, legacy
  // LayerNorm.gamma / .beta names, tied output embeddings. Strict otherwise.
  // `prefilled`: weights the caller installed itself (quantized Linear weights, src/quant):
  // those checkpoint keys are skipped and those module keys are not reported missing.
  struct Prefilled {
    std::set<std::string> checkpoint_keys;
    std::set<std::string> module_keys;
  };
  void load_weights(const SafetensorsCheckpoint& checkpoint, const Prefilled& prefilled = {});
  // The module keys `checkpoint` does not provide after the same adaptations (tied copies
  // excluded): what from_pretrained reports as newly initialised, e.g. a classifier head
  // on top of a base checkpoint.
  std::set<std::string> keys_missing_from(const SafetensorsCheckpoint& checkpoint);
  // Tied parameters: module key -> the key it shares storage with.
  const std::map<std::string, std::string>& tied() const { return tied_; }

 protected:
  PreTrainedModel(std::shared_ptr<const ModelConfig> config, std::string class_name, ModelTask task,
                  std::string base_prefix)
      : config_(std::move(config)), class_name_(std::move(class_name)), task_(task),
        base_prefix_(std::move(base_prefix)) {}
  // Called by load_weights with the module keys the checkpoint provides (after key
  // adaptation), before strict loading: a model drops optional parts the checkpoint
  // lacks here (a base model's pooler when loaded from an MLM checkpoint).
  virtual void drop_absent_optional_parts(const std::set<std::string>& provided) {}
  std::function<std::string(const std::string&)> key_adapter(const SafetensorsCheckpoint& checkpoint,
                                                              const Prefilled& prefilled);
  // Tied parameters: module key -> key it shares storage with.
  std::map<std::string, std::string> tied_;
  // Older names of this model's own keys: checkpoint key -> module key.
  std::map<std::string, std::string> aliases_;
  // Key prefixes of the family's other heads (and of a pooler this model lacks): such keys
  // in a checkpoint are dropped, as transformers drops them (a BertForMaskedLM loaded from
  // a pre-training checkpoint ignores cls.seq_relationship.* and bert.pooler.*). The
  // model's own missing keys still fail the strict load.
  std::vector<std::string> other_head_prefixes_;
  // Key endings of buffers older checkpoints saved and transformers rebuilds instead of
  // loading (GPT-2's causal-mask attn.bias): such keys are dropped.
  std::vector<std::string> ignored_key_suffixes_;

 private:
  std::shared_ptr<const ModelConfig> config_;
  std::string class_name_;
  ModelTask task_;
  std::string base_prefix_;  // "bert"; the base model's keys carry it inside head models
};

// A model that embeds texts and images into one space (CLIPModel): what the zero-shot
// image classification pipeline needs besides forward's logits_per_image.
class TextImageEmbedder {
 public:
  virtual ~TextImageEmbedder() = default;
  // transformers' get_text_features: the projected pooled text states [B, projection_dim],
  // not normalised; reads input_ids and attention_mask.
  virtual Tensor get_text_features(const ModelInputs& inputs) const = 0;
  // transformers' get_image_features: the projected pooled image states [B, projection_dim],
  // not normalised; reads pixel_values (and interpolate_pos_encoding).
  virtual Tensor get_image_features(const ModelInputs& inputs) const = 0;
};

// Builds the model for `task` (nullopt: the class config.json's architectures[0] names) of a
// model folder without loading weights: for loaders that fill some themselves (src/quant).
std::unique_ptr<PreTrainedModel> create_model(const std::string& dir, std::optional<ModelTask> task);
std::unique_ptr<PreTrainedModel> create_model(std::shared_ptr<const ModelConfig> config, std::optional<ModelTask> task);
// Builds the model for `task` from a model folder (config.json + model.safetensors or a
// sharded index) and loads its weights. Throws with the file named when config.json is
// missing, the model_type is not supported, or weights are missing / unexpected /
// mis-shaped.
std::unique_ptr<PreTrainedModel> load_model(const std::string& dir, ModelTask task);
// The class named by config.json's architectures[0] (what `cuddle forward` runs).
std::unique_ptr<PreTrainedModel> load_model_from_architectures(const std::string& dir);

// load_model of a model folder or of a Hub repo id resolved through the huggingface_hub
// cache at `revision` (branch, tag or 40-hex commit; hub::resolve_pretrained, docs/hub.md).
std::unique_ptr<PreTrainedModel> load_pretrained(const std::string& name_or_path, const std::string& revision,
                                                 ModelTask task);

// transformers' Auto classes, spelled as they are there: AutoModelForSequenceClassification::
// from_pretrained("org/name") or from_pretrained("path/to/folder").
template <ModelTask Task>
struct AutoModelFor {
  static std::unique_ptr<PreTrainedModel> from_pretrained(const std::string& name_or_path,
                                                          const std::string& revision = "main") {
    return load_pretrained(name_or_path, revision, Task);
  }
};
using AutoModel = AutoModelFor<ModelTask::Base>;
using AutoModelForMaskedLM = AutoModelFor<ModelTask::MaskedLM>;
using AutoModelForSequenceClassification = AutoModelFor<ModelTask::SequenceClassification>;
using AutoModelForTokenClassification = AutoModelFor<ModelTask::TokenClassification>;
using AutoModelForQuestionAnswering = AutoModelFor<ModelTask::QuestionAnswering>;
using AutoModelForImageClassification = AutoModelFor<ModelTask::ImageClassification>;
using AutoModelForObjectDetection = AutoModelFor<ModelTask::ObjectDetection>;
using AutoModelForZeroShotImageClassification = AutoModelFor<ModelTask::ZeroShotImageClassification>;
// Decoder-only language models (GPT2LMHeadModel, LlamaForCausalLM, ...); they also implement
// CausalLM (cuddle/causal_lm.h), which generation runs on.
using AutoModelForCausalLM = AutoModelFor<ModelTask::CausalLM>;

// Fresh values, as transformers' _init_weights gives them, for the parameters named in
// `keys` (every parameter when empty); src/models/init_weights.cpp has the rules. Draws
// from the seeded generator of cuddle/random.h.
void init_weights(PreTrainedModel& model, const std::set<std::string>& keys = {});

// The weights save_pretrained writes: every parameter except tied copies, contiguous.
NamedTensors state_dict(PreTrainedModel& model);
// transformers' save_pretrained: DIR/model.safetensors (sharded past 5 GiB) and
// DIR/config.json (the model's config with architectures, id2label / label2id and dtype),
// both written atomically.
void save_pretrained(PreTrainedModel& model, const std::string& dir);
// Copies a model folder's companion files from `from` to `to`: the tokenizer's (tokenizer.json,
// tokenizer_config.json, special_tokens_map.json, added_tokens.json, vocab.*, merges.txt,
// sentencepiece *.model, chat_template.*), the processor's and generation_config.json, as
// transformers' save_pretrained writes them; nothing a previous run left there.
void copy_companion_files(const std::string& from, const std::string& to);

// Every architecture name the registry knows, e.g. "RobertaForMaskedLM".
std::vector<std::string> supported_architectures();

}  // namespace cuddle
