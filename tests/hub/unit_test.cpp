// Building blocks: hashes, encodings, name validation, patterns, the NDJSON commit format.
#include <gtest/gtest.h>

#include "cuddle/hub.h"
#include "hub/commit_ndjson.h"
#include "hub/hash.h"
#include "hub/hub_api.h"
#include "hub/repo_path.h"
#include "test_util.h"

using namespace cuddle::hub;

TEST(HubHash, KnownDigests) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // `printf 'hello\n' | git hash-object --stdin`
  EXPECT_EQ(git_blob_oid("hello\n"), "ce013625030ba8dba906f756967f9e9ca394464a");
  EXPECT_EQ(git_blob_oid(""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  EXPECT_EQ(lfs_pointer(std::string(64, 'a'), 12),
            "version https://git-lfs.github.com/spec/v1\noid sha256:" + std::string(64, 'a') + "\nsize 12\n");
}

TEST(HubHash, Base64RoundTripAndRejects) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar",
                                                        std::string("\0\xff\x10", 3)})
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_THROW(base64_decode("abc"), cuddle::FormatError);
  EXPECT_THROW(base64_decode("ab!="), cuddle::FormatError);
  EXPECT_THROW(base64_decode("a==="), cuddle::FormatError);
  EXPECT_THROW(base64_decode("=abc"), cuddle::FormatError);
}

TEST(HubNames, RepoIdsPathsRevisions) {
  for (const char* ok : {"org/model", "gpt2", "my-org/My_Model.v2"}) EXPECT_NO_THROW(validate_repo_id(ok)) << ok;
  for (const char* bad : {"", "a/b/c", "../x", "org/..", "org/-x", "org/x-", "a--b/c", "org/na me", "/x", "x/"})
    EXPECT_THROW(validate_repo_id(bad), HubError) << bad;
  for (const char* ok : {"a.txt", "dir/sub/file.bin", ".gitattributes"}) EXPECT_NO_THROW(validate_repo_path(ok));
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../b", "a//b", "a/./b", "a\\b", "dir/"})
    EXPECT_THROW(validate_repo_path(bad), HubError) << bad;
  for (const char* ok : {"main", "v1.0", "refs/pr/1", "feature/x"}) EXPECT_NO_THROW(validate_revision(ok));
  for (const char* bad : {"", "a..b", "/main", "main/", "a b", "x\n"}) EXPECT_THROW(validate_revision(bad), HubError);
  EXPECT_EQ(cache_folder_name(RepoType::Model, "org/name"), "models--org--name");
  EXPECT_EQ(cache_folder_name(RepoType::Dataset, "org/name"), "datasets--org--name");
  EXPECT_EQ(url_encode("refs/pr/1", false), "refs%2Fpr%2F1");
  EXPECT_EQ(url_decode("a%20b%2Fc"), "a b/c");
  EXPECT_THROW(url_decode("%zz"), HubError);
}

TEST(HubPatterns, FnmatchLikeHuggingfaceHub) {
  EXPECT_TRUE(fnmatch("*.json", "config.json"));
  EXPECT_TRUE(fnmatch("*.json", "sub/config.json"));  // '*' crosses '/' as in fnmatch
  EXPECT_FALSE(fnmatch("*.json", "model.bin"));
  EXPECT_TRUE(fnmatch("model-?????-of-*.safetensors", "model-00001-of-00002.safetensors"));
  EXPECT_TRUE(fnmatch("[ab]*.txt", "b1.txt"));
  EXPECT_FALSE(fnmatch("[!ab]*.txt", "b1.txt"));
  EXPECT_TRUE(path_selected("onnx/model.onnx", {"onnx/"}, {}));
  EXPECT_FALSE(path_selected("model.onnx", {"onnx/"}, {}));
  EXPECT_FALSE(path_selected("a.bin", {"*"}, {"*.bin"}));
  EXPECT_TRUE(path_selected("a.json", {}, {"*.bin"}));
}

TEST(HubNdjson, ParsesTheCommitFormat) {
  std::string body = ndjson_header({"Add files", "Longer text", std::string(40, 'a')}) + "\n" +
                     ndjson_file("dir/a.txt", "hello") + "\n" + ndjson_lfs_file("w.bin", std::string(64, 'b'), 99) +
                     "\n" + ndjson_deleted_file("old.txt") + "\n" +
                     R"({"key":"deletedFolder","value":{"path":"logs"}})" + "\n";
  ParsedCommit pc = parse_commit_ndjson(body);
  EXPECT_EQ(pc.header.summary, "Add files");
  EXPECT_EQ(pc.header.description, "Longer text");
  EXPECT_EQ(pc.header.parent_commit, std::string(40, 'a'));
  ASSERT_EQ(pc.files.size(), 1u);
  EXPECT_EQ(pc.files[0].content, "hello");
  ASSERT_EQ(pc.lfs_files.size(), 1u);
  EXPECT_EQ(*pc.lfs_files[0].size, 99u);
  ASSERT_EQ(pc.deletions.size(), 2u);
  EXPECT_TRUE(pc.deletions[1].folder);
}

TEST(HubNdjson, RejectsMalformedInput) {
  std::string header = R"({"key":"header","value":{"summary":"s"}})";
  for (const std::string& bad : std::vector<std::string>{std::string(""), std::string("not json"), std::string(R"({"key":"file","value":{}})"),
                          header + "\n" + header, header + "\n{\"key\":\"file\",\"value\":{\"path\":\"../x\",\"content\":\"\"}}",
                          header + "\n{\"key\":\"file\",\"value\":{\"path\":\"/abs\",\"content\":\"\"}}",
                          header + "\n{\"key\":\"file\",\"value\":{\"path\":\"a\",\"content\":\"@@\",\"encoding\":\"base64\"}}",
                          header + "\n{\"key\":\"lfsFile\",\"value\":{\"path\":\"a\",\"oid\":\"xyz\"}}",
                          header + "\n{\"key\":\"rename\",\"value\":{\"path\":\"a\"}}",
                          header + "\n{\"key\":\"file\",\"value\":{\"path\":\"a\",\"content\":\"\"}}\n"
                                   "{\"key\":\"file\",\"value\":{\"path\":\"a\",\"content\":\"\"}}",
                          R"({"key":"header","value":{"summary":"s","parentCommit":"zz"}})"})
    EXPECT_THROW(parse_commit_ndjson(bad), cuddle::FormatError) << bad;
  std::string many = header;
  for (int i = 0; i < 5; ++i) many += "\n" + ndjson_deleted_file("f" + std::to_string(i));
  EXPECT_THROW(parse_commit_ndjson(many, 4), cuddle::FormatError);
}

TEST(HubErrors, XErrorCodeBecomesAClearClass) {
  HttpResponse r;
  r.status = 404;
  r.headers["x-error-code"] = "RepoNotFound";
  EXPECT_THROW(raise_for_status(r, "GET x"), RepoNotFoundError);
  r.headers["x-error-code"] = "RevisionNotFound";
  EXPECT_THROW(raise_for_status(r, "GET x"), RevisionNotFoundError);
  r.headers["x-error-code"] = "EntryNotFound";
  EXPECT_THROW(raise_for_status(r, "GET x"), EntryNotFoundError);
  r.status = 403;
  r.headers["x-error-code"] = "GatedRepo";
  r.headers["x-error-message"] = "Access to model org/x is restricted";
  try {
    raise_for_status(r, "GET x");
    FAIL();
  } catch (const GatedRepoError& e) {
    EXPECT_NE(std::string(e.what()).find("restricted"), std::string::npos);
  }
  r.headers.clear();
  r.status = 500;
  EXPECT_THROW(raise_for_status(r, "GET x"), HttpError);
}

TEST(HubConfigEnv, ReadsHuggingfaceVariables) {
  cuddle::test::TempDir home;
  cuddle::test::write_file(home / "token", "hf_from_file\n");
  setenv("HF_HOME", home.path().c_str(), 1);
  unsetenv("HF_HUB_CACHE");
  unsetenv("HF_TOKEN");
  setenv("HF_ENDPOINT", "http://127.0.0.1:1/", 1);
  setenv("HF_HUB_OFFLINE", "1", 1);
  HubConfig cfg = HubConfig::from_env();
  EXPECT_EQ(cfg.cache_dir, home.path() + "/hub");
  EXPECT_EQ(cfg.token, "hf_from_file");
  EXPECT_EQ(cfg.endpoint, "http://127.0.0.1:1");
  EXPECT_TRUE(cfg.offline);
  setenv("HF_HUB_CACHE", "/tmp/elsewhere", 1);
  setenv("HF_TOKEN", "hf_env", 1);
  cfg = HubConfig::from_env();
  EXPECT_EQ(cfg.cache_dir, "/tmp/elsewhere");
  EXPECT_EQ(cfg.token, "hf_env");
  for (const char* v : {"HF_HOME", "HF_HUB_CACHE", "HF_TOKEN", "HF_ENDPOINT", "HF_HUB_OFFLINE"}) unsetenv(v);
}
