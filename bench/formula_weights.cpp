// Writes the full-size "formula weight" model that ONNX Runtime runs in the anchor script
// (shared/anchors/ort_anchor.js), so cuddle and ORT compute exactly the same model.
// The rule (from onnx_manifest.json): for parameter k in named_parameters() order and
// flat element index i, x = (i*2654435761 + (k+1)*40503) mod 65536,
// v = (x/65536 - 0.5)*0.08 in float64, +1.0 for 1-D parameters whose lower-cased name
// contains "norm" and that end in "weight"; cast to float32.
// The manifest names parameters as transformers 5 holds them in memory; the file gets the
// names transformers' save_pretrained writes (and every Hub checkpoint has), which differ
// for ViT (vit.layers.N.attention.q_proj -> vit.encoder.layer.N.attention.attention.query,
// ...).
// usage: formula_weights MODEL_DIR(with onnx_manifest.json + config.json) OUT_DIR ARCHITECTURE
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "cuddle/safetensors.h"

namespace {

// transformers 5's in-memory ViT names -> the checkpoint names save_pretrained writes.
std::string checkpoint_name(const std::string& name) {
  static const std::pair<std::regex, const char*> kRenames[] = {
      {std::regex(R"(^vit\.layers\.(\d+)\.attention\.q_proj\.)"), "vit.encoder.layer.$1.attention.attention.query."},
      {std::regex(R"(^vit\.layers\.(\d+)\.attention\.k_proj\.)"), "vit.encoder.layer.$1.attention.attention.key."},
      {std::regex(R"(^vit\.layers\.(\d+)\.attention\.v_proj\.)"), "vit.encoder.layer.$1.attention.attention.value."},
      {std::regex(R"(^vit\.layers\.(\d+)\.attention\.o_proj\.)"), "vit.encoder.layer.$1.attention.output.dense."},
      {std::regex(R"(^vit\.layers\.(\d+)\.mlp\.fc1\.)"), "vit.encoder.layer.$1.intermediate.dense."},
      {std::regex(R"(^vit\.layers\.(\d+)\.mlp\.fc2\.)"), "vit.encoder.layer.$1.output.dense."},
      {std::regex(R"(^vit\.layers\.(\d+)\.)"), "vit.encoder.layer.$1."},
  };
  for (const auto& [pattern, replacement] : kRenames)
    if (std::regex_search(name, pattern)) return std::regex_replace(name, pattern, replacement);
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: formula_weights MODEL_DIR OUT_DIR ARCHITECTURE\n");
    return 2;
  }
  namespace fs = std::filesystem;
  const fs::path in = argv[1], out = argv[2];
  try {
    nlohmann::json man = nlohmann::json::parse(std::ifstream(in / "onnx_manifest.json"));
    nlohmann::json cfg = nlohmann::json::parse(std::ifstream(in / "config.json"));
    // The exported graph is the model with a head; the saved config omits `architectures`,
    // so name it (the parameter names, e.g. classifier.weight, show which head it is).
    cfg["architectures"] = {argv[3]};
    fs::create_directories(out);
    std::ofstream(out / "config.json") << cfg.dump(2) << "\n";
    cuddle::NamedTensors tensors;
    int64_t k = 0;
    for (const auto& name_json : man["param_order"]) {
      std::string name = name_json.get<std::string>();
      cuddle::Shape shape = man["param_shapes"][name].get<cuddle::Shape>();
      cuddle::Tensor t = cuddle::Tensor::zeros(shape);
      float* p = t.data<float>();
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      bool norm_weight = shape.size() == 1 && lower.find("norm") != std::string::npos &&
                         name.size() >= 6 && name.compare(name.size() - 6, 6, "weight") == 0;
      const uint64_t add = uint64_t(k + 1) * 40503;
      for (int64_t i = 0; i < t.numel(); ++i) {
        uint64_t x = (uint64_t(i) * 2654435761ULL + add) % 65536;
        double v = (double(x) / 65536.0 - 0.5) * 0.08;
        if (norm_weight) v += 1.0;
        p[i] = static_cast<float>(v);
      }
      tensors.emplace_back(checkpoint_name(name), t);
      ++k;
    }
    cuddle::save_safetensors((out / "model.safetensors").string(), tensors, {{"format", "pt"}});
    std::printf("{\"out\": \"%s\", \"tensors\": %lld}\n", out.c_str(), static_cast<long long>(k));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "formula_weights: error: %s\n", e.what());
    return 1;
  }
}
