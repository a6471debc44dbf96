#include "models/image_reference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace cuddle::test {

std::vector<std::string> reference_images(const SafetensorsFile& ref) {
  std::vector<std::string> images;
  for (const auto& name : ref.names()) {
    const auto colon = name.rfind(':');
    if (colon == std::string::npos) continue;
    const std::string image = name.substr(0, colon);
    if (std::find(images.begin(), images.end(), image) == images.end()) images.push_back(image);
  }
  return images;
}

double check_image_outputs(const PreTrainedModel& model, const SafetensorsFile& ref,
                           const std::vector<std::string>& outputs, double tolerance) {
  std::map<std::string, double> worst;
  for (const auto& image : reference_images(ref)) {
    ModelInputs in;
    in.pixel_values = ref.tensor(image + ":pixel_values").unsqueeze(0);
    if (ref.contains(image + ":pixel_mask"))
      in.pixel_mask = ref.tensor(image + ":pixel_mask").unsqueeze(0);
    const ModelOutputs out = model.forward(in, /*output_hidden_states=*/false);
    for (const auto& name : outputs) {
      const Tensor expected = ref.tensor(image + ":" + name).unsqueeze(0);
      const Tensor& got = out.get(name);
      EXPECT_EQ(got.shape(), expected.shape()) << image << " " << name;
      if (got.shape() != expected.shape()) continue;
      const auto x = got.to_float_vector(), y = expected.to_float_vector();
      double d = 0;
      for (size_t i = 0; i < x.size(); ++i) d = std::max(d, double(std::fabs(x[i] - y[i])));
      EXPECT_LT(d, tolerance) << image << " " << name;
      worst[name] = std::max(worst[name], d);
    }
  }
  double all = 0;
  for (const auto& [name, d] : worst) {
    std::printf("  %s %-18s max abs diff %.3g\n", model.class_name().c_str(), name.c_str(), d);
    all = std::max(all, d);
  }
  return all;
}

}  // namespace cuddle::test
