// Every tensor of each fixture's reference.safetensors (written by transformers 5.17 from
// the same inputs) reproduced within 1e-4 absolute; the max difference is printed per
// output so drift shows before it fails.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "cuddle/models.h"
#include "cuddle/safetensors.h"
#include "test_util.h"

using namespace cuddle;

namespace {

constexpr double kTolerance = 1e-4;

bool is_input(const std::string& name) {
  return name == "input_ids" || name == "attention_mask" || name == "token_type_ids";
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  auto x = a.to_float_vector(), y = b.to_float_vector();
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, double(std::fabs(x[i] - y[i])));
  return m;
}

class Parity : public ::testing::TestWithParam<const char*> {};

TEST_P(Parity, ReproducesEveryReferenceTensor) {
  const std::string dir = test::fixture(std::string("models/") + GetParam());
  auto model = load_model_from_architectures(dir);
  SafetensorsFile ref = SafetensorsFile::open(dir + "/reference.safetensors");
  ModelInputs in;
  in.input_ids = ref.tensor("input_ids");
  in.attention_mask = ref.tensor("attention_mask");
  if (ref.contains("token_type_ids")) in.token_type_ids = ref.tensor("token_type_ids");
  ModelOutputs out = model->forward(in);

  double worst = 0;
  int compared = 0;
  for (const auto& name : ref.names()) {
    if (is_input(name)) continue;
    ASSERT_TRUE(out.contains(name)) << GetParam() << " lacks output " << name;
    const Tensor expected = ref.tensor(name);
    const Tensor& got = out.get(name);
    ASSERT_EQ(got.shape(), expected.shape()) << name;
    const double d = max_abs_diff(got, expected);
    std::printf("  %-18s %-18s max abs diff %.3g\n", GetParam(), name.c_str(), d);
    EXPECT_LT(d, kTolerance) << GetParam() << " " << name;
    worst = std::max(worst, d);
    ++compared;
  }
  EXPECT_GT(compared, 0);
  std::printf("%s (%s): %d tensors, max abs diff %.3g\n", GetParam(), model->class_name().c_str(),
              compared, worst);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Parity,
                         ::testing::Values("bert-seqcls", "bert-mlm", "bert-ner", "bert-qa",
                                           "roberta-nli", "distilbert-seqcls", "xlmr-base"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
