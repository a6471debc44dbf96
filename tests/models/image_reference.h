// Reading the vision fixtures' reference.safetensors, whose keys are "<image>:<tensor>"
// (pixel_values [3, H, W] as the image processor made them, then the model's outputs
// without the batch dimension), and comparing outputs against them.
#pragma once
#include <string>
#include <vector>

#include "cuddle/models.h"
#include "cuddle/safetensors.h"

namespace cuddle::test {

// The image names, in file order, each once.
std::vector<std::string> reference_images(const SafetensorsFile& ref);

// Runs `model` on each image (batch of one; pixel_mask from "<image>:pixel_mask" when the
// file has it) and compares every listed output with "<image>:<output>". Prints the max abs
// difference per output, fails the test above `tolerance`, returns the largest.
double check_image_outputs(const PreTrainedModel& model, const SafetensorsFile& ref,
                           const std::vector<std::string>& outputs, double tolerance);

}  // namespace cuddle::test
