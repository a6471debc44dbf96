// Model cards: the YAML subset (parse and PyYAML-style emit) and the card structure
// huggingface_hub reads, including model-index evaluation results.
#include <gtest/gtest.h>

#include "cuddle/model_card.h"
#include "hub/yaml.h"
#include "test_util.h"

using namespace cuddle::hub;
using ojson = nlohmann::ordered_json;

namespace {

// What huggingface_hub's ModelCardData(...).to_yaml() writes for these fields (PyYAML,
// sort_keys=False): lists under a key at the key's column, nested mappings indented by two.
const char* kExpectedCard = R"(---
language:
- en
license: apache-2.0
tags:
- text-classification
- 'yes'
datasets:
- glue
metrics:
- accuracy
base_model: bert-base-uncased
library_name: transformers
pipeline_tag: text-classification
model-index:
- name: my-model
  results:
  - task:
      type: text-classification
      name: Text Classification
    dataset:
      name: GLUE SST2
      type: glue
      config: sst2
      split: validation
    metrics:
    - type: accuracy
      value: 0.91
      name: Accuracy
    - type: f1
      value: 0.9
---

# my-model
)";

}  // namespace

TEST(HubYaml, ParsesTheCardSubset) {
  ojson v = yaml_parse(R"(# comment
license: mit   # trailing comment
language: [en, "fr", 'de']
empty:
flag: True
count: 42
neg: -3
ratio: 0.5
version: '1.0'
text: "tab\tquote\" unicode \u00e9"
single: 'it''s'
map: {a: 1, b: [x, y]}
nested:
  deeper:
    key: value
list:
  - a
  - b: 1
    c: 2
  -
    - inner
description: |
  line one
  line two
folded: >-
  one
  two
url: http://example.com/a#b
)");
  EXPECT_EQ(v["license"], "mit");
  EXPECT_EQ(v["language"], ojson({"en", "fr", "de"}));
  EXPECT_TRUE(v["empty"].is_null());
  EXPECT_EQ(v["flag"], true);
  EXPECT_EQ(v["count"], 42);
  EXPECT_EQ(v["neg"], -3);
  EXPECT_DOUBLE_EQ(v["ratio"].get<double>(), 0.5);
  EXPECT_EQ(v["version"], "1.0");
  EXPECT_EQ(v["text"], "tab\tquote\" unicode \xc3\xa9");
  EXPECT_EQ(v["single"], "it's");
  EXPECT_EQ(v["map"]["b"], ojson({"x", "y"}));
  EXPECT_EQ(v["nested"]["deeper"]["key"], "value");
  EXPECT_EQ(v["list"][0], "a");
  EXPECT_EQ(v["list"][1]["c"], 2);
  EXPECT_EQ(v["list"][2][0], "inner");
  EXPECT_EQ(v["description"], "line one\nline two\n");
  EXPECT_EQ(v["folded"], "one two");
  EXPECT_EQ(v["url"], "http://example.com/a#b");
  // Long scalars as PyYAML wraps them (width 80), plain and quoted.
  ojson wrapped = yaml_parse("description: This model was trained on a very large corpus of text and it does\n"
                             "  many things well\nquote: 'a wrapped: quoted\n  string'\nlist:\n- first item that is\n"
                             "  long\n- second\n");
  EXPECT_EQ(wrapped["description"], "This model was trained on a very large corpus of text and it does many things well");
  EXPECT_EQ(wrapped["quote"], "a wrapped: quoted string");
  EXPECT_EQ(wrapped["list"], ojson({"first item that is long", "second"}));
  // Key order is kept.
  EXPECT_EQ(v.begin().key(), "license");
}

TEST(HubYaml, RejectsWhatIsOutsideTheSubset) {
  for (const char* bad : {"a: &x 1\nb: *x", "a: !!str 1", "a: 1\n---\nb: 2", "a: [1, 2", "a: 'open", "a: 1\na: 2",
                          "\ta: 1", "a: \"\\q\"", "? complex\n: key"})
    EXPECT_THROW(yaml_parse(bad), cuddle::FormatError) << bad;
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += std::string(static_cast<size_t>(i) * 2, ' ') + "k:\n";
  EXPECT_THROW(yaml_parse(deep), cuddle::FormatError);
  EXPECT_THROW(yaml_parse(std::string(200, '[')), cuddle::FormatError);
}

TEST(HubYaml, EmitsPyYamlStyleAndRoundTrips) {
  ojson v = ojson::parse(R"({"s": "plain", "q": "needs: quotes", "b": "true", "n": "123", "e": "", "f": 1.0,
    "nl": "two\nlines", "l": [], "m": {}, "nested": [{"a": [1, 2]}, [3]]})");
  std::string text = yaml_emit(v);
  EXPECT_NE(text.find("s: plain\n"), std::string::npos);
  EXPECT_NE(text.find("q: 'needs: quotes'\n"), std::string::npos);
  EXPECT_NE(text.find("b: 'true'\n"), std::string::npos);
  EXPECT_NE(text.find("n: '123'\n"), std::string::npos);
  EXPECT_NE(text.find("e: ''\n"), std::string::npos);
  EXPECT_NE(text.find("f: 1.0\n"), std::string::npos);
  EXPECT_NE(text.find("nl: \"two\\nlines\"\n"), std::string::npos);
  EXPECT_NE(text.find("l: []\n"), std::string::npos);
  EXPECT_EQ(yaml_parse(text), v);
}

// Inputs the fuzzer (fuzz/hub_card_fuzz.cpp) once broke: each must read back unchanged.
TEST(HubYaml, FuzzFindingsRoundTrip) {
  ojson v = yaml_parse("- 'x: '': y'");
  EXPECT_EQ(v, ojson::array({"x: ': y"}));
  v = yaml_parse("li- 'se: ? m # comment\n");
  EXPECT_EQ(v, ojson({{"li- 'se", "? m"}}));
  EXPECT_EQ(yaml_parse(yaml_emit(v)), v);
  EXPECT_THROW(yaml_parse("a: {[x]: 1}"), cuddle::FormatError);
  // Quotes inside a plain key, after ", ": emitted quoted so they are not read back as the
  // start of a flow-style quoted scalar. (The reader still takes the "'" for an opening
  // quote, so "# comment" stays in the value, where PyYAML would drop it: docs/hub.md.)
  v = yaml_parse("lifr\", 'dcense: mit # comment\n");
  ASSERT_TRUE(v.contains("lifr\", 'dcense"));
  EXPECT_EQ(yaml_parse(yaml_emit(v)), v);
  ojson key_with_controls = {{std::string("k\x7f\x0f\x00@", 5), "v"}};
  EXPECT_EQ(yaml_parse(yaml_emit(key_with_controls)), key_with_controls);
  // A body that itself starts with '---' keeps an (empty) front matter block.
  ModelCard card = ModelCard::parse("---\n---\n---\nnot: metadata\n");
  EXPECT_TRUE(card.data().empty());
  EXPECT_EQ(ModelCard::parse(card.to_string()).body(), card.body());
}

TEST(HubCard, WritesTheStructureHuggingfaceHubParses) {
  ModelCard card = ModelCard::for_repo("org/my-model");
  card.add_to_list("language", "en");
  card.set("license", "apache-2.0");
  card.add_to_list("tags", "text-classification");
  card.add_to_list("tags", "yes");
  card.add_to_list("tags", "text-classification");  // no duplicates
  card.add_to_list("datasets", "glue");
  card.add_to_list("metrics", "accuracy");
  card.set("base_model", "bert-base-uncased");
  card.set("library_name", "transformers");
  card.set("pipeline_tag", "text-classification");
  EvalResult acc{"text-classification", "Text Classification", "glue", "GLUE SST2", "sst2", "validation",
                 "accuracy", 0.91, "Accuracy", std::nullopt};
  EvalResult f1 = acc;
  f1.metric_type = "f1";
  f1.metric_value = 0.9;
  f1.metric_name = "";
  card.set_eval_results("my-model", {acc, f1});
  card.body() = "\n# my-model\n";
  EXPECT_EQ(card.to_string(), kExpectedCard);
}

TEST(HubCard, ReadsAndUpdatesAnExistingCard) {
  ModelCard card = ModelCard::parse(kExpectedCard);
  EXPECT_EQ(card.model_name(), "my-model");
  auto results = card.eval_results();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].dataset_config, "sst2");
  EXPECT_EQ(results[1].metric_type, "f1");
  EXPECT_EQ(card.body(), "\n# my-model\n");
  card.fill_defaults();
  card.set("license", "mit");
  card.set("pipeline_tag", nullptr);
  ModelCard again = ModelCard::parse(card.to_string());
  EXPECT_EQ(again.data()["license"], "mit");
  EXPECT_FALSE(again.data().contains("pipeline_tag"));
  EXPECT_EQ(again.data()["tags"].back(), "cuddle");
  EXPECT_EQ(again.eval_results().size(), 2u);

  ModelCard plain = ModelCard::parse("# No metadata\n");
  EXPECT_TRUE(plain.data().empty());
  EXPECT_EQ(plain.to_string(), "# No metadata\n");
  EXPECT_THROW(ModelCard::parse("---\nlicense: mit\n"), cuddle::FormatError);
  EXPECT_THROW(ModelCard::parse("---\n- a list\n---\n"), cuddle::FormatError);
  EXPECT_THROW(card.set_eval_results("", results), cuddle::FormatError);
}

TEST(HubCard, CliCreatesAndUpdatesCards) {
  cuddle::test::TempDir dir;
  cuddle::test::write_file(dir / "meta.json", R"({"license": "apache-2.0", "datasets": ["imdb"], "model_name": "m",
    "eval_results": [{"task_type": "text-classification", "dataset_type": "imdb", "dataset_name": "IMDB",
                      "metric_type": "accuracy", "metric_value": 0.93}]})");
  auto r = cuddle::test::run_cli({"card", "--from-json", dir / "meta.json", "--tag", "sentiment", "--language", "en",
                                  "--out", dir / "README.md"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ModelCard card = ModelCard::load(dir / "README.md");
  EXPECT_EQ(card.data()["license"], "apache-2.0");
  EXPECT_EQ(card.data()["tags"], ojson({"sentiment"}));
  EXPECT_EQ(card.eval_results().at(0).metric_value, 0.93);
  r = cuddle::test::run_cli({"card", "--in", dir / "README.md", "--eval", "text-classification,imdb,IMDB,f1,0.9,test",
                             "--license", "mit", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ojson j = ojson::parse(r.out);
  EXPECT_EQ(j["license"], "mit");
  EXPECT_EQ(j["model-index"][0]["results"].size(), 2u);
  r = cuddle::test::run_cli({"card", "--eval", "bad"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--eval"), std::string::npos);
}
