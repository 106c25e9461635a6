// The sub-problem of one subtree in JTM tree learning (ALGORITHMS §7 steps 3-4; seed Part A): assign
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

// ALGORITHMS §7.3-4, greedy with rebalance:
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

// The exact optimum of the same problem (ALGORITHMS §7.4), a transportation problem: items with
// supply 1, candidates with `capacity`, profit W. Solved by successive shortest paths over the
// candidates (assignment_exact.cpp): items are placed one at a time; when the best candidate
// of an item (at the current candidate prices) is full, a Dijkstra search over the candidates
// finds the cheapest chain of moves that frees room somewhere, prices rise by the distances,
// and the chain is applied. Prices and assignment then satisfy the optimality conditions of the
// transportation LP, whose optimum is integral, so the result is optimal.
//  - Arcs: item r may go to its `top` best candidates by weight plus its old one (top = 0 or
//    >= candidates: every candidate, the unpruned problem). An item that finds no free room
//    through its arcs gets every candidate (counted in `widened`), so a result always exists.
//  - Weights are quantised per item relative to its best weight, with 2^38 steps over the
//    largest spread of the subtree (a total error below items * spread * 2^-38); between equal
//    quantised weights the old candidate wins, then the search order (lower index first).
// Deterministic. Cost about items * (steps of the search) * K, steps small while candidates
// have room; memory about 16 bytes per arc. Throws Error as greedy_assign does, and for more
// than kMaxExactCandidates candidates.
constexpr std::uint32_t kMaxExactCandidates = 1024;  // gaps up to 10
struct ExactAssignStats {
  std::uint64_t arcs = 0;          // arcs of the solved problem (after pruning and widening)
  std::uint64_t widened = 0;       // items that needed every candidate
  std::uint64_t search_steps = 0;  // candidates settled by the searches
};
std::vector<std::uint32_t> exact_assign(const AssignmentProblem& problem, std::uint32_t top = 0,
                                        ExactAssignStats* stats = nullptr);

// Throws Error unless the sizes agree and candidates * capacity >= items (both solvers call it).
void check_problem(const AssignmentProblem& problem);

// The sum over items of weights[r][assignment[r]], in double precision.
double assignment_weight(const AssignmentProblem& problem, std::span<const std::uint32_t> assignment);

}  // namespace treerec
