// The server's state on disk: content-addressed blobs under <root>/blobs/<sha256[0:2]>/<sha256>
// and metadata (repos, commits with their full file lists, branches, tags, LFS objects) in
// <root>/hub.sqlite. Thread-safe: one SQLite connection behind a mutex; blob files are
// written outside it and renamed into place atomically.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cuddle/hub.h"

struct sqlite3;

namespace cuddle::hub {

struct StoredFile {
  std::string path;
  std::string sha256;   // content hash: names the blob on disk
  std::string git_oid;  // git blob id (of the LFS pointer for LFS files)
  uint64_t size = 0;
  bool lfs = false;
};
struct RepoRecord {
  int64_t id = 0;
  RepoType type = RepoType::Model;
  std::string name;
  bool is_private = false;
  int64_t created = 0;  // unix seconds
};
struct CommitRecord {
  std::string oid;
  std::string parent;
  std::string summary;
  std::string description;
  int64_t created = 0;
};
struct RefRecord {
  std::string name;
  std::string commit;
};
// A change to a branch. Names are validated by the caller; Storage::commit checks it against
// the branch and writes the regular contents only once every check passed.
struct CommitChange {
  std::vector<std::pair<std::string, std::string>> regular;  // path, bytes
  std::vector<StoredFile> upserts;                            // LFS files already stored
  std::vector<std::string> deleted_files;
  std::vector<std::string> deleted_folders;
};

class Storage {
 public:
  explicit Storage(const std::string& root);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  std::optional<RepoRecord> find_repo(RepoType type, const std::string& name);
  // Creates the repo with an initial commit holding the Hub's default .gitattributes on
  // "main". ApiError 409 when it exists.
  RepoRecord create_repo(RepoType type, const std::string& name, bool is_private);
  void delete_repo(const RepoRecord& repo);

  // Branch, then tag, then full commit id of this repo; nullopt when none matches.
  std::optional<std::string> resolve(const RepoRecord& repo, const std::string& revision);
  bool is_branch(const RepoRecord& repo, const std::string& name);
  std::vector<StoredFile> files_at(const std::string& commit);
  std::optional<StoredFile> file_at(const std::string& commit, const std::string& path);
  CommitRecord commit_record(const std::string& oid);

  // Applies `change` on top of the branch head in one transaction. ApiError 412 when
  // parent_commit is set and is not the head, 404 EntryNotFound for a missing deleted path.
  std::string commit(const RepoRecord& repo, const std::string& branch, const std::string& parent_commit,
                     const std::string& summary, const std::string& description, const CommitChange& change);

  std::vector<RefRecord> refs(const RepoRecord& repo, const std::string& kind);  // "branch" / "tag"
  // ApiError 409 when the ref exists (create) or 404 when it does not (delete).
  void create_ref(const RepoRecord& repo, const std::string& kind, const std::string& name, const std::string& commit);
  void delete_ref(const RepoRecord& repo, const std::string& kind, const std::string& name);

  // Blob store.
  std::string blob_path(const std::string& sha256) const;
  bool has_blob(const std::string& sha256, uint64_t size) const;
  // Writes bytes as a blob (idempotent) and describes them as a regular file.
  StoredFile put_blob(const std::string& path, const std::string& content);
  // Moves a fully written and verified temporary file into the store.
  void adopt_blob(const std::string& tmp_path, const std::string& sha256);
  // A fresh path under <root>/tmp for streamed uploads.
  std::string temp_path();

  void add_lfs_object(const RepoRecord& repo, const std::string& oid, uint64_t size);
  bool has_lfs_object(const RepoRecord& repo, const std::string& oid, uint64_t* size = nullptr);

 private:
  void exec(const char* sql);
  void write_blob(const std::string& sha256, const std::string& content);
  std::string insert_commit_locked(const RepoRecord& repo, const std::string& parent, const std::string& summary,
                                   const std::string& description, const std::vector<StoredFile>& files);
  std::vector<StoredFile> files_at_locked(const std::string& commit);
  std::optional<std::string> ref_locked(const RepoRecord& repo, const std::string& kind, const std::string& name);
  std::string root_;
  sqlite3* db_ = nullptr;
  std::mutex mu_;
};

// The .gitattributes the Hub puts in every new repo (LFS for the usual binary formats).
const std::string& default_gitattributes();

}  // namespace cuddle::hub
