// Quantized BERT models: langid-bert (a real 12-language classifier) on its 1500 held-out
// texts in int8, nf4 and fp4 against f32, the bert-seqcls fixture's logits, and saving /
// loading a quantized folder (bitsandbytes' entries, quantization_config) bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cuddle/models.h"
#include "cuddle/ops.h"
#include "cuddle/quant.h"
#include "cuddle/safetensors.h"
#include "models/quantizable_layers.h"
#include "test_util.h"

using namespace cuddle;
using namespace cuddle::quant;

namespace {

BitsAndBytesConfig config_for(const std::string& mode) {
  BitsAndBytesConfig c;
  if (mode == "int8") {
    c.load_in_8bit = true;
  } else {
    c.load_in_4bit = true;
    c.bnb_4bit_quant_type = mode;
    c.bnb_4bit_use_double_quant = mode == "nf4";
  }
  return c;
}

struct LangIdRun {
  std::vector<int64_t> pred;  // per text, in file order
  std::vector<float> logits;  // [texts, labels]
};

// langid-bert on every held-out text, in batches of 32 texts of similar length.
LangIdRun run_langid(const PreTrainedModel& model) {
  SafetensorsFile inputs = SafetensorsFile::open(test::fixture("real/langid_inputs.safetensors"));
  const auto ids = inputs.tensor("ids").to_int_vector();
  const auto lengths = inputs.tensor("lengths").to_int_vector();
  std::vector<size_t> start(lengths.size()), order(lengths.size());
  for (size_t i = 1; i < lengths.size(); ++i) start[i] = start[i - 1] + lengths[i - 1];
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lengths[a] < lengths[b]; });
  const int64_t L = model.config().num_labels;
  LangIdRun run{std::vector<int64_t>(lengths.size()), std::vector<float>(lengths.size() * L)};
  for (size_t first = 0; first < order.size(); first += 32) {
    const size_t n = std::min<size_t>(32, order.size() - first);
    const int64_t S = lengths[order[first + n - 1]];
    std::vector<int64_t> batch(n * S, 0), mask(n * S, 0);
    for (size_t i = 0; i < n; ++i)
      for (int64_t s = 0; s < lengths[order[first + i]]; ++s) {
        batch[i * S + s] = ids[start[order[first + i]] + s];
        mask[i * S + s] = 1;
      }
    ModelInputs in;
    in.input_ids = Tensor::from_vector(batch, {int64_t(n), S});
    in.attention_mask = Tensor::from_vector(mask, {int64_t(n), S});
    const auto logits = model.forward(in, false).get("logits").to_float_vector();
    for (size_t i = 0; i < n; ++i) {
      const size_t row = order[first + i];
      std::copy(logits.begin() + i * L, logits.begin() + (i + 1) * L, run.logits.begin() + row * L);
      run.pred[row] = std::max_element(logits.begin() + i * L, logits.begin() + (i + 1) * L) - (logits.begin() + i * L);
    }
  }
  return run;
}

// The logits of the first 8 held-out texts, one text per row (padded to the longest).
std::vector<float> first_texts_logits(const PreTrainedModel& model) {
  SafetensorsFile inputs = SafetensorsFile::open(test::fixture("real/langid_inputs.safetensors"));
  const auto ids = inputs.tensor("ids").to_int_vector();
  const auto lengths = inputs.tensor("lengths").to_int_vector();
  const int64_t n = 8, S = *std::max_element(lengths.begin(), lengths.begin() + n);
  std::vector<int64_t> batch(n * S, 0), mask(n * S, 0);
  for (int64_t i = 0, at = 0; i < n; at += lengths[i], ++i)
    for (int64_t s = 0; s < lengths[i]; ++s) {
      batch[i * S + s] = ids[at + s];
      mask[i * S + s] = 1;
    }
  ModelInputs in;
  in.input_ids = Tensor::from_vector(batch, {n, S});
  in.attention_mask = Tensor::from_vector(mask, {n, S});
  return model.forward(in, false).get("logits").to_float_vector();
}

std::vector<std::string> true_labels(const std::string& dir) {
  std::vector<std::string> out;
  std::ifstream in(dir + "/heldout.jsonl");
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line)["label"]);
  return out;
}

double accuracy(const LangIdRun& run, const PreTrainedModel& model, const std::vector<std::string>& labels) {
  size_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) correct += model.config().id2label.at(run.pred[i]) == labels[i];
  return 100.0 * double(correct) / double(labels.size());
}

}  // namespace

TEST(QuantModels, LangIdAccuracyWithinHalfAPointOfF32) {
  const std::string dir = test::fixture("real/models/langid-bert");
  const auto labels = true_labels(dir);
  auto f32 = load_model_from_architectures(dir);
  const LangIdRun base = run_langid(*f32);
  const double base_acc = accuracy(base, *f32, labels);
  std::printf("langid-bert f32: accuracy %.2f%%\n", base_acc);
  for (const std::string mode : {"int8", "nf4", "fp4"}) {
    auto q = load_quantized_model(dir, std::nullopt, config_for(mode));
    const LangIdRun run = run_langid(*q);
    const double acc = accuracy(run, *q, labels);
    size_t same = 0;
    float worst = 0.0f;
    for (size_t i = 0; i < labels.size(); ++i) same += run.pred[i] == base.pred[i];
    for (size_t i = 0; i < run.logits.size(); ++i) worst = std::max(worst, std::fabs(run.logits[i] - base.logits[i]));
    std::printf("langid-bert %s: accuracy %.2f%% (f32 %.2f%%), same label as f32 on %zu/%zu, max |logit - f32| %.4f\n",
                mode.c_str(), acc, base_acc, same, labels.size(), worst);
    EXPECT_LE(std::fabs(acc - base_acc), 0.5) << mode;
    // Labels may flip only where f32 itself is nearly undecided: at most 1% of the texts.
    EXPECT_GE(same, labels.size() * 99 / 100) << mode;
  }
}

TEST(QuantModels, SaveAndLoadGiveTheSameWeightsBitForBit) {
  const std::string dir = test::fixture("real/models/langid-bert");
  for (const std::string mode : {"int8", "nf4", "fp4"}) {
    test::TempDir out;
    const BitsAndBytesConfig config = config_for(mode);
    auto q = load_quantized_model(dir, std::nullopt, config);
    save_quantized(*q, config, dir, out.path());
    // The files transformers writes: bitsandbytes' entries and quantization_config.
    const SafetensorsFile file = SafetensorsFile::open(out / "model.safetensors");
    const std::string p = "bert.encoder.layer.0.attention.self.query.";
    if (mode == "int8") {
      EXPECT_EQ(file.entry(p + "weight").dtype, DType::I8);
      EXPECT_EQ(file.entry(p + "SCB").shape, (Shape{128}));
      EXPECT_TRUE(file.contains(p + "weight_format"));
    } else {
      EXPECT_EQ(file.entry(p + "weight").shape, (Shape{128 * 128 / 2, 1}));
      EXPECT_TRUE(file.contains(p + "weight.quant_state.bitsandbytes__" + mode));
      EXPECT_EQ(file.contains(p + "weight.nested_absmax"), mode == "nf4");
    }
    // Word embeddings stay f32 (not a Linear); the tied decoder is not in a classifier.
    EXPECT_EQ(file.entry("bert.embeddings.word_embeddings.weight").dtype, DType::F32);
    const auto cfg = nlohmann::json::parse(test::read_file(out / "config.json"));
    EXPECT_EQ(cfg["quantization_config"]["quant_method"], "bitsandbytes");
    EXPECT_EQ(cfg["quantization_config"]["load_in_8bit"], mode == "int8");
    EXPECT_TRUE(std::ifstream(out / "tokenizer.json").good());

    auto back = load_quantized_model(out.path(), std::nullopt, std::nullopt);
    size_t quantized = 0;
    auto layers_a = q->named_modules(), layers_b = back->named_modules();
    ASSERT_EQ(layers_a.size(), layers_b.size());
    for (size_t i = 0; i < layers_a.size(); ++i) {
      const auto* la = dynamic_cast<const nn::Linear*>(layers_a[i].second);
      const auto* lb = dynamic_cast<const nn::Linear*>(layers_b[i].second);
      if (!la) continue;
      ASSERT_EQ(bool(la->quantized), bool(lb->quantized)) << layers_a[i].first;
      if (!la->quantized) continue;
      ++quantized;
      EXPECT_EQ(la->quantized->dequantized_weight().to_float_vector(), lb->quantized->dequantized_weight().to_float_vector())
          << layers_a[i].first;
    }
    // 2 layers x 6 Linear + the pooler + the classifier (transformers' default rule keeps
    // only tied weights and the last parameter, classifier.bias, out).
    EXPECT_EQ(quantized, 14u) << mode;
    EXPECT_EQ(first_texts_logits(*q), first_texts_logits(*back)) << mode;
    // The same folder as a base model (AutoModel): the bert. prefix goes, the classifier's
    // quantized entries are dropped, the 13 encoder and pooler layers load quantized.
    auto base = load_quantized_model(out.path(), ModelTask::Base, std::nullopt);
    size_t base_quantized = 0;
    for (const auto& [name, module] : base->named_modules())
      if (const auto* l = dynamic_cast<const nn::Linear*>(module); l && l->quantized) ++base_quantized;
    EXPECT_EQ(base_quantized, 13u) << mode;
  }
}

// GPT-2's Conv1D projections (weights [in, out]) are quantized as transformers' bnb
// integration quantizes them: the transposed [out, in] weight, saved under the Conv1D's own
// key; the tied LM head stays f32.
TEST(QuantModels, Gpt2Conv1DIsQuantizedAsTheTransposedLinear) {
  const std::string dir = test::fixture("models/gpt2-causal");
  const SafetensorsFile ref = SafetensorsFile::open(dir + "/reference.safetensors");
  ModelInputs in;
  in.input_ids = ref.tensor("p1:input_ids").clone().reshape({1, -1});
  const auto f32 = AutoModelForCausalLM::from_pretrained(dir);
  const Tensor want = f32->forward(in, false).get("logits");
  const SafetensorsFile weights = SafetensorsFile::open(dir + "/model.safetensors");
  const std::vector<float> c_attn = weights.tensor("transformer.h.0.attn.c_attn.weight").to_float_vector();  // [32, 96]
  for (const std::string mode : {"int8", "nf4"}) {
    test::TempDir out;
    const BitsAndBytesConfig config = config_for(mode);
    auto q = load_quantized_model(dir, ModelTask::CausalLM, config);
    save_quantized(*q, config, dir, out.path());
    const SafetensorsFile file = SafetensorsFile::open(out / "model.safetensors");
    const std::string p = "transformer.h.0.attn.c_attn.";
    if (mode == "int8") {
      EXPECT_EQ(file.entry(p + "weight").shape, (Shape{96, 32})) << "stored [out, in] as Linear8bitLt holds it";
      EXPECT_EQ(file.entry(p + "SCB").shape, (Shape{96}));
    } else {
      EXPECT_EQ(file.entry(p + "weight").shape, (Shape{96 * 32 / 2, 1}));
    }
    EXPECT_FALSE(file.contains("lm_head.weight")) << "tied to wte: not saved, not quantized";
    EXPECT_EQ(file.entry("transformer.wte.weight").dtype, DType::F32);
    // The quantized weight stands for the transpose of the checkpoint's [in, out] weight.
    auto back = load_quantized_model(out.path(), ModelTask::CausalLM, std::nullopt);
    const Tensor got_q = q->forward(in, false).get("logits");
    EXPECT_EQ(got_q.to_float_vector(), back->forward(in, false).get("logits").to_float_vector()) << mode;
    const std::vector<float> a = want.to_float_vector(), b = got_q.to_float_vector();
    float worst = 0.0f;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
    std::printf("gpt2-causal %s: max |logit - f32| %.4f\n", mode.c_str(), worst);
    EXPECT_LT(worst, mode == "int8" ? 0.02f : 0.2f) << mode;
    // Dequantized, the first block's c_attn is [96, 32]: row o, column i stands for W[i][o]
    // (int8: within one step of its row's absmax / 127; nf4: within a quarter of the largest).
    const auto layers = models::quantizable_layers(*q);
    const auto layer = std::find_if(layers.begin(), layers.end(),
                                    [](const models::QuantizableLayer& l) { return l.name == "transformer.h.0.attn.c_attn"; });
    ASSERT_NE(layer, layers.end());
    ASSERT_TRUE(*layer->quantized);
    const std::vector<float> dq = (*layer->quantized)->dequantized_weight().to_float_vector();
    ASSERT_EQ(dq.size(), c_attn.size());
    float largest = 0.0f;
    for (float v : c_attn) largest = std::max(largest, std::fabs(v));
    for (int64_t o = 0; o < 96; ++o) {
      float row_max = 0.0f;
      for (int64_t i = 0; i < 32; ++i) row_max = std::max(row_max, std::fabs(c_attn[size_t(i * 96 + o)]));
      for (int64_t i = 0; i < 32; ++i)
        ASSERT_NEAR(dq[size_t(o * 32 + i)], c_attn[size_t(i * 96 + o)], mode == "int8" ? row_max / 127 : largest / 4)
            << mode << " row " << o << " column " << i;
    }
  }
}

TEST(QuantModels, BertSeqClsLogitsCloseToF32) {
  const std::string dir = test::fixture("models/bert-seqcls");
  const SafetensorsFile ref = SafetensorsFile::open(dir + "/reference.safetensors");
  ModelInputs in;
  in.input_ids = ref.tensor("input_ids").clone();
  if (ref.contains("attention_mask")) in.attention_mask = ref.tensor("attention_mask").clone();
  if (ref.contains("token_type_ids")) in.token_type_ids = ref.tensor("token_type_ids").clone();
  const auto want = ref.tensor("logits").to_float_vector();
  for (const std::string mode : {"int8", "nf4", "fp4"}) {
    auto q = load_quantized_model(dir, std::nullopt, config_for(mode));
    const auto got = q->forward(in, false).get("logits").to_float_vector();
    ASSERT_EQ(got.size(), want.size());
    float worst = 0.0f, scale = 0.0f;
    for (size_t i = 0; i < got.size(); ++i) {
      worst = std::max(worst, std::fabs(got[i] - want[i]));
      scale = std::max(scale, std::fabs(want[i]));
    }
    std::printf("bert-seqcls %s: max |logit - transformers f32| %.4f (largest |logit| %.4f)\n", mode.c_str(), worst, scale);
    // A random-weight tiny model: a loose bound, per mode (int8 is ~10x closer than 4-bit).
    EXPECT_LT(worst, mode == "int8" ? 0.02f : 0.2f) << mode;
  }
}

TEST(QuantModels, UnsupportedQuantMethodIsAClearError) {
  test::TempDir dir;
  const std::string src = test::fixture("models/bert-seqcls");
  auto cfg = nlohmann::json::parse(test::read_file(src + "/config.json"));
  cfg["quantization_config"] = {{"quant_method", "awq"}, {"bits", 4}};
  std::ofstream(dir / "config.json") << cfg.dump();
  EXPECT_NE(test::error_of([&] { load_quantized_model(dir.path(), std::nullopt, std::nullopt); })
                .find("quantization method \"awq\" is not supported"),
            std::string::npos);
}

TEST(QuantCli, QuantizeWritesAFolderForwardReadsAsItIs) {
  test::TempDir out;
  const std::string dir = test::fixture("models/bert-seqcls");
  const auto q = test::run_cli({"quantize", dir, "--load_in_4bit", "--bnb_4bit_quant_type", "nf4",
                                "--bnb_4bit_use_double_quant", "--out", out / "q"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_NE(q.out.find("Linear layers quantized (nf4)"), std::string::npos) << q.out;
  const auto f = test::run_cli({"forward", out / "q", "--inputs", dir + "/reference.safetensors", "--out", out / "o.safetensors"});
  ASSERT_EQ(f.exit_code, 0) << f.err;
  // The same logits as the library's nf4 model of the same folder.
  BitsAndBytesConfig c = config_for("nf4");
  auto model = load_quantized_model(dir, std::nullopt, c);
  const SafetensorsFile ref = SafetensorsFile::open(dir + "/reference.safetensors");
  ModelInputs in;
  in.input_ids = ref.tensor("input_ids").clone();
  if (ref.contains("attention_mask")) in.attention_mask = ref.tensor("attention_mask").clone();
  if (ref.contains("token_type_ids")) in.token_type_ids = ref.tensor("token_type_ids").clone();
  EXPECT_EQ(SafetensorsFile::open(out / "o.safetensors").tensor("logits").to_float_vector(),
            model->forward(in, false).get("logits").to_float_vector());
  const auto bad = test::run_cli({"quantize", dir, "--out", out / "none"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("pass --load_in_8bit or --load_in_4bit"), std::string::npos) << bad.err;
}

TEST(QuantCli, PipelineTakesTheQuantizationFlags) {
  const std::string dir = test::fixture("real/models/langid-bert");
  const auto f32 = test::run_cli({"pipeline", "text-classification", "--model", dir, "--json", "Das ist ein kleines Haus."});
  const auto q8 = test::run_cli({"pipeline", "text-classification", "--model", dir, "--json", "--load_in_8bit",
                                 "Das ist ein kleines Haus."});
  ASSERT_EQ(f32.exit_code, 0) << f32.err;
  ASSERT_EQ(q8.exit_code, 0) << q8.err;
  const auto a = nlohmann::json::parse(f32.out), b = nlohmann::json::parse(q8.out);
  std::printf("pipeline f32 %s, int8 %s\n", a.dump().c_str(), b.dump().c_str());
  const auto& ra = a.is_array() ? a[0] : a;
  const auto& rb = b.is_array() ? b[0] : b;
  EXPECT_EQ(ra["label"], "de");
  EXPECT_EQ(rb["label"], ra["label"]);
  EXPECT_NEAR(rb["score"].get<double>(), ra["score"].get<double>(), 0.02);
}
