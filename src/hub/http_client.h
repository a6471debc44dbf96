// A small blocking HTTP client over libcurl: one request, headers in, status + headers +
// body (or a streaming sink) out. It knows nothing of the Hub; hub_api.h maps its answers to
// Hub errors.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace cuddle::hub {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;              // sent when non-empty (or when upload_file is empty)
  std::string upload_file;       // streamed as the body instead of `body` when set
  bool follow_redirects = true;  // false: 3xx answers are returned as they are
  long connect_timeout_s = 10;
  long low_speed_timeout_s = 60;  // abort when under 1 byte/s for this long
  uint64_t max_recv_bytes_per_s = 0;  // 0 = unlimited
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercase names; of the final response
  std::string body;                            // empty when a sink consumed it
  std::string effective_url;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Receives body bytes of a 2xx response with its status (200, 206, ...); return false to
// abort the transfer.
using BodySink = std::function<bool(int status, const char* data, size_t n)>;
// Called with (bytes done, bytes total or 0 when unknown) while the body streams.
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

// Throws HubError when no HTTP answer arrives (connection refused, timeout, ...). A sink
// only receives the body when the status is 2xx; other bodies land in `body`.
HttpResponse http_send(const HttpRequest& req, const BodySink& sink = nullptr, const ProgressFn& progress = nullptr);

}  // namespace cuddle::hub
