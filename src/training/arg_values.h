// Argument values by name as a command line or a JSON config gives them (a JSON value, or
// text already turned into one): the parsing TrainingArguments and the example scripts'
// TaskArguments share. Each throws Error "argument NAME: VALUE is not ..." naming the field.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cuddle::training {

bool to_bool(const nlohmann::json& v, const std::string& name);  // also "true"/"True"/"1" text
double to_double(const nlohmann::json& v, const std::string& name);  // also numeric text
int64_t to_int(const nlohmann::json& v, const std::string& name);    // a whole number
std::string to_string(const nlohmann::json& v, const std::string& name);  // null: ""
// A JSON list, or text with commas ("a,b"); null: empty.
std::vector<std::string> to_list(const nlohmann::json& v, const std::string& name);

}  // namespace cuddle::training
