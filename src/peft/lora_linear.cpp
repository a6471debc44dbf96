#include "peft/lora_linear.h"

#include "cuddle/autograd.h"
#include "cuddle/error.h"
#include "kernels/cpu/kernels.h"

namespace cuddle::peft {

const LoraWeights* LoraLinear::running() const {
  if (disabled || active_name.empty() || merged_name_ == active_name) return nullptr;
  auto it = adapters.find(active_name);
  return it == adapters.end() ? nullptr : &it->second;
}

bool LoraLinear::active() const { return running() != nullptr; }

Tensor LoraLinear::delta(const Tensor& x) const {
  const LoraWeights& w = *running();
  const Tensor in = base_.is_training() && w.dropout > 0.0f ? ops::dropout(x, w.dropout) : x;
  return ops::scale(ops::linear(ops::linear(in, w.A), w.B), w.scaling);
}

bool LoraLinear::add_into(const Tensor& x, Tensor& y) const {
  const LoraWeights& w = *running();
  if ((base_.is_training() && w.dropout > 0.0f) || autograd::needs_grad({&x, &y, &w.A, &w.B})) return false;
  if (x.dtype() != DType::F32 || !x.is_contiguous() || !y.is_contiguous() || w.A.dtype() != DType::F32 ||
      w.B.dtype() != DType::F32 || !w.A.is_contiguous() || !w.B.is_contiguous())
    return false;
  const int64_t r = w.A.size(0), K = w.A.size(1), N = w.B.size(0);
  const int64_t rows = x.numel() / K;
  Tensor t = Tensor::empty({rows, r});
  kernels::gemm(rows, r, K, 1.0f, x.data<float>(), K, w.A.data<float>(), K, /*b_transposed=*/true, 0.0f,
                t.data<float>(), r);
  kernels::gemm(rows, N, r, w.scaling, t.data<float>(), r, w.B.data<float>(), r, /*b_transposed=*/true, 1.0f,
                y.data<float>(), N);
  return true;
}

Tensor LoraLinear::delta_weight(const std::string& name) const {
  const LoraWeights& w = adapters.at(name);
  autograd::NoGradGuard no_grad;
  return ops::scale(ops::matmul(w.B, w.A), w.scaling);
}

void LoraLinear::merge() {
  if (merged() || active_name.empty()) return;
  if (base_.quantized)
    throw Error("merge: the base Linear is quantized (bitsandbytes); merging a LoRA adapter into 8-bit / 4-bit "
                "weights is not supported - load the base in f32 to merge");
  autograd::NoGradGuard no_grad;
  unmerged_weight_ = base_.weight;
  Tensor merged_weight = ops::add(base_.weight, delta_weight(active_name));
  if (unmerged_weight_.requires_grad()) {
    merged_weight.set_requires_grad(true);
    merged_weight.autograd_meta()->name = unmerged_weight_.autograd_meta()->name;
  }
  base_.weight = merged_weight;
  merged_name_ = active_name;
}

void LoraLinear::unmerge() {
  if (!merged()) return;
  base_.weight = unmerged_weight_;
  unmerged_weight_ = Tensor();
  merged_name_.clear();
}

}  // namespace cuddle::peft
