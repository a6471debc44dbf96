// Cache inspection and deletion (like `hf cache scan` / `hf cache delete`), reading only the
// layout described in cache_layout.h.
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "hub/cache_layout.h"
#include "hub/repo_path.h"

namespace fs = std::filesystem;

namespace cuddle::hub {

namespace {

uint64_t size_of(const fs::path& p) {
  std::error_code ec;
  auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

// Blob names (etags) a snapshot links to.
std::set<std::string> blobs_of_snapshot(const fs::path& snapshot) {
  std::set<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(snapshot, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_symlink()) continue;
    out.insert(fs::read_symlink(it->path(), ec).filename().string());
  }
  return out;
}

// ref name -> commit, for every file under refs/ (refs may nest, e.g. refs/pr/1).
std::map<std::string, std::string> read_refs(const fs::path& repo_dir) {
  std::map<std::string, std::string> refs;
  fs::path dir = repo_dir / "refs";
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string name = fs::relative(it->path(), dir).generic_string();
    std::ifstream f(it->path());
    std::string commit;
    std::getline(f, commit);
    if (is_hex_commit(commit)) refs[name] = commit;
  }
  return refs;
}

bool parse_folder(const std::string& name, RepoType& type, std::string& repo_id) {
  size_t sep = name.find("--");
  if (sep == std::string::npos) return false;
  try {
    type = parse_repo_type(name.substr(0, sep));
  } catch (const HubError&) {
    return false;
  }
  repo_id.clear();
  for (size_t i = sep + 2; i < name.size(); ++i) {
    if (name.compare(i, 2, "--") == 0) {
      repo_id += '/';
      ++i;
    } else {
      repo_id += name[i];
    }
  }
  return !repo_id.empty();
}

}  // namespace

std::vector<CachedRepo> scan_cache(const std::string& cache_dir) {
  std::vector<CachedRepo> repos;
  std::error_code ec;
  if (!fs::is_directory(cache_dir, ec)) return repos;
  for (const auto& entry : fs::directory_iterator(cache_dir, ec)) {
    CachedRepo repo;
    if (!entry.is_directory() || !parse_folder(entry.path().filename().string(), repo.type, repo.repo_id)) continue;
    repo.path = entry.path().string();
    std::map<std::string, uint64_t> blob_sizes;
    for (auto it = fs::directory_iterator(entry.path() / "blobs", ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      blob_sizes[it->path().filename().string()] = size_of(it->path());
      repo.size_on_disk += size_of(it->path());
      ++repo.nb_files;
    }
    ec.clear();
    auto refs = read_refs(entry.path());
    for (auto it = fs::directory_iterator(entry.path() / "snapshots", ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      if (!it->is_directory()) continue;
      CachedRevision rev;
      rev.commit = it->path().filename().string();
      rev.snapshot_path = it->path().string();
      for (const auto& b : blobs_of_snapshot(it->path())) {
        rev.size_on_disk += blob_sizes.count(b) ? blob_sizes[b] : 0;
        ++rev.nb_files;
      }
      for (const auto& [name, commit] : refs)
        if (commit == rev.commit) rev.refs.push_back(name);
      repo.revisions.push_back(std::move(rev));
    }
    ec.clear();
    repos.push_back(std::move(repo));
  }
  std::sort(repos.begin(), repos.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return repos;
}

uint64_t delete_from_cache(const std::string& cache_dir, const std::string& repo_id, RepoType type,
                           const std::string& revision) {
  validate_repo_id(repo_id);
  RepoCache cache(cache_dir, type, repo_id);
  fs::path repo_dir = cache.repo_dir();
  if (!fs::is_directory(repo_dir)) throw HubError(repo_id + " is not in the cache " + cache_dir);
  uint64_t freed = 0;
  std::error_code ec;
  if (revision.empty()) {
    for (auto it = fs::recursive_directory_iterator(repo_dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file() && !it->is_symlink()) freed += size_of(it->path());
    fs::remove_all(repo_dir, ec);
    fs::remove_all(fs::path(cache_dir) / ".locks" / repo_dir.filename(), ec);
    return freed;
  }
  validate_revision(revision);
  auto refs = read_refs(repo_dir);
  std::string commit = is_hex_commit(revision) ? revision : (refs.count(revision) ? refs[revision] : "");
  if (commit.empty() || !fs::is_directory(cache.snapshot_dir(commit)))
    throw HubError("revision " + revision + " of " + repo_id + " is not in the cache");
  fs::remove_all(cache.snapshot_dir(commit), ec);
  fs::remove_all(repo_dir / ".no_exist" / commit, ec);
  for (const auto& [name, c] : refs)
    if (c == commit) fs::remove(repo_dir / "refs" / name, ec);
  // Blobs still linked from another snapshot stay.
  std::set<std::string> kept;
  for (auto it = fs::directory_iterator(repo_dir / "snapshots", ec); !ec && it != fs::directory_iterator();
       it.increment(ec))
    for (const auto& b : blobs_of_snapshot(it->path())) kept.insert(b);
  ec.clear();
  for (auto it = fs::directory_iterator(repo_dir / "blobs", ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (kept.count(name)) continue;
    freed += size_of(it->path());
    fs::remove(it->path());
  }
  return freed;
}

}  // namespace cuddle::hub
