// Naive double-precision reference implementations of the CPU kernels, in the spirit of
// ggml's test-backend-ops: every kernel is compared against the plainest possible loop on
// random shapes, odd sizes included.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include "cuddle/activation.h"

namespace cuddle::test {

std::vector<float> random_vector(std::mt19937& rng, int64_t n, float lo = -1.0f, float hi = 1.0f);
float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b);

double ref_activation(Activation act, double x);
// y[M,N] = act(x W^T + b)
std::vector<float> ref_linear(const std::vector<float>& x, int64_t M, int64_t K,
                              const std::vector<float>& W, const std::vector<float>* bias,
                              int64_t N, Activation act);
std::vector<float> ref_layer_norm(const std::vector<float>& x, const std::vector<float>* residual,
                                  const std::vector<float>& gamma, const std::vector<float>& beta,
                                  int64_t rows, int64_t n, float eps);
std::vector<float> ref_softmax(const std::vector<float>& x, int64_t rows, int64_t n);
// q, k, v: [B, S, ld] with head h at columns h*D .. h*D+D; key_bias [B, S] or empty.
// Attention with q rows ldq apart ([B, Sq, H*D]) and k, v rows ldkv apart ([B, Sk, H*D]);
// key_bias empty or [B, Sk]; causal hides keys after each query.
std::vector<float> ref_attention(const std::vector<float>& q, const std::vector<float>& k,
                                 const std::vector<float>& v, int64_t ldq, int64_t ldkv,
                                 int64_t B, int64_t Sq, int64_t Sk, int64_t H, int64_t D,
                                 float scale, const std::vector<float>& key_bias, bool causal);

}  // namespace cuddle::test
