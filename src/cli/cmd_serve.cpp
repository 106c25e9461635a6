// `treerec serve`: the HTTP retrieval service for a trained model and its tree
// (serve/server.h, docs/SERVING.md). Prints "serve: listening on http://HOST:PORT ..." to
// stderr when ready. SIGHUP reloads the files (atomically; a failed reload keeps the old
// model); SIGTERM and SIGINT stop gracefully: no new connections, requests in flight answered.
//
// Signals: a handler only writes the signal's number to a pipe (async-signal-safe), and the
// main thread reads the pipe and does the work. Blocking the signals and calling sigwait would
// not do: OpenBLAS starts its threads before main() runs, and a process-directed signal goes to
// any thread that does not block it.
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/param_flags.h"
#include "treerec/serve/server.h"
#include "treerec/util/distributed.h"
#include "treerec/util/error.h"

namespace treerec::cli {
namespace {

int g_signal_pipe[2] = {-1, -1};

extern "C" void on_signal(int sig) {
  const int saved = errno;
  const char c = static_cast<char>(sig);
  [[maybe_unused]] const ssize_t n = ::write(g_signal_pipe[1], &c, 1);
  errno = saved;
}

void install_signal_handlers() {
  if (::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) fail("cannot create the signal pipe");
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (const int sig : {SIGHUP, SIGTERM, SIGINT}) ::sigaction(sig, &sa, nullptr);
  // A client that hangs up mid-answer must not kill the server.
  std::signal(SIGPIPE, SIG_IGN);
}

void run(ServerOptions options, const std::string& host, int port) {
  install_signal_handlers();
  // Reloads allocate a whole model while the old one still serves, then free the old one.
  // glibc raises its mmap threshold after the first large free, so later models would come
  // from the heap and their memory would stay with the process after being freed: resident
  // memory then wanders up to about two models. A fixed threshold keeps every allocation of
  // 1 MiB or more in its own mapping, returned to the system when freed (docs/RELIABILITY.md,
  // the soak). Requests reuse their scratch, so this adds no work per request.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  Server server(std::move(options));
  const int bound = server.start(host, port);
  {  // scoped: a snapshot held here would stay in memory after every reload (docs/RELIABILITY.md, Soak)
    const auto snap = server.snapshot();
    const std::string shown = host.find(':') == std::string::npos ? host : "[" + host + "]";  // IPv6
    std::fprintf(stderr, "serve: listening on http://%s:%d (method %s, %u items, model version %s)\n", shown.c_str(),
                 bound, snap->method().name.c_str(), snap->tree().num_items(), snap->version().c_str());
    std::fflush(stderr);
  }
  for (;;) {
    pollfd p{g_signal_pipe[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, 500);
    if (!server.running()) fail("the HTTP listener on ", host, ":", bound, " stopped unexpectedly");
    if (ready <= 0) continue;
    char sig = 0;
    while (::read(g_signal_pipe[0], &sig, 1) == 1) {
      if (sig == SIGHUP) {
        const ReloadResult r = server.reload();
        if (r.ok) {
          std::fprintf(stderr, "serve: reloaded, model version %s\n", r.version.c_str());
        } else {
          std::fprintf(stderr, "serve: reload failed, still serving version %s: %s\n", r.version.c_str(),
                       r.error.c_str());
        }
      } else {
        std::fprintf(stderr, "serve: %s received, finishing requests in flight\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
        std::fflush(stderr);
        server.stop();
        std::fprintf(stderr, "serve: stopped\n");
        return;
      }
      std::fflush(stderr);
    }
  }
}

struct Opts {
  ServerOptions server;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string admin_token_file;
};

// The admin token: the file's first line, surrounding spaces removed; at least 16 characters.
std::string read_admin_token(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("--admin-token-file ", path, ": cannot read it");
  std::string token;
  std::getline(in, token);
  const auto first = token.find_first_not_of(" \t\r"), last = token.find_last_not_of(" \t\r");
  token = first == std::string::npos ? std::string() : token.substr(first, last - first + 1);
  if (token.size() < 16)
    fail("--admin-token-file ", path, ": the token (its first line) must have at least 16 characters, it has ",
         token.size());
  return token;
}

const Command kCmd(80, [](CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "serve a trained model over HTTP: top-k items for a user's behaviours");
  auto o = std::make_shared<Opts>();
  ServerOptions& s = o->server;
  cmd->add_option("--model", s.model_path, "trained model file (from `treerec train`)")->required();
  cmd->add_option("--tree", s.tree_path, "the tree file the model was trained with")->required();
  cmd->add_option("--host", o->host, "address to listen on (0.0.0.0: every interface)")->capture_default_str();
  cmd->add_option("--port", o->port, "port to listen on (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  add_param_flags(cmd, serve_params(), s,
                  {"beam", "threads", "max_concurrent", "batch_threads", "keep_alive_max", "keep_alive_seconds",
                   "read_timeout_seconds"});
  add_param_flags(cmd, serve_limit_params(), s.limits,
                  {"max_body_bytes", "max_behaviors", "max_exclude", "max_k", "default_k", "max_batch"});
  cmd->add_option("--admin-token-file", o->admin_token_file,
                  "enables POST /admin/reload for requests with 'Authorization: Bearer TOKEN', TOKEN being this "
                  "file's first line (16+ characters); without it the admin endpoints answer 403");
  cmd->callback([o] {
    if (dist::size() > 1)
      fail("serve runs as one process, not under mpirun (", dist::size(),
           " ranks): start one server per machine behind a load balancer (docs/SERVING.md)");
    if (!o->admin_token_file.empty()) o->server.admin_token = read_admin_token(o->admin_token_file);
    run(o->server, o->host, o->port);
  });
});

}  // namespace
}  // namespace treerec::cli
