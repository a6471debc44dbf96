// The Hub HTTP API on top of Storage, independent of the HTTP library: the transport
// (server_http.cpp) turns each request into an ApiRequest and sends back the ApiResponse.
// Handlers are split by job: server_routes.cpp (dispatch, auth, errors), server_read.cpp
// (info, tree, refs, resolve), server_write.cpp (create, preupload, commit, branches, tags),
// server_lfs.cpp (LFS batch, upload, verify).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "cuddle/hub.h"
#include "hub/server_storage.h"

namespace cuddle::hub {

using ChunkSink = std::function<bool(const char* data, size_t n)>;

struct ApiRequest {
  std::string method;
  std::string target;                          // raw path and query, still percent-encoded
  std::map<std::string, std::string> headers;  // lowercase names
  // Reads the whole body; throws ApiError 413 when it exceeds `limit` bytes.
  std::function<std::string(uint64_t limit)> read_body;
  // Streams the body into `sink`; throws ApiError 413 past `limit`, 400 when the sink stops.
  std::function<void(uint64_t limit, const ChunkSink& sink)> stream_body;
  std::string header(const std::string& lower) const {
    auto it = headers.find(lower);
    return it == headers.end() ? "" : it->second;
  }
};

struct ApiResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json";
  // When set, the transport serves this file (with Range support) instead of `body`.
  std::string file_path;
  uint64_t file_size = 0;
};

class HubRoutes {
 public:
  HubRoutes(Storage& storage, ServerOptions opts);
  // Never throws: every error becomes a 4xx/5xx answer with X-Error-Code / X-Error-Message.
  ApiResponse handle(const ApiRequest& req);

 private:
  enum class Access { Read, Write };
  struct Ctx {
    const ApiRequest& req;
    std::vector<std::string> segs;  // decoded path segments
    std::map<std::string, std::string> query;
    std::string base_url;  // http://host:port as the client addressed us
  };

  ApiResponse dispatch(Ctx& c);
  bool token_valid(const ApiRequest& req) const;  // throws 401 for a wrong token
  void require_write(const ApiRequest& req) const;
  RepoRecord load_repo(const ApiRequest& req, RepoType type, const std::string& repo_id, Access access);
  std::string resolve_rev(const RepoRecord& repo, const std::string& revision);

  // server_read.cpp
  ApiResponse repo_info(Ctx& c, RepoType type, const std::string& repo_id, const std::string& revision);
  ApiResponse tree(Ctx& c, RepoType type, const std::string& repo_id, const std::string& revision,
                   const std::string& path);
  ApiResponse list_refs(Ctx& c, RepoType type, const std::string& repo_id);
  // resolve/ serves the content; raw/ serves what git stores (the pointer for LFS files).
  ApiResponse resolve_file(Ctx& c, RepoType type, const std::string& repo_id, const std::string& revision,
                           const std::string& path, bool raw);
  ApiResponse whoami(Ctx& c);
  // server_write.cpp
  ApiResponse create_repo(Ctx& c);
  ApiResponse delete_repo(Ctx& c);
  ApiResponse preupload(Ctx& c, RepoType type, const std::string& repo_id, const std::string& revision);
  ApiResponse commit(Ctx& c, RepoType type, const std::string& repo_id, const std::string& revision);
  ApiResponse branch(Ctx& c, RepoType type, const std::string& repo_id, const std::string& name);
  ApiResponse tag(Ctx& c, RepoType type, const std::string& repo_id, const std::string& name);
  // server_lfs.cpp
  ApiResponse lfs_batch(Ctx& c, RepoType type, const std::string& repo_id);
  ApiResponse lfs_upload(Ctx& c, RepoType type, const std::string& repo_id, const std::string& oid);
  ApiResponse lfs_verify(Ctx& c, RepoType type, const std::string& repo_id, const std::string& oid);
  std::string lfs_signature(RepoType type, const std::string& repo_id, const std::string& oid, uint64_t size,
                            int64_t expires) const;
  std::string lfs_action_query(RepoType type, const std::string& repo_id, const std::string& oid, uint64_t size) const;
  void check_lfs_signature(const Ctx& c, RepoType type, const std::string& repo_id, const std::string& oid,
                           uint64_t& size) const;

  Storage& storage_;
  ServerOptions opts_;
  std::string secret_;  // signs LFS upload URLs for this server's lifetime
};

ApiResponse json_response(const nlohmann::json& j, int status = 200);
// Reads and parses a JSON object body; ApiError 400 when it is not one, 413 past `limit`.
nlohmann::json json_body(const ApiRequest& req, uint64_t limit);

// ISO-8601 UTC with milliseconds, as the Hub writes dates.
std::string iso_time(int64_t unix_seconds);

}  // namespace cuddle::hub
