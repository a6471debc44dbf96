// Reliability: resumed and killed downloads end verified, concurrent processes share one
// blob, corrupted content never enters the cache, and the server holds 50 concurrent
// downloads and uploads with bounded memory (numbers printed for the closing note).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "hub/hash.h"
#include "hub_test_util.h"

namespace fs = std::filesystem;
using namespace cuddle::hub;
using cuddle::test::HubServer;
using cuddle::test::read_file;

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

// Starts `cuddle ARGS...` with extra environment variables; returns its pid.
pid_t spawn_cli(const std::vector<std::string>& args, const std::vector<std::string>& env_extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  env.insert(env.end(), env_extra.begin(), env_extra.end());
  std::vector<char*> envp, argv;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string bin = CUDDLE_BIN;
  std::vector<std::string> copy = args;
  argv.push_back(bin.data());
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("posix_spawn failed");
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

uint64_t size_or_zero(const std::string& p) {
  std::error_code ec;
  auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

long rss_kb() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

std::vector<std::string> env_for(const HubServer& server, const std::string& home) {
  return {"HF_ENDPOINT=" + server.url(), "HF_TOKEN=" + cuddle::test::kToken, "HF_HOME=" + home,
          "HF_HUB_CACHE=" + home + "/hub", "HF_HUB_OFFLINE=0"};
}

std::string upload_one(const HubServer& server, const std::string& repo, const std::string& path,
                       const std::string& content) {
  cuddle::test::TempDir tmp;
  HubConfig cfg = server.config(tmp.path());
  create_repo(cfg, repo);
  CommitOperation op;
  op.path_in_repo = path;
  op.content = content;
  create_commit(cfg, repo, {op}, {});
  return sha256_hex(content);
}

}  // namespace

TEST(HubReliability, ResumesFromAPartialFileAndRestartsACorruptOne) {
  HubServer server;
  cuddle::test::TempDir home;
  std::string content = cuddle::test::random_bytes(6 << 20, 11);
  std::string sha = upload_one(server, "org/resume", "w.safetensors", content);
  HubConfig cfg = server.config(home.path());
  std::string blob = home.path() + "/models--org--resume/blobs/" + sha;
  fs::create_directories(fs::path(blob).parent_path());
  cuddle::test::write_file(blob + ".incomplete", content.substr(0, content.size() / 2));
  EXPECT_EQ(read_file(hf_hub_download(cfg, "org/resume", "w.safetensors")), content);
  EXPECT_FALSE(fs::exists(blob + ".incomplete"));

  fs::remove_all(home.path() + "/models--org--resume");
  fs::create_directories(fs::path(blob).parent_path());
  cuddle::test::write_file(blob + ".incomplete", std::string(content.size() / 3, 'z'));  // wrong bytes
  EXPECT_EQ(read_file(hf_hub_download(cfg, "org/resume", "w.safetensors")), content);
  EXPECT_EQ(sha256_file(blob), sha);
}

TEST(HubReliability, CorruptContentNeverEntersTheCache) {
  HubServer server;
  cuddle::test::TempDir home;
  std::string content = cuddle::test::random_bytes(1 << 20, 12);
  std::string sha = upload_one(server, "org/corrupt", "w.bin", content);
  std::string regular_oid = git_blob_oid("small text");
  {
    cuddle::test::TempDir tmp;
    CommitOperation op;
    op.path_in_repo = "t.txt";
    op.content = "small text";
    create_commit(server.config(tmp.path()), "org/corrupt", {op}, {});
  }
  // Flip bytes of both stored blobs on the server (same sizes).
  std::string lfs_blob = server.root() + "/srv/blobs/" + sha.substr(0, 2) + "/" + sha;
  std::string flipped = content;
  flipped[100] ^= 0x55;
  cuddle::test::write_file(lfs_blob, flipped);
  std::string small_sha = sha256_hex("small text");
  cuddle::test::write_file(server.root() + "/srv/blobs/" + small_sha.substr(0, 2) + "/" + small_sha, "small tExt");
  HubConfig cfg = server.config(home.path());
  EXPECT_THROW(hf_hub_download(cfg, "org/corrupt", "w.bin"), IntegrityError);
  EXPECT_THROW(hf_hub_download(cfg, "org/corrupt", "t.txt"), IntegrityError);
  std::string repo = home.path() + "/models--org--corrupt";
  EXPECT_TRUE(fs::is_empty(repo + "/blobs"));
  EXPECT_FALSE(fs::exists(repo + "/snapshots"));
}

TEST(HubReliability, KilledDownloadResumesAndEndsVerified) {
  HubServer server;
  cuddle::test::TempDir home;
  std::string content = cuddle::test::random_bytes(8 << 20, 13);
  std::string sha = upload_one(server, "org/killed", "w.bin", content);
  std::string incomplete = home.path() + "/hub/models--org--killed/blobs/" + sha + ".incomplete";
  auto env = env_for(server, home.path());
  env.push_back("CUDDLE_HUB_RATE_LIMIT=4000000");  // ~2 s for the file: time to kill it half-way
  pid_t pid = spawn_cli({"hub", "download", "org/killed", "w.bin"}, env);
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (size_or_zero(incomplete) < (1u << 20) && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(pid, SIGKILL);
  EXPECT_EQ(wait_exit(pid), 128 + SIGKILL);
  uint64_t partial = size_or_zero(incomplete);
  EXPECT_GT(partial, 0u);
  EXPECT_LT(partial, content.size());
  std::printf("[ numbers  ] killed download left %llu of %zu bytes in .incomplete\n",
              static_cast<unsigned long long>(partial), content.size());
  auto r = spawn_cli({"hub", "download", "org/killed", "w.bin"}, env_for(server, home.path()));
  EXPECT_EQ(wait_exit(r), 0);
  EXPECT_FALSE(fs::exists(incomplete));
  EXPECT_EQ(sha256_file(home.path() + "/hub/models--org--killed/blobs/" + sha), sha);
}

TEST(HubReliability, TwoProcessesDownloadingTheSameFileShareOneBlob) {
  HubServer server;
  cuddle::test::TempDir home;
  std::string content = cuddle::test::random_bytes(4 << 20, 14);
  std::string sha = upload_one(server, "org/race", "w.bin", content);
  auto env = env_for(server, home.path());
  env.push_back("CUDDLE_HUB_RATE_LIMIT=8000000");  // long enough for the two to overlap
  pid_t a = spawn_cli({"hub", "download", "org/race", "w.bin"}, env);
  pid_t b = spawn_cli({"hub", "download", "org/race", "w.bin"}, env);
  EXPECT_EQ(wait_exit(a), 0);
  EXPECT_EQ(wait_exit(b), 0);
  std::vector<std::string> blobs;
  for (const auto& e : fs::directory_iterator(home.path() + "/hub/models--org--race/blobs"))
    blobs.push_back(e.path().filename().string());
  EXPECT_EQ(blobs, std::vector<std::string>{sha});
  EXPECT_EQ(sha256_file(home.path() + "/hub/models--org--race/blobs/" + sha), sha);
}

TEST(HubReliability, FiftyConcurrentDownloadsAndUploads) {
  HubServer server;
  cuddle::test::TempDir work;
  std::string content = cuddle::test::random_bytes(4 << 20, 15);
  std::string sha = upload_one(server, "org/load", "w.bin", content);
  const int n = 50;
  std::atomic<int> failures{0};
  std::vector<std::string> errors(2 * n);
  long rss_before = rss_kb();
  std::atomic<long> rss_peak{rss_before};
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    for (int i = 0; i < 6000 && !done; ++i) {  // bounded: at most 60 s of sampling
      long now = rss_kb();
      if (now > rss_peak) rss_peak = now;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {  // download into its own cache
      try {
        HubConfig cfg = server.config(work.path() + "/d" + std::to_string(i));
        if (sha256_file(hf_hub_download(cfg, "org/load", "w.bin")) != sha) throw std::runtime_error("bad content");
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(i)] = e.what();
        ++failures;
      }
    });
    threads.emplace_back([&, i] {  // upload one file (regular) to the same branch
      try {
        HubConfig cfg = server.config(work.path() + "/u");
        CommitOperation op;
        op.path_in_repo = "up/" + std::to_string(i) + ".txt";
        op.content = cuddle::test::random_bytes(256 << 10, 100 + static_cast<uint32_t>(i));
        for (auto& ch : *op.content) ch = static_cast<char>('a' + (static_cast<unsigned char>(ch) % 26));
        create_commit(cfg, "org/load", {op}, {});
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(n + i)] = e.what();
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  done = true;
  sampler.join();
  for (const auto& e : errors) EXPECT_TRUE(e.empty()) << e;
  EXPECT_EQ(failures, 0);
  HubConfig cfg = server.config(work.path() + "/check");
  EXPECT_EQ(repo_info(cfg, "org/load").siblings.size(), 2u + n);
  long growth_mb = (rss_peak - rss_before) / 1024;
  std::printf("[ numbers  ] %d downloads of 4 MiB + %d uploads of 256 KiB in %.2f s (%.0f MB/s down), "
              "process RSS growth %ld MB\n",
              n, n, seconds, n * 4.194304 / seconds, growth_mb);
  // Bounded: files stream from disk; 50 clients and 50 upload bodies stay well under this.
  // AddressSanitizer keeps freed memory in quarantine (256 MB by default) on top.
#ifdef __SANITIZE_ADDRESS__
  EXPECT_LT(growth_mb, 400 + 512);
#else
  EXPECT_LT(growth_mb, 400);
#endif
}
