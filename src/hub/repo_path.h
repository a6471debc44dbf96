// Names the Hub protocols are built from: repo ids, repo types, file paths inside a repo and
// revisions, with the validation both the client and the server apply before a name touches
// a URL or the file system.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "cuddle/hub.h"

namespace cuddle::hub {

// "org/name" (or a legacy single "name"): letters, digits, '-', '_', '.', at most 96 chars a
// part, no "--" or ".." and no leading/trailing '-' or '.'. Throws HubError naming the id.
void validate_repo_id(const std::string& repo_id);
// Relative path inside a repo: no empty, "." or ".." segment, no leading '/', no NUL or
// backslash, at most 1024 bytes. Throws HubError naming the path.
void validate_repo_path(const std::string& path);
// Branch, tag or commit: no "..", no control characters, no leading '/', at most 256 bytes.
void validate_revision(const std::string& revision);

// A full 40-hex (lowercase) git commit id.
bool is_hex_commit(std::string_view s);

// Folder of a repo in the huggingface_hub cache: models--org--name.
std::string cache_folder_name(RepoType type, const std::string& repo_id);
// "" for models, "datasets/" / "spaces/" otherwise: the prefix of resolve URLs.
std::string url_type_prefix(RepoType type);
// "models" / "datasets" / "spaces": the segment of /api/<segment>/ URLs.
std::string api_type_segment(RepoType type);

// Percent-encodes everything except unreserved characters (and '/' when keep_slash).
std::string url_encode(std::string_view s, bool keep_slash);
// Throws HubError on a malformed escape.
std::string url_decode(std::string_view s);

// fnmatch-style matching as huggingface_hub's filter_repo_objects does: '*' and '?' also
// match '/', a pattern ending in '/' matches everything below that folder.
bool fnmatch(std::string_view pattern, std::string_view path);
bool path_selected(const std::string& path, const std::vector<std::string>& allow,
                   const std::vector<std::string>& ignore);

}  // namespace cuddle::hub
