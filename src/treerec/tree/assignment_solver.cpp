// Greedy with rebalance (SPEC §7.4) and the exact solver of one subtree's assignment problem.
//
// The exact solver is written here by hand: the project takes its libraries from Debian 12, which
// packages no C++ min-cost-flow or weighted-matching library for it to link, and the
// Hungarian algorithm is short and classic.
#include "treerec/tree/assignment_solver.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "treerec/util/error.h"

namespace treerec {
namespace {

constexpr double kMaxExactSteps = 1e12;

void check(const AssignmentProblem& p) {
  TR_CHECK(p.candidates >= 1, "an assignment problem needs at least one candidate");
  TR_CHECK(p.weights.size() == p.items() * p.candidates, "weights hold ", p.weights.size(),
           " values for ", p.items(), " items x ", p.candidates, " candidates");
  TR_CHECK(p.capacity >= 1 && p.capacity * p.candidates >= p.items(), "capacity ", p.capacity, " x ",
           p.candidates, " candidates cannot hold ", p.items(), " items");
  for (std::size_t r = 0; r < p.items(); ++r)
    TR_CHECK(p.old[r] >= -1 && p.old[r] < static_cast<std::int64_t>(p.candidates), "item row ", r,
             " has old candidate ", p.old[r], " outside [-1, ", p.candidates, ")");
}

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
  check(p);
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

std::vector<std::uint32_t> exact_assign(const AssignmentProblem& p) {
  check(p);
  const std::size_t n = p.items();
  if (n == 0) return {};
  const std::uint32_t K = p.candidates;
  const std::size_t slots = static_cast<std::size_t>(std::min<std::uint64_t>(p.capacity, n));
  const std::size_t m = K * slots;  // >= n, since K * capacity >= n
  // Refuse what would run for hours rather than hang: about n^2 m steps.
  const double steps = static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(m);
  if (steps > kMaxExactSteps)
    fail("the exact solver would need about ", steps, " steps for a subtree of ", n, " items and ", m,
         " slots (limit ", kMaxExactSteps, "): use the greedy solver (--assign greedy)");
  // Hungarian algorithm for the n x m cost matrix a[i][j] = -W(item i, candidate of slot j),
  // rows 1..n, columns 1..m (0 is the virtual start): for each new row, a Dijkstra-like search
  // over the columns with potentials u (rows) and v (columns) finds the shortest augmenting
  // path; p_[j] is the row holding column j.
  const auto cost = [&](std::size_t i, std::size_t j) {
    return -static_cast<double>(p.weights[(i - 1) * K + (j - 1) / slots]);
  };
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0.0), v(m + 1, 0.0), minv(m + 1);
  std::vector<std::size_t> row_of(m + 1, 0), way(m + 1, 0);
  std::vector<char> used(m + 1);
  for (std::size_t i = 1; i <= n; ++i) {
    row_of[0] = i;
    std::size_t j0 = 0;
    std::fill(minv.begin(), minv.end(), kInf);
    std::fill(used.begin(), used.end(), 0);
    do {
      used[j0] = 1;
      const std::size_t i0 = row_of[j0];
      double delta = kInf;
      std::size_t j1 = 0;
      for (std::size_t j = 1; j <= m; ++j) {
        if (used[j]) continue;
        const double cur = cost(i0, j) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      TR_CHECK(j1 != 0, "the exact solver found no augmenting path (non-finite weights?)");
      for (std::size_t j = 0; j <= m; ++j) {
        if (used[j]) {
          u[row_of[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (row_of[j0] != 0);
    do {  // flip the path
      const std::size_t j1 = way[j0];
      row_of[j0] = row_of[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<std::uint32_t> assign(n);
  for (std::size_t j = 1; j <= m; ++j)
    if (row_of[j] != 0) assign[row_of[j] - 1] = static_cast<std::uint32_t>((j - 1) / slots);
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
