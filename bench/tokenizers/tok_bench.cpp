// Times cuddle's tokenizer the way shared/anchors/tok_anchor.js times HF tokenizers: load
// time, one encode call per corpus line on one thread, and the parallel batch encode, in
// MB/s of UTF-8 input, without special tokens. Prints one JSON line.
//   usage: tok_bench TOKENIZER_JSON CORPUS_TXT
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cuddle/tokenizer.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: tok_bench TOKENIZER_JSON CORPUS_TXT\n");
    return 2;
  }
  using clock = std::chrono::steady_clock;
  auto secs = [](clock::time_point a) { return std::chrono::duration<double>(clock::now() - a).count(); };
  try {
    auto t0 = clock::now();
    cuddle::Tokenizer tok = cuddle::Tokenizer::from_file(argv[1]);
    double load_ms = secs(t0) * 1e3;
    tok.set_truncation(std::nullopt);
    tok.set_padding(std::nullopt);

    std::ifstream f(argv[2], std::ios::binary);
    std::vector<cuddle::TextInput> lines;
    size_t bytes = 0;
    for (std::string l; std::getline(f, l);)
      if (!l.empty()) {
        bytes += l.size() + 1;
        lines.emplace_back(l);
      }
    if (bytes) --bytes;  // tok_anchor.js counts lines joined by '\n'
    double mb = bytes / 1e6;

    // Same order as the anchor: the loop runs first, so the batch sees warm caches in both.
    size_t ntok = 0;
    t0 = clock::now();
    for (const auto& l : lines) ntok += tok.encode(l, false).ids.size();
    double loop_s = secs(t0);
    t0 = clock::now();
    auto enc = tok.encode_batch(lines, false);
    double batch_s = secs(t0);
    std::printf(
        "{\"tokenizer\": \"%s\", \"load_ms\": %.1f, \"lines\": %zu, \"MB\": %.2f, \"tokens\": %zu, "
        "\"encode_loop_MBps\": %.2f, \"encode_batch_MBps\": %.2f, \"threads\": %d}\n",
        argv[1], load_ms, lines.size(), mb, ntok, mb / loop_s, mb / batch_s, omp_get_max_threads());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tok_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
