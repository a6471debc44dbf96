// Transport of the Hub server: cpp-httplib accepts connections and hands every request to
// HubRoutes. This is the only file that includes httplib.h.
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <fcntl.h>
#include <sys/socket.h>
#include <memory>
#include <thread>
#include <unistd.h>

#include "hub/server_error.h"
#include "hub/server_routes.h"

namespace cuddle::hub {

namespace {

// Bodies of refused requests up to this size are read and dropped so the connection stays
// usable; larger ones close the connection instead.
constexpr uint64_t kDrainLimit = 16ull << 20;

struct BodyState {
  bool consumed = false;
};

ApiRequest make_request(const httplib::Request& req, const httplib::ContentReader* reader, BodyState& state) {
  ApiRequest r;
  r.method = req.method;
  r.target = req.target;
  for (const auto& [k, v] : req.headers) {
    std::string name = k;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
    r.headers[name] = v;
  }
  auto declared = [&r]() -> uint64_t {
    std::string cl = r.header("content-length");
    try {
      return cl.empty() ? 0 : std::stoull(cl);
    } catch (const std::exception&) {
      throw ApiError(400, "", "invalid Content-Length");
    }
  };
  r.stream_body = [reader, &req, &state, declared](uint64_t limit, const ChunkSink& sink) {
    if (declared() > limit)
      throw ApiError(413, "", "request body of " + std::to_string(declared()) + " bytes exceeds the limit of " +
                                  std::to_string(limit));
    if (!reader) {  // GET-style request: httplib already read it
      if (req.body.size() > limit) throw ApiError(413, "", "request body too large");
      if (!req.body.empty() && !sink(req.body.data(), req.body.size())) throw ApiError(400, "", "request body refused");
      return;
    }
    state.consumed = true;
    uint64_t got = 0;
    bool too_big = false, refused = false;
    bool ok = (*reader)([&](const char* d, size_t n) {
      got += n;
      if (got > limit) return !(too_big = true);
      if (!sink(d, n)) return !(refused = true);
      return true;
    });
    if (too_big) throw ApiError(413, "", "request body exceeds the limit of " + std::to_string(limit) + " bytes");
    if (refused) throw ApiError(400, "", "request body refused");
    if (!ok) throw ApiError(400, "", "request body ended early");
  };
  r.read_body = [stream = r.stream_body](uint64_t limit) {
    std::string body;
    stream(limit, [&body](const char* d, size_t n) {
      body.append(d, n);
      return true;
    });
    return body;
  };
  return r;
}

void send_response(const ApiResponse& api, httplib::Response& res) {
  for (const auto& [k, v] : api.headers) res.set_header(k.c_str(), v);
  if (api.file_path.empty()) {
    res.status = api.status;
    res.set_content(api.body, api.content_type.c_str());
    return;
  }
  // Files stream from disk; httplib applies Range (206 + Content-Range) itself when the
  // status is left unset.
  int fd = ::open(api.file_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    res.status = 500;
    res.set_content(R"({"error":"blob missing on the server"})", "application/json");
    return;
  }
  if (api.file_size == 0) {
    ::close(fd);
    res.set_content("", api.content_type.c_str());
    return;
  }
  auto file = std::shared_ptr<int>(new int(fd), [](int* p) {
    ::close(*p);
    delete p;
  });
  res.set_content_provider(
      api.file_size, api.content_type.c_str(),
      [file](size_t offset, size_t length, httplib::DataSink& sink) {
        char buf[1 << 16];
        size_t n = std::min(length, sizeof buf);
        ssize_t got = ::pread(*file, buf, n, static_cast<off_t>(offset));
        if (got <= 0) return false;
        return sink.write(buf, static_cast<size_t>(got));
      },
      [file](bool) {});
}

}  // namespace

struct Server::Impl {
  explicit Impl(ServerOptions o) : opts(std::move(o)), storage(opts.root), routes(storage, opts) {}
  ServerOptions opts;
  Storage storage;
  HubRoutes routes;
  httplib::Server http;
  std::thread thread;
  int port = -1;
  int listen_fd = -1;

  void serve(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* reader) {
    BodyState state;
    ApiRequest api = make_request(req, reader, state);
    ApiResponse out = routes.handle(api);
    if (reader && !state.consumed) {
      uint64_t declared = 0;
      try {
        declared = std::stoull(api.header("content-length").empty() ? "0" : api.header("content-length"));
      } catch (const std::exception&) {
        declared = kDrainLimit + 1;
      }
      if (declared <= kDrainLimit) (*reader)([](const char*, size_t) { return true; });
      else out.headers.emplace_back("Connection", "close");
    }
    send_response(out, res);
  }
};

Server::Server(ServerOptions opts) : impl_(std::make_unique<Impl>(std::move(opts))) {
  Impl* impl = impl_.get();
  auto& http = impl->http;
  int threads = std::max(4, impl->opts.threads);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http.set_read_timeout(60, 0);
  http.set_write_timeout(60, 0);
  http.set_keep_alive_timeout(5);
  // Remember the listening socket: start() widens its accept backlog, which httplib sets to 5
  // (too few for bursts of clients, whose connections then get reset).
  http.set_socket_options([impl](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    impl->listen_fd = sock;
  });
  http.Get(".*", [impl](const httplib::Request& req, httplib::Response& res) { impl->serve(req, res, nullptr); });
  auto with_body = [impl](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    impl->serve(req, res, &reader);
  };
  http.Post(".*", with_body);
  http.Put(".*", with_body);
  http.Delete(".*", with_body);
  http.Patch(".*", with_body);
}

Server::~Server() { stop(); }

int Server::start() {
  auto& o = impl_->opts;
  int port = o.port == 0 ? impl_->http.bind_to_any_port(o.host) : (impl_->http.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0) throw IoError("cannot listen on " + o.host + ":" + std::to_string(o.port));
  if (impl_->listen_fd >= 0) ::listen(impl_->listen_fd, SOMAXCONN);
  impl_->port = port;
  impl_->thread = std::thread([this] { impl_->http.listen_after_bind(); });
  return port;
}

void Server::wait() {
  if (impl_->thread.joinable()) impl_->thread.join();
}

void Server::stop() {
  impl_->http.stop();
  wait();
}

int Server::port() const { return impl_->port; }

}  // namespace cuddle::hub
