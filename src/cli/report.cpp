// `cuddle report OUTPUT_DIR [--json]`: writes OUTPUT_DIR/report.html, the training curves
// and final metrics of a Trainer run (docs/training.md).
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cuddle/training_report.h"

CUDDLE_CLI_COMMAND("report", [](CLI::App& app) {
  auto* cmd = app.add_subcommand("report", "Write OUTPUT_DIR/report.html: loss, learning-rate and metric curves of a "
                                           "training run and its final metrics");
  auto dir = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("OUTPUT_DIR", *dir, "the Trainer's output_dir (trainer_state.json or checkpoint-*/)")->required();
  cmd->add_flag("--json", *json, "print {\"report\": PATH} instead of the path");
  return [dir, json]() {
    const std::string path = cuddle::training::write_training_report(*dir);
    if (*json)
      std::cout << nlohmann::json{{"report", path}}.dump() << "\n";
    else
      std::cout << path << "\n";
    return 0;
  };
});
