// Hostile and malformed requests: every one gets a 4xx with the Hub's error headers and
// leaves the repo and the blob store exactly as they were.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "hub/commit_ndjson.h"
#include "hub/hash.h"
#include "hub_test_util.h"

namespace fs = std::filesystem;
using namespace cuddle::hub;
using cuddle::test::HubServer;
using cuddle::test::raw_request;

namespace {

size_t count_files(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) ++n;
  return n;
}

}  // namespace

TEST(HubHostile, BadRequestsGet4xxAndWriteNothing) {
  ServerOptions o;
  o.max_request_bytes = 1 << 20;
  o.max_lfs_bytes = 4 << 20;
  HubServer server(o);
  cuddle::test::TempDir cache;
  HubConfig cfg = server.config(cache.path());
  create_repo(cfg, "org/target");
  std::string head = repo_info(cfg, "org/target").sha;
  std::string blobs = server.root() + "/srv/blobs";
  size_t blob_count = count_files(blobs);
  std::string commit_url = server.url() + "/api/models/org/target/commit/main";
  std::string header = ndjson_header({"hostile", "", ""});
  auto file_line = [](const std::string& path) {
    return "{\"key\":\"file\",\"value\":{\"path\":\"" + path + "\",\"content\":\"aGk=\",\"encoding\":\"base64\"}}";
  };

  struct Case {
    std::string name, method, url, body, token;
    int status;
  };
  std::vector<Case> cases = {
      {"malformed ndjson", "POST", commit_url, header + "\n{not json", cuddle::test::kToken, 400},
      {"no header", "POST", commit_url, file_line("a.txt"), cuddle::test::kToken, 400},
      {"good line then bad line", "POST", commit_url, header + "\n" + file_line("ok.txt") + "\n{\"key\":1}",
       cuddle::test::kToken, 400},
      {"traversal", "POST", commit_url, header + "\n" + file_line("../../etc/passwd"), cuddle::test::kToken, 400},
      {"absolute path", "POST", commit_url, header + "\n" + file_line("/etc/passwd"), cuddle::test::kToken, 400},
      {"dot segment", "POST", commit_url, header + "\n" + file_line("a/./b"), cuddle::test::kToken, 400},
      {"backslash", "POST", commit_url, header + "\n" + file_line("a\\\\b"), cuddle::test::kToken, 400},
      {"lfs never uploaded", "POST", commit_url, header + "\n" + ndjson_lfs_file("w.bin", std::string(64, 'c'), 5),
       cuddle::test::kToken, 400},
      {"oversized body", "POST", commit_url, header + "\n" + ndjson_file("big.txt", std::string(2 << 20, 'x')),
       cuddle::test::kToken, 413},
      {"bad token", "POST", commit_url, header + "\n" + file_line("a.txt"), "hf_wrong", 401},
      {"no token", "POST", commit_url, header + "\n" + file_line("a.txt"), "", 401},
      {"stale parent", "POST", commit_url,
       ndjson_header({"s", "", std::string(40, 'a')}) + "\n" + file_line("a.txt"), cuddle::test::kToken, 412},
      {"file under a file", "POST", commit_url,
       header + "\n" + file_line(".gitattributes/x"), cuddle::test::kToken, 400},
      {"bad repo name", "POST", server.url() + "/api/models/org/..%2F..%2Fx/commit/main", header, cuddle::test::kToken, 400},
      {"repo name traversal in create", "POST", server.url() + "/api/repos/create",
       R"({"name":"..","organization":"org"})", cuddle::test::kToken, 400},
      {"create not json", "POST", server.url() + "/api/repos/create", "[1,2", cuddle::test::kToken, 400},
      {"revision traversal", "GET", server.url() + "/org/target/resolve/..%2F..%2Fmain/.gitattributes", "",
       cuddle::test::kToken, 400},
      {"path traversal in resolve", "GET", server.url() + "/org/target/resolve/main/a/%2E%2E/%2E%2E/hub.sqlite", "",
       cuddle::test::kToken, 400},
      {"bad percent escape", "GET", server.url() + "/org/target/resolve/main/%zz", "", cuddle::test::kToken, 400},
      {"batch bad oid", "POST", server.url() + "/org/target.git/info/lfs/objects/batch",
       R"({"operation":"upload","objects":[{"oid":"../../x","size":1}]})", cuddle::test::kToken, 400},
      {"batch no token", "POST", server.url() + "/org/target.git/info/lfs/objects/batch",
       R"({"operation":"upload","objects":[]})", "", 401},
      {"lfs upload unsigned", "PUT",
       server.url() + "/lfs-upload/models/org/target/" + sha256_hex("hi") + "?size=2&expires=99999999999&sig=00", "hi",
       "", 403},
      {"preupload bad path", "POST", server.url() + "/api/models/org/target/preupload/main",
       R"({"files":[{"path":"../x","size":1,"sample":""}]})", cuddle::test::kToken, 400},
      {"unknown route", "GET", server.url() + "/api/nothing", "", cuddle::test::kToken, 404},
  };
  for (const auto& c : cases) {
    auto r = raw_request(c.method, c.url, c.body, c.token,
                         c.url.find("/commit/") != std::string::npos ? "application/x-ndjson" : "application/json");
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    EXPECT_FALSE(r.header("x-error-message").empty()) << c.name;
    EXPECT_EQ(r.header("content-type").rfind("application/json", 0), 0u) << c.name;
  }
  EXPECT_EQ(repo_info(cfg, "org/target").sha, head);
  EXPECT_EQ(count_files(blobs), blob_count);
  EXPECT_EQ(count_files(server.root() + "/srv/tmp"), 0u);
}

TEST(HubHostile, LfsUploadMustMatchItsAnnouncedHash) {
  ServerOptions o;
  o.max_lfs_bytes = 4 << 20;
  HubServer server(o);
  cuddle::test::TempDir cache;
  HubConfig cfg = server.config(cache.path());
  create_repo(cfg, "org/lfs");
  std::string content = "real content";
  std::string oid = sha256_hex(content);
  auto batch = raw_request("POST", server.url() + "/org/lfs.git/info/lfs/objects/batch",
                           R"({"operation":"upload","transfers":["basic"],"objects":[{"oid":")" + oid +
                               R"(","size":12},{"oid":")" + std::string(64, 'd') + R"(","size":99999999}]})");
  ASSERT_EQ(batch.status, 200) << batch.body;
  auto j = nlohmann::json::parse(batch.body);
  EXPECT_EQ(j["objects"][1]["error"]["code"], 413);  // over max_lfs_bytes
  std::string href = j["objects"][0]["actions"]["upload"]["href"];
  size_t blobs = count_files(server.root() + "/srv/blobs");
  auto put = raw_request("PUT", href, "fake content", "", "application/octet-stream");  // same size, wrong bytes
  EXPECT_EQ(put.status, 400);
  EXPECT_FALSE(put.header("x-error-message").empty());
  EXPECT_EQ(count_files(server.root() + "/srv/blobs"), blobs);
  EXPECT_EQ(raw_request("PUT", href, "real content!", "", "application/octet-stream").status, 400);  // too long
  std::string verify = j["objects"][0]["actions"]["verify"]["href"];
  EXPECT_EQ(raw_request("POST", verify, R"({"oid":")" + oid + R"(","size":12})").status, 404);
  EXPECT_EQ(raw_request("PUT", href, content, "", "application/octet-stream").status, 200);
  EXPECT_EQ(raw_request("POST", verify, R"({"oid":")" + oid + R"(","size":12})").status, 200);
  // A tampered URL (other size) fails its signature.
  std::string tampered = href;
  tampered.replace(tampered.find("size=12"), 7, "size=13");
  EXPECT_EQ(raw_request("PUT", tampered, content + "x", "", "application/octet-stream").status, 403);
  EXPECT_EQ(count_files(server.root() + "/srv/tmp"), 0u);
}
