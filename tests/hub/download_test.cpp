// Downloads into the huggingface_hub cache: exact layout, revision pinning, offline use,
// .no_exist markers, include/exclude, local_dir, cache scan and delete.
#include <gtest/gtest.h>

#include <filesystem>

#include "hub/hash.h"
#include "hub_test_util.h"

namespace fs = std::filesystem;
using namespace cuddle::hub;
using cuddle::test::HubServer;
using cuddle::test::link_target;
using cuddle::test::read_file;

namespace {

struct Uploaded {
  std::string commit;
  std::string weights;  // content of model.safetensors
};

// A model folder like transformers writes, uploaded with upload_folder.
Uploaded upload_model(const HubConfig& cfg, const std::string& repo) {
  cuddle::test::TempDir folder;
  Uploaded u;
  u.weights = cuddle::test::random_bytes(3 << 20, 7);
  cuddle::test::put_file(folder.path(), "config.json", R"({"model_type": "bert"})");
  cuddle::test::put_file(folder.path(), "model.safetensors", u.weights);
  cuddle::test::put_file(folder.path(), "tokenizer/vocab.txt", "[PAD]\n[UNK]\n");
  cuddle::test::put_file(folder.path(), "logs/train.log", "skip me");
  create_repo(cfg, repo);
  UploadFolderOptions opts;
  opts.message = "Upload model";
  opts.description = "from a test";
  opts.ignore_patterns = {"logs/"};
  u.commit = upload_folder(cfg, repo, folder.path(), opts).oid;
  return u;
}

}  // namespace

TEST(HubDownload, SnapshotLayoutIsExactlyHuggingfaceHubs) {
  HubServer server;
  cuddle::test::TempDir up_cache, home;
  Uploaded u = upload_model(server.config(up_cache.path()), "org/bert");
  HubConfig cfg = server.config(home.path() + "/hub");
  std::string snap = snapshot_download(cfg, "org/bert");
  std::string repo_dir = home.path() + "/hub/models--org--bert";
  EXPECT_EQ(snap, repo_dir + "/snapshots/" + u.commit);
  // refs/main holds the bare commit, no newline.
  EXPECT_EQ(read_file(repo_dir + "/refs/main"), u.commit);
  // Relative links into blobs named by etag: git blob sha1 for regular files, sha256 for LFS.
  std::string cfg_oid = git_blob_oid(R"({"model_type": "bert"})");
  EXPECT_EQ(link_target(snap + "/config.json"), "../../blobs/" + cfg_oid);
  EXPECT_EQ(link_target(snap + "/model.safetensors"), "../../blobs/" + sha256_hex(u.weights));
  EXPECT_EQ(link_target(snap + "/tokenizer/vocab.txt"), "../../../blobs/" + git_blob_oid("[PAD]\n[UNK]\n"));
  EXPECT_EQ(read_file(snap + "/model.safetensors"), u.weights);
  EXPECT_FALSE(fs::exists(snap + "/logs"));
  std::set<std::string> blobs;
  for (const auto& e : fs::directory_iterator(repo_dir + "/blobs")) blobs.insert(e.path().filename().string());
  EXPECT_EQ(blobs.size(), 4u);  // .gitattributes, config.json, model.safetensors, vocab.txt
  EXPECT_TRUE(blobs.count(sha256_hex(u.weights)));
  for (const auto& b : blobs) EXPECT_EQ(b.find(".incomplete"), std::string::npos);
  EXPECT_TRUE(fs::is_directory(home.path() + "/hub/.locks/models--org--bert"));
  // The commit message reached the server.
  auto r = cuddle::test::raw_request("GET", server.url() + "/api/models/org/bert/revision/main");
  EXPECT_NE(r.body.find(u.commit), std::string::npos);
}

TEST(HubDownload, RevisionPinningAndOfflineCache) {
  HubServer server;
  cuddle::test::TempDir up, home;
  HubConfig up_cfg = server.config(up.path());
  create_repo(up_cfg, "org/pin");
  CommitOperation op;
  op.path_in_repo = "v.txt";
  op.content = "one";
  CommitInfo c1 = create_commit(up_cfg, "org/pin", {op}, {});
  op.content = "two";
  CommitInfo c2 = create_commit(up_cfg, "org/pin", {op}, {});
  ASSERT_EQ(cuddle::test::raw_request("POST", server.url() + "/api/models/org/pin/tag/" + c1.oid, R"({"tag":"v1.0"})").status,
            200);
  HubConfig cfg = server.config(home.path());
  DownloadOptions at_tag;
  at_tag.revision = "v1.0";
  EXPECT_EQ(read_file(hf_hub_download(cfg, "org/pin", "v.txt", at_tag)), "one");
  EXPECT_EQ(read_file(home.path() + "/models--org--pin/refs/v1.0"), c1.oid);
  EXPECT_EQ(read_file(hf_hub_download(cfg, "org/pin", "v.txt")), "two");
  EXPECT_EQ(read_file(home.path() + "/models--org--pin/refs/main"), c2.oid);
  // .no_exist marker for a file missing at that commit.
  EXPECT_THROW(hf_hub_download(cfg, "org/pin", "missing.txt"), EntryNotFoundError);
  EXPECT_TRUE(fs::exists(home.path() + "/models--org--pin/.no_exist/" + c2.oid + "/missing.txt"));

  server.stop();  // from here on, no network
  DownloadOptions at_commit;
  at_commit.revision = c1.oid;
  EXPECT_EQ(read_file(hf_hub_download(cfg, "org/pin", "v.txt", at_commit)), "one");
  // Connection refused falls back to the cache through refs/.
  EXPECT_EQ(read_file(hf_hub_download(cfg, "org/pin", "v.txt", at_tag)), "one");
  HubConfig offline = cfg;
  offline.offline = true;
  EXPECT_EQ(read_file(hf_hub_download(offline, "org/pin", "v.txt")), "two");
  EXPECT_THROW(hf_hub_download(offline, "org/pin", "missing.txt"), EntryNotFoundError);
  EXPECT_THROW(hf_hub_download(offline, "org/pin", "other.txt"), LocalEntryNotFoundError);
  EXPECT_THROW(hf_hub_download(offline, "org/unknown", "v.txt"), LocalEntryNotFoundError);
  EXPECT_EQ(snapshot_download(offline, "org/pin"), home.path() + "/models--org--pin/snapshots/" + c2.oid);
  EXPECT_EQ(resolve_pretrained(offline, "org/pin"), home.path() + "/models--org--pin/snapshots/" + c2.oid);
  EXPECT_EQ(resolve_pretrained(offline, home.path()), home.path());  // a local folder is used as is
}

TEST(HubDownload, ErrorsBecomeClearMessages) {
  HubServer server;
  cuddle::test::TempDir home;
  HubConfig cfg = server.config(home.path());
  create_repo(cfg, "org/e");
  try {
    hf_hub_download(cfg, "org/absent", "x");
    FAIL();
  } catch (const RepoNotFoundError& e) {
    EXPECT_NE(std::string(e.what()).find("repository not found"), std::string::npos);
  }
  DownloadOptions bad_rev;
  bad_rev.revision = "nope";
  EXPECT_THROW(hf_hub_download(cfg, "org/e", ".gitattributes", bad_rev), RevisionNotFoundError);
  EXPECT_THROW(snapshot_download(cfg, "org/e", bad_rev), RevisionNotFoundError);
  EXPECT_THROW(hf_hub_download(cfg, "org/e", "../escape"), HubError);
}

TEST(HubDownload, PatternsLocalDirAndCacheManagement) {
  HubServer server;
  cuddle::test::TempDir up, home, local;
  Uploaded u = upload_model(server.config(up.path()), "org/pat");
  HubConfig cfg = server.config(home.path());
  DownloadOptions only_json;
  only_json.allow_patterns = {"*.json"};
  std::string snap = snapshot_download(cfg, "org/pat", only_json);
  EXPECT_TRUE(fs::exists(snap + "/config.json"));
  EXPECT_FALSE(fs::exists(snap + "/model.safetensors"));
  DownloadOptions no_weights;
  no_weights.ignore_patterns = {"*.safetensors"};
  no_weights.local_dir = local.path();
  EXPECT_EQ(snapshot_download(cfg, "org/pat", no_weights), local.path());
  EXPECT_EQ(read_file(local / "tokenizer/vocab.txt"), "[PAD]\n[UNK]\n");
  EXPECT_FALSE(fs::exists(local / "model.safetensors"));
  EXPECT_FALSE(fs::is_symlink(local / "config.json"));

  snapshot_download(cfg, "org/pat");
  auto repos = scan_cache(home.path());
  ASSERT_EQ(repos.size(), 1u);
  EXPECT_EQ(repos[0].repo_id, "org/pat");
  EXPECT_EQ(repos[0].nb_files, 4u);
  ASSERT_EQ(repos[0].revisions.size(), 1u);
  EXPECT_EQ(repos[0].revisions[0].refs, std::vector<std::string>{"main"});
  EXPECT_GE(repos[0].size_on_disk, u.weights.size());
  EXPECT_GE(delete_from_cache(home.path(), "org/pat", RepoType::Model, "main"), u.weights.size());
  EXPECT_FALSE(fs::exists(home.path() + "/models--org--pat/snapshots/" + u.commit));
  EXPECT_FALSE(fs::exists(home.path() + "/models--org--pat/refs/main"));
  EXPECT_TRUE(fs::is_empty(home.path() + "/models--org--pat/blobs"));
  EXPECT_THROW(delete_from_cache(home.path(), "org/pat", RepoType::Model, "main"), HubError);
  delete_from_cache(home.path(), "org/pat");
  EXPECT_FALSE(fs::exists(home.path() + "/models--org--pat"));
}
