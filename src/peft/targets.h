// Which modules of a model an adapter config selects, by peft's matching rules.
#pragma once
#include <string>
#include <vector>

#include "cuddle/models.h"
#include "cuddle/peft.h"

namespace cuddle::peft {

// Paths of the Linear modules `config` adapts in `model` (named_modules order). Throws
// Error when target_modules matches none, listing some Linear paths the model has.
std::vector<std::string> target_linear_paths(PreTrainedModel& model, const LoraConfig& config);

// peft's modules_to_save matching: the path equals a name or ends with "." + name.
bool is_module_to_save(const std::string& path, const std::vector<std::string>& names);


}  // namespace cuddle::peft
