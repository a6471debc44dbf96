// Fuzzes split expressions ("train[:10%]+test"), which come from users and command lines.
// Any input must resolve or throw cuddle::Error; what resolves must name a known split and
// give rows with 0 <= begin <= end <= the split's size.
#include <cstdlib>
#include <string>

#include "cuddle/error.h"
#include "cuddle/load_dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cuddle::datasets;
  const std::vector<std::pair<std::string, int64_t>> sizes = {{"train", 1000}, {"test", 7}, {"validation", 0}};
  std::vector<SplitSlice> slices;
  try {
    slices = resolve_split_spec(std::string(reinterpret_cast<const char*>(data), size), sizes);
  } catch (const cuddle::Error&) {
    return 0;
  }
  for (const auto& s : slices) {
    int64_t n = -1;
    for (const auto& [name, rows] : sizes)
      if (name == s.split) n = rows;
    if (n < 0 || s.begin < 0 || s.begin > s.end || s.end > n) std::abort();
  }
  return 0;
}
