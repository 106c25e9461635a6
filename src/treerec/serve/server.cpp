#include "treerec/serve/server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <new>
#include <thread>

#include "treerec/serve/http_front.h"
#include "treerec/serve/metrics.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"

namespace treerec {
namespace {

using Clock = std::chrono::steady_clock;

// When the request on this worker thread was routed. A worker serves one connection, and so
// one request, at a time, and httplib calls the pre-routing handler and then the logger on it.
thread_local Clock::time_point t_started;
thread_local bool t_timed = false;

int cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

void send_error(httplib::Response& res, int status, const std::string& message) {
  std::string body = "{\"error\": ";
  append_json_string(body, message);
  body += "}\n";
  res.status = status;
  res.set_content(body, "application/json");
}

std::string label_value(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

const ParamTable<ServerOptions>& serve_params() {
  using T = ParamType;
  static const ParamTable<ServerOptions> table = [] {
    ParamTable<ServerOptions> p("serving");
    p.add(serving_param({.name = "beam", .type = T::count,
                   .help = "beam width k of the search (a request's k is used when larger)", .min = 1}),
          &ServerOptions::beam)
        .add(serving_param({.name = "threads", .type = T::integer, .help = "HTTP worker threads (0: cores + 4)",
                            .min = 0}),
             &ServerOptions::threads)
        .add(serving_param({.name = "max_concurrent", .type = T::integer,
                      .help = "recommendation requests answered at once; more get 503 (0: cores)", .min = 0}),
             &ServerOptions::max_concurrent)
        .add(serving_param({.name = "batch_threads", .type = T::integer,
                      .help = "retrieval threads of one batch request (0: all cores)", .min = 0}),
             &ServerOptions::batch_threads)
        .add(serving_param({.name = "keep_alive_max", .type = T::integer, .help = "requests per keep-alive connection",
                      .min = 1}),
             &ServerOptions::keep_alive_max)
        .add(serving_param({.name = "keep_alive_seconds", .type = T::integer,
                      .help = "idle keep-alive connections are closed after this many seconds", .min = 1}),
             &ServerOptions::keep_alive_seconds)
        .add(serving_param({.name = "read_timeout_seconds", .type = T::integer,
                      .help = "a request not received whole this many seconds after its first byte is dropped (408)",
                      .min = 1}),
             &ServerOptions::read_timeout_seconds)
        .add(serving_param({.name = "max_connections", .type = T::integer,
                      .help = "open connections at most; more get 503 at once", .min = 1}),
             &ServerOptions::max_connections);
    return p;
  }();
  return table;
}

void ServerOptions::validate(const ParamNamer& name) const {
  limits.validate(name);
  serve_params().check(*this, name);
}

struct Server::Impl {
  ServerOptions options;
  int max_concurrent = 1;
  HttpRouter http;
  std::unique_ptr<HttpFront> front;  // while started
  mutable std::mutex run_mu;         // start/stop

  mutable std::mutex snapshot_mu;  // guards `current` (a copy of the pointer is the snapshot)
  std::shared_ptr<const ServingModel> current;
  std::mutex reload_mu;  // one reload at a time
  std::atomic<int> active{0};
  ServeMetrics metrics;

  explicit Impl(ServerOptions o) : options(std::move(o)) {
    options.validate();
    max_concurrent = options.max_concurrent > 0 ? options.max_concurrent : cores();
    current = ServingModel::load(options.model_path, options.tree_path);
    // Retrieval runs BLAS inside request threads; a multi-threaded BLAS would fight them.
    use_single_threaded_blas();
    setup();
  }

  std::shared_ptr<const ServingModel> snapshot() const {
    std::lock_guard<std::mutex> lock(snapshot_mu);
    return current;
  }

  // A slot among max_concurrent recommendation requests, or RequestError(503).
  class Slot {
   public:
    explicit Slot(Impl& impl) : impl_(impl) {
      if (impl_.active.fetch_add(1) >= impl_.max_concurrent) {
        impl_.active.fetch_sub(1);
        throw RequestError(503, cat("overloaded: ", impl_.max_concurrent,
                                    " recommendation requests are running; retry shortly"));
      }
      impl_.metrics.in_flight().fetch_add(1);
    }
    ~Slot() {
      impl_.metrics.in_flight().fetch_sub(1);
      impl_.active.fetch_sub(1);
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    Impl& impl_;
  };

  void recommend_handler(const httplib::Request& req, httplib::Response& res, bool batch) {
    try {
      check_json_content_type(req.get_header_value("Content-Type"));
      Slot slot(*this);
      std::vector<RecommendRequest> queries;
      if (batch) {
        queries = parse_batch(req.body, options.limits);
      } else {
        queries.push_back(parse_recommend(req.body, options.limits));
      }
      const auto snap = snapshot();  // this request's model, even if a reload swaps in another
      if (options.before_retrieval) options.before_retrieval();
      RecommendOptions ro;
      ro.beam = options.beam;
      ro.threads = batch ? options.batch_threads : 1;
      const auto results = treerec::recommend(*snap, queries, ro);
      std::string body = "{\"model_version\": \"" + snap->version() + "\", ";
      if (batch) {
        body += "\"results\": [";
        for (std::size_t i = 0; i < results.size(); ++i) {
          body += i > 0 ? ", {" : "{";
          append_recommendation_fields(body, *snap, results[i]);
          body += '}';
        }
        body += "]}\n";
      } else {
        append_recommendation_fields(body, *snap, results[0]);
        body += "}\n";
      }
      res.set_content(body, "application/json");
    } catch (const RequestError& e) {
      if (e.status() == 503) res.set_header("Retry-After", "1");
      send_error(res, e.status(), e.what());
    } catch (const std::bad_alloc&) {
      res.set_header("Retry-After", "1");
      send_error(res, 503, "out of memory while answering; retry, or send a smaller request");
    } catch (const std::exception& e) {
      send_error(res, 500, cat("internal error: ", e.what()));
    }
  }

  void health_handler(httplib::Response& res) const {
    const auto snap = snapshot();
    std::string body = "{\"status\": \"ok\", \"model_version\": \"" + snap->version() + "\", \"method\": ";
    append_json_string(body, snap->method().name);
    body += ", \"items\": " + std::to_string(snap->tree().num_items()) + "}\n";
    res.set_content(body, "application/json");
  }

  ReloadResult reload() {
    std::lock_guard<std::mutex> lock(reload_mu);
    ReloadResult r;
    try {
      auto next = ServingModel::load(options.model_path, options.tree_path);
      r.version = next->version();
      {
        std::lock_guard<std::mutex> swap(snapshot_mu);
        current.swap(next);
      }
      // `next` now holds the old snapshot: freed here or by its last request in flight.
      r.ok = true;
    } catch (const std::exception& e) {
      r.error = e.what();
      r.version = snapshot()->version();
    }
    metrics.reload(r.ok);
    return r;
  }

  // The /admin/* gate: off without a token; the token must come as a bearer credential (a
  // browser cannot add one to a cross-site request without a CORS preflight, which is never
  // answered), and a request that carries an Origin header came from a web page: refused.
  bool admin_allowed(const httplib::Request& req, httplib::Response& res) const {
    if (options.admin_token.empty()) {
      send_error(res, 403, "the admin endpoints are off: start the server with --admin-token-file to enable them");
      return false;
    }
    if (req.has_header("Origin")) {
      send_error(res, 403, "admin requests from a web page (with an Origin header) are refused");
      return false;
    }
    const std::string auth = req.get_header_value("Authorization");
    const std::string want = "Bearer " + options.admin_token;
    unsigned char diff = auth.size() == want.size() ? 0 : 1;  // the same time for any wrong token
    for (std::size_t i = 0; i < want.size(); ++i)
      diff |= static_cast<unsigned char>(want[i] ^ (i < auth.size() ? auth[i] : 0));
    if (diff != 0) {
      send_error(res, 401, "admin requests need the header 'Authorization: Bearer <token>' with the server's token");
      res.set_header("WWW-Authenticate", "Bearer");
      return false;
    }
    return true;
  }

  // POST /admin/reload, behind the admin gate.
  void reload_handler(const httplib::Request& req, httplib::Response& res) {
    if (!admin_allowed(req, res)) return;
    const ReloadResult r = reload();
    if (!r.ok) {
      std::string body = "{\"error\": ";
      append_json_string(body, "reload failed, the previous model is still served: " + r.error);
      body += ", \"model_version\": \"" + r.version + "\"}\n";
      res.status = 500;
      res.set_content(body, "application/json");
      return;
    }
    res.set_content("{\"status\": \"reloaded\", \"model_version\": \"" + r.version + "\"}\n", "application/json");
  }

  std::string metrics_text() const {
    std::string out;
    metrics.render(out);
    const auto snap = snapshot();
    out += "# HELP treerec_model_info The model being served (value 1); version hashes the files' checksums.\n";
    out += "# TYPE treerec_model_info gauge\n";
    out += "treerec_model_info{version=\"" + snap->version() + "\",method=\"" + label_value(snap->method().name) +
           "\",items=\"" + std::to_string(snap->tree().num_items()) + "\",model=\"" +
           label_value(snap->model_path()) + "\",tree=\"" + label_value(snap->tree_path()) + "\"} 1\n";
    out += "# HELP treerec_model_loaded_timestamp_seconds When the model being served was loaded (Unix time).\n";
    out += "# TYPE treerec_model_loaded_timestamp_seconds gauge\n";
    out += "treerec_model_loaded_timestamp_seconds ";
    append_metric_value(out, snap->loaded_at());
    out += '\n';
    return out;
  }

  // Routes every endpoint, answers 405 to the other methods of a known path, and turns
  // httplib's own errors (404, 413, a malformed request) into JSON.
  void setup() {
    // The front (serve/http_front.h) owns the sockets, the keep-alive and the deadlines.
    http.set_payload_max_length(options.limits.max_body_bytes);

    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      t_started = Clock::now();
      t_timed = true;
      return pre_route(req, res);
    });
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      const double seconds = t_timed ? std::chrono::duration<double>(Clock::now() - t_started).count() : 0.0;
      t_timed = false;
      metrics.observe(req.path, res.status, seconds);
      // A refusal before the body was read (pre_route's, or httplib's own errors) leaves the
      // connection out of step: close it.
      if (res.get_header_value("Connection") == "close") HttpFront::close_after_response();
    });
    http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                       httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // ours already
      // httplib's own error (a malformed request, a body over the limit): what is left of the
      // request may still be unread, so the connection closes after this answer.
      HttpFront::close_after_response();
      if (res.status == 404) {
        send_error(res, 404, cat("no endpoint ", req.method, " ", req.path,
                                 " (endpoints: POST /v1/recommend, POST /v1/recommend/batch, GET /healthz, "
                                 "GET /metrics, POST /admin/reload)"));
      } else if (res.status == 413) {
        send_error(res, 413, cat("request body larger than the limit of ", options.limits.max_body_bytes, " bytes"));
      } else if (res.status == 400) {
        send_error(res, 400, "malformed HTTP request");
      } else {
        send_error(res, res.status, cat("HTTP error ", res.status));
      }
      return httplib::Server::HandlerResponse::Handled;
    }));

    http.Post("/v1/recommend", [this](const httplib::Request& req, httplib::Response& res) {
      recommend_handler(req, res, false);
    });
    http.Post("/v1/recommend/batch", [this](const httplib::Request& req, httplib::Response& res) {
      recommend_handler(req, res, true);
    });
    http.Post("/admin/reload", [this](const httplib::Request& req, httplib::Response& res) {
      reload_handler(req, res);
    });
    http.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) { health_handler(res); });
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics_text(), "text/plain; version=0.0.4; charset=utf-8");
    });
  }

  // Refuses what httplib would read without a bound (chunked or compressed bodies, bodies
  // without a length) and wrong methods on known paths, before any body is read. The unread
  // body makes the connection unusable, so the client is told to close it.
  httplib::Server::HandlerResponse pre_route(const httplib::Request& req, httplib::Response& res) {
    using R = httplib::Server::HandlerResponse;
    struct Route {
      const char* path;
      const char* method;
    };
    static constexpr Route kRoutes[] = {{"/v1/recommend", "POST"}, {"/v1/recommend/batch", "POST"},
                                        {"/admin/reload", "POST"},  {"/healthz", "GET"},
                                        {"/metrics", "GET"}};
    const auto refuse = [&](int status, const std::string& message) {
      send_error(res, status, message);
      res.set_header("Connection", "close");
      return R::Handled;
    };
    if (req.has_header("Transfer-Encoding"))
      return refuse(411, "chunked request bodies are not accepted: send the body with a Content-Length header");
    const std::string encoding = req.get_header_value("Content-Encoding");
    if (!encoding.empty() && encoding != "identity")
      return refuse(415, cat("Content-Encoding '", encoding, "' is not accepted: send the body uncompressed"));
    const bool has_body_method = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
    if (has_body_method && !req.has_header("Content-Length")) {
      // Without Content-Length or Transfer-Encoding a request has no body (RFC 9112 6.3), but
      // httplib would read until the client closes: answer here, before it reads.
      if (req.method == "POST" && req.path == "/admin/reload") {
        reload_handler(req, res);
        return R::Handled;
      }
      return refuse(411, "a Content-Length header is required");
    }
    for (const Route& r : kRoutes) {
      if (req.path != r.path) continue;
      const bool ok = req.method == r.method || (req.method == "HEAD" && std::string_view(r.method) == "GET");
      if (ok) return R::Unhandled;
      res.set_header("Allow", r.method);
      return refuse(405, cat("method ", req.method, " is not allowed on ", req.path, ": use ", r.method));
    }
    return R::Unhandled;
  }
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() { stop(); }

int Server::start(const std::string& host, int port) {
  std::lock_guard<std::mutex> lock(impl_->run_mu);
  if (impl_->front) fail("the server already runs");
  TR_CHECK(port >= 0 && port <= 65535, "port must be in [0, 65535], got ", port);
  const ServerOptions& o = impl_->options;
  FrontOptions front{.workers = o.threads > 0 ? o.threads : cores() + 4,
                     .request_seconds = o.read_timeout_seconds,
                     .idle_seconds = o.keep_alive_seconds,
                     .keep_alive_max = o.keep_alive_max,
                     .max_connections = o.max_connections,
                     .max_body_bytes = o.limits.max_body_bytes};
  auto started = std::make_unique<HttpFront>(impl_->http, front);
  const int bound = started->start(host, port);
  impl_->front = std::move(started);
  return bound;
}

void Server::stop() {
  std::lock_guard<std::mutex> lock(impl_->run_mu);
  if (!impl_->front) return;
  impl_->front->stop();  // answers the complete requests, closes the rest
  impl_->front.reset();
}

bool Server::running() const {
  std::lock_guard<std::mutex> lock(impl_->run_mu);
  return impl_->front && impl_->front->running();
}

ReloadResult Server::reload() { return impl_->reload(); }

std::shared_ptr<const ServingModel> Server::snapshot() const { return impl_->snapshot(); }

std::string Server::metrics_text() const { return impl_->metrics_text(); }

const ServerOptions& Server::options() const { return impl_->options; }

}  // namespace treerec
