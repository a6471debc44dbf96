// Reading an image processor's JSON settings into ImageProcessorConfig with transformers'
// per-class defaults and get_size_dict's rules for "size" / "crop_size".
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "cuddle/image_processor.h"

namespace cuddle::processors {

// `class_name` is the implementing class (ViTImageProcessor, CLIPImageProcessor,
// ConvNextImageProcessor, DetrImageProcessor); `where` names the file in errors. Throws
// FormatError naming the key when a value has the wrong type or range.
ImageProcessorConfig parse_image_processor_config(const nlohmann::json& json, const std::string& class_name,
                                                  const std::string& where);

}  // namespace cuddle::processors
