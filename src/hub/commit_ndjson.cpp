#include "hub/commit_ndjson.h"

#include <nlohmann/json.hpp>
#include <set>

#include "cuddle/hub.h"
#include "hub/hash.h"
#include "hub/repo_path.h"

namespace cuddle::hub {

namespace {

using json = nlohmann::json;

std::string string_field(const json& v, const char* key, size_t line, bool required) {
  if (!v.contains(key) || v[key].is_null()) {
    if (required) throw FormatError("commit NDJSON line " + std::to_string(line) + ": missing \"" + key + "\"");
    return "";
  }
  if (!v[key].is_string())
    throw FormatError("commit NDJSON line " + std::to_string(line) + ": \"" + key + "\" must be a string");
  return v[key].get<std::string>();
}

std::string checked_path(const json& v, size_t line) {
  std::string path = string_field(v, "path", line, true);
  try {
    validate_repo_path(path);
  } catch (const HubError& e) {
    throw FormatError("commit NDJSON line " + std::to_string(line) + ": " + e.what());
  }
  return path;
}

std::string line_of(const std::string& key, json value) {
  return json{{"key", key}, {"value", std::move(value)}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

ParsedCommit parse_commit_ndjson(std::string_view body, size_t max_operations) {
  ParsedCommit out;
  bool have_header = false;
  std::set<std::string> paths;
  size_t line_no = 0, ops = 0;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    json j = json::parse(line, nullptr, false);
    auto where = "commit NDJSON line " + std::to_string(line_no);
    if (j.is_discarded() || !j.is_object()) throw FormatError(where + ": not a JSON object");
    if (!j.contains("key") || !j["key"].is_string()) throw FormatError(where + ": missing string \"key\"");
    if (!j.contains("value") || !j["value"].is_object()) throw FormatError(where + ": missing object \"value\"");
    std::string key = j["key"].get<std::string>();
    const json& v = j["value"];
    if (key == "header") {
      if (have_header) throw FormatError(where + ": a second header");
      if (line_no != 1 && (ops || have_header)) throw FormatError(where + ": the header must come first");
      have_header = true;
      out.header.summary = string_field(v, "summary", line_no, false);
      out.header.description = string_field(v, "description", line_no, false);
      out.header.parent_commit = string_field(v, "parentCommit", line_no, false);
      if (!out.header.parent_commit.empty() && !is_hex_commit(out.header.parent_commit))
        throw FormatError(where + ": parentCommit must be a 40-hex commit id");
      continue;
    }
    if (!have_header) throw FormatError(where + ": the first line must be the header");
    if (++ops > max_operations)
      throw FormatError("commit NDJSON: more than " + std::to_string(max_operations) + " operations");
    std::string path = checked_path(v, line_no);
    if (!paths.insert(path).second) throw FormatError(where + ": path '" + path + "' appears twice");
    if (key == "file") {
      std::string encoding = string_field(v, "encoding", line_no, false);
      std::string content = string_field(v, "content", line_no, true);
      if (encoding == "base64") content = base64_decode(content);
      else if (!encoding.empty() && encoding != "utf-8")
        throw FormatError(where + ": unknown encoding '" + encoding + "'");
      out.files.push_back({path, std::move(content)});
    } else if (key == "lfsFile") {
      std::string algo = string_field(v, "algo", line_no, false);
      if (!algo.empty() && algo != "sha256") throw FormatError(where + ": algo must be sha256");
      NdjsonLfsFile f{path, string_field(v, "oid", line_no, true), std::nullopt};
      if (!is_hex(f.oid, 64)) throw FormatError(where + ": oid must be 64 lowercase hex digits");
      if (v.contains("size") && !v["size"].is_null()) {
        if (!v["size"].is_number_unsigned()) throw FormatError(where + ": size must be a non-negative integer");
        f.size = v["size"].get<uint64_t>();
      }
      out.lfs_files.push_back(std::move(f));
    } else if (key == "deletedFile" || key == "deletedFolder") {
      out.deletions.push_back({path, key == "deletedFolder"});
    } else {
      throw FormatError(where + ": unsupported key '" + key + "'");
    }
  }
  if (!have_header) throw FormatError("commit NDJSON: no header line");
  return out;
}

std::string ndjson_header(const CommitHeader& h) {
  json v{{"summary", h.summary}, {"description", h.description}};
  if (!h.parent_commit.empty()) v["parentCommit"] = h.parent_commit;
  return line_of("header", std::move(v));
}

std::string ndjson_file(const std::string& path, std::string_view content) {
  return line_of("file", {{"content", base64_encode(content)}, {"path", path}, {"encoding", "base64"}});
}

std::string ndjson_lfs_file(const std::string& path, const std::string& oid, uint64_t size) {
  return line_of("lfsFile", {{"path", path}, {"algo", "sha256"}, {"oid", oid}, {"size", size}});
}

std::string ndjson_deleted_file(const std::string& path) { return line_of("deletedFile", {{"path", path}}); }

}  // namespace cuddle::hub
