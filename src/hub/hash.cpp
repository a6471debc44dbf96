#include "hub/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <fstream>

#include "cuddle/error.h"

namespace cuddle::hub {

namespace {

std::string to_hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  return out;
}

// One EVP digest context; both hashes share the streaming code.
class Digest {
 public:
  explicit Digest(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_, md, nullptr) != 1) throw Error("OpenSSL digest init failed");
  }
  ~Digest() { EVP_MD_CTX_free(ctx_); }
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;
  void update(const void* data, size_t n) { EVP_DigestUpdate(ctx_, data, n); }
  std::string hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, out, &len);
    return to_hex(out, len);
  }

 private:
  EVP_MD_CTX* ctx_;
};

template <class Fn>
void read_chunks(const std::string& path, Fn&& fn) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw IoError("cannot open " + path + " for hashing");
  std::array<char, 1 << 16> buf;
  while (f) {
    f.read(buf.data(), buf.size());
    if (f.gcount() > 0) fn(buf.data(), static_cast<size_t>(f.gcount()));
  }
  if (f.bad()) throw IoError("read error while hashing " + path);
}

}  // namespace

struct Sha256::Impl {
  Digest d{EVP_sha256()};
};
Sha256::Sha256() : impl_(std::make_unique<Impl>()) {}
Sha256::~Sha256() = default;
void Sha256::update(const void* data, size_t n) { impl_->d.update(data, n); }
std::string Sha256::hex_digest() { return impl_->d.hex(); }

std::string sha256_hex(std::string_view data) {
  Digest d(EVP_sha256());
  d.update(data.data(), data.size());
  return d.hex();
}

std::string sha256_file(const std::string& path) {
  Digest d(EVP_sha256());
  read_chunks(path, [&](const char* p, size_t n) { d.update(p, n); });
  return d.hex();
}

std::string sha1_hex(std::string_view data) {
  Digest d(EVP_sha1());
  d.update(data.data(), data.size());
  return d.hex();
}

std::string git_blob_oid(std::string_view data) {
  Digest d(EVP_sha1());
  std::string header = "blob " + std::to_string(data.size());
  d.update(header.data(), header.size() + 1);  // includes the NUL terminator
  d.update(data.data(), data.size());
  return d.hex();
}

std::string git_blob_oid_file(const std::string& path) {
  uint64_t size = 0;
  read_chunks(path, [&](const char*, size_t n) { size += n; });
  Digest d(EVP_sha1());
  std::string header = "blob " + std::to_string(size);
  d.update(header.data(), header.size() + 1);
  read_chunks(path, [&](const char* p, size_t n) { d.update(p, n); });
  return d.hex();
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return to_hex(out, len);
}

bool is_hex(std::string_view s, size_t len) {
  if (s.size() != len) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kB64[(v >> s) & 63];
  }
  size_t rest = data.size() - i;
  if (rest) {
    uint32_t v = uint8_t(data[i]) << 16;
    if (rest == 2) v |= uint8_t(data[i + 1]) << 8;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += rest == 2 ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4) throw FormatError("base64 content: length " + std::to_string(text.size()) + " is not a multiple of 4");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      bool last_group = i + 4 == text.size();
      if (c == '=' && last_group && k >= 2 && (k == 3 || text[i + 3] == '=')) {
        v[k] = 0;
        ++pad;
        continue;
      }
      v[k] = value(c);
      if (v[k] < 0 || pad) throw FormatError("base64 content: invalid character at offset " + std::to_string(i + k));
    }
    uint32_t x = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += char(x >> 16);
    if (pad < 2) out += char((x >> 8) & 255);
    if (pad < 1) out += char(x & 255);
  }
  return out;
}

std::string lfs_pointer(const std::string& sha256, uint64_t size) {
  return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256 + "\nsize " + std::to_string(size) + "\n";
}

}  // namespace cuddle::hub
