#include "cuddle/tokenizer_benchmark.h"

#include <omp.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <vector>

#include "cuddle/error.h"
#include "cuddle/tokenizer.h"

namespace cuddle {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TokenizerBenchResult bench_tokenizer(const std::string& tokenizer, const std::string& corpus) {
  namespace fs = std::filesystem;
  std::string file = fs::is_directory(tokenizer) ? (fs::path(tokenizer) / "tokenizer.json").string() : tokenizer;
  TokenizerBenchResult r;
  auto t0 = std::chrono::steady_clock::now();
  Tokenizer tok = Tokenizer::from_file(file);
  r.load_ms = seconds_since(t0) * 1e3;
  tok.set_truncation(std::nullopt);
  tok.set_padding(std::nullopt);

  std::ifstream in(corpus, std::ios::binary);
  if (!in) throw IoError("cannot open corpus " + corpus);
  std::vector<TextInput> lines;
  size_t bytes = 0;
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) {
      bytes += l.size() + 1;
      lines.emplace_back(l);
    }
  if (lines.empty()) throw Error("corpus " + corpus + " has no non-empty line");
  r.lines = lines.size();
  r.megabytes = double(bytes - 1) / 1e6;  // the anchor joins the lines with '\n'

  // The single-thread pass runs first, as in the anchor, so the batch sees warm caches in both.
  t0 = std::chrono::steady_clock::now();
  for (const auto& l : lines) r.tokens += tok.encode(l, false).ids.size();
  r.single_MBps = r.megabytes / seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  std::vector<Encoding> batch = tok.encode_batch(lines, false);
  r.batch_MBps = r.megabytes / seconds_since(t0);
  r.threads = omp_get_max_threads();
  return r;
}

}  // namespace cuddle
