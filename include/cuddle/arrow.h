// Columnar tables on the Apache Arrow memory layout (docs/datasets.md): every array is a
// validity bitmap, offsets for variable-size values and lists, and typed value buffers,
// exactly as Arrow lays them out, so IPC files map straight into arrays and a Parquet
// reader can fill the same buffers. Buffers are shared: an array read from a file points
// into the file's mapping and keeps it alive.
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cuddle {
class MappedFile;
}

namespace cuddle::arrow {

// Row values: JSON objects keep their keys in insertion order, as Python dicts do (column
// and struct field order follow first appearance, as in datasets).
using Json = nlohmann::ordered_json;

// The Arrow logical types cuddle holds. Dictionary, union, decimal, map and time-of-day
// are not held (readers refuse them by name).
enum class Type : uint8_t {
  Null, Bool, Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64,
  Float16, Float32, Float64, String, LargeString, Binary, LargeBinary,
  Date32, Date64, Timestamp, List, LargeList, FixedSizeList, Struct,
};
enum class TimeUnit : uint8_t { Second, Milli, Micro, Nano };

struct DataType;
using TypePtr = std::shared_ptr<const DataType>;
using KeyValues = std::vector<std::pair<std::string, std::string>>;

struct Field {
  std::string name;
  TypePtr type;
  bool nullable = true;
  KeyValues metadata;
};

struct DataType {
  Type id = Type::Null;
  TimeUnit unit = TimeUnit::Second;  // Timestamp
  std::string timezone;              // Timestamp; empty: naive
  int32_t list_size = 0;             // FixedSizeList
  std::vector<Field> children;       // lists: one ("item"), struct: its fields
};

TypePtr null_type();
TypePtr boolean();
TypePtr int8();
TypePtr int16();
TypePtr int32();
TypePtr int64();
TypePtr uint8();
TypePtr uint16();
TypePtr uint32();
TypePtr uint64();
TypePtr float16();
TypePtr float32();
TypePtr float64();
TypePtr utf8();
TypePtr large_utf8();
TypePtr binary();
TypePtr large_binary();
TypePtr date32();
TypePtr date64();
TypePtr timestamp(TimeUnit unit, std::string timezone = "");
TypePtr primitive(Type id);  // any type without parameters or children
TypePtr list(TypePtr item);
TypePtr large_list(TypePtr item);
TypePtr fixed_size_list(TypePtr item, int32_t size);
TypePtr struct_(std::vector<Field> fields);

bool type_equals(const DataType& a, const DataType& b);
// pyarrow's spelling: "int64", "string", "list<item: int32>", "struct<a: int64>",
// "timestamp[us, tz=UTC]".
std::string type_to_string(const DataType& t);
// Bytes per value of a fixed-width type (Bool: 0, it is bit-packed; others: 0).
int byte_width(Type id);
bool is_integer(Type id);
bool is_floating(Type id);
bool is_string_like(Type id);  // String, LargeString, Binary, LargeBinary
bool is_list_like(Type id);    // List, LargeList, FixedSizeList
bool has_64bit_offsets(Type id);

// A byte range that keeps what owns it alive (a vector, a file mapping, ...).
class Buffer {
 public:
  Buffer() = default;
  Buffer(const uint8_t* data, size_t size, std::shared_ptr<const void> owner)
      : data_(data), size_(size), owner_(std::move(owner)) {}
  static Buffer from_vector(std::vector<uint8_t> bytes);
  static Buffer copy_of(const uint8_t* data, size_t size);
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  template <class T>
  const T* as() const { return reinterpret_cast<const T*>(data_); }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::shared_ptr<const void> owner_;
};

inline bool bit_is_set(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

struct ArrayData;
using ArrayPtr = std::shared_ptr<const ArrayData>;

// One Arrow array. `offset` shifts every index into its own buffers (a zero-copy slice);
// children carry their own offsets. Buffers by type:
//   fixed width / Bool:           validity, values
//   String/Binary (Large*):       validity, offsets (int32 / int64), data
//   List/LargeList:               validity, offsets; children[0] the items
//   FixedSizeList, Struct:        validity; children
//   Null:                         none
// An empty validity buffer means no nulls.
struct ArrayData {
  TypePtr type;
  int64_t length = 0;
  int64_t null_count = 0;
  int64_t offset = 0;
  Buffer validity;
  Buffer values;
  Buffer data;
  std::vector<ArrayPtr> children;

  bool is_valid(int64_t i) const {
    if (type->id == Type::Null) return false;
    return validity.empty() || bit_is_set(validity.data(), offset + i);
  }
  bool is_null(int64_t i) const { return !is_valid(i); }
  template <class T>
  T value(int64_t i) const {  // fixed width, host (little-endian) order
    T v;
    std::memcpy(&v, values.data() + (offset + i) * sizeof(T), sizeof(T));
    return v;
  }
  bool bool_value(int64_t i) const { return bit_is_set(values.data(), offset + i); }
  // [begin, end) of value i in data (strings) or in children[0] (lists).
  std::pair<int64_t, int64_t> range(int64_t i) const;
  std::string_view bytes(int64_t i) const;  // String / Binary value i
};

// Checks every length, offset and buffer size against the type (offsets monotone and
// inside their data, bitmaps long enough, children long enough). Throws FormatError
// naming `where` and the column path: arrays read from files go through it before use.
void validate(const ArrayData& a, const std::string& where);

// A column: one logical array split into chunks (record batches) of the same type.
struct Column {
  TypePtr type;
  std::vector<ArrayPtr> chunks;
  int64_t length() const;
  // Chunk and index inside it of logical row `row` (0 <= row < length()).
  std::pair<const ArrayData*, int64_t> locate(int64_t row) const;
};

struct Schema {
  std::vector<Field> fields;
  KeyValues metadata;
  int index_of(std::string_view name) const;  // -1 when absent
  const std::string* metadata_value(std::string_view key) const;
};

struct Table {
  Schema schema;
  std::vector<Column> columns;
  int64_t num_rows = 0;
  int num_columns() const { return static_cast<int>(columns.size()); }
  // The column named `name`; throws ShapeError listing the table's columns when absent.
  const Column& column(std::string_view name) const;
};

// Builds one array of `type` value by value. append_json accepts what datasets / pyarrow
// accept for that type from Python values (ints for floats, numbers for bools not).
class ArrayBuilder {
 public:
  explicit ArrayBuilder(TypePtr type);
  ~ArrayBuilder();
  ArrayBuilder(ArrayBuilder&&) noexcept;
  const TypePtr& type() const { return type_; }
  int64_t length() const { return length_; }

  void append_null();
  void append_bool(bool v);
  void append_int(int64_t v);     // integer, float, date, timestamp types
  void append_uint(uint64_t v);   // unsigned integer types
  void append_double(double v);   // float types
  void append_bytes(std::string_view v);  // String / Binary types
  // Throws ShapeError saying which value did not fit the type.
  void append_json(const Json& v);
  // Appends element i of `src`, which must have the same type.
  void append_from(const ArrayData& src, int64_t i);
  ArrayPtr finish();

 private:
  void set_valid(bool valid);
  template <class T>
  void push(T v);
  void end_list();
  TypePtr type_;
  int64_t length_ = 0, null_count_ = 0;
  std::vector<uint8_t> validity_, values_, data_;
  std::vector<std::unique_ptr<ArrayBuilder>> children_;
};

// Value i of `a` as JSON the way datasets returns Python values: numbers, strings,
// lists, objects for structs, null; binary as an array of byte values; dates and
// timestamps as ISO 8601 strings.
Json value_to_json(const ArrayData& a, int64_t i);
// The Arrow type pyarrow infers for these Python-like values (pa.array(list)): ints ->
// int64, any float -> double, str -> string, bool, lists -> list<..>, objects -> struct,
// all null -> null.
TypePtr infer_type(const std::vector<const Json*>& values);

// One array of `values` (JSON as value_to_json gives them) of `type`, or of the type
// infer_type gives when `type` is null. Throws ShapeError naming the value that does not fit.
ArrayPtr array_from_json(const std::vector<const Json*>& values, TypePtr type = nullptr);

// Rows `indices` of `col` gathered into one new array (take); indices must be in range.
ArrayPtr take(const Column& col, const std::vector<int64_t>& indices);
// Rows [begin, end) of `col` as one array.
ArrayPtr slice_to_array(const Column& col, int64_t begin, int64_t end);
// The table's rows `indices`, each column one chunk.
Table take_rows(const Table& t, const std::vector<int64_t>& indices);
// Rows [begin, end) without copying: chunks are sliced (offsets), buffers shared.
Table slice_rows(const Table& t, int64_t begin, int64_t end);
// Tables with equal schemas (names and types) one after another; chunks are shared.
Table concat_tables(const std::vector<Table>& tables);
// A table from named arrays of equal length.
Table make_table(std::vector<Field> fields, std::vector<ArrayPtr> arrays, KeyValues metadata = {});

// Arrow IPC (docs/datasets.md). Readers map the file: array buffers point into the mapping.
// Both throw FormatError naming the file and the message / column that is wrong.
Table read_ipc_stream_file(const std::string& path);
Table read_ipc_file(const std::string& path);
// Either format, told apart by the "ARROW1" magic.
Table read_ipc(const std::string& path);
// Reads IPC bytes held in memory (the fuzz target's entry); `what` names them in errors.
Table read_ipc_bytes(std::shared_ptr<const void> owner, const uint8_t* data, size_t size, const std::string& what);
// Writers write a temporary file and rename it. Record batches hold at most
// `max_batch_rows` rows.
void write_ipc_stream(const Table& t, const std::string& path, int64_t max_batch_rows = 1000);
void write_ipc_file(const Table& t, const std::string& path, int64_t max_batch_rows = 1000);
// The stream format's bytes.
std::string serialize_ipc_stream(const Table& t, int64_t max_batch_rows = 1000);

// Parquet (docs/datasets.md): PLAIN, dictionary and RLE encodings; v1 and v2 data pages;
// no / snappy / gzip / zstd / lz4_raw / brotli compression; required and optional
// primitive columns and lists of primitives; one chunk per row group. Values are copied
// into new buffers. Throws FormatError naming the file, row group, column and page.
Table read_parquet(const std::string& path);
Table read_parquet_bytes(const uint8_t* data, size_t size, const std::string& what);
// Parquet writing: PLAIN values, RLE levels, one v1 data page per column chunk; the
// reader's column shapes (primitive columns, lists of primitives; ShapeError for others)
// with pyarrow's logical types; the schema metadata as key/value metadata. Atomic.
struct ParquetWriteOptions {
  std::string codec = "snappy";  // "snappy", "zstd" or "none"
  int64_t row_group_rows = int64_t{1} << 20;
};
std::string serialize_parquet(const Table& t, const ParquetWriteOptions& options = {});
void write_parquet(const Table& t, const std::string& path, const ParquetWriteOptions& options = {});

}  // namespace cuddle::arrow
