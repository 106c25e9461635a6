#include "treerec/experiment/experiment_results.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "treerec/util/error.h"

namespace treerec {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string at(const char* what, std::uint32_t cutoff) { return std::string(what) + "@" + std::to_string(cutoff); }

// Per user, the mean of `values_of(run)` over the runs of `seeds`.
std::vector<double> user_means(const MethodSummary& m, const std::vector<std::uint64_t>& seeds) {
  std::vector<double> sum;
  for (std::uint64_t s : seeds) {
    const std::vector<double>& v = m.run_for(s)->user_recall;
    if (sum.empty()) sum.assign(v.size(), 0.0);
    TR_CHECK(v.size() == sum.size(), "method ", m.name, ", seed ", s, ": ", v.size(), " per-user values where ",
             "other seeds have ", sum.size());
    for (std::size_t i = 0; i < v.size(); ++i) sum[i] += v[i];
  }
  for (double& x : sum) x /= static_cast<double>(seeds.size());
  return sum;
}

void summarize_method(MethodSummary& m, std::uint32_t top, std::size_t users, int threads) {
  m.finished_seeds.clear();
  std::vector<const MethodResult*> done;
  for (const MethodResult& r : m.runs)
    if (r.ok) {
      done.push_back(&r);
      m.finished_seeds.push_back(r.seed);
    }
  m.metrics = nlohmann::json::object();
  m.user_recall.clear();
  m.train_seconds = m.retrieve_seconds = 0;
  if (done.empty()) {
    m.precision = m.recall = m.f1 = seed_interval({});
    m.recall_users = BootstrapInterval{};
    m.recall_users.mean = m.recall_users.low = m.recall_users.high = kNaN;
    return;
  }
  for (const auto& [key, value] : done.front()->metrics.items()) {
    if (!value.is_number()) continue;
    double sum = 0;
    for (const MethodResult* r : done) sum += r->metrics.value(key, kNaN);
    m.metrics[key] = key == "users" ? value : nlohmann::json(sum / static_cast<double>(done.size()));
  }
  auto over_seeds = [&](const char* what) {
    std::vector<double> v;
    for (const MethodResult* r : done) v.push_back(r->metric(what, top));
    return seed_interval(v);
  };
  m.precision = over_seeds("precision");
  m.recall = over_seeds("recall");
  m.f1 = over_seeds("f1");
  for (const MethodResult* r : done) {
    m.train_seconds += r->train_seconds / static_cast<double>(done.size());
    m.retrieve_seconds += r->retrieve_seconds / static_cast<double>(done.size());
    TR_CHECK(r->user_recall.size() == users, "method ", m.name, ", seed ", r->seed, ": ", r->user_recall.size(),
             " per-user values for ", users, " evaluation users");
  }
  m.user_recall = user_means(m, m.finished_seeds);
  m.recall_users = bootstrap_mean(m.user_recall, kBootstrapResamples, kBootstrapSeed, threads);
}

PairedDifference difference(const MethodSummary& a, const MethodSummary& b, bool reference, int threads) {
  PairedDifference d;
  d.a = a.name;
  d.b = b.name;
  d.against_reference = reference;
  for (std::uint64_t s : a.finished_seeds)
    if (std::find(b.finished_seeds.begin(), b.finished_seeds.end(), s) != b.finished_seeds.end()) d.seeds.push_back(s);
  std::vector<double> per_seed;
  for (std::uint64_t s : d.seeds) {
    const MethodResult *ra = a.run_for(s), *rb = b.run_for(s);
    per_seed.push_back(ra->metric("recall", ra->top) - rb->metric("recall", rb->top));
  }
  d.over_seeds = seed_interval(per_seed);
  d.users = paired_bootstrap(user_means(a, d.seeds), user_means(b, d.seeds), kBootstrapResamples, kBootstrapSeed,
                             threads);
  return d;
}

bool has_common_seed(const MethodSummary& a, const MethodSummary& b) {
  return std::any_of(a.finished_seeds.begin(), a.finished_seeds.end(), [&](std::uint64_t s) {
    return std::find(b.finished_seeds.begin(), b.finished_seeds.end(), s) != b.finished_seeds.end();
  });
}

}  // namespace

double MethodResult::metric(const std::string& what, std::uint32_t cutoff) const {
  const std::string key = what + "@" + std::to_string(cutoff);
  return metrics.contains(key) ? metrics[key].get<double>() : kNaN;
}

nlohmann::json MethodResult::to_json() const {
  nlohmann::json j = {{"name", name},
                      {"seed", seed},
                      {"status", ok ? "ok" : "failed"},
                      {"settings", settings},
                      {"metrics", metrics},
                      {"per_user", {{"cutoff", top}, {"recall", user_recall}, {"precision", user_precision}}},
                      {"history", history},
                      {"rounds", rounds},
                      {"train_seconds", train_seconds},
                      {"retrieve_seconds", retrieve_seconds},
                      {"extra", extra},
                      {"reused", reused}};
  if (popular_overlap >= 0) j["popularity"] = {{"popular_overlap", popular_overlap}, {"coverage", coverage}};
  if (!ok) j["error"] = error;
  return j;
}

MethodResult MethodResult::from_json(const nlohmann::json& j) {
  try {
    MethodResult r;
    r.name = j.at("name").get<std::string>();
    r.seed = j.at("seed").get<std::uint64_t>();
    r.ok = j.at("status").get<std::string>() == "ok";
    r.error = j.value("error", "");
    r.settings = j.at("settings");
    r.metrics = j.at("metrics");
    const nlohmann::json& per_user = j.at("per_user");
    r.top = per_user.at("cutoff").get<std::uint32_t>();
    r.user_recall = per_user.at("recall").get<std::vector<double>>();
    r.user_precision = per_user.at("precision").get<std::vector<double>>();
    r.history = j.at("history");
    r.rounds = j.at("rounds");
    r.extra = j.at("extra");
    r.train_seconds = j.at("train_seconds").get<double>();
    r.retrieve_seconds = j.at("retrieve_seconds").get<double>();
    if (j.contains("popularity")) {
      r.popular_overlap = j.at("popularity").at("popular_overlap").get<double>();
      r.coverage = j.at("popularity").at("coverage").get<double>();
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    fail("method result: ", e.what());
  }
}

bool MethodSummary::ok() const {
  return !runs.empty() && std::all_of(runs.begin(), runs.end(), [](const MethodResult& r) { return r.ok; });
}

bool MethodSummary::any_ok() const {
  return std::any_of(runs.begin(), runs.end(), [](const MethodResult& r) { return r.ok; });
}

bool MethodSummary::reused() const {
  return !runs.empty() && std::all_of(runs.begin(), runs.end(), [](const MethodResult& r) { return r.reused; });
}

std::string MethodSummary::error() const {
  std::string out;
  for (const MethodResult& r : runs)
    if (!r.ok) out += (out.empty() ? "" : "; ") + cat("seed ", r.seed, ": ", r.error);
  return out;
}

double MethodSummary::metric(const std::string& what, std::uint32_t cutoff) const {
  const std::string key = what + "@" + std::to_string(cutoff);
  return metrics.contains(key) && metrics[key].is_number() ? metrics[key].get<double>() : kNaN;
}

const MethodResult* MethodSummary::run_for(std::uint64_t seed) const {
  for (const MethodResult& r : runs)
    if (r.seed == seed) return &r;
  return nullptr;
}

const MethodResult* MethodSummary::first_run() const {
  for (const MethodResult& r : runs)
    if (r.ok) return &r;
  return nullptr;
}

nlohmann::json MethodSummary::to_json(std::uint32_t top) const {
  nlohmann::json seeds = nlohmann::json::array(), rs = nlohmann::json::array();
  for (const MethodResult& r : runs) {
    seeds.push_back(r.seed);
    rs.push_back(r.to_json());
  }
  const bool any = any_ok();
  nlohmann::json j = {
      {"name", name},
      {"status", ok() ? "ok" : "failed"},
      {"settings", settings},
      {"seeds", seeds},
      {"finished_seeds", finished_seeds},
      {"metrics", metrics},
      {"intervals",
       {{at("precision", top), precision.json()},
        {at("recall", top), recall.json()},
        {at("f1", top), f1.json()},
        {at("recall", top) + "_users", any ? recall_users.json() : nlohmann::json(nullptr)}}},
      {"train_seconds", train_seconds},
      {"retrieve_seconds", retrieve_seconds},
      {"reused", reused()},
      {"runs", rs}};
  if (!ok()) j["error"] = error();
  return j;
}

std::string PairedDifference::verdict(const std::string& a_name, const std::string& b_name) const {
  if (within_noise()) return "within noise";
  return (users.mean > 0 ? a_name : b_name) + " better";
}

nlohmann::json PairedDifference::to_json() const {
  return {{"a", a},
          {"b", b},
          {"against_reference", against_reference},
          {"seeds", seeds},
          {"difference", users.json()},
          {"over_seeds", over_seeds.json()},
          {"verdict", verdict(a, b)}};
}

bool ExperimentReport::all_ok() const {
  return std::all_of(methods.begin(), methods.end(), [](const MethodSummary& m) { return m.ok(); });
}

const MethodSummary* ExperimentReport::find(const std::string& name) const {
  for (const auto& m : methods)
    if (m.name == name) return &m;
  return nullptr;
}

nlohmann::json ExperimentReport::to_json() const {
  nlohmann::json ms = nlohmann::json::array(), ds = nlohmann::json::array();
  for (const auto& m : methods) ms.push_back(m.to_json(top));
  for (const auto& d : differences) ds.push_back(d.to_json());
  return {{"title", title},
          {"config", config},
          {"dataset", dataset},
          {"evaluation",
           {{"split", "test"}, {"users", users.size()}, {"top", top}, {"cutoffs", cutoffs}, {"user_ids", users}}},
          {"seeds", seeds},
          {"reference", reference},
          {"bootstrap", {{"resamples", kBootstrapResamples}, {"seed", kBootstrapSeed}}},
          {"methods", ms},
          {"differences", ds}};
}

void summarize(ExperimentReport& report, int threads) {
  for (MethodSummary& m : report.methods) summarize_method(m, report.top, report.users.size(), threads);
  report.differences.clear();
  auto listed = [&](const std::string& a, const std::string& b) {
    return std::any_of(report.differences.begin(), report.differences.end(), [&](const PairedDifference& d) {
      return (d.a == a && d.b == b) || (d.a == b && d.b == a);
    });
  };
  auto add = [&](const std::string& a, const std::string& b, bool reference) {
    const MethodSummary *ma = report.find(a), *mb = report.find(b);
    if (!ma || !mb || listed(a, b) || !has_common_seed(*ma, *mb)) return;
    report.differences.push_back(difference(*ma, *mb, reference, threads));
  };
  if (report.find(report.reference))
    for (const MethodSummary& m : report.methods)
      if (m.name != report.reference) add(m.name, report.reference, true);
  for (const auto& [a, b] : report.pairs) add(a, b, false);
}

}  // namespace treerec
