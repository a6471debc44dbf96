// create_commit / upload_folder as huggingface_hub does them: preupload decides regular
// versus LFS per file, LFS content goes through the batch API, then one NDJSON commit names
// every operation.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "hub/commit_ndjson.h"
#include "hub/hash.h"
#include "hub/hub_api.h"
#include "hub/lfs_client.h"
#include "hub/repo_path.h"

namespace fs = std::filesystem;

namespace cuddle::hub {

using json = nlohmann::json;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw IoError("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

struct PreparedFile {
  const CommitOperation* op;
  uint64_t size = 0;
  std::string sample;  // first 512 bytes
  bool lfs = false;
  std::string sha256;
};

PreparedFile prepare(const CommitOperation& op) {
  PreparedFile p;
  p.op = &op;
  if (op.content) {
    p.size = op.content->size();
    p.sample = op.content->substr(0, 512);
    return p;
  }
  std::error_code ec;
  p.size = fs::file_size(op.local_path, ec);
  if (ec) throw IoError("cannot read " + op.local_path + ": " + ec.message());
  std::ifstream f(op.local_path, std::ios::binary);
  p.sample.resize(512);
  f.read(p.sample.data(), 512);
  p.sample.resize(static_cast<size_t>(f.gcount()));
  return p;
}

// Asks the server, 256 files at a time, which files must go through LFS.
void preupload(const HubConfig& cfg, const std::string& repo_id, const CommitOptions& opts,
               std::vector<PreparedFile>& files) {
  for (size_t start = 0; start < files.size(); start += 256) {
    json list = json::array();
    size_t end = std::min(files.size(), start + 256);
    for (size_t i = start; i < end; ++i)
      list.push_back({{"path", files[i].op->path_in_repo},
                      {"sample", base64_encode(files[i].sample)},
                      {"size", files[i].size}});
    HttpResponse resp = api_call(cfg, "POST",
                                 api_repo_path(opts.repo_type, repo_id) + "/preupload/" + url_encode(opts.revision, false),
                                 json{{"files", list}}.dump());
    json j = json::parse(resp.body, nullptr, false);
    if (!j.is_object() || !j.contains("files") || !j["files"].is_array())
      throw HubError("preupload for " + repo_id + ": the answer has no 'files' list");
    for (const auto& f : j["files"]) {
      if (!f.is_object()) continue;
      std::string path = f.value("path", "");
      for (size_t i = start; i < end; ++i)
        if (files[i].op->path_in_repo == path) files[i].lfs = f.value("uploadMode", "") == "lfs";
    }
  }
}

}  // namespace

CommitInfo create_commit(const HubConfig& cfg, const std::string& repo_id, const std::vector<CommitOperation>& ops,
                         const CommitOptions& opts) {
  validate_repo_id(repo_id);
  validate_revision(opts.revision);
  if (!opts.parent_commit.empty() && !is_hex_commit(opts.parent_commit))
    throw HubError("parent commit '" + opts.parent_commit + "' is not a 40-hex commit id");
  std::vector<PreparedFile> files;
  for (const auto& op : ops) {
    validate_repo_path(op.path_in_repo);
    if (op.kind == CommitOperation::Kind::Add) files.push_back(prepare(op));
  }
  preupload(cfg, repo_id, opts, files);

  std::vector<LfsObject> lfs;
  for (auto& f : files) {
    if (!f.lfs) continue;
    f.sha256 = f.op->content ? sha256_hex(*f.op->content) : sha256_file(f.op->local_path);
    lfs.push_back({f.sha256, f.size, f.op->local_path, f.op->content});
  }
  lfs_upload(cfg, opts.repo_type, repo_id, opts.revision, lfs);

  std::string body = ndjson_header({opts.message, opts.description, opts.parent_commit});
  for (const auto& f : files) {
    body += '\n';
    if (f.lfs) body += ndjson_lfs_file(f.op->path_in_repo, f.sha256, f.size);
    else body += ndjson_file(f.op->path_in_repo, f.op->content ? *f.op->content : read_all(f.op->local_path));
  }
  for (const auto& op : ops)
    if (op.kind == CommitOperation::Kind::Delete) body += '\n' + ndjson_deleted_file(op.path_in_repo);

  HttpResponse resp = api_call(cfg, "POST",
                               api_repo_path(opts.repo_type, repo_id) + "/commit/" + url_encode(opts.revision, false),
                               body, "application/x-ndjson");
  json j = json::parse(resp.body, nullptr, false);
  if (!j.is_object() || !j.contains("commitOid") || !j["commitOid"].is_string())
    throw HubError("commit to " + repo_id + ": the answer has no 'commitOid'");
  return {j["commitOid"].get<std::string>(), j.value("commitUrl", "")};
}

CommitInfo upload_folder(const HubConfig& cfg, const std::string& repo_id, const std::string& folder,
                         const UploadFolderOptions& opts, const std::vector<CommitOperation>& extra) {
  if (!fs::is_directory(folder)) throw IoError("upload: " + folder + " is not a folder");
  std::string prefix = opts.path_in_repo;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  std::vector<CommitOperation> ops;
  for (const auto& e : fs::recursive_directory_iterator(folder)) {
    if (!e.is_regular_file()) continue;
    std::string rel = fs::relative(e.path(), folder).generic_string();
    // Like huggingface_hub: never upload git internals or the local-dir download metadata.
    if (rel.rfind(".git/", 0) == 0 || rel.rfind(".cache/huggingface/", 0) == 0) continue;
    if (!path_selected(rel, opts.allow_patterns, opts.ignore_patterns)) continue;
    CommitOperation op;
    op.path_in_repo = prefix.empty() ? rel : prefix + "/" + rel;
    op.local_path = e.path().string();
    ops.push_back(std::move(op));
  }
  ops.insert(ops.end(), extra.begin(), extra.end());
  std::sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) { return a.path_in_repo < b.path_in_repo; });
  if (ops.empty()) throw HubError("upload: no file of " + folder + " matches the include/exclude patterns");
  return create_commit(cfg, repo_id, ops, opts);
}

}  // namespace cuddle::hub
