// What the image tasks share: decoding their inputs as transformers' load_image does and
// running the model over them batch by batch through the image processor.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cuddle/image_processor.h"
#include "cuddle/models.h"
#include "cuddle/pipeline.h"
#include "pipelines/common.h"

namespace cuddle::pipelines {

// One image's share of a batch's outputs.
struct ImageRows {
  std::vector<Tensor> outputs;  // per picked output, this image's row (contiguous f32)
  int64_t height = 0, width = 0;  // the decoded image's size, before any resizing
};

// Runs `model` on the images of `inputs` (decoded ones as given, else the file path in
// `text`), `batch_size` at a time: each batch is decoded, preprocessed by `processor` into
// pixel_values (and pixel_mask), forwarded, and split into rows. Images are decoded per
// batch, so a long list of files never sits in memory at once. `text` carries the
// input_ids / attention_mask a two-tower model (CLIP) takes with every batch.
std::vector<ImageRows> forward_images(const PreTrainedModel& model, const ImageProcessor& processor,
                                      const std::vector<PipelineInput>& inputs, size_t batch_size,
                                      const std::vector<OutputPicker>& outputs, const ModelInputs& text = {});

// The image of one input: `input.image`, or the file named by `input.text` decoded.
Image input_image(const PipelineInput& input);

}  // namespace cuddle::pipelines
