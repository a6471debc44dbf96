// What transformers' example scripts (run_classification.py, run_ner.py, run_mlm.py) do
// before the Trainer runs: a model for the task with its head kept or sized from the data's
// labels, labels mapped to ids, texts tokenised into model-input columns (docs/trainer.md).
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cuddle/datasets.h"
#include "cuddle/collators.h"
#include "cuddle/image_processor.h"
#include "cuddle/metrics.h"
#include "cuddle/models.h"
#include "cuddle/tokenizer.h"
#include "cuddle/trainer.h"

namespace cuddle::training {

// The labels of a classification run, in id order.
struct LabelSet {
  std::vector<std::string> names;
  bool from_model = false;  // the model's own head and label2id decide the ids
  int64_t id_of(const std::string& label) const;  // -1 when unknown
};

// run_classification.py's rule: a model whose config.json names a head for `task` with
// real label names keeps its label2id (every training label must be in it); a head with
// the placeholder names LABEL_0.. of the right size, or no head at all, gets the training
// labels' distinct values, sorted (numerically for integers), as run_ner.py's
// get_label_list sorts them. For token classification each cell is a list of labels, and
// the labels of all of them count. Empty labels are an Error.
LabelSet label_set_for(const std::string& model_dir, ModelTask task, const datasets::Dataset& train,
                       const std::string& label_column);

// True when `model_dir` holds weights (model.safetensors or a shard index); a config-only
// folder trains from scratch.
bool has_weights(const std::string& model_dir);

// The model to fine-tune: config.json with num_labels / id2label / label2id set from
// `labels` (unless they came from the model), its weights from model.safetensors where
// the folder has them; what the checkpoint lacks (a new head, or everything for a
// config-only folder) initialised as transformers does. Prints nothing; returns the keys
// that were newly initialised in `initialised` when given.
std::unique_ptr<PreTrainedModel> model_for_training(const std::string& model_dir, ModelTask task,
                                                    const LabelSet* labels,
                                                    std::vector<std::string>* initialised = nullptr);

// A label cell's class id: a ClassLabel column's names (also a list of ClassLabel, the
// ner_tags of a token-classification set), label names, or (for a model's own head)
// integer ids, looked up in `labels`; a label it lacks is an Error naming the split and row.
class LabelLookup {
 public:
  LabelLookup(const datasets::Dataset& ds, const std::string& column, const LabelSet& labels, std::string split);
  int64_t id(const datasets::Json& cell, int64_t row) const;

 private:
  const LabelSet& labels_;
  std::string split_;
  std::vector<std::string> class_names_;
};
// Every row's class id (LabelLookup).
std::vector<int64_t> label_ids(const datasets::Dataset& ds, const std::string& column, const LabelSet& labels,
                               const std::string& split);

// run_image_classification.py's collate: each row's image (decoded when used) through the
// model's image processor into pixel_values, its label as a class id. The processor's
// evaluation transform serves training too (no random crops or flips).
DataCollator image_classification_collator(std::shared_ptr<const ImageProcessor> processor, std::string image_column,
                                           std::string label_column, LabelSet labels);

struct TextTaskOptions {
  // Joined with a space into one text per row, as run_classification.py joins
  // --text_column_names; empty: "text", else "sentence".
  std::vector<std::string> text_columns;
  std::string label_column = "label";
  int64_t max_seq_length = 128;
  bool pad_to_max_length = true;  // run_classification.py's default; false: pad per batch
};

// The dataset's texts tokenised (truncated to max_seq_length) into input_ids /
// attention_mask (/ token_type_ids when the tokenizer makes them) and the labels mapped to
// ids in a "label" column. `split` names the dataset in errors: a missing column, a label
// not in `labels` (with its row), an empty text column.
datasets::Dataset tokenize_for_sequence_classification(const AutoTokenizer& tokenizer, const datasets::Dataset& ds,
                                                       const TextTaskOptions& options, const LabelSet& labels,
                                                       const std::string& split);

// ---- token classification (run_ner.py) ----------------------------------------------

struct TokenTaskOptions {
  std::string tokens_column = "tokens";    // a list of words per row
  std::string label_column = "ner_tags";   // a list of labels (names or ids), one per word
  std::optional<int64_t> max_seq_length;   // unset: the tokenizer's model_max_length
  bool pad_to_max_length = false;          // run_ner.py's default: pad per batch
  // The label on every sub-token of a word (a B- label becoming its I- twin after the
  // first), not only on the first; -100 on the others otherwise.
  bool label_all_tokens = false;
};

// run_ner.py's b_to_i_label: for every label id, the id of its I- twin when it is a B-
// label that has one, else the id itself.
std::vector<int64_t> b_to_i_labels(const LabelSet& labels);

// run_ner.py's tokenize_and_align_labels: each row's words tokenised with
// is_split_into_words semantics (truncated to max_seq_length), and a "labels" column with
// each word's label id on its first sub-token and -100 on special tokens and the other
// sub-tokens (label_all_tokens: see TokenTaskOptions). Errors name the split and row: a
// missing or non-list column, words and labels of different lengths, an unknown label.
datasets::Dataset tokenize_for_token_classification(const AutoTokenizer& tokenizer, const datasets::Dataset& ds,
                                                    const TokenTaskOptions& options, const LabelSet& labels,
                                                    const std::string& split);

// The labels of the positions whose label is not -100, per row, as names: run_ner.py's
// true_predictions (from the arg-max of `predictions`) and true_labels.
struct TokenTags {
  metrics::TagSequences predictions, references;
};
TokenTags token_tags(const EvalPrediction& p, const LabelSet& labels);

// run_ner.py's compute_metrics: seqeval on token_tags, reported as precision / recall /
// f1 / accuracy (its overall_* values) or, with entity_level, every key seqeval returns
// (overall_* and <TYPE>_precision / _recall / _f1 / _number).
ComputeMetrics token_classification_metrics(LabelSet labels, bool entity_level);

// run_ner.py's predictions.txt: one line per row, the predicted labels of its words
// joined by spaces.
std::string token_predictions_text(const EvalPrediction& p, const LabelSet& labels);

// ---- masked language modelling (run_mlm.py) --------------------------------------------

struct MaskedLmOptions {
  std::string text_column;  // empty: "text", else the first column
  // Unset: the tokenizer's model_max_length, at most 1024 (run_mlm.py's default); else at
  // most model_max_length.
  std::optional<int64_t> max_seq_length;
  // true: every non-blank line one example, truncated; false (default): all texts
  // tokenised, concatenated and cut into blocks of max_seq_length (group_texts).
  bool line_by_line = false;
  bool pad_to_max_length = false;  // line_by_line only
};

// The sequence length run_mlm.py uses for `options` and `tokenizer`.
int64_t masked_lm_length(const AutoTokenizer& tokenizer, const MaskedLmOptions& options);

// run_mlm.py's tokenisation: input_ids / attention_mask (/ token_type_ids) per line, or
// per block of max_seq_length after concatenating the texts of each map batch of 1,000
// rows (the remainder of each batch dropped, as group_texts drops it). A missing text
// column, or no example at all, is an Error naming the split.
datasets::Dataset tokenize_for_masked_lm(const AutoTokenizer& tokenizer, const datasets::Dataset& ds,
                                         const MaskedLmOptions& options, const std::string& split);

// DataCollatorForLanguageModeling's settings for `tokenizer`: its mask token, its length
// (vocabulary and added tokens) for the random replacements, and its special tokens as
// the ids never masked where rows carry no special_tokens_mask. A tokenizer without a mask
// token is an Error.
LanguageModelingOptions masked_lm_collator_options(const AutoTokenizer& tokenizer, double mlm_probability);

// run_mlm.py's evaluation: the logits reduced to their arg-max per position while
// evaluating (preprocess_logits_for_metrics), and the accuracy over the masked positions.
PreprocessLogits masked_lm_preprocess_logits();
ComputeMetrics masked_lm_metrics();

// ---- question answering (run_qa.py) ----------------------------------------------------

struct QaOptions {
  int64_t max_seq_length = 384;  // at most the tokenizer's model_max_length
  int64_t doc_stride = 128;      // overlap of a long context's windows, in tokens
  bool pad_to_max_length = true;
  int64_t n_best_size = 20;
  int64_t max_answer_length = 30;  // in tokens
  bool version_2_with_negative = false;  // SQuAD v2: some questions have no answer
  double null_score_diff_threshold = 0.0;
};

// run_qa.py's columns: "question", "context" and "answers" where the dataset has them, else
// its first, second and third column.
struct QaColumns {
  std::string question, context, answers;
};
QaColumns qa_columns(const datasets::Dataset& ds, const std::string& split);
// The window length run_qa.py uses: max_seq_length, at most the tokenizer's model_max_length.
int64_t qa_max_length(const AutoTokenizer& tokenizer, const QaOptions& options);

// A split's features: one per window of a context.
struct QaFeatures {
  // input_ids, attention_mask (token_type_ids); for training also start_positions /
  // end_positions.
  datasets::Dataset inputs;
  std::vector<int64_t> example;  // the example (row) each feature came from
  // Evaluation features: per token its character span in the context, nullopt for the
  // question, special tokens and padding.
  std::vector<std::vector<std::optional<std::pair<size_t, size_t>>>> context_offsets;
};

// prepare_train_features: questions left-stripped, each (question, context) pair cut into
// windows; a window's targets are the tokens of the first answer, or the CLS position
// where the answer is not wholly inside it (or the example has none). Errors name the split
// and row: a missing column, a cell that is not a text, answers not in SQuAD's form.
QaFeatures prepare_qa_train_features(const AutoTokenizer& tokenizer, const datasets::Dataset& ds,
                                     const QaOptions& options, const std::string& split);
// prepare_validation_features: the same windows, with the context offsets post-processing
// maps answers back through; needs an "id" column.
QaFeatures prepare_qa_eval_features(const AutoTokenizer& tokenizer, const datasets::Dataset& ds,
                                    const QaOptions& options, const std::string& split);
// The first `n` features (run_qa.py caps the features at max_*_samples as well as the examples).
QaFeatures select_qa_features(const QaFeatures& features, int64_t n);

struct QaCandidate {
  std::string text;
  float start_logit, end_logit, score;
  double probability;
  bool placeholder;  // utils_qa's "empty" answer, made when no span qualified
};
struct QaExamplePrediction {
  std::string id;
  std::string prediction_text;
  std::vector<QaCandidate> nbest;  // best first
  double null_score_diff = 0;      // version 2: the null score minus the best span's
};

// utils_qa.postprocess_qa_predictions: for each example, over all its windows, the
// n_best_size best start and end logits paired into spans inside the context of at most
// max_answer_length tokens, scored start + end logit; the best n_best_size with their
// softmax probabilities; the answer the best one's text or, for version 2, "" when the
// lowest null score (CLS start + end) beats the best span by more than the threshold.
// `span_logits` is the Trainer's [features, length, 2] gathered prediction.
std::vector<QaExamplePrediction> postprocess_qa_predictions(const datasets::Dataset& examples,
                                                            const QaFeatures& features, const Tensor& span_logits,
                                                            const QaOptions& options);
// utils_qa's files in output_dir: <stage>_predictions.json (id -> answer),
// <stage>_nbest_predictions.json, and for version 2 <stage>_null_odds.json, as json.dumps
// writes them (indent 4, non-ASCII escaped).
void write_qa_predictions(const std::string& output_dir, const std::string& stage,
                          const std::vector<QaExamplePrediction>& predictions, bool version_2_with_negative);
// run_qa.py's compute_metrics: evaluate's squad (exact_match, f1) or squad_v2 against the
// examples' answers.
Metrics qa_metrics(const datasets::Dataset& examples, const std::vector<QaExamplePrediction>& predictions,
                   bool version_2_with_negative);

}  // namespace cuddle::training

namespace cuddle::training {

// The example scripts' own arguments (ModelArguments / DataTrainingArguments of
// run_classification.py, run_ner.py, run_mlm.py), settable by name like TrainingArguments.
struct TaskArguments {
  // text-classification, image-classification, token-classification, question-answering,
  // fill-mask, text-generation
  std::string task;
  std::string model_name_or_path;
  std::string model_revision = "main";
  std::string train_file, validation_file, test_file, dataset_name;
  std::vector<std::string> text_column_names;
  std::string label_column_name;  // empty: the task's ("label", "ner_tags")
  std::string image_column_name = "image";
  // Unset: the task's default (128 for text classification, 384 for question answering,
  // the tokenizer's model_max_length for token classification, that at most 1024 for
  // fill-mask).
  std::optional<int64_t> max_seq_length;
  // unset: true for text classification and question answering, else false
  std::optional<bool> pad_to_max_length;
  // run_ner.py's
  bool label_all_tokens = false;
  bool return_entity_level_metrics = false;
  // run_mlm.py's
  bool line_by_line = false;
  double mlm_probability = 0.15;
  // fill-mask / text-generation: the train split's share held out without validation data
  int64_t validation_split_percentage = 5;
  std::vector<std::string> metric_name;  // empty: the task's default
  std::optional<int64_t> early_stopping_patience;
  double early_stopping_threshold = 0.0;
  std::optional<int64_t> max_train_samples, max_eval_samples, max_predict_samples;
  // run_qa.py's (question-answering)
  int64_t doc_stride = 128;
  int64_t n_best_size = 20;
  int64_t max_answer_length = 30;
  bool version_2_with_negative = false;
  double null_score_diff_threshold = 0.0;
  // run_clm.py's (text-generation): tokens per training block (default min(1024,
  // model_max_length)); validation_split_percentage above applies too.
  std::optional<int64_t> block_size;
  // LoRA through peft, TRL's flag names and defaults: the adapter (and the task head,
  // saved in full) trains, the base stays frozen; output folders hold the adapter.
  bool use_peft = false;
  int64_t lora_r = 16;
  double lora_alpha = 32;
  double lora_dropout = 0.05;
  std::vector<std::string> lora_target_modules;  // empty: peft's default for the model type
  std::vector<std::string> lora_modules_to_save;
  std::string adapter;  // start from this adapter folder (trainable) instead of a fresh one
  // QLoRA, TRL's flag names: the base's Linear layers quantized as bitsandbytes does and
  // frozen under the adapter (needs use_peft). TRL's default 4-bit type is nf4.
  bool load_in_8bit = false;
  bool load_in_4bit = false;
  std::string bnb_4bit_quant_type = "nf4";
  bool use_bnb_nested_quant = false;  // double quantisation of the 4-bit absmax

  // `name` as the scripts spell it (model / model_name_or_path, text_column_name(s)); an
  // unknown name is an Error.
  void set(const std::string& name, const Json& value);
  static bool has_field(const std::string& name);
};

// What `cuddle train TASK` does, as run_classification.py (run_ner.py, run_qa.py, run_mlm.py): load
// the data files, map the labels, build the model, tokenise, train / evaluate / predict as
// the do_* flags say (training when neither is given but a train file is), save the model,
// metrics, state and the model card in output_dir. Refuses an output_dir that holds a previous run
// unless overwrite_output_dir or resume_from_checkpoint. Returns the process exit code.
int run_task(TaskArguments task, TrainingArguments args);

// `cuddle train text-generation`, as run_clm.py: a text column ("text", or the first
// --text_column_name) tokenised, concatenated and cut into block_size blocks (labels =
// input_ids), a causal LM trained from its checkpoint or, for a config-only folder, from
// scratch; eval_loss, eval_accuracy (next-token) and perplexity = exp(eval_loss).
int run_text_generation(TaskArguments task, TrainingArguments args);

}  // namespace cuddle::training
