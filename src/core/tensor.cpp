#include "cuddle/tensor.h"

#include "cuddle/autograd.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <numeric>

namespace cuddle {

namespace {
// True when a view or copy of `t` must record its backward: cheap enough for every view.
bool records(const Tensor& t) { return t.autograd_meta() && autograd::grad_enabled() && t.requires_grad(); }


constexpr size_t kAlignment = 64;

// Reads / writes one element of a computable dtype as double (exact for every type but
// i64 values beyond 2^53, which only the slow test helpers use).
double load_elem(DType t, const void* p) {
  switch (t) {
    case DType::F32: return *static_cast<const float*>(p);
    case DType::F16: return f16_to_f32(*static_cast<const uint16_t*>(p));
    case DType::BF16: return bf16_to_f32(*static_cast<const uint16_t*>(p));
    case DType::F64: return *static_cast<const double*>(p);
    case DType::I64: return static_cast<double>(*static_cast<const int64_t*>(p));
    case DType::I32: return *static_cast<const int32_t*>(p);
    case DType::I16: return *static_cast<const int16_t*>(p);
    case DType::I8: return *static_cast<const int8_t*>(p);
    case DType::U8: return *static_cast<const uint8_t*>(p);
    case DType::Bool: return *static_cast<const uint8_t*>(p) ? 1.0 : 0.0;
    default: require_computable(t, "tensor"); return 0;
  }
}

// Elementwise conversion loop between two contiguous buffers. Integer <-> integer goes
// through int64 so large values stay exact; everything else through double.
void convert(DType from, const void* src, DType to, void* dst, int64_t n) {
  auto is_int = [](DType t) { return !dtype_is_floating(t); };
  const size_t sb = dtype_bits(from) / 8, db = dtype_bits(to) / 8;
  auto* s = static_cast<const unsigned char*>(src);
  auto* d = static_cast<unsigned char*>(dst);
  if (from == DType::F32 && to == DType::F16) {
    for (int64_t i = 0; i < n; ++i) reinterpret_cast<uint16_t*>(d)[i] = f32_to_f16(reinterpret_cast<const float*>(s)[i]);
    return;
  }
  if (from == DType::F32 && to == DType::BF16) {
    for (int64_t i = 0; i < n; ++i) reinterpret_cast<uint16_t*>(d)[i] = f32_to_bf16(reinterpret_cast<const float*>(s)[i]);
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const void* ps = s + i * sb;
    void* pd = d + i * db;
    if (is_int(from) && is_int(to) && from != DType::Bool) {
      int64_t v;
      switch (from) {
        case DType::I64: v = *static_cast<const int64_t*>(ps); break;
        case DType::I32: v = *static_cast<const int32_t*>(ps); break;
        case DType::I16: v = *static_cast<const int16_t*>(ps); break;
        case DType::I8: v = *static_cast<const int8_t*>(ps); break;
        default: v = *static_cast<const uint8_t*>(ps); break;
      }
      switch (to) {
        case DType::I64: *static_cast<int64_t*>(pd) = v; break;
        case DType::I32: *static_cast<int32_t*>(pd) = static_cast<int32_t>(v); break;
        case DType::I16: *static_cast<int16_t*>(pd) = static_cast<int16_t>(v); break;
        case DType::I8: *static_cast<int8_t*>(pd) = static_cast<int8_t>(v); break;
        case DType::U8: *static_cast<uint8_t*>(pd) = static_cast<uint8_t>(v); break;
        default: *static_cast<uint8_t*>(pd) = v != 0; break;
      }
      continue;
    }
    double v = load_elem(from, ps);
    switch (to) {
      case DType::F32: *static_cast<float*>(pd) = static_cast<float>(v); break;
      case DType::F16: *static_cast<uint16_t*>(pd) = f32_to_f16(static_cast<float>(v)); break;
      case DType::BF16: *static_cast<uint16_t*>(pd) = f32_to_bf16(static_cast<float>(v)); break;
      case DType::F64: *static_cast<double*>(pd) = v; break;
      case DType::I64: *static_cast<int64_t*>(pd) = static_cast<int64_t>(v); break;
      case DType::I32: *static_cast<int32_t*>(pd) = static_cast<int32_t>(v); break;
      case DType::I16: *static_cast<int16_t*>(pd) = static_cast<int16_t>(v); break;
      case DType::I8: *static_cast<int8_t*>(pd) = static_cast<int8_t>(v); break;
      case DType::U8: *static_cast<uint8_t*>(pd) = static_cast<uint8_t>(v); break;
      case DType::Bool: *static_cast<uint8_t*>(pd) = v != 0; break;
      default: require_computable(to, "conversion target");
    }
  }
}

}  // namespace

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) throw ShapeError("negative dimension in shape " + shape_str(s));
    if (d != 0 && n > INT64_MAX / d) throw ShapeError("shape " + shape_str(s) + " overflows");
    n *= d;
  }
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape st(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    st[i] = acc;
    acc *= std::max<int64_t>(shape[i], 1);
  }
  return st;
}

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, bool zero) {
  size_t rounded = (std::max<size_t>(nbytes, 1) + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (!p) throw Error("out of memory allocating " + std::to_string(nbytes) + " bytes");
  if (zero) std::memset(p, 0, rounded);
  std::shared_ptr<const void> owner(p, [](const void* q) { std::free(const_cast<void*>(q)); });
  return std::make_shared<Storage>(p, nbytes, std::move(owner));
}

Tensor Tensor::allocate(const Shape& shape, DType dtype, bool zero) {
  Tensor t;
  t.storage_ = Storage::allocate(static_cast<size_t>(dtype_nbytes(dtype, shape_numel(shape))), zero);
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) { return allocate(shape, dtype, true); }

Tensor Tensor::empty(const Shape& shape, DType dtype) { return allocate(shape, dtype, false); }

Tensor Tensor::from_storage(std::shared_ptr<Storage> storage, DType dtype, const Shape& shape,
                            size_t byte_offset) {
  size_t need = static_cast<size_t>(dtype_nbytes(dtype, shape_numel(shape)));
  if (!storage || byte_offset > storage->nbytes() || need > storage->nbytes() - byte_offset)
    throw ShapeError("tensor " + std::string(dtype_name(dtype)) + shape_str(shape) +
                     " does not fit its storage");
  size_t elem_bytes = static_cast<size_t>(std::max(dtype_bits(dtype) / 8, 1));
  if (byte_offset % elem_bytes != 0)
    throw ShapeError("tensor byte offset " + std::to_string(byte_offset) +
                     " is not a multiple of its element size");
  Tensor t;
  t.storage_ = std::move(storage);
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  t.offset_ = static_cast<int64_t>(byte_offset / elem_bytes);
  if (dtype_bits(dtype) < 8 && byte_offset != 0)
    throw ShapeError("sub-byte tensors must start at the beginning of their storage");
  return t;
}

Tensor Tensor::scalar(float v) { return from_vector<float>({v}, {}); }

Tensor Tensor::full(const Shape& shape, float v) {
  Tensor t = empty(shape, DType::F32);
  std::fill_n(t.data<float>(), t.numel(), v);
  return t;
}

Tensor Tensor::arange(int64_t n, DType dtype) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return from_vector(v, {n}).to(dtype);
}

int64_t Tensor::normalize_dim(int64_t d, int64_t ndim_plus) const {
  int64_t n = dim() + ndim_plus;
  if (d < -n || d >= n)
    throw ShapeError("dimension " + std::to_string(d) + " out of range for " + describe());
  return d < 0 ? d + n : d;
}

int64_t Tensor::size(int64_t d) const { return shape_[static_cast<size_t>(normalize_dim(d))]; }

bool Tensor::is_contiguous() const {
  int64_t expect = 1;
  for (size_t i = shape_.size(); i-- > 0;) {
    if (shape_[i] == 1) continue;
    if (strides_[i] != expect) return false;
    expect *= shape_[i];
  }
  return true;
}

void* Tensor::raw_data() const {
  if (!storage_) throw ShapeError("access to an undefined tensor");
  if (dtype_bits(dtype_) < 8) return storage_->data();
  return static_cast<unsigned char*>(storage_->data()) + offset_ * (dtype_bits(dtype_) / 8);
}

double Tensor::item_as_double(const std::vector<int64_t>& index) const {
  if (index.size() != shape_.size())
    throw ShapeError("index of rank " + std::to_string(index.size()) + " for " + describe());
  int64_t off = 0;
  for (size_t i = 0; i < index.size(); ++i) {
    if (index[i] < 0 || index[i] >= shape_[i])
      throw ShapeError("index " + std::to_string(index[i]) + " out of range in " + describe());
    off += index[i] * strides_[i];
  }
  require_computable(dtype_, "tensor");
  return load_elem(dtype_, static_cast<unsigned char*>(raw_data()) + off * (dtype_bits(dtype_) / 8));
}

double Tensor::flat_as_double(int64_t i) const {
  std::vector<int64_t> idx(shape_.size());
  for (size_t d = shape_.size(); d-- > 0;) {
    idx[d] = i % shape_[d];
    i /= shape_[d];
  }
  return item_as_double(idx);
}

std::vector<float> Tensor::to_float_vector() const {
  Tensor c = to(DType::F32);
  return std::vector<float>(c.data<float>(), c.data<float>() + c.numel());
}

std::vector<int64_t> Tensor::to_int_vector() const {
  Tensor c = to(DType::I64);
  return std::vector<int64_t>(c.data<int64_t>(), c.data<int64_t>() + c.numel());
}

Tensor Tensor::with_layout(Shape shape, Shape strides, int64_t offset) const {
  Tensor t = *this;
  t.autograd_.reset();
  t.shape_ = std::move(shape);
  t.strides_ = std::move(strides);
  t.offset_ = offset;
  return t;
}

Tensor Tensor::reshape(const Shape& shape) const {
  Shape s = shape;
  int64_t infer = -1, known = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      if (infer >= 0) throw ShapeError("reshape: more than one -1 in " + shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else {
      if (s[i] < 0) throw ShapeError("reshape: negative dimension in " + shape_str(shape));
      known *= s[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel() % known != 0)
      throw ShapeError("reshape: cannot infer -1 in " + shape_str(shape) + " for " + describe());
    s[static_cast<size_t>(infer)] = numel() / known;
  }
  if (shape_numel(s) != numel())
    throw ShapeError("reshape: " + describe() + " has " + std::to_string(numel()) +
                     " elements, shape " + shape_str(s) + " needs " +
                     std::to_string(shape_numel(s)));
  if (!is_contiguous()) return contiguous().reshape(s);
  Tensor out = with_layout(s, contiguous_strides(s), offset_);
  if (records(*this)) {
    const Shape from = shape_;
    autograd::record(out, "reshape", {this}, [from](const Tensor& g) {
      return std::vector<Tensor>{g.reshape(from)};
    });
  }
  return out;
}

Tensor Tensor::transpose(int64_t a, int64_t b) const {
  std::vector<int64_t> order(shape_.size());
  std::iota(order.begin(), order.end(), 0);
  std::swap(order[static_cast<size_t>(normalize_dim(a))], order[static_cast<size_t>(normalize_dim(b))]);
  return permute(order);
}

Tensor Tensor::permute(const std::vector<int64_t>& order) const {
  if (order.size() != shape_.size())
    throw ShapeError("permute: order of rank " + std::to_string(order.size()) + " for " + describe());
  Shape s(order.size()), st(order.size());
  std::vector<bool> seen(order.size(), false);
  for (size_t i = 0; i < order.size(); ++i) {
    auto d = static_cast<size_t>(normalize_dim(order[i]));
    if (seen[d]) throw ShapeError("permute: dimension repeated in order");
    seen[d] = true;
    s[i] = shape_[d];
    st[i] = strides_[d];
  }
  Tensor out = with_layout(s, st, offset_);
  if (records(*this)) {
    std::vector<int64_t> inverse(order.size());
    for (size_t i = 0; i < order.size(); ++i) inverse[static_cast<size_t>(normalize_dim(order[i]))] = static_cast<int64_t>(i);
    autograd::record(out, "permute", {this}, [inverse](const Tensor& g) {
      return std::vector<Tensor>{g.permute(inverse)};
    });
  }
  return out;
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  d = normalize_dim(d);
  int64_t n = shape_[static_cast<size_t>(d)];
  if (step <= 0) throw ShapeError("slice: step must be positive");
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape s = shape_, st = strides_;
  s[static_cast<size_t>(d)] = (end - start + step - 1) / step;
  st[static_cast<size_t>(d)] *= step;
  Tensor out = with_layout(s, st, offset_ + start * strides_[static_cast<size_t>(d)]);
  if (records(*this)) {
    const Shape from = shape_;
    autograd::record(out, "slice", {this}, [from, d, start, end, step](const Tensor& g) {
      Tensor full = zeros(from, g.dtype());
      full.slice(d, start, end, step).copy_(g);
      return std::vector<Tensor>{full};
    });
  }
  return out;
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  d = normalize_dim(d);
  int64_t n = shape_[static_cast<size_t>(d)];
  if (index < -n || index >= n)
    throw ShapeError("select: index " + std::to_string(index) + " out of range in " + describe());
  if (index < 0) index += n;
  Shape s = shape_, st = strides_;
  int64_t off = offset_ + index * strides_[static_cast<size_t>(d)];
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  Tensor out = with_layout(s, st, off);
  if (records(*this)) {
    const Shape from = shape_;
    autograd::record(out, "select", {this}, [from, d, index](const Tensor& g) {
      Tensor full = zeros(from, g.dtype());
      full.select(d, index).copy_(g);
      return std::vector<Tensor>{full};
    });
  }
  return out;
}

Tensor Tensor::unsqueeze(int64_t d) const {
  d = normalize_dim(d, 1);
  Shape s = shape_, st = strides_;
  int64_t stride = static_cast<size_t>(d) < shape_.size() ? strides_[static_cast<size_t>(d)] * shape_[static_cast<size_t>(d)] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  return reshaped_view(s, st, "unsqueeze");
}

Tensor Tensor::squeeze(int64_t d) const {
  d = normalize_dim(d);
  if (shape_[static_cast<size_t>(d)] != 1)
    throw ShapeError("squeeze: dimension " + std::to_string(d) + " of " + describe() + " is not 1");
  Shape s = shape_, st = strides_;
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return reshaped_view(s, st, "squeeze");
}

Tensor Tensor::reshaped_view(Shape shape, Shape strides, const char* op) const {
  Tensor out = with_layout(std::move(shape), std::move(strides), offset_);
  if (records(*this)) {
    const Shape from = shape_;
    autograd::record(out, op, {this}, [from](const Tensor& g) {
      return std::vector<Tensor>{g.reshape(from)};
    });
  }
  return out;
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor out = clone_data();
  if (records(*this))
    autograd::record(out, "clone", {this}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
  return out;
}

Tensor Tensor::clone_data() const {
  if (dtype_bits(dtype_) < 8) {
    Tensor t = zeros(shape_, dtype_);
    std::memcpy(t.raw_data(), raw_data(), nbytes());
    return t;
  }
  Tensor out = empty(shape_, dtype_);
  const size_t eb = static_cast<size_t>(dtype_bits(dtype_) / 8);
  const int64_t n = numel();
  if (n == 0) return out;
  auto* dst = static_cast<unsigned char*>(out.raw_data());
  auto* src = static_cast<const unsigned char*>(raw_data());
  if (is_contiguous()) {
    std::memcpy(dst, src, static_cast<size_t>(n) * eb);
    return out;
  }
  // Walk the index space with an odometer; the innermost dimension is copied as a run.
  const size_t nd = shape_.size();
  const int64_t inner = shape_[nd - 1], inner_stride = strides_[nd - 1];
  std::vector<int64_t> idx(nd, 0);
  for (int64_t row = 0; row < n / inner; ++row) {
    int64_t off = 0;
    for (size_t k = 0; k + 1 < nd; ++k) off += idx[k] * strides_[k];
    const unsigned char* s = src + off * static_cast<int64_t>(eb);
    if (inner_stride == 1) {
      std::memcpy(dst, s, static_cast<size_t>(inner) * eb);
      dst += inner * static_cast<int64_t>(eb);
    } else {
      for (int64_t j = 0; j < inner; ++j, dst += eb) std::memcpy(dst, s + j * inner_stride * static_cast<int64_t>(eb), eb);
    }
    for (size_t k = nd - 1; k-- > 0;) {
      if (++idx[k] < shape_[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return contiguous();
  require_computable(dtype_, "conversion source");
  require_computable(dtype, "conversion target");
  Tensor src = contiguous();
  Tensor out = empty(shape_, dtype);
  convert(dtype_, src.raw_data(), dtype, out.raw_data(), numel());
  if (records(*this)) {
    const DType from = dtype_;
    autograd::record(out, "to", {this}, [from](const Tensor& g) { return std::vector<Tensor>{g.to(from)}; });
  }
  return out;
}

void Tensor::copy_(const Tensor& src) {
  if (src.shape_ != shape_ || src.dtype_ != dtype_)
    throw ShapeError("copy_: source " + src.describe() + " does not match destination " + describe());
  if (storage_ && storage_->read_only())
    throw ShapeError("copy_: destination " + describe() + " is a read-only file mapping");
  const int64_t n = numel();
  if (n == 0) return;
  const int64_t eb = dtype_bits(dtype_) / 8;
  if (eb == 0) throw ShapeError("copy_: sub-byte dtype " + describe() + " cannot be copied element-wise");
  const Tensor s = src.contiguous();
  const auto* from = static_cast<const unsigned char*>(s.raw_data());
  auto* base = static_cast<unsigned char*>(raw_data());
  if (is_contiguous()) {
    std::memcpy(base, from, static_cast<size_t>(n * eb));
    return;
  }
  // Odometer over this tensor's index space; the source is read in logical order.
  const size_t nd = shape_.size();
  std::vector<int64_t> idx(nd, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (size_t k = 0; k < nd; ++k) off += idx[k] * strides_[k];
    std::memcpy(base + off * eb, from + i * eb, static_cast<size_t>(eb));
    for (size_t k = nd; k-- > 0;) {
      if (++idx[k] < shape_[k]) break;
      idx[k] = 0;
    }
  }
}

bool Tensor::requires_grad() const {
  return autograd_ && (autograd_->requires_grad || autograd_->grad_fn != nullptr);
}

Tensor& Tensor::set_requires_grad(bool on) {
  if (autograd_ && autograd_->grad_fn)
    throw ShapeError("set_requires_grad: " + describe() + " is the output of " + autograd_->grad_fn->op +
                     ", not a leaf; only leaves (parameters) can be marked");
  if (!autograd_) {
    if (!on) return *this;
    autograd_ = std::make_shared<autograd::Meta>();
  }
  autograd_->requires_grad = on;
  return *this;
}

bool Tensor::is_leaf() const { return !autograd_ || !autograd_->grad_fn; }

Tensor Tensor::grad() const { return autograd_ ? autograd_->grad : Tensor(); }

void Tensor::set_grad(const Tensor& grad) {
  if (grad.defined() && grad.shape() != shape_)
    throw ShapeError("set_grad: gradient " + grad.describe() + " does not match " + describe());
  if (!autograd_) {
    if (!grad.defined()) return;
    autograd_ = std::make_shared<autograd::Meta>();
  }
  autograd_->grad = grad.detach();
}

void Tensor::backward(bool retain_graph) const { autograd::run_backward(*this, Tensor(), retain_graph); }

void Tensor::backward(const Tensor& grad, bool retain_graph) const {
  autograd::run_backward(*this, grad, retain_graph);
}

Tensor Tensor::detach() const {
  Tensor t = *this;
  t.autograd_.reset();
  return t;
}

std::string Tensor::describe() const { return std::string(dtype_name(dtype_)) + shape_str(shape_); }

}  // namespace cuddle
