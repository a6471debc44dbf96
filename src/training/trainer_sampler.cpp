// The order the Trainer visits training rows in: torch.randperm from a seeded mt19937
// (accelerate's seedable sampler reseeds with seed + epoch each epoch) and transformers'
// LengthGroupedSampler for group_by_length.
#include <algorithm>
#include <random>

#include "cuddle/error.h"
#include "cuddle/trainer.h"

namespace cuddle::training {

std::vector<int64_t> torch_randperm(int64_t n, uint64_t seed) {
  // torch's CPU generator is mt19937 seeded with the seed's low 32 bits; randperm_cpu swaps
  // each position with one drawn uniformly (modulo) from the rest.
  std::mt19937 gen(static_cast<uint32_t>(seed));
  std::vector<int64_t> r(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) r[size_t(i)] = i;
  for (int64_t i = 0; i + 1 < n; ++i) {
    const int64_t z = int64_t(uint64_t(gen()) % uint64_t(n - i));
    std::swap(r[size_t(i)], r[size_t(z + i)]);
  }
  return r;
}

namespace {
std::vector<int64_t> row_lengths(const datasets::Dataset& ds, const std::string& column) {
  const auto names = ds.column_names();
  const bool has_length = std::find(names.begin(), names.end(), column) != names.end();
  if (!has_length && std::find(names.begin(), names.end(), "input_ids") == names.end())
    throw Error("group_by_length: the training set has neither a \"" + column + "\" column nor input_ids");
  std::vector<int64_t> lengths;
  for (const auto& v : ds.column_values(has_length ? column : "input_ids"))
    lengths.push_back(has_length ? v.get<int64_t>() : int64_t(v.size()));
  return lengths;
}
}  // namespace

std::vector<int64_t> length_grouped_order(const datasets::Dataset& ds, const TrainingArguments& args, int64_t epoch) {
  const std::vector<int64_t> lengths = row_lengths(ds, args.length_column_name);
  const int64_t n = int64_t(lengths.size()), bs = args.per_device_train_batch_size;
  const std::vector<int64_t> indices = torch_randperm(n, uint64_t(args.train_seed()) + uint64_t(epoch));
  const int64_t mega = bs * std::max<int64_t>(std::min<int64_t>(n / (bs * 4), 50), 1);
  std::vector<std::vector<int64_t>> megabatches;
  for (int64_t i = 0; i < n; i += mega) {
    std::vector<int64_t> m(indices.begin() + i, indices.begin() + std::min(n, i + mega));
    std::stable_sort(m.begin(), m.end(), [&](int64_t a, int64_t b) { return lengths[size_t(a)] > lengths[size_t(b)]; });
    megabatches.push_back(std::move(m));
  }
  // The longest row goes first, so a batch that does not fit fails at once.
  size_t max_idx = 0;
  for (size_t k = 1; k < megabatches.size(); ++k)
    if (lengths[size_t(megabatches[k][0])] > lengths[size_t(megabatches[max_idx][0])]) max_idx = k;
  if (!megabatches.empty()) std::swap(megabatches[0][0], megabatches[max_idx][0]);
  std::vector<int64_t> out;
  for (const auto& m : megabatches) out.insert(out.end(), m.begin(), m.end());
  return out;
}

}  // namespace cuddle::training
