// The layers whose weights bitsandbytes quantizes: every nn::Linear, and GPT-2's Conv1D,
// which transformers' bnb integration turns into a Linear8bitLt / Linear4bit of the
// transposed weight. The quant layer quantizes, installs and saves through this one list;
// reports (cuddle quantize, bench model) count from it.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cuddle/nn.h"

namespace cuddle::models {

struct QuantizableLayer {
  std::string name;  // module path
  Tensor* weight;    // the weight parameter: f32, or the quantized stored form once installed
  std::shared_ptr<const nn::QuantizedLinear>* quantized;  // set once quantized
  bool transposed;  // the f32 weight is stored [in, out] (Conv1D): quantized as its transpose
};

std::vector<QuantizableLayer> quantizable_layers(nn::Module& root);

}  // namespace cuddle::models
