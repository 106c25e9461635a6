#include "treerec/serve/http_front.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "treerec/util/error.h"

namespace treerec {
namespace {

using Clock = std::chrono::steady_clock;

thread_local bool t_close_after = false;

// One client connection: its socket, the bytes read and not yet parsed, and its deadline.
struct Connection {
  int fd = -1;
  std::string ip;
  int port = 0;
  std::string buffer;
  int served = 0;                // requests answered on it
  Clock::time_point deadline;    // of the request being received, or of the idle wait
  bool receiving = false;        // a request has begun to arrive
  bool sent_continue = false;    // "100 Continue" sent for the request being received
  bool peer_closed = false;      // the client shut down its side (it may still read)
};

int ms_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
}

// Best effort, never blocks: the socket is non-blocking and the answer small. `message` is
// this file's own text (no quote or backslash), so it needs no JSON escaping.
void send_and_close(int fd, int status, const char* reason, const std::string& message) {
  const std::string body = "{\"error\": \"" + message + "\"}\n";
  const std::string head = cat("HTTP/1.1 ", status, " ", reason, "\r\nContent-Type: application/json\r\n",
                               "Content-Length: ", body.size(), "\r\nConnection: close\r\n\r\n");
  const std::string all = head + body;
  (void)::send(fd, all.data(), all.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(fd);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Where the buffered request ends, given its head ends at head_end (after the blank line):
// the head plus Content-Length bytes. nullopt when the rest is httplib's to judge at once (no
// length, a length it will refuse, or a chunked body it refuses), so the worker starts now.
std::optional<std::size_t> request_end(std::string_view head, std::size_t head_end, std::size_t max_body,
                                       bool& expects_continue) {
  std::optional<std::size_t> length;
  expects_continue = false;
  std::size_t at = head.find("\r\n") + 2;  // past the request line
  while (at < head.size()) {
    const std::size_t eol = head.find("\r\n", at);
    if (eol == std::string_view::npos || eol == at) break;
    const std::string_view line = head.substr(at, eol - at);
    at = eol + 2;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (iequals(name, "Transfer-Encoding")) return std::nullopt;
    if (iequals(name, "Expect") && iequals(value, "100-continue")) expects_continue = true;
    if (!iequals(name, "Content-Length")) continue;
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || length || n > max_body) return std::nullopt;
    length = n;
  }
  return head_end + length.value_or(0);
}

// httplib's view of a connection: the buffered request first, then the socket, every wait
// bounded by the deadline.
class BufferedStream final : public httplib::Stream {
 public:
  BufferedStream(Connection& c, Clock::time_point read_deadline, int write_seconds)
      : c_(c), read_deadline_(read_deadline), write_seconds_(write_seconds) {}
  std::size_t consumed() const { return pos_; }

  bool is_readable() const override { return pos_ < c_.buffer.size() || wait(POLLIN, read_deadline_); }
  bool is_writable() const override { return wait(POLLOUT, write_deadline()); }
  ssize_t read(char* ptr, size_t size) override {
    if (pos_ < c_.buffer.size()) {
      const std::size_t n = std::min(size, c_.buffer.size() - pos_);
      std::memcpy(ptr, c_.buffer.data() + pos_, n);
      pos_ += n;
      return static_cast<ssize_t>(n);
    }
    if (!wait(POLLIN, read_deadline_)) return -1;
    const ssize_t n = ::recv(c_.fd, ptr, size, 0);
    if (n > 0) {  // keep it so that consumed() stays an offset into the buffer
      c_.buffer.append(ptr, static_cast<std::size_t>(n));
      pos_ += static_cast<std::size_t>(n);
    }
    return n;
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (!wait(POLLOUT, write_deadline())) return -1;
    return ::send(c_.fd, ptr, size, MSG_NOSIGNAL);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = c_.ip;
    port = c_.port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ip.clear();
    port = 0;
    if (::getsockname(c_.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    if (::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, serv, sizeof serv,
                      NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
      ip = host;
      port = std::atoi(serv);
    }
  }
  socket_t socket() const override { return c_.fd; }

 private:
  Clock::time_point write_deadline() const {
    if (!write_started_) {
      write_started_ = true;
      write_deadline_ = Clock::now() + std::chrono::seconds(write_seconds_);
    }
    return write_deadline_;
  }
  bool wait(short events, Clock::time_point deadline) const {
    pollfd p{c_.fd, events, 0};
    for (;;) {
      const int r = ::poll(&p, 1, ms_until(deadline));
      if (r > 0) return (p.revents & (events | POLLHUP | POLLERR)) != 0;
      if (r == 0 || errno != EINTR) return false;
    }
  }

  Connection& c_;
  Clock::time_point read_deadline_;
  int write_seconds_;
  std::size_t pos_ = 0;
  mutable bool write_started_ = false;
  mutable Clock::time_point write_deadline_;
};

void set_int_option(int fd, int level, int name, int value) { ::setsockopt(fd, level, name, &value, sizeof value); }

}  // namespace

struct HttpFront::Impl {
  HttpRouter& http;
  FrontOptions options;
  int listen_fd = -1;
  int wake[2] = {-1, -1};  // a pipe: workers hand connections back, stop() wakes the poller
  std::atomic<bool> running{false};
  std::thread poller;
  std::vector<std::thread> workers;

  std::mutex mu;
  std::condition_variable ready_cv;
  std::deque<Connection> ready;     // complete requests for the workers
  std::vector<Connection> returned;  // kept-alive connections back from the workers
  int busy = 0;                     // connections held by workers (for max_connections)
  std::atomic<bool> stopping{false};

  Impl(HttpRouter& h, FrontOptions o) : http(h), options(o) {}

  void poll_loop();
  void work();
  void accept_all(std::vector<Connection>& waiting);
  // Reads what is there; false when the connection is finished (closed here).
  bool receive(Connection& c);
  // Whether c's buffer holds a whole request (sends "100 Continue" when one waits for it).
  enum class Readiness { partial, complete, head_too_large, gone };
  Readiness readiness(Connection& c) const;
  // Hands a complete request to a worker, or closes a connection that cannot complete one
  // (431 for an oversized head); true when c left the poller.
  bool dispatch_if_complete(Connection& c);
  // A worker's connection after a response: closed, kept on the worker (its next request
  // came whole within kLinger), or back to the poller. True when the worker keeps it.
  bool after_response(Connection& c, bool keep);
  void wake_poller() const {
    const char b = 1;
    (void)!::write(wake[1], &b, 1);
  }
};

HttpFront::HttpFront(HttpRouter& http, FrontOptions options) : impl_(std::make_unique<Impl>(http, options)) {
  TR_CHECK(options.workers >= 1 && options.request_seconds >= 1 && options.idle_seconds >= 1 &&
               options.keep_alive_max >= 1 && options.max_connections >= 1,
           "invalid HTTP front options");
}

HttpFront::~HttpFront() { stop(); }

void HttpFront::close_after_response() { t_close_after = true; }

bool HttpFront::running() const { return impl_->running; }

int HttpFront::start(const std::string& host, int port) {
  Impl& m = *impl_;
  TR_CHECK(!m.running && m.listen_fd < 0, "the server already runs");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0 || found == nullptr)
    fail("cannot listen on ", host, ":", port, " (is the address valid?)");
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    // SO_REUSEADDR only: SO_REUSEPORT would let a second server take half the traffic.
    set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) fail("cannot listen on ", host, ":", port, " (is the address valid, free and ours to bind?)");
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int bound = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                                     : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (::pipe2(m.wake, O_CLOEXEC | O_NONBLOCK) != 0) {
    ::close(fd);
    fail("cannot create the server's wake-up pipe");
  }
  m.listen_fd = fd;
  m.stopping = false;
  m.running = true;
  for (int i = 0; i < m.options.workers; ++i) m.workers.emplace_back([&m] { m.work(); });
  m.poller = std::thread([&m] { m.poll_loop(); });
  return bound;
}

void HttpFront::stop() {
  Impl& m = *impl_;
  if (!m.poller.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(m.mu);
    m.stopping = true;
  }
  m.wake_poller();
  m.poller.join();  // closes the listening socket and the waiting connections
  m.ready_cv.notify_all();
  for (auto& w : m.workers) w.join();  // each finishes the request it holds
  m.workers.clear();
  for (Connection& c : m.returned) ::close(c.fd);
  m.returned.clear();
  for (int& fd : m.wake) {
    ::close(fd);
    fd = -1;
  }
  m.running = false;
}

void HttpFront::Impl::accept_all(std::vector<Connection>& waiting) {
  for (;;) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or an aborted connection: nothing to do
    int held;
    {
      std::lock_guard<std::mutex> lock(mu);
      held = busy + static_cast<int>(ready.size() + returned.size());
    }
    if (held + static_cast<int>(waiting.size()) >= options.max_connections) {
      send_and_close(fd, 503, "Service Unavailable",
                     cat("too many connections (the limit is ", options.max_connections, "): retry later"));
      continue;
    }
    set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1);  // else a response waits for the delayed ACK
    Connection c;
    c.fd = fd;
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    if (::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, serv, sizeof serv,
                      NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
      c.ip = host;
      c.port = std::atoi(serv);
    }
    c.receiving = true;  // a new connection owes its first request within request_seconds
    c.deadline = Clock::now() + std::chrono::seconds(options.request_seconds);
    waiting.push_back(std::move(c));
  }
}

bool HttpFront::Impl::receive(Connection& c) {
  char chunk[16384];
  for (;;) {
    const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      if (!c.receiving) {
        c.receiving = true;
        c.deadline = Clock::now() + std::chrono::seconds(options.request_seconds);
      }
      c.buffer.append(chunk, static_cast<std::size_t>(n));
      // Enough for the head limit and the largest body; a bigger request is judged now.
      if (c.buffer.size() > options.max_head_bytes + options.max_body_bytes) return true;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n < 0 && errno == EINTR) continue;
    // A client may send its request and shut down its side: answer what it sent.
    if (n == 0 && !c.peer_closed && c.buffer.find("\r\n\r\n") != std::string::npos) {
      c.peer_closed = true;
      return true;
    }
    ::close(c.fd);  // closed by the client, or an error
    return false;
  }
}

HttpFront::Impl::Readiness HttpFront::Impl::readiness(Connection& c) const {
  if (c.buffer.empty()) return Readiness::partial;
  const std::size_t blank = c.buffer.find("\r\n\r\n");
  if (blank == std::string::npos)
    return c.buffer.size() <= options.max_head_bytes ? (c.peer_closed ? Readiness::gone : Readiness::partial)
                                                     : Readiness::head_too_large;
  const std::size_t head_end = blank + 4;
  if (head_end > options.max_head_bytes) return Readiness::head_too_large;
  bool expects_continue = false;
  const auto end = request_end(std::string_view(c.buffer).substr(0, head_end), head_end, options.max_body_bytes,
                               expects_continue);
  if (!end || c.buffer.size() >= *end) return Readiness::complete;
  if (c.peer_closed) return Readiness::gone;  // the rest can no longer come
  if (expects_continue && !c.sent_continue) {
    static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    (void)::send(c.fd, kContinue, sizeof kContinue - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    c.sent_continue = true;
  }
  return Readiness::partial;
}

bool HttpFront::Impl::dispatch_if_complete(Connection& c) {
  switch (readiness(c)) {
    case Readiness::partial:
      return false;
    case Readiness::gone:
      ::close(c.fd);
      break;
    case Readiness::head_too_large:
      send_and_close(c.fd, 431, "Request Header Fields Too Large",
                     cat("the request head is larger than ", options.max_head_bytes, " bytes"));
      break;
    case Readiness::complete: {
      std::lock_guard<std::mutex> lock(mu);
      ready.push_back(std::move(c));
      ready_cv.notify_one();
      break;
    }
  }
  c.fd = -1;
  return true;
}

void HttpFront::Impl::poll_loop() {
  std::vector<Connection> waiting;
  std::vector<pollfd> fds;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stopping) break;
      for (Connection& c : returned) waiting.push_back(std::move(c));
      returned.clear();
    }
    // Connections back from a worker may already hold their next (pipelined) request.
    std::erase_if(waiting, [&](Connection& c) { return dispatch_if_complete(c); });
    Clock::time_point next = Clock::now() + std::chrono::seconds(1);
    fds.assign({pollfd{wake[0], POLLIN, 0}, pollfd{listen_fd, POLLIN, 0}});
    for (const Connection& c : waiting) {
      fds.push_back(pollfd{c.fd, POLLIN, 0});
      next = std::min(next, c.deadline);
    }
    const int r = ::poll(fds.data(), fds.size(), ms_until(next) + 1);
    if (r < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) {
      char drain[64];
      while (::read(wake[0], drain, sizeof drain) > 0) {
      }
    }
    const std::size_t old = waiting.size();
    if (fds[1].revents != 0) accept_all(waiting);
    const Clock::time_point now = Clock::now();
    std::vector<Connection> keep;
    keep.reserve(waiting.size());
    for (std::size_t i = 0; i < waiting.size(); ++i) {
      Connection& c = waiting[i];
      const bool readable = i >= old || fds[i + 2].revents != 0;
      if (readable && !receive(c)) continue;
      if (dispatch_if_complete(c)) continue;
      if (now >= c.deadline) {
        if (c.receiving && !c.buffer.empty())
          send_and_close(c.fd, 408, "Request Timeout",
                         cat("the request did not arrive whole within ", options.request_seconds, " s"));
        else
          ::close(c.fd);  // idle, or a new connection that sent nothing
        continue;
      }
      keep.push_back(std::move(c));
    }
    waiting = std::move(keep);
  }
  ::close(listen_fd);
  listen_fd = -1;
  for (Connection& c : waiting) ::close(c.fd);  // the workers still answer the complete requests
}

void HttpFront::Impl::work() {
  for (;;) {
    Connection c;
    {
      std::unique_lock<std::mutex> lock(mu);
      ready_cv.wait(lock, [&] { return stopping || !ready.empty(); });
      if (ready.empty()) return;  // stopping, and every complete request answered
      c = std::move(ready.front());
      ready.pop_front();
      ++busy;
    }
    for (bool keep = true; keep;) {
      t_close_after = false;
      const bool last = c.served + 1 >= options.keep_alive_max;
      bool closed = false;
      BufferedStream stream(c, Clock::now() + std::chrono::seconds(options.request_seconds), options.request_seconds);
      const bool ok = http.process_request(stream, last, closed, nullptr);
      c.buffer.erase(0, stream.consumed());
      ++c.served;
      c.sent_continue = false;
      keep = after_response(c, ok && !closed && !last && !t_close_after && !c.peer_closed);
    }
  }
}

bool HttpFront::Impl::after_response(Connection& c, bool keep) {
  // A client that sends its next request at once (a benchmark, a busy upstream) gets it
  // served here without two thread hand-offs; kLinger bounds what an idle one costs.
  constexpr int kLingerMs = 2;
  if (keep && !stopping) {
    if (readiness(c) == Readiness::complete) return true;  // pipelined
    pollfd p{c.fd, POLLIN, 0};
    if (c.buffer.empty() && ::poll(&p, 1, kLingerMs) > 0) {
      if (!receive(c)) {  // the client closed the connection (receive() closed the socket)
        c.fd = -1;
        keep = false;
      } else if (readiness(c) == Readiness::complete) {
        return true;
      }
    }
  }
  c.receiving = !c.buffer.empty();
  c.deadline = Clock::now() + std::chrono::seconds(c.receiving ? options.request_seconds : options.idle_seconds);
  std::lock_guard<std::mutex> lock(mu);
  --busy;
  if (!keep || stopping) {
    if (c.fd >= 0) ::close(c.fd);
    return false;
  }
  returned.push_back(std::move(c));
  wake_poller();
  return false;
}

}  // namespace treerec
