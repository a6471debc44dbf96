// Shared plumbing of every client call: URLs, the Authorization header, and the mapping of
// HTTP answers (X-Error-Code / X-Error-Message) to the HubError classes.
#pragma once
#include <string>

#include "cuddle/hub.h"
#include "hub/http_client.h"

namespace cuddle::hub {

// Adds "Authorization: Bearer <token>" when the config has a token.
void add_auth(const HubConfig& cfg, HttpRequest& req);
// Throws the HubError subclass that matches a non-2xx answer; `what` names the request.
void raise_for_status(const HttpResponse& resp, const std::string& what);
// GET/POST a JSON API endpoint (relative to cfg.endpoint) and return the raw body.
HttpResponse api_call(const HubConfig& cfg, const std::string& method, const std::string& path,
                      const std::string& json_body = "", const std::string& content_type = "application/json");
// {endpoint}/api/{models|datasets|spaces}/{repo_id}
std::string api_repo_path(RepoType type, const std::string& repo_id);

}  // namespace cuddle::hub
