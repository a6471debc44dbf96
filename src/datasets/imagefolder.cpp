// datasets' imagefolder builder (packaged_modules/folder_based_builder): every image file
// is a row holding its path; the folder an image lies in names its class. Images are not
// read here: the Image feature keeps the path and dataset_image.cpp decodes on access.
// metadata.csv / metadata.jsonl files are not read yet (docs/datasets.md).
#include <algorithm>
#include <filesystem>
#include <set>

#include "datasets/builders.h"
#include "cuddle/error.h"

namespace fs = std::filesystem;

namespace cuddle::datasets {

const std::vector<std::string>& image_extensions() {
  // The list datasets ships: the extensions Pillow registers an opener for.
  static const std::vector<std::string> e = {
      ".blp", ".bmp", ".dib", ".bufr", ".cur", ".pcx", ".dcx", ".dds", ".ps",  ".eps", ".fit", ".fits", ".fli",
      ".flc", ".ftc", ".ftu", ".gbr",  ".gif", ".grib", ".png", ".apng", ".jp2", ".j2k", ".jpc", ".jpf", ".jpx",
      ".j2c", ".icns", ".ico", ".im",  ".iim", ".tif", ".tiff", ".jfif", ".jpe", ".jpg", ".jpeg", ".mpg", ".mpeg",
      ".msp", ".pcd", ".pxr", ".pbm",  ".pgm", ".ppm", ".pnm", ".psd", ".bw",  ".rgb", ".rgba", ".sgi", ".ras",
      ".tga", ".icb", ".vda", ".vst",  ".webp", ".wmf", ".emf", ".xbm", ".xpm"};
  return e;
}

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// datasets takes a file when its last or second-to-last extension is an image one
// ("x.png", "x.png.gz").
bool is_image_file(const std::string& path) {
  fs::path p(path);
  const auto& exts = image_extensions();
  auto known = [&](const fs::path& e) { return std::find(exts.begin(), exts.end(), lower(e.string())) != exts.end(); };
  return known(p.extension()) || known(p.stem().extension());
}

}  // namespace

DatasetDict build_imagefolder(const ResolvedDataFiles& files) {
  // Labels and depths are gathered over every split, as datasets gathers them.
  std::set<std::string> labels;
  std::set<size_t> depths;
  std::vector<std::pair<std::string, std::vector<std::string>>> images;
  for (const auto& [split, paths] : files) {
    std::vector<std::string> kept;
    for (const auto& p : paths) {
      if (!is_image_file(p)) continue;
      labels.insert(fs::path(p).parent_path().filename().string());
      depths.insert(static_cast<size_t>(std::count(p.begin(), p.end(), '/')));
      kept.push_back(p);
    }
    images.emplace_back(split, std::move(kept));
  }
  const bool add_labels = labels.size() > 1 && depths.size() == 1;
  const std::vector<std::string> names(labels.begin(), labels.end());

  Features features = {{"image", Feature::image()}};
  if (add_labels) features.emplace_back("label", Feature::class_label(names));
  DatasetDict out;
  for (const auto& [split, paths] : images) {
    if (paths.empty()) throw IoError("imagefolder: split '" + split + "' has no image files");
    std::vector<Json> image_values, label_values;
    for (const auto& p : paths) {
      image_values.push_back(Json{{"bytes", nullptr}, {"path", p}});
      if (add_labels) {
        const std::string label = fs::path(p).parent_path().filename().string();
        label_values.push_back(std::lower_bound(names.begin(), names.end(), label) - names.begin());
      }
    }
    std::vector<const Json*> refs;
    for (const auto& v : image_values) refs.push_back(&v);
    std::vector<arrow::Field> fields;
    std::vector<arrow::ArrayPtr> arrays;
    fields.push_back({"image", feature_type(Feature::image()), true, {}});
    arrays.push_back(arrow::array_from_json(refs, fields[0].type));
    if (add_labels) {
      refs.clear();
      for (const auto& v : label_values) refs.push_back(&v);
      fields.push_back({"label", arrow::int64(), true, {}});
      arrays.push_back(arrow::array_from_json(refs, arrow::int64()));
    }
    out.splits.emplace_back(split, Dataset(arrow::make_table(std::move(fields), std::move(arrays)), features));
  }
  return out;
}

}  // namespace cuddle::datasets
