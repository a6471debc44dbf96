// Reverse-mode automatic differentiation on a tape (docs/training.md).
//
// A Tensor may require grad: a leaf (a parameter, set with set_requires_grad) accumulates
// its gradient in grad(); an op output produced while grad mode is on from an input that
// requires grad records a Node holding that op's backward rule and the autograd state of
// its inputs. Tensor::backward() walks the recorded nodes in reverse topological order.
//
// Inference pays nothing: an op records only when grad mode is on (thread-local, on by
// default as in torch) AND one of its inputs requires grad, and loaded weights do not
// require grad until a model is made trainable. NoGradGuard turns recording off.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cuddle/tensor.h"

namespace cuddle::autograd {

// True while ops should record (the calling thread's grad mode, on by default).
bool grad_enabled();
void set_grad_enabled(bool on);

// torch.no_grad(): ops inside record nothing.
class NoGradGuard {
 public:
  NoGradGuard() : previous_(grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

struct Node;

// Autograd state shared by every handle (copy) of one tensor. Views made by Tensor's
// view methods get their own Meta whose node maps the gradient back to the base.
struct Meta {
  bool requires_grad = false;     // set on leaves by the user
  Tensor grad;                    // leaves: the accumulated gradient (undefined until the first backward)
  std::shared_ptr<Node> grad_fn;  // op outputs: the node that produced this tensor
  std::string name;               // parameter name for error messages, when known
};

// A backward rule: the gradient of the op's output in, the gradients of its inputs out (one
// per input, in the order given to record(); undefined where an input needs none). Runs
// with grad mode off. Reads only what the rule captured, which the node frees after
// backward unless the graph is retained.
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

struct Node {
  std::string op;                             // "linear", named in errors
  std::vector<std::shared_ptr<Meta>> inputs;  // nullptr where the input needs no gradient
  std::vector<Shape> input_shapes;            // what each returned gradient must match
  BackwardFn backward;
  bool released = false;  // the rule and its saved tensors were freed by a backward
  bool needs(size_t i) const { return i < inputs.size() && inputs[i] != nullptr; }
};

// True when an op on these inputs must record: grad mode is on and one of them requires grad.
bool needs_grad(std::initializer_list<const Tensor*> inputs);
inline bool needs_grad(const Tensor& a) { return needs_grad({&a}); }

// Attaches a node for `op` to `output` (which must be a fresh tensor: it gets a new Meta)
// with `inputs` in the order the rule returns their gradients. Call only when needs_grad().
void record(Tensor& output, const std::string& op, std::initializer_list<const Tensor*> inputs,
            BackwardFn backward);
void record(Tensor& output, const std::string& op, const std::vector<const Tensor*>& inputs,
            BackwardFn backward);

// Adds `grad` into leaf `meta`'s accumulated gradient (allocating it on first use). For
// rules that update a leaf directly rather than returning a dense gradient (an embedding
// touches only the rows it looked up).
void accumulate_into(Meta& meta, const Tensor& grad);
// Adds rows of `row_grads` [n, D] into rows `rows[i]` of leaf `meta`'s gradient [V, D].
void accumulate_rows(Meta& meta, const Shape& leaf_shape, const std::vector<int64_t>& rows,
                     const float* row_grads, int64_t D);
// Adds rows of `col_grads` [n, R] into columns `cols[i]` of leaf `meta`'s gradient [R, V].
void accumulate_columns(Meta& meta, const Shape& leaf_shape, const std::vector<int64_t>& cols,
                        const float* col_grads, int64_t R);

// Runs backward from `root` (see Tensor::backward).
void run_backward(const Tensor& root, const Tensor& grad_output, bool retain_graph);

}  // namespace cuddle::autograd
