// Parquet reader: the footer's FileMetaData (Thrift compact protocol, generated from
// thrift/parquet.thrift), column chunks page by page (v1 and v2 data pages, dictionary
// pages, every codec of parquet_decompress), definition / repetition levels into Arrow
// validity bitmaps and list offsets. Column shapes: primitive columns (required or
// optional) and lists of primitives (the LIST annotation's three-level form and the legacy
// repeated primitive). Arrow types come from the ARROW:schema metadata pyarrow writes when
// it fits the Parquet types, else from the Parquet logical types.
#include <cstring>

#include "cuddle/arrow.h"
#include "cuddle/error.h"
#include "cuddle/mapped_file.h"
#include "parquet_decompress.h"
#include "parquet_encoding.h"
#include "parquet_types.h"
#include "thrift_reader.h"

namespace cuddle::arrow {

namespace {

namespace pf = ::cuddle::parquet_format;
using parquet_detail::ByteRange;

std::string encoding_name(int32_t e) {
  auto it = pf::_Encoding_VALUES_TO_NAMES.find(e);
  return it == pf::_Encoding_VALUES_TO_NAMES.end() ? std::to_string(e) : it->second;
}

// How one top-level column sits in the Parquet schema.
struct ColumnShape {
  std::string name;
  const pf::SchemaElement* leaf = nullptr;
  bool nullable = true;  // the top-level field
  bool is_list = false;
  int list_def = 0;  // list: def level at which the list is present (not null)
  int item_def = 0;  // list: def level at which an item slot exists
  int max_def = 0;   // def level of a present (non-null) value
  int max_rep = 0;
  TypePtr type;      // the column's Arrow type
};

bool is_optional(const pf::SchemaElement& e) {
  return e.__isset.repetition_type && e.repetition_type == pf::FieldRepetitionType::OPTIONAL;
}
bool is_repeated(const pf::SchemaElement& e) {
  return e.__isset.repetition_type && e.repetition_type == pf::FieldRepetitionType::REPEATED;
}
bool is_group(const pf::SchemaElement& e) { return e.__isset.num_children && e.num_children > 0; }
bool is_list_group(const pf::SchemaElement& e) {
  return (e.__isset.converted_type && e.converted_type == pf::ConvertedType::LIST) ||
         (e.__isset.logicalType && e.logicalType.__isset.LIST);
}

TimeUnit unit_of(const pf::TimeUnit& u) {
  if (u.__isset.MILLIS) return TimeUnit::Milli;
  if (u.__isset.NANOS) return TimeUnit::Nano;
  return TimeUnit::Micro;
}

// The Arrow type of a leaf from its physical and logical / converted types.
TypePtr leaf_type(const pf::SchemaElement& e, const std::string& where) {
  const bool has_logical = e.__isset.logicalType;
  const auto& lt = e.logicalType;
  const bool has_conv = e.__isset.converted_type;
  const auto conv = e.converted_type;
  if (!e.__isset.type) throw FormatError(where + ": leaf without a physical type");
  switch (e.type) {
    case pf::Type::BOOLEAN: return boolean();
    case pf::Type::INT32: {
      int bits = 32;
      bool is_signed = true;
      if (has_logical && lt.__isset.INTEGER) {
        bits = lt.INTEGER.bitWidth;
        is_signed = lt.INTEGER.isSigned;
      } else if (has_conv && conv >= pf::ConvertedType::UINT_8 && conv <= pf::ConvertedType::INT_32) {
        static const int widths[] = {8, 16, 32, 64, 8, 16, 32};
        bits = widths[conv - pf::ConvertedType::UINT_8];
        is_signed = conv >= pf::ConvertedType::INT_8;
      }
      if ((has_logical && lt.__isset.DATE) || (has_conv && conv == pf::ConvertedType::DATE)) return date32();
      if (bits == 8) return is_signed ? int8() : uint8();
      if (bits == 16) return is_signed ? int16() : uint16();
      return is_signed ? int32() : uint32();
    }
    case pf::Type::INT64:
      if (has_logical && lt.__isset.TIMESTAMP)
        return timestamp(unit_of(lt.TIMESTAMP.unit), lt.TIMESTAMP.isAdjustedToUTC ? "UTC" : "");
      if (has_conv && conv == pf::ConvertedType::TIMESTAMP_MILLIS) return timestamp(TimeUnit::Milli, "UTC");
      if (has_conv && conv == pf::ConvertedType::TIMESTAMP_MICROS) return timestamp(TimeUnit::Micro, "UTC");
      if ((has_logical && lt.__isset.INTEGER && !lt.INTEGER.isSigned) || (has_conv && conv == pf::ConvertedType::UINT_64))
        return uint64();
      return int64();
    case pf::Type::FLOAT: return float32();
    case pf::Type::DOUBLE: return float64();
    case pf::Type::BYTE_ARRAY:
      if ((has_logical && (lt.__isset.STRING || lt.__isset.JSON || lt.__isset.ENUM)) ||
          (has_conv && (conv == pf::ConvertedType::UTF8 || conv == pf::ConvertedType::JSON || conv == pf::ConvertedType::ENUM)))
        return utf8();
      return binary();
    case pf::Type::FIXED_LEN_BYTE_ARRAY: return binary();
    case pf::Type::INT96: throw FormatError(where + ": INT96 columns (legacy timestamps) are not supported");
    default: throw FormatError(where + ": unknown physical type " + std::to_string(e.type));
  }
}

// Whether a stored Arrow type (ARROW:schema) holds what the Parquet leaf decodes to.
bool fits_physical(const DataType& t, const DataType& derived, int32_t physical) {
  switch (physical) {
    case pf::Type::BOOLEAN: return t.id == Type::Bool;
    case pf::Type::INT32: return (is_integer(t.id) && byte_width(t.id) <= 4) || t.id == Type::Date32;
    case pf::Type::INT64:
      if (t.id == Type::Timestamp) return derived.id == Type::Timestamp && derived.unit == t.unit;
      return t.id == Type::Int64 || t.id == Type::UInt64;
    case pf::Type::FLOAT: return t.id == Type::Float32;
    case pf::Type::DOUBLE: return t.id == Type::Float64;
    case pf::Type::BYTE_ARRAY:
    case pf::Type::FIXED_LEN_BYTE_ARRAY: return is_string_like(t.id);
    default: return false;
  }
}

// The column's type: the stored Arrow field's when it fits, else the derived one.
TypePtr choose_type(const ColumnShape& c, TypePtr item, const Field* stored) {
  TypePtr derived = c.is_list ? list(item) : item;
  if (!stored || stored->name != c.name) return derived;
  const DataType& s = *stored->type;
  if (!c.is_list) return fits_physical(s, *item, c.leaf->type) ? stored->type : derived;
  if ((s.id == Type::List || s.id == Type::LargeList) && fits_physical(*s.children[0].type, *item, c.leaf->type))
    return stored->type;
  return derived;
}

// Walks the flattened schema (depth-first, num_children) into top-level column shapes.
std::vector<ColumnShape> read_shapes(const pf::FileMetaData& meta, const Schema* stored, const std::string& what) {
  const auto& els = meta.schema;
  if (els.empty() || !is_group(els[0])) throw FormatError(what + ": the schema has no root group");
  std::vector<ColumnShape> out;
  size_t i = 1;
  for (int32_t k = 0; k < els[0].num_children; ++k) {
    if (i >= els.size()) throw FormatError(what + ": the schema lists fewer elements than its root has children");
    const pf::SchemaElement& top = els[i++];
    ColumnShape c;
    c.name = top.name;
    const std::string where = what + ": column '" + c.name + "'";
    if (!is_group(top)) {
      c.leaf = &top;
      if (is_repeated(top)) {  // legacy list: a repeated primitive
        c.is_list = true;
        c.nullable = false;
        c.list_def = 0, c.item_def = 1, c.max_def = 1, c.max_rep = 1;
      } else {
        c.nullable = is_optional(top);
        c.max_def = c.nullable ? 1 : 0;
      }
    } else {
      if (!is_list_group(top) || top.num_children != 1 || i >= els.size() || !is_repeated(els[i]))
        throw FormatError(where + ": nested groups other than a list of primitives (structs, maps, nested lists) are not supported");
      const pf::SchemaElement& rep = els[i++];
      const pf::SchemaElement* element = &rep;
      bool element_optional = false;
      if (is_group(rep)) {
        if (rep.num_children != 1 || i >= els.size() || is_group(els[i]))
          throw FormatError(where + ": a list whose items are not primitives is not supported");
        element = &els[i++];
        element_optional = is_optional(*element);
      }
      c.leaf = element;
      c.is_list = true;
      c.nullable = is_optional(top);
      c.list_def = c.nullable ? 1 : 0;
      c.item_def = c.list_def + 1;
      c.max_def = c.item_def + (element_optional ? 1 : 0);
      c.max_rep = 1;
    }
    TypePtr item = leaf_type(*c.leaf, where);
    const Field* sf = stored && static_cast<size_t>(k) < stored->fields.size() ? &stored->fields[static_cast<size_t>(k)] : nullptr;
    c.type = choose_type(c, item, sf);
    out.push_back(std::move(c));
  }
  if (i != els.size()) throw FormatError(what + ": the schema has elements outside its root's children");
  return out;
}

// The non-null values of one data page, appended one at a time.
class ValueSource {
 public:
  virtual ~ValueSource() = default;
  virtual void append_next(ArrayBuilder& b) = 0;
};

class PlainSource : public ValueSource {
 public:
  PlainSource(ByteRange in, const pf::SchemaElement& leaf) : in_(std::move(in)), leaf_(leaf) {}
  void append_next(ArrayBuilder& b) override {
    switch (leaf_.type) {
      case pf::Type::BOOLEAN: {
        if (bit_ / 8 >= in_.left()) in_.fail("PLAIN booleans run past the end of the page");
        b.append_bool((in_.data[in_.pos + bit_ / 8] >> (bit_ % 8)) & 1);
        ++bit_;
        return;
      }
      case pf::Type::INT32: {
        int32_t v;
        std::memcpy(&v, in_.take(4), 4);
        // Unsigned 32-bit values are stored in INT32's bits.
        if (b.type()->id == Type::UInt32) b.append_uint(static_cast<uint32_t>(v));
        else b.append_int(v);
        return;
      }
      case pf::Type::INT64: {
        int64_t v;
        std::memcpy(&v, in_.take(8), 8);
        if (b.type()->id == Type::UInt64) b.append_uint(static_cast<uint64_t>(v));
        else b.append_int(v);
        return;
      }
      case pf::Type::FLOAT: {
        float v;
        std::memcpy(&v, in_.take(4), 4);
        b.append_double(v);
        return;
      }
      case pf::Type::DOUBLE: {
        double v;
        std::memcpy(&v, in_.take(8), 8);
        b.append_double(v);
        return;
      }
      case pf::Type::BYTE_ARRAY: {
        uint32_t n = in_.u32();
        b.append_bytes(std::string_view(reinterpret_cast<const char*>(in_.take(n)), n));
        return;
      }
      case pf::Type::FIXED_LEN_BYTE_ARRAY: {
        if (!leaf_.__isset.type_length || leaf_.type_length < 0) in_.fail("FIXED_LEN_BYTE_ARRAY without a length");
        size_t n = static_cast<size_t>(leaf_.type_length);
        b.append_bytes(std::string_view(reinterpret_cast<const char*>(in_.take(n)), n));
        return;
      }
      default: in_.fail("unsupported physical type");
    }
  }

 private:
  ByteRange in_;
  const pf::SchemaElement& leaf_;
  size_t bit_ = 0;
};

// Dictionary indices or RLE booleans: decoded integers mapped to values.
class IndexSource : public ValueSource {
 public:
  IndexSource(std::vector<uint32_t> idx, ArrayPtr dict, std::string what)
      : idx_(std::move(idx)), dict_(std::move(dict)), what_(std::move(what)) {}
  void append_next(ArrayBuilder& b) override {
    if (next_ >= idx_.size()) throw FormatError(what_ + ": fewer values than the levels need");
    uint32_t i = idx_[next_++];
    if (!dict_) return b.append_bool(i != 0);
    if (i >= static_cast<uint64_t>(dict_->length))
      throw FormatError(what_ + ": dictionary index " + std::to_string(i) + " past the " + std::to_string(dict_->length) + "-entry dictionary");
    b.append_from(*dict_, i);
  }

 private:
  std::vector<uint32_t> idx_;
  ArrayPtr dict_;  // null: RLE booleans
  std::string what_;
  size_t next_ = 0;
};

// Values decoded up front (the DELTA encodings): integers or byte strings in order.
class DecodedSource : public ValueSource {
 public:
  DecodedSource(std::vector<int64_t> ints, std::vector<std::string> strings, std::string what)
      : ints_(std::move(ints)), strings_(std::move(strings)), what_(std::move(what)) {}
  void append_next(ArrayBuilder& b) override {
    const size_t i = next_++;
    if (i >= ints_.size() + strings_.size()) throw FormatError(what_ + ": fewer values than the levels need");
    if (!strings_.empty()) return b.append_bytes(strings_[i]);
    const Type id = b.type()->id;
    // INT32 columns hold 32-bit two's complement values, unsigned ones their bit pattern.
    if (id == Type::UInt64) b.append_uint(static_cast<uint64_t>(ints_[i]));
    else if (id == Type::UInt32) b.append_uint(static_cast<uint32_t>(ints_[i]));
    else if (byte_width(id) <= 4) b.append_int(static_cast<int32_t>(ints_[i]));
    else b.append_int(ints_[i]);
  }

 private:
  std::vector<int64_t> ints_;
  std::vector<std::string> strings_;
  std::string what_;
  size_t next_ = 0;
};

// PLAIN values held by the source itself (BYTE_STREAM_SPLIT reassembled into PLAIN order).
class OwnedPlainSource : public ValueSource {
 public:
  OwnedPlainSource(std::vector<uint8_t> bytes, const pf::SchemaElement& leaf, const std::string& what)
      : bytes_(std::move(bytes)), plain_(ByteRange{bytes_.data(), bytes_.size(), 0, what}, leaf) {}
  void append_next(ArrayBuilder& b) override { plain_.append_next(b); }

 private:
  std::vector<uint8_t> bytes_;
  PlainSource plain_;
};

// Builds one column chunk's array from its level entries.
class Assembler {
 public:
  explicit Assembler(const ColumnShape& c)
      : c_(c), values_(c.is_list ? c.type->children[0].type : c.type) {
    if (c.is_list) push_offset(0);
  }

  void entry(uint32_t rep, uint32_t def, ValueSource& src, const std::string& where) {
    if (!c_.is_list) {
      if (static_cast<int>(def) == c_.max_def) src.append_next(values_);
      else values_.append_null();
      ++rows_;
      return;
    }
    if (rep == 0) {
      if (rows_ > 0) push_offset(values_.length());
      ++rows_;
      const bool present = static_cast<int>(def) >= c_.list_def;
      if (!present) ++nulls_;
      if ((rows_ - 1) % 8 == 0) validity_.push_back(0);
      if (present) validity_.back() |= static_cast<uint8_t>(1u << ((rows_ - 1) % 8));
      if (static_cast<int>(def) < c_.item_def) return;
    } else if (rows_ == 0 || static_cast<int>(def) < c_.item_def) {
      throw FormatError(where + ": repetition level " + std::to_string(rep) + " without an open list item");
    }
    if (static_cast<int>(def) == c_.max_def) src.append_next(values_);
    else values_.append_null();
  }

  int64_t rows() const { return rows_; }

  ArrayPtr finish() {
    if (!c_.is_list) return values_.finish();
    if (rows_ > 0) push_offset(values_.length());
    auto a = std::make_shared<ArrayData>();
    a->type = c_.type;
    a->length = rows_;
    a->null_count = nulls_;
    if (nulls_ > 0) a->validity = Buffer::from_vector(std::move(validity_));
    a->values = Buffer::from_vector(std::move(offsets_));
    a->children.push_back(values_.finish());
    return a;
  }

 private:
  void push_offset(int64_t v) {
    const bool wide = has_64bit_offsets(c_.type->id);
    if (!wide && v > INT32_MAX) throw FormatError("column '" + c_.name + "': more than 2^31 list items in a row group");
    const size_t n = offsets_.size();
    offsets_.resize(n + (wide ? 8 : 4));
    if (wide) std::memcpy(offsets_.data() + n, &v, 8);
    else {
      int32_t v32 = static_cast<int32_t>(v);
      std::memcpy(offsets_.data() + n, &v32, 4);
    }
  }

  const ColumnShape& c_;
  ArrayBuilder values_;
  std::vector<uint8_t> validity_, offsets_;
  int64_t rows_ = 0, nulls_ = 0;
};

struct ChunkReader {
  const uint8_t* file;
  size_t file_size;
  const ColumnShape& c;
  const pf::ColumnMetaData& meta;
  std::string where;
  ArrayPtr dict;

  std::vector<uint8_t> page_bytes(const pf::PageHeader& h, const uint8_t* p, size_t skip_uncompressed, const std::string& pw) {
    const size_t compressed = static_cast<size_t>(h.compressed_page_size) - skip_uncompressed;
    if (h.uncompressed_page_size < 0 || static_cast<size_t>(h.uncompressed_page_size) < skip_uncompressed)
      throw FormatError(pw + ": negative uncompressed size");
    return parquet_detail::decompress(meta.codec, p + skip_uncompressed, compressed,
                                      static_cast<size_t>(h.uncompressed_page_size) - skip_uncompressed, pw);
  }

  ArrayPtr decode_plain_dictionary(const std::vector<uint8_t>& bytes, int32_t n, const std::string& pw) {
    if (n < 0) throw FormatError(pw + ": negative dictionary size");
    ArrayBuilder b(c.is_list ? c.type->children[0].type : c.type);
    PlainSource src(ByteRange{bytes.data(), bytes.size(), 0, pw}, *c.leaf);
    for (int32_t i = 0; i < n; ++i) src.append_next(b);
    return b.finish();
  }

  std::unique_ptr<ValueSource> values(int32_t enc, ByteRange in, size_t non_null, const std::string& pw) {
    switch (enc) {
      case pf::Encoding::PLAIN: return std::make_unique<PlainSource>(std::move(in), *c.leaf);
      case pf::Encoding::PLAIN_DICTIONARY:
      case pf::Encoding::RLE_DICTIONARY: {
        if (!dict) throw FormatError(pw + ": dictionary-encoded page before any dictionary page");
        int width = non_null == 0 ? 0 : *in.take(1);
        return std::make_unique<IndexSource>(parquet_detail::decode_rle_hybrid(in, width, non_null), dict, pw);
      }
      case pf::Encoding::RLE: {
        if (c.leaf->type != pf::Type::BOOLEAN) throw FormatError(pw + ": RLE values only hold booleans");
        uint32_t len = in.u32();
        ByteRange bits{in.take(len), len, 0, pw};
        return std::make_unique<IndexSource>(parquet_detail::decode_rle_hybrid(bits, 1, non_null), nullptr, pw);
      }
      case pf::Encoding::DELTA_BINARY_PACKED:
        if (c.leaf->type != pf::Type::INT32 && c.leaf->type != pf::Type::INT64)
          throw FormatError(pw + ": DELTA_BINARY_PACKED only holds INT32 / INT64");
        return std::make_unique<DecodedSource>(parquet_detail::decode_delta_binary_packed(in, non_null),
                                               std::vector<std::string>{}, pw);
      case pf::Encoding::DELTA_LENGTH_BYTE_ARRAY:
      case pf::Encoding::DELTA_BYTE_ARRAY:
        if (c.leaf->type != pf::Type::BYTE_ARRAY && c.leaf->type != pf::Type::FIXED_LEN_BYTE_ARRAY)
          throw FormatError(pw + ": " + encoding_name(enc) + " only holds byte arrays");
        return std::make_unique<DecodedSource>(
            std::vector<int64_t>{},
            enc == pf::Encoding::DELTA_BYTE_ARRAY ? parquet_detail::decode_delta_byte_array(in, non_null)
                                                  : parquet_detail::decode_delta_length_byte_array(in, non_null),
            pw);
      case pf::Encoding::BYTE_STREAM_SPLIT: {
        size_t width = c.leaf->type == pf::Type::FLOAT || c.leaf->type == pf::Type::INT32    ? 4
                       : c.leaf->type == pf::Type::DOUBLE || c.leaf->type == pf::Type::INT64 ? 8
                       : c.leaf->type == pf::Type::FIXED_LEN_BYTE_ARRAY && c.leaf->type_length > 0
                           ? static_cast<size_t>(c.leaf->type_length)
                           : 0;
        if (width == 0) throw FormatError(pw + ": BYTE_STREAM_SPLIT only holds fixed-width values");
        return std::make_unique<OwnedPlainSource>(parquet_detail::unsplit_byte_streams(in, width, non_null), *c.leaf, pw);
      }
      default:
        throw FormatError(pw + ": value encoding " + encoding_name(enc) + " is not supported");
    }
  }

  // Levels of `count` entries in the hybrid encoding; all zero when the column has none.
  static std::vector<uint32_t> levels(ByteRange in, int max_level, size_t count) {
    if (max_level == 0) return std::vector<uint32_t>(count, 0);
    auto v = parquet_detail::decode_rle_hybrid(in, parquet_detail::bit_width_of(static_cast<uint32_t>(max_level)), count);
    for (uint32_t x : v)
      if (x > static_cast<uint32_t>(max_level)) in.fail("level " + std::to_string(x) + " above the maximum " + std::to_string(max_level));
    return v;
  }

  void data_page(const pf::PageHeader& h, const uint8_t* p, Assembler& out, const std::string& pw) {
    std::vector<uint8_t> bytes;
    ByteRange rep_in, def_in, val_in;
    size_t count;
    int32_t enc;
    if (h.type == pf::PageType::DATA_PAGE) {
      if (!h.__isset.data_page_header) throw FormatError(pw + ": data page without its header");
      const auto& d = h.data_page_header;
      if (d.num_values < 0) throw FormatError(pw + ": negative value count");
      count = static_cast<size_t>(d.num_values);
      enc = d.encoding;
      bytes = page_bytes(h, p, 0, pw);
      ByteRange in{bytes.data(), bytes.size(), 0, pw};
      if (c.max_rep > 0) {
        uint32_t n = in.u32();
        rep_in = ByteRange{in.take(n), n, 0, pw};
      }
      if (c.max_def > 0) {
        uint32_t n = in.u32();
        def_in = ByteRange{in.take(n), n, 0, pw};
      }
      val_in = ByteRange{in.data + in.pos, in.left(), 0, pw};
    } else {
      if (!h.__isset.data_page_header_v2) throw FormatError(pw + ": v2 data page without its header");
      const auto& d = h.data_page_header_v2;
      if (d.num_values < 0 || d.repetition_levels_byte_length < 0 || d.definition_levels_byte_length < 0 ||
          static_cast<int64_t>(d.repetition_levels_byte_length) + d.definition_levels_byte_length > h.compressed_page_size)
        throw FormatError(pw + ": v2 page level sizes do not fit the page");
      count = static_cast<size_t>(d.num_values);
      enc = d.encoding;
      const size_t rl = static_cast<size_t>(d.repetition_levels_byte_length), dl = static_cast<size_t>(d.definition_levels_byte_length);
      rep_in = ByteRange{p, rl, 0, pw};
      def_in = ByteRange{p + rl, dl, 0, pw};
      if (d.is_compressed) {
        bytes = page_bytes(h, p, rl + dl, pw);
      } else {
        bytes.assign(p + rl + dl, p + h.compressed_page_size);
      }
      val_in = ByteRange{bytes.data(), bytes.size(), 0, pw};
    }
    std::vector<uint32_t> reps = levels(rep_in, c.max_rep, count), defs = levels(def_in, c.max_def, count);
    size_t non_null = 0;
    for (uint32_t d : defs) non_null += static_cast<int>(d) == c.max_def;
    auto src = values(enc, val_in, non_null, pw);
    for (size_t i = 0; i < count; ++i) out.entry(reps[i], defs[i], *src, pw);
  }

  ArrayPtr read(int64_t expected_rows) {
    if (!meta.__isset.data_page_offset || !meta.__isset.total_compressed_size || !meta.__isset.num_values)
      throw FormatError(where + ": column metadata without page offsets, size or value count");
    int64_t start = meta.data_page_offset;
    if (meta.__isset.dictionary_page_offset && meta.dictionary_page_offset > 0 && meta.dictionary_page_offset < start)
      start = meta.dictionary_page_offset;
    const int64_t end = start + meta.total_compressed_size;
    if (start < 4 || meta.total_compressed_size < 0 || end > static_cast<int64_t>(file_size) || end < start)
      throw FormatError(where + ": column chunk bytes [" + std::to_string(start) + ", " + std::to_string(end) + ") lie outside the file");
    Assembler out(c);
    int64_t pos = start, values_seen = 0;
    for (int page = 0; values_seen < meta.num_values && pos < end; ++page) {
      const std::string pw = where + ", page " + std::to_string(page);
      pf::PageHeader h;
      pos += static_cast<int64_t>(parquet_detail::read_thrift(h, file + pos, static_cast<size_t>(end - pos), pw));
      if (!h.__isset.type || !h.__isset.compressed_page_size || !h.__isset.uncompressed_page_size ||
          h.compressed_page_size < 0 || h.compressed_page_size > end - pos)
        throw FormatError(pw + ": page header without a type or with a size past the column chunk");
      const uint8_t* p = file + pos;
      if (h.type == pf::PageType::DICTIONARY_PAGE) {
        if (!h.__isset.dictionary_page_header) throw FormatError(pw + ": dictionary page without its header");
        dict = decode_plain_dictionary(page_bytes(h, p, 0, pw), h.dictionary_page_header.num_values, pw);
      } else if (h.type == pf::PageType::DATA_PAGE || h.type == pf::PageType::DATA_PAGE_V2) {
        const int32_t n = h.type == pf::PageType::DATA_PAGE ? h.data_page_header.num_values : h.data_page_header_v2.num_values;
        data_page(h, p, out, pw);
        values_seen += n;
      }
      pos += h.compressed_page_size;
    }
    if (out.rows() != expected_rows)
      throw FormatError(where + ": " + std::to_string(out.rows()) + " rows, the row group has " + std::to_string(expected_rows));
    ArrayPtr a = out.finish();
    validate(*a, where);
    return a;
  }
};

// pyarrow's ARROW:schema entry: a base64 Arrow IPC schema message.
std::optional<Schema> stored_arrow_schema(const pf::FileMetaData& meta) {
  for (const auto& kv : meta.key_value_metadata) {
    if (kv.key != "ARROW:schema") continue;
    static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    auto bytes = std::make_shared<std::string>();
    uint32_t acc = 0;
    int bits = 0;
    for (char ch : kv.value) {
      if (ch == '=') break;
      size_t v = chars.find(ch);
      if (v == std::string::npos) return std::nullopt;
      acc = (acc << 6) | static_cast<uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes->push_back(static_cast<char>((acc >> bits) & 0xff));
      }
    }
    try {
      return read_ipc_bytes(bytes, reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size(), "ARROW:schema").schema;
    } catch (const Error&) {
      return std::nullopt;  // an unreadable hint: fall back to the Parquet types
    }
  }
  return std::nullopt;
}

}  // namespace

Table read_parquet_bytes(const uint8_t* data, size_t size, const std::string& what) {
  if (size < 12 || std::memcmp(data, "PAR1", 4) != 0)
    throw FormatError(what + ": not a Parquet file (no PAR1 magic at the start)");
  if (std::memcmp(data + size - 4, "PARE", 4) == 0) throw FormatError(what + ": encrypted Parquet files are not supported");
  if (std::memcmp(data + size - 4, "PAR1", 4) != 0)
    throw FormatError(what + ": no PAR1 magic at the end (truncated file?)");
  uint32_t footer_len;
  std::memcpy(&footer_len, data + size - 8, 4);
  if (footer_len > size - 12) throw FormatError(what + ": footer length " + std::to_string(footer_len) + " does not fit the file");
  pf::FileMetaData meta;
  parquet_detail::read_thrift(meta, data + size - 8 - footer_len, footer_len, what + ": footer");
  std::optional<Schema> stored = stored_arrow_schema(meta);
  std::vector<ColumnShape> shapes = read_shapes(meta, stored ? &*stored : nullptr, what);
  Table t;
  for (const auto& c : shapes) {
    t.schema.fields.push_back(Field{c.name, c.type, c.nullable, {}});
    t.columns.push_back(Column{c.type, {}});
  }
  for (const auto& kv : meta.key_value_metadata)
    if (kv.key != "ARROW:schema") t.schema.metadata.emplace_back(kv.key, kv.value);
  for (size_t g = 0; g < meta.row_groups.size(); ++g) {
    const pf::RowGroup& rg = meta.row_groups[g];
    const std::string gw = what + ": row group " + std::to_string(g);
    if (rg.columns.size() != shapes.size())
      throw FormatError(gw + ": " + std::to_string(rg.columns.size()) + " column chunks for " + std::to_string(shapes.size()) + " columns");
    if (rg.num_rows < 0) throw FormatError(gw + ": negative row count");
    for (size_t k = 0; k < shapes.size(); ++k) {
      const pf::ColumnChunk& cc = rg.columns[k];
      const std::string cw = gw + ", column '" + shapes[k].name + "'";
      if (cc.__isset.file_path && !cc.file_path.empty()) throw FormatError(cw + ": column data in another file is not supported");
      if (!cc.__isset.meta_data) throw FormatError(cw + ": no column metadata");
      if (cc.meta_data.type != shapes[k].leaf->type) throw FormatError(cw + ": physical type differs from the schema's");
      ChunkReader r{data, size, shapes[k], cc.meta_data, cw, nullptr};
      t.columns[k].chunks.push_back(r.read(rg.num_rows));
    }
    t.num_rows += rg.num_rows;
  }
  return t;
}

Table read_parquet(const std::string& path) {
  auto f = MappedFile::open(path);
  return read_parquet_bytes(f->data(), f->size(), path);
}

}  // namespace cuddle::arrow
