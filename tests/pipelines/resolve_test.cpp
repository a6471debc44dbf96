// from_pretrained resolution for pipelines: a repo id found in a huggingface_hub cache laid
// out as Python writes it (refs/<revision> -> snapshots/<commit>/), HF_HUB_CACHE and
// HF_HOME, revisions as branch, tag or commit, pinning errors, sharded f16 checkpoints,
// and the refusal of pickle-only folders.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <optional>

#include "cuddle/pipeline.h"
#include "cuddle/safetensors.h"
#include "json_compare.h"
#include "test_util.h"

using namespace cuddle;
namespace fs = std::filesystem;

namespace {

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";
const std::string kOther = "fedcba9876543210fedcba9876543210fedcba98";

// <cache>/models--org--langid with refs main and v1 -> kCommit, files as symlinks into
// blobs/ (the layout huggingface_hub writes).
void make_cache(const std::string& cache) {
  std::string repo = cache + "/models--org--langid";
  fs::create_directories(repo + "/refs");
  fs::create_directories(repo + "/blobs");
  fs::create_directories(repo + "/snapshots/" + kCommit);
  test::write_file(repo + "/refs/main", kCommit);
  test::write_file(repo + "/refs/v1", kCommit);
  int n = 0;
  for (const auto& e : fs::directory_iterator(test::fixture("real/models/langid-bert"))) {
    std::string blob = "blob" + std::to_string(n++);
    fs::copy_file(e.path(), repo + "/blobs/" + blob);
    fs::create_symlink("../../blobs/" + blob, repo + "/snapshots/" + kCommit + "/" + e.path().filename().string());
  }
}

// Sets (or with nullopt unsets) an environment variable for the scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    if (value) setenv(name, value->c_str(), 1);
    else unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string best_label(const std::string& model, const std::string& revision = "main") {
  PipelineOptions o;
  o.revision = revision;
  return pipeline("text-classification", model, o)({"Wer nicht wagt, der nicht gewinnt."})[0]["label"];
}

}  // namespace

TEST(Resolve, RepoIdFromHubCacheByBranchTagAndCommit) {
  test::TempDir tmp;
  make_cache(tmp / "hub");
  ScopedEnv offline("HF_HUB_OFFLINE", "1");
  ScopedEnv cache("HF_HUB_CACHE", tmp / "hub");
  EXPECT_EQ(resolve_pretrained_dir("org/langid"), tmp / "hub" + "/models--org--langid/snapshots/" + kCommit);
  EXPECT_EQ(best_label("org/langid"), "de");
  EXPECT_EQ(best_label("org/langid", "v1"), "de");
  EXPECT_EQ(best_label("org/langid", kCommit), "de");
}

// transformers' Auto classes take the same repo ids and revisions as pipeline().
TEST(Resolve, AutoClassesTakeRepoIds) {
  test::TempDir tmp;
  make_cache(tmp / "hub");
  ScopedEnv offline("HF_HUB_OFFLINE", "1");
  ScopedEnv cache("HF_HUB_CACHE", tmp / "hub");
  auto config = AutoConfig::from_pretrained("org/langid", "v1");
  EXPECT_EQ(config->model_type, "bert");
  EXPECT_NE(config->path.find(kCommit), std::string::npos) << config->path;
  auto model = AutoModelForSequenceClassification::from_pretrained("org/langid", kCommit);
  EXPECT_EQ(model->class_name(), "BertForSequenceClassification");
  auto tok = AutoTokenizer::from_pretrained("org/langid");
  EXPECT_FALSE(tok({"Bonjour"}).input_ids[0].empty());
  EXPECT_THROW(AutoModel::from_pretrained("org/langid", kOther), Error);
  EXPECT_THROW(AutoTokenizer::from_pretrained("org/absent"), Error);
  try {
    AutoConfig::from_pretrained("./no/such/folder");
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}

TEST(Resolve, HfHomeHoldsTheCache) {
  test::TempDir tmp;
  make_cache(tmp / "hub");
  ScopedEnv offline("HF_HUB_OFFLINE", "1");
  ScopedEnv home("HF_HOME", tmp.path());
  ScopedEnv no_cache("HF_HUB_CACHE", std::nullopt);
  EXPECT_EQ(best_label("org/langid"), "de");
  // The CLI resolves the same way.
  auto r = test::run_cli({"pipeline", "text-classification", "--model", "org/langid", "--revision", "v1", "--json",
                          "El que no arriesga no gana."});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)[0]["label"], "es");
}

TEST(Resolve, MissingRevisionOrRepoIsAnErrorNeverAFallback) {
  test::TempDir tmp;
  make_cache(tmp / "hub");
  ScopedEnv offline("HF_HUB_OFFLINE", "1");
  ScopedEnv cache("HF_HUB_CACHE", tmp / "hub");
  EXPECT_THROW(best_label("org/langid", kOther), Error);
  EXPECT_THROW(best_label("org/langid", "v2"), Error);
  EXPECT_THROW(best_label("org/absent"), Error);
  auto r = test::run_cli({"pipeline", "text-classification", "--model", "org/langid", "--revision", kOther, "Hi"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not in the cache"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  r = test::run_cli({"pipeline", "text-classification", "--model", "org/absent", "Hi"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not in the cache"), std::string::npos) << r.err;
}

TEST(Resolve, ShardedHalfPrecisionCheckpointComputesInF32) {
  test::TempDir tmp;
  const std::string src = test::fixture("real/models/langid-bert");
  for (const char* f : {"config.json", "tokenizer.json", "tokenizer_config.json"})
    fs::copy_file(src + "/" + f, tmp / f);
  auto weights = SafetensorsCheckpoint::open(src);
  NamedTensors half;
  for (const auto& name : weights.names()) half.emplace_back(name, weights.tensor(name).to(DType::F16));
  save_safetensors_checkpoint(tmp.path(), half, 200 * 1024);
  ASSERT_TRUE(fs::exists(tmp / "model.safetensors.index.json"));
  PipelineOptions o;
  o.top_k = 0;
  auto f16 = pipeline("text-classification", tmp.path(), o)({"Wer nicht wagt, der nicht gewinnt."});
  auto f32 = pipeline("text-classification", src, o)({"Wer nicht wagt, der nicht gewinnt."});
  EXPECT_EQ(f16[0][0]["label"], f32[0][0]["label"]);
  EXPECT_EQ(test::json_diff(f16, f32, 2e-2), "");  // f16 rounding of the weights only
}

TEST(Resolve, PickleOnlyFolderIsRefusedWithHowToConvert) {
  test::TempDir tmp;
  const std::string src = test::fixture("real/models/langid-bert");
  for (const char* f : {"config.json", "tokenizer.json", "tokenizer_config.json"})
    fs::copy_file(src + "/" + f, tmp / f);
  test::write_file(tmp / "pytorch_model.bin", "not really a pickle");
  auto r = test::run_cli({"pipeline", "text-classification", "--model", tmp.path(), "Hi"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("pytorch_model.bin"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("save_pretrained"), std::string::npos) << r.err;
}
