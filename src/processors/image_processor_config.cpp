#include "processors/image_processor_config.h"

#include "cuddle/error.h"

namespace cuddle::processors {
namespace {

using nlohmann::json;

// transformers' constants (image_utils.py).
const std::vector<double> kImagenetStandard = {0.5, 0.5, 0.5};
const std::vector<double> kImagenetDefaultMean = {0.485, 0.456, 0.406};
const std::vector<double> kImagenetDefaultStd = {0.229, 0.224, 0.225};
const std::vector<double> kClipMean = {0.48145466, 0.4578275, 0.40821073};
const std::vector<double> kClipStd = {0.26862954, 0.26130258, 0.27577711};

ImageProcessorConfig class_defaults(const std::string& class_name) {
  ImageProcessorConfig c;
  c.class_name = class_name;
  c.image_mean = kImagenetStandard;
  c.image_std = kImagenetStandard;
  if (class_name == "ViTImageProcessor") {
    c.size.height = c.size.width = 224;
  } else if (class_name == "CLIPImageProcessor") {
    c.size.shortest_edge = 224;
    c.crop_size.height = c.crop_size.width = 224;
    c.do_center_crop = true;
    c.do_convert_rgb = true;
    c.resample = 3;
    c.image_mean = kClipMean;
    c.image_std = kClipStd;
  } else if (class_name == "ConvNextImageProcessor") {
    c.size.shortest_edge = 384;
    c.crop_pct = 224.0 / 256.0;
  } else if (class_name == "DetrImageProcessor") {
    c.size.shortest_edge = 800;
    c.size.longest_edge = 1333;
    c.do_pad = true;
    c.image_mean = kImagenetDefaultMean;
    c.image_std = kImagenetDefaultStd;
  } else {
    throw Error("no image processor implementation named " + class_name);
  }
  return c;
}

class Reader {
 public:
  Reader(const json& j, const std::string& where) : j_(j), where_(where) {}

  // Present and not null: JSON null means "use the default", as None does in transformers.
  const json* find(const char* key) const {
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  [[noreturn]] void fail(const std::string& key, const json& v, const std::string& expected) const {
    throw FormatError(where_ + ": key \"" + key + "\": expected " + expected + ", got " + v.dump(-1).substr(0, 80));
  }
  void read_bool(const char* key, bool& out) const {
    if (const json* v = find(key)) {
      if (!v->is_boolean()) fail(key, *v, "true or false");
      out = v->get<bool>();
    }
  }
  void read_number(const char* key, double& out) const {
    if (const json* v = find(key)) {
      if (!v->is_number()) fail(key, *v, "a number");
      out = v->get<double>();
    }
  }
  int64_t positive_int(const std::string& key, const json& v) const {
    if (!v.is_number_integer() || v.get<int64_t>() <= 0) fail(key, v, "a positive integer");
    return v.get<int64_t>();
  }
  // A mean / std: three numbers, or one number for every channel.
  void read_channels(const char* key, std::vector<double>& out) const {
    const json* v = find(key);
    if (!v) return;
    if (v->is_number()) {
      out.assign(3, v->get<double>());
      return;
    }
    if (!v->is_array() || v->size() != 3) fail(key, *v, "a list of 3 numbers (one per RGB channel)");
    out.clear();
    for (const json& x : *v) {
      if (!x.is_number()) fail(key, *v, "a list of 3 numbers (one per RGB channel)");
      out.push_back(x.get<double>());
    }
  }
  // get_size_dict: an int is a square (default_to_square) or the shortest edge; [h, w] is a
  // height and width; an object holds one of transformers' valid key sets.
  void read_size(const char* key, bool default_to_square, ImageSizeSpec& out) const {
    const json* v = find(key);
    if (!v) return;
    ImageSizeSpec s;
    if (v->is_number_integer()) {
      const int64_t n = positive_int(key, *v);
      if (default_to_square) s.height = s.width = n;
      else s.shortest_edge = n;
    } else if (v->is_array() && v->size() == 2) {
      s.height = positive_int(key, (*v)[0]);
      s.width = positive_int(key, (*v)[1]);
    } else if (v->is_object()) {
      for (const auto& [name, value] : v->items()) {
        const std::string sub = std::string(key) + "." + name;
        if (value.is_null()) continue;
        if (name == "height") s.height = positive_int(sub, value);
        else if (name == "width") s.width = positive_int(sub, value);
        else if (name == "shortest_edge") s.shortest_edge = positive_int(sub, value);
        else if (name == "longest_edge") s.longest_edge = positive_int(sub, value);
        else if (name == "max_height") s.max_height = positive_int(sub, value);
        else if (name == "max_width") s.max_width = positive_int(sub, value);
        else fail(sub, value, "one of height, width, shortest_edge, longest_edge, max_height, max_width");
      }
      const bool hw = s.height && s.width, any_hw = s.height || s.width;
      const bool edges = s.shortest_edge || s.longest_edge, maxes = s.max_height && s.max_width;
      const bool any_max = s.max_height || s.max_width;
      if (hw + edges + maxes != 1 || (any_hw && !hw) || (any_max && !maxes))
        fail(key, *v, "{height, width}, {shortest_edge}, {shortest_edge, longest_edge}, {longest_edge} or {max_height, max_width}");
    } else {
      fail(key, *v, "an integer, [height, width] or an object of sizes");
    }
    out = s;
  }

 private:
  const json& j_;
  const std::string& where_;
};

}  // namespace

ImageProcessorConfig parse_image_processor_config(const json& j, const std::string& class_name,
                                                  const std::string& where) {
  if (!j.is_object()) throw FormatError(where + ": expected a JSON object of image processor settings");
  ImageProcessorConfig c = class_defaults(class_name);
  Reader r(j, where);
  r.read_bool("do_resize", c.do_resize);
  r.read_bool("do_rescale", c.do_rescale);
  r.read_bool("do_normalize", c.do_normalize);
  r.read_bool("do_convert_rgb", c.do_convert_rgb);
  r.read_number("rescale_factor", c.rescale_factor);
  r.read_channels("image_mean", c.image_mean);
  r.read_channels("image_std", c.image_std);
  if (const json* v = r.find("resample")) {
    if (!v->is_number_integer() || v->get<int64_t>() < 0 || v->get<int64_t>() > 5)
      r.fail("resample", *v, "a PIL resampling filter 0..5");
    c.resample = v->get<int>();
  }
  const bool square = class_name == "ViTImageProcessor";
  r.read_size("size", square, c.size);
  if (class_name == "CLIPImageProcessor") {
    r.read_bool("do_center_crop", c.do_center_crop);
    r.read_size("crop_size", true, c.crop_size);
  }
  if (class_name == "ConvNextImageProcessor") {
    r.read_number("crop_pct", c.crop_pct);
    if (c.crop_pct <= 0) r.fail("crop_pct", j.at("crop_pct"), "a positive number");
  }
  if (class_name == "DetrImageProcessor") {
    r.read_bool("do_pad", c.do_pad);
    // Old DETR configs give "size": 800 with "max_size" (1333 when absent) as the longest edge.
    const json* size = r.find("size");
    if (size && size->is_number_integer()) {
      const json* max_size = r.find("max_size");
      c.size.longest_edge = max_size ? r.positive_int("max_size", *max_size) : 1333;
    }
  }
  return c;
}

}  // namespace cuddle::processors
