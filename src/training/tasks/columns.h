// Column checks the task set-ups share (train_tasks.cpp, token_classification.cpp,
// masked_lm.cpp); private to src/training/tasks.
#pragma once
#include <string>

#include "cuddle/datasets.h"

namespace cuddle::training {

bool has_column(const datasets::Dataset& ds, const std::string& column);
// An Error "<split>: the <what> column "<column>" does not exist (columns: ...)" unless
// the dataset has it.
void require_column(const datasets::Dataset& ds, const std::string& column, const std::string& split,
                    const char* what);

}  // namespace cuddle::training
