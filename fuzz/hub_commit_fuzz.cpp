// Fuzzes the NDJSON commit parser the Hub server runs on untrusted request bodies. Accepted
// bodies are written back with the client's serializer and must parse to the same commit.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cuddle/error.h"
#include "hub/commit_ndjson.h"

using namespace cuddle::hub;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  ParsedCommit pc;
  try {
    pc = parse_commit_ndjson(body, 1000);
  } catch (const cuddle::Error&) {
    return 0;
  }
  std::string again = ndjson_header(pc.header);
  for (const auto& f : pc.files) again += "\n" + ndjson_file(f.path, f.content);
  for (const auto& f : pc.lfs_files) again += "\n" + ndjson_lfs_file(f.path, f.oid, f.size.value_or(0));
  for (const auto& d : pc.deletions)
    again += "\n" + (d.folder ? R"({"key":"deletedFolder","value":{"path":")" + d.path + "\"}}" : ndjson_deleted_file(d.path));
  ParsedCommit back;
  try {
    back = parse_commit_ndjson(again, 1000);
  } catch (const cuddle::Error&) {
    // Paths and messages that are not valid UTF-8 are replaced when written as JSON.
    return 0;
  }
  if (back.files.size() != pc.files.size() || back.lfs_files.size() != pc.lfs_files.size() ||
      back.deletions.size() != pc.deletions.size())
    __builtin_trap();
  for (size_t i = 0; i < pc.files.size(); ++i)
    if (back.files[i].content != pc.files[i].content) __builtin_trap();
  return 0;
}
