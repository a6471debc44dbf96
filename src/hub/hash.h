// Content hashes and encodings the Hub protocols are built on: SHA-256 (LFS oids), git blob
// SHA-1 (regular file oids), hex and base64 (NDJSON commit payloads).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace cuddle::hub {

// Incremental SHA-256 for streamed bodies.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t n);
  std::string hex_digest();  // finishes the hash

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(std::string_view data);
// Throws IoError when the file cannot be read.
std::string sha256_file(const std::string& path);
// Git's blob id: sha1("blob <size>\0" + data).
std::string git_blob_oid(std::string_view data);
// Git blob id of a file's content without loading it whole.
std::string git_blob_oid_file(const std::string& path);
std::string sha1_hex(std::string_view data);

// HMAC-SHA256(key, data) as hex: signs the server's pre-authorised LFS upload URLs.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

bool is_hex(std::string_view s, size_t len);  // exactly `len` lowercase hex digits

std::string base64_encode(std::string_view data);
// Throws FormatError on characters outside the standard alphabet or bad padding.
std::string base64_decode(std::string_view text);

// The pointer file git-lfs stores in place of a large file; its git blob id is the tree oid.
std::string lfs_pointer(const std::string& sha256, uint64_t size);

}  // namespace cuddle::hub
