#include "hub/server_routes.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <ctime>

#include "hub/hash.h"
#include "hub/repo_path.h"
#include "hub/server_error.h"

namespace cuddle::hub {

using json = nlohmann::json;

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> segs;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) segs.push_back(url_decode(path.substr(start, end - start)));
    start = end + 1;
  }
  return segs;
}

std::map<std::string, std::string> parse_query(const std::string& q) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < q.size()) {
    size_t end = q.find('&', start);
    if (end == std::string::npos) end = q.size();
    std::string kv = q.substr(start, end - start);
    size_t eq = kv.find('=');
    std::string k = eq == std::string::npos ? kv : kv.substr(0, eq);
    std::string v = eq == std::string::npos ? "" : kv.substr(eq + 1);
    for (auto& ch : v)
      if (ch == '+') ch = ' ';
    if (!k.empty()) out[url_decode(k)] = url_decode(v);
    start = end + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& segs, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to && i < segs.size(); ++i) {
    if (!out.empty()) out += '/';
    out += segs[i];
  }
  return out;
}

bool is_type_segment(const std::string& s, RepoType& type) {
  if (s != "models" && s != "datasets" && s != "spaces") return false;
  type = parse_repo_type(s);
  return true;
}

ApiResponse error_response(int status, const std::string& code, const std::string& message,
                           const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  ApiResponse r = json_response(json{{"error", message}}, status);
  r.headers = extra;
  if (!code.empty()) r.headers.emplace_back("X-Error-Code", code);
  // Header values cannot carry newlines; keep the message on one line.
  std::string one_line = message;
  for (auto& ch : one_line)
    if (ch == '\r' || ch == '\n') ch = ' ';
  r.headers.emplace_back("X-Error-Message", one_line);
  return r;
}

// Repo ids reach the server as two path segments; names are validated before any lookup.
std::string checked_repo_id(const std::string& ns, const std::string& name) {
  std::string id = ns + "/" + name;
  try {
    validate_repo_id(id);
  } catch (const HubError& e) {
    throw ApiError(400, "", e.what());
  }
  return id;
}

}  // namespace

ApiResponse json_response(const json& j, int status) {
  ApiResponse r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

json json_body(const ApiRequest& req, uint64_t limit) {
  json j = json::parse(req.read_body(limit), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw ApiError(400, "", "the request body is not a JSON object");
  return j;
}

std::string iso_time(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

HubRoutes::HubRoutes(Storage& storage, ServerOptions opts) : storage_(storage), opts_(std::move(opts)) {
  unsigned char key[32];
  if (RAND_bytes(key, sizeof key) != 1) throw Error("OpenSSL RAND_bytes failed");
  secret_.assign(reinterpret_cast<char*>(key), sizeof key);
}

ApiResponse HubRoutes::handle(const ApiRequest& req) {
  try {
    size_t q = req.target.find('?');
    std::string path = req.target.substr(0, q);
    Ctx c{req, split_path(path), q == std::string::npos ? std::map<std::string, std::string>{}
                                                        : parse_query(req.target.substr(q + 1)),
          "http://" + (req.header("host").empty() ? "localhost" : req.header("host"))};
    return dispatch(c);
  } catch (const ApiError& e) {
    return error_response(e.status, e.code, e.what(), e.headers);
  } catch (const FormatError& e) {
    return error_response(400, "", e.what());
  } catch (const HubError& e) {  // validation of names, malformed escapes
    return error_response(400, "", e.what());
  } catch (const std::exception& e) {
    return error_response(500, "", std::string("internal error: ") + e.what());
  }
}

ApiResponse HubRoutes::dispatch(Ctx& c) {
  const auto& s = c.segs;
  const std::string& m = c.req.method;
  bool read = m == "GET" || m == "HEAD";
  RepoType type = RepoType::Model;
  if (!s.empty() && s[0] == "api") {
    if (s.size() == 2 && s[1] == "whoami-v2" && read) return whoami(c);
    if (s.size() == 3 && s[1] == "repos" && s[2] == "create" && m == "POST") return create_repo(c);
    if (s.size() == 3 && s[1] == "repos" && s[2] == "delete" && m == "DELETE") return delete_repo(c);
    if (s.size() >= 4 && is_type_segment(s[1], type)) {
      std::string repo = checked_repo_id(s[2], s[3]);
      std::string op = s.size() > 4 ? s[4] : "";
      if (op.empty() && read) return repo_info(c, type, repo, "main");
      if (op == "revision" && s.size() > 5 && read) return repo_info(c, type, repo, join(s, 5, s.size()));
      if (op == "tree" && s.size() > 5 && read) return tree(c, type, repo, s[5], join(s, 6, s.size()));
      if (op == "refs" && s.size() == 5 && read) return list_refs(c, type, repo);
      if (op == "preupload" && s.size() > 5 && m == "POST") return preupload(c, type, repo, join(s, 5, s.size()));
      if (op == "commit" && s.size() > 5 && m == "POST") return commit(c, type, repo, join(s, 5, s.size()));
      if (op == "branch" && s.size() > 5 && (m == "POST" || m == "DELETE")) return branch(c, type, repo, join(s, 5, s.size()));
      if (op == "tag" && s.size() > 5 && (m == "POST" || m == "DELETE")) return tag(c, type, repo, join(s, 5, s.size()));
    }
    throw ApiError(404, "", "no API route for " + m + " " + c.req.target.substr(0, c.req.target.find('?')));
  }
  // Pre-authorised LFS transfer URLs this server hands out in batch answers.
  if (s.size() == 5 && (s[0] == "lfs-upload" || s[0] == "lfs-verify") && is_type_segment(s[1], type)) {
    std::string repo = checked_repo_id(s[2], s[3]);
    if (s[0] == "lfs-upload" && m == "PUT") return lfs_upload(c, type, repo, s[4]);
    if (s[0] == "lfs-verify" && m == "POST") return lfs_verify(c, type, repo, s[4]);
  }
  size_t i = 0;
  if (!s.empty() && (s[0] == "datasets" || s[0] == "spaces")) {
    type = parse_repo_type(s[0]);
    i = 1;
  }
  if (s.size() >= i + 5 && (s[i + 2] == "resolve" || s[i + 2] == "raw") && read)
    return resolve_file(c, type, checked_repo_id(s[i], s[i + 1]), s[i + 3], join(s, i + 4, s.size()), s[i + 2] == "raw");
  if (s.size() == i + 6 && s[i + 1].size() > 4 && s[i + 1].ends_with(".git") && s[i + 2] == "info" &&
      s[i + 3] == "lfs" && s[i + 4] == "objects" && s[i + 5] == "batch" && m == "POST")
    return lfs_batch(c, type, checked_repo_id(s[i], s[i + 1].substr(0, s[i + 1].size() - 4)));
  throw ApiError(404, "", "no route for " + m + " " + c.req.target.substr(0, c.req.target.find('?')));
}

bool HubRoutes::token_valid(const ApiRequest& req) const {
  std::string auth = req.header("authorization");
  if (auth.empty()) return false;
  if (auth.rfind("Bearer ", 0) != 0) throw ApiError(401, "", "Invalid credentials in Authorization header");
  std::string token = auth.substr(7);
  for (const auto& t : opts_.tokens)
    if (t.size() == token.size() && CRYPTO_memcmp(t.data(), token.data(), t.size()) == 0) return true;
  // With no tokens configured the server is open and ignores whatever token clients send.
  if (opts_.tokens.empty()) return false;
  throw ApiError(401, "", "Invalid credentials in Authorization header");
}

void HubRoutes::require_write(const ApiRequest& req) const {
  bool valid = token_valid(req);
  if (!opts_.tokens.empty() && !valid)
    throw ApiError(401, "", "You must be authenticated to write: pass a token (Authorization: Bearer ...)");
}

RepoRecord HubRoutes::load_repo(const ApiRequest& req, RepoType type, const std::string& repo_id, Access access) {
  bool valid = token_valid(req);
  bool open = opts_.tokens.empty();
  auto repo = storage_.find_repo(type, repo_id);
  bool readable = repo && (open || valid || (opts_.read_only_anonymous && !repo->is_private));
  // Like the Hub, a repo the caller may not see is reported as not found.
  if (!readable)
    throw ApiError(!repo && (valid || open) ? 404 : 401, "RepoNotFound",
                   "Repository Not Found for " + repo_type_name(type) + " '" + repo_id + "'");
  if (access == Access::Write && !open && !valid)
    throw ApiError(401, "", "You must be authenticated to write to " + repo_id);
  return *repo;
}

std::string HubRoutes::resolve_rev(const RepoRecord& repo, const std::string& revision) {
  try {
    validate_revision(revision);
  } catch (const HubError& e) {
    throw ApiError(400, "", e.what());
  }
  auto commit = storage_.resolve(repo, revision);
  if (!commit) throw ApiError(404, "RevisionNotFound", "Invalid rev id: " + revision);
  return *commit;
}

}  // namespace cuddle::hub
