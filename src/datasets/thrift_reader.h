// Reading Thrift compact-protocol structs (Parquet metadata) from bytes in memory. A
// transport over a byte range stands in for Thrift's TMemoryBuffer, whose header needs
// Boost; string and container sizes are capped so a corrupt length cannot allocate
// without bound.
#pragma once
#include <thrift/TConfiguration.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TVirtualTransport.h>

#include <cstring>
#include <string>

#include "cuddle/error.h"

namespace cuddle::parquet_detail {

class SpanTransport : public apache::thrift::transport::TVirtualTransport<SpanTransport> {
 public:
  // The message size limit is the range itself (Thrift's default is 100 MB).
  SpanTransport(const uint8_t* data, size_t size)
      : TVirtualTransport(std::make_shared<apache::thrift::TConfiguration>(
            static_cast<int>(std::min<size_t>(size, INT32_MAX)))),
        data_(data),
        size_(size) {}
  uint32_t read(uint8_t* buf, uint32_t len) {
    const size_t n = std::min<size_t>(len, size_ - pos_);
    std::memcpy(buf, data_ + pos_, n);
    pos_ += n;
    return static_cast<uint32_t>(n);
  }
  size_t consumed() const { return pos_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Reads one T from the front of [data, data + size); returns the bytes it took. Throws
// FormatError "<what>: ..." for bytes that are not a valid T.
template <class T>
size_t read_thrift(T& out, const uint8_t* data, size_t size, const std::string& what) {
  auto transport = std::make_shared<SpanTransport>(data, size);
  const auto limit = static_cast<int32_t>(std::min<size_t>(size, INT32_MAX));
  apache::thrift::protocol::TCompactProtocolT<SpanTransport> proto(transport, limit, limit);
  try {
    out.read(&proto);
  } catch (const apache::thrift::TException& e) {
    throw FormatError(what + ": not valid Thrift metadata (" + e.what() + ")");
  }
  return transport->consumed();
}

}  // namespace cuddle::parquet_detail
