// Git LFS batch API, server side ("basic" transfer). Upload and verify hrefs are
// pre-authorised: they carry an HMAC over (repo, oid, size, expiry) so clients that PUT
// without credentials (as huggingface_hub and @huggingface/hub do) are still checked.
#include <openssl/crypto.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "hub/hash.h"
#include "hub/repo_path.h"
#include "hub/server_error.h"
#include "hub/server_routes.h"

namespace cuddle::hub {

using json = nlohmann::json;

namespace {

constexpr int64_t kActionLifetimeS = 3600;
constexpr size_t kMaxBatchObjects = 1000;

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

ApiResponse lfs_json(const json& j, int status = 200) {
  ApiResponse r = json_response(j, status);
  r.content_type = "application/vnd.git-lfs+json";
  return r;
}

}  // namespace

std::string HubRoutes::lfs_signature(RepoType type, const std::string& repo_id, const std::string& oid, uint64_t size,
                                     int64_t expires) const {
  return hmac_sha256_hex(secret_, repo_type_name(type) + "\n" + repo_id + "\n" + oid + "\n" + std::to_string(size) +
                                      "\n" + std::to_string(expires));
}

std::string HubRoutes::lfs_action_query(RepoType type, const std::string& repo_id, const std::string& oid,
                                        uint64_t size) const {
  int64_t expires = unix_now() + kActionLifetimeS;
  return "?size=" + std::to_string(size) + "&expires=" + std::to_string(expires) +
         "&sig=" + lfs_signature(type, repo_id, oid, size, expires);
}

void HubRoutes::check_lfs_signature(const Ctx& c, RepoType type, const std::string& repo_id, const std::string& oid,
                                    uint64_t& size) const {
  auto get = [&](const char* k) {
    auto it = c.query.find(k);
    return it == c.query.end() ? std::string() : it->second;
  };
  int64_t expires = 0;
  try {
    size = std::stoull(get("size"));
    expires = std::stoll(get("expires"));
  } catch (const std::exception&) {
    throw ApiError(403, "", "LFS transfer URL is missing its size or expiry");
  }
  if (!is_hex(oid, 64)) throw ApiError(400, "", "LFS oid must be 64 lowercase hex digits");
  if (expires < unix_now()) throw ApiError(403, "", "LFS transfer URL has expired; ask the batch API again");
  std::string sig = get("sig"), expected = lfs_signature(type, repo_id, oid, size, expires);
  if (sig.size() != expected.size() || CRYPTO_memcmp(sig.data(), expected.data(), sig.size()) != 0)
    throw ApiError(403, "", "LFS transfer URL signature does not match");
}

ApiResponse HubRoutes::lfs_batch(Ctx& c, RepoType type, const std::string& repo_id) {
  json body = json_body(c.req, opts_.max_request_bytes);
  std::string operation = body.value("operation", "");
  RepoRecord repo = load_repo(c.req, type, repo_id, Access::Write);
  // Downloads go through resolve/, as with the Hub's clients.
  if (operation != "upload") throw ApiError(400, "", "LFS batch operation must be 'upload'");
  if (!body.contains("objects") || !body["objects"].is_array()) throw ApiError(400, "", "\"objects\" must be a list");
  if (body["objects"].size() > kMaxBatchObjects)
    throw ApiError(413, "", "at most " + std::to_string(kMaxBatchObjects) + " objects per LFS batch");
  std::string prefix = c.base_url + "/";
  json objects = json::array();
  for (const auto& o : body["objects"]) {
    if (!o.is_object() || !o.contains("oid") || !o["oid"].is_string() || !o.contains("size") ||
        !o["size"].is_number_unsigned())
      throw ApiError(400, "", "each LFS object needs a string \"oid\" and an unsigned \"size\"");
    std::string oid = o["oid"].get<std::string>();
    uint64_t size = o["size"].get<uint64_t>();
    if (!is_hex(oid, 64)) throw ApiError(400, "", "LFS oid '" + oid.substr(0, 80) + "' is not 64 lowercase hex digits");
    json entry{{"oid", oid}, {"size", size}, {"authenticated", true}};
    uint64_t have = 0;
    bool present = storage_.has_lfs_object(repo, oid, &have) && have == size && storage_.has_blob(oid, size);
    if (size > opts_.max_lfs_bytes) {
      entry["error"] = {{"code", 413}, {"message", "object larger than this server's limit of " +
                                                       std::to_string(opts_.max_lfs_bytes) + " bytes"}};
    } else if (!present) {  // content already in this repo needs no transfer: no actions
      std::string tail = api_type_segment(type) + "/" + repo_id + "/" + oid + lfs_action_query(type, repo_id, oid, size);
      entry["actions"] = {{"upload", {{"href", prefix + "lfs-upload/" + tail}, {"header", json::object()},
                                      {"expires_in", kActionLifetimeS}}},
                          {"verify", {{"href", prefix + "lfs-verify/" + tail}, {"header", json::object()},
                                      {"expires_in", kActionLifetimeS}}}};
    }
    objects.push_back(std::move(entry));
  }
  return lfs_json({{"transfer", "basic"}, {"objects", objects}, {"hash_algo", "sha256"}});
}

ApiResponse HubRoutes::lfs_upload(Ctx& c, RepoType type, const std::string& repo_id, const std::string& oid) {
  uint64_t size = 0;
  check_lfs_signature(c, type, repo_id, oid, size);
  auto repo = storage_.find_repo(type, repo_id);
  if (!repo) throw ApiError(404, "RepoNotFound", "Repository Not Found for '" + repo_id + "'");
  std::string declared = c.req.header("content-length");
  if (!declared.empty() && declared != std::to_string(size))
    throw ApiError(400, "", "LFS upload of " + oid + ": Content-Length " + declared + " differs from the size " +
                                std::to_string(size) + " given to the batch API");
  // Stream to a temporary file while hashing; only a verified object enters the store.
  std::string tmp = storage_.temp_path();
  std::FILE* out = std::fopen(tmp.c_str(), "wb");
  if (!out) throw IoError("cannot create " + tmp);
  Sha256 hash;
  uint64_t received = 0;
  try {
    c.req.stream_body(size, [&](const char* d, size_t n) {
      received += n;
      hash.update(d, n);
      return std::fwrite(d, 1, n, out) == n;
    });
  } catch (...) {
    std::fclose(out);
    std::filesystem::remove(tmp);
    throw;
  }
  bool write_ok = std::fclose(out) == 0;
  std::string digest = hash.hex_digest();
  if (!write_ok || received != size || digest != oid) {
    std::filesystem::remove(tmp);
    if (!write_ok) throw IoError("cannot write LFS object " + oid);
    throw ApiError(400, "", "LFS upload does not match: expected " + std::to_string(size) + " bytes with sha256 " +
                                oid + ", got " + std::to_string(received) + " bytes with sha256 " + digest);
  }
  storage_.adopt_blob(tmp, oid);
  storage_.add_lfs_object(*repo, oid, size);
  ApiResponse r;
  r.content_type = "text/plain";
  r.headers.emplace_back("ETag", "\"" + oid + "\"");
  return r;
}

ApiResponse HubRoutes::lfs_verify(Ctx& c, RepoType type, const std::string& repo_id, const std::string& oid) {
  uint64_t size = 0;
  check_lfs_signature(c, type, repo_id, oid, size);
  auto repo = storage_.find_repo(type, repo_id);
  if (!repo) throw ApiError(404, "RepoNotFound", "Repository Not Found for '" + repo_id + "'");
  json body = json_body(c.req, opts_.max_request_bytes);
  uint64_t have = 0;
  if (body.value("oid", "") != oid || !storage_.has_lfs_object(*repo, oid, &have) || have != size)
    throw ApiError(404, "", "LFS object " + oid + " of " + std::to_string(size) + " bytes was not uploaded");
  return lfs_json(json{{"message", "verified"}});
}

}  // namespace cuddle::hub
