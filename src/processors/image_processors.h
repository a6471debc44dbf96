// The image processor classes behind AutoImageProcessor, created by implementing class name.
#pragma once
#include <memory>
#include <string>

#include "cuddle/image_processor.h"

namespace cuddle::processors {

// The implementing class for an image_processor_type ("ViTImageProcessorFast" ->
// "ViTImageProcessor"), or "" when there is none.
std::string implementing_class(const std::string& image_processor_type);

// `config.class_name` must be an implementing class.
std::unique_ptr<ImageProcessor> make_image_processor(ImageProcessorConfig config);

}  // namespace cuddle::processors
