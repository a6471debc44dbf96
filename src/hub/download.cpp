// hf_hub_download / snapshot_download with huggingface_hub's semantics: a HEAD request
// pins the revision to a commit and names the blob (etag), the blob is streamed to
// <etag>.incomplete (resumed with Range), verified, renamed, and linked from the snapshot.
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "hub/cache_layout.h"
#include "hub/hash.h"
#include "hub/hub_api.h"
#include "hub/progress.h"
#include "hub/repo_path.h"

namespace fs = std::filesystem;

namespace cuddle::hub {

namespace {

// What a HEAD on resolve/ tells us about a file.
struct FileMetadata {
  std::string commit;
  std::string etag;
  uint64_t size = 0;
  std::string location;  // where to GET the bytes
};

// huggingface_hub strips a weak-validator prefix and the quotes.
std::string normalize_etag(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}

std::string resolve_url(const HubConfig& cfg, RepoType type, const std::string& repo_id, const std::string& revision,
                        const std::string& filename) {
  return cfg.endpoint + "/" + url_type_prefix(type) + repo_id + "/resolve/" + url_encode(revision, false) + "/" +
         url_encode(filename, true);
}

// Prefix of a URL up to (excluding) its path: scheme://host:port
std::string url_origin(const std::string& url) {
  size_t scheme = url.find("://");
  size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return path == std::string::npos ? url : url.substr(0, path);
}

// HEAD with redirects followed only when relative (renamed repos), as huggingface_hub does;
// an absolute redirect (a CDN) becomes the download location.
FileMetadata head_file(const HubConfig& cfg, const std::string& url, const RepoCache& cache,
                       const std::string& filename) {
  HttpRequest req;
  req.method = "HEAD";
  req.url = url;
  req.follow_redirects = false;
  req.headers.emplace_back("Accept-Encoding", "identity");
  add_auth(cfg, req);
  HttpResponse resp;
  for (int hop = 0;; ++hop) {
    resp = http_send(req);
    std::string loc = resp.header("location");
    if (resp.status < 300 || resp.status >= 400 || loc.empty() || loc.front() != '/') break;
    if (hop == 10) throw HubError("too many redirects resolving " + url);
    req.url = url_origin(req.url) + loc;
  }
  FileMetadata meta;
  meta.commit = resp.header("x-repo-commit");
  if (resp.status == 404 && resp.header("x-error-code") == "EntryNotFound" && is_hex_commit(meta.commit))
    cache.mark_no_exist(meta.commit, filename);
  raise_for_status(resp, "HEAD " + url);
  std::string etag = resp.header("x-linked-etag");
  if (etag.empty()) etag = resp.header("etag");
  meta.etag = normalize_etag(etag);
  std::string size = resp.header("x-linked-size");
  if (size.empty()) size = resp.header("content-length");
  if (!is_hex_commit(meta.commit)) throw HubError("server gave no X-Repo-Commit header for " + url);
  if (meta.etag.empty() || meta.etag.find('/') != std::string::npos || meta.etag.find("..") != std::string::npos)
    throw HubError("server gave no usable ETag for " + url);
  try {
    meta.size = std::stoull(size);
  } catch (const std::exception&) {
    throw HubError("server gave no file size for " + url);
  }
  std::string loc = resp.header("location");
  meta.location = resp.status >= 300 && resp.status < 400 && !loc.empty() ? loc : req.url;
  return meta;
}

uint64_t file_size_or_zero(const std::string& path) {
  std::error_code ec;
  auto n = fs::file_size(path, ec);
  return ec ? 0 : n;
}

// Checks the downloaded bytes against what the server announced: the size always, the
// SHA-256 for LFS files (64-hex etag) and the git blob id for regular files (40-hex etag).
void verify_blob(const std::string& path, const FileMetadata& meta, const std::string& filename) {
  uint64_t got = file_size_or_zero(path);
  if (got != meta.size)
    throw IntegrityError("downloaded " + filename + " has " + std::to_string(got) + " bytes, server announced " +
                         std::to_string(meta.size));
  std::string digest;
  if (is_hex(meta.etag, 64)) digest = sha256_file(path);
  else if (is_hex(meta.etag, 40)) digest = git_blob_oid_file(path);
  if (!digest.empty() && digest != meta.etag)
    throw IntegrityError("downloaded " + filename + " does not match its hash: expected " + meta.etag + ", got " + digest);
}

// Streams the blob into <blob>.incomplete, resuming from its current size, then verifies and
// renames it. Caller holds the blob's lock.
void fetch_blob(const HubConfig& cfg, const FileMetadata& meta, const std::string& blob, const std::string& filename) {
  std::string partial = blob + ".incomplete";
  for (int attempt = 0; attempt < 2; ++attempt) {
    uint64_t have = file_size_or_zero(partial);
    if (have > meta.size) have = 0;  // stale partial of another size: start over
    HttpRequest req;
    req.url = meta.location;
    req.max_recv_bytes_per_s = cfg.max_recv_bytes_per_s;
    // Credentials go only to the Hub itself, never to a third-party CDN.
    if (url_origin(meta.location) == url_origin(cfg.endpoint)) add_auth(cfg, req);
    if (have > 0 && have < meta.size) req.headers.emplace_back("Range", "bytes=" + std::to_string(have) + "-");
    std::ofstream out;
    bool opened = false;
    ProgressBar bar(cfg.progress, filename, meta.size);
    auto sink = [&](int status, const char* data, size_t n) {
      if (!opened) {
        if (status != 206) have = 0;  // the server ignored the Range: start from zero
        out.open(partial, std::ios::binary | (have > 0 ? std::ios::app : std::ios::trunc));
        opened = true;
      }
      out.write(data, static_cast<std::streamsize>(n));
      return static_cast<bool>(out);
    };
    if (have == 0 || have < meta.size) {
      make_parent_dirs(partial);
      HttpResponse resp = http_send(req, sink, [&](uint64_t done, uint64_t) { bar.update(have + done); });
      out.close();
      raise_for_status(resp, "GET " + meta.location);
      if (!opened) std::ofstream(partial, std::ios::binary | std::ios::app);  // an empty file has no body
    }
    try {
      verify_blob(partial, meta, filename);
    } catch (const IntegrityError&) {
      fs::remove(partial);
      if (attempt == 0 && have > 0) continue;  // a corrupt partial: retry once from zero
      throw;
    }
    // Blobs are read-only content; follow the umask like huggingface_hub's _chmod_and_move.
    mode_t mask = umask(0);
    umask(mask);
    chmod(partial.c_str(), 0666 & ~mask);
    std::error_code ec;
    fs::rename(partial, blob, ec);
    if (ec) throw IoError("cannot move " + partial + " to " + blob + ": " + ec.message());
    return;
  }
}

std::string copy_to_local_dir(const std::string& src, const std::string& local_dir, const std::string& filename) {
  std::string dst = local_dir + "/" + filename;
  make_parent_dirs(dst);
  std::error_code ec;
  fs::copy_file(src, dst, fs::copy_options::overwrite_existing, ec);
  if (ec) throw IoError("cannot copy " + filename + " to " + dst + ": " + ec.message());
  return dst;
}

std::optional<std::string> commit_from_cache(const RepoCache& cache, const std::string& revision) {
  if (is_hex_commit(revision)) return revision;
  return cache.read_ref(revision);
}

// The answer when the network cannot be used: the cached file, or a clear error.
std::string cached_file_or_throw(const RepoCache& cache, const std::string& repo_id, const std::string& filename,
                                 const std::string& revision, const std::string& why) {
  if (auto commit = commit_from_cache(cache, revision)) {
    std::string path = cache.snapshot_file(*commit, filename);
    if (fs::exists(path)) return path;
    if (fs::exists(cache.no_exist_path(*commit, filename)))
      throw EntryNotFoundError(filename + " does not exist in " + repo_id + " at " + revision + " (cached)", 404,
                               "EntryNotFound");
  }
  throw LocalEntryNotFoundError(why + ", and " + filename + " of " + repo_id + " at revision " + revision +
                                " is not in the cache " + cache.repo_dir());
}

}  // namespace

std::string hf_hub_download(const HubConfig& cfg, const std::string& repo_id, const std::string& filename,
                            const DownloadOptions& opts) {
  validate_repo_id(repo_id);
  validate_repo_path(filename);
  validate_revision(opts.revision);
  RepoCache cache(cfg.cache_dir, opts.repo_type, repo_id);
  auto finish = [&](const std::string& path) {
    return opts.local_dir.empty() ? path : copy_to_local_dir(path, opts.local_dir, filename);
  };
  // A commit already in the cache is immutable: no network needed.
  if (is_hex_commit(opts.revision) && fs::exists(cache.snapshot_file(opts.revision, filename)))
    return finish(cache.snapshot_file(opts.revision, filename));
  if (cfg.offline)
    return finish(cached_file_or_throw(cache, repo_id, filename, opts.revision, "offline mode (HF_HUB_OFFLINE)"));

  FileMetadata meta;
  std::string url = resolve_url(cfg, opts.repo_type, repo_id, opts.revision, filename);
  try {
    meta = head_file(cfg, url, cache, filename);
  } catch (const HttpError&) {
    throw;
  } catch (const HubError& e) {  // no connection: the cache may still have it
    return finish(cached_file_or_throw(cache, repo_id, filename, opts.revision, e.what()));
  }
  cache.write_ref(opts.revision, meta.commit);
  std::string blob = cache.blob_path(meta.etag);
  std::string snapshot = cache.snapshot_file(meta.commit, filename);
  if (!fs::exists(blob)) {
    FileLock lock(cache.lock_path(meta.etag));
    if (!fs::exists(blob)) fetch_blob(cfg, meta, blob, filename);  // another process may have finished it
  }
  cache.link_snapshot(meta.commit, filename, meta.etag);
  return finish(snapshot);
}

std::string snapshot_download(const HubConfig& cfg, const std::string& repo_id, const DownloadOptions& opts) {
  validate_repo_id(repo_id);
  validate_revision(opts.revision);
  RepoCache cache(cfg.cache_dir, opts.repo_type, repo_id);
  auto from_cache = [&](const std::string& why) -> std::string {
    auto commit = commit_from_cache(cache, opts.revision);
    if (commit && fs::is_directory(cache.snapshot_dir(*commit))) {
      if (opts.local_dir.empty()) return cache.snapshot_dir(*commit);
      for (const auto& e : fs::recursive_directory_iterator(cache.snapshot_dir(*commit))) {
        if (e.is_directory()) continue;
        std::string rel = fs::relative(e.path(), cache.snapshot_dir(*commit)).generic_string();
        if (path_selected(rel, opts.allow_patterns, opts.ignore_patterns))
          copy_to_local_dir(e.path().string(), opts.local_dir, rel);
      }
      return opts.local_dir;
    }
    throw LocalEntryNotFoundError(why + ", and revision " + opts.revision + " of " + repo_id +
                                  " is not in the cache " + cache.repo_dir());
  };
  if (cfg.offline) return from_cache("offline mode (HF_HUB_OFFLINE)");
  RepoInfo info;
  try {
    info = repo_info(cfg, repo_id, opts.revision, opts.repo_type);
  } catch (const HttpError&) {
    throw;
  } catch (const HubError& e) {
    return from_cache(e.what());
  }
  if (!is_hex_commit(info.sha)) throw HubError("repo info of " + repo_id + ": 'sha' is not a 40-hex commit");
  cache.write_ref(opts.revision, info.sha);

  std::vector<std::string> files;
  for (const auto& f : info.siblings)
    if (path_selected(f, opts.allow_patterns, opts.ignore_patterns)) files.push_back(f);

  // Up to 8 files at once, like huggingface_hub's default max_workers; one bar counts files
  // (per-file byte bars would overwrite each other).
  DownloadOptions per_file = opts;
  per_file.revision = info.sha;
  HubConfig quiet = cfg;
  quiet.progress = false;
  std::atomic<size_t> next{0};
  std::mutex mu;
  size_t done = 0;
  std::exception_ptr first_error;
  ProgressBar bar(cfg.progress, "Fetching " + std::to_string(files.size()) + " files", files.size(),
                  ProgressBar::Unit::Files);
  auto worker = [&] {
    for (size_t i = next++; i < files.size(); i = next++) {
      try {
        hf_hub_download(quiet, repo_id, files[i], per_file);
      } catch (...) {
        std::lock_guard<std::mutex> g(mu);
        if (!first_error) first_error = std::current_exception();
      }
      std::lock_guard<std::mutex> g(mu);
      bar.update(++done);
    }
  };
  std::vector<std::thread> pool;
  size_t n_threads = std::min<size_t>(8, files.size());
  for (size_t i = 0; i < n_threads; ++i) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (first_error) std::rethrow_exception(first_error);
  fs::create_directories(cache.snapshot_dir(info.sha));  // an empty selection still has a snapshot
  return opts.local_dir.empty() ? cache.snapshot_dir(info.sha) : opts.local_dir;
}

namespace {
bool looks_like_path(const std::string& s) {
  return s.empty() || s[0] == '/' || s[0] == '.' || s[0] == '~' || std::count(s.begin(), s.end(), '/') > 1;
}
}  // namespace

std::string resolve_pretrained(const HubConfig& cfg, const std::string& name_or_path, const std::string& revision) {
  if (fs::exists(name_or_path)) return name_or_path;
  if (looks_like_path(name_or_path))
    throw IoError(name_or_path + ": does not exist (expected a local file or folder, or an org/name Hub repo id)");
  DownloadOptions opts;
  opts.revision = revision;
  return snapshot_download(cfg, name_or_path, opts);
}

std::string resolve_pretrained(const std::string& name_or_path, const std::string& revision) {
  return resolve_pretrained(HubConfig::from_env(), name_or_path, revision);
}

}  // namespace cuddle::hub
