// Kernels of decoder-only language models (GPT-2, Llama and its relatives): RMSNorm,
// rotary position embedding, and causal attention over a key/value cache with grouped
// key/value heads. Raw float pointers, shapes checked by the ops (src/ops).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace cuddle::kernels {

// out[r,:] = x[r,:] / sqrt(mean(x[r,:]^2) + eps) * (weight + offset) over n columns
// (offset 0 for Llama's RMSNorm, 1 for Gemma's, which scales by 1 + weight). out may
// alias x.
void rms_norm(const float* x, const float* weight, int64_t rows, int64_t n, float eps,
              float offset, float* out);

// Rotates the first `rot` dims of each of `heads` heads (head_dim apart) of every row of
// x in place, "rotate half" style (transformers' apply_rotary_pos_emb): for d < rot/2,
// (x[d], x[d + rot/2]) -> (x[d] cos[d] - x[d + rot/2] sin[d],
//                          x[d + rot/2] cos[d + rot/2] + x[d] sin[d + rot/2]).
// cos / sin hold `rot` values per row; row r of x uses row r of cos / sin.
void rotary(float* x, int64_t rows, int64_t row_stride, int64_t heads, int64_t head_dim,
            const float* cos, const float* sin, int64_t rot);

// Causal attention of Sq queries that sit at the last Sq of Sk key positions (query i at
// key position Sk - Sq + i: the new tokens after a cache of Sk - Sq). H query heads share
// Hkv key/value heads (H / Hkv queries per group; MQA when Hkv == 1). Strides in floats:
// q rows `ldq` apart and batches `q_batch` apart; k / v rows `ldkv` apart and batches
// `kv_batch` apart (a cache preallocated for more positions). key_mask [B, Sk] (nonzero
// = attend) may be null. window > 0 lets a query see only the last `window` positions up
// to itself (Mistral's sliding window). softcap > 0 applies softcap * tanh(s / softcap)
// to the scaled scores (Gemma 2). ctx receives [B, Sq, H*D] contiguous. Queries that see
// no key at all (padding before the first token) get zeros.
struct CausalAttentionShape {
  int64_t B, Sq, Sk, H, Hkv, D;
  int64_t ldq, q_batch, ldkv, kv_batch;
};
void causal_attention(const float* q, const float* k, const float* v,
                      const CausalAttentionShape& shape, float scale, const int64_t* key_mask,
                      int64_t window, float softcap, float* ctx);

// One query row's scores against keys first..last (rows of `kb`, `ldkv` apart) into
// s[first..last]: -inf for masked keys, scaled, soft-capped when softcap > 0. Returns their
// maximum (-inf when no key is visible). The forward and its backward (decoder_grad_kernels)
// both compute the scores this way, so the backward's probabilities are the forward's.
inline float causal_scores(const float* qi, const float* kb, int64_t ldkv, int64_t D, const int64_t* mask,
                           int64_t first, int64_t last, float scale, float softcap, float* s) {
  float mx = -INFINITY;
  for (int64_t j = first; j <= last; ++j) {
    if (mask && !mask[j]) {
      s[j] = -INFINITY;
      continue;
    }
    const float* kj = kb + j * ldkv;
    float dot = 0.0f;
    for (int64_t d = 0; d < D; ++d) dot += qi[d] * kj[d];
    float sc = dot * scale;
    if (softcap > 0.0f) sc = softcap * std::tanh(sc / softcap);
    s[j] = sc;
    mx = std::max(mx, sc);
  }
  return mx;
}

}  // namespace cuddle::kernels
