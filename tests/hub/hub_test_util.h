// Shared fixtures of the hub tests: an in-process `cuddle hub serve` on 127.0.0.1 with an
// ephemeral port, client configs pointing at it, and small file helpers.
#pragma once
#include <memory>
#include <string>

#include "cuddle/hub.h"
#include "hub/http_client.h"
#include "test_util.h"

namespace cuddle::test {

inline const std::string kToken = "hf_cuddle_test_token";

class HubServer {
 public:
  explicit HubServer(hub::ServerOptions opts = {});
  ~HubServer();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& root() const { return root_.path(); }
  // A client config with this server's endpoint and token, caching under `cache_dir`.
  hub::HubConfig config(const std::string& cache_dir, bool with_token = true) const;
  void stop();

 private:
  TempDir root_;
  std::unique_ptr<hub::Server> server_;
  int port_ = 0;
};

// A raw request to the server (for status codes and headers the library hides).
hub::HttpResponse raw_request(const std::string& method, const std::string& url, const std::string& body = "",
                              const std::string& token = kToken, const std::string& content_type = "application/json");

// Deterministic pseudo-random bytes.
std::string random_bytes(size_t n, uint32_t seed);
// Writes bytes to dir/rel, creating folders.
void put_file(const std::string& dir, const std::string& rel, const std::string& bytes);
// Target of a symlink, as stored (relative).
std::string link_target(const std::string& path);

}  // namespace cuddle::test
