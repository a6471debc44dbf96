#include "hub/lfs_client.h"

#include <nlohmann/json.hpp>

#include "hub/hub_api.h"
#include "hub/repo_path.h"

namespace cuddle::hub {

using json = nlohmann::json;

namespace {

void add_action_headers(const json& action, HttpRequest& req) {
  if (!action.contains("header") || !action["header"].is_object()) return;
  for (const auto& [k, v] : action["header"].items())
    if (v.is_string()) req.headers.emplace_back(k, v.get<std::string>());
}

const json* action_of(const json& obj, const char* name) {
  if (!obj.contains("actions") || !obj["actions"].is_object()) return nullptr;
  const json& a = obj["actions"];
  if (!a.contains(name) || !a[name].is_object() || !a[name].contains("href") || !a[name]["href"].is_string())
    return nullptr;
  return &a[name];
}

}  // namespace

void lfs_upload(const HubConfig& cfg, RepoType type, const std::string& repo_id, const std::string& revision,
                const std::vector<LfsObject>& objects) {
  if (objects.empty()) return;
  json req_objects = json::array();
  for (const auto& o : objects) req_objects.push_back({{"oid", o.oid}, {"size", o.size}});
  json body{{"operation", "upload"},
            {"transfers", {"basic"}},
            {"hash_algo", "sha256"},
            {"ref", {{"name", revision}}},
            {"objects", req_objects}};
  HttpRequest req;
  req.method = "POST";
  req.url = cfg.endpoint + "/" + url_type_prefix(type) + repo_id + ".git/info/lfs/objects/batch";
  req.body = body.dump();
  req.headers = {{"Accept", "application/vnd.git-lfs+json"}, {"Content-Type", "application/vnd.git-lfs+json"}};
  add_auth(cfg, req);
  HttpResponse resp = http_send(req);
  raise_for_status(resp, "LFS batch for " + repo_id);
  json answer = json::parse(resp.body, nullptr, false);
  if (!answer.is_object() || !answer.contains("objects") || !answer["objects"].is_array())
    throw HubError("LFS batch for " + repo_id + ": the answer has no 'objects' list");

  for (const auto& obj : answer["objects"]) {
    std::string oid = obj.is_object() ? obj.value("oid", "") : "";
    const LfsObject* mine = nullptr;
    for (const auto& o : objects)
      if (o.oid == oid) mine = &o;
    if (!mine) throw HubError("LFS batch for " + repo_id + ": the server answered for an object not asked about");
    if (obj.contains("error") && obj["error"].is_object())
      throw HubError("LFS upload of " + (mine->local_path.empty() ? oid : mine->local_path) + " refused: " +
                     obj["error"].value("message", "unknown error"));
    const json* upload = action_of(obj, "upload");
    if (!upload) continue;  // the server already has it
    HttpRequest put;
    put.method = "PUT";
    put.url = (*upload)["href"].get<std::string>();
    add_action_headers(*upload, put);
    put.headers.emplace_back("Content-Type", "application/octet-stream");
    if (mine->content) put.body = *mine->content;
    else put.upload_file = mine->local_path;
    HttpResponse put_resp = http_send(put);
    raise_for_status(put_resp, "LFS upload of " + (mine->local_path.empty() ? oid : mine->local_path));
    if (const json* verify = action_of(obj, "verify")) {
      HttpRequest v;
      v.method = "POST";
      v.url = (*verify)["href"].get<std::string>();
      v.body = json{{"oid", mine->oid}, {"size", mine->size}}.dump();
      v.headers = {{"Accept", "application/vnd.git-lfs+json"}, {"Content-Type", "application/vnd.git-lfs+json"}};
      add_action_headers(*verify, v);
      add_auth(cfg, v);
      raise_for_status(http_send(v), "LFS verify of " + oid);
    }
  }
}

}  // namespace cuddle::hub
