#include "hub_test_util.h"

#include <filesystem>

namespace cuddle::test {

HubServer::HubServer(hub::ServerOptions opts) {
  opts.root = root_.path() + "/srv";
  opts.host = "127.0.0.1";
  opts.port = 0;
  if (opts.tokens.empty()) opts.tokens = {kToken};
  server_ = std::make_unique<hub::Server>(opts);
  port_ = server_->start();
}

HubServer::~HubServer() { stop(); }

void HubServer::stop() {
  if (server_) server_->stop();
}

hub::HubConfig HubServer::config(const std::string& cache_dir, bool with_token) const {
  hub::HubConfig cfg;
  cfg.endpoint = url();
  cfg.token = with_token ? kToken : "";
  cfg.cache_dir = cache_dir;
  return cfg;
}

hub::HttpResponse raw_request(const std::string& method, const std::string& url, const std::string& body,
                              const std::string& token, const std::string& content_type) {
  hub::HttpRequest req;
  req.method = method;
  req.url = url;
  req.body = body;
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
  if (!body.empty()) req.headers.emplace_back("Content-Type", content_type);
  return hub::http_send(req);
}

std::string random_bytes(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<char>(x >> 24);
  }
  return out;
}

void put_file(const std::string& dir, const std::string& rel, const std::string& bytes) {
  std::filesystem::path p = std::filesystem::path(dir) / rel;
  std::filesystem::create_directories(p.parent_path());
  write_file(p.string(), bytes);
}

std::string link_target(const std::string& path) { return std::filesystem::read_symlink(path).string(); }

}  // namespace cuddle::test
