// AutoImageProcessor.from_pretrained: finds the image processor settings of a model folder
// and the class that implements them, as transformers' auto mapping does.
#include <filesystem>

#include "cuddle/error.h"
#include "cuddle/hub.h"
#include "cuddle/image_processor.h"
#include "io/json_file.h"
#include "processors/image_processor_config.h"
#include "processors/image_processors.h"

namespace cuddle {
namespace {

namespace fs = std::filesystem;

// transformers' IMAGE_PROCESSOR_MAPPING for the model types whose processors exist here.
std::string class_for_model_type(const std::string& model_type) {
  if (model_type == "vit" || model_type == "deit") return "ViTImageProcessor";
  if (model_type == "clip") return "CLIPImageProcessor";
  if (model_type == "convnext" || model_type == "resnet") return "ConvNextImageProcessor";
  if (model_type == "detr") return "DetrImageProcessor";
  return "";
}

std::string string_key(const nlohmann::json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (!it->is_string()) throw FormatError(where + ": key \"" + key + "\": expected a string, got " + it->dump());
  return it->get<std::string>();
}

// The class named by the settings, else by config.json's model_type next to them.
std::string resolve_class(const nlohmann::json& settings, const fs::path& folder, const std::string& where) {
  std::string type = string_key(settings, "image_processor_type", where);
  if (type.empty()) {
    type = string_key(settings, "feature_extractor_type", where);
    if (const size_t at = type.find("FeatureExtractor"); at != std::string::npos)
      type.replace(at, std::string("FeatureExtractor").size(), "ImageProcessor");
  }
  if (!type.empty()) {
    std::string cls = processors::implementing_class(type);
    if (cls.empty())
      throw Error(where + ": image processor " + type +
                  " is not supported (supported: ViT, CLIP, ConvNext and Detr image processors, and their Fast variants)");
    return cls;
  }
  const fs::path config = folder / "config.json";
  if (fs::exists(config)) {
    const std::string model_type = string_key(io::read_json_file(config.string()), "model_type", config.string());
    if (std::string cls = class_for_model_type(model_type); !cls.empty()) return cls;
    throw Error(where + ": no image_processor_type, and model_type \"" + model_type + "\" in " + config.string() +
                " has no supported image processor");
  }
  throw FormatError(where + ": no \"image_processor_type\" key and no config.json beside it to infer one from");
}

}  // namespace

std::unique_ptr<ImageProcessor> AutoImageProcessor::from_pretrained(const std::string& name_or_path,
                                                                   const std::string& revision) {
  const std::string dir_or_file = hub::resolve_pretrained(name_or_path, revision);
  fs::path file = dir_or_file;
  if (fs::is_directory(file)) {
    if (fs::exists(file / "preprocessor_config.json")) file /= "preprocessor_config.json";
    else if (fs::exists(file / "processor_config.json")) file /= "processor_config.json";
    else throw IoError(dir_or_file + ": no preprocessor_config.json or processor_config.json in this folder");
  }
  const std::string where = file.string();
  nlohmann::json json = io::read_json_file(where);
  // processor_config.json nests the image processor's settings under "image_processor".
  if (json.is_object() && json.contains("image_processor")) {
    if (!json["image_processor"].is_object())
      throw FormatError(where + ": key \"image_processor\": expected an object of image processor settings");
    json = json["image_processor"];
  }
  if (!json.is_object()) throw FormatError(where + ": expected a JSON object of image processor settings");
  const std::string cls = resolve_class(json, file.parent_path(), where);
  return processors::make_image_processor(processors::parse_image_processor_config(json, cls, where));
}

}  // namespace cuddle
