#include <algorithm>
#include <cstring>

#include "cuddle/causal_lm.h"
#include "cuddle/error.h"
#include "cuddle/models.h"

namespace cuddle {

KVCache::KVCache(int64_t layers, int64_t batch, int64_t width, Kind kind, int64_t capacity)
    : layers_(layers), batch_(batch), width_(width), capacity_(std::max<int64_t>(capacity, 1)),
      kind_(kind) {
  for (int64_t l = 0; l < layers; ++l) {
    keys_.push_back(Tensor::empty({batch, capacity_, width}));
    values_.push_back(Tensor::empty({batch, capacity_, width}));
  }
}

void KVCache::grow(int64_t needed) {
  if (needed <= capacity_) return;
  if (kind_ == Kind::Static)
    throw Error("static key/value cache of " + std::to_string(capacity_) +
                " positions cannot hold " + std::to_string(needed) +
                " (allocate it for max_length positions)");
  int64_t cap = capacity_;
  while (cap < needed) cap *= 2;
  for (auto* list : {&keys_, &values_})
    for (auto& t : *list) {
      Tensor bigger = Tensor::empty({batch_, cap, width_});
      for (int64_t b = 0; b < batch_; ++b)
        std::memcpy(bigger.data<float>() + b * cap * width_, t.data<float>() + b * capacity_ * width_,
                    sizeof(float) * length_ * width_);
      t = bigger;
    }
  capacity_ = cap;
}

std::pair<Tensor, Tensor> KVCache::update(int64_t layer, const Tensor& k_in, const Tensor& v_in) {
  if (layer < 0 || layer >= layers_)
    throw ShapeError("KVCache::update: layer " + std::to_string(layer) + " of " +
                     std::to_string(layers_));
  if (k_in.dim() != 3 || k_in.size(0) != batch_ || k_in.size(2) != width_ ||
      v_in.shape() != k_in.shape())
    throw ShapeError("KVCache::update: keys " + k_in.describe() + " and values " + v_in.describe() +
                     " must be [" + std::to_string(batch_) + ", S, " + std::to_string(width_) + "]");
  const int64_t S = k_in.size(1);
  grow(length_ + S);
  const Tensor k = k_in.dtype() == DType::F32 ? k_in : k_in.to(DType::F32);
  const Tensor v = v_in.dtype() == DType::F32 ? v_in : v_in.to(DType::F32);
  for (auto [src, dst] : {std::pair{&k, &keys_[layer]}, std::pair{&v, &values_[layer]}}) {
    float* base = dst->data<float>();
    for (int64_t b = 0; b < batch_; ++b)
      for (int64_t s = 0; s < S; ++s) {
        // Rows of a fused projection's slice are strided; each row's W values are contiguous
        // when the last stride is 1, else gathered one by one.
        float* out = base + (b * capacity_ + length_ + s) * width_;
        const Tensor row = src->select(0, b).select(0, s);
        if (row.strides()[0] == 1) {
          std::memcpy(out, row.data<float>(), sizeof(float) * width_);
        } else {
          for (int64_t w = 0; w < width_; ++w) out[w] = static_cast<float>(row.flat_as_double(w));
        }
      }
  }
  const int64_t total = length_ + S;
  auto result = std::pair{keys_[layer].slice(1, 0, total), values_[layer].slice(1, 0, total)};
  if (layer == layers_ - 1) length_ = total;
  return result;
}

void KVCache::select_batch(const std::vector<int64_t>& rows) {
  for (int64_t r : rows)
    if (r < 0 || r >= batch_)
      throw ShapeError("KVCache::select_batch: row " + std::to_string(r) + " of a batch of " +
                       std::to_string(batch_));
  const int64_t n = static_cast<int64_t>(rows.size());
  for (auto* list : {&keys_, &values_})
    for (auto& t : *list) {
      Tensor picked = Tensor::empty({n, capacity_, width_});
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(picked.data<float>() + i * capacity_ * width_,
                    t.data<float>() + rows[i] * capacity_ * width_,
                    sizeof(float) * length_ * width_);
      t = picked;
    }
  batch_ = n;
}

const CausalLM& as_causal_lm(const PreTrainedModel& model) {
  if (const auto* lm = dynamic_cast<const CausalLM*>(&model)) return *lm;
  throw Error(model.class_name() + " has no language-modeling head: generation needs a "
              "*ForCausalLM model (load it with AutoModelForCausalLM / ModelTask::CausalLM)");
}

}  // namespace cuddle
