// CSV reader with datasets' results: datasets reads CSV through pandas.read_csv and
// converts with pyarrow, so the column types and nulls here are pandas' defaults.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "cuddle/datasets.h"
#include "cuddle/error.h"
#include "cuddle/mapped_file.h"

namespace cuddle::datasets {

namespace {

struct Record {
  std::vector<std::string> fields;
  int64_t line = 0;  // 1-based line where the record starts
};

// RFC 4180 records: quoted fields may hold delimiters, "" and line breaks; CRLF, LF and
// CR end records; blank lines are skipped (pandas' skip_blank_lines).
std::vector<Record> split_records(std::string_view s, char delim, const std::string& what) {
  std::vector<Record> out;
  size_t i = 0;
  int64_t line = 1;
  if (s.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // UTF-8 byte order mark
  while (i < s.size()) {
    Record r;
    r.line = line;
    std::string field;
    bool record_done = false, quoted = false;
    while (!record_done) {
      if (i < s.size() && s[i] == '"') {  // quoted field
        quoted = true;
        const int64_t open_line = line;
        ++i;
        for (;;) {
          if (i >= s.size())
            throw FormatError(what + ": line " + std::to_string(open_line) + ": a quoted field is never closed");
          char c = s[i++];
          if (c == '"') {
            if (i < s.size() && s[i] == '"') {
              field += '"';
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field += c;
        }
      }
      // Unquoted text (or text after a closing quote) up to the delimiter or line end.
      while (i < s.size() && s[i] != delim && s[i] != '\n' && s[i] != '\r') field += s[i++];
      r.fields.push_back(std::move(field));
      field.clear();
      if (i < s.size() && s[i] == delim) {
        ++i;
        continue;
      }
      if (i < s.size() && s[i] == '\r') ++i;
      if (i < s.size() && s[i] == '\n') ++i;
      ++line;
      record_done = true;
    }
    if (r.fields.size() == 1 && r.fields[0].empty() && !quoted) continue;  // blank line
    out.push_back(std::move(r));
  }
  return out;
}

bool is_na(std::string_view v) {
  // pandas' default na_values.
  static const std::set<std::string_view> na = {"",     "#N/A", "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN",
                                                "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",     "NA",       "NULL",
                                                "NaN",  "None", "n/a",      "nan",  "null"};
  return na.count(v) > 0;
}

std::optional<int64_t> parse_int(std::string_view v) {
  if (!v.empty() && v[0] == '+') v.remove_prefix(1);
  if (v.empty() || v[0] == '+') return std::nullopt;
  int64_t x;
  auto r = std::from_chars(v.data(), v.data() + v.size(), x);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size()) return std::nullopt;
  return x;
}

bool lower_equals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == y; });
}

std::optional<double> parse_float(std::string_view v) {
  std::string_view body = v;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (lower_equals(body, "inf") || lower_equals(body, "infinity")) return neg ? -INFINITY : INFINITY;
  // Decimal digits with an optional point and exponent; no hex, no "nan(...)".
  size_t i = 0, digits = 0;
  while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return std::nullopt;
  }
  if (i != body.size()) return std::nullopt;
  double x = 0;
  auto r = std::from_chars(body.data(), body.data() + body.size(), x);
  if (r.ec != std::errc() && r.ec != std::errc::result_out_of_range) return std::nullopt;
  return neg ? -x : x;
}

std::optional<bool> parse_bool(std::string_view v) {
  if (v == "True" || v == "true" || v == "TRUE") return true;
  if (v == "False" || v == "false" || v == "FALSE") return false;
  return std::nullopt;
}

// One column's values as pandas types them: int64 when every value is an integer and none
// is missing, double for numbers (ints with missing values included, and a column with
// nothing but missing values), bool, else string.
arrow::ArrayPtr build_column(const std::vector<Record>& rows, size_t c) {
  bool all_int = true, all_num = true, all_bool = true, any_na = false;
  for (const auto& r : rows) {
    std::string_view v = r.fields[c];
    if (is_na(v)) {
      any_na = true;
      continue;
    }
    bool i = parse_int(v).has_value();
    all_int &= i;
    all_num &= i || parse_float(v).has_value();
    all_bool &= parse_bool(v).has_value();
  }
  arrow::TypePtr type = all_int && !any_na ? arrow::int64()
                        : all_num           ? arrow::float64()
                        : all_bool          ? arrow::boolean()
                                            : arrow::utf8();
  arrow::ArrayBuilder b(type);
  for (const auto& r : rows) {
    std::string_view v = r.fields[c];
    if (is_na(v)) b.append_null();
    else if (type->id == arrow::Type::Int64) b.append_int(*parse_int(v));
    else if (type->id == arrow::Type::Float64) b.append_double(parse_int(v) ? static_cast<double>(*parse_int(v)) : *parse_float(v));
    else if (type->id == arrow::Type::Bool) b.append_bool(*parse_bool(v));
    else b.append_bytes(v);
  }
  return b.finish();
}

// pandas' header names: "Unnamed: i" for empty ones, ".1", ".2" suffixes for repeats.
std::vector<std::string> header_names(std::vector<std::string> names) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i].empty()) names[i] = "Unnamed: " + std::to_string(i);
  std::set<std::string> seen;
  for (auto& n : names) {
    std::string base = n;
    for (int k = 1; seen.count(n); ++k) n = base + "." + std::to_string(k);
    seen.insert(n);
  }
  return names;
}

}  // namespace

Dataset parse_csv(std::string_view text, const std::string& what, const CsvOptions& options) {
  std::vector<Record> records = split_records(text, options.delimiter, what);
  std::vector<std::string> names;
  size_t first = 0;
  if (options.header) {
    if (records.empty()) throw FormatError(what + ": no header row (the file is empty)");
    names = header_names(records[0].fields);
    first = 1;
  } else if (!options.column_names.empty()) {
    names = options.column_names;
  } else {
    for (size_t i = 0; i < (records.empty() ? 0 : records[0].fields.size()); ++i) names.push_back(std::to_string(i));
  }
  std::vector<Record> rows(std::make_move_iterator(records.begin() + static_cast<ptrdiff_t>(first)),
                           std::make_move_iterator(records.end()));
  for (const auto& r : rows)
    if (r.fields.size() != names.size())
      throw FormatError(what + ": line " + std::to_string(r.line) + ": expected " + std::to_string(names.size()) +
                        " fields, saw " + std::to_string(r.fields.size()));
  std::vector<arrow::Field> fields;
  std::vector<arrow::ArrayPtr> arrays;
  for (size_t c = 0; c < names.size(); ++c) {
    arrays.push_back(build_column(rows, c));
    fields.push_back(arrow::Field{names[c], arrays.back()->type, true, {}});
  }
  arrow::Table t = arrow::make_table(std::move(fields), std::move(arrays));
  t.num_rows = static_cast<int64_t>(rows.size());
  return Dataset(std::move(t));
}

Dataset read_csv(const std::string& path, const CsvOptions& options) {
  auto f = MappedFile::open(path);
  return parse_csv(std::string_view(reinterpret_cast<const char*>(f->data()), f->size()), path, options);
}

}  // namespace cuddle::datasets
