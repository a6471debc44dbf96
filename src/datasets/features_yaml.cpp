// Features in the YAML form datasets writes into dataset cards (Features._to_yaml_list):
// Value as its dtype, ClassLabel as {class_label: {names: {"0": ...}}}, lists collapsed to
// `list: <dtype>` when their item is a plain Value, structs as `struct: [{name, ...}]`.
#include "cuddle/dataset_hub.h"

namespace cuddle::datasets {

namespace {

Json yaml_of(const Feature& f);

// The entries of a struct: one object per field, its name first.
Json struct_entries(const std::vector<std::pair<std::string, std::shared_ptr<const Feature>>>& fields) {
  Json list = Json::array();
  for (const auto& [name, sub] : fields) {
    Json entry = Json::object();
    entry["name"] = name;
    const Json body = yaml_of(*sub);  // kept alive: items() only refers to it
    for (const auto& [k, v] : body.items()) entry[k] = v;
    list.push_back(entry);
  }
  return list;
}

Json yaml_of(const Feature& f) {
  switch (f.kind) {
    case Feature::Kind::Value: return Json{{"dtype", f.dtype}};
    case Feature::Kind::ClassLabel: {
      Json names = Json::object();  // the Hub wants string keys
      for (size_t i = 0; i < f.names.size(); ++i) names[std::to_string(i)] = f.names[i];
      return Json{{"dtype", Json{{"class_label", Json{{"names", names}}}}}};
    }
    case Feature::Kind::Image: return Json{{"dtype", "image"}};
    case Feature::Kind::Struct: return Json{{"struct", struct_entries(f.fields)}};
    case Feature::Kind::List:
    case Feature::Kind::LargeList: {
      const char* key = f.kind == Feature::Kind::List ? "list" : "large_list";
      Json item = yaml_of(*f.item);
      Json out = Json::object();
      // {dtype: x} -> x and {struct: [...]} -> [...], as datasets simplifies them.
      if (item.size() == 1 && item.contains("dtype")) out[key] = item["dtype"];
      else if (item.size() == 1 && item.contains("struct")) out[key] = item["struct"];
      else out[key] = item;
      if (f.kind == Feature::Kind::List && f.length >= 0) out["length"] = f.length;
      return out;
    }
  }
  return Json::object();
}

}  // namespace

Json features_to_yaml(const Features& features) {
  Feature all;
  all.kind = Feature::Kind::Struct;
  for (const auto& [name, f] : features) all.fields.emplace_back(name, std::make_shared<const Feature>(f));
  return struct_entries(all.fields);
}

}  // namespace cuddle::datasets
