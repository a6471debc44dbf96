#include "hub/cache_layout.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "hub/repo_path.h"

namespace fs = std::filesystem;

namespace cuddle::hub {

void make_parent_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) throw IoError("cannot create the folder of " + path + ": " + ec.message());
}

RepoCache::RepoCache(std::string cache_dir, RepoType type, const std::string& repo_id)
    : cache_dir_(std::move(cache_dir)), folder_(cache_folder_name(type, repo_id)), repo_dir_(cache_dir_ + "/" + folder_) {}

std::string RepoCache::blob_path(const std::string& etag) const { return repo_dir_ + "/blobs/" + etag; }
std::string RepoCache::snapshot_dir(const std::string& commit) const { return repo_dir_ + "/snapshots/" + commit; }
std::string RepoCache::snapshot_file(const std::string& commit, const std::string& path) const {
  return snapshot_dir(commit) + "/" + path;
}
std::string RepoCache::no_exist_path(const std::string& commit, const std::string& path) const {
  return repo_dir_ + "/.no_exist/" + commit + "/" + path;
}
std::string RepoCache::lock_path(const std::string& etag) const {
  return cache_dir_ + "/.locks/" + folder_ + "/" + etag + ".lock";
}

std::optional<std::string> RepoCache::read_ref(const std::string& revision) const {
  std::ifstream f(repo_dir_ + "/refs/" + revision);
  if (!f) return std::nullopt;
  std::string commit;
  std::getline(f, commit);
  if (!is_hex_commit(commit)) return std::nullopt;
  return commit;
}

void RepoCache::write_ref(const std::string& revision, const std::string& commit) const {
  if (revision == commit) return;
  std::string path = repo_dir_ + "/refs/" + revision;
  if (read_ref(revision) == commit) return;
  make_parent_dirs(path);
  // Write then rename so a concurrent reader never sees a half-written ref.
  std::string tmp = path + ".tmp" + std::to_string(getpid()) + "-" + std::to_string(std::random_device{}());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << commit;
    if (!f) throw IoError("cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw IoError("cannot write ref " + path + ": " + ec.message());
}

void RepoCache::link_snapshot(const std::string& commit, const std::string& path, const std::string& etag) const {
  std::string link = snapshot_file(commit, path);
  make_parent_dirs(link);
  fs::path target = fs::path(blob_path(etag)).lexically_relative(fs::path(link).parent_path());
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(link, ec))) {
    if (fs::read_symlink(link, ec) == target) return;
  }
  // Create under a temporary name and rename over the final one: atomic for readers and
  // safe when two processes link the same file.
  std::string tmp = link + ".tmp" + std::to_string(getpid()) + "-" + std::to_string(std::random_device{}());
  fs::create_symlink(target, tmp, ec);
  if (ec) throw IoError("cannot create symlink " + tmp + ": " + ec.message());
  fs::rename(tmp, link, ec);
  if (ec) {
    fs::remove(tmp);
    throw IoError("cannot create symlink " + link + ": " + ec.message());
  }
}

void RepoCache::mark_no_exist(const std::string& commit, const std::string& path) const {
  std::string marker = no_exist_path(commit, path);
  make_parent_dirs(marker);
  std::ofstream f(marker, std::ios::app);
}

FileLock::FileLock(const std::string& path) {
  make_parent_dirs(path);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw IoError("cannot open lock file " + path);
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno != EINTR) {
      ::close(fd_);
      throw IoError("cannot lock " + path);
    }
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

}  // namespace cuddle::hub
