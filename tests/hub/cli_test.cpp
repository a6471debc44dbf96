// The `cuddle hub` commands end to end: serve (as a process), create, upload with a model
// card, ls, download into a fresh HF_HOME, cache ls / rm, and clear errors.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "cuddle/model_card.h"
#include "hub/hash.h"
#include "hub_test_util.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using cuddle::test::run_cli;

namespace {

// `cuddle hub serve` as a child process; reads the bound port from its first stdout line.
class ServeProcess {
 public:
  ServeProcess(const std::string& root) {
    int out[2];
    if (pipe(out)) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      close(out[1]);
      execl(CUDDLE_BIN, CUDDLE_BIN, "hub", "serve", "--root", root.c_str(), "--port", "0", "--token",
            cuddle::test::kToken.c_str(), nullptr);
      _exit(127);
    }
    close(out[1]);
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
    close(out[0]);
    size_t colon = line.rfind(':');
    port_ = colon == std::string::npos ? 0 : std::atoi(line.c_str() + colon + 1);
  }
  ~ServeProcess() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    exited_cleanly_ = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  bool exited_cleanly_ = false;
};

void set_env(const std::string& endpoint, const std::string& home) {
  setenv("HF_ENDPOINT", endpoint.c_str(), 1);
  setenv("HF_TOKEN", cuddle::test::kToken.c_str(), 1);
  setenv("HF_HOME", home.c_str(), 1);
  unsetenv("HF_HUB_CACHE");
  unsetenv("HF_HUB_OFFLINE");
}

void clear_env() {
  for (const char* v : {"HF_ENDPOINT", "HF_TOKEN", "HF_HOME", "HF_HUB_OFFLINE"}) unsetenv(v);
}

}  // namespace

TEST(HubCli, UploadDownloadLsCacheAndCard) {
  cuddle::test::TempDir root, home, folder;
  ServeProcess serve(root.path());
  ASSERT_GT(serve.port(), 0);
  set_env(serve.url(), home.path());
  cuddle::test::put_file(folder.path(), "config.json", "{}");
  cuddle::test::put_file(folder.path(), "model.safetensors", cuddle::test::random_bytes(1 << 20, 3));
  cuddle::test::put_file(folder.path(), "README.md", "---\nlicense: mit\n---\n# Mine\n");
  cuddle::test::put_file(folder.path(), "notes.tmp", "x");

  auto r = run_cli({"hub", "create", "org/cli", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["url"], serve.url() + "/org/cli");
  r = run_cli({"hub", "create", "org/cli"});
  EXPECT_EQ(r.exit_code, 1);  // exists, without --exist-ok
  r = run_cli({"hub", "upload", "org/cli", folder.path(), "--exclude", "*.tmp", "--commit-message", "first", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string commit = json::parse(r.out)["commit"];
  r = run_cli({"hub", "ls", "org/cli", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json ls = json::parse(r.out);
  std::set<std::string> paths;
  for (const auto& e : ls) paths.insert(e["path"]);
  EXPECT_EQ(paths, (std::set<std::string>{".gitattributes", "README.md", "config.json", "model.safetensors"}));

  r = run_cli({"hub", "download", "org/cli", "README.md", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string readme = json::parse(r.out)["paths"][0];
  EXPECT_EQ(readme, home.path() + "/hub/models--org--cli/snapshots/" + commit + "/README.md");
  auto card = cuddle::hub::ModelCard::load(readme);
  EXPECT_EQ(card.data()["license"], "mit");  // kept
  EXPECT_EQ(card.data()["tags"], json::array({"cuddle"}));  // added
  EXPECT_EQ(card.body(), "# Mine\n");

  r = run_cli({"hub", "download", "org/cli", "--include", "*.safetensors"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(home.path() + "/hub/models--org--cli/snapshots/" + commit + "/model.safetensors"));
  r = run_cli({"hub", "cache", "ls", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json scan = json::parse(r.out);
  ASSERT_EQ(scan["repos"].size(), 1u);
  EXPECT_EQ(scan["repos"][0]["repo_id"], "org/cli");
  EXPECT_EQ(scan["repos"][0]["revisions"][0]["commit"], commit);
  r = run_cli({"hub", "cache", "rm", "org/cli@main"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(home.path() + "/hub/models--org--cli/snapshots/" + commit));

  r = run_cli({"hub", "download", "org/none"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("repository not found"), std::string::npos) << r.err;
  r = run_cli({"hub", "download", "org/cli", "nope.txt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("file not found"), std::string::npos) << r.err;
  setenv("HF_HUB_OFFLINE", "1", 1);
  r = run_cli({"hub", "download", "org/cli", "config.json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("offline"), std::string::npos) << r.err;
  clear_env();
}
