// peft's lora.Embedding: lora_embedding_A [r, num_embeddings] and lora_embedding_B
// [embedding_dim, r]; the update looks the ids up in A^T and multiplies by B^T, scaled, with
// no dropout (peft applies none to embeddings); merged, W += scaling (B A)^T.
#include "cuddle/autograd.h"
#include "kernels/cpu/kernels.h"
#include "peft/lora_init.h"
#include "peft/lora_layers.h"

namespace cuddle::peft {

namespace {

class LoraEmbedding : public LoraLayer {
 public:
  explicit LoraEmbedding(nn::Embedding& e)
      : LoraLayer(e, e.weight), num_embeddings_(e.weight.size(0)), dim_(e.weight.size(1)) {}

  std::string kind() const override { return "Embedding"; }
  Shape a_shape(int64_t r) const override { return {r, num_embeddings_}; }
  Shape b_shape(int64_t r) const override { return {dim_, r}; }
  std::string a_dims() const override { return "num_embeddings " + std::to_string(num_embeddings_); }
  std::string b_dims() const override { return "embedding_dim " + std::to_string(dim_); }
  LoraWeights init(const std::string& mode, int64_t r) const override {
    return init_lora_embedding(mode, a_shape(r), b_shape(r));
  }
  bool embedding_names() const override { return true; }

  // Recorded: the lookup into A's columns gives A a gradient in the looked-up columns only.
  Tensor delta(const Tensor& ids) const override {
    const LoraWeights& w = *running();
    return ops::scale(ops::linear(ops::embedding_columns(w.A, ids), w.B), w.scaling);
  }

  // y += scaling * A^T[ids] B^T: the [tokens, r] lookup, then one GEMM into y.
  bool add_into(const Tensor& ids, Tensor& y) const override {
    const LoraWeights& w = *running();
    if (autograd::needs_grad({&w.A, &w.B}) || !y.is_contiguous() || w.B.dtype() != DType::F32 ||
        !w.B.is_contiguous())
      return false;
    const Tensor t = ops::embedding_columns(w.A, ids);
    const int64_t r = w.B.size(1), rows = t.numel() / r;
    kernels::gemm(rows, dim_, r, w.scaling, t.data<float>(), r, w.B.data<float>(), r, /*b_transposed=*/true, 1.0f,
                  y.data<float>(), dim_);
    return true;
  }

  // scaling * (B A)^T: [num_embeddings, embedding_dim], the table's layout.
  Tensor delta_weight(const std::string& name) const override {
    const LoraWeights& w = adapters.at(name);
    autograd::NoGradGuard no_grad;
    return ops::scale(ops::matmul(w.B, w.A), w.scaling).transpose(0, 1).contiguous();
  }

 private:
  int64_t num_embeddings_, dim_;
};

}  // namespace

std::shared_ptr<LoraLayer> make_lora_embedding(nn::Embedding& embedding) {
  return std::make_shared<LoraEmbedding>(embedding);
}

}  // namespace cuddle::peft
