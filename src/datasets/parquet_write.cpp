// Parquet writer: one v1 data page per column chunk, PLAIN values, RLE definition and
// repetition levels, snappy / zstd / no compression, row groups of a fixed row count.
// Column shapes are the reader's: primitive columns (written OPTIONAL, with the logical
// types pyarrow writes) and lists of primitives in the LIST annotation's three-level form.
#include <snappy-c.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <zstd.h>

#include <cstring>

#include "io/atomic_file.h"
#include "cuddle/arrow.h"
#include "cuddle/error.h"
#include "parquet_types.h"

namespace cuddle::arrow {

namespace {

namespace pf = ::cuddle::parquet_format;

template <class T>
std::string thrift_bytes(const T& v) {
  auto buf = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  apache::thrift::protocol::TCompactProtocolT<apache::thrift::transport::TMemoryBuffer> proto(buf);
  v.write(&proto);
  return buf->getBufferAsString();
}

void put_u32(std::string& out, uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }

void put_uleb(std::string& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v) b |= 0x80;
    out += static_cast<char>(b);
  } while (v);
}

// Levels as RLE runs only (a valid RLE / bit-packed hybrid), with the 4-byte length prefix
// of v1 data pages.
void put_levels(std::string& out, const std::vector<uint8_t>& levels, int max_level) {
  std::string runs;
  for (size_t i = 0; i < levels.size();) {
    size_t j = i;
    while (j < levels.size() && levels[j] == levels[i]) ++j;
    put_uleb(runs, static_cast<uint64_t>(j - i) << 1);
    if (max_level > 0) runs += static_cast<char>(levels[i]);  // bit width <= 8: one byte
    i = j;
  }
  put_u32(out, static_cast<uint32_t>(runs.size()));
  out += runs;
}

// The physical type and annotations of a leaf of Arrow type `t`.
void describe_leaf(pf::SchemaElement& e, const DataType& t, const std::string& column) {
  auto integer = [&](int8_t bits, bool is_signed, pf::ConvertedType::type conv) {
    pf::IntType it;
    it.__set_bitWidth(bits);
    it.__set_isSigned(is_signed);
    pf::LogicalType lt;
    lt.__set_INTEGER(it);
    e.__set_logicalType(lt);
    e.__set_converted_type(conv);
  };
  switch (t.id) {
    case Type::Bool: e.__set_type(pf::Type::BOOLEAN); return;
    case Type::Int8: e.__set_type(pf::Type::INT32); integer(8, true, pf::ConvertedType::INT_8); return;
    case Type::Int16: e.__set_type(pf::Type::INT32); integer(16, true, pf::ConvertedType::INT_16); return;
    case Type::Int32: e.__set_type(pf::Type::INT32); return;
    case Type::UInt8: e.__set_type(pf::Type::INT32); integer(8, false, pf::ConvertedType::UINT_8); return;
    case Type::UInt16: e.__set_type(pf::Type::INT32); integer(16, false, pf::ConvertedType::UINT_16); return;
    case Type::UInt32: e.__set_type(pf::Type::INT32); integer(32, false, pf::ConvertedType::UINT_32); return;
    case Type::Int64: e.__set_type(pf::Type::INT64); return;
    case Type::UInt64: e.__set_type(pf::Type::INT64); integer(64, false, pf::ConvertedType::UINT_64); return;
    case Type::Float32: e.__set_type(pf::Type::FLOAT); return;
    case Type::Float64: e.__set_type(pf::Type::DOUBLE); return;
    case Type::String:
    case Type::LargeString: {
      e.__set_type(pf::Type::BYTE_ARRAY);
      pf::LogicalType lt;
      lt.__set_STRING(pf::StringType());
      e.__set_logicalType(lt);
      e.__set_converted_type(pf::ConvertedType::UTF8);
      return;
    }
    case Type::Binary:
    case Type::LargeBinary: e.__set_type(pf::Type::BYTE_ARRAY); return;
    case Type::Date32: {
      e.__set_type(pf::Type::INT32);
      pf::LogicalType lt;
      lt.__set_DATE(pf::DateType());
      e.__set_logicalType(lt);
      e.__set_converted_type(pf::ConvertedType::DATE);
      return;
    }
    case Type::Timestamp: {
      e.__set_type(pf::Type::INT64);
      pf::TimeUnit u;
      if (t.unit == TimeUnit::Milli) u.__set_MILLIS(pf::MilliSeconds());
      else if (t.unit == TimeUnit::Micro) u.__set_MICROS(pf::MicroSeconds());
      else if (t.unit == TimeUnit::Nano) u.__set_NANOS(pf::NanoSeconds());
      else throw ShapeError("Parquet writer: column '" + column + "': timestamps in seconds have no Parquet unit");
      pf::TimestampType ts;
      ts.__set_isAdjustedToUTC(!t.timezone.empty());
      ts.__set_unit(u);
      pf::LogicalType lt;
      lt.__set_TIMESTAMP(ts);
      e.__set_logicalType(lt);
      return;
    }
    default:
      throw ShapeError("Parquet writer: column '" + column + "' of type " + type_to_string(t) + " is not supported");
  }
}

// PLAIN bytes of value i of `a` (a primitive array); booleans go to `bits` instead.
void put_plain(std::string& out, std::vector<bool>& bits, const ArrayData& a, int64_t i) {
  switch (a.type->id) {
    case Type::Bool: bits.push_back(a.bool_value(i)); return;
    case Type::Int8: put_u32(out, static_cast<uint32_t>(static_cast<int32_t>(a.value<int8_t>(i)))); return;
    case Type::Int16: put_u32(out, static_cast<uint32_t>(static_cast<int32_t>(a.value<int16_t>(i)))); return;
    case Type::UInt8: put_u32(out, a.value<uint8_t>(i)); return;
    case Type::UInt16: put_u32(out, a.value<uint16_t>(i)); return;
    case Type::String: case Type::LargeString: case Type::Binary: case Type::LargeBinary: {
      std::string_view b = a.bytes(i);
      put_u32(out, static_cast<uint32_t>(b.size()));
      out.append(b.data(), b.size());
      return;
    }
    default: {  // 4- and 8-byte values are stored as they lie (little-endian)
      const int w = byte_width(a.type->id);
      out.append(reinterpret_cast<const char*>(a.values.data() + (a.offset + i) * w), static_cast<size_t>(w));
    }
  }
}

struct EncodedChunk {
  std::string page;       // page header + compressed body
  int64_t num_values = 0;  // level entries
  int64_t uncompressed = 0;
};

EncodedChunk encode_chunk(const ArrayData& a, bool is_list, int32_t codec) {
  std::vector<uint8_t> reps, defs;
  std::string values;
  std::vector<bool> bits;
  if (!is_list) {
    for (int64_t i = 0; i < a.length; ++i) {
      defs.push_back(a.is_valid(i));
      if (a.is_valid(i)) put_plain(values, bits, a, i);
    }
  } else {
    const ArrayData& items = *a.children[0];
    for (int64_t i = 0; i < a.length; ++i) {
      if (a.is_null(i)) {
        reps.push_back(0), defs.push_back(0);
        continue;
      }
      auto [b, e] = a.range(i);
      if (b == e) reps.push_back(0), defs.push_back(1);
      for (int64_t k = b; k < e; ++k) {
        reps.push_back(k == b ? 0 : 1);
        defs.push_back(items.is_valid(k) ? 3 : 2);
        if (items.is_valid(k)) put_plain(values, bits, items, k);
      }
    }
  }
  std::string body;
  if (is_list) put_levels(body, reps, 1);
  put_levels(body, defs, is_list ? 3 : 1);
  std::string packed((bits.size() + 7) / 8, '\0');
  for (size_t i = 0; i < bits.size(); ++i)
    if (bits[i]) packed[i / 8] = static_cast<char>(packed[i / 8] | (1 << (i % 8)));
  body += packed + values;

  std::string compressed;
  if (codec == pf::CompressionCodec::SNAPPY) {
    size_t n = snappy_max_compressed_length(body.size());
    compressed.resize(n);
    if (snappy_compress(body.data(), body.size(), compressed.data(), &n) != SNAPPY_OK)
      throw IoError("Parquet writer: snappy compression failed");
    compressed.resize(n);
  } else if (codec == pf::CompressionCodec::ZSTD) {
    compressed.resize(ZSTD_compressBound(body.size()));
    size_t n = ZSTD_compress(compressed.data(), compressed.size(), body.data(), body.size(), 3);
    if (ZSTD_isError(n)) throw IoError("Parquet writer: zstd compression failed");
    compressed.resize(n);
  } else {
    compressed = body;
  }
  if (body.size() > INT32_MAX || compressed.size() > INT32_MAX)
    throw ShapeError("Parquet writer: a column chunk over 2 GiB; write smaller row groups");
  pf::DataPageHeader dp;
  dp.__set_num_values(static_cast<int32_t>(defs.size()));
  dp.__set_encoding(pf::Encoding::PLAIN);
  dp.__set_definition_level_encoding(pf::Encoding::RLE);
  dp.__set_repetition_level_encoding(pf::Encoding::RLE);
  pf::PageHeader h;
  h.__set_type(pf::PageType::DATA_PAGE);
  h.__set_uncompressed_page_size(static_cast<int32_t>(body.size()));
  h.__set_compressed_page_size(static_cast<int32_t>(compressed.size()));
  h.__set_data_page_header(dp);
  std::string header = thrift_bytes(h);
  return EncodedChunk{header + compressed, static_cast<int64_t>(defs.size()),
                      static_cast<int64_t>(header.size() + body.size())};
}

}  // namespace

std::string serialize_parquet(const Table& t, const ParquetWriteOptions& options) {
  if (options.row_group_rows <= 0) throw ShapeError("Parquet writer: row_group_rows must be positive");
  const int32_t codec = options.codec == "snappy" ? pf::CompressionCodec::SNAPPY
                        : options.codec == "zstd" ? pf::CompressionCodec::ZSTD
                        : options.codec == "none" ? pf::CompressionCodec::UNCOMPRESSED
                                                  : -1;
  if (codec < 0) throw ShapeError("Parquet writer: codec '" + options.codec + "' (expected snappy, zstd or none)");
  pf::FileMetaData meta;
  std::vector<pf::SchemaElement> schema(1);
  schema[0].__set_name("schema");
  schema[0].__set_num_children(static_cast<int32_t>(t.schema.fields.size()));
  std::vector<bool> is_list;
  std::vector<size_t> leaf_of;  // each column's leaf element in `schema`
  for (const auto& f : t.schema.fields) {
    const DataType& type = *f.type;
    pf::SchemaElement top;
    top.__set_name(f.name);
    top.__set_repetition_type(pf::FieldRepetitionType::OPTIONAL);
    const bool list_col = type.id == Type::List || type.id == Type::LargeList;
    is_list.push_back(list_col);
    if (!list_col) {
      describe_leaf(top, type, f.name);
      leaf_of.push_back(schema.size());
      schema.push_back(top);
      continue;
    }
    top.__set_num_children(1);
    top.__set_converted_type(pf::ConvertedType::LIST);
    pf::LogicalType lt;
    lt.__set_LIST(pf::ListType());
    top.__set_logicalType(lt);
    pf::SchemaElement rep, element;
    rep.__set_name("list");
    rep.__set_repetition_type(pf::FieldRepetitionType::REPEATED);
    rep.__set_num_children(1);
    element.__set_name("element");
    element.__set_repetition_type(pf::FieldRepetitionType::OPTIONAL);
    describe_leaf(element, *type.children[0].type, f.name);
    schema.push_back(top);
    schema.push_back(rep);
    leaf_of.push_back(schema.size());
    schema.push_back(element);
  }
  std::string out = "PAR1";
  std::vector<pf::RowGroup> groups;
  for (int64_t b = 0; b < t.num_rows; b += options.row_group_rows) {
    const int64_t e = std::min(t.num_rows, b + options.row_group_rows);
    pf::RowGroup rg;
    std::vector<pf::ColumnChunk> chunks;
    int64_t group_bytes = 0;
    for (size_t c = 0; c < t.columns.size(); ++c) {
      ArrayPtr a = slice_to_array(t.columns[c], b, e);
      EncodedChunk enc = encode_chunk(*a, is_list[c], codec);
      pf::ColumnMetaData cm;
      cm.__set_type(schema[leaf_of[c]].type);
      cm.__set_encodings({pf::Encoding::PLAIN, pf::Encoding::RLE});
      cm.__set_path_in_schema(is_list[c] ? std::vector<std::string>{t.schema.fields[c].name, "list", "element"}
                                         : std::vector<std::string>{t.schema.fields[c].name});
      cm.__set_codec(codec);
      cm.__set_num_values(enc.num_values);
      cm.__set_total_uncompressed_size(enc.uncompressed);
      cm.__set_total_compressed_size(static_cast<int64_t>(enc.page.size()));
      cm.__set_data_page_offset(static_cast<int64_t>(out.size()));
      pf::ColumnChunk cc;
      cc.__set_file_offset(static_cast<int64_t>(out.size()));
      cc.__set_meta_data(cm);
      chunks.push_back(cc);
      out += enc.page;
      group_bytes += enc.uncompressed;
    }
    rg.__set_columns(chunks);
    rg.__set_total_byte_size(group_bytes);
    rg.__set_num_rows(e - b);
    groups.push_back(rg);
  }
  meta.__set_version(1);
  meta.__set_schema(schema);
  meta.__set_num_rows(t.num_rows);
  meta.__set_row_groups(groups);
  std::vector<pf::KeyValue> kvs;
  for (const auto& [k, v] : t.schema.metadata) {
    pf::KeyValue kv;
    kv.__set_key(k);
    kv.__set_value(v);
    kvs.push_back(kv);
  }
  if (!kvs.empty()) meta.__set_key_value_metadata(kvs);
  meta.__set_created_by("cuddle");
  std::string footer = thrift_bytes(meta);
  out += footer;
  put_u32(out, static_cast<uint32_t>(footer.size()));
  out += "PAR1";
  return out;
}

void write_parquet(const Table& t, const std::string& path, const ParquetWriteOptions& options) {
  io::write_file_atomic(path, serialize_parquet(t, options));
}

}  // namespace cuddle::arrow
