#include "hub/hub_api.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "hub/repo_path.h"

namespace cuddle::hub {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

bool env_true(const char* name) {
  std::string v = env(name);
  for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v == "1" || v == "on" || v == "yes" || v == "true";
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace

HubConfig HubConfig::from_env() {
  HubConfig cfg;
  std::string home = env("HF_HOME");
  if (home.empty()) {
    std::string xdg = env("XDG_CACHE_HOME");
    home = (xdg.empty() ? env("HOME") + "/.cache" : xdg) + "/huggingface";
  }
  cfg.cache_dir = env("HF_HUB_CACHE");
  if (cfg.cache_dir.empty()) cfg.cache_dir = env("HUGGINGFACE_HUB_CACHE");
  if (cfg.cache_dir.empty()) cfg.cache_dir = home + "/hub";
  if (!env("HF_ENDPOINT").empty()) cfg.endpoint = env("HF_ENDPOINT");
  while (!cfg.endpoint.empty() && cfg.endpoint.back() == '/') cfg.endpoint.pop_back();
  cfg.token = trim(env("HF_TOKEN"));
  if (cfg.token.empty()) {
    std::string token_path = env("HF_TOKEN_PATH");
    std::ifstream f(token_path.empty() ? home + "/token" : token_path);
    if (f) std::getline(f, cfg.token);
    cfg.token = trim(cfg.token);
  }
  cfg.offline = env_true("HF_HUB_OFFLINE");
  cfg.progress = isatty(2) && !env_true("HF_HUB_DISABLE_PROGRESS_BARS");
  try {
    if (!env("CUDDLE_HUB_RATE_LIMIT").empty()) cfg.max_recv_bytes_per_s = std::stoull(env("CUDDLE_HUB_RATE_LIMIT"));
  } catch (const std::exception&) {
    throw HubError("CUDDLE_HUB_RATE_LIMIT must be a number of bytes per second");
  }
  return cfg;
}

void add_auth(const HubConfig& cfg, HttpRequest& req) {
  if (!cfg.token.empty()) req.headers.emplace_back("Authorization", "Bearer " + cfg.token);
}

void raise_for_status(const HttpResponse& resp, const std::string& what) {
  if (resp.status >= 200 && resp.status < 400) return;
  std::string code = resp.header("x-error-code");
  std::string message = resp.header("x-error-message");
  if (message.empty()) {
    auto j = nlohmann::json::parse(resp.body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_string()) message = j["error"].get<std::string>();
  }
  std::string detail = what + " (HTTP " + std::to_string(resp.status) + ")" + (message.empty() ? "" : ": " + message);
  if (code == "RepoNotFound" || (resp.status == 401 && code.empty()))
    throw RepoNotFoundError("repository not found: " + detail +
                                ". Check the repo id and type; private repos need a token (HF_TOKEN)",
                            resp.status, code);
  if (code == "RevisionNotFound") throw RevisionNotFoundError("revision not found: " + detail, resp.status, code);
  if (code == "EntryNotFound") throw EntryNotFoundError("file not found in the repo: " + detail, resp.status, code);
  if (code == "GatedRepo")
    throw GatedRepoError("gated repository: " + detail + ". Request access on the Hub and use a token", resp.status, code);
  throw HttpError(detail, resp.status, code);
}

HttpResponse api_call(const HubConfig& cfg, const std::string& method, const std::string& path,
                      const std::string& json_body, const std::string& content_type) {
  HttpRequest req;
  req.method = method;
  req.url = cfg.endpoint + path;
  req.body = json_body;
  if (!json_body.empty()) req.headers.emplace_back("Content-Type", content_type);
  req.headers.emplace_back("Accept", "application/json");
  add_auth(cfg, req);
  HttpResponse resp = http_send(req);
  raise_for_status(resp, method + " " + req.url);
  return resp;
}

std::string api_repo_path(RepoType type, const std::string& repo_id) {
  return "/api/" + api_type_segment(type) + "/" + repo_id;
}

}  // namespace cuddle::hub
