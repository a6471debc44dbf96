// Arrow IPC reader, stream and file formats. Every size and offset comes from the file, so
// each is checked before use: FlatBuffers' verifier for the metadata, bounds against the
// message body for buffers, and arrow::validate for the assembled arrays. Buffers that are
// 8-byte aligned in the file point into its mapping; misaligned ones are copied.
#include <cstring>
#include <limits>

#include "File_generated.h"
#include "Message_generated.h"
#include "cuddle/error.h"
#include "cuddle/mapped_file.h"
#include "ipc_schema.h"

namespace cuddle::arrow {

namespace {

using namespace ipc;

struct Reader {
  std::shared_ptr<const void> owner;
  const uint8_t* data;
  size_t size;
  std::string what;

  [[noreturn]] void fail(const std::string& msg) const { throw FormatError(what + ": " + msg); }

  int32_t read_i32(size_t pos) const {
    if (pos + 4 > size) fail("truncated at byte " + std::to_string(pos) + " (expected a message length)");
    int32_t v;
    std::memcpy(&v, data + pos, 4);
    return v;
  }
};

// FlatBuffers reads its tables with aligned loads: metadata at an unaligned position (a
// damaged or unusual file) is verified and read from an aligned copy held in `copy`.
const uint8_t* aligned(const uint8_t* p, size_t n, std::shared_ptr<std::vector<uint64_t>>& copy) {
  if (reinterpret_cast<uintptr_t>(p) % 8 == 0) return p;
  copy = std::make_shared<std::vector<uint64_t>>((n + 7) / 8);
  std::memcpy(copy->data(), p, n);
  return reinterpret_cast<const uint8_t*>(copy->data());
}

// The verifier checks a struct vector's bounds, not that its 8-byte structs are 8-byte
// aligned, which a hostile file need not honour: elements are copied out, never referenced.
template <class S>
S struct_at(const flatbuffers::Vector<const S*>& v, flatbuffers::uoffset_t k) {
  S s;
  std::memcpy(&s, v.Data() + size_t(k) * sizeof(S), sizeof(S));
  return s;
}

// One message: its verified metadata and its body's bytes.
struct Message {
  std::shared_ptr<std::vector<uint64_t>> meta_copy;
  const fb::Message* meta = nullptr;
  const uint8_t* body = nullptr;
  int64_t body_length = 0;
  size_t end = 0;  // byte after the body
};

// Reads the message starting at `pos`; meta is null at the end-of-stream marker or at the
// end of the bytes.
Message read_message(const Reader& r, size_t pos, int index) {
  Message m;
  if (pos == r.size) return m;
  int32_t len = r.read_i32(pos);
  size_t start = pos + 4;
  if (len == -1) {  // continuation marker, then the length (format >= 0.15)
    len = r.read_i32(pos + 4);
    start = pos + 8;
  }
  if (len == 0) return m;
  if (len < 0 || static_cast<size_t>(len) > r.size - start)
    r.fail("message " + std::to_string(index) + " at byte " + std::to_string(pos) + ": metadata length " +
           std::to_string(len) + " runs past the end of the " + std::to_string(r.size) + " bytes");
  const uint8_t* meta = aligned(r.data + start, static_cast<size_t>(len), m.meta_copy);
  flatbuffers::Verifier v(meta, static_cast<size_t>(len), 128, 1000000);
  if (!fb::VerifyMessageBuffer(v))
    r.fail("message " + std::to_string(index) + " at byte " + std::to_string(pos) + ": metadata is not a valid Arrow Message");
  m.meta = fb::GetMessage(meta);
  m.body_length = m.meta->bodyLength();
  size_t body = start + static_cast<size_t>(len);
  if (m.body_length < 0 || static_cast<uint64_t>(m.body_length) > r.size - body)
    r.fail("message " + std::to_string(index) + ": body of " + std::to_string(m.body_length) + " bytes runs past the end of the file");
  m.body = r.data + body;
  m.end = body + static_cast<size_t>(m.body_length);
  return m;
}

// Walks a record batch's nodes and buffers in the schema's pre-order.
struct BatchDecoder {
  const Reader& r;
  const fb::RecordBatch& batch;
  const uint8_t* body;
  int64_t body_length;
  std::string where;
  size_t node = 0, buffer = 0;

  Buffer next_buffer() {
    if (!batch.buffers() || buffer >= batch.buffers()->size()) r.fail(where + ": fewer buffers than the schema needs");
    const fb::Buffer buf = struct_at(*batch.buffers(), static_cast<flatbuffers::uoffset_t>(buffer++));
    const fb::Buffer* b = &buf;
    if (b->offset() < 0 || b->length() < 0 || b->offset() > body_length || b->length() > body_length - b->offset())
      r.fail(where + ": buffer " + std::to_string(buffer - 1) + " (offset " + std::to_string(b->offset()) + ", length " +
             std::to_string(b->length()) + ") lies outside the " + std::to_string(body_length) + "-byte body");
    const uint8_t* p = body + b->offset();
    size_t n = static_cast<size_t>(b->length());
    if (n == 0) return {};
    if (reinterpret_cast<uintptr_t>(p) % 8 != 0) return Buffer::copy_of(p, n);
    return Buffer(p, n, r.owner);
  }

  ArrayPtr decode(const Field& f, int depth) {
    if (!batch.nodes() || node >= batch.nodes()->size()) r.fail(where + ": fewer field nodes than the schema has fields");
    const fb::FieldNode field_node = struct_at(*batch.nodes(), static_cast<flatbuffers::uoffset_t>(node++));
    const fb::FieldNode* n = &field_node;
    auto a = std::make_shared<ArrayData>();
    a->type = f.type;
    a->length = n->length();
    a->null_count = n->null_count();
    const Type id = f.type->id;
    if (id == Type::Null) {
      a->null_count = a->length;
      return a;
    }
    a->validity = next_buffer();
    if (a->null_count == 0) a->validity = {};  // writers may send a bitmap without nulls
    if (id == Type::Struct || id == Type::FixedSizeList) {
      // no values buffer
    } else {
      a->values = next_buffer();
    }
    if (is_string_like(id)) a->data = next_buffer();
    for (const auto& c : f.type->children) a->children.push_back(decode(c, depth + 1));
    return a;
  }
};

Table decode_batch(const Reader& r, const Schema& schema, const Message& m, int index) {
  const auto* batch = m.meta->header_as_RecordBatch();
  std::string where = "record batch " + std::to_string(index);
  if (!batch) r.fail(where + ": message is not a record batch");
  if (batch->compression())
    r.fail(where + ": compressed bodies (LZ4 / ZSTD buffer compression) are not supported; write the file uncompressed");
  BatchDecoder d{r, *batch, m.body, m.body_length, where};
  Table t;
  t.schema = schema;
  if (batch->length() < 0) r.fail(where + ": negative row count " + std::to_string(batch->length()));
  t.num_rows = batch->length();
  for (const auto& f : schema.fields) {
    ArrayPtr a = d.decode(f, 0);
    validate(*a, r.what + ": " + where);
    if (a->length != t.num_rows)
      r.fail(where + ": column '" + f.name + "' has " + std::to_string(a->length) + " rows, the batch " +
             std::to_string(t.num_rows));
    t.columns.push_back(Column{f.type, {std::move(a)}});
  }
  return t;
}

Table empty_table(const Schema& schema) {
  Table t;
  t.schema = schema;
  for (const auto& f : schema.fields) t.columns.push_back(Column{f.type, {}});
  return t;
}

void append(const Reader& r, Table& t, Table batch) {
  if (batch.num_rows > std::numeric_limits<int64_t>::max() - t.num_rows)
    r.fail("the record batches hold more than 2^63 rows together");
  for (size_t c = 0; c < t.columns.size(); ++c)
    for (auto& chunk : batch.columns[c].chunks) t.columns[c].chunks.push_back(std::move(chunk));
  t.num_rows += batch.num_rows;
}

void refuse_dictionary(const Reader& r, const Message& m) {
  if (m.meta->header_type() == fb::MessageHeader_DictionaryBatch)
    r.fail("dictionary batches are not supported (dictionary-encoded columns)");
}

Table read_stream(const Reader& r, size_t pos) {
  Message first = read_message(r, pos, 0);
  if (!first.meta) r.fail("empty stream: no schema message");
  const auto* s = first.meta->header_as_Schema();
  if (!s) r.fail("the first message is not a schema");
  Table t = empty_table(schema_from_flatbuffer(*s, r.what));
  pos = first.end;
  for (int i = 1;; ++i) {
    Message m = read_message(r, pos, i);
    if (!m.meta) break;
    refuse_dictionary(r, m);
    append(r, t, decode_batch(r, t.schema, m, i - 1));
    pos = m.end;
  }
  return t;
}

constexpr char kMagic[] = "ARROW1";

Table read_file_format(const Reader& r) {
  if (r.size < 8 + 10 || std::memcmp(r.data + r.size - 6, kMagic, 6) != 0)
    r.fail("Arrow file without the closing ARROW1 magic (truncated?)");
  int32_t footer_len = r.read_i32(r.size - 10);
  if (footer_len <= 0 || static_cast<size_t>(footer_len) > r.size - 18)
    r.fail("footer length " + std::to_string(footer_len) + " does not fit the file");
  std::shared_ptr<std::vector<uint64_t>> footer_copy;
  const uint8_t* footer_data = aligned(r.data + r.size - 10 - footer_len, static_cast<size_t>(footer_len), footer_copy);
  flatbuffers::Verifier v(footer_data, static_cast<size_t>(footer_len), 128, 1000000);
  if (!fb::VerifyFooterBuffer(v)) r.fail("the footer is not a valid Arrow Footer");
  const fb::Footer* footer = fb::GetFooter(footer_data);
  if (!footer->schema()) r.fail("the footer has no schema");
  Table t = empty_table(schema_from_flatbuffer(*footer->schema(), r.what));
  if (footer->dictionaries() && footer->dictionaries()->size() > 0)
    r.fail("dictionary batches are not supported (dictionary-encoded columns)");
  if (!footer->recordBatches()) return t;
  const auto* blocks = footer->recordBatches();
  for (flatbuffers::uoffset_t k = 0; k < blocks->size(); ++k) {
    const int i = static_cast<int>(k);
    const fb::Block block = struct_at(*blocks, k);
    const fb::Block* b = &block;
    if (b->offset() < 8 || static_cast<uint64_t>(b->offset()) >= r.size)
      r.fail("record batch " + std::to_string(i) + ": block offset " + std::to_string(b->offset()) + " outside the file");
    Message m = read_message(r, static_cast<size_t>(b->offset()), i);
    if (!m.meta) r.fail("record batch " + std::to_string(i) + ": block points at an end-of-stream marker");
    append(r, t, decode_batch(r, t.schema, m, i));
  }
  return t;
}

bool has_file_magic(const uint8_t* data, size_t size) { return size >= 6 && std::memcmp(data, kMagic, 6) == 0; }

std::shared_ptr<MappedFile> map(const std::string& path) { return MappedFile::open(path); }

}  // namespace

Table read_ipc_bytes(std::shared_ptr<const void> owner, const uint8_t* data, size_t size, const std::string& what) {
  Reader r{std::move(owner), data, size, what};
  return has_file_magic(data, size) ? read_file_format(r) : read_stream(r, 0);
}

Table read_ipc_stream_file(const std::string& path) {
  auto f = map(path);
  if (has_file_magic(f->data(), f->size()))
    throw FormatError(path + ": an Arrow IPC file (ARROW1 magic), not a stream; use read_ipc_file");
  return read_stream(Reader{f, f->data(), f->size(), path}, 0);
}

Table read_ipc_file(const std::string& path) {
  auto f = map(path);
  if (!has_file_magic(f->data(), f->size())) throw FormatError(path + ": not an Arrow IPC file (no ARROW1 magic)");
  return read_file_format(Reader{f, f->data(), f->size(), path});
}

Table read_ipc(const std::string& path) {
  auto f = map(path);
  return read_ipc_bytes(f, f->data(), f->size(), path);
}

}  // namespace cuddle::arrow
