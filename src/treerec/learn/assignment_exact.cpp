// The exact solver of one subtree's assignment (ALGORITHMS §7.4): a transportation problem with many
// items of supply 1 and few candidates (2^gap) of equal capacity, solved by successive shortest
// paths whose searches run over the candidates only.
//
// Written by hand rather than with LEMON (Debian's liblemon-dev), which the tests use as the
// reference: LEMON's NetworkSimplex solves the same pruned problems, but its time grows about
// with the square of the items (0.5 s at 20,000 items, 26 s at 100,000; docs/TREE_LEARNING.md),
// which puts the 1.48M-item first gap of Amazon Books out of reach. Here a search settles
// candidates, not items, so the cost stays about linear in the items.
//
// State: every placed item sits on a candidate; every candidate b has a price p_b >= 0, and
// p_b > 0 only when b is full. Invariant: each placed item's candidate maximises its profit
// W(c, b) - p_b over its arcs. These are the optimality conditions of the transportation LP.
// Placing item c: the distance of candidate b is the profit c loses by going to b,
// max_k (W(c,k) - p_k) - (W(c,b) - p_b); moving an item c' from a full candidate a to b costs
// (W(c',a) - p_a) - (W(c',b) - p_b) >= 0, the cheapest such c' found in a heap per (a, b) keyed
// by W(c',a) - W(c',b), which prices do not change. Dijkstra over the candidates stops at the
// first one with room, t; every candidate settled before it gets p += d(t) - d(b), which keeps
// the invariant (the classic potential update), and the chain of moves into t is applied.
#include <algorithm>
#include <cmath>
#include <limits>

#include "treerec/learn/assignment_solver.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

using Profit = std::int64_t;
constexpr Profit kInf = std::numeric_limits<Profit>::max() / 4;
constexpr double kSteps = 274877906944.0;  // 2^38 quantisation steps over the largest spread

struct Arc {
  std::uint32_t candidate;
  Profit profit;
};

// A waiting move out of candidate a: item `item`, whose loss W(item, a) - W(item, b) is `key`.
struct Move {
  Profit key;
  std::uint32_t item;
};
// Min-heap order (std heaps are max-heaps): smaller key, then smaller item, on top.
bool after(const Move& x, const Move& y) { return x.key != y.key ? x.key > y.key : x.item > y.item; }
constexpr Move kNone{kInf, 0xFFFFFFFFu};  // an empty heap's top

class Solver {
 public:
  Solver(const AssignmentProblem& p, std::uint32_t top) : p_(p), K_(p.candidates), n_(p.items()) {
    quantise();
    const std::uint32_t keep = top == 0 ? K_ : std::min(top, K_);
    begin_.resize(n_);
    length_.resize(n_);
    std::vector<std::uint32_t> order(K_);
    std::vector<Profit> q(K_);
    for (std::size_t r = 0; r < n_; ++r) {
      begin_[r] = arcs_.size();
      for (std::uint32_t k = 0; k < K_; ++k) {
        order[k] = k;
        q[k] = profit(r, k);
      }
      // The item's `keep` best candidates (ties: the old one, then the lower index), plus the old one.
      std::partial_sort(order.begin(), order.begin() + keep, order.end(),
                        [&](std::uint32_t a, std::uint32_t b) { return q[a] != q[b] ? q[a] > q[b] : a < b; });
      bool has_old = p.old[r] < 0;
      for (std::uint32_t i = 0; i < keep; ++i) {
        arcs_.push_back({order[i], q[order[i]]});
        has_old |= static_cast<std::int32_t>(order[i]) == p.old[r];
      }
      if (!has_old) {
        const auto old = static_cast<std::uint32_t>(p.old[r]);
        arcs_.push_back({old, q[old]});
      }
      length_[r] = static_cast<std::uint32_t>(arcs_.size() - begin_[r]);
      live_ += length_[r];
    }
    at_.assign(n_, -1);
    price_.assign(K_, 0);
    load_.assign(K_, 0);
    dist_.resize(K_);
    from_.resize(K_);
    via_.resize(K_);
    settled_.resize(K_);
    moves_.resize(std::size_t{K_} * K_);
    top_.assign(std::size_t{K_} * K_, kNone);
  }

  std::vector<std::uint32_t> run(ExactAssignStats* stats) {
    for (std::size_t r = 0; r < n_; ++r)
      if (!place(r)) {
        widen(r);
        ++widened_;
        TR_CHECK(place(r), "the exact solver found no room for item row ", r);
      }
    std::vector<std::uint32_t> out(n_);
    for (std::size_t r = 0; r < n_; ++r) out[r] = static_cast<std::uint32_t>(at_[r]);
    if (stats) {
      stats->arcs += live_;
      stats->widened += widened_;
      stats->search_steps += steps_;
    }
    return out;
  }

 private:
  // Integer profits: 2 * round((W - max_k W) * scale) + [k is the old candidate], so that the
  // old candidate wins among equal quantised weights (profit()).
  void quantise() {
    double spread = 0;
    best_.resize(n_);
    for (std::size_t r = 0; r < n_; ++r) {
      const float* w = p_.weights.data() + r * K_;
      const auto [lo, hi] = std::minmax_element(w, w + K_);
      best_[r] = *hi;
      TR_CHECK(std::isfinite(*lo) && std::isfinite(*hi), "item row ", r, " has a weight that is not finite");
      spread = std::max(spread, static_cast<double>(*hi) - static_cast<double>(*lo));
    }
    scale_ = spread > 0 ? kSteps / spread : 1.0;
  }

  Profit profit(std::size_t r, std::uint32_t k) const {
    const double w = p_.weights[r * K_ + k];
    return 2 * std::llround((w - static_cast<double>(best_[r])) * scale_) +
           (static_cast<std::int32_t>(k) == p_.old[r] ? 1 : 0);
  }

  void widen(std::size_t r) {
    live_ += K_ - length_[r];
    begin_[r] = arcs_.size();
    for (std::uint32_t k = 0; k < K_; ++k) arcs_.push_back({k, profit(r, k)});
    length_[r] = K_;
  }

  // Item r now sits on candidate a (it left `from`, or -1 for a new item): its moves out of a
  // wait in the heaps (a, b); the tops of the heaps (from, b) it may have been on are refreshed.
  void arrive(std::size_t r, std::uint32_t a, std::int32_t from) {
    at_[r] = static_cast<std::int32_t>(a);
    const Arc* arcs = arcs_.data() + begin_[r];
    Profit here = 0;
    for (std::uint32_t i = 0; i < length_[r]; ++i)
      if (arcs[i].candidate == a) here = arcs[i].profit;
    for (std::uint32_t i = 0; i < length_[r]; ++i) {
      const std::uint32_t b = arcs[i].candidate;
      if (from >= 0 && b != static_cast<std::uint32_t>(from) && top_[index(static_cast<std::uint32_t>(from), b)].item == r)
        refresh(static_cast<std::uint32_t>(from), b);
      if (b == a) continue;
      const Move m{here - arcs[i].profit, static_cast<std::uint32_t>(r)};
      auto& h = moves_[index(a, b)];
      h.push_back(m);
      std::push_heap(h.begin(), h.end(), after);
      if (after(top_[index(a, b)], m)) top_[index(a, b)] = m;
      ++queued_;
    }
    if (queued_ > 4 * live_ + (std::uint64_t{1} << 20)) compact();
  }

  std::size_t index(std::uint32_t a, std::uint32_t b) const { return std::size_t{a} * K_ + b; }

  // Drops the stale moves on top of heap (a, b) and caches its top (kNone when empty).
  void refresh(std::uint32_t a, std::uint32_t b) {
    auto& h = moves_[index(a, b)];
    while (!h.empty() && at_[h.front().item] != static_cast<std::int32_t>(a)) {
      std::pop_heap(h.begin(), h.end(), after);
      h.pop_back();
    }
    top_[index(a, b)] = h.empty() ? kNone : h.front();
  }

  // Drops the moves of items that have left their candidate since.
  void compact() {
    queued_ = 0;
    for (std::size_t i = 0; i < moves_.size(); ++i) {
      auto& h = moves_[i];
      const auto a = static_cast<std::int32_t>(i / K_);
      h.erase(std::remove_if(h.begin(), h.end(), [&](const Move& m) { return at_[m.item] != a; }), h.end());
      std::make_heap(h.begin(), h.end(), after);
      queued_ += h.size();
    }
  }

  // Places item r (true), or finds no candidate with room through its arcs (false, nothing changed).
  bool place(std::size_t r) {
    std::fill(dist_.begin(), dist_.end(), kInf);
    std::fill(settled_.begin(), settled_.end(), 0);
    const Arc* arcs = arcs_.data() + begin_[r];
    Profit best = -kInf;
    for (std::uint32_t i = 0; i < length_[r]; ++i) best = std::max(best, arcs[i].profit - price_[arcs[i].candidate]);
    for (std::uint32_t i = 0; i < length_[r]; ++i) {
      const std::uint32_t b = arcs[i].candidate;
      dist_[b] = best - (arcs[i].profit - price_[b]);
      from_[b] = -1;
    }
    settled_list_.clear();
    std::int64_t target = -1;
    for (;;) {
      std::int64_t u = -1;
      for (std::uint32_t b = 0; b < K_; ++b)
        if (!settled_[b] && dist_[b] < kInf && (u < 0 || dist_[b] < dist_[static_cast<std::size_t>(u)])) u = b;
      if (u < 0) return false;
      ++steps_;
      const auto a = static_cast<std::uint32_t>(u);
      if (load_[a] < p_.capacity) {
        target = u;
        break;
      }
      settled_[a] = 1;
      settled_list_.push_back(a);
      const Move* row = top_.data() + index(a, 0);  // the cheapest move out of a to each b
      for (std::uint32_t b = 0; b < K_; ++b) {
        if (settled_[b] || row[b].key == kNone.key) continue;
        const Profit d = dist_[a] + row[b].key - price_[a] + price_[b];
        if (d < dist_[b]) {
          dist_[b] = d;
          from_[b] = static_cast<std::int32_t>(a);
          via_[b] = row[b].item;
        }
      }
    }
    const auto t = static_cast<std::uint32_t>(target);
    for (std::uint32_t b : settled_list_) price_[b] += dist_[t] - dist_[b];
    ++load_[t];
    std::uint32_t b = t;
    while (from_[b] >= 0) {  // apply the chain backwards: via_[b] moves from from_[b] to b
      const std::int32_t a = from_[b];
      arrive(via_[b], b, a);
      b = static_cast<std::uint32_t>(a);
    }
    arrive(r, b, -1);
    return true;
  }

  const AssignmentProblem& p_;
  const std::uint32_t K_;
  const std::size_t n_;
  double scale_ = 1;       // quantisation steps per unit of weight
  std::vector<float> best_;  // per item: its largest weight
  std::vector<Arc> arcs_;
  std::vector<std::size_t> begin_;
  std::vector<std::uint32_t> length_;
  std::vector<std::int32_t> at_;  // item -> candidate (-1: not placed yet)
  std::vector<Profit> price_;
  std::vector<std::uint64_t> load_;
  std::vector<std::vector<Move>> moves_;  // (a, b) -> waiting moves from a to b
  std::vector<Move> top_;                 // (a, b) -> the valid top of moves_ (a row is contiguous)
  std::uint64_t queued_ = 0;  // moves in the heaps, stale ones included
  std::uint64_t live_ = 0;    // arcs of all items (what the heaps hold once compacted, at most)
  std::vector<Profit> dist_;
  std::vector<std::int32_t> from_;
  std::vector<std::uint32_t> via_;
  std::vector<char> settled_;
  std::vector<std::uint32_t> settled_list_;
  std::uint64_t widened_ = 0, steps_ = 0;
};

}  // namespace

std::vector<std::uint32_t> exact_assign(const AssignmentProblem& problem, std::uint32_t top, ExactAssignStats* stats) {
  check_problem(problem);
  if (problem.candidates > kMaxExactCandidates)
    fail("the exact solver takes at most ", kMaxExactCandidates, " candidates per subtree (a gap of 10), got ",
         problem.candidates, ": use a smaller --gap or --assign greedy");
  if (problem.items() == 0) return {};
  return Solver(problem, top).run(stats);
}

}  // namespace treerec
