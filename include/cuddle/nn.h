// Modules with named parameters whose names are exactly the Hugging Face state-dict keys,
// so loading a checkpoint is a name lookup (docs/models.md). Parameters are declared with
// their expected shape and stay undefined until load_state_dict fills them: f32 weights
// are zero-copy views of the mmap'd safetensors file, f16 / bf16 / f64 ones are converted
// to f32 once at load.
#pragma once
#include <array>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cuddle/activation.h"
#include "cuddle/ops.h"
#include "cuddle/safetensors.h"
#include "cuddle/tensor.h"

namespace cuddle::nn {

class Module {
 public:
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  virtual ~Module() = default;

  struct Slot {
    std::string name;  // full key, e.g. "bert.encoder.layer.0.attention.self.query.weight"
    Shape shape;       // expected shape
    Tensor* tensor;
  };
  // Every parameter of this module and its children, keys prefixed by their path.
  std::vector<Slot> named_parameters();
  // This module ("") and every descendant with its dotted path, parents before children
  // (where adapters find the projections they target).
  std::vector<std::pair<std::string, Module*>> named_modules();

  // Called on every module (children first) after load_state_dict filled the parameters:
  // the place to derive inference-only data such as fused projection weights.
  virtual void on_loaded() {}

  // Training mode for this module and its children (torch's train() / eval()): dropout
  // is active only in training mode. Modules start in eval mode, as loaded models do.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

 protected:
  // Declares a parameter owned by this module (a member Tensor); returns it for chaining.
  Tensor& register_parameter(const std::string& name, Tensor& tensor, Shape shape);
  // Declares a child module (a member, or owned through a unique_ptr) under `name`.
  void register_module(const std::string& name, Module& child);
  // Forgets the child registered under `name` (an optional part the checkpoint lacks).
  void unregister_module(const std::string& name);

 private:
  friend void visit_loaded(Module& m);
  void collect(const std::string& prefix, std::vector<Slot>& out);
  void collect_modules(const std::string& prefix, std::vector<std::pair<std::string, Module*>>& out);
  std::vector<Slot> params_;
  std::vector<std::pair<std::string, Module*>> children_;
  bool training_ = false;
};

// Prepares a loaded module for fine-tuning: every parameter becomes a writable f32 tensor
// of its own (weights read in place from the mapped checkpoint are copied to memory once;
// tied parameters stay one tensor), is marked requires_grad with its key as its autograd
// name, and on_loaded() runs again so derived data reads the new tensors. Freeze a
// parameter afterwards with set_requires_grad(false).
void make_trainable(Module& module);

struct LoadOptions {
  // Missing or unexpected keys are an error (mis-shaped keys always are).
  bool strict = true;
  // Maps a checkpoint key to the module key it fills; an empty result drops the key
  // silently (keys transformers itself ignores, such as position_ids buffers).
  std::function<std::string(const std::string&)> rename;
  // Tied parameters: module key -> the module key it shares storage with (an MLM decoder
  // and the word embeddings). The tied key may be absent from the checkpoint.
  std::map<std::string, std::string> tied;
  // Module keys the caller fills itself (quantized weights, src/quant): not reported missing.
  std::set<std::string> filled_elsewhere;
};

struct LoadReport {
  std::vector<std::string> missing;     // module keys the checkpoint did not provide
  std::vector<std::string> unexpected;  // checkpoint keys the module does not have
};

// Fills every parameter of `module` from the checkpoint. Throws FormatError naming the
// checkpoint file(s) and listing all missing, unexpected (when strict) and mis-shaped keys
// in one message. `what` names the model in the message ("BertForMaskedLM").
LoadReport load_state_dict(Module& module, const SafetensorsCheckpoint& checkpoint,
                           const LoadOptions& options = {}, const std::string& what = "model");
// Runs on_loaded on every module, children first (again, after weights were replaced).
void visit_loaded(Module& m);

// A Linear weight held quantized (src/quant: bitsandbytes 8-bit and 4-bit): it computes
// the layer itself, without an f32 copy of the weight.
class QuantizedLinear {
 public:
  virtual ~QuantizedLinear() = default;
  // act(x W^T + bias), as ops::linear.
  virtual Tensor forward(const Tensor& x, const Tensor& bias, Activation act) const = 0;
  // What the Linear's `weight` parameter holds meanwhile (int8 rows or packed 4-bit bytes).
  virtual Tensor stored_weight() const = 0;
  // The f32 weight [out, in] the quantized one stands for.
  virtual Tensor dequantized_weight() const = 0;
  virtual int64_t out_features() const = 0;
  virtual int64_t in_features() const = 0;
  // Bytes the layer keeps for its weight (stored form plus per-block scales).
  virtual int64_t resident_bytes() const = 0;
};

// ---- building blocks ----

// A learned addition to a layer's output before its activation, such as a LoRA update
// (src/peft): Linear, Embedding and Conv2d (and GPT-2's Conv1D) then return
// act(layer(x) + delta(x)).
class LayerAdapter {
 public:
  virtual ~LayerAdapter() = default;
  // False while the adapter adds nothing (disabled, or merged into the weight): the layer
  // then runs as without it, and parents that fuse this projection fuse again.
  virtual bool active() const { return true; }
  // The addition, built from ops that record on the autograd tape (training).
  virtual Tensor delta(const Tensor& x) const = 0;
  // Inference fast path: adds delta(x) into y (the layer's fresh pre-activation output)
  // in place and returns true, or returns false to have delta(x) added instead.
  virtual bool add_into(const Tensor& x, Tensor& y) const { return false; }
};

// True when `adapter` is set and adds something now.
inline bool adapter_active(const std::shared_ptr<const LayerAdapter>& adapter) {
  return adapter && adapter->active();
}
// act(y + adapter.delta(x)), the sum in place in y where the adapter can (y is the layer's
// own fresh pre-activation output).
Tensor add_adapter(const LayerAdapter& adapter, const Tensor& x, Tensor y, Activation act = Activation::Identity);

// y = act(x W^T + b); weight [out, in], bias [out] (optional).
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& x, Activation act = Activation::Identity) const;
  // The layer's shape, also when `weight` holds a quantized form.
  int64_t in_features() const { return quantized ? quantized->in_features() : weight.size(1); }
  int64_t out_features() const { return quantized ? quantized->out_features() : weight.size(0); }
  // Prepares the loaded weight for the GEMM micro-kernels (ops::LinearWeight, which read
  // it in place). Until the first call, or when `weight` is later replaced by another
  // tensor, forward uses the generic path.
  void on_loaded() override;
  Tensor weight, bias;
  // False when a parent runs this weight itself (a fused Q|K|V projection).
  bool prepare_on_load = true;
  // Set and active: forward adds the adapter's delta(x) (and parents that fuse this
  // projection stop fusing).
  std::shared_ptr<const LayerAdapter> adapter;
  // Set when the weight is quantized: forward runs it, `weight` holds its stored form.
  std::shared_ptr<const QuantizedLinear> quantized;

 private:
  Tensor forward_base(const Tensor& x, Activation act) const;
  ops::LinearWeight gemm_weight_;
};

class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t dim);
  Tensor forward(const Tensor& ids) const;
  Tensor weight;
  // Set and active: forward adds the adapter's delta(ids) to the looked-up rows.
  std::shared_ptr<const LayerAdapter> adapter;
};

class LayerNorm : public Module {
 public:
  LayerNorm(int64_t dim, float eps);
  Tensor forward(const Tensor& x) const;
  // forward(x + residual), fused.
  Tensor forward(const Tensor& x, const Tensor& residual) const;
  Tensor weight, bias;
  float eps;
};

// torch.nn.Dropout: ops::dropout in training mode, the identity in eval mode.
class Dropout : public Module {
 public:
  explicit Dropout(float p = 0.0f) : p(p) {}
  Tensor forward(const Tensor& x) const { return is_training() && p > 0.0f ? ops::dropout(x, p) : x; }
  float p;
};

// torch.nn.Conv2d over NCHW images: weight [out, in/groups, kh, kw], bias [out] (optional).
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel_size,
         const ops::Conv2dOptions& options = {}, bool bias = true);
  Tensor forward(const Tensor& x) const;
  Tensor weight, bias;
  ops::Conv2dOptions options;
  // Set and active: forward adds the adapter's delta(x) before options.act.
  std::shared_ptr<const LayerAdapter> adapter;
};

// torch.nn.BatchNorm2d in inference: running statistics, affine weight and bias. The
// checkpoint's num_batches_tracked counter is training state and is not loaded.
class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int64_t num_features, float eps = 1e-5f);
  Tensor forward(const Tensor& x) const;
  Tensor weight, bias, running_mean, running_var;
  float eps;
};

// A Conv2d followed by an inference BatchNorm2d as one convolution: weight scaled per output
// channel by weight / sqrt(running_var + eps), bias = bn.bias + (conv.bias - mean) * scale.
struct FoldedConv {
  Tensor weight, bias;
};
FoldedConv fold_batch_norm(const Conv2d& conv, const BatchNorm2d& bn);

}  // namespace cuddle::nn
