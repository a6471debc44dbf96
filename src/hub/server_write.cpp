// Routes that change state: repo create/delete, preupload, commit, branches and tags. Every
// request is validated completely before anything is written.
#include <fstream>

#include "hub/commit_ndjson.h"
#include "hub/hash.h"
#include "hub/repo_path.h"
#include "hub/server_error.h"
#include "hub/server_routes.h"

namespace cuddle::hub {

using json = nlohmann::json;

namespace {

// Files at least this large always go through LFS, like on the Hub.
constexpr uint64_t kLfsThreshold = 10ull << 20;

std::string string_member(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "";
  if (!j[key].is_string()) throw ApiError(400, "", std::string("\"") + key + "\" must be a string");
  return j[key].get<std::string>();
}

// LFS patterns of a .gitattributes text: first word of each line whose attributes include
// filter=lfs.
std::vector<std::string> lfs_patterns(const std::string& gitattributes) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < gitattributes.size()) {
    size_t end = gitattributes.find('\n', start);
    if (end == std::string::npos) end = gitattributes.size();
    std::string line = gitattributes.substr(start, end - start);
    start = end + 1;
    size_t sp = line.find_first_of(" \t");
    if (line.empty() || line[0] == '#' || sp == std::string::npos) continue;
    if (line.find("filter=lfs", sp) != std::string::npos) out.push_back(line.substr(0, sp));
  }
  return out;
}

// gitattributes semantics: a pattern without '/' matches the file name at any depth.
bool matches_lfs(const std::vector<std::string>& patterns, const std::string& path) {
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  for (const auto& p : patterns)
    if (p.find('/') == std::string::npos ? fnmatch(p, base) : fnmatch(p[0] == '/' ? p.substr(1) : p, path)) return true;
  return false;
}

void checked_ref_name(const std::string& name) {
  try {
    validate_revision(name);
  } catch (const HubError& e) {
    throw ApiError(400, "", e.what());
  }
  if (is_hex_commit(name)) throw ApiError(400, "", "a ref name cannot be a 40-hex commit id: " + name);
}

}  // namespace

ApiResponse HubRoutes::create_repo(Ctx& c) {
  require_write(c.req);
  json body = json_body(c.req, opts_.max_request_bytes);
  std::string name = string_member(body, "name");
  std::string org = string_member(body, "organization");
  std::string type_name = string_member(body, "type");
  RepoType type = type_name.empty() ? RepoType::Model : parse_repo_type(type_name);
  // Without an organization the repo goes to the (single) user namespace of this server.
  std::string repo_id = (org.empty() ? "cuddle" : org) + "/" + name;
  try {
    validate_repo_id(repo_id);
  } catch (const HubError& e) {
    throw ApiError(400, "", e.what());
  }
  bool is_private = body.value("private", false) || string_member(body, "visibility") == "private";
  // Files to put in the first commit (optional, base64), checked before the repo exists.
  std::vector<std::pair<std::string, std::string>> initial;  // path, bytes
  if (body.contains("files") && body["files"].is_array()) {
    for (const auto& f : body["files"]) {
      if (!f.is_object()) throw ApiError(400, "", "\"files\" entries must be objects");
      std::string path = string_member(f, "path");
      validate_repo_path(path);
      std::string content = string_member(f, "content");
      if (string_member(f, "encoding") == "base64") content = base64_decode(content);
      initial.emplace_back(path, std::move(content));
    }
  }
  RepoRecord repo = storage_.create_repo(type, repo_id, is_private);
  if (!initial.empty()) {
    CommitChange change;
    change.regular = std::move(initial);
    storage_.commit(repo, "main", "", "Initial files", "", change);
  }
  std::string url = c.base_url + "/" + url_type_prefix(type) + repo_id;
  return json_response({{"url", url}, {"name", repo_id}, {"id", repo_id}});
}

ApiResponse HubRoutes::delete_repo(Ctx& c) {
  require_write(c.req);
  json body = json_body(c.req, opts_.max_request_bytes);
  std::string org = string_member(body, "organization");
  std::string type_name = string_member(body, "type");
  RepoType type = type_name.empty() ? RepoType::Model : parse_repo_type(type_name);
  std::string repo_id = (org.empty() ? "cuddle" : org) + "/" + string_member(body, "name");
  RepoRecord repo = load_repo(c.req, type, repo_id, Access::Write);
  storage_.delete_repo(repo);
  return json_response(json::object());
}

ApiResponse HubRoutes::preupload(Ctx& c, RepoType type, const std::string& repo_id, const std::string& revision) {
  RepoRecord repo = load_repo(c.req, type, repo_id, Access::Write);
  std::string commit = resolve_rev(repo, revision);
  json body = json_body(c.req, opts_.max_request_bytes);
  if (!body.contains("files") || !body["files"].is_array()) throw ApiError(400, "", "\"files\" must be a list");
  if (body["files"].size() > 10000) throw ApiError(400, "", "at most 10000 files per preupload call");
  std::string attributes;
  if (auto f = storage_.file_at(commit, ".gitattributes")) {
    std::ifstream in(storage_.blob_path(f->sha256), std::ios::binary);
    attributes.assign(std::istreambuf_iterator<char>(in), {});
  }
  attributes += "\n" + string_member(body, "gitAttributes");
  auto patterns = lfs_patterns(attributes);
  json files = json::array();
  for (const auto& f : body["files"]) {
    if (!f.is_object()) throw ApiError(400, "", "\"files\" entries must be objects");
    std::string path = string_member(f, "path");
    validate_repo_path(path);
    if (!f.contains("size") || !f["size"].is_number_unsigned())
      throw ApiError(400, "", "\"size\" of " + path + " must be a non-negative integer");
    uint64_t size = f["size"].get<uint64_t>();
    std::string sample = base64_decode(string_member(f, "sample"));
    bool lfs = size >= kLfsThreshold || sample.find('\0') != std::string::npos || matches_lfs(patterns, path);
    files.push_back({{"path", path}, {"uploadMode", lfs ? "lfs" : "regular"}, {"shouldIgnore", false}});
  }
  return json_response({{"files", files}, {"commitOid", commit}});
}

ApiResponse HubRoutes::commit(Ctx& c, RepoType type, const std::string& repo_id, const std::string& revision) {
  RepoRecord repo = load_repo(c.req, type, repo_id, Access::Write);
  std::string head = resolve_rev(repo, revision);
  if (!storage_.is_branch(repo, revision)) throw ApiError(400, "", "can only commit to a branch, not to " + revision);
  ParsedCommit pc = parse_commit_ndjson(c.req.read_body(opts_.max_request_bytes));
  if (pc.header.summary.empty()) throw ApiError(400, "", "the commit summary (header.summary) is empty");
  if (!pc.header.parent_commit.empty() && pc.header.parent_commit != head)
    throw ApiError(412, "", "A commit has happened since " + pc.header.parent_commit + ". Please refresh and try again.");
  CommitChange change;
  for (const auto& f : pc.lfs_files) {
    uint64_t size = 0;
    if (!storage_.has_lfs_object(repo, f.oid, &size) || !storage_.has_blob(f.oid, size))
      throw ApiError(400, "", "LFS object " + f.oid + " for " + f.path + " was not uploaded to this repo");
    if (f.size && *f.size != size)
      throw ApiError(400, "", "LFS object " + f.oid + " has " + std::to_string(size) + " bytes, commit says " +
                                  std::to_string(*f.size));
    change.upserts.push_back({f.path, f.oid, git_blob_oid(lfs_pointer(f.oid, size)), size, true});
  }
  for (const auto& d : pc.deletions) (d.folder ? change.deleted_folders : change.deleted_files).push_back(d.path);
  for (auto& f : pc.files) change.regular.emplace_back(f.path, std::move(f.content));
  std::string oid = storage_.commit(repo, revision, pc.header.parent_commit, pc.header.summary,
                                    pc.header.description, change);
  return json_response({{"success", true},
                        {"commitOid", oid},
                        {"commitUrl", c.base_url + "/" + url_type_prefix(type) + repo_id + "/commit/" + oid},
                        {"hookOutput", ""}});
}

ApiResponse HubRoutes::branch(Ctx& c, RepoType type, const std::string& repo_id, const std::string& name) {
  RepoRecord repo = load_repo(c.req, type, repo_id, Access::Write);
  checked_ref_name(name);
  if (c.req.method == "DELETE") {
    if (name == "main") throw ApiError(403, "", "the default branch 'main' cannot be deleted");
    storage_.delete_ref(repo, "branch", name);
    return json_response(json::object());
  }
  std::string body = c.req.read_body(opts_.max_request_bytes);
  json j = body.empty() ? json::object() : json::parse(body, nullptr, false);
  if (!j.is_object()) throw ApiError(400, "", "the request body is not a JSON object");
  std::string start = string_member(j, "startingPoint");
  storage_.create_ref(repo, "branch", name, resolve_rev(repo, start.empty() ? "main" : start));
  return json_response(json::object());
}

ApiResponse HubRoutes::tag(Ctx& c, RepoType type, const std::string& repo_id, const std::string& name) {
  RepoRecord repo = load_repo(c.req, type, repo_id, Access::Write);
  if (c.req.method == "DELETE") {
    checked_ref_name(name);
    storage_.delete_ref(repo, "tag", name);
    return json_response(json::object());
  }
  // POST .../tag/{revision} with {"tag": name}: tags the revision.
  std::string commit = resolve_rev(repo, name);
  json j = json_body(c.req, opts_.max_request_bytes);
  std::string tag = string_member(j, "tag");
  checked_ref_name(tag);
  storage_.create_ref(repo, "tag", tag, commit);
  return json_response(json::object());
}

}  // namespace cuddle::hub
