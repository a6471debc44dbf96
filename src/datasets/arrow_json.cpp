// Arrow values <-> JSON, the way datasets turns rows into Python objects and pyarrow
// infers types from Python lists.
#include "cuddle/arrow.h"
#include "cuddle/dtype.h"
#include "cuddle/error.h"
#include "iso_time.h"

namespace cuddle::arrow {

Json value_to_json(const ArrayData& a, int64_t i) {
  if (a.is_null(i)) return nullptr;
  switch (a.type->id) {
    case Type::Null: return nullptr;
    case Type::Bool: return a.bool_value(i);
    case Type::Int8: return a.value<int8_t>(i);
    case Type::Int16: return a.value<int16_t>(i);
    case Type::Int32: return a.value<int32_t>(i);
    case Type::Int64: return a.value<int64_t>(i);
    case Type::UInt8: return a.value<uint8_t>(i);
    case Type::UInt16: return a.value<uint16_t>(i);
    case Type::UInt32: return a.value<uint32_t>(i);
    case Type::UInt64: return a.value<uint64_t>(i);
    case Type::Float16: return static_cast<double>(f16_to_f32(a.value<uint16_t>(i)));
    case Type::Float32: return static_cast<double>(a.value<float>(i));
    case Type::Float64: return a.value<double>(i);
    case Type::String: case Type::LargeString: return std::string(a.bytes(i));
    case Type::Binary: case Type::LargeBinary: {
      auto b = a.bytes(i);
      return Json::binary(std::vector<uint8_t>(b.begin(), b.end()));
    }
    case Type::Date32: return format_iso_date(a.value<int32_t>(i));
    case Type::Date64: return format_iso_date(a.value<int64_t>(i) / 86400000);
    case Type::Timestamp: return format_iso_timestamp(a.value<int64_t>(i), a.type->unit);
    case Type::List: case Type::LargeList: case Type::FixedSizeList: {
      auto out = Json::array();
      auto [b, e] = a.range(i);
      for (int64_t k = b; k < e; ++k) out.push_back(value_to_json(*a.children[0], k));
      return out;
    }
    case Type::Struct: {
      auto out = Json::object();
      for (size_t k = 0; k < a.children.size(); ++k)
        out[a.type->children[k].name] = value_to_json(*a.children[k], a.offset + i);
      return out;
    }
  }
  return nullptr;
}

namespace {

// The wider of two inferred types, as pyarrow unifies Python values (int + float ->
// double); nullptr when they cannot be unified.
TypePtr unify(const TypePtr& a, const TypePtr& b) {
  if (a->id == Type::Null) return b;
  if (b->id == Type::Null) return a;
  if (type_equals(*a, *b)) return a;
  if ((a->id == Type::Int64 && b->id == Type::Float64) || (a->id == Type::Float64 && b->id == Type::Int64))
    return float64();
  if (a->id == Type::List && b->id == Type::List) {
    auto item = unify(a->children[0].type, b->children[0].type);
    return item ? list(item) : nullptr;
  }
  if (a->id == Type::Struct && b->id == Type::Struct) {
    // Fields in order of first appearance, as pyarrow does for dicts with differing keys.
    std::vector<Field> fields = a->children;
    for (const auto& f : b->children) {
      bool merged = false;
      for (auto& g : fields)
        if (g.name == f.name) {
          g.type = unify(g.type, f.type);
          if (!g.type) return nullptr;
          merged = true;
        }
      if (!merged) fields.push_back(f);
    }
    return struct_(std::move(fields));
  }
  return nullptr;
}

TypePtr infer_one(const Json& v) {
  if (v.is_null()) return null_type();
  if (v.is_boolean()) return boolean();
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) return uint64();
  if (v.is_number_integer()) return int64();
  if (v.is_number_float()) return float64();
  if (v.is_string()) return utf8();
  if (v.is_binary()) return binary();
  if (v.is_array()) {
    std::vector<const Json*> items;
    for (const auto& e : v) items.push_back(&e);
    return list(infer_type(items));
  }
  std::vector<Field> fields;
  for (const auto& [k, e] : v.items()) fields.push_back(Field{k, infer_one(e), true, {}});
  return struct_(std::move(fields));
}

}  // namespace

TypePtr infer_type(const std::vector<const Json*>& values) {
  TypePtr t = null_type();
  for (const auto* v : values) {
    TypePtr next = unify(t, infer_one(*v));
    if (!next) throw ShapeError("cannot infer one type for values of types " + type_to_string(*t) + " and " +
                                type_to_string(*infer_one(*v)) + " (value " + v->dump() + ")");
    t = next;
  }
  return t;
}

ArrayPtr array_from_json(const std::vector<const Json*>& values, TypePtr type) {
  if (!type) type = infer_type(values);
  ArrayBuilder b(type);
  for (size_t i = 0; i < values.size(); ++i) {
    try {
      b.append_json(*values[i]);
    } catch (const ShapeError& e) {
      throw ShapeError("value " + std::to_string(i) + ": " + e.what());
    }
  }
  return b.finish();
}

}  // namespace cuddle::arrow
