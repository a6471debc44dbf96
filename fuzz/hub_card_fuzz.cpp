// Fuzzes the model-card front-matter parser (the YAML subset, docs/hub.md) on untrusted
// README.md files. Accepted cards are emitted again and must read back to the same metadata.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cuddle/error.h"
#include "cuddle/model_card.h"

using cuddle::hub::ModelCard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  ModelCard card;
  try {
    card = ModelCard::parse(text);
    card.eval_results();
  } catch (const cuddle::Error&) {
    return 0;
  }
  ModelCard back = ModelCard::parse(card.to_string());
  if (back.data() != card.data()) __builtin_trap();
  return 0;
}
