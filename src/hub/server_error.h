// The error a server handler raises: an HTTP status plus the Hub's X-Error-Code (optional)
// and a message, sent as X-Error-Code / X-Error-Message headers and {"error": message}.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "cuddle/hub.h"

namespace cuddle::hub {

class ApiError : public HubError {
 public:
  ApiError(int status, std::string code, const std::string& message)
      : HubError(message), status(status), code(std::move(code)) {}
  int status;
  std::string code;  // RepoNotFound, RevisionNotFound, EntryNotFound, ... or ""
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. X-Repo-Commit
};

}  // namespace cuddle::hub
