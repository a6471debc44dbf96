// Optimisers with torch.optim's exact updates, parameter groups with transformers' weight
// decay rule, gradient clipping (docs/training.md).
//
// A Parameter holds a handle to a module's parameter tensor: the same elements and the
// same autograd state, so step() updates the module in place and reads the gradients
// backward() accumulated.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cuddle/nn.h"
#include "cuddle/safetensors.h"
#include "cuddle/tensor.h"

namespace cuddle::training {

struct Parameter {
  std::string name;
  Tensor tensor;
};

struct ParamGroup {
  std::vector<Parameter> params;
  double lr = 1e-3;
  double weight_decay = 0.0;
  double initial_lr = 0.0;  // set by a scheduler: the lr its factors multiply
};

// The parameters of `module` that require grad, in registration order (tied parameters once).
std::vector<Parameter> trainable_parameters(nn::Module& module);

// transformers' Trainer grouping: weight decay for every parameter except biases and
// normalisation weights (names ending in "bias", or containing "layernorm" / "rmsnorm" /
// a "norm" path component, case-insensitively), which get none.
std::vector<ParamGroup> decay_parameter_groups(nn::Module& module, double lr, double weight_decay);
bool uses_weight_decay(const std::string& name);

class Optimizer {
 public:
  explicit Optimizer(std::vector<ParamGroup> groups);
  virtual ~Optimizer() = default;
  // One update of every parameter that has a gradient (torch skips those without).
  virtual void step() = 0;
  // Clears gradients: undefined (set_to_none, torch's default) or zero-filled.
  void zero_grad(bool set_to_none = true);
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  // Number of step() calls so far.
  int64_t steps() const { return steps_; }

  // State as torch's state_dict holds it, written atomically to one safetensors file:
  // per-parameter buffers as "state.<param name>.<buffer>" tensors, hyperparameters,
  // group learning rates and the step count as JSON in its metadata ("optimizer").
  void save(const std::string& path) const;
  // Restores what save() wrote. The parameters must be the same names and shapes (an
  // Error names the first that differs).
  void load(const std::string& path);

 protected:
  // Buffers of one parameter (exp_avg, ...), created on its first update.
  virtual std::vector<std::string> buffer_names() const = 0;
  virtual std::string kind() const = 0;
  Tensor& buffer(const std::string& param, const std::string& name);
  bool has_buffers(const std::string& param) const;
  std::vector<ParamGroup> groups_;
  int64_t steps_ = 0;

 private:
  std::map<std::string, std::map<std::string, Tensor>> state_;
};

struct AdamWOptions {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};
// torch.optim.AdamW: decoupled weight decay (p *= 1 - lr * wd), bias-corrected moments.
class AdamW : public Optimizer {
 public:
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options = {});
  void step() override;
  AdamWOptions options;

 protected:
  std::vector<std::string> buffer_names() const override { return {"exp_avg", "exp_avg_sq"}; }
  std::string kind() const override { return "AdamW"; }
};

struct SGDOptions {
  double momentum = 0.0, dampening = 0.0;
  bool nesterov = false;
};
// torch.optim.SGD: L2 weight decay added to the gradient, optional (Nesterov) momentum.
class SGD : public Optimizer {
 public:
  SGD(std::vector<ParamGroup> groups, const SGDOptions& options = {});
  void step() override;
  SGDOptions options;

 protected:
  std::vector<std::string> buffer_names() const override { return {"momentum_buffer"}; }
  std::string kind() const override { return "SGD"; }
};

// torch.nn.utils.clip_grad_norm_ (2-norm): the total norm of all gradients, and every
// gradient scaled by max_norm / (total + 1e-6) when that is below 1. Returns the total
// norm before clipping (NaN / inf when a gradient holds one).
double clip_grad_norm(const std::vector<Parameter>& params, double max_norm);
std::vector<Parameter> all_parameters(const Optimizer& optimizer);

// Throws Error "step N: the gradient of <name> contains NaN (or inf)" naming the first
// parameter whose gradient is not finite.
void check_gradients_finite(const std::vector<Parameter>& params, int64_t step);

}  // namespace cuddle::training
