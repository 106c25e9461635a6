// Balanced recursive 2-means (ALGORITHMS §3; see kmeans_tree.h).
#include "treerec/learn/kmeans_tree.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "treerec/model/preference_model.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"
#include "treerec/util/random.h"

namespace treerec {

const ParamTable<KMeansTreeOptions>& kmeans_params() {
  static const ParamTable<KMeansTreeOptions> table = [] {
    ParamTable<KMeansTreeOptions> p("k-means re-clustering");
    p.add({.name = "kmeans_iterations", .type = ParamType::count,
           .help = "k-means: Lloyd iterations per node at most (a node stops once its split no longer changes)",
           .min = 1},
          &KMeansTreeOptions::iterations);
    return p;
  }();
  return table;
}
namespace {

// Sums over items are taken in blocks of this many positions and the block sums are added in
// block order: the same arithmetic for any number of threads.
constexpr std::size_t kBlock = 2048;

struct Segment {
  Code code;
  std::uint32_t level;
  std::size_t begin, end;  // positions in `order`
};

class Splitter {
 public:
  Splitter(std::span<const float> x, std::uint32_t dim, const KMeansTreeOptions& o) : x_(x), dim_(dim), o_(o) {}

  // Reorders items[0, m) so that the first floor(m/2) go to the first child. `threads` only
  // spreads the work.
  void split(std::span<std::uint32_t> items, Code code, int threads) const {
    const std::size_t m = items.size(), half = m / 2;
    std::vector<std::uint32_t> perm(m);  // positions in `items`, the order being ranked
    std::iota(perm.begin(), perm.end(), 0u);
    std::vector<double> c0(dim_), c1(dim_), diff(dim_);
    Rng rng(mix_seed(o_.seed, code));
    const std::uint32_t a = items[rng.uniform(m)];
    const std::uint32_t b = farthest(items, a, threads);
    const std::uint32_t c = farthest(items, b, threads);
    for (std::uint32_t k = 0; k < dim_; ++k) {
      c0[k] = row(c)[k];
      c1[k] = row(b)[k];
    }
    std::vector<double> key(m);
    std::vector<std::uint8_t> left(m, 2), was(m);
    for (std::uint32_t it = 0; it < std::max(o_.iterations, 1u); ++it) {
      for (std::uint32_t k = 0; k < dim_; ++k) diff[k] = c0[k] - c1[k];
      parallel_for(m, threads, kBlock, [&](std::size_t i) { key[i] = dot(row(items[i]), diff.data()); });
      std::nth_element(perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(half), perm.end(),
                       [&](std::uint32_t p, std::uint32_t q) {
                         return key[p] != key[q] ? key[p] > key[q] : items[p] < items[q];
                       });
      was = left;
      for (std::size_t r = 0; r < m; ++r) left[perm[r]] = r < half ? 1 : 0;
      if (was == left) break;
      mean(items, perm, 0, half, threads, c0);
      mean(items, perm, half, m, threads, c1);
    }
    std::vector<std::uint32_t> out(m);
    for (std::size_t r = 0; r < m; ++r) out[r] = items[perm[r]];
    std::copy(out.begin(), out.end(), items.begin());
  }

 private:
  const float* row(std::uint32_t item) const { return x_.data() + std::size_t{item} * dim_; }
  double dot(const float* v, const double* w) const {
    double s = 0;
    for (std::uint32_t k = 0; k < dim_; ++k) s += static_cast<double>(v[k]) * w[k];
    return s;
  }
  double distance2(std::uint32_t p, std::uint32_t q) const {
    const float *u = row(p), *v = row(q);
    double s = 0;
    for (std::uint32_t k = 0; k < dim_; ++k) {
      const double d = static_cast<double>(u[k]) - static_cast<double>(v[k]);
      s += d * d;
    }
    return s;
  }
  // The item farthest from `from` (ties: the smaller item id).
  std::uint32_t farthest(std::span<const std::uint32_t> items, std::uint32_t from, int threads) const {
    const std::size_t blocks = (items.size() + kBlock - 1) / kBlock;
    std::vector<std::pair<double, std::uint32_t>> best(blocks, {-1.0, 0});
    parallel_for(blocks, threads, 1, [&](std::size_t blk) {
      const std::size_t end = std::min(items.size(), (blk + 1) * kBlock);
      for (std::size_t i = blk * kBlock; i < end; ++i) {
        const double d = distance2(items[i], from);
        if (d > best[blk].first || (d == best[blk].first && items[i] < best[blk].second)) best[blk] = {d, items[i]};
      }
    });
    auto r = best[0];
    for (const auto& b : best)
      if (b.first > r.first || (b.first == r.first && b.second < r.second)) r = b;
    return r.second;
  }
  // The mean of the items at ranks [begin, end) of perm.
  void mean(std::span<const std::uint32_t> items, const std::vector<std::uint32_t>& perm, std::size_t begin,
            std::size_t end, int threads, std::vector<double>& out) const {
    const std::size_t blocks = (end - begin + kBlock - 1) / kBlock;
    std::vector<double> partial(blocks * dim_, 0.0);
    parallel_for(blocks, threads, 1, [&](std::size_t blk) {
      double* s = partial.data() + blk * dim_;
      const std::size_t stop = std::min(end, begin + (blk + 1) * kBlock);
      for (std::size_t r = begin + blk * kBlock; r < stop; ++r) {
        const float* v = row(items[perm[r]]);
        for (std::uint32_t k = 0; k < dim_; ++k) s[k] += v[k];
      }
    });
    std::fill(out.begin(), out.end(), 0.0);
    for (std::size_t blk = 0; blk < blocks; ++blk)
      for (std::uint32_t k = 0; k < dim_; ++k) out[k] += partial[blk * dim_ + k];
    for (double& v : out) v /= static_cast<double>(end - begin);
  }

  std::span<const float> x_;
  std::uint32_t dim_;
  const KMeansTreeOptions& o_;
};

}  // namespace

Tree build_kmeans_tree(std::span<const float> embeddings, std::uint32_t dim, const StringTable& item_ids,
                       const KMeansTreeOptions& options) {
  const std::size_t n = item_ids.size();
  if (n == 0) fail("cannot build a k-means tree without items");
  if (dim == 0 || embeddings.size() != n * dim)
    fail("k-means tree: ", embeddings.size(), " embedding values for ", n, " items of dimension ", dim);
  for (std::size_t i = 0; i < embeddings.size(); ++i)
    if (!std::isfinite(embeddings[i]))
      fail("k-means tree: item ", item_ids[i / dim], " has a non-finite embedding value ", embeddings[i]);

  const std::uint32_t max_level = max_level_for(n);
  const int threads = options.threads > 0 ? options.threads : default_threads();
  const Splitter splitter(embeddings, dim, options);
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::vector<Code> leaf(n);
  std::vector<Segment> level{{0, 0, 0, n}}, next, split;
  // Level by level: every node of a level is split (independently: parallel over nodes when a
  // level has enough of them, else parallel inside each node), then its halves form the next.
  while (!level.empty()) {
    split.clear();
    for (const Segment& s : level) {
      if (s.end - s.begin == 1) leaf[order[s.begin]] = ((s.code + 1) << (max_level - s.level)) - 1;
      else split.push_back(s);
    }
    const auto run = [&](const Segment& s, int inner) {
      splitter.split(std::span<std::uint32_t>(order).subspan(s.begin, s.end - s.begin), s.code, inner);
    };
    if (split.size() >= 4 * static_cast<std::size_t>(threads)) {
      parallel_for(split.size(), threads, 1, [&](std::size_t i) { run(split[i], 1); });
    } else {
      for (const Segment& s : split) run(s, threads);
    }
    next.clear();
    for (const Segment& s : split) {
      const std::size_t mid = s.begin + (s.end - s.begin) / 2;
      next.push_back({first_child(s.code), s.level + 1, s.begin, mid});
      next.push_back({first_child(s.code) + 1, s.level + 1, mid, s.end});
    }
    level.swap(next);
  }
  Tree tree(std::move(leaf), max_level, item_ids);
  tree.set_builder("kmeans");
  return tree;
}

std::vector<float> leaf_embeddings(const PreferenceModel& model, const Tree& tree) {
  const EmbeddingTable& t = model.parameters().tables.at(kNodeTable);
  if (t.rows != tree.num_nodes())
    fail("the model's node table has ", t.rows, " rows but the tree has ", tree.num_nodes(),
         " non-empty nodes: give the tree the model was trained on");
  std::vector<float> out(std::size_t{tree.num_items()} * t.dim);
  for (std::uint32_t c = 0; c < tree.num_items(); ++c) {
    const auto r = static_cast<std::uint64_t>(tree.node_index(tree.leaf(c)));
    std::memcpy(out.data() + std::size_t{c} * t.dim, t.row(r), t.dim * sizeof(float));
  }
  return out;
}

}  // namespace treerec
