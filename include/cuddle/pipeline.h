// Pipelines: transformers' `pipeline(task, model)` for text and image tasks, with its options and its
// return values. A pipeline takes a list of inputs and returns, as JSON, exactly what
// transformers returns for that list (docs/pipelines.md):
//
//   auto clf = cuddle::pipeline("text-classification", "path/or/org/repo");
//   nlohmann::json out = clf({"Bonjour", "Guten Tag"});  // [{"label": ..., "score": ...}, ...]
//
// Tasks: text-classification (alias sentiment-analysis), token-classification (ner),
// fill-mask, question-answering, feature-extraction, zero-shot-classification;
// text-generation (decoder-only models, cuddle/generation.h),
// image-classification, zero-shot-image-classification, object-detection,
// image-feature-extraction (inputs: image file paths, or decoded images).
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cuddle/error.h"
#include "cuddle/image.h"
#include "cuddle/image_processor.h"
#include "cuddle/models.h"
#include "cuddle/tokenizer.h"

namespace cuddle {

// What a pipeline returns: transformers' return value for a list of inputs, one entry per
// input (lists of {"label", "score"}, {"entity_group", ...}, {"sequence", "labels",
// "scores"}, nested float arrays, ...). `out.dump(2)` is the CLI's --json document.
using PipelineOutput = nlohmann::ordered_json;

// One input: a text, or for question-answering a question (`text`) with its `context`.
// Image tasks take an image file path in `text` (decoded as transformers' load_image does)
// or an already decoded `image`.
struct PipelineInput {
  std::string text;
  std::string context;
  std::shared_ptr<const Image> image;

  PipelineInput(std::string t) : text(std::move(t)) {}  // NOLINT: implicit on purpose
  PipelineInput(const char* t) : text(t) {}             // NOLINT
  static PipelineInput question(std::string question, std::string context) {
    PipelineInput in(std::move(question));
    in.context = std::move(context);
    return in;
  }
  static PipelineInput from_image(Image image, std::string name = "") {
    PipelineInput in(std::move(name));
    in.image = std::make_shared<const Image>(std::move(image));
    return in;
  }
};

// Options with transformers' names and defaults; each task reads the ones it knows.
struct PipelineOptions {
  // Number of results. Unset: the task's default (text-classification: the best label
  // only, as a dict; fill-mask 5; question-answering 1; image-classification 5;
  // zero-shot-image-classification all). 0 or less: all (top_k=None).
  std::optional<int> top_k;
  size_t batch_size = 1;
  // text- and image-classification: "" (from problem_type / num_labels), "sigmoid",
  // "softmax", "none".
  std::string function_to_apply;
  // token-classification: "none", "simple", "first", "average", "max". Unset means "none",
  // except that transformers refuses stride with an explicit "none" but not when unset.
  std::optional<std::string> aggregation_strategy;
  std::vector<std::string> ignore_labels = {"O"};
  // token-classification: read a text longer than the model's limit in windows overlapping
  // by this many tokens (unset: truncate it); overlapping entities are reconciled.
  std::optional<size_t> stride;
  // fill-mask: restrict the predictions to these tokens.
  std::vector<std::string> targets;
  // zero-shot-classification and zero-shot-image-classification.
  std::vector<std::string> candidate_labels;
  // Unset: the task's default ("This example is {}." for text, "This is a photo of {}."
  // for images).
  std::optional<std::string> hypothesis_template;
  bool multi_label = false;
  // object-detection: keep detections whose score is above this.
  float threshold = 0.5f;
  // question-answering (transformers 4.x semantics).
  size_t max_answer_len = 15;
  size_t max_seq_len = 384;
  size_t doc_stride = 128;
  bool handle_impossible_answer = false;
  bool align_to_words = true;
  // feature-extraction: false = token embeddings [1, tokens, hidden] per input (transformers);
  // true = one sentence embedding per input, mean-pooled over the attention mask and L2
  // normalised (sentence-transformers).
  bool sentence_embedding = false;
  // image-feature-extraction: true = the model's pooler_output instead of its
  // last_hidden_state (transformers' pool=True).
  bool pool = false;
  // text-generation: generate()'s arguments (cuddle/generation.h) over the model's
  // generation_config.json; max_new_tokens unset there and here: 256 (transformers'
  // pipeline default). return_full_text: the prompt followed by the new text, else only
  // the new text.
  std::optional<int64_t> max_new_tokens;
  std::optional<bool> do_sample;
  std::optional<float> temperature, top_p, repetition_penalty;
  std::optional<uint64_t> seed;
  bool return_full_text = true;
  // Model resolution: branch, tag or 40-hex commit of a Hub repo id.
  std::string revision = "main";
  // Loads the model folder for the task's head; unset: load_model. `cuddle pipeline` passes
  // a quantizing loader (src/quant) for its bitsandbytes flags.
  std::function<std::unique_ptr<PreTrainedModel>(const std::string& dir, ModelTask task)> load_model;
};

// The model-side part every task shares; tasks live in src/pipelines/.
class PipelineTask;

class Pipeline {
 public:
  explicit Pipeline(std::shared_ptr<const PipelineTask> task) : task_(std::move(task)) {}

  // Runs on every input with the options given at construction / with `options`. Throws
  // Error (one line) for empty input lists and inputs the task cannot take.
  PipelineOutput operator()(const std::vector<PipelineInput>& inputs) const;
  PipelineOutput operator()(const std::vector<PipelineInput>& inputs, const PipelineOptions& options) const;

  const std::string& task() const;
  const PipelineOptions& options() const;
  const PreTrainedModel& model() const;
  // Throws Error for a task that has none (image-classification has no tokenizer, text
  // tasks no image processor).
  const AutoTokenizer& tokenizer() const;
  const ImageProcessor& image_processor() const;

 private:
  std::shared_ptr<const PipelineTask> task_;
};

// Builds the pipeline for `task` from a model folder or a Hub repo id (found in the
// huggingface_hub cache, or downloaded unless HF_HUB_OFFLINE=1), loading the model class
// the task needs (AutoModelForSequenceClassification, ...) with its tokenizer and / or
// image processor (AutoImageProcessor) as the task needs them. Throws Error for an unknown
// task, a model without the head the task needs, missing labels, or a repo / revision
// that cannot be resolved.
Pipeline pipeline(const std::string& task, const std::string& model, const PipelineOptions& options = {});
// The same with a model and tokenizer already loaded (transformers' pipeline(task,
// model=model_object, tokenizer=...)): the model runs as given, whatever its head.
Pipeline pipeline(const std::string& task, std::shared_ptr<const PreTrainedModel> model,
                  std::shared_ptr<const AutoTokenizer> tokenizer, const PipelineOptions& options = {});
// The same for image tasks (the tokenizer only for zero-shot-image-classification).
Pipeline pipeline(const std::string& task, std::shared_ptr<const PreTrainedModel> model,
                  std::shared_ptr<const AutoTokenizer> tokenizer,
                  std::shared_ptr<const ImageProcessor> image_processor, const PipelineOptions& options = {});

// The task names pipeline() accepts (aliases included).
std::vector<std::string> supported_pipeline_tasks();
// Whether `task` takes images (paths or decoded images) rather than texts. Throws Error
// for an unknown task.
bool pipeline_task_takes_images(const std::string& task);

// from_pretrained resolution as transformers does it: an existing folder is used as is; a
// repo id is looked up in the huggingface_hub cache (HF_HUB_CACHE, HF_HOME) at `revision`
// (refs/<revision> -> snapshots/<commit>/) and downloaded when missing and online. A
// pinned commit that cannot be found is an error, never a fallback to another revision.
std::string resolve_pretrained_dir(const std::string& name_or_path, const std::string& revision = "main");

}  // namespace cuddle
