// Operations on Tensors: shape-checked, dtype-dispatched free functions Tensor -> Tensor
// over the CPU kernels (src/kernels/cpu). Each returns a new contiguous tensor and leaves
// its inputs untouched, so a backward rule can be attached to every op later without
// changing callers (docs/architecture.md, Autograd).
//
// Dtypes: floating inputs (f32, f16, bf16, f64) are computed in f32 and give f32; index
// inputs (ids, masks) may be i64, i32, u8 or bool. Anything else is a ShapeError naming the
// op, the argument and what was expected.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "cuddle/activation.h"
#include "cuddle/tensor.h"

namespace cuddle::kernels {
class WeightRows;
}

namespace cuddle::ops {

// [..., M, K] x [K, N] or batched [..., M, K] x [..., K, N] with equal batch dimensions.
Tensor matmul(const Tensor& a, const Tensor& b);

// act(x W^T + bias): x [..., K], weight [N, K] (torch Linear layout), bias [N] or undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
              Activation act = Activation::Identity);

// A Linear weight ([N, K], torch layout) prepared for the GEMM micro-kernels, which read
// its rows where they lie (the mmap'd checkpoint: nothing is copied unless the weight must
// be converted to f32). Several weights can be stacked by rows (a fused Q|K|V
// projection) without concatenating them. Holds the weight tensors, so their memory lives
// as long as this does.
class LinearWeight {
 public:
  LinearWeight() = default;
  explicit LinearWeight(const Tensor& weight) : LinearWeight(std::vector<Tensor>{weight}) {}
  // The rows of each weight in turn; all must have the same number of columns.
  explicit LinearWeight(const std::vector<Tensor>& stacked);
  bool empty() const { return !rows_; }
  int64_t out_features() const { return n_; }
  int64_t in_features() const { return k_; }
  // True when this was built from exactly `weight` (same storage, offset and shape), so it
  // still computes with that tensor's current values.
  bool reads(const Tensor& weight) const;
  const kernels::WeightRows& rows() const { return *rows_; }
  // For the backward rule: the weights as given, and their f32 contiguous versions.
  const std::vector<Tensor>& sources() const { return sources_; }
  const std::vector<Tensor>& weights() const { return weights_; }
  // True when grad mode is on and a source weight requires grad (linear() then records).
  bool sources_need_grad() const;

 private:
  std::vector<Tensor> sources_;  // as given
  std::vector<Tensor> weights_;  // f32, contiguous: the sources themselves when they already are
  std::shared_ptr<const kernels::WeightRows> rows_;
  int64_t n_ = 0, k_ = 0;
};

// linear() against a LinearWeight; same contract and results (up to float summation order).
Tensor linear(const Tensor& x, const LinearWeight& weight, const Tensor& bias = {},
              Activation act = Activation::Identity);

// a + b where b has a's shape or a suffix of it (broadcast over leading dimensions).
Tensor add(const Tensor& a, const Tensor& b);

// LayerNorm over the last dimension; weight and bias [n].
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps);
// layer_norm(x + residual, ...), fused (the post-norm transformer block's residual step).
Tensor add_layer_norm(const Tensor& x, const Tensor& residual, const Tensor& weight,
                      const Tensor& bias, float eps);

// Softmax along `dim` (negative counts from the end).
Tensor softmax(const Tensor& x, int64_t dim = -1);

Tensor activation(const Tensor& x, Activation act);
inline Tensor gelu(const Tensor& x) { return activation(x, Activation::Gelu); }
inline Tensor relu(const Tensor& x) { return activation(x, Activation::Relu); }
inline Tensor tanh(const Tensor& x) { return activation(x, Activation::Tanh); }

// Rows of weight [V, n] picked by integer ids [...] -> [..., n]; ids outside [0, V) are a
// ShapeError naming the id.
Tensor embedding(const Tensor& weight, const Tensor& ids);
// embedding(table^T, ids) for a table stored [n, V] (peft's lora_embedding_A [r, vocab]):
// column ids[i] of the table -> [..., n], without transposing the table. A leaf table gets
// its gradient column by column, only in the columns looked up.
Tensor embedding_columns(const Tensor& table, const Tensor& ids);

// Multi-head scaled dot-product attention. q: [B, Sq, H*D]; k, v: [B, Sk, H*D] (Sk == Sq
// for self-attention; cross-attention may differ). Each must have a contiguous last
// dimension and one row stride (slices of a fused QKV projection qualify without a copy).
// attention_mask: [B, Sk] with 1 for keys to attend to and 0 for padding (transformers'
// attention_mask), or undefined. Masked keys get the float minimum added to their scores,
// as transformers does. causal: query i attends to keys 0..i only (decoders and CLIP's
// text tower; needs Sq == Sk). Returns [B, Sq, H*D].
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, int64_t num_heads,
                 const Tensor& attention_mask = {}, bool causal = false);

// ---- images (NCHW) ----

// torch.nn.functional.conv2d options; `act` is applied after the bias, fused into the pass
// that adds it.
struct Conv2dOptions {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  std::array<int64_t, 2> dilation{1, 1};
  int64_t groups = 1;
  Activation act = Activation::Identity;
};
// x [B, C, H, W], weight [O, C/groups, kh, kw], bias [O] or undefined -> [B, O, OH, OW] with
// OH = (H + 2*padding - dilation*(kh-1) - 1) / stride + 1 (likewise OW).
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
              const Conv2dOptions& options = {});

// Inference batch norm over dimension 1 of x [B, C, ...]: (x - running_mean) /
// sqrt(running_var + eps) * weight + bias, computed as torch's CPU kernel does (one scale
// and shift per channel). weight / bias may be undefined (ones / zeros). Records the
// gradient of x only (a frozen batch norm); batch_norm_train trains the others.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, float eps);

// torch.nn.functional.max_pool2d: x [B, C, H, W]; padding (at most half the kernel) counts as
// -inf; floor output size.
Tensor max_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding = {0, 0});

// torch.nn.functional.adaptive_avg_pool2d: x [B, C, H, W] -> [B, C, OH, OW].
Tensor adaptive_avg_pool2d(const Tensor& x, std::array<int64_t, 2> output_size);

// Non-overlapping p x p patches of images x [B, C, H, W] -> [B, nh * nw, C * p * p] with
// nh = H / p, nw = W / p (rounded down, as a stride-p convolution drops the remainder).
// Patches run row by row; each patch is flattened in (c, i, j) order, the order of a
// Conv2d weight [D, C, p, p], so linear(patchify(x), weight.reshape({D, C*p*p}), bias)
// equals Conv2d(x, kernel = stride = p) flattened and transposed (ViT / CLIP patch embedding).
Tensor patchify(const Tensor& x, int64_t patch_size);

// [token; x_b] for every b: x [B, n, D], token with D values -> [B, 1 + n, D] (ViT's [CLS]
// row before the patches; the token's gradient is summed over the batch).
Tensor prepend_token(const Tensor& x, const Tensor& token);

// Resizes the last two dimensions of x [..., H, W] to [..., out_h, out_w] by bicubic
// interpolation as torch's interpolate(mode="bicubic", align_corners=False): Keys' cubic
// kernel with a = -0.75, half-pixel source coordinates, taps outside the image clamped to
// the border (ViT / CLIP interpolate_pos_encoding).
Tensor interpolate_bicubic(const Tensor& x, int64_t out_h, int64_t out_w);

// ---- decoder-only language models (src/ops/decoder_ops.cpp) ----

// RMSNorm over the last dimension: x / sqrt(mean(x^2) + eps) * (weight + offset); weight
// [n]. offset is 0 for Llama's RMSNorm and 1 for Gemma's (which scales by 1 + weight).
Tensor rms_norm(const Tensor& x, const Tensor& weight, float eps, float offset = 0.0f);

// Rotary position embedding ("rotate half", transformers' apply_rotary_pos_emb) applied to
// x [B, S, H*head_dim]: the first R = cos.size(-1) dims of every head are rotated (R <
// head_dim for partial rotary models), the rest pass through. cos, sin: [B, S, R], one row
// per token (positions may differ per sequence: left padding).
Tensor rotary_embedding(const Tensor& x, const Tensor& cos, const Tensor& sin, int64_t head_dim);

struct CausalAttentionOptions {
  float scale = 0.0f;          // 0: 1 / sqrt(head_dim)
  int64_t sliding_window = 0;  // > 0: a query sees only the last `sliding_window` positions
  float softcap = 0.0f;        // > 0: scores -> softcap * tanh(scores / softcap) (Gemma 2)
};
// Causal self-attention of a decoder step. q: [B, Sq, H*D]; k, v: [B, Sk, Hkv*D] with Sk >=
// Sq: every position so far (a key/value cache followed by the Sq new ones), so query i
// sits at position Sk - Sq + i and sees keys 0 .. Sk - Sq + i. H must be a multiple of Hkv
// (grouped-query attention; Hkv == 1 is multi-query). k / v may be views with a batch
// stride larger than Sk rows (a preallocated cache). key_mask: [B, Sk], 1 = token, 0 =
// padding, or undefined. Returns [B, Sq, H*D].
Tensor causal_attention(const Tensor& q, const Tensor& k, const Tensor& v, int64_t num_heads,
                        int64_t num_kv_heads, const Tensor& key_mask = {},
                        const CausalAttentionOptions& options = {});

// Gated MLP activation (SwiGLU / GeGLU): x [..., 2I] holds the gate projection's I
// columns then the up projection's I columns (one fused GEMM, Phi-3's gate_up_proj
// layout) -> act(gate) * up, [..., I].
Tensor gated_activation(const Tensor& x, Activation act);

}  // namespace cuddle::ops

// ---- training (backward rules in src/ops/grad and beside each op) ----

namespace cuddle::ops {

// torch.nn.functional.dropout in training mode: each element is zeroed with probability p
// and the survivors scaled by 1 / (1 - p); the mask comes from the next stream of
// cuddle::manual_seed's sequence (include/cuddle/random.h). p = 0 returns x itself.
Tensor dropout(const Tensor& x, float p);

// Elementwise product of two tensors of one shape; x * s for a scalar s.
Tensor mul(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& x, float s);
// Sum and mean of all elements, as a one-element tensor of shape [].
Tensor sum(const Tensor& x);
Tensor mean(const Tensor& x);

// torch.nn.functional.batch_norm in training mode over dimension 1 of x [B, C, ...]: each
// channel normalised by its batch mean and biased variance; running_mean / running_var
// (when defined: writable contiguous f32 [C]) updated in place with `momentum` as torch
// does, the variance unbiased (n / (n - 1)). weight / bias may be undefined (ones / zeros).
Tensor batch_norm_train(const Tensor& x, Tensor running_mean, Tensor running_var, const Tensor& weight,
                        const Tensor& bias, float momentum = 0.1f, float eps = 1e-5f);

// torch.nn.functional.cross_entropy with reduction="mean": logits [N, C], labels [N]
// integer class ids; labels equal to ignore_index contribute nothing and are not counted.
// label_smoothing eps mixes the one-hot target with the uniform distribution as torch
// does. A label outside [0, C) (other than ignore_index) is a ShapeError naming it. All
// labels ignored gives NaN, as torch.
Tensor cross_entropy(const Tensor& logits, const Tensor& labels, int64_t ignore_index = -100,
                     float label_smoothing = 0.0f);
// Mean squared error between two tensors of one element count (torch's MSELoss).
Tensor mse_loss(const Tensor& input, const Tensor& target);
// torch's BCEWithLogitsLoss (mean): target probabilities of the logits' shape.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target);

}  // namespace cuddle::ops
