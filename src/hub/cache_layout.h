// The huggingface_hub cache layout for one repo, exactly as Python writes it:
//   <cache>/models--org--name/blobs/<etag>                  file content, named by etag
//   <cache>/models--org--name/blobs/<etag>.incomplete       partial download (resumable)
//   <cache>/models--org--name/refs/<revision>               40-hex commit, no newline
//   <cache>/models--org--name/snapshots/<commit>/<path>     relative symlink to ../../blobs/<etag>
//   <cache>/models--org--name/.no_exist/<commit>/<path>     empty: file absent at that commit
//   <cache>/.locks/models--org--name/<etag>.lock            cross-process lock per blob
#pragma once
#include <optional>
#include <string>

#include "cuddle/hub.h"

namespace cuddle::hub {

class RepoCache {
 public:
  RepoCache(std::string cache_dir, RepoType type, const std::string& repo_id);
  const std::string& repo_dir() const { return repo_dir_; }
  std::string blob_path(const std::string& etag) const;
  std::string snapshot_dir(const std::string& commit) const;
  std::string snapshot_file(const std::string& commit, const std::string& path) const;
  std::string no_exist_path(const std::string& commit, const std::string& path) const;
  std::string lock_path(const std::string& etag) const;

  // The commit a ref points to, if the ref file exists.
  std::optional<std::string> read_ref(const std::string& revision) const;
  // Writes refs/<revision> atomically (skipped when revision already is that commit).
  void write_ref(const std::string& revision, const std::string& commit) const;
  // snapshots/<commit>/<path> -> relative path to blobs/<etag>; replaces a stale link.
  void link_snapshot(const std::string& commit, const std::string& path, const std::string& etag) const;
  void mark_no_exist(const std::string& commit, const std::string& path) const;

 private:
  std::string cache_dir_;
  std::string folder_;
  std::string repo_dir_;
};

// An exclusive advisory lock (flock) on a file, held for the object's lifetime, so that two
// processes downloading the same blob take turns instead of racing.
class FileLock {
 public:
  explicit FileLock(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// Creates the parent folders of `path`; throws IoError naming it on failure.
void make_parent_dirs(const std::string& path);

}  // namespace cuddle::hub
