// The exact assignment solver of tree learning (learn/assignment_solver.h) against LEMON's network
// simplex (Debian's liblemon-dev) on the first gap's problem: n items, 128 candidates (gap 7)
// with capacity 2^(l_max - 7), weights with a popularity bias (every item prefers the same few
// candidates, as a model near the popularity floor makes them), each item's arcs pruned to its
// best `--top` candidates plus its old one (the old assignment is a balanced feasible one).
//
//   build/assign_bench [--items 20000,100000] [--top 16] [--bias 3] [--lemon-max 100000]
//
// Prints, per size, the seconds of exact_assign (pruned, and unpruned up to --full-max items),
// of LEMON (up to --lemon-max items) and the totals, which must agree.
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "treerec/learn/assignment_solver.h"
#include "treerec/tree/tree.h"
#include "treerec/util/random.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Instance {
  std::vector<float> w;
  std::vector<std::int32_t> old;
  std::uint32_t K = 128;
  std::uint64_t capacity = 0;
};

Instance make_instance(std::uint64_t n, double bias) {
  Instance in;
  const std::uint32_t L = treerec::max_level_for(n);
  in.capacity = std::uint64_t{1} << (L > 7 ? L - 7 : 0);
  in.w.resize(n * in.K);
  in.old.resize(n);
  treerec::Rng rng(treerec::mix_seed(11, n));
  std::vector<double> pop(in.K);
  for (auto& p : pop) p = bias * rng.normal();
  for (std::uint64_t r = 0; r < n; ++r) {
    for (std::uint32_t k = 0; k < in.K; ++k)
      in.w[r * in.K + k] = static_cast<float>(pop[k] + rng.normal() - 10.0);
    in.old[r] = static_cast<std::int32_t>(r * in.K / n);  // balanced: a feasible old assignment
  }
  return in;
}

// LEMON's optimum of the same pruned problem (the arcs exact_assign keeps before any widening).
double lemon_total(const Instance& in, std::uint32_t top, double& seconds) {
  using Graph = lemon::SmartDigraph;
  const std::size_t n = in.old.size();
  Graph g;
  g.reserveNode(static_cast<int>(n + in.K + 1));
  g.reserveArc(static_cast<int>(n * (top + 1) + in.K));
  std::vector<Graph::Node> item(n), cand(in.K);
  for (auto& v : item) v = g.addNode();
  for (auto& v : cand) v = g.addNode();
  const Graph::Node sink = g.addNode();
  Graph::ArcMap<std::int64_t> cost(g), upper(g);
  Graph::NodeMap<std::int64_t> supply(g, 0);
  constexpr double kScale = 1e6;
  std::vector<std::uint32_t> order(in.K);
  for (std::size_t r = 0; r < n; ++r) {
    supply[item[r]] = 1;
    const float* w = in.w.data() + r * in.K;
    std::iota(order.begin(), order.end(), 0u);
    std::partial_sort(order.begin(), order.begin() + top, order.end(),
                      [&](std::uint32_t a, std::uint32_t b) { return w[a] != w[b] ? w[a] > w[b] : a < b; });
    bool has_old = false;
    for (std::uint32_t i = 0; i <= top; ++i) {
      const std::uint32_t k = i < top ? order[i] : static_cast<std::uint32_t>(in.old[r]);
      if (i == top && has_old) break;
      has_old |= static_cast<std::int32_t>(k) == in.old[r];
      const Graph::Arc a = g.addArc(item[r], cand[k]);
      cost[a] = -std::llround(static_cast<double>(w[k]) * kScale);
      upper[a] = 1;
    }
  }
  for (std::uint32_t k = 0; k < in.K; ++k) {
    const Graph::Arc a = g.addArc(cand[k], sink);
    cost[a] = 0;
    upper[a] = static_cast<std::int64_t>(in.capacity);
  }
  supply[sink] = -static_cast<std::int64_t>(n);
  const auto t0 = std::chrono::steady_clock::now();
  lemon::NetworkSimplex<Graph, std::int64_t, std::int64_t> solver(g);
  solver.upperMap(upper).costMap(cost).supplyMap(supply);
  const bool ok = solver.run() == decltype(solver)::OPTIMAL;
  seconds = seconds_since(t0);
  return ok ? -static_cast<double>(solver.totalCost()) / kScale : std::nan("");
}

std::vector<std::uint64_t> parse_list(const char* s) {
  std::vector<std::uint64_t> out;
  for (const char* p = s; *p;) {
    out.push_back(std::strtoull(p, nullptr, 10));
    p = std::strchr(p, ',');
    if (!p) break;
    ++p;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::uint64_t> sizes = {20000, 100000};
  std::uint32_t top = 16;
  double bias = 3;
  std::uint64_t lemon_max = 100000, full_max = 100000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--items") sizes = parse_list(argv[i + 1]);
    else if (a == "--top") top = static_cast<std::uint32_t>(std::stoul(argv[i + 1]));
    else if (a == "--bias") bias = std::stod(argv[i + 1]);
    else if (a == "--lemon-max") lemon_max = std::stoull(argv[i + 1]);
    else if (a == "--full-max") full_max = std::stoull(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  std::printf("%10s %9s %12s %12s %12s %14s %14s %9s\n", "items", "capacity", "exact_s", "full_s", "lemon_s",
              "exact_total", "lemon_total", "widened");
  for (const std::uint64_t n : sizes) {
    const Instance in = make_instance(n, bias);
    const treerec::AssignmentProblem p{in.w, in.old, in.K, in.capacity};
    treerec::ExactAssignStats stats;
    auto t0 = std::chrono::steady_clock::now();
    const double exact = treerec::assignment_weight(p, treerec::exact_assign(p, top, &stats));
    const double exact_s = seconds_since(t0);
    double full_s = std::nan("");
    if (n <= full_max) {
      t0 = std::chrono::steady_clock::now();
      treerec::exact_assign(p, 0);
      full_s = seconds_since(t0);
    }
    double lemon_s = std::nan(""), lemon = std::nan("");
    if (n <= lemon_max) lemon = lemon_total(in, top, lemon_s);
    std::printf("%10llu %9llu %12.2f %12.2f %12.2f %14.3f %14.3f %9llu\n", static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(in.capacity), exact_s, full_s, lemon_s, exact, lemon,
                static_cast<unsigned long long>(stats.widened));
    std::fflush(stdout);
  }
}
