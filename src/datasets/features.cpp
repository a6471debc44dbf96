// Features: datasets' typed description of columns, its JSON form (dataset_info.json and
// the "huggingface" schema metadata) and the Arrow types that hold each feature.
#include <map>

#include "cuddle/datasets.h"
#include "cuddle/error.h"

namespace cuddle::datasets {

using arrow::Type;
using arrow::TypePtr;

Feature Feature::value(std::string dtype) {
  Feature f;
  f.kind = Kind::Value;
  // datasets' Value accepts the C names for the float types.
  f.dtype = dtype == "double" ? "float64" : dtype == "float" ? "float32" : std::move(dtype);
  return f;
}

Feature Feature::class_label(std::vector<std::string> names) {
  Feature f;
  f.kind = Kind::ClassLabel;
  f.names = std::move(names);
  return f;
}

Feature Feature::list(Feature item, int64_t length) {
  Feature f;
  f.kind = Kind::List;
  f.item = std::make_shared<const Feature>(std::move(item));
  f.length = length;
  return f;
}

Feature Feature::image() {
  Feature f;
  f.kind = Kind::Image;
  return f;
}

namespace {

// datasets' dtype names, which are pyarrow's except for the float and date types.
const std::map<std::string, Type>& dtype_table() {
  static const std::map<std::string, Type> m = {
      {"null", Type::Null},       {"bool", Type::Bool},       {"int8", Type::Int8},
      {"int16", Type::Int16},     {"int32", Type::Int32},     {"int64", Type::Int64},
      {"uint8", Type::UInt8},     {"uint16", Type::UInt16},   {"uint32", Type::UInt32},
      {"uint64", Type::UInt64},   {"float16", Type::Float16}, {"float32", Type::Float32},
      {"float64", Type::Float64}, {"string", Type::String},   {"large_string", Type::LargeString},
      {"binary", Type::Binary},   {"large_binary", Type::LargeBinary}, {"date32", Type::Date32},
      {"date64", Type::Date64}};
  return m;
}

TypePtr dtype_to_type(const std::string& dtype) {
  auto it = dtype_table().find(dtype);
  if (it != dtype_table().end()) return arrow::primitive(it->second);
  // "timestamp[us]" / "timestamp[us, tz=UTC]"
  static const std::pair<const char*, arrow::TimeUnit> units[] = {
      {"s", arrow::TimeUnit::Second}, {"ms", arrow::TimeUnit::Milli}, {"us", arrow::TimeUnit::Micro},
      {"ns", arrow::TimeUnit::Nano}};
  if (dtype.rfind("timestamp[", 0) == 0 && dtype.back() == ']') {
    std::string inner = dtype.substr(10, dtype.size() - 11);
    std::string unit = inner.substr(0, inner.find(','));
    std::string tz;
    if (auto p = inner.find(", tz="); p != std::string::npos) tz = inner.substr(p + 5);
    for (const auto& [name, u] : units)
      if (unit == name) return arrow::timestamp(u, tz);
  }
  throw ShapeError("unknown Value dtype '" + dtype + "'");
}

std::string type_to_dtype(const arrow::DataType& t) {
  for (const auto& [name, id] : dtype_table())
    if (id == t.id) return name;
  return arrow::type_to_string(t);  // timestamps: pyarrow's spelling is datasets' too
}

}  // namespace

TypePtr feature_type(const Feature& f) {
  switch (f.kind) {
    case Feature::Kind::Value: return dtype_to_type(f.dtype);
    case Feature::Kind::ClassLabel: return arrow::int64();
    case Feature::Kind::List:
      return f.length >= 0 ? arrow::fixed_size_list(feature_type(*f.item), static_cast<int32_t>(f.length))
                           : arrow::list(feature_type(*f.item));
    case Feature::Kind::LargeList: return arrow::large_list(feature_type(*f.item));
    case Feature::Kind::Struct: {
      std::vector<arrow::Field> fields;
      for (const auto& [name, sub] : f.fields) fields.push_back(arrow::Field{name, feature_type(*sub), true, {}});
      return arrow::struct_(std::move(fields));
    }
    case Feature::Kind::Image:
      return arrow::struct_({arrow::Field{"bytes", arrow::binary(), true, {}}, arrow::Field{"path", arrow::utf8(), true, {}}});
  }
  return arrow::null_type();
}

Feature feature_from_type(const arrow::DataType& t) {
  switch (t.id) {
    case Type::List: return Feature::list(feature_from_type(*t.children[0].type));
    case Type::FixedSizeList: return Feature::list(feature_from_type(*t.children[0].type), t.list_size);
    case Type::LargeList: {
      Feature f = Feature::list(feature_from_type(*t.children[0].type));
      f.kind = Feature::Kind::LargeList;
      return f;
    }
    case Type::Struct: {
      Feature f;
      f.kind = Feature::Kind::Struct;
      for (const auto& c : t.children) f.fields.emplace_back(c.name, std::make_shared<const Feature>(feature_from_type(*c.type)));
      return f;
    }
    default: return Feature::value(type_to_dtype(t));
  }
}

namespace {

Json feature_to_json(const Feature& f) {
  switch (f.kind) {
    case Feature::Kind::Value: return Json{{"dtype", f.dtype}, {"_type", "Value"}};
    case Feature::Kind::ClassLabel: return Json{{"names", f.names}, {"_type", "ClassLabel"}};
    case Feature::Kind::List:
    case Feature::Kind::LargeList: {
      Json j = Json::object();
      j["feature"] = feature_to_json(*f.item);
      if (f.length >= 0) j["length"] = f.length;
      j["_type"] = f.kind == Feature::Kind::List ? "List" : "LargeList";
      return j;
    }
    case Feature::Kind::Struct: {
      Json j = Json::object();
      for (const auto& [name, sub] : f.fields) j[name] = feature_to_json(*sub);
      return j;
    }
    // datasets leaves out fields at their defaults (mode=None, decode=True, id=None).
    case Feature::Kind::Image: return Json{{"_type", "Image"}};
  }
  return nullptr;
}

Feature feature_from_json(const Json& j, const std::string& where, int depth) {
  if (depth > 64) throw FormatError(where + ": features nested more than 64 levels deep");
  auto fail = [&](const std::string& what) -> Feature { throw FormatError(where + ": " + what + ": " + j.dump()); };
  if (j.is_array()) {  // [feature]: Python's list shorthand for a variable-length List
    if (j.size() != 1) fail("a list feature holds exactly one feature");
    return Feature::list(feature_from_json(j[0], where, depth + 1));
  }
  if (!j.is_object()) fail("a feature is an object");
  auto type = j.find("_type");
  if (type == j.end()) {
    Feature f;
    f.kind = Feature::Kind::Struct;
    for (const auto& [name, sub] : j.items())
      f.fields.emplace_back(name, std::make_shared<const Feature>(feature_from_json(sub, where + "." + name, depth + 1)));
    return f;
  }
  if (!type->is_string()) fail("_type is not a string");
  const std::string& kind = type->get_ref<const std::string&>();
  if (kind == "Value") {
    if (!j.contains("dtype") || !j["dtype"].is_string()) fail("Value without a dtype");
    Feature f = Feature::value(j["dtype"].get<std::string>());
    try {
      dtype_to_type(f.dtype);
    } catch (const ShapeError& e) {
      fail(e.what());
    }
    return f;
  }
  if (kind == "ClassLabel") {
    std::vector<std::string> names;
    if (j.contains("names") && j["names"].is_array()) {
      for (const auto& n : j["names"]) {
        if (!n.is_string()) fail("ClassLabel names are strings");
        names.push_back(n.get<std::string>());
      }
    } else if (j.contains("num_classes") && j["num_classes"].is_number_integer()) {
      // datasets names unnamed classes "0", "1", ...
      for (int64_t i = 0; i < j["num_classes"].get<int64_t>() && i < 1000000; ++i) names.push_back(std::to_string(i));
    } else {
      fail("ClassLabel without names or num_classes");
    }
    return Feature::class_label(std::move(names));
  }
  if (kind == "Image") {
    if (j.contains("decode") && j["decode"] == false) fail("Image(decode=False) is not supported");
    return Feature::image();
  }
  if (kind == "List" || kind == "LargeList" || kind == "Sequence") {
    if (!j.contains("feature")) fail(kind + " without a feature");
    int64_t length = j.contains("length") && j["length"].is_number_integer() ? j["length"].get<int64_t>() : -1;
    Feature item = feature_from_json(j["feature"], where, depth + 1);
    if (kind == "Sequence" && item.kind == Feature::Kind::Struct) {
      // Sequence of a dict is datasets' dict of lists.
      for (auto& [name, sub] : item.fields) sub = std::make_shared<const Feature>(Feature::list(*sub, length));
      return item;
    }
    Feature f = Feature::list(std::move(item), length);
    if (kind == "LargeList") f.kind = Feature::Kind::LargeList;
    return f;
  }
  return fail("feature type '" + kind + "' is not supported");
}

}  // namespace

Json features_to_json(const Features& f) {
  Json j = Json::object();
  for (const auto& [name, feature] : f) j[name] = feature_to_json(feature);
  return j;
}

Features features_from_json(const Json& j, const std::string& where) {
  if (!j.is_object()) throw FormatError(where + ": features are an object of columns");
  Features out;
  for (const auto& [name, sub] : j.items()) out.emplace_back(name, feature_from_json(sub, where + ": " + name, 0));
  return out;
}

Features features_of(const arrow::Table& t) {
  Features derived;
  for (const auto& f : t.schema.fields) derived.emplace_back(f.name, feature_from_type(*f.type));
  const std::string* meta = t.schema.metadata_value("huggingface");
  if (!meta) return derived;
  // datasets stores {"info": {"features": ...}}; features that do not fit the columns
  // (a file edited by another tool) are ignored in favour of the Arrow types.
  Json j = Json::parse(*meta, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("info") || !j["info"].is_object() ||
      !j["info"].contains("features"))
    return derived;
  try {
    Features stored = features_from_json(j["info"]["features"], "huggingface metadata");
    if (stored.size() != derived.size()) return derived;
    for (size_t i = 0; i < stored.size(); ++i)
      if (stored[i].first != derived[i].first ||
          !arrow::type_equals(*feature_type(stored[i].second), *t.schema.fields[i].type))
        return derived;
    return stored;
  } catch (const Error&) {
    return derived;
  }
}

}  // namespace cuddle::datasets
