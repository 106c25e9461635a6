// `treerec serve` as a process: it reports its address when ready, answers over HTTP, reloads
// on SIGHUP and stops gracefully on SIGTERM with status 0; bad flags and files fail at start.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "serve/serve_fixture.h"

extern char** environ;

namespace treerec {
namespace {

using test::ServeFiles;
using test::TempDir;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The CLI started with `args`, its stderr going to `err_path`.
pid_t spawn_cli(const std::vector<std::string>& args, const std::string& err_path) {
  std::vector<std::string> all = {TREEREC_CLI_PATH};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Waits until `path` holds `text` (or the timeout passes); returns the file.
std::string wait_for(const std::string& path, const std::string& text, double seconds = 60) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::string s;
  while (std::chrono::steady_clock::now() < until) {
    s = test::read_file(path);
    if (has(s, text)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return s;
}

// How many mappings of the process name `path` (/proc/PID/maps).
int mappings_of(pid_t pid, const std::string& path) {
  const std::string maps = test::read_file("/proc/" + std::to_string(pid) + "/maps");
  int n = 0;
  for (std::size_t at = maps.find(path); at != std::string::npos; at = maps.find(path, at + 1)) ++n;
  return n;
}

int wait_exit(pid_t pid) {
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ServeCli, ServesReloadsOnSighupAndStopsOnSigterm) {
  TempDir dir;
  const ServeFiles f(dir);
  const std::string err = dir.file("serve.err");
  const pid_t pid = spawn_cli({"serve", "--model", f.jtm, "--tree", f.tree, "--port", "0", "--threads", "4"}, err);
  ASSERT_GT(pid, 0);
  std::string log = wait_for(err, "listening on");
  // serve: listening on http://127.0.0.1:PORT (method jtm-h, 24 items, model version HEX16)
  const std::string head = "serve: listening on http://127.0.0.1:";
  const auto at = log.find(head);
  const auto tail = log.find(" (method jtm-h, 24 items, model version ", at);
  if (at == std::string::npos || tail == std::string::npos) {
    ::kill(pid, SIGKILL);
    wait_exit(pid);
    FAIL() << log;
  }
  const int port = std::stoi(log.substr(at + head.size(), tail - at - head.size()));
  const std::string version = log.substr(tail + 40, 16);
  EXPECT_EQ(log.substr(tail + 56, 2), ")\n") << log;
  httplib::Client c("127.0.0.1", port);
  const auto r = c.Post("/v1/recommend", R"({"behaviors": ["i1", "i2"], "k": 4})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  const auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["items"].size(), 4u);
  EXPECT_EQ(j["model_version"], version);

  ASSERT_EQ(::kill(pid, SIGHUP), 0);
  log = wait_for(err, "reloaded");
  EXPECT_TRUE(has(log, "serve: reloaded, model version " + version)) << log;
  EXPECT_EQ(c.Get("/healthz")->status, 200);
  EXPECT_TRUE(has(c.Get("/metrics")->body, "treerec_reloads_total 1\n"));
  // The old snapshot is gone once no request holds it: each snapshot maps the tree file, so the
  // process maps it once (the serve loop once kept the first snapshot for good: a second model's
  // worth of memory after the first reload, docs/RELIABILITY.md, Soak).
  EXPECT_EQ(mappings_of(pid, f.tree), 1);

  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(wait_exit(pid), 0);
  log = test::read_file(err);
  EXPECT_TRUE(has(log, "serve: SIGTERM received, finishing requests in flight\nserve: stopped\n")) << log;
}

TEST(ServeCli, StartFailuresAreClearErrors) {
  TempDir dir;
  const ServeFiles f(dir);
  const auto missing = test::run_cli("serve --model " + f.jtm + " --tree " + dir.file("none.tree") + " --port 0");
  EXPECT_EQ(missing.status, 1);
  EXPECT_TRUE(has(missing.err, "none.tree")) << missing.err;
  const auto bad_k = test::run_cli("serve --model " + f.jtm + " --tree " + f.tree + " --port 0 --max-k 10");
  EXPECT_EQ(bad_k.status, 1);
  EXPECT_TRUE(has(bad_k.err, "--default-k 200 is above --max-k 10")) << bad_k.err;
  const auto bad_host = test::run_cli("serve --model " + f.jtm + " --tree " + f.tree + " --host 203.0.113.1 --port 0");
  EXPECT_EQ(bad_host.status, 1);
  EXPECT_TRUE(has(bad_host.err, "cannot listen on 203.0.113.1:0")) << bad_host.err;
}

}  // namespace
}  // namespace treerec
