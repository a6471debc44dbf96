// Arrow logical types: factories, equality and pyarrow's names for them.
#include <map>

#include "cuddle/arrow.h"

namespace cuddle::arrow {

TypePtr primitive(Type id) {
  // One shared instance per parameterless type.
  static const auto table = [] {
    std::map<Type, TypePtr> m;
    for (int i = 0; i <= static_cast<int>(Type::Date64); ++i) {
      auto t = std::make_shared<DataType>();
      t->id = static_cast<Type>(i);
      m[t->id] = t;
    }
    return m;
  }();
  auto it = table.find(id);
  if (it == table.end()) throw std::logic_error("arrow::primitive: type has parameters");
  return it->second;
}

TypePtr null_type() { return primitive(Type::Null); }
TypePtr boolean() { return primitive(Type::Bool); }
TypePtr int8() { return primitive(Type::Int8); }
TypePtr int16() { return primitive(Type::Int16); }
TypePtr int32() { return primitive(Type::Int32); }
TypePtr int64() { return primitive(Type::Int64); }
TypePtr uint8() { return primitive(Type::UInt8); }
TypePtr uint16() { return primitive(Type::UInt16); }
TypePtr uint32() { return primitive(Type::UInt32); }
TypePtr uint64() { return primitive(Type::UInt64); }
TypePtr float16() { return primitive(Type::Float16); }
TypePtr float32() { return primitive(Type::Float32); }
TypePtr float64() { return primitive(Type::Float64); }
TypePtr utf8() { return primitive(Type::String); }
TypePtr large_utf8() { return primitive(Type::LargeString); }
TypePtr binary() { return primitive(Type::Binary); }
TypePtr large_binary() { return primitive(Type::LargeBinary); }
TypePtr date32() { return primitive(Type::Date32); }
TypePtr date64() { return primitive(Type::Date64); }

TypePtr timestamp(TimeUnit unit, std::string timezone) {
  auto t = std::make_shared<DataType>();
  t->id = Type::Timestamp;
  t->unit = unit;
  t->timezone = std::move(timezone);
  return t;
}

namespace {
TypePtr list_of(Type id, TypePtr item, int32_t size) {
  auto t = std::make_shared<DataType>();
  t->id = id;
  t->list_size = size;
  t->children.push_back(Field{"item", std::move(item), true, {}});
  return t;
}
}  // namespace

TypePtr list(TypePtr item) { return list_of(Type::List, std::move(item), 0); }
TypePtr large_list(TypePtr item) { return list_of(Type::LargeList, std::move(item), 0); }
TypePtr fixed_size_list(TypePtr item, int32_t size) { return list_of(Type::FixedSizeList, std::move(item), size); }

TypePtr struct_(std::vector<Field> fields) {
  auto t = std::make_shared<DataType>();
  t->id = Type::Struct;
  t->children = std::move(fields);
  return t;
}

bool type_equals(const DataType& a, const DataType& b) {
  if (a.id != b.id || a.unit != b.unit || a.timezone != b.timezone || a.list_size != b.list_size ||
      a.children.size() != b.children.size())
    return false;
  for (size_t i = 0; i < a.children.size(); ++i) {
    // List item names differ between writers ("item", "element"); they carry no meaning.
    if (a.id == Type::Struct && a.children[i].name != b.children[i].name) return false;
    if (!type_equals(*a.children[i].type, *b.children[i].type)) return false;
  }
  return true;
}

namespace {
const char* unit_name(TimeUnit u) {
  switch (u) {
    case TimeUnit::Second: return "s";
    case TimeUnit::Milli: return "ms";
    case TimeUnit::Micro: return "us";
    case TimeUnit::Nano: return "ns";
  }
  return "?";
}
}  // namespace

std::string type_to_string(const DataType& t) {
  switch (t.id) {
    case Type::Null: return "null";
    case Type::Bool: return "bool";
    case Type::Int8: return "int8";
    case Type::Int16: return "int16";
    case Type::Int32: return "int32";
    case Type::Int64: return "int64";
    case Type::UInt8: return "uint8";
    case Type::UInt16: return "uint16";
    case Type::UInt32: return "uint32";
    case Type::UInt64: return "uint64";
    case Type::Float16: return "halffloat";
    case Type::Float32: return "float";
    case Type::Float64: return "double";
    case Type::String: return "string";
    case Type::LargeString: return "large_string";
    case Type::Binary: return "binary";
    case Type::LargeBinary: return "large_binary";
    case Type::Date32: return "date32[day]";
    case Type::Date64: return "date64[ms]";
    case Type::Timestamp:
      return std::string("timestamp[") + unit_name(t.unit) + (t.timezone.empty() ? "" : ", tz=" + t.timezone) + "]";
    case Type::List: return "list<" + t.children[0].name + ": " + type_to_string(*t.children[0].type) + ">";
    case Type::LargeList:
      return "large_list<" + t.children[0].name + ": " + type_to_string(*t.children[0].type) + ">";
    case Type::FixedSizeList:
      return "fixed_size_list<" + t.children[0].name + ": " + type_to_string(*t.children[0].type) + ">[" +
             std::to_string(t.list_size) + "]";
    case Type::Struct: {
      std::string s = "struct<";
      for (size_t i = 0; i < t.children.size(); ++i)
        s += (i ? ", " : "") + t.children[i].name + ": " + type_to_string(*t.children[i].type);
      return s + ">";
    }
  }
  return "?";
}

int byte_width(Type id) {
  switch (id) {
    case Type::Int8: case Type::UInt8: return 1;
    case Type::Int16: case Type::UInt16: case Type::Float16: return 2;
    case Type::Int32: case Type::UInt32: case Type::Float32: case Type::Date32: return 4;
    case Type::Int64: case Type::UInt64: case Type::Float64: case Type::Date64: case Type::Timestamp: return 8;
    default: return 0;
  }
}

bool is_integer(Type id) { return id >= Type::Int8 && id <= Type::UInt64; }
bool is_floating(Type id) { return id >= Type::Float16 && id <= Type::Float64; }
bool is_string_like(Type id) { return id >= Type::String && id <= Type::LargeBinary; }
bool is_list_like(Type id) { return id == Type::List || id == Type::LargeList || id == Type::FixedSizeList; }
bool has_64bit_offsets(Type id) {
  return id == Type::LargeString || id == Type::LargeBinary || id == Type::LargeList;
}

int Schema::index_of(std::string_view name) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == name) return static_cast<int>(i);
  return -1;
}

const std::string* Schema::metadata_value(std::string_view key) const {
  for (const auto& [k, v] : metadata)
    if (k == key) return &v;
  return nullptr;
}

}  // namespace cuddle::arrow
