// The HTTP service in-process on a free loopback port: every endpoint, every bad-input case,
// the concurrency limit, graceful stop, and reloads (in flight, under load, failed).
#include "treerec/serve/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "serve/loopback.h"
#include "serve/serve_fixture.h"
#include "treerec/serve/metrics.h"

namespace treerec {
namespace {

using nlohmann::json;
using test::ServeFiles;
using test::TempDir;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Replaces `to` with a copy of `from` by an atomic rename, as a deployment would.
void replace_file(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to + ".tmp", std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(to + ".tmp", to);
}

// A running server on a free port of 127.0.0.1 with its own copy of the model file (so tests
// can replace it), and a client for it.
struct Running {
  Running(const TempDir& dir, const ServeFiles& f, ServerOptions o = {}) : model(dir.file("serving.model")) {
    replace_file(f.jtm, model);
    if (o.admin_token.empty()) o.admin_token = kToken;
    o.model_path = model;
    o.tree_path = f.tree;
    server = std::make_unique<Server>(std::move(o));
    port = server->start("127.0.0.1", 0);
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    return c;
  }
  httplib::Result post(const std::string& path, const std::string& body,
                       const std::string& type = "application/json") const {
    return client().Post(path.c_str(), body, type.c_str());
  }
  // POST /admin/reload with the token (and no body).
  httplib::Result reload() const {
    return client().Post("/admin/reload", httplib::Headers{{"Authorization", std::string("Bearer ") + kToken}}, "",
                         "application/json");
  }
  static constexpr const char* kToken = "test-admin-token-0123456789";
  std::string model;
  std::unique_ptr<Server> server;
  int port = 0;
};

// Sends raw bytes on a new connection and returns the server's first answer (headers and a
// Content-Length body). The connection stays open for writing: httplib takes a peer that has
// shut down its side for gone and would not answer.
std::string raw_exchange(int port, const std::string& request, bool wait_for_answer = true) {
  const int fd = test::connect_loopback(port);
  EXPECT_GE(fd, 0) << "no connection to port " << port;
  EXPECT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[4096];
  while (wait_for_answer) {
    const auto end = out.find("\r\n\r\n");
    if (end != std::string::npos) {
      const auto cl = out.find("Content-Length: ");
      const std::size_t length = cl < end ? std::stoul(out.substr(cl + 16)) : 0;
      if (out.size() >= end + 4 + length) break;
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

void expect_error(const httplib::Result& r, int status, const std::string& part) {
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, status) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  const json j = json::parse(r->body);
  ASSERT_TRUE(j.contains("error")) << r->body;
  EXPECT_TRUE(has(j["error"].get<std::string>(), part)) << r->body;
}

// expect_error with the line of the call in a failure's message.
#define EXPECT_ERROR(...)       \
  do {                          \
    SCOPED_TRACE("this call");  \
    expect_error(__VA_ARGS__);  \
  } while (0)

TEST(Server, RecommendAnswersInRawIds) {
  TempDir dir;
  const ServeFiles f(dir);
  Running s(dir, f);
  const auto r = s.post("/v1/recommend", R"({"behaviors": ["i3", 5, "i20", "nope"], "k": 5, "exclude": ["i1", "gone"]})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  const json j = json::parse(r->body);
  EXPECT_EQ(j["model_version"], s.server->snapshot()->version());
  EXPECT_EQ(j["unknown"], json({"5", "nope", "gone"}));  // integer ids are their decimal text
  ASSERT_EQ(j["items"].size(), 5u);
  ASSERT_EQ(j["scores"].size(), 5u);

  // The same answer as the library's.
  const auto snap = s.server->snapshot();
  RecommendRequest q;
  q.behaviors = {"i3", "5", "i20", "nope"};
  q.k = 5;
  q.exclude = {"i1", "gone"};
  const auto want = recommend(*snap, std::span(&q, 1), {})[0];
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(j["items"][i], std::string(snap->tree().item_id(want.items[i])));
    EXPECT_FLOAT_EQ(j["scores"][i].get<float>(), want.scores[i]);
    EXPECT_NE(j["items"][i], "i1");
  }
  for (std::size_t i = 1; i < 5; ++i) EXPECT_GE(j["scores"][i - 1].get<float>(), j["scores"][i].get<float>());

  // A filter inside the search: only category c1, without i4.
  const auto filtered =
      s.post("/v1/recommend", R"({"behaviors": ["i3"], "k": 5, "filter": {"categories": ["c1"], "exclude": ["i4"]}})");
  ASSERT_EQ(filtered->status, 200) << filtered->body;
  const json fj = json::parse(filtered->body);
  ASSERT_EQ(fj["items"].size(), 5u);
  for (const auto& id : fj["items"]) {
    const int n = std::stoi(id.get<std::string>().substr(1));
    EXPECT_EQ(n % 3, 1) << id;
    EXPECT_NE(n, 4);
  }

  // k defaults to 200, capped by the 24 items.
  const auto all = s.post("/v1/recommend", R"({"behaviors": []})");
  ASSERT_EQ(all->status, 200) << all->body;
  EXPECT_EQ(json::parse(all->body)["items"].size(), 24u);
}

TEST(Server, BatchAnswersEachQuery) {
  TempDir dir;
  const ServeFiles f(dir);
  Running s(dir, f);
  const auto r = s.post("/v1/recommend/batch",
                        R"({"requests": [{"behaviors": ["i1"], "k": 3}, {"behaviors": ["i2", "x"], "k": 7}]})");
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["items"].size(), 3u);
  EXPECT_EQ(j["results"][1]["items"].size(), 7u);
  EXPECT_EQ(j["results"][1]["unknown"], json({"x"}));
  const auto one = s.post("/v1/recommend", R"({"behaviors": ["i2", "x"], "k": 7})");
  EXPECT_EQ(json::parse(one->body)["items"], j["results"][1]["items"]);
}

TEST(Server, HealthAndMethods) {
  TempDir dir;
  const ServeFiles f(dir);
  Running s(dir, f);
  auto c = s.client();
  const auto h = c.Get("/healthz");
  ASSERT_EQ(h->status, 200);
  const json j = json::parse(h->body);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["method"], "jtm-h");
  EXPECT_EQ(j["items"], 24);
  EXPECT_EQ(j["model_version"], s.server->snapshot()->version());

  EXPECT_ERROR(c.Get("/nowhere"), 404, "no endpoint GET /nowhere");
  EXPECT_ERROR(c.Post("/v2/recommend", "{}", "application/json"), 404, "no endpoint POST /v2/recommend");
  const auto wrong = c.Get("/v1/recommend");
  EXPECT_ERROR(wrong, 405, "method GET is not allowed on /v1/recommend: use POST");
  EXPECT_EQ(wrong->get_header_value("Allow"), "POST");
  EXPECT_ERROR(c.Post("/healthz", "{}", "application/json"), 405, "use GET");
  EXPECT_ERROR(c.Delete("/metrics"), 405, "use GET");
  EXPECT_ERROR(c.Put("/admin/reload", "", "text/plain"), 405, "use POST");
}

TEST(Server, BadInputGets4xxAndTheServerCarriesOn) {
  TempDir dir;
  const ServeFiles f(dir);
  ServerOptions o;
  o.limits.max_body_bytes = 4096;
  o.limits.max_behaviors = 5;
  o.limits.max_k = 50;
  o.limits.default_k = 10;
  o.limits.max_batch = 2;
  Running s(dir, f, o);
  EXPECT_ERROR(s.post("/v1/recommend", "{\"behaviors\": [}"), 400, "malformed JSON");
  EXPECT_ERROR(s.post("/v1/recommend", ""), 400, "empty body");
  EXPECT_ERROR(s.post("/v1/recommend", R"({"behaviors": [true]})"), 422, "behaviors[0] must be a string or an integer");
  EXPECT_ERROR(s.post("/v1/recommend", R"({"behaviors": "i1"})"), 422, "must be an array");
  EXPECT_ERROR(s.post("/v1/recommend", R"({"behaviors": [1, 2, 3, 4, 5, 6]})"), 422, "at most 5 are allowed");
  EXPECT_ERROR(s.post("/v1/recommend", R"({"behaviors": [], "k": 0})"), 422, "out of range: expected 1 to 50");
  EXPECT_ERROR(s.post("/v1/recommend", R"({"behaviors": [], "k": 51})"), 422, "out of range: expected 1 to 50");
  EXPECT_ERROR(s.post("/v1/recommend", R"({"behaviors": [], "k": "5"})"), 422, "\"k\" must be an integer");
  EXPECT_ERROR(s.post("/v1/recommend", R"({"behaviours": []})"), 422, "unknown field \"behaviours\"");
  EXPECT_ERROR(s.post("/v1/recommend", R"({"behaviors": [], "filter": {"categories": "c1"}})"), 422,
               "\"filter.categories\" must be an array");
  EXPECT_ERROR(s.post("/v1/recommend", R"({"behaviors": [], "filter": {"categories": ["nope"]}})"), 422,
               "filter.categories: the index has no category \"nope\"");
  EXPECT_ERROR(s.post("/v1/recommend/batch", R"({"requests": [{"behaviors": []}, {"behaviors": [], "filter": 3}]})"),
               422, "requests[1]: \"filter\" must be a JSON object");
  EXPECT_ERROR(s.post("/v1/recommend", std::string(1000, '[')), 400, "nested deeper");
  EXPECT_ERROR(s.post("/v1/recommend", R"({"behaviors": []})", "text/plain"), 415, "send application/json");
  EXPECT_ERROR(s.post("/v1/recommend/batch", R"({"requests": [{"behaviors": []}, {"behaviors": []}, {"behaviors": []}]})"),
               422, "at most 2");
  EXPECT_ERROR(s.post("/v1/recommend/batch", R"({"requests": [{"behaviors": []}, {"behaviors": [], "k": 99}]})"), 422,
               "requests[1]: \"k\" = 99 is out of range");
  // Oversized: refused before the body is parsed.
  const std::string big = R"({"behaviors": [")" + std::string(5000, 'x') + "\"]}";
  EXPECT_ERROR(s.post("/v1/recommend", big), 413, "larger than the limit of 4096 bytes");

  // A chunked body (no length) and a compressed one are refused before they are read.
  const std::string chunked = raw_exchange(
      s.port, "POST /v1/recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              "Transfer-Encoding: chunked\r\n\r\n11\r\n{\"behaviors\": []}\r\n0\r\n\r\n");
  EXPECT_TRUE(has(chunked, "HTTP/1.1 411")) << chunked;
  EXPECT_TRUE(has(chunked, "chunked request bodies are not accepted")) << chunked;
  auto gz = s.client();
  gz.set_compress(true);
  EXPECT_ERROR(gz.Post("/v1/recommend", R"({"behaviors": []})", "application/json"), 415,
               "Content-Encoding 'gzip' is not accepted");

  // Not HTTP at all, and a POST without Content-Length.
  const std::string garbage = raw_exchange(s.port, "HELLO\r\n\r\n");
  EXPECT_TRUE(has(garbage, "HTTP/1.1 400")) << garbage;
  EXPECT_TRUE(has(garbage, "malformed HTTP request")) << garbage;
  const std::string nolen = raw_exchange(s.port, "POST /v1/recommend HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(has(nolen, "HTTP/1.1 411")) << nolen;
  EXPECT_TRUE(has(nolen, "Content-Length header is required")) << nolen;
  // A client that sends half a request and hangs up.
  raw_exchange(s.port, "POST /v1/recommend HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"beh", false);

  // Still serving.
  const auto ok = s.post("/v1/recommend", R"({"behaviors": ["i1"], "k": 2})");
  ASSERT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(json::parse(ok->body)["items"].size(), 2u);
}

// Holds requests in before_retrieval until released.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  int waiting = 0;
  bool open = false;
  void pass() {
    std::unique_lock<std::mutex> lock(mu);
    ++waiting;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  void wait_for(int n) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return waiting >= n; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
};

TEST(Server, TooManyConcurrentRequestsGet503) {
  TempDir dir;
  const ServeFiles f(dir);
  auto gate = std::make_shared<Gate>();
  ServerOptions o;
  o.max_concurrent = 1;
  o.before_retrieval = [gate] { gate->pass(); };
  Running s(dir, f, o);
  auto first = std::async(std::launch::async, [&] { return s.post("/v1/recommend", R"({"behaviors": ["i1"]})"); });
  gate->wait_for(1);
  const auto busy = s.post("/v1/recommend", R"({"behaviors": ["i1"]})");
  EXPECT_ERROR(busy, 503, "overloaded");
  EXPECT_EQ(busy->get_header_value("Retry-After"), "1");
  EXPECT_EQ(s.client().Get("/healthz")->status, 200);  // cheap endpoints are not limited
  gate->release();
  EXPECT_EQ(first.get()->status, 200);
  EXPECT_EQ(s.post("/v1/recommend", R"({"behaviors": ["i1"]})")->status, 200);
}

TEST(Server, ReloadKeepsRequestsInFlightOnTheirSnapshot) {
  TempDir dir;
  const ServeFiles f(dir);
  auto gate = std::make_shared<Gate>();
  auto hold = std::make_shared<std::atomic<bool>>(true);
  ServerOptions o;
  o.max_concurrent = 4;  // the held request plus the one after the reload, on any core count
  o.before_retrieval = [gate, hold] {
    if (hold->exchange(false)) gate->pass();  // only the first request waits
  };
  Running s(dir, f, o);
  const std::string v1 = s.server->snapshot()->version();
  const std::string body = R"({"behaviors": ["i4", "i9"], "k": 10})";
  auto in_flight = std::async(std::launch::async, [&] { return s.post("/v1/recommend", body); });
  gate->wait_for(1);

  replace_file(f.jtm2, s.model);
  const auto r = s.reload();
  ASSERT_EQ(r->status, 200) << r->body;
  const std::string v2 = json::parse(r->body)["model_version"];
  EXPECT_NE(v1, v2);
  EXPECT_EQ(json::parse(r->body)["status"], "reloaded");

  const auto after = s.post("/v1/recommend", body);
  EXPECT_EQ(json::parse(after->body)["model_version"], v2);
  gate->release();
  const auto old = in_flight.get();
  ASSERT_EQ(old->status, 200) << old->body;
  EXPECT_EQ(json::parse(old->body)["model_version"], v1);
  // Answers differ because the models do: each came from its own snapshot.
  EXPECT_NE(json::parse(old->body)["scores"], json::parse(after->body)["scores"]);
}

TEST(Server, ReloadUnderLoadFailsNoRequest) {
  TempDir dir;
  const ServeFiles f(dir);
  ServerOptions o;
  o.max_concurrent = 8;  // above the 4 clients: the default (cores) would answer 503 on small machines
  Running s(dir, f, o);
  const std::string v1 = s.server->snapshot()->version();
  std::atomic<bool> done{false};
  std::mutex mu;
  std::set<std::string> versions;
  std::atomic<int> answered{0}, failed{0};
  std::string last_failure;  // guarded by mu
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&, t] {
      auto c = s.client();
      c.set_keep_alive(t % 2 == 0);  // both fresh and kept-alive connections
      const std::string body = t == 3 ? R"({"requests": [{"behaviors": ["i1"]}, {"behaviors": ["i2"], "k": 4}]})"
                                      : R"({"behaviors": ["i3", "i8"], "k": 20})";
      const char* path = t == 3 ? "/v1/recommend/batch" : "/v1/recommend";
      while (!done) {
        const auto r = c.Post(path, body, "application/json");
        if (!r || r->status != 200) {
          ++failed;
          std::lock_guard<std::mutex> lock(mu);
          last_failure = std::string(path) + ": " + (r ? std::to_string(r->status) + " " + r->body : httplib::to_string(r.error()));
          continue;
        }
        ++answered;
        std::lock_guard<std::mutex> lock(mu);
        versions.insert(json::parse(r->body)["model_version"].get<std::string>());
      }
    });
  std::string v2;
  for (int i = 0; i < 6; ++i) {
    replace_file(i % 2 == 0 ? f.jtm2 : f.jtm, s.model);
    const ReloadResult r = s.server->reload();
    ASSERT_TRUE(r.ok) << r.error;
    if (i == 0) v2 = r.version;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  done = true;
  for (auto& t : clients) t.join();
  EXPECT_EQ(failed, 0) << "last failure: " << last_failure;
  EXPECT_GT(answered, 0);
  for (const auto& v : versions) EXPECT_TRUE(v == v1 || v == v2) << v;
  EXPECT_EQ(s.server->snapshot()->version(), v1);  // six reloads end on the first file
}

TEST(Server, FailedReloadKeepsTheOldModel) {
  TempDir dir;
  const ServeFiles f(dir);
  Running s(dir, f);
  const std::string v1 = s.server->snapshot()->version();
  test::write_file(dir.file("junk"), std::string(100, 'j'));
  replace_file(dir.file("junk"), s.model);
  const auto r = s.client().Post("/admin/reload", httplib::Headers{{"Authorization", std::string("Bearer ") +
                                                                                       Running::kToken}},
                                 nullptr, 0, "");  // no body
  EXPECT_ERROR(r, 500, "reload failed, the previous model is still served");
  EXPECT_TRUE(has(r->body, s.model)) << r->body;
  EXPECT_EQ(json::parse(r->body)["model_version"], v1);
  const auto ok = s.post("/v1/recommend", R"({"behaviors": ["i1"], "k": 3})");
  ASSERT_EQ(ok->status, 200);
  EXPECT_EQ(json::parse(ok->body)["model_version"], v1);
  const std::string m = s.server->metrics_text();
  EXPECT_TRUE(has(m, "treerec_reload_failures_total 1\n")) << m;
  EXPECT_TRUE(has(m, "treerec_reloads_total 0\n")) << m;

  replace_file(f.jtm, s.model);
  EXPECT_TRUE(s.server->reload().ok);
  EXPECT_TRUE(has(s.server->metrics_text(), "treerec_reloads_total 1\n"));
}

TEST(Server, StopAnswersRequestsInFlight) {
  TempDir dir;
  const ServeFiles f(dir);
  auto gate = std::make_shared<Gate>();
  ServerOptions o;
  o.before_retrieval = [gate] { gate->pass(); };
  Running s(dir, f, o);
  auto in_flight = std::async(std::launch::async, [&] { return s.post("/v1/recommend", R"({"behaviors": ["i1"]})"); });
  gate->wait_for(1);
  auto stopping = std::async(std::launch::async, [&] { s.server->stop(); });
  EXPECT_EQ(stopping.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);  // waits for it
  gate->release();
  stopping.get();
  const auto r = in_flight.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_FALSE(s.server->running());
  EXPECT_FALSE(s.client().Get("/healthz"));  // no longer listening
  s.server->stop();                          // idempotent
}

// Issue 17's slowloris: clients that drip their requests a byte at a time. With httplib's
// thread per connection they held the only worker and /healthz timed out; the front keeps
// them off the workers and drops them at read_timeout_seconds with a 408.
TEST(Server, SlowClientsDoNotStopAOneThreadServer) {
  TempDir dir;
  const ServeFiles f(dir);
  ServerOptions o;
  o.threads = 1;
  o.read_timeout_seconds = 2;
  Running s(dir, f, o);
  std::vector<std::future<std::string>> slow;
  for (int i = 0; i < 3; ++i)
    slow.push_back(std::async(std::launch::async, [&s] {
      const int fd = test::connect_loopback(s.port);
      if (fd < 0) return std::string("no connection");
      const std::string request = "POST /v1/recommend HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n";
      for (std::size_t b = 0; b < 12; ++b) {  // 12 bytes over 3 s
        (void)::send(fd, request.data() + b, 1, MSG_NOSIGNAL);
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
      std::string out;
      char buf[1024];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
      ::close(fd);
      return out;
    }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int i = 0; i < 6; ++i) {
    auto c = s.client();
    c.set_read_timeout(1, 0);
    const auto r = c.Get("/healthz");
    ASSERT_TRUE(r) << "a slow client held the only worker";
    EXPECT_EQ(r->status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  for (auto& answer : slow) {
    const std::string a = answer.get();
    EXPECT_TRUE(has(a, "HTTP/1.1 408")) << a;
  }
}

TEST(Server, StartErrors) {
  TempDir dir;
  const ServeFiles f(dir);
  Running s(dir, f);
  ServerOptions o;
  o.model_path = f.jtm;
  o.tree_path = f.tree;
  Server other(o);
  EXPECT_THROW(other.start("127.0.0.1", s.port), Error);  // taken
  EXPECT_THROW(s.server->start("127.0.0.1", 0), Error);   // already running
  o.limits.default_k = o.limits.max_k + 1;
  EXPECT_THROW({ Server bad(o); }, Error);
  o = ServerOptions{};
  o.model_path = f.jtm;
  o.tree_path = dir.file("absent.tree");
  EXPECT_THROW({ Server bad(o); }, Error);
}

// A sample line of the Prometheus text format: name{key="value",...} value (labels optional).
// (No std::regex: GCC 12 warns inside it under the sanitizer build.)
bool sample_line(const std::string& line) {
  const auto name_char = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
  std::size_t i = 0;
  while (i < line.size() && name_char(line[i])) ++i;
  if (i == 0) return false;
  if (i < line.size() && line[i] == '{') {
    ++i;
    for (;;) {
      const std::size_t key = i;
      while (i < line.size() && name_char(line[i])) ++i;
      if (i == key || line.compare(i, 2, "=\"") != 0) return false;
      i = line.find('"', i + 2);
      if (i == std::string::npos) return false;
      ++i;
      if (i < line.size() && line[i] == ',') {
        ++i;
        continue;
      }
      if (i < line.size() && line[i] == '}') break;
      return false;
    }
    ++i;
  }
  if (i >= line.size() || line[i] != ' ') return false;
  const std::string value = line.substr(i + 1);
  if (value == "+Inf" || value == "-Inf" || value == "NaN") return true;
  char* end = nullptr;
  std::strtod(value.c_str(), &end);
  return !value.empty() && *end == '\0';
}

// Every sample line of the Prometheus text format: name{labels} value.
TEST(Server, MetricsTextParses) {
  TempDir dir;
  const ServeFiles f(dir);
  Running s(dir, f);
  s.post("/v1/recommend", R"({"behaviors": ["i1"], "k": 3})");
  s.post("/v1/recommend", R"({"behaviors": ["i1"], "k": 3})");
  s.post("/v1/recommend", "{");
  s.client().Get("/random/path");
  // A request is recorded after its response is written (httplib's logger), so the last ones
  // may land a moment after the client has its answer: wait up to five seconds for both the
  // third recommendation and the 404.
  const auto recorded = [](const std::string& body) {
    return has(body, "treerec_http_request_duration_seconds_count{endpoint=\"/v1/recommend\"} 3") &&
           has(body, "treerec_http_requests_total{endpoint=\"other\",status=\"404\"} 1");
  };
  auto r = s.client().Get("/metrics");
  for (int i = 0; i < 500 && r && !recorded(r->body); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    r = s.client().Get("/metrics");
  }
  ASSERT_EQ(r->status, 200);
  EXPECT_TRUE(has(r->get_header_value("Content-Type"), "text/plain; version=0.0.4")) << r->get_header_value("Content-Type");
  std::map<std::string, double> values;
  std::istringstream in(r->body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    ASSERT_TRUE(sample_line(line)) << "bad line: " << line;
    const std::string value = line.substr(line.rfind(' ') + 1);
    values[line.substr(0, line.rfind(' '))] = value == "+Inf" ? INFINITY : std::stod(value);
  }
  EXPECT_EQ((values["treerec_http_requests_total{endpoint=\"/v1/recommend\",status=\"200\"}"]), 2);
  EXPECT_EQ((values["treerec_http_requests_total{endpoint=\"/v1/recommend\",status=\"400\"}"]), 1);
  EXPECT_EQ((values["treerec_http_requests_total{endpoint=\"other\",status=\"404\"}"]), 1);
  EXPECT_EQ((values["treerec_http_errors_total{endpoint=\"/v1/recommend\"}"]), 1);
  EXPECT_EQ((values["treerec_http_request_duration_seconds_count{endpoint=\"/v1/recommend\"}"]), 3);
  EXPECT_EQ((values["treerec_http_request_duration_seconds_bucket{endpoint=\"/v1/recommend\",le=\"+Inf\"}"]), 3);
  EXPECT_GT((values["treerec_http_request_duration_seconds_sum{endpoint=\"/v1/recommend\"}"]), 0);
  EXPECT_EQ(values["treerec_http_requests_in_flight"], 0);
  EXPECT_GT(values["treerec_model_loaded_timestamp_seconds"], 1.6e9);
  const std::string info = "treerec_model_info{version=\"" + s.server->snapshot()->version() +
                           "\",method=\"jtm-h\",items=\"24\",model=\"" + s.model + "\",tree=\"" + f.tree + "\"}";
  EXPECT_EQ(values[info], 1) << r->body;
  // Buckets are cumulative.
  double previous = 0;
  for (const double le : ServeMetrics::kBuckets) {
    std::string key = "treerec_http_request_duration_seconds_bucket{endpoint=\"/v1/recommend\",le=\"";
    append_metric_value(key, le);
    key += "\"}";
    ASSERT_TRUE(values.count(key)) << key;
    EXPECT_GE(values[key], previous);
    previous = values[key];
  }
}

// /admin/reload is refused without the token, with a wrong one, from a web page (Origin), and
// when the server has no token at all; the model being served does not change.
TEST(Server, AdminReloadNeedsTheTokenAndNoOrigin) {
  TempDir dir;
  const ServeFiles f(dir);
  Running s(dir, f);
  const std::string v1 = s.server->snapshot()->version();
  replace_file(f.jtm2, s.model);
  EXPECT_ERROR(s.post("/admin/reload", ""), 401, "Authorization: Bearer <token>");
  EXPECT_ERROR(s.client().Post("/admin/reload", httplib::Headers{{"Authorization", "Bearer wrong"}}, "", "application/json"),
               401, "Authorization");
  EXPECT_ERROR(s.client().Post("/admin/reload",
                               httplib::Headers{{"Authorization", std::string("Bearer ") + Running::kToken},
                                                {"Origin", "http://evil.example"}},
                               "", "text/plain"),
               403, "web page");
  EXPECT_ERROR(s.client().Post("/admin/reload"), 401, "Authorization");  // no body, no Content-Length
  EXPECT_EQ(s.server->snapshot()->version(), v1);
  const auto ok = s.reload();
  ASSERT_EQ(ok->status, 200) << ok->body;
  EXPECT_NE(s.server->snapshot()->version(), v1);

  ServerOptions off;  // no token: the admin endpoints are off
  off.model_path = s.model;
  off.tree_path = f.tree;
  Server closed(off);
  httplib::Client c("127.0.0.1", closed.start("127.0.0.1", 0));
  EXPECT_ERROR(c.Post("/admin/reload", httplib::Headers{{"Authorization", "Bearer "}}, "", "application/json"), 403,
               "admin endpoints are off");
  closed.stop();
}

}  // namespace
}  // namespace treerec
