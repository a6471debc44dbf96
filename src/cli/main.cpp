// Entry point of the `cuddle` tool: global options, dispatch to the registered
// sub-command, and the one place where errors become a single line on stderr and a
// non-zero exit code.
#include <cstdio>
#include <exception>
#include <memory>

#include "cli/command.h"
#include "cuddle/error.h"
#include "cuddle/threading.h"

namespace cuddle::cli {

std::vector<RegisteredCommand>& command_registry() {
  static std::vector<RegisteredCommand> commands;
  return commands;
}

CommandRegistration::CommandRegistration(const char* name, CommandSetup setup) {
  command_registry().push_back({name, std::move(setup)});
}

}  // namespace cuddle::cli

int main(int argc, char** argv) {
  using namespace cuddle::cli;
  CLI::App app{"cuddle: Hugging Face models, tokenizers and the Hub in native C++"};
  app.require_subcommand(1);
  app.fallthrough();  // global options such as --threads may follow the sub-command
  int threads = 0;
  app.add_option("--threads", threads, "worker threads (default: OMP_NUM_THREADS or all cores)")
      ->check(CLI::PositiveNumber);

  std::vector<std::pair<CLI::App*, std::function<int()>>> actions;
  for (auto& c : command_registry()) {
    size_t before = app.get_subcommands({}).size();
    auto run = c.setup(app);
    auto subs = app.get_subcommands({});
    if (subs.size() > before) actions.emplace_back(subs.back(), std::move(run));
  }

  try {
    app.parse(argc, argv);
    if (threads > 0) cuddle::set_num_threads(threads);
    for (auto& [sub, run] : actions)
      if (sub->parsed()) return run();
    return 0;
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cuddle: error: %s\n", e.what());
    return 1;
  }
}
