// Read and create calls of the repository API: repo info, tree listing, repo creation.
#include <nlohmann/json.hpp>

#include "hub/hub_api.h"
#include "hub/repo_path.h"

namespace cuddle::hub {

using json = nlohmann::json;

RepoInfo repo_info(const HubConfig& cfg, const std::string& repo_id, const std::string& revision, RepoType type) {
  validate_repo_id(repo_id);
  validate_revision(revision);
  HttpResponse resp = api_call(cfg, "GET", api_repo_path(type, repo_id) + "/revision/" + url_encode(revision, false));
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  if (!j.is_object() || !j.contains("sha") || !j["sha"].is_string())
    throw HubError("repo info of " + repo_id + ": the server's answer has no 'sha'");
  RepoInfo info;
  info.id = j.value("id", repo_id);
  info.sha = j["sha"].get<std::string>();
  info.is_private = j.value("private", false);
  if (j.contains("siblings") && j["siblings"].is_array())
    for (const auto& s : j["siblings"])
      if (s.is_object() && s.contains("rfilename") && s["rfilename"].is_string())
        info.siblings.push_back(s["rfilename"].get<std::string>());
  return info;
}

namespace {

// The URL of rel="next" in a Link header, or "".
std::string next_link(const std::string& link) {
  size_t rel = link.find("rel=\"next\"");
  if (rel == std::string::npos) return "";
  size_t open = link.rfind('<', rel), close = link.rfind('>', rel);
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  return link.substr(open + 1, close - open - 1);
}

TreeEntry parse_tree_entry(const json& e) {
  TreeEntry t;
  t.type = e.value("type", "");
  t.path = e.value("path", "");
  t.oid = e.value("oid", "");
  t.size = e.value("size", uint64_t{0});
  if (e.contains("lfs") && e["lfs"].is_object()) {
    const json& l = e["lfs"];
    t.lfs = LfsInfo{l.value("oid", ""), l.value("size", uint64_t{0}), l.value("pointerSize", uint64_t{0})};
  }
  return t;
}

}  // namespace

std::vector<TreeEntry> list_repo_tree(const HubConfig& cfg, const std::string& repo_id, const std::string& revision,
                                      bool recursive, RepoType type) {
  validate_repo_id(repo_id);
  validate_revision(revision);
  std::string url = cfg.endpoint + api_repo_path(type, repo_id) + "/tree/" + url_encode(revision, false) +
                    "?recursive=" + (recursive ? "true" : "false") + "&expand=false";
  std::vector<TreeEntry> out;
  for (int page = 0; !url.empty(); ++page) {
    if (page > 100000) throw HubError("tree listing of " + repo_id + " does not end");
    HttpRequest req;
    req.url = url;
    req.headers.emplace_back("Accept", "application/json");
    add_auth(cfg, req);
    HttpResponse resp = http_send(req);
    raise_for_status(resp, "GET " + url);
    json j = json::parse(resp.body, nullptr, false);
    if (!j.is_array()) throw HubError("tree listing of " + repo_id + ": the answer is not a JSON array");
    for (const auto& e : j)
      if (e.is_object()) out.push_back(parse_tree_entry(e));
    url = next_link(resp.header("link"));
  }
  return out;
}

std::string create_repo(const HubConfig& cfg, const std::string& repo_id, bool is_private, RepoType type,
                        bool exist_ok) {
  validate_repo_id(repo_id);
  json body{{"private", is_private}};
  size_t slash = repo_id.find('/');
  if (slash == std::string::npos) {
    body["name"] = repo_id;
  } else {
    body["organization"] = repo_id.substr(0, slash);
    body["name"] = repo_id.substr(slash + 1);
  }
  if (type != RepoType::Model) body["type"] = repo_type_name(type);
  try {
    HttpResponse resp = api_call(cfg, "POST", "/api/repos/create", body.dump());
    json j = json::parse(resp.body, nullptr, false);
    if (j.is_object() && j.contains("url") && j["url"].is_string()) return j["url"].get<std::string>();
  } catch (const HttpError& e) {
    if (!(exist_ok && e.status == 409)) throw;
  }
  return cfg.endpoint + "/" + url_type_prefix(type) + repo_id;
}

}  // namespace cuddle::hub
