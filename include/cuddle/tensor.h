// Tensor: a typed, strided view over shared storage. Storage is either a 64-byte aligned
// heap buffer or a region of an mmap'd file (zero-copy weights), kept alive by shared
// ownership. Views (reshape, permute, slice, ...) share storage; contiguous() copies only
// when needed. Ops are free functions Tensor -> Tensor (include/cuddle/ops.h) so a backward
// rule can be attached to each later without changing callers (docs/architecture.md).
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "cuddle/dtype.h"
#include "cuddle/error.h"

namespace cuddle {

namespace autograd {
struct Meta;
}

using Shape = std::vector<int64_t>;

std::string shape_str(const Shape& s);
int64_t shape_numel(const Shape& s);

// Bytes owned elsewhere or here. `keepalive` owns whatever backs `data` (an aligned buffer,
// a MappedFile); the Storage never frees memory itself.
class Storage {
 public:
  Storage(void* data, size_t nbytes, std::shared_ptr<const void> keepalive)
      : data_(data), nbytes_(nbytes), keepalive_(std::move(keepalive)) {}
  // A new 64-byte aligned buffer, zero-filled unless `zero` is false.
  static std::shared_ptr<Storage> allocate(size_t nbytes, bool zero = true);
  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  // True when the bytes belong to a read-only file mapping.
  bool read_only() const { return read_only_; }
  void set_read_only(bool v) { read_only_ = v; }

 private:
  void* data_;
  size_t nbytes_;
  std::shared_ptr<const void> keepalive_;
  bool read_only_ = false;
};

class Tensor {
 public:
  Tensor() = default;

  // Zero-filled contiguous tensor.
  static Tensor zeros(const Shape& shape, DType dtype = DType::F32);
  // Contiguous tensor whose contents are unspecified until written: for outputs that the
  // caller overwrites entirely (skipping the fill saves a pass over every activation).
  static Tensor empty(const Shape& shape, DType dtype = DType::F32);
  // A view of `storage` starting at `byte_offset`, contiguous with `shape`.
  static Tensor from_storage(std::shared_ptr<Storage> storage, DType dtype, const Shape& shape,
                             size_t byte_offset = 0);
  template <typename T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape);
  static Tensor scalar(float v);
  static Tensor full(const Shape& shape, float v);
  static Tensor arange(int64_t n, DType dtype = DType::I64);

  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }  // in elements
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  // Size of dimension d; negative d counts from the end.
  int64_t size(int64_t d) const;
  int64_t numel() const { return shape_numel(shape_); }
  int64_t offset() const { return offset_; }  // in elements
  size_t nbytes() const { return static_cast<size_t>(dtype_nbytes(dtype_, numel())); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }

  // Pointer to the first element (offset applied). data<T>() checks that T matches dtype.
  void* raw_data() const;
  template <typename T>
  T* data() const;

  // Element access for tests and small tools (slow path, any layout).
  double item_as_double(const std::vector<int64_t>& index) const;
  // Reads element i in row-major (logical) order as double, whatever the layout.
  double flat_as_double(int64_t i) const;
  // All elements in logical order converted to f32 / i64 (helpers for tests and tools).
  std::vector<float> to_float_vector() const;
  std::vector<int64_t> to_int_vector() const;

  // ---- views (share storage) ----
  // Same elements, new shape; one dimension may be -1. A view when the layout allows it,
  // otherwise a contiguous copy (as torch.reshape).
  Tensor reshape(const Shape& shape) const;
  Tensor transpose(int64_t a, int64_t b) const;
  Tensor permute(const std::vector<int64_t>& order) const;
  // Elements [start, end) with step along dim; negative start/end count from the end.
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  // Removes dimension `dim` by taking index `index`.
  Tensor select(int64_t dim, int64_t index) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze(int64_t dim) const;

  // ---- copies ----
  Tensor contiguous() const;
  Tensor clone() const;
  // Converts element type (any computable type to any computable type; f16/bf16 exact).
  Tensor to(DType dtype) const;

  // Copies src (same shape and dtype, any layout) into this tensor's elements in place:
  // writes through views. Not recorded by autograd.
  void copy_(const Tensor& src);

  std::string describe() const;  // "F32[2, 3]"

  // ---- autograd (include/cuddle/autograd.h) ----
  // True for a leaf marked with set_requires_grad and for an op output recorded from one.
  bool requires_grad() const;
  // Marks a leaf (a parameter) as requiring grad; its gradients accumulate in grad(). The
  // mark lives in state shared by the copies made after this call, not those made before.
  // An op output cannot be changed (ShapeError naming it).
  Tensor& set_requires_grad(bool on = true);
  bool is_leaf() const;
  // The accumulated gradient of a leaf; undefined until a backward reached it.
  Tensor grad() const;
  void set_grad(const Tensor& grad);  // undefined clears it (zero_grad with set_to_none)
  // Gradients of this tensor with respect to every leaf that requires grad, accumulated
  // into their grad(). `grad` may be omitted only for a one-element tensor (it is then 1).
  // Frees the recorded graph unless retain_graph; a second backward through a freed graph
  // is an Error.
  void backward(bool retain_graph = false) const;
  void backward(const Tensor& grad, bool retain_graph = false) const;
  // Same elements, no autograd history.
  Tensor detach() const;
  const std::shared_ptr<autograd::Meta>& autograd_meta() const { return autograd_; }
  void set_autograd_meta(std::shared_ptr<autograd::Meta> meta) { autograd_ = std::move(meta); }

 private:
  std::shared_ptr<Storage> storage_;
  DType dtype_ = DType::F32;
  Shape shape_;
  Shape strides_;
  int64_t offset_ = 0;
  std::shared_ptr<autograd::Meta> autograd_;  // null for tensors autograd never saw
  static Tensor allocate(const Shape& shape, DType dtype, bool zero);
  int64_t normalize_dim(int64_t d, int64_t ndim_plus = 0) const;
  // A view with this tensor's offset and no autograd state (the caller records).
  Tensor with_layout(Shape shape, Shape strides, int64_t offset) const;
  // A view that only inserts or removes a size-1 dimension: its gradient is a reshape.
  Tensor reshaped_view(Shape shape, Shape strides, const char* op) const;
  Tensor clone_data() const;  // clone() without recording
};

Shape contiguous_strides(const Shape& shape);

template <typename T>
T* Tensor::data() const {
  if (dtype_of<T>::value != dtype_)
    throw ShapeError("tensor is " + std::string(dtype_name(dtype_)) + ", accessed as " +
                     std::string(dtype_name(dtype_of<T>::value)));
  return static_cast<T*>(raw_data());
}

template <typename T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape) {
  if (shape_numel(shape) != static_cast<int64_t>(values.size()))
    throw ShapeError("from_vector: " + std::to_string(values.size()) + " values for shape " +
                     shape_str(shape));
  Tensor t = empty(shape, dtype_of<T>::value);
  T* p = t.data<T>();
  for (size_t i = 0; i < values.size(); ++i) p[i] = values[i];
  return t;
}

}  // namespace cuddle
