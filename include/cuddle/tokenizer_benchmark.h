// Tokenizer benchmark: load time, one encode call per corpus line on one thread, and the
// parallel batch encode, in MB/s of UTF-8 input, without special tokens. What `cuddle
// bench tokenizer` runs; it times what shared/anchors/tok_anchor.js times for HF
// tokenizers, in the same order, so bench/tokenizers/tokenizers.sh can set them side by side.
#pragma once
#include <cstddef>
#include <string>

namespace cuddle {

struct TokenizerBenchResult {
  double load_ms = 0;      // Tokenizer::from_file of the tokenizer.json
  size_t lines = 0;        // non-empty corpus lines
  double megabytes = 0;    // the lines joined by '\n', as the anchor counts them
  size_t tokens = 0;       // ids produced by the single-thread pass
  double single_MBps = 0;  // one encode call per line, one thread
  double batch_MBps = 0;   // one encode_batch over all lines
  int threads = 0;         // OpenMP threads of the batch encode
};

// `tokenizer`: a tokenizer.json file, or a folder holding one.
TokenizerBenchResult bench_tokenizer(const std::string& tokenizer, const std::string& corpus);

}  // namespace cuddle
