// ArrayBuilder: appends values into Arrow buffers (bitmap, offsets, values, data) and
// hands them over as an immutable ArrayData.
#include <cmath>
#include <limits>

#include "cuddle/arrow.h"
#include "cuddle/dtype.h"
#include "cuddle/error.h"
#include "iso_time.h"

namespace cuddle::arrow {

namespace {
bool has_offsets(Type id) { return is_string_like(id) || id == Type::List || id == Type::LargeList; }
}  // namespace

ArrayBuilder::ArrayBuilder(TypePtr type) : type_(std::move(type)) {
  for (const auto& f : type_->children) children_.push_back(std::make_unique<ArrayBuilder>(f.type));
  if (has_offsets(type_->id)) {
    if (has_64bit_offsets(type_->id)) push<int64_t>(0);
    else push<int32_t>(0);
  }
}
ArrayBuilder::~ArrayBuilder() = default;
ArrayBuilder::ArrayBuilder(ArrayBuilder&&) noexcept = default;

template <class T>
void ArrayBuilder::push(T v) {
  size_t n = values_.size();
  values_.resize(n + sizeof(T));
  std::memcpy(values_.data() + n, &v, sizeof(T));
}

void ArrayBuilder::set_valid(bool valid) {
  if (type_->id == Type::Bool) {
    if ((length_ & 7) == 0) values_.push_back(0);
  }
  if ((length_ & 7) == 0) validity_.push_back(0);
  if (valid) validity_.back() |= static_cast<uint8_t>(1u << (length_ & 7));
  else ++null_count_;
  ++length_;
}

// Closes the current list / string value: its end offset is the child's / data's length.
void ArrayBuilder::end_list() {
  int64_t end = is_string_like(type_->id) ? static_cast<int64_t>(data_.size())
                                          : (children_.empty() ? 0 : children_[0]->length());
  if (has_64bit_offsets(type_->id)) {
    push<int64_t>(end);
  } else {
    if (end > std::numeric_limits<int32_t>::max())
      throw ShapeError("array of type " + type_to_string(*type_) + " exceeds 2^31 - 1 bytes or items; use the large_ type");
    push<int32_t>(static_cast<int32_t>(end));
  }
}

void ArrayBuilder::append_null() {
  const Type id = type_->id;
  if (id == Type::Null) {
    ++length_, ++null_count_;
    return;
  }
  set_valid(false);
  if (int w = byte_width(id)) values_.resize(values_.size() + static_cast<size_t>(w));
  else if (has_offsets(id)) end_list();
  else if (id == Type::FixedSizeList)
    for (int32_t k = 0; k < type_->list_size; ++k) children_[0]->append_null();
  else if (id == Type::Struct)
    for (auto& c : children_) c->append_null();
}

void ArrayBuilder::append_bool(bool v) {
  if (type_->id != Type::Bool) throw ShapeError("a bool does not fit type " + type_to_string(*type_));
  set_valid(true);
  if (v) values_.back() |= static_cast<uint8_t>(1u << ((length_ - 1) & 7));
}

void ArrayBuilder::append_int(int64_t v) {
  auto out_of_range = [&] {
    throw ShapeError("value " + std::to_string(v) + " out of range for " + type_to_string(*type_));
  };
  auto fits = [&](int64_t lo, int64_t hi) {
    if (v < lo || v > hi) out_of_range();
  };
  switch (type_->id) {
    case Type::Int8: fits(INT8_MIN, INT8_MAX); set_valid(true); push<int8_t>(static_cast<int8_t>(v)); return;
    case Type::Int16: fits(INT16_MIN, INT16_MAX); set_valid(true); push<int16_t>(static_cast<int16_t>(v)); return;
    case Type::Int32: case Type::Date32:
      fits(INT32_MIN, INT32_MAX); set_valid(true); push<int32_t>(static_cast<int32_t>(v)); return;
    case Type::Int64: case Type::Date64: case Type::Timestamp: set_valid(true); push<int64_t>(v); return;
    case Type::UInt8: case Type::UInt16: case Type::UInt32: case Type::UInt64:
      if (v < 0) out_of_range();
      append_uint(static_cast<uint64_t>(v));
      return;
    case Type::Float16: case Type::Float32: case Type::Float64: append_double(static_cast<double>(v)); return;
    default: throw ShapeError("an integer does not fit type " + type_to_string(*type_));
  }
}

void ArrayBuilder::append_uint(uint64_t v) {
  auto fits = [&](uint64_t hi) {
    if (v > hi) throw ShapeError("value " + std::to_string(v) + " out of range for " + type_to_string(*type_));
  };
  switch (type_->id) {
    case Type::UInt8: fits(UINT8_MAX); set_valid(true); push<uint8_t>(static_cast<uint8_t>(v)); return;
    case Type::UInt16: fits(UINT16_MAX); set_valid(true); push<uint16_t>(static_cast<uint16_t>(v)); return;
    case Type::UInt32: fits(UINT32_MAX); set_valid(true); push<uint32_t>(static_cast<uint32_t>(v)); return;
    case Type::UInt64: set_valid(true); push<uint64_t>(v); return;
    default:
      fits(static_cast<uint64_t>(INT64_MAX));
      append_int(static_cast<int64_t>(v));
  }
}

void ArrayBuilder::append_double(double v) {
  switch (type_->id) {
    case Type::Float16: set_valid(true); push<uint16_t>(f32_to_f16(static_cast<float>(v))); return;
    case Type::Float32: set_valid(true); push<float>(static_cast<float>(v)); return;
    case Type::Float64: set_valid(true); push<double>(v); return;
    default: throw ShapeError("a float (" + std::to_string(v) + ") does not fit type " + type_to_string(*type_));
  }
}

void ArrayBuilder::append_bytes(std::string_view v) {
  if (!is_string_like(type_->id)) throw ShapeError("a string does not fit type " + type_to_string(*type_));
  set_valid(true);
  data_.insert(data_.end(), v.begin(), v.end());
  end_list();
}

void ArrayBuilder::append_json(const Json& v) {
  const Type id = type_->id;
  if (v.is_null()) return append_null();
  if (id == Type::Null) throw ShapeError("a non-null value does not fit type null");
  if (v.is_boolean()) return append_bool(v.get<bool>());
  if (v.is_number_unsigned()) return append_uint(v.get<uint64_t>());
  if (v.is_number_integer()) return append_int(v.get<int64_t>());
  if (v.is_number_float()) return append_double(v.get<double>());
  if (v.is_binary()) {
    const auto& b = v.get_binary();
    return append_bytes(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (id == Type::Date32 || id == Type::Date64) {
      auto d = parse_iso_date(s);
      if (!d) throw ShapeError("'" + s + "' is not a YYYY-MM-DD date");
      return append_int(id == Type::Date32 ? *d : *d * 86400000);
    }
    if (id == Type::Timestamp) {
      auto t = parse_iso_timestamp(s, type_->unit);
      if (!t) throw ShapeError("'" + s + "' is not an ISO 8601 timestamp");
      return append_int(*t);
    }
    return append_bytes(s);
  }
  if (v.is_array()) {
    if (!is_list_like(id)) throw ShapeError("a list does not fit type " + type_to_string(*type_));
    if (id == Type::FixedSizeList && static_cast<int64_t>(v.size()) != type_->list_size)
      throw ShapeError("a list of " + std::to_string(v.size()) + " values does not fit " + type_to_string(*type_));
    set_valid(true);
    for (const auto& e : v) children_[0]->append_json(e);
    if (id != Type::FixedSizeList) end_list();
    return;
  }
  if (v.is_object()) {
    if (id != Type::Struct) throw ShapeError("an object does not fit type " + type_to_string(*type_));
    for (const auto& [k, _] : v.items()) {
      bool known = false;
      for (const auto& f : type_->children) known |= f.name == k;
      if (!known) throw ShapeError("key '" + k + "' is not a field of " + type_to_string(*type_));
    }
    set_valid(true);
    for (size_t i = 0; i < children_.size(); ++i) {
      auto it = v.find(type_->children[i].name);
      if (it == v.end()) children_[i]->append_null();
      else children_[i]->append_json(*it);
    }
    return;
  }
  throw ShapeError("unsupported value " + v.dump());
}

void ArrayBuilder::append_from(const ArrayData& src, int64_t i) {
  if (src.is_null(i)) return append_null();
  const Type id = type_->id;
  if (id == Type::Bool) return append_bool(src.bool_value(i));
  if (int w = byte_width(id)) {
    set_valid(true);
    const uint8_t* p = src.values.data() + (src.offset + i) * w;
    values_.insert(values_.end(), p, p + w);
    return;
  }
  if (is_string_like(id)) return append_bytes(src.bytes(i));
  set_valid(true);
  if (is_list_like(id)) {
    auto [b, e] = src.range(i);
    for (int64_t k = b; k < e; ++k) children_[0]->append_from(*src.children[0], k);
    if (id != Type::FixedSizeList) end_list();
  } else if (id == Type::Struct) {
    for (size_t k = 0; k < children_.size(); ++k) children_[k]->append_from(*src.children[k], src.offset + i);
  }
}

ArrayPtr ArrayBuilder::finish() {
  auto a = std::make_shared<ArrayData>();
  a->type = type_;
  a->length = length_;
  a->null_count = null_count_;
  if (null_count_ > 0 && type_->id != Type::Null) a->validity = Buffer::from_vector(std::move(validity_));
  if (type_->id != Type::Null && type_->id != Type::Struct && type_->id != Type::FixedSizeList)
    a->values = Buffer::from_vector(std::move(values_));
  if (is_string_like(type_->id)) a->data = Buffer::from_vector(std::move(data_));
  for (auto& c : children_) a->children.push_back(c->finish());
  validity_.clear(), values_.clear(), data_.clear();
  length_ = null_count_ = 0;
  if (has_offsets(type_->id)) {
    if (has_64bit_offsets(type_->id)) push<int64_t>(0);
    else push<int32_t>(0);
  }
  return a;
}

}  // namespace cuddle::arrow
