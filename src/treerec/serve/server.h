// The retrieval service (docs/SERVING.md): an HTTP server (cpp-httplib) answering
//   POST /v1/recommend        one query: top-k raw item ids with scores, by beam search
//   POST /v1/recommend/batch  many queries at once
//   GET  /healthz             liveness and the model's version
//   GET  /metrics             Prometheus text format
//   POST /admin/reload        reload the model and tree files (also SIGHUP in `treerec serve`)
// Every error is JSON {"error": "..."} with a 4xx status the client can act on (5xx only for
// overload or a failure of the server itself); no input can crash the server.
//
// Threads: one thread reads every connection without blocking until a request is whole
// (serve/http_front.h: slow clients hold no worker); then one of `threads` workers parses,
// routes and answers it with httplib. Each recommendation runs its retrieval on its worker,
// single-threaded (a batch may use `batch_threads`), so concurrent requests spread over the
// cores. At most `max_concurrent` recommendation requests run at once;
// more are answered 503 at once instead of queueing without bound.
//
// Reload is atomic: the new snapshot is loaded beside the old one (memory peaks at both), then
// swapped in; a request in flight finishes on the snapshot it started with. A failed reload
// keeps the old snapshot serving and reports the error.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "treerec/search/model_retrieval.h"
#include "treerec/serve/request.h"
#include "treerec/serve/serving_model.h"

namespace treerec {

struct ServerOptions {
  std::string model_path;  // trained model file (`treerec train`)
  std::string tree_path;   // the tree file it was trained with
  ServeLimits limits;
  std::uint32_t beam = RetrievalOptions{}.beam;  // beam width k (at least the request's k is used), ALGORITHMS §6
  int threads = 0;              // HTTP worker threads; 0 = cores + 4
  int max_concurrent = 0;       // recommendation requests at once; 0 = cores; more get 503
  int batch_threads = 1;        // retrieval threads of one batch request; 0 = all cores
  int keep_alive_max = 1000;    // requests per keep-alive connection before it is closed
  int keep_alive_seconds = 5;   // idle keep-alive connections are closed after this
  int read_timeout_seconds = 5;  // a request must arrive whole this long after its first byte
  int max_connections = 1024;    // open connections at most; more get 503
  // /admin/* endpoints: off (403) while empty; else a request must send
  // `Authorization: Bearer <admin_token>` and no Origin header (a browser page never can).
  std::string admin_token;
  // Tests only: called by a recommendation request after it has taken its slot and its
  // snapshot, just before retrieval (lets a test hold a request in flight).
  std::function<void()> before_retrieval;
  // Throws Error naming the option that is out of range.
  void validate(const ParamNamer& name = flag_names()) const;
};

// beam, threads, max_concurrent, batch_threads and the keep-alive and timeout settings
// (util/params.h); the limits are serve_limit_params().
const ParamTable<ServerOptions>& serve_params();

struct ReloadResult {
  bool ok = false;
  std::string version;  // the version served after the call (the old one if it failed)
  std::string error;    // why it failed
};

class Server {
 public:
  // Loads the model and tree (ServingModel::load); throws Error naming the files otherwise.
  explicit Server(ServerOptions options);
  // Stops as stop() does.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds `host`:`port` (port 0: any free port) and serves on a background thread; returns the
  // bound port. Throws Error if the address cannot be bound or the server already runs.
  int start(const std::string& host, int port);
  // Stops accepting connections and returns once every request in flight has been answered.
  // Idempotent.
  void stop();
  // False before start(), after stop(), or if the listener failed.
  bool running() const;

  // Loads the files again and swaps them in atomically; never throws.
  ReloadResult reload();
  // The snapshot new requests use now.
  std::shared_ptr<const ServingModel> snapshot() const;
  // What GET /metrics answers.
  std::string metrics_text() const;
  const ServerOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace treerec
