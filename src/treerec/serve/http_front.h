// The server's front (docs/SERVING.md, "Slow and hostile clients"): owns the listening socket
// and every connection, and gives httplib only complete requests.
//
// cpp-httplib alone gives each connection a worker thread from accept() on, and bounds each
// read(), not the whole request: a client that sends a byte every few seconds holds a thread
// for ever, and a few such clients hold them all (slowloris). Here one thread polls every
// connection that is waiting for a request, reading without blocking into the connection's
// buffer. Only when a request is complete (its head, and its body as Content-Length says) does
// a worker take the connection and run httplib's own parser, routing and response writer on
// that buffer (httplib::Server::process_request on a buffered Stream). After the response a
// kept-alive connection goes back to the poller, so an idle client holds no thread either.
//
// Deadlines: a request must arrive whole within `request_seconds` of its first byte (of the
// accept for a new connection); an idle kept-alive connection is closed after `idle_seconds`;
// a response must be written within `request_seconds`. A request whose head exceeds
// `max_head_bytes` gets 431, a connection beyond `max_connections` gets 503, both at once and
// without a worker. A body larger than `max_body_bytes` is not waited for: httplib answers 413.
//
// Hand-written because neither cpp-httplib nor another Debian HTTP library that fits this
// server bounds the whole request; the parser and router stay httplib's.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <memory>
#include <string>

namespace treerec {

// httplib's server with its one-request entry point made public: the front calls it on a
// complete request; the server's handlers, logger and error handler are set on it as usual.
class HttpRouter : public httplib::Server {
 public:
  using httplib::Server::process_request;
};

struct FrontOptions {
  int workers = 1;
  int request_seconds = 5;
  int idle_seconds = 5;
  int keep_alive_max = 1000;  // requests per connection
  int max_connections = 1024;
  std::size_t max_head_bytes = 16384;
  std::size_t max_body_bytes = 1 << 20;
};

class HttpFront {
 public:
  // `http` routes and answers; the front never calls its listen(). It must outlive the front.
  HttpFront(HttpRouter& http, FrontOptions options);
  ~HttpFront();  // stop()
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;

  // Binds host:port (0: any free port) and starts the poller and the workers; returns the
  // port. Throws Error if the address cannot be bound.
  int start(const std::string& host, int port);
  // Closes the listening socket and every waiting connection, lets the workers finish the
  // requests they hold, and joins the threads. Idempotent.
  void stop();
  bool running() const;

  // From a handler, logger or error handler on a worker: the connection closes after this
  // response (httplib's own "Connection: close" on a response does not close it here).
  static void close_after_response();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace treerec
