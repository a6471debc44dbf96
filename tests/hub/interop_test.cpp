// Interoperability with the official JavaScript client @huggingface/hub (tests/npm): it
// creates a repo, uploads a small and a 12 MB file in one commit (useXet: false), lists and
// downloads them from cuddle's server; cuddle's client then reads the same repo.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "hub/hash.h"
#include "hub_test_util.h"

namespace fs = std::filesystem;
using namespace cuddle::hub;
using json = nlohmann::json;

namespace {

std::string run_capture(const std::string& cmd, int& rc) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    rc = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace

TEST(HubInterop, HuggingfaceJsClientTalksToCuddleServe) {
  std::string module = std::string(CUDDLE_SOURCE_DIR) + "/tests/npm/node_modules/@huggingface/hub/package.json";
  int rc = 0;
  run_capture("node --version >/dev/null 2>&1", rc);
  if (rc != 0 || !fs::exists(module)) GTEST_SKIP() << "node or tests/npm/node_modules missing (run scripts/test-deps.sh)";
  cuddle::test::HubServer server;
  cuddle::test::TempDir out, home;
  std::string cmd = "timeout 120 node " + std::string(CUDDLE_SOURCE_DIR) + "/tests/hub/js_client.mjs " + server.url() +
                    " " + cuddle::test::kToken + " org/from-js " + out.path() + " 2>&1";
  std::string text = run_capture(cmd, rc);
  ASSERT_EQ(rc, 0) << text;
  json j = json::parse(text.substr(text.rfind("\n{") == std::string::npos ? 0 : text.rfind("\n{") + 1));
  EXPECT_EQ(j["created"]["id"], "org/from-js");
  EXPECT_EQ(j["created"]["repoUrl"], server.url() + "/org/from-js");
  EXPECT_EQ(j["downloads"], j["expected"]);
  EXPECT_EQ(j["exists"], true);
  EXPECT_EQ(j["missing"], false);
  EXPECT_EQ(j["info"]["name"], "org/from-js");  // the JS client maps id to "name"
  std::map<std::string, json> listed;
  for (const auto& e : j["listed"]) listed[e["path"]] = e;
  EXPECT_EQ(listed["data"]["type"], "directory");
  EXPECT_EQ(listed["small.txt"]["lfs"], nullptr);
  EXPECT_EQ(listed["data/big.bin"]["lfs"]["oid"], j["expected"]["data/big.bin"]["sha256"]);
  EXPECT_EQ(listed["data/big.bin"]["size"], 12 * 1024 * 1024);

  // cuddle's client reads what the JS client wrote into a fresh huggingface_hub cache.
  HubConfig cfg = server.config(home.path());
  std::string snap = snapshot_download(cfg, "org/from-js");
  std::string big_sha = j["expected"]["data/big.bin"]["sha256"];
  EXPECT_EQ(sha256_file(snap + "/data/big.bin"), big_sha);
  EXPECT_EQ(cuddle::test::link_target(snap + "/data/big.bin"), "../../../blobs/" + big_sha);
  EXPECT_EQ(cuddle::test::read_file(snap + "/small.txt"), "hello from @huggingface/hub\n");
  EXPECT_EQ(j["commit"]["oid"], repo_info(cfg, "org/from-js").sha);
}
