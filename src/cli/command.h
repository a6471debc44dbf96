// Sub-command registry. Each command lives in its own file under src/cli/ and registers
// itself with CUDDLE_CLI_COMMAND; main.cpp only parses and dispatches. Commands hold no
// logic the library lacks: they parse flags, call the library, print.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace cuddle::cli {

// Adds the sub-command (and its options) to `app`; returns the action to run if the
// sub-command is chosen. The action returns the process exit code.
using CommandSetup = std::function<std::function<int()>(CLI::App& app)>;

struct CommandRegistration {
  CommandRegistration(const char* name, CommandSetup setup);
};

struct RegisteredCommand {
  std::string name;
  CommandSetup setup;
};
std::vector<RegisteredCommand>& command_registry();

}  // namespace cuddle::cli

#define CUDDLE_CLI_CONCAT2(a, b) a##b
#define CUDDLE_CLI_CONCAT(a, b) CUDDLE_CLI_CONCAT2(a, b)
// Usage: CUDDLE_CLI_COMMAND("info", [](CLI::App& app) { ...; return [=] { return 0; }; });
#define CUDDLE_CLI_COMMAND(name, ...)                                                     \
  static ::cuddle::cli::CommandRegistration CUDDLE_CLI_CONCAT(cuddle_cli_cmd_, __LINE__)( \
      name, __VA_ARGS__)
