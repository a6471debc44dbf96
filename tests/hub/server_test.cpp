// The server's API as clients see it: repo create, info, tree (recursive, paginated), refs,
// branches and tags, resolve headers (HEAD, GET, Range), auth.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hub/hash.h"
#include "hub_test_util.h"

using namespace cuddle::hub;
using cuddle::test::HubServer;
using cuddle::test::raw_request;
using json = nlohmann::json;

namespace {

CommitInfo add_files(const HubConfig& cfg, const std::string& repo, std::vector<std::pair<std::string, std::string>> files,
                     const std::string& branch = "main") {
  std::vector<CommitOperation> ops;
  for (auto& [path, content] : files) {
    CommitOperation op;
    op.path_in_repo = path;
    op.content = content;
    ops.push_back(op);
  }
  CommitOptions opts;
  opts.revision = branch;
  opts.message = "add " + std::to_string(files.size()) + " files";
  return create_commit(cfg, repo, ops, opts);
}

}  // namespace

TEST(HubServer, CreateRepoInfoAndTree) {
  HubServer server;
  cuddle::test::TempDir cache;
  HubConfig cfg = server.config(cache.path());
  EXPECT_EQ(create_repo(cfg, "org/model"), server.url() + "/org/model");
  EXPECT_THROW(create_repo(cfg, "org/model", false, RepoType::Model, false), HttpError);  // 409
  EXPECT_NO_THROW(create_repo(cfg, "org/model"));                                       // exist_ok
  std::string big = cuddle::test::random_bytes(11 << 20, 1);
  CommitInfo c = add_files(cfg, "org/model", {{"config.json", "{}"}, {"a/b/c.txt", "deep"}, {"a/w.safetensors", "x"},
                                              {"big.bin", big}});
  EXPECT_TRUE(is_hex(c.oid, 40));
  EXPECT_EQ(c.url, server.url() + "/org/model/commit/" + c.oid);

  RepoInfo info = repo_info(cfg, "org/model");
  EXPECT_EQ(info.sha, c.oid);
  EXPECT_EQ(info.siblings, (std::vector<std::string>{".gitattributes", "a/b/c.txt", "a/w.safetensors", "big.bin",
                                                     "config.json"}));
  auto tree = list_repo_tree(cfg, "org/model", "main", true);
  std::map<std::string, TreeEntry> by_path;
  for (const auto& e : tree) by_path[e.path] = e;
  ASSERT_EQ(tree.size(), 7u);  // 5 files + folders a, a/b
  EXPECT_EQ(by_path["a"].type, "directory");
  EXPECT_EQ(by_path["a/b"].type, "directory");
  EXPECT_EQ(by_path["config.json"].oid, git_blob_oid("{}"));
  EXPECT_FALSE(by_path["config.json"].lfs);
  // LFS by size (>= 10 MiB) and by the default .gitattributes (*.safetensors).
  ASSERT_TRUE(by_path["big.bin"].lfs);
  EXPECT_EQ(by_path["big.bin"].lfs->oid, sha256_hex(big));
  EXPECT_EQ(by_path["big.bin"].size, big.size());
  EXPECT_EQ(by_path["big.bin"].oid, git_blob_oid(lfs_pointer(sha256_hex(big), big.size())));
  EXPECT_TRUE(by_path["a/w.safetensors"].lfs);

  // Non-recursive listing of a folder: direct children only.
  auto r = raw_request("GET", server.url() + "/api/models/org/model/tree/main/a");
  ASSERT_EQ(r.status, 200);
  json j = json::parse(r.body);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["path"], "a/b");
  EXPECT_EQ(j[1]["path"], "a/w.safetensors");
  // Pagination: Link rel="next" until the end.
  r = raw_request("GET", server.url() + "/api/models/org/model/tree/main?recursive=true&limit=3");
  EXPECT_EQ(json::parse(r.body).size(), 3u);
  EXPECT_NE(r.header("link").find("rel=\"next\""), std::string::npos);
  r = raw_request("GET", server.url() + "/api/models/org/model/tree/main/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.header("x-error-code"), "EntryNotFound");
  // ?blobs=true adds sizes and LFS info to siblings.
  r = raw_request("GET", server.url() + "/api/models/org/model?blobs=true");
  j = json::parse(r.body);
  EXPECT_EQ(j["id"], "org/model");
  EXPECT_EQ(j["modelId"], "org/model");
  EXPECT_EQ(j["siblings"][3]["lfs"]["sha256"], sha256_hex(big));
}

TEST(HubServer, PaginatedTreeFollowsLinks) {
  HubServer server;
  cuddle::test::TempDir cache;
  HubConfig cfg = server.config(cache.path());
  create_repo(cfg, "org/many");
  std::vector<std::pair<std::string, std::string>> files;
  for (int i = 0; i < 1205; ++i) files.emplace_back("f/" + std::to_string(i) + ".txt", std::to_string(i));
  add_files(cfg, "org/many", files);
  EXPECT_EQ(list_repo_tree(cfg, "org/many").size(), 1207u);  // + .gitattributes + folder f
}

TEST(HubServer, ResolveHeadersRangeAndRaw) {
  HubServer server;
  cuddle::test::TempDir cache;
  HubConfig cfg = server.config(cache.path());
  create_repo(cfg, "org/r");
  std::string big = cuddle::test::random_bytes(10 << 20, 2);
  CommitInfo c = add_files(cfg, "org/r", {{"small.txt", "0123456789"}, {"big.bin", big}});
  auto r = raw_request("HEAD", server.url() + "/org/r/resolve/main/small.txt");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("x-repo-commit"), c.oid);
  EXPECT_EQ(r.header("etag"), "\"" + git_blob_oid("0123456789") + "\"");
  EXPECT_EQ(r.header("content-length"), "10");
  r = raw_request("HEAD", server.url() + "/org/r/resolve/" + c.oid + "/big.bin");
  EXPECT_EQ(r.header("x-linked-etag"), "\"" + sha256_hex(big) + "\"");
  EXPECT_EQ(r.header("x-linked-size"), std::to_string(big.size()));
  HttpRequest req;
  req.url = server.url() + "/org/r/resolve/main/small.txt";
  req.headers = {{"Authorization", "Bearer " + cuddle::test::kToken}, {"Range", "bytes=2-5"}};
  r = http_send(req);
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "2345");
  EXPECT_EQ(r.header("content-range"), "bytes 2-5/10");
  r = raw_request("GET", server.url() + "/org/r/raw/main/big.bin");
  EXPECT_EQ(r.body, lfs_pointer(sha256_hex(big), big.size()));
  r = raw_request("HEAD", server.url() + "/org/r/resolve/HEAD/small.txt");
  EXPECT_EQ(r.status, 200);
}

TEST(HubServer, BranchesTagsAndRevisions) {
  HubServer server;
  cuddle::test::TempDir cache;
  HubConfig cfg = server.config(cache.path());
  create_repo(cfg, "org/refs");
  CommitInfo c1 = add_files(cfg, "org/refs", {{"v.txt", "one"}});
  ASSERT_EQ(raw_request("POST", server.url() + "/api/models/org/refs/tag/main", R"({"tag":"v1"})").status, 200);
  ASSERT_EQ(raw_request("POST", server.url() + "/api/models/org/refs/branch/dev", "").status, 200);
  EXPECT_EQ(raw_request("POST", server.url() + "/api/models/org/refs/branch/dev", "").status, 409);
  CommitInfo c2 = add_files(cfg, "org/refs", {{"v.txt", "two"}}, "dev");
  EXPECT_EQ(repo_info(cfg, "org/refs", "v1").sha, c1.oid);
  EXPECT_EQ(repo_info(cfg, "org/refs", "main").sha, c1.oid);
  EXPECT_EQ(repo_info(cfg, "org/refs", "dev").sha, c2.oid);
  EXPECT_EQ(repo_info(cfg, "org/refs", c2.oid).sha, c2.oid);
  auto r = raw_request("GET", server.url() + "/api/models/org/refs/refs");
  json j = json::parse(r.body);
  EXPECT_EQ(j["branches"].size(), 2u);
  EXPECT_EQ(j["tags"][0]["ref"], "refs/tags/v1");
  EXPECT_EQ(j["tags"][0]["targetCommit"], c1.oid);
  EXPECT_THROW(repo_info(cfg, "org/refs", "nope"), RevisionNotFoundError);
  EXPECT_EQ(raw_request("DELETE", server.url() + "/api/models/org/refs/branch/dev").status, 200);
  EXPECT_EQ(raw_request("DELETE", server.url() + "/api/models/org/refs/branch/main").status, 403);
  EXPECT_EQ(raw_request("DELETE", server.url() + "/api/models/org/refs/tag/v1").status, 200);
  EXPECT_THROW(repo_info(cfg, "org/refs", "v1"), RevisionNotFoundError);
  // Committing to a tag or commit is refused; deleting files works.
  CommitOptions opts;
  opts.revision = c1.oid;
  CommitOperation del;
  del.kind = CommitOperation::Kind::Delete;
  del.path_in_repo = "v.txt";
  EXPECT_THROW(create_commit(cfg, "org/refs", {del}, opts), HttpError);
  opts.revision = "main";
  CommitInfo c3 = create_commit(cfg, "org/refs", {del}, opts);
  EXPECT_EQ(repo_info(cfg, "org/refs").siblings, std::vector<std::string>{".gitattributes"});
  EXPECT_THROW(create_commit(cfg, "org/refs", {del}, opts), EntryNotFoundError);
  (void)c3;
}

TEST(HubServer, AuthenticationAndPrivacy) {
  cuddle::hub::ServerOptions o;
  o.read_only_anonymous = true;
  HubServer server(o);
  cuddle::test::TempDir cache;
  HubConfig cfg = server.config(cache.path());
  HubConfig anon = server.config(cache.path(), false);
  HubConfig wrong = cfg;
  wrong.token = "hf_wrong";
  create_repo(cfg, "org/public");
  create_repo(cfg, "org/secret", true);
  EXPECT_NO_THROW(repo_info(anon, "org/public"));
  EXPECT_THROW(repo_info(anon, "org/secret"), RepoNotFoundError);  // hidden, 401
  EXPECT_NO_THROW(repo_info(cfg, "org/secret"));
  EXPECT_THROW(create_repo(anon, "org/x"), HttpError);
  EXPECT_THROW(add_files(anon, "org/public", {{"a", "b"}}), HttpError);
  EXPECT_THROW(repo_info(wrong, "org/public"), HubError);
  auto r = raw_request("GET", server.url() + "/api/models/org/public", "", "hf_wrong");
  EXPECT_EQ(r.status, 401);
  EXPECT_FALSE(r.header("x-error-message").empty());
  r = raw_request("GET", server.url() + "/api/whoami-v2");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(raw_request("GET", server.url() + "/api/whoami-v2", "", "").status, 401);
  EXPECT_THROW(repo_info(cfg, "org/absent"), RepoNotFoundError);
}

TEST(HubServer, StatePersistsAcrossRestarts) {
  cuddle::test::TempDir root;
  cuddle::test::TempDir cache;
  ServerOptions o;
  o.root = root.path();
  o.tokens = {cuddle::test::kToken};
  std::string sha;
  {
    Server s(o);
    int port = s.start();
    HubConfig cfg;
    cfg.endpoint = "http://127.0.0.1:" + std::to_string(port);
    cfg.token = cuddle::test::kToken;
    cfg.cache_dir = cache.path();
    create_repo(cfg, "org/keep");
    sha = add_files(cfg, "org/keep", {{"k.txt", "kept"}}).oid;
    s.stop();
  }
  Server s(o);
  int port = s.start();
  HubConfig cfg;
  cfg.endpoint = "http://127.0.0.1:" + std::to_string(port);
  cfg.token = cuddle::test::kToken;
  cfg.cache_dir = cache.path();
  EXPECT_EQ(repo_info(cfg, "org/keep").sha, sha);
  EXPECT_EQ(cuddle::test::read_file(hf_hub_download(cfg, "org/keep", "k.txt")), "kept");
}
