// config.json parsing: transformers' defaults, labels, unknown keys kept, clear errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cuddle/config.h"
#include "cuddle/error.h"
#include "test_util.h"

using namespace cuddle;

namespace {
std::shared_ptr<const ModelConfig> config_from(const test::TempDir& dir, const std::string& json) {
  test::write_file(dir / "config.json", json);
  return load_config(dir.path());
}

std::string error_of(const test::TempDir& dir, const std::string& json) {
  try {
    config_from(dir, json);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Config, FixtureLabelsAndProblemType) {
  auto c = load_config(test::fixture("real/models/langid-bert"));
  EXPECT_EQ(c->model_type, "bert");
  EXPECT_EQ(c->architectures.at(0), "BertForSequenceClassification");
  EXPECT_EQ(c->num_labels, 12);
  EXPECT_EQ(c->problem_type, "single_label_classification");
  EXPECT_EQ(c->label2id.at(c->id2label.at(3)), 3);
}

TEST(Config, DefaultsFollowTransformers) {
  test::TempDir dir;
  auto c = config_from(dir, R"({"model_type": "roberta", "my_extra": [1, 2]})");
  EXPECT_EQ(c->num_labels, 2);
  EXPECT_EQ(c->id2label.at(1), "LABEL_1");
  EXPECT_EQ(c->pad_token_id, 1);
  EXPECT_EQ(c->bos_token_id, 0);
  EXPECT_EQ(c->eos_token_id, 2);
  EXPECT_TRUE(c->tie_word_embeddings);
  EXPECT_EQ(c->json()["my_extra"][1], 2);  // unknown keys stay available
  auto b = config_from(dir, R"({"model_type": "bert", "num_labels": 4, "pad_token_id": null})");
  EXPECT_EQ(b->num_labels, 4);
  EXPECT_FALSE(b->pad_token_id.has_value());
  auto d = config_from(dir, R"({"model_type": "distilbert"})");
  EXPECT_EQ(d->pad_token_id, 0);
}

TEST(Config, ErrorsNameFileKeyAndValue) {
  test::TempDir dir;
  std::string e = error_of(dir, R"({"model_type": "gpt_neo_x"})");
  EXPECT_NE(e.find("config.json"), std::string::npos) << e;
  EXPECT_NE(e.find("gpt_neo_x"), std::string::npos) << e;
  EXPECT_NE(e.find("xlm-roberta"), std::string::npos) << e;
  e = error_of(dir, R"({"model_type": "bert", "hidden_size": "big"})");
  EXPECT_NE(e.find("hidden_size"), std::string::npos) << e;
  EXPECT_NE(e.find("\"big\""), std::string::npos) << e;
  e = error_of(dir, R"({"model_type": "bert", "hidden_act": "gelu_fancy"})");
  EXPECT_NE(e.find("gelu_fancy"), std::string::npos) << e;
  e = error_of(dir, R"({"hidden_size": 3})");
  EXPECT_NE(e.find("model_type"), std::string::npos) << e;
  e = error_of(dir, "{not json");
  EXPECT_NE(e.find("config.json"), std::string::npos) << e;
}

TEST(Config, MissingConfigJsonNamesThePath) {
  test::TempDir dir;
  try {
    load_config(dir.path());
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(dir / "config.json"), std::string::npos) << e.what();
  }
}
