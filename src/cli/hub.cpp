// `cuddle hub download|upload|create|ls|cache|serve`: the Hub client and server from the
// command line. Flags map one to one onto the library calls in cuddle/hub.h.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cuddle/hub.h"
#include "cuddle/model_card.h"

namespace {

using namespace cuddle::hub;
using json = nlohmann::json;

std::string human_size(uint64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) v /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

// Splits "org/name@rev" into repo id and revision (empty when absent).
std::pair<std::string, std::string> split_at_revision(const std::string& spec) {
  size_t at = spec.find('@');
  if (at == std::string::npos) return {spec, ""};
  return {spec.substr(0, at), spec.substr(at + 1)};
}

struct Common {
  std::string repo;
  std::string type = "model";
  std::string revision = "main";
  bool json_out = false;
};

void add_repo_flags(CLI::App* cmd, Common& c, bool with_revision) {
  cmd->add_option("repo", c.repo, "repo id (namespace/name)")->required();
  cmd->add_option("--repo-type", c.type, "model, dataset or space")->check(CLI::IsMember({"model", "dataset", "space"}));
  if (with_revision) cmd->add_option("--revision", c.revision, "branch, tag or commit");
  cmd->add_flag("--json", c.json_out, "print JSON");
}

int run_serve(const ServerOptions& base) {
  // Block the stop signals in every thread (the server's threads inherit the mask) and wait
  // for one here, so Ctrl-C ends the server cleanly.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  Server server(base);
  int port = server.start();
  std::printf("cuddle hub serving %s on http://%s:%d\n", base.root.c_str(), base.host.c_str(), port);
  std::fflush(stdout);
  if (base.tokens.empty())
    std::fprintf(stderr, "cuddle hub serve: no --token given: anyone who can connect may read and write\n");
  int sig = 0;
  sigwait(&stop_signals, &sig);
  server.stop();
  return 0;
}

}  // namespace

CUDDLE_CLI_COMMAND("hub", [](CLI::App& app) {
  auto* hub = app.add_subcommand("hub", "download from, upload to, inspect or serve a Hugging Face Hub");
  hub->require_subcommand(1);
  auto run = std::make_shared<std::function<int()>>();

  // download
  {
    auto* cmd = hub->add_subcommand("download", "download files of a repo into the huggingface_hub cache");
    auto c = std::make_shared<Common>();
    auto files = std::make_shared<std::vector<std::string>>();
    auto include = std::make_shared<std::vector<std::string>>();
    auto exclude = std::make_shared<std::vector<std::string>>();
    auto local_dir = std::make_shared<std::string>();
    add_repo_flags(cmd, *c, true);
    cmd->add_option("files", *files, "files to download (default: the whole repo)");
    cmd->add_option("--include", *include, "only files matching these patterns");
    cmd->add_option("--exclude", *exclude, "skip files matching these patterns");
    cmd->add_option("--local-dir", *local_dir, "copy the files into this folder");
    cmd->callback([=] {
      *run = [=] {
        HubConfig cfg = HubConfig::from_env();
        DownloadOptions opts;
        opts.repo_type = parse_repo_type(c->type);
        opts.revision = c->revision;
        opts.allow_patterns = *include;
        opts.ignore_patterns = *exclude;
        opts.local_dir = *local_dir;
        json out = json::array();
        if (files->empty()) {
          out.push_back(snapshot_download(cfg, c->repo, opts));
        } else {
          for (const auto& f : *files) out.push_back(hf_hub_download(cfg, c->repo, f, opts));
        }
        if (c->json_out) std::cout << json{{"paths", out}}.dump(2) << "\n";
        else
          for (const auto& p : out) std::cout << p.get<std::string>() << "\n";
        return 0;
      };
    });
  }

  // upload
  {
    auto* cmd = hub->add_subcommand("upload", "upload a folder or a file in one commit (adds or updates the model card)");
    auto c = std::make_shared<Common>();
    auto path = std::make_shared<std::string>();
    auto opts = std::make_shared<UploadFolderOptions>();
    auto is_private = std::make_shared<bool>(false);
    auto no_card = std::make_shared<bool>(false);
    add_repo_flags(cmd, *c, true);
    cmd->add_option("path", *path, "local folder or file")->required()->check(CLI::ExistingPath);
    cmd->add_option("--path-in-repo", opts->path_in_repo, "where the upload lands in the repo");
    cmd->add_option("--commit-message", opts->message, "commit summary");
    cmd->add_option("--commit-description", opts->description, "commit description");
    cmd->add_option("--parent-commit", opts->parent_commit, "refuse the commit if the branch moved past this commit");
    cmd->add_option("--include", opts->allow_patterns, "only files matching these patterns");
    cmd->add_option("--exclude", opts->ignore_patterns, "skip files matching these patterns");
    cmd->add_flag("--private", *is_private, "create the repo as private when it does not exist");
    cmd->add_flag("--no-card", *no_card, "do not add or update README.md");
    cmd->callback([=] {
      *run = [=] {
        HubConfig cfg = HubConfig::from_env();
        RepoType type = parse_repo_type(c->type);
        std::string url = create_repo(cfg, c->repo, *is_private, type, true);
        UploadFolderOptions o = *opts;
        o.repo_type = type;
        o.revision = c->revision;
        CommitInfo info;
        if (std::filesystem::is_directory(*path)) {
          std::vector<CommitOperation> extra;
          if (!*no_card && type == RepoType::Model) {
            // The card in the folder (or a new one) with the front matter filled in.
            std::string readme = *path + "/README.md";
            ModelCard card = std::filesystem::exists(readme) ? ModelCard::load(readme) : ModelCard::for_repo(c->repo);
            card.fill_defaults();
            CommitOperation op;
            op.path_in_repo = o.path_in_repo.empty() ? "README.md" : o.path_in_repo + "/README.md";
            op.content = card.to_string();
            extra.push_back(std::move(op));
            o.ignore_patterns.push_back("README.md");
          }
          info = upload_folder(cfg, c->repo, *path, o, extra);
        } else {
          CommitOperation op;
          op.path_in_repo = o.path_in_repo.empty() ? std::filesystem::path(*path).filename().string() : o.path_in_repo;
          op.local_path = *path;
          info = create_commit(cfg, c->repo, {op}, o);
        }
        if (c->json_out) std::cout << json{{"repo_url", url}, {"commit", info.oid}, {"commit_url", info.url}}.dump(2) << "\n";
        else std::cout << info.url << "\n";
        return 0;
      };
    });
  }

  // create
  {
    auto* cmd = hub->add_subcommand("create", "create a repo");
    auto c = std::make_shared<Common>();
    auto is_private = std::make_shared<bool>(false);
    auto exist_ok = std::make_shared<bool>(false);
    add_repo_flags(cmd, *c, false);
    cmd->add_flag("--private", *is_private, "private repo");
    cmd->add_flag("--exist-ok", *exist_ok, "no error when the repo exists");
    cmd->callback([=] {
      *run = [=] {
        std::string url = create_repo(HubConfig::from_env(), c->repo, *is_private, parse_repo_type(c->type), *exist_ok);
        if (c->json_out) std::cout << json{{"url", url}}.dump(2) << "\n";
        else std::cout << url << "\n";
        return 0;
      };
    });
  }

  // ls
  {
    auto* cmd = hub->add_subcommand("ls", "list the files of a repo revision");
    auto c = std::make_shared<Common>();
    add_repo_flags(cmd, *c, true);
    cmd->callback([=] {
      *run = [=] {
        auto entries = list_repo_tree(HubConfig::from_env(), c->repo, c->revision, true, parse_repo_type(c->type));
        json out = json::array();
        for (const auto& e : entries) {
          if (e.type != "file") continue;
          json j{{"path", e.path}, {"size", e.size}, {"oid", e.oid}};
          if (e.lfs) j["lfs"] = {{"oid", e.lfs->oid}, {"size", e.lfs->size}};
          out.push_back(j);
          if (!c->json_out) std::printf("%10s  %s%s\n", human_size(e.size).c_str(), e.path.c_str(), e.lfs ? "  (lfs)" : "");
        }
        if (c->json_out) std::cout << out.dump(2) << "\n";
        return 0;
      };
    });
  }

  // cache ls / rm
  {
    auto* cache = hub->add_subcommand("cache", "inspect or clean the local huggingface_hub cache");
    cache->require_subcommand(1);
    auto* ls = cache->add_subcommand("ls", "list cached repos and revisions (like `hf cache scan`)");
    auto json_out = std::make_shared<bool>(false);
    ls->add_flag("--json", *json_out, "print JSON");
    ls->callback([=] {
      *run = [=] {
        HubConfig cfg = HubConfig::from_env();
        json out = json::array();
        uint64_t total = 0;
        if (!*json_out) std::printf("%-8s %-40s %10s %6s  %s\n", "TYPE", "REPO ID", "SIZE", "FILES", "REFS");
        for (const auto& r : scan_cache(cfg.cache_dir)) {
          total += r.size_on_disk;
          json revs = json::array();
          std::string refs;
          for (const auto& rev : r.revisions) {
            revs.push_back({{"commit", rev.commit}, {"refs", rev.refs}, {"size_on_disk", rev.size_on_disk},
                            {"nb_files", rev.nb_files}, {"snapshot_path", rev.snapshot_path}});
            for (const auto& name : rev.refs) refs += (refs.empty() ? "" : ",") + name;
          }
          out.push_back({{"repo_type", repo_type_name(r.type)}, {"repo_id", r.repo_id}, {"repo_path", r.path},
                         {"size_on_disk", r.size_on_disk}, {"nb_files", r.nb_files}, {"revisions", revs}});
          if (!*json_out)
            std::printf("%-8s %-40s %10s %6zu  %s\n", repo_type_name(r.type).c_str(), r.repo_id.c_str(),
                        human_size(r.size_on_disk).c_str(), r.nb_files, refs.c_str());
        }
        if (*json_out) std::cout << json{{"cache_dir", cfg.cache_dir}, {"size_on_disk", total}, {"repos", out}}.dump(2) << "\n";
        else std::printf("\n%s in %s\n", human_size(total).c_str(), cfg.cache_dir.c_str());
        return 0;
      };
    });
    auto* rm = cache->add_subcommand("rm", "delete a cached repo or one revision (REPO or REPO@REV)");
    auto spec = std::make_shared<std::string>();
    auto type = std::make_shared<std::string>("model");
    rm->add_option("repo", *spec, "REPO or REPO@REVISION")->required();
    rm->add_option("--repo-type", *type, "model, dataset or space")->check(CLI::IsMember({"model", "dataset", "space"}));
    rm->callback([=] {
      *run = [=] {
        auto [repo, rev] = split_at_revision(*spec);
        uint64_t freed = delete_from_cache(HubConfig::from_env().cache_dir, repo, parse_repo_type(*type), rev);
        std::printf("deleted %s, freed %s\n", spec->c_str(), human_size(freed).c_str());
        return 0;
      };
    });
  }

  // serve
  {
    auto* cmd = hub->add_subcommand("serve", "run a Hub-compatible server (for air-gapped sites)");
    auto opts = std::make_shared<ServerOptions>();
    cmd->add_option("--root", opts->root, "folder for blobs and the metadata database")->required();
    cmd->add_option("--port", opts->port, "TCP port (0: pick a free one)");
    cmd->add_option("--host", opts->host, "address to bind (default 127.0.0.1)");
    cmd->add_option("--token", opts->tokens, "bearer token with write access (repeatable)");
    cmd->add_flag("--read-only-anonymous", opts->read_only_anonymous, "let clients without a token read public repos");
    cmd->add_option("--max-lfs-bytes", opts->max_lfs_bytes, "largest LFS object accepted");
    cmd->callback([=] { *run = [=] { return run_serve(*opts); }; });
  }

  return [run] { return (*run)(); };
});
