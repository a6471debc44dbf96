#include "pipelines/image_inputs.h"

#include <algorithm>

namespace cuddle::pipelines {

Image input_image(const PipelineInput& input) {
  if (input.image) return *input.image;
  return load_image(input.text);
}

std::vector<ImageRows> forward_images(const PreTrainedModel& model, const ImageProcessor& processor,
                                      const std::vector<PipelineInput>& inputs, size_t batch_size,
                                      const std::vector<OutputPicker>& outputs, const ModelInputs& text) {
  std::vector<ImageRows> rows(inputs.size());
  batch_size = std::max<size_t>(batch_size, 1);
  for (size_t start = 0; start < inputs.size(); start += batch_size) {
    const size_t end = std::min(inputs.size(), start + batch_size);
    std::vector<Image> images;
    for (size_t i = start; i < end; ++i) images.push_back(input_image(inputs[i]));
    for (size_t i = start; i < end; ++i) {
      rows[i].height = images[i - start].height;
      rows[i].width = images[i - start].width;
    }
    ImageBatch batch = processor.preprocess(images);
    images.clear();  // the pixels now live in pixel_values
    ModelInputs in = text;
    in.pixel_values = std::move(batch.pixel_values);
    in.pixel_mask = std::move(batch.pixel_mask);
    ModelOutputs out = model.forward(in, /*output_hidden_states=*/false);
    for (const auto& pick : outputs) {
      Tensor t = pick(out).to(DType::F32);
      for (size_t i = start; i < end; ++i)
        rows[i].outputs.push_back(t.select(0, static_cast<int64_t>(i - start)).contiguous());
    }
  }
  return rows;
}

}  // namespace cuddle::pipelines
