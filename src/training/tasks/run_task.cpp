// `cuddle train TASK`: the flow of transformers' run_classification.py (run_ner.py,
// run_mlm.py) around the Trainer.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cuddle/error.h"
#include "cuddle/load_dataset.h"
#include "cuddle/peft.h"
#include "cuddle/hub.h"
#include "cuddle/train_tasks.h"
#include "io/atomic_file.h"
#include "training/arg_values.h"
#include "training/tasks/lora_task.h"
#include "training/tasks/task_data.h"
#include "training/tasks/task_steps.h"

namespace cuddle::training {

namespace fs = std::filesystem;

namespace {

using TA = TaskArguments;

const std::map<std::string, std::function<void(TA&, const Json&, const std::string&)>>& task_fields() {
  using F = std::function<void(TA&, const Json&, const std::string&)>;
  auto str = [](std::string TA::*m) -> F { return [m](TA& a, const Json& v, const std::string&) { a.*m = v.get<std::string>(); }; };
  static const std::map<std::string, F> table = {
      {"task", str(&TA::task)},
      {"model", str(&TA::model_name_or_path)},
      {"model_name_or_path", str(&TA::model_name_or_path)},
      {"model_revision", str(&TA::model_revision)},
      {"revision", str(&TA::model_revision)},
      {"train_file", str(&TA::train_file)},
      {"validation_file", str(&TA::validation_file)},
      {"test_file", str(&TA::test_file)},
      {"dataset_name", str(&TA::dataset_name)},
      {"text_column_name", [](TA& a, const Json& v, const std::string& n) { a.text_column_names = to_list(v, n); }},
      {"text_column_names", [](TA& a, const Json& v, const std::string& n) { a.text_column_names = to_list(v, n); }},
      {"label_column_name", str(&TA::label_column_name)},
      {"image_column_name", str(&TA::image_column_name)},
      {"max_seq_length", [](TA& a, const Json& v, const std::string& n) { a.max_seq_length = to_int(v, n); }},
      {"pad_to_max_length", [](TA& a, const Json& v, const std::string& n) { a.pad_to_max_length = to_bool(v, n); }},
      {"metric_name", [](TA& a, const Json& v, const std::string& n) { a.metric_name = to_list(v, n); }},
      {"early_stopping_patience",
       [](TA& a, const Json& v, const std::string& n) { a.early_stopping_patience = to_int(v, n); }},
      {"early_stopping_threshold",
       [](TA& a, const Json& v, const std::string& n) { a.early_stopping_threshold = to_double(v, n); }},
      {"use_peft", [](TA& a, const Json& v, const std::string& n) { a.use_peft = to_bool(v, n); }},
      {"lora_r", [](TA& a, const Json& v, const std::string& n) { a.lora_r = to_int(v, n); }},
      {"lora_alpha", [](TA& a, const Json& v, const std::string& n) { a.lora_alpha = to_double(v, n); }},
      {"lora_dropout", [](TA& a, const Json& v, const std::string& n) { a.lora_dropout = to_double(v, n); }},
      {"lora_target_modules", [](TA& a, const Json& v, const std::string& n) { a.lora_target_modules = to_list(v, n); }},
      {"lora_modules_to_save", [](TA& a, const Json& v, const std::string& n) { a.lora_modules_to_save = to_list(v, n); }},
      {"adapter", str(&TA::adapter)},
      {"load_in_8bit", [](TA& a, const Json& v, const std::string& n) { a.load_in_8bit = to_bool(v, n); }},
      {"load_in_4bit", [](TA& a, const Json& v, const std::string& n) { a.load_in_4bit = to_bool(v, n); }},
      {"bnb_4bit_quant_type", str(&TA::bnb_4bit_quant_type)},
      {"use_bnb_nested_quant", [](TA& a, const Json& v, const std::string& n) { a.use_bnb_nested_quant = to_bool(v, n); }},
      {"bnb_4bit_use_double_quant",  // BitsAndBytesConfig's name for the same switch
       [](TA& a, const Json& v, const std::string& n) { a.use_bnb_nested_quant = to_bool(v, n); }},
      {"max_train_samples", [](TA& a, const Json& v, const std::string& n) { a.max_train_samples = to_int(v, n); }},
      {"label_all_tokens", [](TA& a, const Json& v, const std::string& n) { a.label_all_tokens = to_bool(v, n); }},
      {"return_entity_level_metrics",
       [](TA& a, const Json& v, const std::string& n) { a.return_entity_level_metrics = to_bool(v, n); }},
      {"line_by_line", [](TA& a, const Json& v, const std::string& n) { a.line_by_line = to_bool(v, n); }},
      {"mlm_probability", [](TA& a, const Json& v, const std::string& n) { a.mlm_probability = to_double(v, n); }},
      {"validation_split_percentage",
       [](TA& a, const Json& v, const std::string& n) { a.validation_split_percentage = to_int(v, n); }},
      {"max_eval_samples", [](TA& a, const Json& v, const std::string& n) { a.max_eval_samples = to_int(v, n); }},
      {"max_predict_samples", [](TA& a, const Json& v, const std::string& n) { a.max_predict_samples = to_int(v, n); }},
      {"block_size", [](TA& a, const Json& v, const std::string& n) { a.block_size = to_int(v, n); }},
      {"doc_stride", [](TA& a, const Json& v, const std::string& n) { a.doc_stride = to_int(v, n); }},
      {"n_best_size", [](TA& a, const Json& v, const std::string& n) { a.n_best_size = to_int(v, n); }},
      {"max_answer_length", [](TA& a, const Json& v, const std::string& n) { a.max_answer_length = to_int(v, n); }},
      {"version_2_with_negative",
       [](TA& a, const Json& v, const std::string& n) { a.version_2_with_negative = to_bool(v, n); }},
      {"null_score_diff_threshold",
       [](TA& a, const Json& v, const std::string& n) { a.null_score_diff_threshold = to_double(v, n); }},
  };
  return table;
}

ModelTask model_task(const std::string& task) {
  if (task == "text-classification") return ModelTask::SequenceClassification;
  if (task == "image-classification") return ModelTask::ImageClassification;
  if (task == "token-classification") return ModelTask::TokenClassification;
  if (task == "fill-mask") return ModelTask::MaskedLM;
  if (task == "question-answering") return ModelTask::QuestionAnswering;
  throw Error("cuddle train: task \"" + task +
              "\" is not supported yet (supported: text-classification, image-classification, token-classification, "
              "question-answering, fill-mask, text-generation; object-detection is planned)");
}

}  // namespace

void TaskArguments::set(const std::string& name, const Json& value) {
  const auto it = task_fields().find(name);
  if (it == task_fields().end()) throw Error("unknown argument \"" + name + "\"");
  it->second(*this, value, name);
}

bool TaskArguments::has_field(const std::string& name) { return task_fields().count(name) > 0; }

int run_task(TaskArguments task, TrainingArguments args) {
  if (task.task == "text-generation") return run_text_generation(std::move(task), std::move(args));
  const ModelTask mtask = model_task(task.task);
  if (task.model_name_or_path.empty()) throw Error("cuddle train: --model is required");
  const bool has_data = !task.train_file.empty() || !task.dataset_name.empty();
  if (!args.do_train && !args.do_eval && !args.do_predict) args.do_train = has_data;
  args.finalize();
  if (args.do_train) check_output_dir(args);
  const std::string model_dir = hub::resolve_pretrained(task.model_name_or_path, task.model_revision);

  const Splits splits = load_splits(task, args);
  const std::optional<datasets::Dataset>& train_raw = splits.train;
  const std::optional<datasets::Dataset>& eval_raw = splits.eval;
  const std::optional<datasets::Dataset>& test_raw = splits.test;
  if (args.do_train && !train_raw) throw Error("cuddle train: --do_train needs --train_file or a --dataset_name with a train split");
  if (args.do_eval && !eval_raw) throw Error("cuddle train: --do_eval needs --validation_file or a validation split");
  if (args.do_predict && !test_raw) throw Error("cuddle train: --do_predict needs --test_file or a test split");
  if (train_raw && train_raw->num_rows() == 0) throw Error("cuddle train: the training set is empty");

  const datasets::Dataset& label_source = train_raw ? *train_raw : eval_raw ? *eval_raw : *test_raw;
  // fill-mask and question answering have no label set: their targets are the masked
  // tokens and the answer spans.
  const bool classifies = mtask != ModelTask::MaskedLM && mtask != ModelTask::QuestionAnswering;
  if (task.label_column_name.empty() && classifies)
    task.label_column_name = mtask == ModelTask::TokenClassification ? "ner_tags" : "label";
  std::optional<LabelSet> labels;
  if (classifies) labels = label_set_for(model_dir, mtask, label_source, task.label_column_name);
  if (mtask == ModelTask::MaskedLM && args.do_predict)
    throw Error("cuddle train fill-mask: --do_predict is not part of run_mlm.py; use --do_eval for the loss and "
                "perplexity");
  std::vector<std::string> fresh;
  std::shared_ptr<PreTrainedModel> model = model_for_training(model_dir, mtask, labels ? &*labels : nullptr, &fresh);
  const std::optional<peft::LoraConfig> lora_config = adapter_setup(*model, task, mtask, model_dir);
  if (!fresh.empty())
    std::cerr << "cuddle train: " << fresh.size() << " parameters newly initialised (e.g. " << fresh.front()
              << "): train them before use\n";
  const TaskData data = prepare_task_data(task, mtask, model_dir, splits, labels, args.output_dir);
  std::vector<std::shared_ptr<TrainerCallback>> callbacks;
  if (task.early_stopping_patience)
    callbacks.push_back(std::make_shared<EarlyStoppingCallback>(*task.early_stopping_patience,
                                                                task.early_stopping_threshold));
  Trainer trainer(*model, args, data.collator, data.data.train, data.data.eval, data.compute_metrics, callbacks,
                  model_dir);
  if (data.preprocess_logits) trainer.set_preprocess_logits_for_metrics(data.preprocess_logits);
  if (data.post_process_metrics) trainer.set_post_process_metrics(data.post_process_metrics);
  std::shared_ptr<peft::PeftModel> lora;
  if (lora_config) lora = attach_lora(model, task, *lora_config, trainer);
  const auto rows = [](const std::optional<datasets::Dataset>& ds) { return ds ? ds->num_rows() : 0; };
  // run_mlm.py reports perplexity, under that name: exp of the mean masked-token loss.
  train_and_evaluate(trainer, args, rows(data.data.train), rows(data.data.eval), mtask == ModelTask::MaskedLM);
  if (args.do_predict) {
    // run_qa.py predicts under the Trainer's default prefix ("test_" metrics); the others
    // under "predict". Question answering's post-processing writes its own files.
    const PredictionOutput p =
        trainer.predict(*data.data.test, mtask == ModelTask::QuestionAnswering ? "test" : "predict");
    if (data.prediction_file) {
      const auto [name, text] = data.prediction_file(p.prediction);
      fs::create_directories(args.output_dir);
      io::write_file_atomic((fs::path(args.output_dir) / name).string(), text);
    }
    if (!p.metrics.empty()) trainer.save_metrics("predict", p.metrics);
  }
  finish_run(trainer, task, args, model_dir, lora != nullptr);
  return 0;
}

}  // namespace cuddle::training
