// The packaged builders load_dataset dispatches to (load_dataset.cpp): which file
// extensions each reads and how a split's files become one Dataset.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "cuddle/datasets.h"

namespace cuddle::datasets {

// split name -> resolved file paths, in order.
using ResolvedDataFiles = std::vector<std::pair<std::string, std::vector<std::string>>>;

// The extensions (lowercase, with the dot) of a builder's data files, as datasets'
// _MODULE_TO_EXTENSIONS; empty for a name that is not a builder.
const std::vector<std::string>& builder_extensions(const std::string& builder);
// The image extensions datasets' imagefolder takes (those Pillow opens).
const std::vector<std::string>& image_extensions();

// imagefolder: one row per image file, {"image": Image (path kept, decoded lazily),
// "label": ClassLabel} with the labels taken from the parent folder names (sorted), added
// as datasets adds them: when there is more than one folder name and every image lies at
// the same depth. Files with other extensions are skipped.
DatasetDict build_imagefolder(const ResolvedDataFiles& files);

}  // namespace cuddle::datasets
