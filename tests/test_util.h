// Helpers shared by the test executables: fixture paths, temporary folders, running the
// CLI and capturing its exit code and output.
#pragma once
#include <string>
#include <vector>

#include "cuddle/error.h"

namespace cuddle::test {

// Path of a vendored fixture: fixture("models/bert-seqcls/config.json").
std::string fixture(const std::string& rel);

// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs the cuddle binary with `args` (no shell), stdin from /dev/null unless `input` is
// given.
CliResult run_cli(const std::vector<std::string>& args, const std::string& input = "");
// Replaces the calling (forked child) process by the cuddle binary with `args`.
[[noreturn]] void exec_cli(const std::vector<std::string>& args);

std::string read_file(const std::string& path);

// The message of the `E` (a cuddle::Error by default) that `f()` throws, "" when it throws
// none; any other exception propagates and fails the test.
template <class E = Error, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}
void write_file(const std::string& path, const std::string& bytes);

}  // namespace cuddle::test
