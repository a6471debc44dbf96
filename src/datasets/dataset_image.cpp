// Lazy image decoding for Image columns: a row holds a path or the encoded bytes, and
// only the row being used is read and decoded.
#include "cuddle/dataset_image.h"
#include "cuddle/error.h"

namespace cuddle::datasets {

Image image_at(const Dataset& ds, int64_t row, const std::string& column, const ImageDecodeOptions& options) {
  const Feature* feature = nullptr;
  for (const auto& [name, f] : ds.features())
    if (name == column) feature = &f;
  if (!feature) ds.table().column(column);  // throws, listing the columns there are
  if (feature->kind != Feature::Kind::Image) throw ShapeError("column '" + column + "' is not an Image feature");
  if (row < 0 || row >= ds.num_rows())
    throw ShapeError("row " + std::to_string(row) + " out of range: the dataset has " + std::to_string(ds.num_rows()) + " rows");
  const auto [chunk, i] = ds.table().column(column).locate(row);
  const std::string where = "row " + std::to_string(row) + " of column '" + column + "'";
  if (chunk->is_null(i)) throw FormatError(where + ": the image is null");
  // struct<bytes: binary, path: string>, children in that order (feature_type(Image)).
  const arrow::ArrayData& bytes = *chunk->children[0];
  const arrow::ArrayData& path = *chunk->children[1];
  const int64_t j = chunk->offset + i;  // children are not shifted by the struct's offset
  try {
    if (bytes.is_valid(j)) {
      const std::string_view b = bytes.bytes(j);
      return decode_image(reinterpret_cast<const uint8_t*>(b.data()), b.size(), options);
    }
    if (path.is_valid(j)) return load_image(std::string(path.bytes(j)), options);
  } catch (const FormatError& e) {
    throw FormatError(where + ": " + e.what());
  }
  throw FormatError(where + ": the image has neither bytes nor a path");
}

}  // namespace cuddle::datasets
