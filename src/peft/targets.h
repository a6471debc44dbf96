// Which modules of a model an adapter config selects, by peft's matching rules.
#pragma once
#include <string>
#include <vector>

#include "cuddle/models.h"
#include "cuddle/peft.h"

namespace cuddle::peft {

// The modules (path, module) `config` selects in `model`, in named_modules order, whatever
// their type ("all-linear": the Linear and Conv1D ones). Throws Error when target_modules
// matches none, listing some Linear paths the model has.
std::vector<std::pair<std::string, nn::Module*>> target_modules(PreTrainedModel& model, const LoraConfig& config);

// peft's modules_to_save matching: the path equals a name or ends with "." + name.
bool is_module_to_save(const std::string& path, const std::vector<std::string>& names);


}  // namespace cuddle::peft
