// Text writers: JSON Lines (datasets' to_json: one object a line) and CSV (to_csv without
// the index: header, minimal quoting, empty fields for nulls).
#include "io/atomic_file.h"
#include "cuddle/datasets.h"
#include "python_text.h"

namespace cuddle::datasets {

void write_json_lines(const Dataset& ds, const std::string& path) {
  std::string out;
  for (int64_t i = 0; i < ds.num_rows(); ++i) {
    out += ds.row(i).dump(-1, ' ', false, Json::error_handler_t::replace);
    out += '\n';
  }
  io::write_file_atomic(path, out);
}

namespace {

// QUOTE_MINIMAL: quoted only when holding the delimiter, a quote or a line break.
void append_csv_field(std::string& out, const std::string& v) {
  if (v.find_first_of(",\"\n\r") == std::string::npos) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

void write_csv(const Dataset& ds, const std::string& path) {
  std::string out;
  auto names = ds.column_names();
  for (size_t c = 0; c < names.size(); ++c) {
    if (c) out += ',';
    append_csv_field(out, names[c]);
  }
  out += '\n';
  for (int64_t i = 0; i < ds.num_rows(); ++i) {
    Json row = ds.row(i);
    size_t c = 0;
    for (const auto& [_, v] : row.items()) {
      if (c++) out += ',';
      if (v.is_null()) continue;
      std::string text = python_str(v);
      // A lone empty field would be a blank line, which readers skip: quote it, as
      // Python's csv module does.
      if (text.empty() && names.size() == 1) out += "\"\"";
      else append_csv_field(out, text);
    }
    out += '\n';
  }
  io::write_file_atomic(path, out);
}

}  // namespace cuddle::datasets
