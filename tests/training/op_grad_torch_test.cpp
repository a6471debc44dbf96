// Differential op suite (as llama.cpp's test-backend-ops): the same random inputs go to
// cuddle and to PyTorch 1.13 (tests/training/torch_ops.py, Debian python3-torch); every
// op's output and the gradient of every floating input must agree within 1e-5 absolute
// plus 1e-5 relative. Optimiser steps (AdamW, SGD with Nesterov momentum) likewise.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "cuddle/autograd.h"
#include "cuddle/ops.h"
#include "cuddle/optim.h"
#include "cuddle/random.h"
#include "cuddle/safetensors.h"
#include "test_util.h"

namespace cuddle {
namespace {

using Inputs = std::map<std::string, Tensor>;
struct Case {
  nlohmann::json params;  // "op" and its settings, read by torch_ops.py
  Inputs inputs;          // F32 inputs get gradients; ids / labels / mask / gy do not
  std::function<Tensor(const Inputs&)> run;
  // Further results to compare after the run, by the names torch_ops.py writes them under.
  std::function<NamedTensors()> extra = nullptr;
};

std::mt19937 rng(1234);

Tensor randn(const Shape& s, float scale = 1.0f) {
  std::normal_distribution<float> d(0.0f, scale);
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = d(rng);
  return t;
}

Tensor ints(const Shape& s, std::vector<int64_t> v) { return Tensor::from_vector(v, s); }

bool differentiable(const std::string& name) {
  return name != "gy" && name != "ids" && name != "labels" && name != "mask" && name != "rm" && name != "rv" &&
         name != "cos" && name != "sin";
}

// cos / sin [B, S, R] of random angles (rotary positions are not differentiated).
std::pair<Tensor, Tensor> angles(const Shape& s) {
  Tensor a = randn(s, 2.0f), c = Tensor::empty(s), sn = Tensor::empty(s);
  for (int64_t i = 0; i < a.numel(); ++i) {
    c.data<float>()[i] = std::cos(a.data<float>()[i]);
    sn.data<float>()[i] = std::sin(a.data<float>()[i]);
  }
  return {c, sn};
}

// The ops of the decoder-only LMs: RMSNorm, rotary (full and partial), causal attention
// with grouped key/value heads, padding, a sliding window and soft-capping, SwiGLU.
void decoder_cases(std::map<std::string, Case>& c) {
  c["rms_norm"] = {{{"op", "rms_norm"}, {"eps", 1e-6}},
                   {{"x", randn({3, 4, 24}, 2.0f)}, {"w", randn({24})}, {"gy", randn({3, 4, 24})}},
                   [](const Inputs& t) { return ops::rms_norm(t.at("x"), t.at("w"), 1e-6f); }};
  for (int64_t R : {8, 4}) {
    auto [cos, sin] = angles({2, 5, R});
    c[R == 8 ? "rotary" : "rotary_partial"] = {
        {{"op", "rotary"}, {"head_dim", 8}},
        {{"x", randn({2, 5, 24})}, {"cos", cos}, {"sin", sin}, {"gy", randn({2, 5, 24})}},
        [](const Inputs& t) { return ops::rotary_embedding(t.at("x"), t.at("cos"), t.at("sin"), 8); }};
  }
  c["causal_attention_gqa_padded"] = {
      {{"op", "causal_attention"}, {"heads", 4}, {"kv_heads", 2}, {"scale", 1.0 / std::sqrt(6.0)}, {"window", 0},
       {"softcap", 0.0}},
      {{"q", randn({2, 5, 24})}, {"k", randn({2, 5, 12})}, {"v", randn({2, 5, 12})}, {"gy", randn({2, 5, 24})},
       {"mask", ints({2, 5}, {1, 1, 1, 1, 1, 1, 1, 1, 0, 0})}},
      [](const Inputs& t) { return ops::causal_attention(t.at("q"), t.at("k"), t.at("v"), 4, 2, t.at("mask")); }};
  c["causal_attention_mqa_window_softcap"] = {
      {{"op", "causal_attention"}, {"heads", 2}, {"kv_heads", 1}, {"scale", 0.3}, {"window", 3}, {"softcap", 2.0}},
      {{"q", randn({1, 6, 8}, 2.0f)}, {"k", randn({1, 6, 4}, 2.0f)}, {"v", randn({1, 6, 4})}, {"gy", randn({1, 6, 8})}},
      [](const Inputs& t) {
        ops::CausalAttentionOptions o;
        o.scale = 0.3f;
        o.sliding_window = 3;
        o.softcap = 2.0f;
        return ops::causal_attention(t.at("q"), t.at("k"), t.at("v"), 2, 1, {}, o);
      }};
  for (const char* act : {"silu", "gelu_new"}) {
    c[std::string("gated_") + act] = {
        {{"op", "gated_activation"}, {"act", act}},
        {{"x", randn({3, 14}, 2.0f)}, {"gy", randn({3, 7})}},
        [act](const Inputs& t) { return ops::gated_activation(t.at("x"), activation_from_name(act)); }};
  }
}

std::map<std::string, Case> cases() {
  std::map<std::string, Case> c;
  const char* acts[] = {"gelu", "gelu_10", "gelu_new", "quick_gelu", "relu", "relu2", "relu6", "leaky_relu",
                        "silu", "mish", "sigmoid", "tanh", "laplace"};
  for (const char* a : acts) {
    Tensor x = randn({97}, 2.5f);
    c[std::string("act_") + a] = {{{"op", "activation"}, {"act", a}},
                                  {{"x", x}, {"gy", randn({97})}},
                                  [a](const Inputs& t) { return ops::activation(t.at("x"), activation_from_name(a)); }};
  }
  c["linear"] = {{{"op", "linear"}, {"act", "linear"}},
                 {{"x", randn({3, 5, 16})}, {"w", randn({7, 16}, 0.3f)}, {"b", randn({7})}, {"gy", randn({3, 5, 7})}},
                 [](const Inputs& t) { return ops::linear(t.at("x"), t.at("w"), t.at("b")); }};
  c["linear_gelu"] = {{{"op", "linear"}, {"act", "gelu"}},
                      {{"x", randn({4, 16})}, {"w", randn({9, 16}, 0.3f)}, {"b", randn({9})}, {"gy", randn({4, 9})}},
                      [](const Inputs& t) { return ops::linear(t.at("x"), t.at("w"), t.at("b"), Activation::Gelu); }};
  c["linear_weight_stacked"] = {
      {{"op", "linear"}, {"act", "tanh"}},
      {{"x", randn({6, 8})}, {"w", randn({12, 8}, 0.3f)}, {"b", randn({12})}, {"gy", randn({6, 12})}},
      [](const Inputs& t) {
        // A fused projection: the rows of w as three stacked weights of 4 rows each.
        const Tensor& w = t.at("w");
        ops::LinearWeight lw(std::vector<Tensor>{w.slice(0, 0, 4), w.slice(0, 4, 8), w.slice(0, 8, 12)});
        return ops::linear(t.at("x"), lw, t.at("b"), Activation::Tanh);
      }};
  c["add_broadcast"] = {{{"op", "add"}},
                        {{"a", randn({2, 3, 5})}, {"b", randn({5})}, {"gy", randn({2, 3, 5})}},
                        [](const Inputs& t) { return ops::add(t.at("a"), t.at("b")); }};
  c["layer_norm"] = {{{"op", "layer_norm"}, {"eps", 1e-5}},
                     {{"x", randn({3, 4, 24}, 2.0f)}, {"w", randn({24})}, {"b", randn({24})}, {"gy", randn({3, 4, 24})}},
                     [](const Inputs& t) { return ops::layer_norm(t.at("x"), t.at("w"), t.at("b"), 1e-5f); }};
  c["add_layer_norm"] = {
      {{"op", "layer_norm"}, {"eps", 1e-12}},
      {{"x", randn({5, 32})}, {"r", randn({5, 32})}, {"w", randn({32})}, {"b", randn({32})}, {"gy", randn({5, 32})}},
      [](const Inputs& t) { return ops::add_layer_norm(t.at("x"), t.at("r"), t.at("w"), t.at("b"), 1e-12f); }};
  c["softmax_last"] = {{{"op", "softmax"}, {"dim", -1}},
                       {{"x", randn({4, 11}, 3.0f)}, {"gy", randn({4, 11})}},
                       [](const Inputs& t) { return ops::softmax(t.at("x"), -1); }};
  c["softmax_dim1"] = {{{"op", "softmax"}, {"dim", 1}},
                       {{"x", randn({2, 6, 3}, 3.0f)}, {"gy", randn({2, 6, 3})}},
                       [](const Inputs& t) { return ops::softmax(t.at("x"), 1); }};
  c["embedding"] = {{{"op", "embedding"}},
                    {{"w", randn({10, 6})}, {"ids", ints({2, 4}, {1, 3, 3, 9, 0, 1, 1, 1})}, {"gy", randn({2, 4, 6})}},
                    [](const Inputs& t) { return ops::embedding(t.at("w"), t.at("ids")); }};
  for (bool causal : {false, true}) {
    Inputs in{{"q", randn({2, 5, 12})}, {"k", randn({2, 5, 12})}, {"v", randn({2, 5, 12})}, {"gy", randn({2, 5, 12})}};
    if (!causal) in["mask"] = ints({2, 5}, {1, 1, 1, 1, 1, 1, 1, 1, 0, 0});
    c[causal ? "attention_causal" : "attention_masked"] = {
        {{"op", "attention"}, {"heads", 3}, {"causal", causal}}, in, [causal](const Inputs& t) {
          return ops::attention(t.at("q"), t.at("k"), t.at("v"), 3, t.count("mask") ? t.at("mask") : Tensor(), causal);
        }};
  }
  c["attention_cross"] = {{{"op", "attention"}, {"heads", 2}, {"causal", false}},
                          {{"q", randn({2, 3, 8})}, {"k", randn({2, 6, 8})}, {"v", randn({2, 6, 8})}, {"gy", randn({2, 3, 8})}},
                          [](const Inputs& t) { return ops::attention(t.at("q"), t.at("k"), t.at("v"), 2); }};
  decoder_cases(c);
  for (float smoothing : {0.0f, 0.1f}) {
    c[smoothing > 0 ? "cross_entropy_smoothed" : "cross_entropy"] = {
        {{"op", "cross_entropy"}, {"smoothing", smoothing}},
        {{"logits", randn({6, 5}, 2.0f)}, {"labels", ints({6}, {0, 4, -100, 2, 2, 1})}},
        [smoothing](const Inputs& t) { return ops::cross_entropy(t.at("logits"), t.at("labels"), -100, smoothing); }};
  }
  c["mse_loss"] = {{{"op", "mse_loss"}}, {{"x", randn({7})}, {"y", randn({7})}},
                   [](const Inputs& t) { return ops::mse_loss(t.at("x"), t.at("y")); }};
  c["bce_with_logits"] = {{{"op", "bce_with_logits"}}, {{"x", randn({3, 4}, 3.0f)}, {"y", randn({3, 4}, 0.3f)}},
                          [](const Inputs& t) { return ops::binary_cross_entropy_with_logits(t.at("x"), t.at("y")); }};
  {
    ops::Conv2dOptions o;
    o.stride = {2, 1};
    o.padding = {1, 2};
    o.groups = 2;
    c["conv2d_grouped"] = {{{"op", "conv2d"}, {"stride", {2, 1}}, {"padding", {1, 2}}, {"groups", 2}, {"act", "linear"}},
                           {{"x", randn({2, 4, 7, 6})}, {"w", randn({6, 2, 3, 3}, 0.3f)}, {"b", randn({6})},
                            {"gy", randn({2, 6, 4, 8})}},
                           [o](const Inputs& t) { return ops::conv2d(t.at("x"), t.at("w"), t.at("b"), o); }};
    ops::Conv2dOptions r;
    r.act = Activation::Relu;
    c["conv2d_relu"] = {{{"op", "conv2d"}, {"stride", {1, 1}}, {"padding", {0, 0}}, {"groups", 1}, {"act", "relu"}},
                        {{"x", randn({1, 3, 5, 5})}, {"w", randn({4, 3, 2, 2}, 0.3f)}, {"gy", randn({1, 4, 4, 4})}},
                        [r](const Inputs& t) { return ops::conv2d(t.at("x"), t.at("w"), Tensor(), r); }};
  }
  c["max_pool2d"] = {{{"op", "max_pool2d"}},
                     {{"x", randn({2, 3, 7, 8})}, {"gy", randn({2, 3, 4, 4})}},
                     [](const Inputs& t) { return ops::max_pool2d(t.at("x"), {3, 3}, {2, 2}, {1, 1}); }};
  c["adaptive_avg_pool2d"] = {{{"op", "adaptive_avg_pool2d"}, {"size", {2, 3}}},
                              {{"x", randn({2, 3, 5, 7})}, {"gy", randn({2, 3, 2, 3})}},
                              [](const Inputs& t) { return ops::adaptive_avg_pool2d(t.at("x"), {2, 3}); }};
  c["patchify"] = {{{"op", "patchify"}, {"p", 3}},
                   {{"x", randn({2, 2, 7, 7})}, {"gy", randn({2, 4, 18})}},
                   [](const Inputs& t) { return ops::patchify(t.at("x"), 3); }};
  {
    auto rm = std::make_shared<Tensor>(), rv = std::make_shared<Tensor>();
    Inputs in{{"x", randn({4, 3, 5, 5}, 2.0f)}, {"w", randn({3})}, {"b", randn({3})}, {"gy", randn({4, 3, 5, 5})},
              {"rm", randn({3})}, {"rv", Tensor::full({3}, 1.5f)}};
    c["batch_norm_train"] = {{{"op", "batch_norm_train"}, {"momentum", 0.1}, {"eps", 1e-5}}, in,
                             [rm, rv](const Inputs& t) {
                               *rm = t.at("rm").detach().clone();
                               *rv = t.at("rv").detach().clone();
                               return ops::batch_norm_train(t.at("x"), *rm, *rv, t.at("w"), t.at("b"), 0.1f, 1e-5f);
                             },
                             [rm, rv] { return NamedTensors{{"running_mean", *rm}, {"running_var", *rv}}; }};
  }
  // Optimisers: three steps from the same weights with the same gradients.
  for (const std::string kind : {"adamw", "sgd"}) {
    nlohmann::json p{{"op", "optimizer"}, {"kind", kind}, {"lr", 0.01}, {"wd", 0.05}, {"steps", 3},
                     {"momentum", 0.9}, {"nesterov", true}};
    Inputs in{{"w", randn({33})}, {"g0", randn({33})}, {"g1", randn({33})}, {"g2", randn({33})}};
    c["optim_" + kind] = {p, in, [kind](const Inputs& t) {
                            Tensor w = t.at("w").clone().set_requires_grad();
                            training::ParamGroup g{{{"w", w}}, 0.01, 0.05};
                            std::unique_ptr<training::Optimizer> opt;
                            if (kind == "adamw") opt = std::make_unique<training::AdamW>(std::vector{g});
                            else opt = std::make_unique<training::SGD>(std::vector{g}, training::SGDOptions{0.9, 0.0, true});
                            for (int i = 0; i < 3; ++i) {
                              w.set_grad(t.at("g" + std::to_string(i)));
                              opt->step();
                            }
                            return w.detach();
                          }};
  }
  return c;
}

void expect_close(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  const Tensor g = got.contiguous();
  double worst = 0.0;
  for (int64_t i = 0; i < g.numel(); ++i) {
    const double a = g.data<float>()[i], b = want.data<float>()[i];
    const double excess = std::abs(a - b) - (1e-5 + 1e-5 * std::abs(b));
    worst = std::max(worst, excess);
    if (excess > 0) {
      ADD_FAILURE() << what << "[" << i << "]: cuddle " << a << ", torch " << b;
      return;
    }
  }
}

TEST(OpGradTorch, OutputsAndGradientsMatchPyTorch) {
  test::TempDir tmp;
  auto all = cases();
  NamedTensors written;
  nlohmann::json described;
  for (const auto& [name, c] : all) {
    described[name] = c.params;
    for (const auto& [k, t] : c.inputs) written.emplace_back(name + "." + k, t);
  }
  save_safetensors(tmp / "in.safetensors", written, {{"cases", described.dump()}});
  const std::string cmd = "/usr/bin/python3 " + std::string(CUDDLE_SOURCE_DIR) + "/tests/training/torch_ops.py " +
                          (tmp / "in.safetensors") + " " + (tmp / "out.safetensors");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "the PyTorch reference failed (scripts/test-deps.sh installs python3-torch): "
                                         << cmd;
  const SafetensorsFile ref = SafetensorsFile::open(tmp / "out.safetensors");
  for (auto& [name, c] : all) {
    SCOPED_TRACE(name);
    Inputs in;
    for (const auto& [k, t] : c.inputs) {
      in[k] = t.clone();
      if (t.dtype() == DType::F32 && differentiable(k) && c.params["op"] != "optimizer") in[k].set_requires_grad();
    }
    const Tensor out = c.run(in);
    if (c.params["op"] == "optimizer") {
      expect_close(out, ref.tensor(name + ".out"), name);
      continue;
    }
    expect_close(out, ref.tensor(name + ".out"), name + " output");
    if (c.extra)
      for (const auto& [k, t] : c.extra()) expect_close(t, ref.tensor(name + "." + k), name + " " + k);
    if (in.count("gy")) out.backward(in.at("gy"));
    else out.backward();
    for (const auto& [k, t] : in)
      if (t.requires_grad()) {
        ASSERT_TRUE(t.grad().defined()) << name << ": no gradient for " << k;
        expect_close(t.grad(), ref.tensor(name + ".grad." + k), name + " d/d" + k);
      }
  }
}

TEST(OpGrad, DropoutIsSeededAndItsGradientIsItsMask) {
  manual_seed(7);
  Tensor x = Tensor::full({1000}, 1.0f).set_requires_grad();
  const Tensor y = ops::dropout(x, 0.25f);
  int64_t zeros = 0;
  for (float v : y.to_float_vector()) {
    if (v == 0.0f) ++zeros;
    else EXPECT_FLOAT_EQ(v, 1.0f / 0.75f);
  }
  EXPECT_GT(zeros, 200);
  EXPECT_LT(zeros, 300);
  ops::sum(y).backward();
  EXPECT_EQ(x.grad().to_float_vector(), y.detach().to_float_vector());  // d(x * mask)/dx = mask, x = 1
  manual_seed(7);
  EXPECT_EQ(ops::dropout(Tensor::full({1000}, 1.0f), 0.25f).to_float_vector(), y.to_float_vector());
}

}  // namespace
}  // namespace cuddle
