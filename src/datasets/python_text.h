// Values spelled as Python's str() spells them: class_encode_column sorts labels by this
// text and the CSV writer writes it, as datasets (through pandas) does.
#pragma once
#include <string>

#include "cuddle/arrow.h"

namespace cuddle::datasets {

// True / False, integers, floats in their shortest round-trip form with a ".0" when
// integral ("1.0", "0.1", "inf", "nan"), strings unchanged, anything else as JSON.
std::string python_str(const arrow::Json& v);

}  // namespace cuddle::datasets
