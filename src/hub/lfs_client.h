// Git LFS batch API, client side ("basic" transfer): ask the server which objects it lacks,
// PUT those to the href it returns, then POST the verify action when offered.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cuddle/hub.h"

namespace cuddle::hub {

struct LfsObject {
  std::string oid;  // sha256 hex of the content
  uint64_t size = 0;
  std::string local_path;              // content from this file ...
  std::optional<std::string> content;  // ... or from memory
};

// Uploads the objects the server does not have yet; throws HubError naming the object the
// server refused.
void lfs_upload(const HubConfig& cfg, RepoType type, const std::string& repo_id, const std::string& revision,
                const std::vector<LfsObject>& objects);

}  // namespace cuddle::hub
