// Hugging Face Hub: downloads into the huggingface_hub cache layout, uploads through the
// Hub commit API, cache management, and a Hub-compatible server. The Hugging Face
// protocols and on-disk layouts are the specification (docs/hub.md); this module only
// depends on cuddle/error.h from the core.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cuddle/error.h"

namespace cuddle::hub {

// ---- errors ------------------------------------------------------------------------------

// Any failure talking to a Hub or reading the cache.
class HubError : public Error {
 public:
  using Error::Error;
};

// The server answered with an HTTP error; `error_code` is its X-Error-Code header (may be
// empty).
class HttpError : public HubError {
 public:
  HttpError(const std::string& what, int status, std::string error_code)
      : HubError(what), status(status), error_code(std::move(error_code)) {}
  int status;
  std::string error_code;
};
class RepoNotFoundError : public HttpError {
 public:
  using HttpError::HttpError;
};
class RevisionNotFoundError : public HttpError {
 public:
  using HttpError::HttpError;
};
class EntryNotFoundError : public HttpError {
 public:
  using HttpError::HttpError;
};
class GatedRepoError : public HttpError {
 public:
  using HttpError::HttpError;
};
// Offline (HF_HUB_OFFLINE or no connection) and the file is not in the cache.
class LocalEntryNotFoundError : public HubError {
 public:
  using HubError::HubError;
};
// Downloaded bytes do not match the size or SHA-256 the server announced.
class IntegrityError : public HubError {
 public:
  using HubError::HubError;
};

// ---- configuration -----------------------------------------------------------------------

enum class RepoType { Model, Dataset, Space };
// "model" / "dataset" / "space"; throws HubError for anything else.
RepoType parse_repo_type(const std::string& name);
std::string repo_type_name(RepoType type);

struct HubConfig {
  std::string endpoint = "https://huggingface.co";  // HF_ENDPOINT
  std::string token;                                 // HF_TOKEN, else $HF_HOME/token
  std::string cache_dir;                             // HF_HUB_CACHE, else $HF_HOME/hub
  bool offline = false;                              // HF_HUB_OFFLINE=1
  bool progress = false;                             // progress bar on stderr
  uint64_t max_recv_bytes_per_s = 0;                 // CUDDLE_HUB_RATE_LIMIT; 0 = unlimited
  // Reads the environment exactly as huggingface_hub does (HF_HOME defaults to
  // $XDG_CACHE_HOME/huggingface, then ~/.cache/huggingface); progress follows isatty(2).
  static HubConfig from_env();
};

// ---- download ----------------------------------------------------------------------------

struct DownloadOptions {
  RepoType repo_type = RepoType::Model;
  std::string revision = "main";            // branch, tag or 40-hex commit
  std::vector<std::string> allow_patterns;  // fnmatch patterns; empty = everything
  std::vector<std::string> ignore_patterns;
  std::string local_dir;  // when set, files are copied there instead of returned from the cache
};

// Downloads one file into the cache (or reuses it) and returns its path under
// snapshots/<commit>/ (or under local_dir).
std::string hf_hub_download(const HubConfig& cfg, const std::string& repo_id,
                            const std::string& filename, const DownloadOptions& opts = {});

// Downloads every file of a revision that the patterns select; returns the snapshot folder
// (or local_dir).
std::string snapshot_download(const HubConfig& cfg, const std::string& repo_id,
                              const DownloadOptions& opts = {});

// `from_pretrained` resolution: an existing local file or folder is returned as is; a name
// that looks like a path (starts with /, ., ~ or has more than one /) but does not exist is
// an IoError; anything else is a repo id, downloaded (or found in the cache when offline)
// and its snapshot folder returned.
std::string resolve_pretrained(const HubConfig& cfg, const std::string& name_or_path,
                               const std::string& revision = "main");
// The same with the configuration of the environment (HubConfig::from_env()): what every
// from_pretrained of cuddle calls.
std::string resolve_pretrained(const std::string& name_or_path, const std::string& revision = "main");

// ---- repository API ----------------------------------------------------------------------

struct LfsInfo {
  std::string oid;  // sha256 hex
  uint64_t size = 0;
  uint64_t pointer_size = 0;
};
struct TreeEntry {
  std::string type;  // "file" or "directory"
  std::string path;
  std::string oid;  // git blob (or tree) id
  uint64_t size = 0;
  std::optional<LfsInfo> lfs;
};
struct RepoInfo {
  std::string id;
  std::string sha;  // commit of the requested revision
  bool is_private = false;
  std::vector<std::string> siblings;  // every file path of that commit
};

RepoInfo repo_info(const HubConfig& cfg, const std::string& repo_id,
                   const std::string& revision = "main", RepoType type = RepoType::Model);
// Follows the Link: rel="next" pagination to the end.
std::vector<TreeEntry> list_repo_tree(const HubConfig& cfg, const std::string& repo_id,
                                      const std::string& revision = "main", bool recursive = true,
                                      RepoType type = RepoType::Model);
// Returns the repo URL. With exist_ok, an existing repo is not an error.
std::string create_repo(const HubConfig& cfg, const std::string& repo_id, bool is_private = false,
                        RepoType type = RepoType::Model, bool exist_ok = true);

// ---- upload ------------------------------------------------------------------------------

struct CommitOperation {
  enum class Kind { Add, Delete };
  Kind kind = Kind::Add;
  std::string path_in_repo;
  std::string local_path;  // Add: file to read (used when `content` is unset)
  std::optional<std::string> content;  // Add: bytes in memory
};
struct CommitOptions {
  RepoType repo_type = RepoType::Model;
  std::string revision = "main";  // branch to commit to
  std::string message = "Upload with cuddle";
  std::string description;
  std::string parent_commit;  // when set, the server refuses the commit if the branch moved
};
struct CommitInfo {
  std::string oid;
  std::string url;
};

CommitInfo create_commit(const HubConfig& cfg, const std::string& repo_id,
                         const std::vector<CommitOperation>& ops, const CommitOptions& opts);

struct UploadFolderOptions : CommitOptions {
  std::string path_in_repo;  // prefix inside the repo ("" = root)
  std::vector<std::string> allow_patterns;
  std::vector<std::string> ignore_patterns;
};
// Commits every selected file of `folder` in one commit, plus `extra` operations (e.g. a
// generated README.md).
CommitInfo upload_folder(const HubConfig& cfg, const std::string& repo_id,
                         const std::string& folder, const UploadFolderOptions& opts,
                         const std::vector<CommitOperation>& extra = {});

// ---- cache management (like `hf cache scan` / `hf cache delete`) --------------------------

struct CachedRevision {
  std::string commit;
  std::vector<std::string> refs;
  std::string snapshot_path;
  uint64_t size_on_disk = 0;  // bytes of the distinct blobs this revision links to
  size_t nb_files = 0;
};
struct CachedRepo {
  RepoType type = RepoType::Model;
  std::string repo_id;
  std::string path;
  uint64_t size_on_disk = 0;  // bytes of every blob of the repo
  size_t nb_files = 0;        // number of blobs
  std::vector<CachedRevision> revisions;
};
std::vector<CachedRepo> scan_cache(const std::string& cache_dir);
// Removes a whole repo (revision empty) or one revision (a commit or a ref name): its
// snapshot, the refs pointing at it, and the blobs no other revision uses. Returns the
// number of bytes freed.
uint64_t delete_from_cache(const std::string& cache_dir, const std::string& repo_id,
                           RepoType type = RepoType::Model, const std::string& revision = "");

// ---- server ------------------------------------------------------------------------------

struct ServerOptions {
  std::string root;  // blobs and hub.sqlite live here
  std::string host = "127.0.0.1";
  int port = 0;  // 0 = pick a free port
  std::vector<std::string> tokens;  // bearer tokens with write access; none = open server
  bool read_only_anonymous = false;  // with tokens: anonymous clients may read public repos
  uint64_t max_lfs_bytes = 5ull << 30;     // one LFS object
  uint64_t max_request_bytes = 64ull << 20;  // JSON / NDJSON bodies
  int threads = 64;                        // concurrent connections served
};

class Server {
 public:
  explicit Server(ServerOptions opts);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  // Binds and serves on a background thread; returns the bound port.
  int start();
  // Blocks until stop() (from another thread or a signal handler path).
  void wait();
  void stop();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cuddle::hub
