// The sub-problem of one subtree in JTM tree learning (SPEC §7 steps 3-4; seed Part A): assign
// the items C_i of a node n_i to the K = 2^(l - s) candidate descendants of n_i at level l, each
// holding at most `capacity` items, maximising the sum of the weights W(c, n).
//
// Weights are a row-major items x K matrix (row r belongs to the r-th item of the subtree);
// `old[r]` is the local index (0..K-1) of the item's old ancestor at level l, b_l(π_old(c)), or
// -1 when that ancestor is not under n_i. Results are local candidate indices, one per item.
// Both solvers are deterministic (ties broken by fixed rules, no randomness, no threads).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace treerec {

struct AssignmentProblem {
  std::span<const float> weights;     // items x candidates
  std::span<const std::int32_t> old;  // items: old local candidate, or -1
  std::uint32_t candidates = 0;       // K >= 1
  std::uint64_t capacity = 0;         // per candidate; candidates * capacity >= items
  std::size_t items() const { return old.size(); }
};

// SPEC §7.3-4, greedy with rebalance:
//  3. each item takes its highest-weight candidate (ties: its old candidate, then the lowest
//     index), so an item with all-zero weights (no samples) stays where π_old put it;
//  4. while some not-yet-processed candidate holds more than `capacity` items, process the one
//     with the most (ties: lowest index): order its items by (old candidate == this one first,
//     weight descending, item row ascending), keep the first `capacity`, and move each other
//     item, in that order, to its best candidate (same tie rules) among those not yet processed
//     and not full.
// A processed node is never over-full and a move never fills a node beyond capacity, so the
// result respects every capacity. O(items * K) plus O(K) per move.
// Throws Error if the sizes disagree or the total capacity is below the number of items.
std::vector<std::uint32_t> greedy_assign(const AssignmentProblem& problem);

// The exact optimum of the same problem: a maximum-weight bipartite matching between the items
// and min(capacity, items) slots per candidate, solved by the Hungarian algorithm (shortest
// augmenting paths with potentials, O(items^2 * slots)). For small subtrees and for checking
// the greedy solver; ties are resolved by the algorithm, not by the old assignment.
// Throws Error as greedy_assign does, and when items^2 * slots exceeds 1e12 (hours of work).
std::vector<std::uint32_t> exact_assign(const AssignmentProblem& problem);

// The sum over items of weights[r][assignment[r]], in double precision.
double assignment_weight(const AssignmentProblem& problem, std::span<const std::uint32_t> assignment);

}  // namespace treerec
