// Arrow IPC writer (stream and file formats, metadata version V5, little-endian, no
// compression). Each record batch is gathered into fresh arrays first, so every buffer
// starts at offset 0 as the format expects.
#include "File_generated.h"
#include "Message_generated.h"
#include "io/atomic_file.h"
#include "cuddle/error.h"
#include "ipc_schema.h"

namespace cuddle::arrow {

namespace {

using namespace ipc;

void pad8(std::string& out) { out.append((8 - out.size() % 8) % 8, '\0'); }

// Message framing: continuation marker, metadata length (padded so the body starts on
// an 8-byte boundary), metadata, padding. Returns the framed size.
size_t write_message(std::string& out, flatbuffers::FlatBufferBuilder& b) {
  size_t len = b.GetSize();
  size_t padded = (len + 8 + 7) / 8 * 8 - 8;
  uint32_t marker = 0xFFFFFFFFu;
  int32_t n = static_cast<int32_t>(padded);
  out.append(reinterpret_cast<const char*>(&marker), 4);
  out.append(reinterpret_cast<const char*>(&n), 4);
  out.append(reinterpret_cast<const char*>(b.GetBufferPointer()), len);
  out.append(padded - len, '\0');
  return padded + 8;
}

struct BatchEncoder {
  std::vector<fb::FieldNode> nodes;
  std::vector<fb::Buffer> buffers;
  std::string body;

  void add_buffer(const uint8_t* p, size_t n) {
    buffers.emplace_back(static_cast<int64_t>(body.size()), static_cast<int64_t>(n));
    if (n) body.append(reinterpret_cast<const char*>(p), n);
    pad8(body);
  }

  void encode(const ArrayData& a) {
    nodes.emplace_back(a.length, a.null_count);
    const Type id = a.type->id;
    if (id == Type::Null) return;
    if (a.null_count > 0) add_buffer(a.validity.data(), static_cast<size_t>((a.length + 7) / 8));
    else add_buffer(nullptr, 0);
    if (id == Type::Bool) {
      add_buffer(a.values.data(), static_cast<size_t>((a.length + 7) / 8));
    } else if (int w = byte_width(id)) {
      add_buffer(a.values.data(), static_cast<size_t>(a.length * w));
    } else if (is_string_like(id) || id == Type::List || id == Type::LargeList) {
      size_t w = has_64bit_offsets(id) ? 8 : 4;
      add_buffer(a.values.data(), (static_cast<size_t>(a.length) + 1) * w);
      if (is_string_like(id)) add_buffer(a.data.data(), a.length > 0 ? static_cast<size_t>(a.range(a.length - 1).second) : 0);
    }
    for (const auto& c : a.children) encode(*c);
  }
};

std::string schema_message(const Schema& s) {
  flatbuffers::FlatBufferBuilder b;
  auto schema = schema_to_flatbuffer(b, s);
  b.Finish(fb::CreateMessage(b, fb::MetadataVersion_V5, fb::MessageHeader_Schema, schema.Union(), 0));
  std::string out;
  write_message(out, b);
  return out;
}

struct WrittenBatch {
  int64_t offset;
  int32_t meta_length;
  int64_t body_length;
};

WrittenBatch write_batch(std::string& out, const Table& t, int64_t begin, int64_t end) {
  BatchEncoder e;
  for (const auto& col : t.columns) e.encode(*slice_to_array(col, begin, end));
  flatbuffers::FlatBufferBuilder b;
  auto nodes = b.CreateVectorOfStructs(e.nodes);
  auto buffers = b.CreateVectorOfStructs(e.buffers);
  auto batch = fb::CreateRecordBatch(b, end - begin, nodes, buffers);
  b.Finish(fb::CreateMessage(b, fb::MetadataVersion_V5, fb::MessageHeader_RecordBatch, batch.Union(),
                             static_cast<int64_t>(e.body.size())));
  WrittenBatch w{static_cast<int64_t>(out.size()), 0, static_cast<int64_t>(e.body.size())};
  w.meta_length = static_cast<int32_t>(write_message(out, b));
  out += e.body;
  return w;
}

std::vector<WrittenBatch> write_batches(std::string& out, const Table& t, int64_t max_batch_rows) {
  if (max_batch_rows <= 0) throw ShapeError("IPC writer: max_batch_rows must be positive");
  std::vector<WrittenBatch> blocks;
  for (int64_t b = 0; b < t.num_rows; b += max_batch_rows)
    blocks.push_back(write_batch(out, t, b, std::min(t.num_rows, b + max_batch_rows)));
  if (t.num_rows == 0) blocks.push_back(write_batch(out, t, 0, 0));
  return blocks;
}

void write_end_of_stream(std::string& out) {
  const uint32_t eos[2] = {0xFFFFFFFFu, 0};
  out.append(reinterpret_cast<const char*>(eos), 8);
}

}  // namespace

std::string serialize_ipc_stream(const Table& t, int64_t max_batch_rows) {
  std::string out = schema_message(t.schema);
  write_batches(out, t, max_batch_rows);
  write_end_of_stream(out);
  return out;
}

void write_ipc_stream(const Table& t, const std::string& path, int64_t max_batch_rows) {
  io::write_file_atomic(path, serialize_ipc_stream(t, max_batch_rows));
}

void write_ipc_file(const Table& t, const std::string& path, int64_t max_batch_rows) {
  std::string out("ARROW1\0\0", 8);
  out += schema_message(t.schema);
  auto blocks = write_batches(out, t, max_batch_rows);
  write_end_of_stream(out);
  flatbuffers::FlatBufferBuilder b;
  auto schema = schema_to_flatbuffer(b, t.schema);
  std::vector<fb::Block> fb_blocks;
  for (const auto& w : blocks) fb_blocks.emplace_back(w.offset, w.meta_length, w.body_length);
  auto batches = b.CreateVectorOfStructs(fb_blocks);
  auto dicts = b.CreateVectorOfStructs(std::vector<fb::Block>{});
  b.Finish(fb::CreateFooter(b, fb::MetadataVersion_V5, schema, dicts, batches));
  out.append(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
  int32_t footer_len = static_cast<int32_t>(b.GetSize());
  out.append(reinterpret_cast<const char*>(&footer_len), 4);
  out.append("ARROW1", 6);
  io::write_file_atomic(path, out);
}

}  // namespace cuddle::arrow
