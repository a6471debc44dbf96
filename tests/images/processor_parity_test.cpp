// Parity with transformers: every processor folder of tests/fixtures/image_processors and
// every image it lists, preprocessed from load_image, against the reference pixel_values
// (and DETR's pixel_mask). The *_slow references (PIL resize) must match to 1e-5; the
// *_fast (torchvision) references are measured and bounded as docs/images.md records.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "cuddle/image_processor.h"
#include "cuddle/safetensors.h"
#include "test_util.h"

namespace cuddle {
namespace {

struct Diff {
  double max_abs = 0;
  int64_t count = 0;
};

nlohmann::json processor_index() {
  return nlohmann::json::parse(test::read_file(test::fixture("image_processors/index.json")));
}

// Runs every image of one processor folder, one image per batch as the references were made.
void compare_folder(const std::string& folder, const nlohmann::json& entry, Diff& diff) {
  const std::string dir = test::fixture("image_processors/" + folder);
  auto processor = AutoImageProcessor::from_pretrained(dir);
  auto ref = SafetensorsFile::open(dir + "/reference.safetensors");
  for (const auto& name : entry["images"]) {
    SCOPED_TRACE(folder + " / " + name.get<std::string>());
    Image image = load_image(test::fixture("images/" + name.get<std::string>()));
    ImageBatch batch = processor->preprocess({image});
    ASSERT_EQ(batch.original_sizes.size(), 1u);
    EXPECT_EQ(batch.original_sizes[0], std::make_pair(image.height, image.width));
    Tensor want = ref.tensor(name.get<std::string>() + ":pixel_values");
    ASSERT_EQ(batch.pixel_values.shape(), (Shape{1, want.shape()[0], want.shape()[1], want.shape()[2]}));
    const float* got = batch.pixel_values.data<float>();
    const float* exp = want.data<float>();
    double image_max = 0;
    for (int64_t i = 0; i < want.numel(); ++i) {
      image_max = std::max(image_max, static_cast<double>(std::fabs(got[i] - exp[i])));
      ++diff.count;
    }
    if (std::getenv("CUDDLE_PARITY_VERBOSE")) std::printf("  %s %s %.3g\n", folder.c_str(), name.get<std::string>().c_str(), image_max);
    diff.max_abs = std::max(diff.max_abs, image_max);
    const std::string mask_name = name.get<std::string>() + ":pixel_mask";
    if (ref.contains(mask_name)) {
      Tensor mask = ref.tensor(mask_name);
      ASSERT_TRUE(batch.pixel_mask.defined());
      ASSERT_EQ(batch.pixel_mask.numel(), mask.numel());
      for (int64_t i = 0; i < mask.numel(); ++i)
        ASSERT_EQ(batch.pixel_mask.data<int64_t>()[i], mask.data<int64_t>()[i]);
    } else {
      EXPECT_FALSE(batch.pixel_mask.defined());
    }
  }
}

TEST(ImageProcessorParity, SlowReferencesMatch) {
  int folders = 0;
  const nlohmann::json index = processor_index();
  for (const auto& [folder, entry] : index.items()) {
    if (!folder.ends_with("_slow")) continue;
    Diff d;
    compare_folder(folder, entry, d);
    std::printf("[parity] %-14s %s  max |diff| = %.3g over %lld values\n", folder.c_str(),
                entry["class"].get<std::string>().c_str(), d.max_abs, static_cast<long long>(d.count));
    EXPECT_LE(d.max_abs, 1e-5) << folder;
    EXPECT_GT(d.count, 0) << folder;
    ++folders;
  }
  EXPECT_EQ(folders, 4);
}

// The vendored *_fast references turn out byte-identical to the *_slow ones (docs/images.md),
// so they match as closely; the bound stays loose because torchvision's own antialiased
// resize, where it runs, differs from PIL by a few uint8 steps after normalization.
TEST(ImageProcessorParity, FastReferencesAreCloseAndMeasured) {
  const nlohmann::json index = processor_index();
  for (const auto& [folder, entry] : index.items()) {
    if (!folder.ends_with("_fast")) continue;
    Diff d;
    compare_folder(folder, entry, d);
    std::printf("[parity] %-14s %s  max |diff| vs slow implementation = %.3g\n", folder.c_str(),
                entry["class"].get<std::string>().c_str(), d.max_abs);
    EXPECT_LE(d.max_abs, 0.5) << folder;
  }
}

// A DETR batch pads every image to the largest height and width, bottom / right, with
// zeros in pixel_values and a 0 in pixel_mask; the real pixels equal the single-image run.
TEST(ImageProcessorParity, DetrBatchPadsToLargest) {
  const std::string dir = test::fixture("image_processors/detr_slow");
  auto processor = AutoImageProcessor::from_pretrained(dir);
  auto ref = SafetensorsFile::open(dir + "/reference.safetensors");
  const std::vector<std::string> names = {"flat_300x200.png", "noise_50x70.png", "gray_40x40.png"};
  std::vector<Image> images;
  for (const auto& n : names) images.push_back(load_image(test::fixture("images/" + n)));
  ImageBatch batch = processor->preprocess(images);
  // flat -> 32x48, noise -> 44x32, gray -> 32x32: the batch is 44 x 48.
  ASSERT_EQ(batch.pixel_values.shape(), (Shape{3, 3, 44, 48}));
  ASSERT_EQ(batch.pixel_mask.shape(), (Shape{3, 44, 48}));
  const float* pv = batch.pixel_values.data<float>();
  const int64_t* pm = batch.pixel_mask.data<int64_t>();
  for (size_t b = 0; b < names.size(); ++b) {
    Tensor want = ref.tensor(names[b] + ":pixel_values");
    const int64_t h = want.shape()[1], w = want.shape()[2];
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < 44; ++y)
        for (int64_t x = 0; x < 48; ++x) {
          const float got = pv[((b * 3 + c) * 44 + y) * 48 + x];
          const bool inside = y < h && x < w;
          ASSERT_NEAR(got, inside ? want.data<float>()[(c * h + y) * w + x] : 0.0f, 1e-5);
          if (c == 0) {
            ASSERT_EQ(pm[(b * 44 + y) * 48 + x], inside ? 1 : 0);
          }
        }
  }
  EXPECT_EQ(batch.original_sizes[1], std::make_pair(int64_t{70}, int64_t{50}));
}

// Model folders: their preprocessor_config.json drives the processor, and the pixel_values
// the model references were computed from match.
TEST(ImageProcessorParity, ModelFoldersMatchTheirReferences) {
  for (const char* model : {"vit-imgcls", "resnet-imgcls", "detr-objdet"}) {
    SCOPED_TRACE(model);
    const std::string dir = test::fixture(std::string("models/") + model);
    auto processor = AutoImageProcessor::from_pretrained(dir);
    auto ref = SafetensorsFile::open(dir + "/reference.safetensors");
    for (const char* name : {"scene_80x60.jpg", "noise_50x70.png", "rgba_45x30.png"}) {
      ImageBatch batch = processor->preprocess({load_image(test::fixture(std::string("images/") + name))});
      Tensor want = ref.tensor(std::string(name) + ":pixel_values");
      ASSERT_EQ(batch.pixel_values.numel(), want.numel()) << name;
      for (int64_t i = 0; i < want.numel(); ++i)
        ASSERT_NEAR(batch.pixel_values.data<float>()[i], want.data<float>()[i], 1e-5) << name;
    }
  }
}

// CLIP models ship processor_config.json, whose "image_processor" entry holds the settings.
TEST(ImageProcessorParity, ClipModelFolderReadsProcessorConfig) {
  auto processor = AutoImageProcessor::from_pretrained(test::fixture("models/clip-zeroshot"));
  EXPECT_EQ(processor->class_name(), "CLIPImageProcessor");
  EXPECT_EQ(processor->config().size.shortest_edge, 32);
  EXPECT_EQ(processor->config().crop_size.height, 32);
  ImageBatch batch = processor->preprocess({load_image(test::fixture("images/scene_80x60.jpg"))});
  EXPECT_EQ(batch.pixel_values.shape(), (Shape{1, 3, 32, 32}));
}

}  // namespace
}  // namespace cuddle
