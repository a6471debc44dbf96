// `cuddle train text-generation`: the flow of transformers' run_clm.py around the Trainer.
#include <algorithm>
#include <cmath>
#include <iostream>

#include "cuddle/causal_lm.h"
#include "cuddle/collators.h"
#include "cuddle/error.h"
#include "cuddle/hub.h"
#include "cuddle/load_dataset.h"
#include "cuddle/metrics.h"
#include "cuddle/train_tasks.h"
#include "training/tasks/lora_task.h"
#include "training/tasks/task_steps.h"

namespace cuddle::training {

namespace {

using RowJson = datasets::Json;

// run_clm.py's block size: model_max_length, capped at min(1024, the model's positions) when
// larger; an explicit --block_size capped at model_max_length.
int64_t block_size_for(const TaskArguments& task, const AutoTokenizer& tokenizer, const CausalLM& lm) {
  const auto model_max = int64_t(std::min<size_t>(tokenizer.model_max_length(), size_t(INT64_MAX)));
  int64_t block = 0;
  if (!task.block_size) {
    block = model_max;
    if (block > lm.max_positions()) block = std::min<int64_t>(1024, lm.max_positions());
  } else {
    if (*task.block_size < 2) throw Error("--block_size must be at least 2, got " + std::to_string(*task.block_size));
    block = std::min(*task.block_size, model_max);
  }
  if (lm.positions_are_hard_limit() && block > lm.max_positions())
    throw Error("--block_size " + std::to_string(block) + " exceeds the model's " +
                std::to_string(lm.max_positions()) + " positions");
  return block;
}

// tokenize_function then group_texts of run_clm.py: each text tokenised on its own, the ids
// of every 1000 rows (datasets.map's batch) concatenated and cut into block_size blocks,
// the remainder of each batch dropped.
datasets::Dataset tokenize_and_group(const AutoTokenizer& tokenizer, const datasets::Dataset& ds,
                                     const std::string& column, int64_t block, const std::string& split) {
  const auto names = ds.column_names();
  if (std::find(names.begin(), names.end(), column) == names.end()) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    throw Error(split + ": the text column \"" + column + "\" does not exist (columns: " + known + ")");
  }
  const std::vector<RowJson> values = ds.column_values(column);
  std::vector<RowJson> rows;
  constexpr size_t kMapBatch = 1000;
  for (size_t start = 0; start < values.size(); start += kMapBatch) {
    std::vector<std::string> texts;
    for (size_t i = start; i < std::min(values.size(), start + kMapBatch); ++i)
      texts.push_back(values[i].is_string() ? values[i].get<std::string>() : values[i].is_null() ? "" : values[i].dump());
    const BatchEncoding enc = tokenizer(texts);
    std::vector<int64_t> ids;
    for (const auto& seq : enc.input_ids) ids.insert(ids.end(), seq.begin(), seq.end());
    for (size_t b = 0; b + size_t(block) <= ids.size(); b += size_t(block)) {
      RowJson row;
      row["input_ids"] = std::vector<int64_t>(ids.begin() + int64_t(b), ids.begin() + int64_t(b) + block);
      row["attention_mask"] = std::vector<int64_t>(size_t(block), 1);
      rows.push_back(std::move(row));
    }
  }
  if (rows.empty())
    throw Error(split + ": the texts make no full block of " + std::to_string(block) +
                " tokens (pass a smaller --block_size)");
  return datasets::Dataset::from_rows(rows);
}

// run_clm.py's compute_metrics: next-token accuracy of the arg-max ids (predictions at i
// against labels at i + 1), over positions whose label is not -100.
Metrics next_token_accuracy(const EvalPrediction& p) {
  const Tensor preds = p.predictions.contiguous(), labels = p.label_ids.contiguous();
  const int64_t B = labels.size(0), S = labels.size(1);
  int64_t right = 0, total = 0;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = 0; s + 1 < S; ++s) {
      const int64_t label = labels.data<int64_t>()[b * S + s + 1];
      if (label == -100) continue;
      right += int64_t(preds.data<float>()[b * S + s]) == label;
      ++total;
    }
  return {{"accuracy", total ? double(right) / double(total) : 0.0}};
}

// preprocess_logits_for_metrics: the arg-max id per position, [B, S] (as f32, the dtype
// evaluation gathers predictions in).
Tensor argmax_ids(const Tensor& logits_in, const Tensor&) {
  const Tensor logits = logits_in.contiguous();
  const int64_t V = logits.size(-1), n = logits.numel() / V;
  Tensor ids = Tensor::empty({logits.size(0), logits.size(1)});
  for (int64_t i = 0; i < n; ++i) {
    const float* row = logits.data<float>() + i * V;
    ids.data<float>()[i] = float(std::max_element(row, row + V) - row);
  }
  return ids;
}

}  // namespace

int run_text_generation(TaskArguments task, TrainingArguments args) {
  if (task.model_name_or_path.empty()) throw Error("cuddle train: --model is required");
  const bool has_data = !task.train_file.empty() || !task.dataset_name.empty();
  if (!args.do_train && !args.do_eval && !args.do_predict) args.do_train = has_data;
  args.finalize();
  if (args.do_train) check_output_dir(args);
  const std::string model_dir = hub::resolve_pretrained(task.model_name_or_path, task.model_revision);

  const Splits splits = load_splits(task, args);
  if (args.do_train && !splits.train)
    throw Error("cuddle train: --do_train needs --train_file or a --dataset_name with a train split");
  if (args.do_eval && !splits.eval) throw Error("cuddle train: --do_eval needs --validation_file or a train split");
  if (splits.train && splits.train->num_rows() == 0) throw Error("cuddle train: the training set is empty");

  std::vector<std::string> fresh;
  std::shared_ptr<PreTrainedModel> model = model_for_training(model_dir, ModelTask::CausalLM, nullptr, &fresh);
  if (!fresh.empty() && fresh.size() == model->named_parameters().size())
    std::cerr << "cuddle train: no weights in " << model_dir << ": training a new model from its config\n";
  const std::optional<peft::LoraConfig> lora_config = adapter_setup(*model, task, ModelTask::CausalLM, model_dir);
  const AutoTokenizer tokenizer = AutoTokenizer::from_pretrained(model_dir);
  const int64_t block = block_size_for(task, tokenizer, as_causal_lm(*model));
  const std::string column = task.text_column_names.empty() ? "text" : task.text_column_names.front();
  std::optional<datasets::Dataset> train_ds, eval_ds;
  if (args.do_train) train_ds = tokenize_and_group(tokenizer, *splits.train, column, block, "train");
  if (args.do_eval) eval_ds = tokenize_and_group(tokenizer, *splits.eval, column, block, "validation");

  LanguageModelingOptions collate;  // labels = input_ids (blocks are never padded)
  collate.mlm = false;
  if (!task.metric_name.empty() && task.metric_name != std::vector<std::string>{"accuracy"})
    throw Error("text-generation computes eval_loss, accuracy and perplexity; --metric_name " +
                task.metric_name.front() + " is not one of them");
  Trainer trainer(*model, args, data_collator_for_language_modeling(collate), train_ds, eval_ds,
                  next_token_accuracy, {}, model_dir);
  trainer.set_preprocess_logits_for_metrics(argmax_ids);
  std::shared_ptr<peft::PeftModel> lora;
  if (lora_config) lora = attach_lora(model, task, *lora_config, trainer);
  train_and_evaluate(trainer, args, train_ds ? train_ds->num_rows() : 0, eval_ds ? eval_ds->num_rows() : 0,
                     /*perplexity=*/true);
  finish_run(trainer, task, args, model_dir, lora != nullptr);
  return 0;
}

}  // namespace cuddle::training
