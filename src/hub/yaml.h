// The YAML subset model-card front matter uses (docs/hub.md, "Card YAML subset"), read into
// and written from nlohmann::ordered_json so key order survives a round trip:
//   block mappings and block sequences (indentation by spaces, "- " items, including the
//   PyYAML style where a list under a key is not indented), flow sequences and flow mappings
//   ([a, b], {k: v}), plain / 'single' / "double" quoted scalars, null (~, null, empty),
//   booleans (true/false/yes/no/on/off, any case), integers and floats, '#' comments, and
//   literal / folded block scalars (| and >, with - / + chomping).
// Not supported (FormatError naming the line): anchors and aliases, tags (!!), multi-document
// streams, complex keys (?), tabs in indentation.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace cuddle::hub {

// Throws FormatError (line number and reason) for anything outside the subset. Nesting is
// limited to 64 levels.
nlohmann::ordered_json yaml_parse(const std::string& text);
// Block style as PyYAML's safe_dump(sort_keys=False, allow_unicode=True) writes it.
std::string yaml_emit(const nlohmann::ordered_json& value);

}  // namespace cuddle::hub
