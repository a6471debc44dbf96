#include "hub/server_storage.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "hub/cache_layout.h"
#include "hub/hash.h"
#include "hub/repo_path.h"
#include "hub/server_error.h"

namespace fs = std::filesystem;

namespace cuddle::hub {

namespace {

// One prepared statement; binds by position, steps, and finalizes on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK)
      throw IoError(std::string("SQLite prepare failed: ") + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    if (rc == SQLITE_CONSTRAINT) throw ApiError(409, "", std::string("conflict: ") + sqlite3_errmsg(db_));
    throw IoError(std::string("SQLite step failed: ") + sqlite3_errmsg(db_));
  }
  std::string text(int col) {
    auto p = sqlite3_column_text(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_, col))) : "";
  }
  int64_t i64(int col) { return sqlite3_column_int64(s_, col); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

StoredFile read_file_row(Stmt& s) {
  return {s.text(0), s.text(1), s.text(2), static_cast<uint64_t>(s.i64(3)), s.i64(4) != 0};
}

StoredFile describe_regular(const std::string& path, const std::string& content) {
  return {path, sha256_hex(content), git_blob_oid(content), content.size(), false};
}

bool under_folder(const std::string& path, const std::string& folder) {
  std::string f = folder;
  while (!f.empty() && f.back() == '/') f.pop_back();
  return path.size() > f.size() && path.compare(0, f.size(), f) == 0 && path[f.size()] == '/';
}

}  // namespace

const std::string& default_gitattributes() {
  static const std::string text = [] {
    std::string t;
    for (const char* ext : {"7z", "arrow", "bin", "bz2", "ckpt", "ftz", "gz", "h5", "joblib", "mlmodel", "model",
                            "msgpack", "npy", "npz", "onnx", "ot", "parquet", "pb", "pickle", "pkl", "pt", "pth", "rar",
                            "safetensors", "tar", "tflite", "tgz", "wasm", "xz", "zip", "zst", "gguf"})
      t += std::string("*.") + ext + " filter=lfs diff=lfs merge=lfs -text\n";
    t += "*tfevents* filter=lfs diff=lfs merge=lfs -text\n";
    return t;
  }();
  return text;
}

Storage::Storage(const std::string& root) : root_(root) {
  std::error_code ec;
  fs::create_directories(root_ + "/blobs", ec);
  fs::create_directories(root_ + "/tmp", ec);
  if (ec) throw IoError("cannot create server root " + root_ + ": " + ec.message());
  std::string db_path = root_ + "/hub.sqlite";
  if (sqlite3_open_v2(db_path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK)
    throw IoError("cannot open " + db_path + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
  exec(
      "CREATE TABLE IF NOT EXISTS repos(id INTEGER PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL,"
      " private INTEGER NOT NULL, created INTEGER NOT NULL, UNIQUE(type, name));"
      "CREATE TABLE IF NOT EXISTS commits(oid TEXT PRIMARY KEY, repo INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,"
      " parent TEXT, summary TEXT, description TEXT, created INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS files(commit_oid TEXT NOT NULL REFERENCES commits(oid) ON DELETE CASCADE,"
      " path TEXT NOT NULL, sha256 TEXT NOT NULL, git_oid TEXT NOT NULL, size INTEGER NOT NULL, lfs INTEGER NOT NULL,"
      " PRIMARY KEY(commit_oid, path));"
      "CREATE TABLE IF NOT EXISTS refs(repo INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE, kind TEXT NOT NULL,"
      " name TEXT NOT NULL, commit_oid TEXT NOT NULL, PRIMARY KEY(repo, kind, name));"
      "CREATE TABLE IF NOT EXISTS lfs_objects(repo INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,"
      " oid TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY(repo, oid));");
}

Storage::~Storage() { sqlite3_close(db_); }

void Storage::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    throw IoError("SQLite: " + msg);
  }
}

std::optional<RepoRecord> Storage::find_repo(RepoType type, const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "SELECT id, private, created FROM repos WHERE type = ? AND name = ?");
  s.bind(1, repo_type_name(type)).bind(2, name);
  if (!s.step()) return std::nullopt;
  return RepoRecord{s.i64(0), type, name, s.i64(1) != 0, s.i64(2)};
}

RepoRecord Storage::create_repo(RepoType type, const std::string& name, bool is_private) {
  StoredFile attributes = put_blob(".gitattributes", default_gitattributes());  // shared by all repos
  std::lock_guard<std::mutex> g(mu_);
  exec("BEGIN IMMEDIATE");
  try {
    Stmt s(db_, "INSERT INTO repos(type, name, private, created) VALUES (?, ?, ?, ?)");
    RepoRecord repo{0, type, name, is_private, now_seconds()};
    s.bind(1, repo_type_name(type)).bind(2, name).bind(3, int64_t{is_private}).bind(4, repo.created);
    try {
      s.step();
    } catch (const ApiError&) {
      throw ApiError(409, "", "You already created this " + repo_type_name(type) + " repo: " + name);
    }
    repo.id = sqlite3_last_insert_rowid(db_);
    std::string oid = insert_commit_locked(repo, "", "initial commit", "", {attributes});
    Stmt r(db_, "INSERT INTO refs(repo, kind, name, commit_oid) VALUES (?, 'branch', 'main', ?)");
    r.bind(1, repo.id).bind(2, oid).step();
    exec("COMMIT");
    return repo;
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
}

void Storage::delete_repo(const RepoRecord& repo) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "DELETE FROM repos WHERE id = ?");
  s.bind(1, repo.id).step();
}

std::optional<std::string> Storage::ref_locked(const RepoRecord& repo, const std::string& kind, const std::string& name) {
  Stmt s(db_, "SELECT commit_oid FROM refs WHERE repo = ? AND kind = ? AND name = ?");
  s.bind(1, repo.id).bind(2, kind).bind(3, name);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

std::optional<std::string> Storage::resolve(const RepoRecord& repo, const std::string& revision) {
  std::lock_guard<std::mutex> g(mu_);
  // HEAD names the default branch, as on the Hub.
  std::string name = revision == "HEAD" ? "main" : revision;
  // Full ref names resolve like their short forms.
  if (name.rfind("refs/heads/", 0) == 0) return ref_locked(repo, "branch", name.substr(11));
  if (name.rfind("refs/tags/", 0) == 0) return ref_locked(repo, "tag", name.substr(10));
  if (auto c = ref_locked(repo, "branch", name)) return c;
  if (auto c = ref_locked(repo, "tag", name)) return c;
  if (is_hex_commit(name)) {
    Stmt s(db_, "SELECT oid FROM commits WHERE repo = ? AND oid = ?");
    s.bind(1, repo.id).bind(2, name);
    if (s.step()) return name;
  }
  return std::nullopt;
}

bool Storage::is_branch(const RepoRecord& repo, const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  return ref_locked(repo, "branch", name).has_value();
}

std::vector<StoredFile> Storage::files_at_locked(const std::string& commit) {
  Stmt s(db_, "SELECT path, sha256, git_oid, size, lfs FROM files WHERE commit_oid = ? ORDER BY path");
  s.bind(1, commit);
  std::vector<StoredFile> out;
  while (s.step()) out.push_back(read_file_row(s));
  return out;
}

std::vector<StoredFile> Storage::files_at(const std::string& commit) {
  std::lock_guard<std::mutex> g(mu_);
  return files_at_locked(commit);
}

std::optional<StoredFile> Storage::file_at(const std::string& commit, const std::string& path) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "SELECT path, sha256, git_oid, size, lfs FROM files WHERE commit_oid = ? AND path = ?");
  s.bind(1, commit).bind(2, path);
  if (!s.step()) return std::nullopt;
  return read_file_row(s);
}

CommitRecord Storage::commit_record(const std::string& oid) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "SELECT oid, parent, summary, description, created FROM commits WHERE oid = ?");
  s.bind(1, oid);
  if (!s.step()) throw ApiError(404, "RevisionNotFound", "Invalid rev id: " + oid);
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.i64(4)};
}

// Commit ids are SHA-1s over the parent, time, message and the sorted file list (like git,
// a new commit with the same tree still differs by its parent and time); a counter breaks ties
// within one second.
std::string Storage::insert_commit_locked(const RepoRecord& repo, const std::string& parent, const std::string& summary,
                                          const std::string& description, const std::vector<StoredFile>& files) {
  static std::atomic<uint64_t> counter{0};
  int64_t created = now_seconds();
  std::string text = "repo " + std::to_string(repo.id) + "\nparent " + parent + "\ntime " + std::to_string(created) +
                     "\nseq " + std::to_string(counter++) + "-" + std::to_string(getpid()) + "\n" + summary + "\n\n" +
                     description + "\n";
  for (const auto& f : files) text += f.path + '\0' + f.git_oid + '\n';
  std::string oid = sha1_hex(text);
  Stmt c(db_, "INSERT INTO commits(oid, repo, parent, summary, description, created) VALUES (?, ?, ?, ?, ?, ?)");
  c.bind(1, oid).bind(2, repo.id).bind(3, parent).bind(4, summary).bind(5, description).bind(6, created).step();
  Stmt ins(db_, "INSERT INTO files(commit_oid, path, sha256, git_oid, size, lfs) VALUES (?, ?, ?, ?, ?, ?)");
  for (const auto& file : files) {
    ins.reset();
    ins.bind(1, oid).bind(2, file.path).bind(3, file.sha256).bind(4, file.git_oid);
    ins.bind(5, static_cast<int64_t>(file.size)).bind(6, int64_t{file.lfs}).step();
  }
  return oid;
}

std::string Storage::commit(const RepoRecord& repo, const std::string& branch, const std::string& parent_commit,
                            const std::string& summary, const std::string& description, const CommitChange& change) {
  std::lock_guard<std::mutex> g(mu_);
  exec("BEGIN IMMEDIATE");
  try {
    auto head = ref_locked(repo, "branch", branch);
    if (!head) throw ApiError(404, "RevisionNotFound", "Invalid rev id: " + branch + " is not a branch");
    if (!parent_commit.empty() && parent_commit != *head)
      throw ApiError(412, "", "A commit has happened since " + parent_commit + " on " + branch +
                                  ". Please refresh and try again.");
    std::map<std::string, StoredFile> files;
    for (auto& f : files_at_locked(*head)) files[f.path] = std::move(f);
    for (const auto& path : change.deleted_files) {
      if (!files.erase(path)) throw ApiError(404, "EntryNotFound", "cannot delete " + path + ": no such file on " + branch);
    }
    for (const auto& folder : change.deleted_folders) {
      size_t before = files.size();
      std::erase_if(files, [&](const auto& kv) { return under_folder(kv.first, folder); });
      if (files.size() == before)
        throw ApiError(404, "EntryNotFound", "cannot delete folder " + folder + ": no such folder on " + branch);
    }
    for (const auto& f : change.upserts) files[f.path] = f;
    for (const auto& [path, content] : change.regular) files[path] = describe_regular(path, content);
    // A path cannot be both a file and a folder.
    for (const auto& [path, f] : files) {
      for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1))
        if (files.count(path.substr(0, slash)))
          throw ApiError(400, "", "'" + path.substr(0, slash) + "' is a file and cannot also be a folder");
    }
    // Every check passed: only now do the new bytes reach the store.
    for (const auto& [path, content] : change.regular) write_blob(files[path].sha256, content);
    std::vector<StoredFile> list;
    for (auto& [path, f] : files) list.push_back(f);
    std::string oid = insert_commit_locked(repo, *head, summary, description, list);
    Stmt u(db_, "UPDATE refs SET commit_oid = ? WHERE repo = ? AND kind = 'branch' AND name = ?");
    u.bind(1, oid).bind(2, repo.id).bind(3, branch).step();
    exec("COMMIT");
    return oid;
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
}

std::vector<RefRecord> Storage::refs(const RepoRecord& repo, const std::string& kind) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "SELECT name, commit_oid FROM refs WHERE repo = ? AND kind = ? ORDER BY name");
  s.bind(1, repo.id).bind(2, kind);
  std::vector<RefRecord> out;
  while (s.step()) out.push_back({s.text(0), s.text(1)});
  return out;
}

void Storage::create_ref(const RepoRecord& repo, const std::string& kind, const std::string& name,
                         const std::string& commit) {
  std::lock_guard<std::mutex> g(mu_);
  if (ref_locked(repo, kind, name)) throw ApiError(409, "", "Reference already exists: " + name);
  Stmt s(db_, "INSERT INTO refs(repo, kind, name, commit_oid) VALUES (?, ?, ?, ?)");
  s.bind(1, repo.id).bind(2, kind).bind(3, name).bind(4, commit).step();
}

void Storage::delete_ref(const RepoRecord& repo, const std::string& kind, const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  if (!ref_locked(repo, kind, name)) throw ApiError(404, "RevisionNotFound", "Invalid rev id: " + name);
  Stmt s(db_, "DELETE FROM refs WHERE repo = ? AND kind = ? AND name = ?");
  s.bind(1, repo.id).bind(2, kind).bind(3, name).step();
}

std::string Storage::blob_path(const std::string& sha256) const {
  return root_ + "/blobs/" + sha256.substr(0, 2) + "/" + sha256;
}

bool Storage::has_blob(const std::string& sha256, uint64_t size) const {
  std::error_code ec;
  auto n = fs::file_size(blob_path(sha256), ec);
  return !ec && n == size;
}

std::string Storage::temp_path() {
  static std::atomic<uint64_t> counter{0};
  return root_ + "/tmp/" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(std::random_device{}());
}

StoredFile Storage::put_blob(const std::string& path, const std::string& content) {
  StoredFile f = describe_regular(path, content);
  write_blob(f.sha256, content);
  return f;
}

void Storage::write_blob(const std::string& sha256, const std::string& content) {
  if (has_blob(sha256, content.size())) return;
  std::string tmp = temp_path();
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw IoError("cannot write blob " + tmp);
  }
  adopt_blob(tmp, sha256);
}

void Storage::adopt_blob(const std::string& tmp_path, const std::string& sha256) {
  std::string dst = blob_path(sha256);
  make_parent_dirs(dst);
  std::error_code ec;
  fs::rename(tmp_path, dst, ec);
  if (ec) {
    fs::remove(tmp_path, ec);
    throw IoError("cannot store blob " + sha256 + ": " + ec.message());
  }
}

void Storage::add_lfs_object(const RepoRecord& repo, const std::string& oid, uint64_t size) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "INSERT OR IGNORE INTO lfs_objects(repo, oid, size) VALUES (?, ?, ?)");
  s.bind(1, repo.id).bind(2, oid).bind(3, static_cast<int64_t>(size)).step();
}

bool Storage::has_lfs_object(const RepoRecord& repo, const std::string& oid, uint64_t* size) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "SELECT size FROM lfs_objects WHERE repo = ? AND oid = ?");
  s.bind(1, repo.id).bind(2, oid);
  if (!s.step()) return false;
  if (size) *size = static_cast<uint64_t>(s.i64(0));
  return true;
}

}  // namespace cuddle::hub
