// Arrays, columns and tables: element access, validation of arrays read from files, and
// the row-level kernels (take, slice, concatenation) that every dataset operation uses.
#include <limits>
#include <algorithm>

#include "cuddle/arrow.h"
#include "cuddle/error.h"

namespace cuddle::arrow {

Buffer Buffer::from_vector(std::vector<uint8_t> bytes) {
  auto owner = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  return Buffer(owner->data(), owner->size(), owner);
}

Buffer Buffer::copy_of(const uint8_t* data, size_t size) {
  return from_vector(std::vector<uint8_t>(data, data + size));
}

std::pair<int64_t, int64_t> ArrayData::range(int64_t i) const {
  if (type->id == Type::FixedSizeList) {
    int64_t n = type->list_size;
    return {(offset + i) * n, (offset + i + 1) * n};
  }
  if (has_64bit_offsets(type->id)) return {value<int64_t>(i), value<int64_t>(i + 1)};
  return {value<int32_t>(i), value<int32_t>(i + 1)};
}

std::string_view ArrayData::bytes(int64_t i) const {
  auto [b, e] = range(i);
  return {reinterpret_cast<const char*>(data.data()) + b, static_cast<size_t>(e - b)};
}

namespace {

[[noreturn]] void invalid(const std::string& where, const std::string& path, const std::string& what) {
  throw FormatError(where + ": column '" + path + "': " + what);
}

void validate_at(const ArrayData& a, const std::string& where, const std::string& path) {
  if (a.length < 0 || a.offset < 0 || a.null_count < 0 || a.null_count > a.length)
    invalid(where, path, "negative or inconsistent length / offset / null count");
  if (a.length > std::numeric_limits<int64_t>::max() - a.offset) invalid(where, path, "length overflows");
  const int64_t end = a.offset + a.length;
  // Bytes for `end` bits, without the overflow of (end + 7) / 8 near INT64_MAX.
  const int64_t bitmap_bytes = end / 8 + (end % 8 != 0);
  if (a.type->id == Type::Null) return;
  if (!a.validity.empty() && static_cast<int64_t>(a.validity.size()) < bitmap_bytes)
    invalid(where, path, "validity bitmap of " + std::to_string(a.validity.size()) + " bytes is too short for " +
                             std::to_string(end) + " values");
  if (a.validity.empty() && a.null_count != 0) invalid(where, path, "null count without a validity bitmap");
  const Type id = a.type->id;
  auto need_values = [&](int64_t bytes) {
    if (static_cast<int64_t>(a.values.size()) < bytes)
      invalid(where, path, "values buffer of " + std::to_string(a.values.size()) + " bytes, " +
                               std::to_string(bytes) + " needed");
  };
  if (id == Type::Bool) {
    need_values(bitmap_bytes);
  } else if (int w = byte_width(id)) {
    if (end > (int64_t{1} << 60) / w) invalid(where, path, "length overflows");
    need_values(end * w);
  } else if (is_string_like(id) || id == Type::List || id == Type::LargeList) {
    const int64_t w = has_64bit_offsets(id) ? 8 : 4;
    if (a.length == 0 && a.values.empty()) {
      // Writers may omit the offsets of an empty array.
    } else {
      if (end > (int64_t{1} << 60) / w) invalid(where, path, "length overflows");
      need_values((end + 1) * w);
      int64_t prev = w == 8 ? a.value<int64_t>(0) : a.value<int32_t>(0);
      if (prev < 0) invalid(where, path, "negative offset");
      for (int64_t i = 1; i <= a.length; ++i) {
        int64_t cur = w == 8 ? a.value<int64_t>(i) : a.value<int32_t>(i);
        if (cur < prev) invalid(where, path, "offsets decrease at value " + std::to_string(i));
        prev = cur;
      }
      int64_t limit = is_string_like(id) ? static_cast<int64_t>(a.data.size())
                                         : (a.children.empty() ? -1 : a.children[0]->length);
      if (prev > limit)
        invalid(where, path, "offset " + std::to_string(prev) + " beyond the " + std::to_string(limit) +
                                 (is_string_like(id) ? " data bytes" : " child values"));
    }
  }
  if (is_list_like(id)) {
    if (a.children.size() != 1) invalid(where, path, "list without exactly one child");
    if (id == Type::FixedSizeList) {
      if (a.type->list_size < 0) invalid(where, path, "negative list size");
      if (a.children[0]->length < end * a.type->list_size) invalid(where, path, "child shorter than list size x length");
    }
    validate_at(*a.children[0], where, path + "." + a.type->children[0].name);
  } else if (id == Type::Struct) {
    if (a.children.size() != a.type->children.size()) invalid(where, path, "struct child count differs from its type");
    for (size_t k = 0; k < a.children.size(); ++k) {
      if (a.children[k]->length < end) invalid(where, path, "struct child shorter than the struct");
      validate_at(*a.children[k], where, path + "." + a.type->children[k].name);
    }
  }
}

}  // namespace

void validate(const ArrayData& a, const std::string& where) { validate_at(a, where, "<root>"); }

int64_t Column::length() const {
  int64_t n = 0;
  for (const auto& c : chunks) n += c->length;
  return n;
}

std::pair<const ArrayData*, int64_t> Column::locate(int64_t row) const {
  for (const auto& c : chunks) {
    if (row < c->length) return {c.get(), row};
    row -= c->length;
  }
  throw ShapeError("row " + std::to_string(row) + " past the end of the column");
}

const Column& Table::column(std::string_view name) const {
  int i = schema.index_of(name);
  if (i < 0) {
    std::string names;
    for (const auto& f : schema.fields) names += (names.empty() ? "" : ", ") + f.name;
    throw ShapeError("column '" + std::string(name) + "' not found; the table has: " + names);
  }
  return columns[static_cast<size_t>(i)];
}

ArrayPtr take(const Column& col, const std::vector<int64_t>& indices) {
  ArrayBuilder b(col.type);
  // Chunk start rows, so each index finds its chunk by binary search.
  std::vector<int64_t> starts;
  int64_t n = 0;
  for (const auto& c : col.chunks) {
    starts.push_back(n);
    n += c->length;
  }
  for (int64_t row : indices) {
    if (row < 0 || row >= n) throw ShapeError("take: row " + std::to_string(row) + " out of range for " + std::to_string(n) + " rows");
    size_t k = static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), row) - starts.begin() - 1);
    b.append_from(*col.chunks[k], row - starts[k]);
  }
  return b.finish();
}

ArrayPtr slice_to_array(const Column& col, int64_t begin, int64_t end) {
  std::vector<int64_t> idx(static_cast<size_t>(std::max<int64_t>(0, end - begin)));
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = begin + static_cast<int64_t>(i);
  return take(col, idx);
}

Table take_rows(const Table& t, const std::vector<int64_t>& indices) {
  Table out;
  out.schema = t.schema;
  out.num_rows = static_cast<int64_t>(indices.size());
  for (const auto& c : t.columns) out.columns.push_back(Column{c.type, {take(c, indices)}});
  return out;
}

Table slice_rows(const Table& t, int64_t begin, int64_t end) {
  begin = std::clamp<int64_t>(begin, 0, t.num_rows);
  end = std::clamp<int64_t>(end, begin, t.num_rows);
  Table out;
  out.schema = t.schema;
  out.num_rows = end - begin;
  for (const auto& c : t.columns) {
    Column col{c.type, {}};
    int64_t start = 0;
    for (const auto& chunk : c.chunks) {
      int64_t lo = std::max(begin, start), hi = std::min(end, start + chunk->length);
      if (lo < hi) {
        auto s = std::make_shared<ArrayData>(*chunk);
        s->offset = chunk->offset + (lo - start);
        s->length = hi - lo;
        // The exact null count of a slice would need a bitmap scan; only "none" is known.
        if (chunk->null_count != 0) {
          int64_t nulls = 0;
          for (int64_t i = 0; i < s->length; ++i) nulls += s->is_null(i);
          s->null_count = nulls;
        }
        col.chunks.push_back(std::move(s));
      }
      start += chunk->length;
    }
    out.columns.push_back(std::move(col));
  }
  return out;
}

Table concat_tables(const std::vector<Table>& tables) {
  if (tables.empty()) return {};
  Table out;
  out.schema = tables[0].schema;
  out.columns.resize(tables[0].columns.size());
  for (size_t c = 0; c < out.columns.size(); ++c) out.columns[c].type = tables[0].columns[c].type;
  for (size_t k = 0; k < tables.size(); ++k) {
    const Table& t = tables[k];
    bool same = t.schema.fields.size() == out.schema.fields.size();
    for (size_t c = 0; same && c < t.schema.fields.size(); ++c)
      same = t.schema.fields[c].name == out.schema.fields[c].name &&
             type_equals(*t.schema.fields[c].type, *out.schema.fields[c].type);
    if (!same)
      throw ShapeError("concatenate: table " + std::to_string(k) + " has different columns or types than table 0");
    for (size_t c = 0; c < t.columns.size(); ++c)
      for (const auto& chunk : t.columns[c].chunks) out.columns[c].chunks.push_back(chunk);
    out.num_rows += t.num_rows;
  }
  return out;
}

Table make_table(std::vector<Field> fields, std::vector<ArrayPtr> arrays, KeyValues metadata) {
  if (fields.size() != arrays.size()) throw ShapeError("make_table: fields and arrays differ in number");
  Table t;
  t.num_rows = arrays.empty() ? 0 : arrays[0]->length;
  for (size_t i = 0; i < arrays.size(); ++i) {
    if (arrays[i]->length != t.num_rows)
      throw ShapeError("make_table: column '" + fields[i].name + "' has " + std::to_string(arrays[i]->length) +
                       " rows, expected " + std::to_string(t.num_rows));
    t.columns.push_back(Column{fields[i].type, {arrays[i]}});
  }
  t.schema.fields = std::move(fields);
  t.schema.metadata = std::move(metadata);
  return t;
}

}  // namespace cuddle::arrow
