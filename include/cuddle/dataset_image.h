// Images held in a Dataset's Image column (datasets' Image feature: struct<bytes, path>),
// decoded when a row is used, as datasets decodes them on access (docs/datasets.md).
#pragma once
#include <cstdint>
#include <string>

#include "cuddle/datasets.h"
#include "cuddle/image.h"

namespace cuddle::datasets {

// The image of row `row` of `column`: its bytes when stored, else the file at its path,
// decoded with Pillow's semantics (cuddle/image.h). Throws ShapeError when the column is
// not an Image feature or the row is out of range, FormatError naming the row and file
// when the value is null or does not decode.
Image image_at(const Dataset& ds, int64_t row, const std::string& column = "image",
               const ImageDecodeOptions& options = {});

}  // namespace cuddle::datasets
