#include "cuddle/autograd.h"

#include <cstring>
#include <unordered_map>

namespace cuddle::autograd {

namespace {

thread_local bool t_grad_enabled = true;

// `acc += g` for f32 tensors of one shape. `acc` is written in place only when nothing
// else holds its storage (a rule may pass one gradient on to several inputs unchanged).
void add_to(Tensor& acc, const Tensor& g) {
  if (acc.dtype() != DType::F32 || g.dtype() != DType::F32)
    throw ShapeError("backward: gradients must be F32, got " + acc.describe() + " and " + g.describe());
  if (acc.storage().use_count() > 1 || !acc.is_contiguous() || acc.storage()->read_only())
    acc = acc.detach().clone();
  const Tensor gc = g.contiguous();
  float* a = acc.data<float>();
  const float* b = gc.data<float>();
  const int64_t n = acc.numel();
#pragma omp parallel for simd if (n > (1 << 16))
  for (int64_t i = 0; i < n; ++i) a[i] += b[i];
}

// A gradient that may be kept as it is: contiguous f32 that nobody else holds.
Tensor owned(Tensor g) {
  if (g.dtype() != DType::F32) g = g.to(DType::F32);
  if (g.is_contiguous() && g.storage().use_count() == 1 && !g.storage()->read_only()) return g.detach();
  return g.detach().clone();
}

std::string input_name(const Node& n, size_t i) {
  const Meta* m = n.inputs[i].get();
  if (m && !m->name.empty()) return m->name;
  return "input " + std::to_string(i);
}

}  // namespace

bool grad_enabled() { return t_grad_enabled; }
void set_grad_enabled(bool on) { t_grad_enabled = on; }

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!t_grad_enabled) return false;
  for (const Tensor* t : inputs)
    if (t && t->requires_grad()) return true;
  return false;
}

void record(Tensor& output, const std::string& op, const std::vector<const Tensor*>& inputs,
            BackwardFn backward) {
  auto node = std::make_shared<Node>();
  node->op = op;
  node->inputs.reserve(inputs.size());
  for (const Tensor* t : inputs) {
    node->inputs.push_back(t && t->requires_grad() ? t->autograd_meta() : nullptr);
    node->input_shapes.push_back(t ? t->shape() : Shape{});
  }
  node->backward = std::move(backward);
  auto meta = std::make_shared<Meta>();
  meta->grad_fn = std::move(node);
  output.set_autograd_meta(std::move(meta));
}

void record(Tensor& output, const std::string& op, std::initializer_list<const Tensor*> inputs,
            BackwardFn backward) {
  record(output, op, std::vector<const Tensor*>(inputs), std::move(backward));
}

void accumulate_into(Meta& meta, const Tensor& grad) {
  if (!meta.grad.defined()) {
    meta.grad = owned(grad);
    return;
  }
  if (meta.grad.shape() != grad.shape())
    throw ShapeError("backward: gradient " + grad.describe() + " does not match the accumulated gradient " +
                     meta.grad.describe() + (meta.name.empty() ? "" : " of " + meta.name) +
                     " (did the parameter change shape?)");
  add_to(meta.grad, grad);
}

namespace {
// The leaf's gradient, allocated as zeros on first use and owned by this leaf alone, for
// rules that add into parts of it.
float* own_grad(Meta& meta, const Shape& leaf_shape) {
  if (!meta.grad.defined()) meta.grad = Tensor::zeros(leaf_shape);
  if (meta.grad.shape() != leaf_shape)
    throw ShapeError("backward: accumulated gradient " + meta.grad.describe() + " does not match " +
                     shape_str(leaf_shape) + (meta.name.empty() ? "" : " of " + meta.name));
  if (meta.grad.storage().use_count() > 1) meta.grad = meta.grad.detach().clone();
  return meta.grad.data<float>();
}
}  // namespace

void accumulate_rows(Meta& meta, const Shape& leaf_shape, const std::vector<int64_t>& rows,
                     const float* row_grads, int64_t D) {
  float* g = own_grad(meta, leaf_shape);
  for (size_t i = 0; i < rows.size(); ++i) {
    float* dst = g + rows[i] * D;
    const float* src = row_grads + static_cast<int64_t>(i) * D;
    for (int64_t j = 0; j < D; ++j) dst[j] += src[j];
  }
}

void accumulate_columns(Meta& meta, const Shape& leaf_shape, const std::vector<int64_t>& cols,
                        const float* col_grads, int64_t R) {
  float* g = own_grad(meta, leaf_shape);
  const int64_t V = leaf_shape[1];
  for (size_t i = 0; i < cols.size(); ++i) {
    const float* src = col_grads + static_cast<int64_t>(i) * R;
    for (int64_t k = 0; k < R; ++k) g[k * V + cols[i]] += src[k];
  }
}

void run_backward(const Tensor& root, const Tensor& grad_output, bool retain_graph) {
  if (!root.requires_grad())
    throw Error("backward: " + root.describe() +
                " does not require grad (no parameter that requires grad contributed to it, or it was "
                "computed under no_grad)");
  Tensor seed;
  if (!grad_output.defined()) {
    if (root.numel() != 1)
      throw ShapeError("backward: a gradient can be implied only for a one-element output; " + root.describe() +
                       " needs backward(grad) with a gradient of its shape");
    seed = Tensor::full(root.shape(), 1.0f);
  } else {
    if (grad_output.shape() != root.shape())
      throw ShapeError("backward: gradient " + grad_output.describe() + " does not match the output " +
                       root.describe());
    seed = grad_output.detach().to(DType::F32);
  }
  Meta& root_meta = *root.autograd_meta();
  if (!root_meta.grad_fn) {
    accumulate_into(root_meta, seed);
    return;
  }

  // Count, for every node reachable from the root, the edges that lead into it: a node
  // runs once all of its consumers have passed their gradient down.
  std::unordered_map<Node*, int> consumers;
  std::vector<Node*> stack{root_meta.grad_fn.get()};
  consumers[root_meta.grad_fn.get()] = 0;
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const auto& in : n->inputs) {
      if (!in || !in->grad_fn) continue;
      Node* child = in->grad_fn.get();
      auto [it, fresh] = consumers.try_emplace(child, 0);
      ++it->second;
      if (fresh) stack.push_back(child);
    }
  }

  std::unordered_map<Node*, Tensor> pending;
  pending[root_meta.grad_fn.get()] = seed;
  std::vector<Node*> ready{root_meta.grad_fn.get()};
  // Nodes stay alive during the walk: each is held by its output's Meta, which its
  // consumer's inputs hold; releasing frees only the rule and what it saved.
  while (!ready.empty()) {
    Node* n = ready.back();
    ready.pop_back();
    auto found = pending.find(n);
    if (found != pending.end()) {
      if (n->released)
        throw Error("backward: the graph through " + n->op +
                    " was freed by an earlier backward(); pass retain_graph=true to the first backward to "
                    "run backward twice");
      Tensor g = std::move(found->second);
      pending.erase(found);
      std::vector<Tensor> grads;
      {
        NoGradGuard no_grad;
        grads = n->backward(g.contiguous());
      }
      if (grads.size() != n->inputs.size())
        throw Error("backward: " + n->op + " returned " + std::to_string(grads.size()) + " gradients for " +
                    std::to_string(n->inputs.size()) + " inputs");
      for (size_t i = 0; i < grads.size(); ++i) {
        if (!n->needs(i) || !grads[i].defined()) continue;
        if (grads[i].shape() != n->input_shapes[i])
          throw ShapeError("backward: " + n->op + " gave a gradient " + grads[i].describe() + " for " +
                           input_name(*n, i) + " of shape " + shape_str(n->input_shapes[i]));
        Meta& m = *n->inputs[i];
        if (m.grad_fn) {
          auto [it, fresh] = pending.try_emplace(m.grad_fn.get());
          if (fresh) it->second = owned(std::move(grads[i]));
          else add_to(it->second, grads[i]);
        } else if (m.requires_grad) {
          accumulate_into(m, grads[i]);
        }
      }
    }
    for (const auto& in : n->inputs) {
      if (!in || !in->grad_fn) continue;
      if (--consumers[in->grad_fn.get()] == 0) {
        ready.push_back(in->grad_fn.get());
      }
    }
    if (!retain_graph) {
      n->backward = nullptr;
      n->released = true;
    }
  }
}

}  // namespace cuddle::autograd
