// The NDJSON body of POST /api/{type}s/{repo}/commit/{revision}: one JSON object per line,
// {"key": "header" | "file" | "lfsFile" | "deletedFile" | "deletedFolder", "value": {...}}.
// The client writes it, the server parses it; both sides share this one definition.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cuddle::hub {

struct CommitHeader {
  std::string summary;
  std::string description;
  std::string parent_commit;  // empty: no check
};
struct NdjsonFile {  // key "file": small content inline, base64
  std::string path;
  std::string content;  // decoded bytes
};
struct NdjsonLfsFile {  // key "lfsFile": content already uploaded through LFS
  std::string path;
  std::string oid;  // sha256 hex
  std::optional<uint64_t> size;
};
struct NdjsonDeletion {  // "deletedFile" / "deletedFolder"
  std::string path;
  bool folder = false;
};
struct ParsedCommit {
  CommitHeader header;
  std::vector<NdjsonFile> files;
  std::vector<NdjsonLfsFile> lfs_files;
  std::vector<NdjsonDeletion> deletions;
};

// Throws FormatError naming the line and key for anything malformed: bad JSON, missing or
// repeated header, unknown key, invalid path (validate_repo_path), bad base64, oid that is
// not 64-hex, more than `max_operations` operations, a path used twice.
ParsedCommit parse_commit_ndjson(std::string_view body, size_t max_operations = 100000);

std::string ndjson_header(const CommitHeader& h);
std::string ndjson_file(const std::string& path, std::string_view content);
std::string ndjson_lfs_file(const std::string& path, const std::string& oid, uint64_t size);
std::string ndjson_deleted_file(const std::string& path);

}  // namespace cuddle::hub
