// Read-only routes: repo info, tree listing, refs, whoami, and resolve (file download).
#include <set>

#include "hub/hash.h"
#include "hub/repo_path.h"
#include "hub/server_error.h"
#include "hub/server_routes.h"

namespace cuddle::hub {

using json = nlohmann::json;

namespace {

json lfs_json(const StoredFile& f) {
  return {{"oid", f.sha256}, {"size", f.size}, {"pointerSize", lfs_pointer(f.sha256, f.size).size()}};
}

json file_entry(const StoredFile& f) {
  json e{{"type", "file"}, {"oid", f.git_oid}, {"size", f.size}, {"path", f.path}};
  if (f.lfs) e["lfs"] = lfs_json(f);
  return e;
}

}  // namespace

ApiResponse HubRoutes::whoami(Ctx& c) {
  if (!token_valid(c.req)) throw ApiError(401, "", "Invalid user token or no token given");
  return json_response({{"type", "user"}, {"name", "cuddle"}, {"fullname", "cuddle hub user"}, {"orgs", json::array()},
                        {"auth", {{"type", "access_token"}, {"accessToken", {{"role", "write"}}}}}});
}

ApiResponse HubRoutes::repo_info(Ctx& c, RepoType type, const std::string& repo_id, const std::string& revision) {
  RepoRecord repo = load_repo(c.req, type, repo_id, Access::Read);
  std::string commit = resolve_rev(repo, revision);
  CommitRecord rec = storage_.commit_record(commit);
  bool with_blobs = c.query.count("blobs") && c.query["blobs"] != "false" && c.query["blobs"] != "0";
  json siblings = json::array();
  for (const auto& f : storage_.files_at(commit)) {
    json s{{"rfilename", f.path}};
    if (with_blobs) {
      s["size"] = f.size;
      s["blobId"] = f.git_oid;
      if (f.lfs) s["lfs"] = {{"sha256", f.sha256}, {"size", f.size}, {"pointerSize", lfs_pointer(f.sha256, f.size).size()}};
    }
    siblings.push_back(std::move(s));
  }
  json j{{"_id", sha1_hex(repo_type_name(type) + "/" + repo_id).substr(0, 24)},
         {"id", repo_id},
         {"author", repo_id.substr(0, repo_id.find('/'))},
         {"sha", commit},
         {"lastModified", iso_time(rec.created)},
         {"createdAt", iso_time(repo.created)},
         {"private", repo.is_private},
         {"disabled", false},
         {"gated", false},
         {"tags", json::array()},
         {"downloads", 0},
         {"likes", 0},
         {"siblings", siblings}};
  if (type == RepoType::Model) j["modelId"] = repo_id;
  return json_response(j);
}

ApiResponse HubRoutes::tree(Ctx& c, RepoType type, const std::string& repo_id, const std::string& revision,
                            const std::string& path) {
  RepoRecord repo = load_repo(c.req, type, repo_id, Access::Read);
  std::string commit = resolve_rev(repo, revision);
  if (!path.empty()) validate_repo_path(path);
  std::string prefix = path.empty() ? "" : path + "/";
  bool recursive = c.query.count("recursive") && (c.query["recursive"] == "true" || c.query["recursive"] == "1");

  // Files under the folder, and every folder they imply (all depths, or direct children).
  std::vector<json> entries;
  std::set<std::string> dirs;
  std::map<std::string, std::string> dir_content;  // folder -> concatenated child oids (its id)
  for (const auto& f : storage_.files_at(commit)) {
    if (f.path.compare(0, prefix.size(), prefix) != 0) continue;
    std::string rest = f.path.substr(prefix.size());
    for (size_t slash = rest.find('/'); slash != std::string::npos; slash = rest.find('/', slash + 1)) {
      std::string dir = prefix + rest.substr(0, slash);
      dir_content[dir] += f.git_oid;
      if (recursive || rest.find('/') == slash) dirs.insert(dir);
    }
    if (recursive || rest.find('/') == std::string::npos) entries.push_back(file_entry(f));
  }
  if (!path.empty() && entries.empty() && dirs.empty())
    throw ApiError(404, "EntryNotFound", "'" + path + "' is not a folder at revision " + revision);
  for (const auto& d : dirs)
    entries.push_back({{"type", "directory"}, {"oid", sha1_hex(dir_content[d])}, {"size", 0}, {"path", d}});
  std::sort(entries.begin(), entries.end(),
            [](const json& a, const json& b) { return a["path"].get<std::string>() < b["path"].get<std::string>(); });

  size_t limit = 1000, offset = 0;
  try {
    if (c.query.count("limit")) limit = std::clamp<size_t>(std::stoul(c.query["limit"]), 1, 1000);
    if (c.query.count("cursor")) offset = std::stoul(base64_decode(c.query["cursor"]));
  } catch (const std::exception&) {
    throw ApiError(400, "", "invalid limit or cursor");
  }
  json page = json::array();
  for (size_t i = offset; i < entries.size() && i < offset + limit; ++i) page.push_back(entries[i]);
  ApiResponse r = json_response(page);
  if (offset + limit < entries.size()) {
    std::string next = c.base_url + "/api/" + api_type_segment(type) + "/" + repo_id + "/tree/" +
                       url_encode(revision, false) + (path.empty() ? "" : "/" + url_encode(path, true)) +
                       "?recursive=" + (recursive ? "true" : "false") + "&limit=" + std::to_string(limit) +
                       "&cursor=" + url_encode(base64_encode(std::to_string(offset + limit)), false);
    r.headers.emplace_back("Link", "<" + next + ">; rel=\"next\"");
  }
  return r;
}

ApiResponse HubRoutes::list_refs(Ctx& c, RepoType type, const std::string& repo_id) {
  RepoRecord repo = load_repo(c.req, type, repo_id, Access::Read);
  auto list = [&](const char* kind, const char* prefix) {
    json out = json::array();
    for (const auto& r : storage_.refs(repo, kind))
      out.push_back({{"name", r.name}, {"ref", std::string(prefix) + r.name}, {"targetCommit", r.commit}});
    return out;
  };
  return json_response(
      {{"branches", list("branch", "refs/heads/")}, {"tags", list("tag", "refs/tags/")}, {"converts", json::array()}});
}

ApiResponse HubRoutes::resolve_file(Ctx& c, RepoType type, const std::string& repo_id, const std::string& revision,
                                    const std::string& path, bool raw) {
  RepoRecord repo = load_repo(c.req, type, repo_id, Access::Read);
  std::string commit = resolve_rev(repo, revision);
  validate_repo_path(path);
  auto file = storage_.file_at(commit, path);
  if (!file) {
    // The commit lets clients record a .no_exist marker for this revision.
    ApiError e(404, "EntryNotFound", "Entry not found: " + path + " at revision " + revision);
    e.headers.emplace_back("X-Repo-Commit", commit);
    throw e;
  }
  ApiResponse r;
  if (raw && file->lfs) {
    r.content_type = "text/plain; charset=utf-8";
    r.body = lfs_pointer(file->sha256, file->size);
    r.headers = {{"X-Repo-Commit", commit}, {"ETag", "\"" + file->git_oid + "\""}};
    return r;
  }
  r.content_type = "application/octet-stream";
  r.file_path = storage_.blob_path(file->sha256);
  r.file_size = file->size;
  r.headers = {{"X-Repo-Commit", commit}, {"Accept-Ranges", "bytes"}, {"Cache-Control", "private, max-age=0"}};
  if (file->lfs) {
    r.headers.emplace_back("ETag", "\"" + file->sha256 + "\"");
    r.headers.emplace_back("X-Linked-Etag", "\"" + file->sha256 + "\"");
    r.headers.emplace_back("X-Linked-Size", std::to_string(file->size));
  } else {
    r.headers.emplace_back("ETag", "\"" + file->git_oid + "\"");
  }
  return r;
}

}  // namespace cuddle::hub
