// Greedy with rebalance (ALGORITHMS §7.4) and what both solvers share; the exact solver is in
// assignment_exact.cpp.
#include "treerec/learn/assignment_solver.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "treerec/util/error.h"

namespace treerec {

void check_problem(const AssignmentProblem& p) {
  TR_CHECK(p.candidates >= 1, "an assignment problem needs at least one candidate");
  TR_CHECK(p.weights.size() == p.items() * p.candidates, "weights hold ", p.weights.size(),
           " values for ", p.items(), " items x ", p.candidates, " candidates");
  TR_CHECK(p.capacity >= 1 && p.capacity * p.candidates >= p.items(), "capacity ", p.capacity, " x ",
           p.candidates, " candidates cannot hold ", p.items(), " items");
  for (std::size_t r = 0; r < p.items(); ++r)
    TR_CHECK(p.old[r] >= -1 && p.old[r] < static_cast<std::int64_t>(p.candidates), "item row ", r,
             " has old candidate ", p.old[r], " outside [-1, ", p.candidates, ")");
}

namespace {

// True if candidate a is better than b for item row r: higher weight, then the old candidate,
// then the lower index.
bool better(const AssignmentProblem& p, std::size_t r, std::uint32_t a, std::uint32_t b) {
  const float* w = p.weights.data() + r * p.candidates;
  if (w[a] != w[b]) return w[a] > w[b];
  const bool a_old = p.old[r] == static_cast<std::int32_t>(a), b_old = p.old[r] == static_cast<std::int32_t>(b);
  if (a_old != b_old) return a_old;
  return a < b;
}

}  // namespace

std::vector<std::uint32_t> greedy_assign(const AssignmentProblem& p) {
  check_problem(p);
  const std::size_t n = p.items();
  const std::uint32_t K = p.candidates;
  std::vector<std::uint32_t> assign(n);
  std::vector<std::vector<std::uint32_t>> members(K);
  // Step 3: every item takes its best candidate.
  for (std::size_t r = 0; r < n; ++r) {
    std::uint32_t best = 0;
    for (std::uint32_t k = 1; k < K; ++k)
      if (better(p, r, k, best)) best = k;
    assign[r] = best;
    members[best].push_back(static_cast<std::uint32_t>(r));
  }
  // Step 4: rebalance, most over-full unprocessed node first.
  std::vector<char> processed(K, 0);
  for (;;) {
    std::int64_t node = -1;
    for (std::uint32_t k = 0; k < K; ++k)
      if (!processed[k] && members[k].size() > p.capacity &&
          (node < 0 || members[k].size() > members[static_cast<std::size_t>(node)].size()))
        node = k;
    if (node < 0) break;
    const auto k = static_cast<std::uint32_t>(node);
    processed[k] = 1;
    auto& list = members[k];
    std::sort(list.begin(), list.end(), [&](std::uint32_t a, std::uint32_t b) {
      const bool a_old = p.old[a] == static_cast<std::int32_t>(k), b_old = p.old[b] == static_cast<std::int32_t>(k);
      if (a_old != b_old) return a_old;
      const float wa = p.weights[std::size_t{a} * K + k], wb = p.weights[std::size_t{b} * K + k];
      if (wa != wb) return wa > wb;
      return a < b;
    });
    const std::vector<std::uint32_t> excess(list.begin() + static_cast<std::ptrdiff_t>(p.capacity), list.end());
    list.resize(p.capacity);
    for (std::uint32_t r : excess) {
      // A free candidate always exists: processed nodes hold exactly `capacity` items, so if
      // every unprocessed node were full the subtree would hold more than K * capacity items.
      std::int64_t to = -1;
      for (std::uint32_t c = 0; c < K; ++c)
        if (!processed[c] && members[c].size() < p.capacity &&
            (to < 0 || better(p, r, c, static_cast<std::uint32_t>(to))))
          to = c;
      TR_CHECK(to >= 0, "rebalance found no free candidate for item row ", r);
      assign[r] = static_cast<std::uint32_t>(to);
      members[static_cast<std::size_t>(to)].push_back(r);
    }
  }
  return assign;
}

double assignment_weight(const AssignmentProblem& p, std::span<const std::uint32_t> assignment) {
  TR_CHECK(assignment.size() == p.items(), "assignment of ", assignment.size(), " items for ", p.items());
  double sum = 0;
  for (std::size_t r = 0; r < assignment.size(); ++r) {
    TR_CHECK(assignment[r] < p.candidates, "item row ", r, " assigned to candidate ", assignment[r]);
    sum += p.weights[r * p.candidates + assignment[r]];
  }
  return sum;
}

}  // namespace treerec
