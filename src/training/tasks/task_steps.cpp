#include "training/tasks/task_steps.h"

#include <cmath>
#include <filesystem>
#include <iostream>

#include "cuddle/error.h"
#include "cuddle/hub.h"
#include "cuddle/load_dataset.h"
#include "cuddle/model_card.h"
#include "cuddle/trainer_card.h"

namespace cuddle::training {

namespace fs = std::filesystem;

namespace {

std::optional<datasets::Dataset> cut(std::optional<datasets::Dataset> ds, const std::optional<int64_t>& max_samples) {
  if (ds && max_samples && *max_samples < ds->num_rows()) ds = ds->slice(0, *max_samples);
  return ds;
}

// run_mlm.py / run_clm.py without validation data: the first validation_split_percentage %
// of the train split (datasets' "train[:N%]", rounded as datasets rounds) evaluates, the
// rest trains, whether or not this run trains. 0 holds nothing out.
void split_off_validation(Splits& s, const TaskArguments& task) {
  if (task.validation_split_percentage == 0) return;
  if (task.validation_split_percentage < 0 || task.validation_split_percentage >= 100)
    throw Error("--validation_split_percentage must be in 0..99, got " +
                std::to_string(task.validation_split_percentage));
  const std::string pct = std::to_string(task.validation_split_percentage) + "%";
  datasets::DatasetDict dd;
  dd.splits.emplace_back("train", *s.train);
  s.eval = datasets::select_split(dd, "train[:" + pct + "]");
  s.train = datasets::select_split(dd, "train[" + pct + ":]");
}

// "***** split metrics *****" and one "  key = value" line each, on stdout.
void print_metrics(const std::string& split, const Metrics& m) {
  std::cout << "***** " << split << " metrics *****\n";
  for (const auto& [k, v] : m) std::cout << "  " << k << " = " << v << "\n";
}

// The Trainer's model card in output_dir (README.md); for an adapter, peft's library_name
// and the base model it applies to.
void write_card(const Trainer& trainer, const TaskArguments& task, const TrainingArguments& args,
                const std::string& model_dir, bool adapter) {
  TrainerCardInfo card;
  card.model_name = args.hub_model_id.empty() ? fs::path(args.output_dir).lexically_normal().filename().string()
                                              : args.hub_model_id;
  if (has_weights(model_dir)) card.base_model = task.model_name_or_path;
  card.dataset = task.dataset_name;
  card.task = task.task;
  card.log_history = nlohmann::ordered_json(trainer.state().log_history);
  card.training_args = nlohmann::ordered_json(args.to_json());
  const std::string path = write_trainer_model_card(args.output_dir, card);
  if (adapter) {
    hub::ModelCard c = hub::ModelCard::load(path);
    c.set("library_name", "peft");
    c.set("base_model", task.model_name_or_path);
    c.save(path);
  }
}

}  // namespace

Splits load_splits(const TaskArguments& task, const TrainingArguments& args) {
  Splits s;
  if (!task.dataset_name.empty()) {
    const datasets::DatasetDict dd = datasets::load_dataset(task.dataset_name);
    auto split = [&](const char* name) -> std::optional<datasets::Dataset> {
      for (const auto& [n, ds] : dd.splits)
        if (n == name) return ds;
      return std::nullopt;
    };
    s.train = split("train");
    s.eval = split("validation");
    s.test = split("test");
  }
  auto file = [](const std::string& path) { return datasets::load_dataset(path, "train"); };
  if (!task.train_file.empty()) s.train = file(task.train_file);
  if (!task.validation_file.empty()) s.eval = file(task.validation_file);
  if (!task.test_file.empty()) s.test = file(task.test_file);
  if ((task.task == "fill-mask" || task.task == "text-generation") && s.train && !s.eval)
    split_off_validation(s, task);
  if (!args.do_train) s.train.reset();
  if (!args.do_predict) s.test.reset();
  s.train = cut(s.train, task.max_train_samples);
  s.eval = cut(s.eval, task.max_eval_samples);
  s.test = cut(s.test, task.max_predict_samples);
  return s;
}

void check_output_dir(const TrainingArguments& args) {
  std::error_code ec;
  if (!fs::is_directory(args.output_dir, ec) || args.overwrite_output_dir || !args.resume_from_checkpoint.empty())
    return;
  if (fs::is_empty(args.output_dir, ec)) return;
  const bool previous = fs::exists(fs::path(args.output_dir) / "trainer_state.json") ||
                        !sorted_checkpoints(args.output_dir).empty() ||
                        fs::exists(fs::path(args.output_dir) / "model.safetensors");
  if (previous)
    throw Error("output_dir " + args.output_dir +
                " already holds a previous run; pass --overwrite_output_dir to train over it or "
                "--resume_from_checkpoint to continue it");
}

void train_and_evaluate(Trainer& trainer, const TrainingArguments& args, int64_t train_rows, int64_t eval_rows,
                        bool perplexity) {
  if (args.do_train) {
    const TrainOutput out = trainer.train();
    trainer.save_model();
    Metrics m = out.metrics;
    m["train_samples"] = double(train_rows);
    print_metrics("train", m);
    trainer.save_metrics("train", m);
    trainer.save_state();
  }
  if (args.do_eval) {
    Metrics m = trainer.evaluate();
    m["eval_samples"] = double(eval_rows);
    if (perplexity) m["perplexity"] = std::exp(m.at("eval_loss"));  // math.exp: inf on overflow
    print_metrics("eval", m);
    trainer.save_metrics("eval", m);
  }
}

void finish_run(Trainer& trainer, const TaskArguments& task, const TrainingArguments& args,
                const std::string& model_dir, bool adapter) {
  if (args.do_train) write_card(trainer, task, args, model_dir, adapter);
  if (args.push_to_hub) {
    const std::string commit = trainer.push_to_hub();
    std::cout << "pushed " << args.output_dir << " to " << trainer.hub_repo_id() << " at " << commit << "\n";
  }
}

}  // namespace cuddle::training
