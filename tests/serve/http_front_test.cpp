// The server's front (serve/http_front.h) with a one-worker httplib router: slow, idle and
// hostile clients hold no worker; deadlines, limits, keep-alive, pipelining, 100-continue.
#include "treerec/serve/http_front.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "serve/loopback.h"

namespace treerec {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct Front {
  explicit Front(FrontOptions o) : front(http, o) {
    http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
    http.Post("/echo", [](const httplib::Request& req, httplib::Response& res) { res.set_content(req.body, "text/plain"); });
    port = front.start("127.0.0.1", 0);
  }
  // A GET /healthz on a fresh connection; its time in seconds, or -1 when it failed.
  double healthz() const {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(5, 0);
    c.set_read_timeout(5, 0);
    const auto t0 = Clock::now();
    const auto r = c.Get("/healthz");
    if (!r || r->status != 200 || r->body != "ok") return -1;
    return std::chrono::duration<double>(Clock::now() - t0).count();
  }
  HttpRouter http;
  HttpFront front;
  int port = 0;
};

int connect_to(int port) {
  const int fd = test::connect_loopback(port);
  EXPECT_GE(fd, 0) << "no connection to port " << port;
  return fd;
}

void send_all(int fd, const std::string& s) {
  EXPECT_EQ(::send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
}

// Everything the server sends until it closes the connection or `until` has appeared
// `count` times (or 10 s pass).
std::string read_answer(int fd, const std::string& until = "", int count = 1) {
  std::string out;
  char buf[4096];
  for (;;) {
    if (!until.empty()) {
      int seen = 0;
      for (std::size_t at = out.find(until); at != std::string::npos; at = out.find(until, at + 1)) ++seen;
      if (seen >= count) break;
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// The slowloris: connections that send a byte now and then. Before the front, each
// held one of httplib's workers until it finished, and /healthz from another client timed out.
TEST(HttpFront, SlowClientsHoldNoWorkerAndMissTheirDeadline) {
  Front f(FrontOptions{.workers = 1, .request_seconds = 2, .idle_seconds = 2});
  std::vector<int> slow;
  for (int i = 0; i < 4; ++i) {
    slow.push_back(connect_to(f.port));
    send_all(slow.back(), "POST /echo HTTP/1.1\r\n");
  }
  std::atomic<bool> done{false};
  std::thread drip([&] {
    const std::string rest = "Host: x\r\nContent-Length: 2\r\n\r\nhi";
    for (std::size_t i = 0; i < rest.size() && !done; ++i) {
      for (int fd : slow) (void)::send(fd, rest.data() + i, 1, MSG_NOSIGNAL);
      std::this_thread::sleep_for(300ms);
    }
  });
  for (int i = 0; i < 8; ++i) {  // about 2.4 s, beyond the slow clients' deadline
    const double t = f.healthz();
    EXPECT_GE(t, 0.0);
    EXPECT_LT(t, 1.0) << "a slow client held the only worker";
    std::this_thread::sleep_for(300ms);
  }
  done = true;
  drip.join();
  for (int fd : slow) {
    const std::string answer = read_answer(fd);
    EXPECT_TRUE(has(answer, "HTTP/1.1 408")) << answer;
    EXPECT_TRUE(has(answer, "did not arrive whole within 2 s")) << answer;
    ::close(fd);
  }
  EXPECT_GE(f.healthz(), 0.0);
}

// A kept-alive connection between its requests waits in the poller, not on the only worker.
TEST(HttpFront, IdleKeepAliveHoldsNoWorker) {
  Front f(FrontOptions{.workers = 1, .request_seconds = 5, .idle_seconds = 2});
  httplib::Client kept("127.0.0.1", f.port);
  kept.set_keep_alive(true);
  ASSERT_EQ(kept.Get("/healthz")->status, 200);
  const double t = f.healthz();
  EXPECT_GE(t, 0.0);
  EXPECT_LT(t, 1.0);
  // The same connection serves its next request.
  const auto again = kept.Post("/echo", "abc", "text/plain");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "abc");
  // Idle past idle_seconds, the server closes it (the client reconnects by itself).
  const int fd = connect_to(f.port);
  send_all(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(has(read_answer(fd, "ok"), "200 OK"));
  const auto t0 = Clock::now();
  EXPECT_EQ(read_answer(fd), "");  // closed without a word
  const double idle = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_GT(idle, 1.0);
  EXPECT_LT(idle, 4.0);
  ::close(fd);
}

TEST(HttpFront, ConnectionsBeyondTheLimitGet503) {
  Front f(FrontOptions{.workers = 1, .max_connections = 3});
  std::vector<int> open;
  for (int i = 0; i < 3; ++i) open.push_back(connect_to(f.port));
  std::this_thread::sleep_for(200ms);  // let the poller accept them
  const int extra = connect_to(f.port);
  const std::string answer = read_answer(extra);
  EXPECT_TRUE(has(answer, "HTTP/1.1 503")) << answer;
  EXPECT_TRUE(has(answer, "too many connections (the limit is 3)")) << answer;
  ::close(extra);
  for (int fd : open) ::close(fd);
  std::this_thread::sleep_for(200ms);
  EXPECT_GE(f.healthz(), 0.0);  // room again
}

TEST(HttpFront, OversizedHeadGets431) {
  Front f(FrontOptions{.workers = 1, .max_head_bytes = 1024});
  const int fd = connect_to(f.port);
  send_all(fd, "GET /healthz HTTP/1.1\r\nX-Long: " + std::string(2000, 'a'));
  const std::string answer = read_answer(fd);
  EXPECT_TRUE(has(answer, "HTTP/1.1 431")) << answer;
  EXPECT_TRUE(has(answer, "larger than 1024 bytes")) << answer;
  ::close(fd);
}

// Two requests in one write, and a body that arrives in pieces: each answered in order.
TEST(HttpFront, PipelinedAndSplitRequests) {
  Front f(FrontOptions{.workers = 1});
  const int fd = connect_to(f.port);
  send_all(fd, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
               "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo"
               "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Le");
  std::this_thread::sleep_for(100ms);
  send_all(fd, "ngth: 5\r\n\r\nthr");
  std::this_thread::sleep_for(100ms);
  send_all(fd, "ee");
  const std::string all = read_answer(fd, "\r\n\r\nthree");
  const auto one = all.find("\r\n\r\none"), two = all.find("\r\n\r\ntwo"), three = all.find("\r\n\r\nthree");
  EXPECT_NE(one, std::string::npos) << all;
  EXPECT_LT(one, two) << all;
  EXPECT_LT(two, three) << all;
  EXPECT_NE(three, std::string::npos) << all;
  ::close(fd);
}

// A client that waits for "100 Continue" before its body gets it from the poller.
TEST(HttpFront, ExpectContinue) {
  Front f(FrontOptions{.workers = 1});
  const int fd = connect_to(f.port);
  send_all(fd, "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  EXPECT_TRUE(has(read_answer(fd, "\r\n\r\n"), "HTTP/1.1 100 Continue"));
  send_all(fd, "body");
  const std::string answer = read_answer(fd, "body");
  EXPECT_TRUE(has(answer, "HTTP/1.1 200")) << answer;
  ::close(fd);
}

// A request whose sender shut down its side is still answered; stop() answers what it holds.
TEST(HttpFront, HalfClosedClientAndStop) {
  Front f(FrontOptions{.workers = 1});
  const int fd = connect_to(f.port);
  send_all(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ::shutdown(fd, SHUT_WR);
  EXPECT_TRUE(has(read_answer(fd), "\r\n\r\nok"));
  ::close(fd);
  f.front.stop();
  EXPECT_FALSE(f.front.running());
  EXPECT_LT(f.healthz(), 0.0);  // no longer listening
  f.front.stop();               // idempotent
}

}  // namespace
}  // namespace treerec
