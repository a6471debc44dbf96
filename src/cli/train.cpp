// `cuddle train TASK --model M --train_file F --output_dir O [any TrainingArguments flag]
// [--config args.json]`: fine-tuning as transformers' example scripts run it, with
// HfArgumentParser's spelling (`--name value`; a boolean flag alone means true). The flags
// are the fields of TrainingArguments and TaskArguments (docs/trainer.md), so the
// command line, --config files and training_args.json share one table.
#include <iostream>

#include "cli/command.h"
#include "cuddle/error.h"
#include "cuddle/threading.h"
#include "cuddle/train_tasks.h"
#include "io/json_file.h"

namespace cuddle::cli {
namespace {

struct TrainCli {
  std::string task;
  std::string config;
};

// Applies one `name value` pair to whichever table knows the name.
void apply(training::TaskArguments& task, training::TrainingArguments& args, const std::string& name,
           const nlohmann::json& value, bool from_text) {
  if (training::TaskArguments::has_field(name)) {
    task.set(name, value);
  } else if (training::TrainingArguments::has_field(name)) {
    if (from_text)
      args.set_text(name, value.get<std::string>());
    else
      args.set(name, value);
  } else {
    throw Error("cuddle train: unknown argument --" + name + " (see docs/trainer.md for the list)");
  }
}

}  // namespace

CUDDLE_CLI_COMMAND("train", [](CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Fine-tune a model with the Trainer (transformers' example scripts)");
  auto a = std::make_shared<TrainCli>();
  cmd->add_option("task", a->task,
                  "text-classification, image-classification, token-classification, question-answering, fill-mask, "
                  "text-generation")
      ->required();
  cmd->add_option("--config", a->config, "JSON file of arguments by name (the same names as the flags)");
  // The flags are read from what CLI11 leaves over, so they must not fall through to the
  // top-level parser (which would reject them); --threads is handled here for that reason.
  cmd->allow_extras();
  cmd->fallthrough(false);
  cmd->footer(
      "Every TrainingArguments field is a flag (--output_dir, --num_train_epochs, --learning_rate, "
      "--eval_strategy, --save_total_limit, --load_best_model_at_end, --metric_for_best_model, --seed, ...), "
      "plus --model, --train_file, --validation_file, --test_file, --text_column_names, --label_column_name, "
      "--max_seq_length, --pad_to_max_length, --metric_name, --early_stopping_patience, "
      "--early_stopping_threshold, --shuffle_train; token-classification: --label_all_tokens, "
      "--return_entity_level_metrics; question-answering: --doc_stride, --n_best_size, --max_answer_length, "
      "--version_2_with_negative, --null_score_diff_threshold; fill-mask: --line_by_line, --mlm_probability; text-generation: "
      "--block_size; fill-mask and text-generation: --validation_split_percentage. See docs/trainer.md.");
  return [a, cmd]() {
    if (!cmd->parsed()) return 0;
    training::TaskArguments task;
    training::TrainingArguments args;
    task.task = a->task;
    if (!a->config.empty()) {
      const nlohmann::json j = io::read_json_file(a->config);
      if (!j.is_object()) throw Error(a->config + ": expected a JSON object of arguments");
      for (const auto& [name, value] : j.items()) apply(task, args, name, value, false);
    }
    // Flags after --config win, as HfArgumentParser lets the command line override a file.
    const std::vector<std::string> extra = cmd->remaining();
    for (size_t i = 0; i < extra.size(); ++i) {
      const std::string& tok = extra[i];
      if (!tok.starts_with("--")) throw Error("cuddle train: unexpected argument \"" + tok + "\"");
      std::string name = tok.substr(2), value;
      if (const size_t eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (i + 1 < extra.size() && !extra[i + 1].starts_with("--")) {
        value = extra[++i];
      } else {
        value = "true";  // a boolean flag given alone
      }
      for (auto& c : name)
        if (c == '-') c = '_';
      if (name == "threads") {
        set_num_threads(std::stoi(value));
        continue;
      }
      apply(task, args, name, value, true);
    }
    return training::run_task(task, args);
  };
});

}  // namespace cuddle::cli
