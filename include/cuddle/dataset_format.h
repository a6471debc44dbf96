// Reading a Dataset for training (docs/datasets.md): datasets' with_format("torch") as
// cuddle Tensors, and with_transform (a function applied to each batch when it is read,
// nothing stored).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cuddle/datasets.h"
#include "cuddle/tensor.h"

namespace cuddle::datasets {

// Named tensors of one batch, in column order.
using TensorBatch = std::vector<std::pair<std::string, Tensor>>;

// Rows [begin, end) of `columns` (empty: every column) as datasets' torch formatter makes
// them: integers and ClassLabels int64, floats float32, bools bool, one dimension per row;
// lists of equal length stacked ([rows, length, ...]). Throws ShapeError naming the column
// that is not numeric, holds a null, or has lists of different lengths.
TensorBatch to_tensors(const Dataset& ds, int64_t begin, int64_t end, const std::vector<std::string>& columns = {});

// ds.with_format("torch", columns=...): the dataset read as TensorBatches.
class TensorView {
 public:
  explicit TensorView(Dataset ds, std::vector<std::string> columns = {});
  int64_t num_rows() const { return ds_.num_rows(); }
  TensorBatch batch(int64_t begin, int64_t end) const { return to_tensors(ds_, begin, end, columns_); }
  const Dataset& dataset() const { return ds_; }

 private:
  Dataset ds_;
  std::vector<std::string> columns_;
};

// ds.with_transform(fn): `fn` runs on every batch read (a table of the rows asked for,
// every column) and its output is what the reader gets; the dataset itself is unchanged.
class TransformedDataset {
 public:
  using Transform = std::function<arrow::Table(const arrow::Table& batch)>;
  TransformedDataset(Dataset ds, Transform fn) : ds_(std::move(ds)), fn_(std::move(fn)) {}
  int64_t num_rows() const { return ds_.num_rows(); }
  // Rows [begin, end) transformed; throws ShapeError when the range is outside the dataset.
  arrow::Table batch(int64_t begin, int64_t end) const;
  // Row i transformed, as {"column": value, ...}.
  Json row(int64_t i) const;
  const Dataset& dataset() const { return ds_; }

 private:
  Dataset ds_;
  Transform fn_;
};

}  // namespace cuddle::datasets
