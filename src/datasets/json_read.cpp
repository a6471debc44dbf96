// JSON reader: JSON Lines (datasets' json builder through pyarrow.json) or a single JSON
// array of objects. Rows become columns with Dataset::from_rows' inference.
#include "cuddle/datasets.h"
#include "cuddle/error.h"
#include "cuddle/mapped_file.h"

namespace cuddle::datasets {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::vector<Json> parse_lines(std::string_view text, const std::string& what) {
  std::vector<Json> rows;
  size_t pos = 0;
  int64_t line = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (std::all_of(l.begin(), l.end(), is_space)) continue;
    Json j = Json::parse(l, nullptr, false);
    if (j.is_discarded()) throw FormatError(what + ": line " + std::to_string(line) + ": not valid JSON");
    if (!j.is_object())
      throw FormatError(what + ": line " + std::to_string(line) + ": a JSON Lines row must be an object, got " +
                        std::string(j.type_name()));
    rows.push_back(std::move(j));
  }
  return rows;
}

}  // namespace

Dataset parse_json(std::string_view text, const std::string& what) {
  size_t first = 0;
  while (first < text.size() && is_space(text[first])) ++first;
  std::vector<Json> rows;
  if (first < text.size() && text[first] == '[') {
    Json j = Json::parse(text, nullptr, false);
    if (j.is_discarded()) throw FormatError(what + ": not valid JSON (a file starting with '[' is read as one array)");
    for (size_t r = 0; r < j.size(); ++r) {
      if (!j[r].is_object())
        throw FormatError(what + ": element " + std::to_string(r) + " of the array is " + std::string(j[r].type_name()) +
                          ", not an object");
      rows.push_back(std::move(j[r]));
    }
  } else {
    rows = parse_lines(text, what);
  }
  try {
    return Dataset::from_rows(rows);
  } catch (const ShapeError& e) {
    throw FormatError(what + ": " + e.what());
  }
}

Dataset read_json(const std::string& path) {
  auto f = MappedFile::open(path);
  return parse_json(std::string_view(reinterpret_cast<const char*>(f->data()), f->size()), path);
}

}  // namespace cuddle::datasets
