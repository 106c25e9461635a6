// JTM Algorithm 2 (ALGORITHMS §7): gaps top-down; per gap, score every item's candidates (parallel
// over items), then solve every subtree (parallel over subtrees).
#include "treerec/learn/tree_learner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <numeric>

#include <nlohmann/json.hpp>

#include "treerec/io/atomic_file.h"
#include "treerec/learn/assignment_solver.h"
#include "treerec/learn/learn_checkpoint.h"
#include "treerec/learn/sample_scorer.h"
#include "treerec/search/model_scorer.h"
#include "treerec/util/distributed.h"
#include "treerec/util/error.h"
#include "treerec/util/interrupt.h"
#include "treerec/util/parallel.h"
#include "treerec/util/random.h"
#include "treerec/util/timing.h"

namespace treerec {
namespace {

constexpr std::uint32_t kMaxGap = 16;  // 2^16 candidates per item and gap at most
constexpr double kProgressSeconds = 30;
// The exact solver prunes arcs only in subtrees with more arcs than this (items x candidates):
// those are the first gaps, where capacities are large and pruning loses nothing measurable;
// smaller subtrees are solved unpruned (docs/TREE_LEARNING.md, "Pruning").
constexpr std::size_t kPruneAbove = std::size_t{1} << 22;

// Calls fn(worker, i) for i in [0, n) on `threads` workers taking chunks of `grain` from a shared
// counter (dynamic balance); each worker index owns its scratch, so results written per i do not
// depend on the schedule.
void for_each_dynamic(std::size_t n, int threads, std::size_t grain,
                      const std::function<void(int worker, std::size_t i)>& fn) {
  const int t = std::max(1, threads > 0 ? threads : default_threads());
  std::atomic<std::size_t> next{0};
  parallel_blocks(static_cast<std::size_t>(t), t, [&](int worker, std::size_t, std::size_t) {
    for (;;) {
      const std::size_t begin = next.fetch_add(grain);
      if (begin >= n) break;
      for (std::size_t i = begin; i < std::min(n, begin + grain); ++i) fn(worker, i);
    }
  });
}

int worker_count(int threads) { return std::max(1, threads > 0 ? threads : default_threads()); }

void check_inputs(const Dataset& dataset, const Tree& tree, const PreferenceModel& model,
                  const HierarchicalPreference& features) {
  tree.check_items(dataset.item_ids(), "the dataset");
  if (features.representation() != model.config().representation)
    fail("the behaviour features use ", representation_name(features.representation()),
         " but the model was trained with ", representation_name(model.config().representation));
  check_model_fits(model, features, tree);
}

// Σ_c Σ_{A_c} Σ_{j=1..l_max} log p̂(b_j(π(c)) | u) for the assignment of `tree`: levels below the
// leaves by the codes of `tree`, the leaf by the item's own leaf row (ALGORITHMS §7.1). Per item in
// double precision, summed in item order: the same for any number of workers.
double path_objective(const TargetSamples& targets, const std::vector<std::unique_ptr<SampleScorer>>& scorers,
                      const Tree& tree, int workers) {
  const std::uint32_t L = tree.max_level(), n = tree.num_items();
  const dist::Block mine = dist::my_block(n);  // under mpirun each rank scores a block of the items
  std::vector<double> per_item(mine.size(), 0.0);
  std::vector<std::vector<Code>> codes(workers, std::vector<Code>(L));
  std::vector<std::vector<LevelNodes>> sets(workers, std::vector<LevelNodes>(L));
  std::vector<std::vector<double>> sums(workers, std::vector<double>(L));
  for_each_dynamic(mine.size(), workers, 8, [&](int w, std::size_t i) {
    const auto item = static_cast<std::uint32_t>(mine.begin + i);
    const auto samples = targets.of(item);
    if (samples.empty()) return;
    tree.path(item, codes[w]);
    codes[w][L - 1] = scorers[w]->model_tree().leaf(item);
    for (std::uint32_t j = 1; j <= L; ++j)
      sets[w][j - 1] = LevelNodes{j, std::span<const Code>(codes[w]).subspan(j - 1, 1)};
    std::fill(sums[w].begin(), sums[w].end(), 0.0);
    scorers[w]->score(samples, sets[w], sums[w]);
    for (double v : sums[w]) per_item[i] += v;
  });
  const std::vector<double> all = dist::allgather<double>(per_item);
  return std::accumulate(all.begin(), all.end(), 0.0);
}

// The last gap placed each item under a parent of leaves (level l_max - 1, two leaves, at most
// two items): `cur` holds those parents and becomes leaf codes. An item keeps its old leaf when
// that leaf is under its parent; the others take the lower free leaf. Items in id order.
void place_on_leaves(const Tree& old_tree, std::vector<Code>& cur) {
  const auto n = static_cast<std::uint32_t>(cur.size());
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return cur[a] < cur[b]; });
  for (std::size_t b = 0; b < n;) {
    std::size_t e = b + 1;
    while (e < n && cur[order[e]] == cur[order[b]]) ++e;
    const Code parent = cur[order[b]];
    TR_CHECK(e - b <= 2, "tree learning put ", e - b, " items under the parent of leaves ", parent);
    bool taken[2] = {false, false};
    std::vector<Code> leaf(e - b, 0);
    for (std::size_t i = b; i < e; ++i) {
      const Code old = old_tree.leaf(order[i]);
      if (parent_code(old) == parent) {
        leaf[i - b] = old;
        taken[old - first_child(parent)] = true;
      }
    }
    for (std::size_t i = b; i < e; ++i)
      if (leaf[i - b] == 0) {
        const Code k = taken[0] ? 1 : 0;
        taken[k] = true;
        leaf[i - b] = first_child(parent) + k;
      }
    for (std::size_t i = b; i < e; ++i) cur[order[i]] = leaf[i - b];
    b = e;
  }
}

// Under mpirun: the rows of `weights` (K floats each) and `stay` that this rank scored (positions
// `scored`) and another rank's subtrees need (owned_by(r): its groups, whose positions run from
// the first item of its first group to the last item of its last) go there; rows arrive in
// position order. Only subtrees that cross a block boundary move rows.
template <class OwnedBy>
void send_rows_to_owners(dist::Block scored, const OwnedBy& owned_rows_of, std::uint32_t K, std::vector<float>& weights,
                         std::vector<float>& stay) {
  const int ranks = dist::size(), me = dist::rank();
  const auto overlap = [](dist::Block a, dist::Block b) {
    const std::size_t lo = std::max(a.begin, b.begin), hi = std::min(a.end, b.end);
    return dist::Block{lo, std::max(lo, hi)};
  };
  std::vector<std::vector<std::byte>> out(static_cast<std::size_t>(ranks));
  for (int r = 0; r < ranks; ++r) {
    if (r == me) continue;
    const dist::Block rows = overlap(scored, owned_rows_of(r));
    auto& buf = out[static_cast<std::size_t>(r)];
    buf.resize(rows.size() * (K + 1) * sizeof(float));
    if (rows.size() == 0) continue;
    std::memcpy(buf.data(), weights.data() + rows.begin * K, rows.size() * K * sizeof(float));
    std::memcpy(buf.data() + rows.size() * K * sizeof(float), stay.data() + rows.begin, rows.size() * sizeof(float));
  }
  const auto in = dist::exchange(out);
  const dist::Block mine = owned_rows_of(me);
  for (int r = 0; r < ranks; ++r) {
    if (r == me) continue;
    const dist::Block rows = overlap(dist::block_of(stay.size(), r, ranks), mine);
    const auto& buf = in[static_cast<std::size_t>(r)];
    TR_CHECK(buf.size() == rows.size() * (K + 1) * sizeof(float), "tree learning: rank ", r, " sent ", buf.size(),
             " bytes of weights, expected ", rows.size() * (K + 1) * sizeof(float));
    if (rows.size() == 0) continue;
    std::memcpy(weights.data() + rows.begin * K, buf.data(), rows.size() * K * sizeof(float));
    std::memcpy(stay.data() + rows.begin, buf.data() + rows.size() * K * sizeof(float), rows.size() * sizeof(float));
  }
}

}  // namespace

const ParamTable<TreeLearnOptions>& learn_params() {
  using T = ParamType;
  static const ParamTable<TreeLearnOptions> table = [] {
    ParamTable<TreeLearnOptions> p("tree learning");
    p.add({.name = "gap", .type = T::count, .help = "levels assigned per step, d (the last step may be shorter)",
           .min = 1, .max = 16},
          &TreeLearnOptions::gap)
        .add_enum({.name = "assign",
                   .help = "subtree solver: exact (the optimum of each gap's transportation problem) or greedy (the "
                           "paper's greedy with rebalance)"},
                  &TreeLearnOptions::assign, {{"exact", AssignMethod::exact}, {"greedy", AssignMethod::greedy}})
        .add({.name = "assign_candidates", .type = T::count,
              .help = "exact: candidates per item, its best ones plus its old node (0 = all)"},
             &TreeLearnOptions::assign_candidates)
        .add({.name = "lookahead", .type = T::count,
              .help = "random nodes per deeper level that estimate what a moved item meets below a gap (0 = off, "
                      "the paper's weights)"},
             &TreeLearnOptions::lookahead)
        .add({.name = "never_worse", .type = T::boolean,
              .help = "return the old tree when the learned one scores below it (false: keep what was learned)"},
             &TreeLearnOptions::never_worse)
        .add({.name = "max_samples_per_item", .type = T::count,
              .help = "score at most N training samples per item, chosen by the seed (0 = all)"},
             &TreeLearnOptions::max_samples_per_item)
        .add({.name = "seed", .type = T::count, .help = "seed of tree learning's random choices (samples per item, lookahead nodes); jtm: --tree-seed, its k-means too",
              .config = false},
             &TreeLearnOptions::seed)
        .add({.name = "threads", .type = T::integer, .help = "worker threads (0 = all cores); never changes the result",
              .min = 0, .identity = false, .config = false},
             &TreeLearnOptions::threads);
    return p;
  }();
  return table;
}

const char* assign_method_name(AssignMethod m) { return m == AssignMethod::greedy ? "greedy" : "exact"; }

AssignMethod parse_assign_method(const std::string& name) {
  if (name == "greedy") return AssignMethod::greedy;
  if (name == "exact") return AssignMethod::exact;
  fail("unknown assignment method '", name, "': expected greedy or exact");
}

std::vector<std::uint64_t> moved_per_level(const Tree& from, const Tree& to) {
  TR_CHECK(from.num_items() == to.num_items() && from.max_level() == to.max_level(),
           "the trees differ in items (", from.num_items(), " vs ", to.num_items(), ") or depth (",
           from.max_level(), " vs ", to.max_level(), ")");
  std::vector<std::uint64_t> moved(std::size_t{from.max_level()} + 1, 0);
  for (std::uint32_t c = 0; c < from.num_items(); ++c)
    for (std::uint32_t l = 0; l <= from.max_level(); ++l)
      moved[l] += from.ancestor(c, l) != to.ancestor(c, l);
  return moved;
}

TreeLearnResult learn_tree(const Dataset& dataset, const Tree& old_tree, const PreferenceModel& model,
                           const HierarchicalPreference& features, const TreeLearnOptions& options) {
  if (options.gap < 1 || options.gap > kMaxGap)
    fail("--gap ", options.gap, " is out of range: expected 1 to ", kMaxGap);
  check_inputs(dataset, old_tree, model, features);
  use_single_threaded_blas();
  const auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  const std::uint32_t L = old_tree.max_level(), n = old_tree.num_items();
  const int workers = worker_count(options.threads);

  auto t0 = std::chrono::steady_clock::now();
  const TargetSamples targets(dataset, options.max_samples_per_item, options.seed);
  const auto scoring_model = with_zero_node_row(model);
  std::vector<std::unique_ptr<SampleScorer>> scorers;
  for (int w = 0; w < workers; ++w)
    scorers.push_back(std::make_unique<SampleScorer>(dataset, old_tree, *scoring_model, features));
  TreeLearnResult result;
  result.samples = targets.total();
  result.scoring_seconds += seconds_since(t0);
  log(cat("tree learn: ", n, " items, l_max ", L, ", ", targets.total(), " samples, gap ", options.gap,
          ", ", assign_method_name(options.assign), ", ", workers, " threads"));

  std::vector<Code> cur(n, 0);  // every item starts under the root (ALGORITHMS §7.1)
  std::vector<std::uint32_t> order(n);
  std::vector<float> weights;
  std::vector<double> old_sum(n);
  std::vector<float> stay(n);  // lookahead: the bonus added to each item's old candidate
  std::atomic<std::uint64_t> node_scores{0}, groups_scored{0};
  const std::string& checkpoint = options.checkpoint_path;
  const nlohmann::json identity = checkpoint.empty() ? nlohmann::json() : learn_identity(dataset, old_tree, model, options);
  std::uint32_t start = 0;
  if (!checkpoint.empty() && output_exists(checkpoint)) {
    LearnCheckpoint saved = load_learn_checkpoint(checkpoint, identity, n, L);
    cur = std::move(saved.assignment);
    start = saved.next_level;
    result.gaps = std::move(saved.gaps);
    result.objective_old = saved.objective_old;
    result.scoring_seconds += saved.scoring_seconds;
    result.assign_seconds = saved.assign_seconds;
    if (dist::root()) {  // the totals of every rank, counted once
      node_scores = saved.node_scores;
      groups_scored = saved.groups;
    }
    log(cat("continuing the pass saved in ", checkpoint, ": the gaps down to level ", start, " are done"));
  }
  for (std::uint32_t s = start; s < L;) {
    const std::uint32_t l = std::min(s + options.gap, L);
    // The last gap assigns parents of leaves, 2 leaves each: leaf rows follow their items, so
    // the two leaves of a parent are worth the same to an item (place_on_leaves then picks one).
    const bool to_leaves = l == L;
    const std::uint32_t la = to_leaves ? L - 1 : l;  // the level of the candidates
    const std::uint32_t dd = la - s;
    const std::uint32_t K = std::uint32_t{1} << dd;
    const std::uint64_t capacity = std::uint64_t{1} << (L - la);
    t0 = std::chrono::steady_clock::now();

    // Items grouped by their node n_i at level s (stable: increasing item ids within a group).
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return cur[a] < cur[b]; });
    std::vector<std::size_t> group_begin;
    for (std::size_t p = 0; p < n; ++p)
      if (p == 0 || cur[order[p]] != cur[order[p - 1]]) group_begin.push_back(p);
    group_begin.push_back(n);
    const std::size_t groups = group_begin.size() - 1;
    // Under mpirun (docs/DISTRIBUTED.md) rank r scores the items at the positions of its block
    // and solves the subtrees whose first item is there: `owned` groups, whose rows past the
    // block come from the next ranks. With one rank both are everything.
    const dist::Block scored = dist::my_block(n);
    const auto owned_by = [&](int r) {
      const dist::Block b = dist::block_of(n, r, dist::size());
      const auto first_at = [&](std::size_t pos) {
        return static_cast<std::size_t>(std::lower_bound(group_begin.begin(), group_begin.end() - 1, pos) - group_begin.begin());
      };
      return dist::Block{first_at(b.begin), b.size() == 0 ? first_at(b.begin) : first_at(b.end)};
    };
    const auto owned_rows_of = [&](int r) {
      const dist::Block g = owned_by(r);
      return dist::Block{group_begin[g.begin], group_begin[g.end]};
    };
    const dist::Block owned = owned_by(dist::rank());
    const dist::Block owned_rows = owned_rows_of(dist::rank());

    // Step 2: W(c, k) for the K candidates of each item, row p of `weights` for order[p].
    weights.assign(std::size_t{n} * K, 0.0f);
    // All descendants + the old path, then the lookahead's nodes below level l.
    const std::size_t set_codes = 2 * std::size_t{K} - 2 + dd + 1 + std::size_t{L - la} * (1 + options.lookahead);
    const bool lookahead = options.lookahead > 0 && la + 1 < L;
    std::vector<std::vector<Code>> codes(workers, std::vector<Code>(set_codes));
    std::vector<std::vector<double>> sums(workers, std::vector<double>(set_codes));
    std::vector<std::vector<LevelNodes>> sets(workers);
    // A progress line every kProgressSeconds of a gap's scoring (a gap takes minutes at Amazon
    // Books' size): worker 0, the calling thread, writes it.
    std::uint64_t samples_total = 0;
    for (std::size_t p = scored.begin; p < scored.end; ++p) samples_total += targets.of(order[p]).size();
    std::atomic<std::uint64_t> samples_done{0};
    auto last_report = std::chrono::steady_clock::now();
    for_each_dynamic(scored.size(), workers, 8, [&](int w, std::size_t at) {
      const std::size_t p = scored.begin + at;
      const std::uint32_t c = order[p];
      old_sum[p] = 0;
      stay[p] = 0;  // row p held another item in the previous gap
      const auto samples = targets.of(c);
      if (samples.empty()) return;  // all-zero weights: stays with π_old when capacity allows
      const Code ni = cur[c];
      const Code old_leaf = old_tree.leaf(c);
      const bool old_under = ancestor_code(old_leaf, s) == ni;
      auto& code = codes[w];
      auto& set = sets[w];
      auto& sum = sums[w];
      set.clear();
      std::size_t used = 0;
      for (std::uint32_t j = s + 1; j <= la; ++j) {
        const std::size_t begin = used;
        const Code first = ((ni + 1) << (j - s)) - 1;  // first descendant of n_i at level j
        for (Code k = 0; k < (Code{1} << (j - s)); ++k) code[used++] = first + k;
        // The old path's node joins the set when it is not a candidate (objective_old).
        if (!old_under) code[used++] = ancestor_code(old_leaf, j);
        set.push_back(LevelNodes{j, std::span<const Code>(code).subspan(begin, used - begin)});
      }
      if (to_leaves) {  // the leaf term: the item's own leaf row, wherever it goes (ALGORITHMS §7.1)
        code[used] = old_leaf;
        set.push_back(LevelNodes{L, std::span<const Code>(code).subspan(used++, 1)});
      }
      // Lookahead below l (levels l+1..l_max-1): the item's old path there, and `lookahead`
      // random other nodes of each level, what an item new to a subtree meets.
      const std::size_t lookahead_begin = used;
      const bool look = lookahead && old_under;
      if (look) {
        Rng rng(mix_seed(options.seed, c, la));
        for (std::uint32_t j = la + 1; j < L; ++j) {
          const std::size_t begin = used;
          const Code own = ancestor_code(old_leaf, j);
          code[used++] = own;
          const auto level = old_tree.level_nodes(j);
          const std::uint32_t want = static_cast<std::uint32_t>(std::min<std::size_t>(options.lookahead, level.size() - 1));
          while (used - begin < 1 + want) {
            const Code x = level[rng.uniform(level.size())];
            if (std::find(code.begin() + static_cast<std::ptrdiff_t>(begin), code.begin() + static_cast<std::ptrdiff_t>(used), x) ==
                code.begin() + static_cast<std::ptrdiff_t>(used))
              code[used++] = x;
          }
          set.push_back(LevelNodes{j, std::span<const Code>(code).subspan(begin, used - begin)});
        }
      }
      std::fill(sum.begin(), sum.begin() + static_cast<std::ptrdiff_t>(used), 0.0);
      node_scores += scorers[w]->score(samples, set, std::span<double>(sum).first(used));
      const std::uint64_t done = samples_done += samples.size();
      if (w == 0 && seconds_since(last_report) >= kProgressSeconds) {
        last_report = std::chrono::steady_clock::now();
        const double f = static_cast<double>(done) / static_cast<double>(samples_total), spent = seconds_since(t0);
        log(cat("  scoring gap ", s, "->", l, ": ", static_cast<int>(100 * f), "% of ", samples_total, " samples, ",
                static_cast<long long>(spent * (1 - f) / f), " s left"));
      }
      groups_scored += samples.size() * (features.representation() == Representation::tdm ? 1 : set.size());
      // W(c, k) = Σ_j sums of b_j(candidate k); the old path's sum for objective_old.
      float* row = weights.data() + p * K;
      double old_total = 0;
      std::size_t off = 0;
      for (std::uint32_t j = s + 1; j <= la; ++j) {
        const std::size_t width = std::size_t{1} << (j - s);
        const std::uint32_t shift = la - j;
        for (std::uint32_t k = 0; k < K; ++k) row[k] += static_cast<float>(sum[off + (k >> shift)]);
        const Code oj = ancestor_code(old_leaf, j);
        old_total += old_under ? sum[off + (oj - (((ni + 1) << (j - s)) - 1))] : sum[off + width];
        off += width + (old_under ? 0 : 1);
      }
      if (to_leaves) {  // the same for every candidate
        for (std::uint32_t k = 0; k < K; ++k) row[k] += static_cast<float>(sum[off]);
        old_total += sum[off++];
      }
      old_sum[p] = old_total;
      if (look) {  // staying keeps the old path below l; moving meets nodes like random ones
        double bonus = 0;
        for (std::size_t i = lookahead_begin; i < used;) {
          const std::size_t begin = i++;
          const Code lvl = code_level(code[begin]);
          double others = 0;
          std::size_t count = 0;
          while (i < used && code_level(code[i]) == lvl) {
            others += sum[i++];
            ++count;
          }
          bonus += sum[begin] - (count ? others / static_cast<double>(count) : sum[begin]);
        }
        const Code old_l = ancestor_code(old_leaf, la);
        const Code first_l = ((ni + 1) << dd) - 1;
        stay[p] = static_cast<float>(bonus);
        row[old_l - first_l] += stay[p];
      }
    });
    if (dist::size() > 1) {  // rows to the owners of their subtrees; every item's old_sum to all
      send_rows_to_owners(scored, owned_rows_of, K, weights, stay);
      const auto all = dist::allgather<double>(std::span<const double>(old_sum).subspan(scored.begin, scored.size()));
      std::copy(all.begin(), all.end(), old_sum.begin());
    }
    const double scoring = seconds_since(t0);
    result.scoring_seconds += scoring;

    // Steps 3-4 per subtree.
    t0 = std::chrono::steady_clock::now();
    std::vector<double> group_new(groups, 0.0);
    std::vector<std::uint64_t> group_widened(groups, 0);
    std::vector<Code> next(n), owned_next(owned_rows.size());
    for_each_dynamic(owned.size(), workers, 1, [&](int, std::size_t i) {
      const std::size_t g = owned.begin + i;
      const std::size_t b = group_begin[g], e = group_begin[g + 1];
      const Code ni = cur[order[b]];
      const Code first = ((ni + 1) << dd) - 1;
      std::vector<std::int32_t> old(e - b);
      for (std::size_t p = b; p < e; ++p) {
        const Code leaf = old_tree.leaf(order[p]);
        old[p - b] = ancestor_code(leaf, s) == ni ? static_cast<std::int32_t>(ancestor_code(leaf, la) - first) : -1;
      }
      AssignmentProblem problem{std::span<const float>(weights).subspan(b * K, (e - b) * K), old, K, capacity};
      ExactAssignStats stats;
      const auto assign = options.assign == AssignMethod::greedy
                              ? greedy_assign(problem)
                              : exact_assign(problem, (e - b) * K > kPruneAbove ? options.assign_candidates : 0, &stats);
      group_new[g] = assignment_weight(problem, assign);
      for (std::size_t p = b; p < e; ++p)  // report W, not the lookahead's bonus
        if (old[p - b] >= 0 && assign[p - b] == static_cast<std::uint32_t>(old[p - b])) group_new[g] -= stay[p];
      group_widened[g] = stats.widened;
      for (std::size_t p = b; p < e; ++p) owned_next[p - owned_rows.begin] = first + assign[p - b];
    });
    {  // every rank's subtrees, in position order (the owned blocks follow each other)
      const auto all_next = dist::allgather<Code>(owned_next);
      for (std::size_t p = 0; p < n; ++p) next[order[p]] = all_next[p];
      const auto gn = dist::allgather<double>(std::span<const double>(group_new).subspan(owned.begin, owned.size()));
      const auto gw =
          dist::allgather<std::uint64_t>(std::span<const std::uint64_t>(group_widened).subspan(owned.begin, owned.size()));
      group_new.assign(gn.begin(), gn.end());
      group_widened.assign(gw.begin(), gw.end());
    }
    cur.swap(next);
    if (to_leaves) place_on_leaves(old_tree, cur);
    const double assigning = seconds_since(t0);
    result.assign_seconds += assigning;
    double gap_old = 0, gap_new = 0;
    for (std::size_t p = 0; p < n; ++p) gap_old += old_sum[p];
    result.objective_old += gap_old;  // summed over the gaps: every level of π_old's paths
    for (double v : group_new) gap_new += v;
    std::uint64_t moved = 0, widened = 0;
    for (std::uint32_t c = 0; c < n; ++c) moved += cur[c] != old_tree.ancestor(c, l);
    for (std::uint64_t w : group_widened) widened += w;
    result.gaps.push_back({s, l, groups, gap_old, gap_new, moved, widened});
    log(cat("gap ", s, "->", l, ": ", groups, " subtrees, ", K, " candidates each", to_leaves ? " (leaf parents" : " (",
            to_leaves ? ", " : "", "capacity ", capacity, "), objective ", gap_old, " -> ", gap_new, ", ", moved,
            " items moved at level ", l,
            options.assign == AssignMethod::exact ? cat(", ", widened, " items widened") : std::string(),
            ", scoring ", scoring, " s, assignment ", assigning, " s"));
    s = l;
    if (!checkpoint.empty()) {
      LearnCheckpoint state;
      state.next_level = s;
      state.gaps = result.gaps;
      state.objective_old = result.objective_old;
      state.scoring_seconds = result.scoring_seconds;
      state.assign_seconds = result.assign_seconds;
      const std::uint64_t mine[2] = {node_scores.load(), groups_scored.load()};
      const auto all = dist::allgather<std::uint64_t>(mine);
      for (std::size_t r = 0; r < all.size(); r += 2) {
        state.node_scores += all[r];
        state.groups += all[r + 1];
      }
      state.assignment.assign(cur.begin(), cur.end());
      save_learn_checkpoint(checkpoint, identity, state);  // every rank: rank 0 writes, the others wait
      // Rank 0's stop request holds for every rank, as in training.
      if (dist::broadcast_flags(interrupted() ? 1u : 0u) != 0)
        throw_interrupted(cat("after tree learning's gap ", result.gaps.back().from, "->", s, ": the pass is saved in ",
                              checkpoint, ", and resuming continues it"));
    }
  }
  const std::uint64_t counts[2] = {node_scores.load(), groups_scored.load()};
  const auto all_counts = dist::allgather<std::uint64_t>(counts);
  result.node_scores = result.groups = 0;
  for (std::size_t r = 0; r < all_counts.size(); r += 2) {
    result.node_scores += all_counts[r];
    result.groups += all_counts[r + 1];
  }
  Tree learned(std::move(cur), L, old_tree.item_ids());
  learned.set_builder("learned");

  // Never worse (ALGORITHMS §7.6): the learned tree scored path by path, with the rules the gaps
  // scored π_old's paths by (equal up to the rounding of the products' batch layouts).
  t0 = std::chrono::steady_clock::now();
  const bool same = std::equal(learned.leaves().begin(), learned.leaves().end(), old_tree.leaves().begin());
  result.objective_learned = same ? result.objective_old : path_objective(targets, scorers, learned, workers);
  result.scoring_seconds += seconds_since(t0);
  result.kept_old = options.never_worse && result.objective_learned < result.objective_old;
  if (result.kept_old) {
    log(cat("the learned tree scores ", result.objective_learned, ", below the old tree's ", result.objective_old,
            ": keeping the old tree"));
    result.tree = old_tree;
    result.objective_new = result.objective_old;
  } else {
    result.tree = std::move(learned);
    result.objective_new = result.objective_learned;
  }
  // Whichever tree it is, it carries the dataset's categories (tree/tree.h): what serve filters by.
  result.tree.set_categories(dataset.item_categories(), dataset.category_ids());
  result.moved_per_level = moved_per_level(old_tree, result.tree);
  return result;
}

double tree_objective(const Dataset& dataset, const Tree& model_tree, const PreferenceModel& model,
                      const HierarchicalPreference& features, const Tree& tree, std::uint32_t max_samples_per_item,
                      std::uint64_t seed, int threads) {
  check_inputs(dataset, model_tree, model, features);
  TR_CHECK(tree.num_items() == model_tree.num_items() && tree.max_level() == model_tree.max_level() &&
               tree.fingerprint() == model_tree.fingerprint(),
           "the tree to measure holds other items or has another depth than the model's tree");
  use_single_threaded_blas();
  const TargetSamples targets(dataset, max_samples_per_item, seed);
  const auto scoring_model = with_zero_node_row(model);
  const int workers = worker_count(threads);
  std::vector<std::unique_ptr<SampleScorer>> scorers;
  for (int w = 0; w < workers; ++w)
    scorers.push_back(std::make_unique<SampleScorer>(dataset, model_tree, *scoring_model, features));
  return path_objective(targets, scorers, tree, workers);
}

nlohmann::json TreeLearnResult::to_json() const {
  nlohmann::json gap_list = nlohmann::json::array();
  for (const GapStats& g : gaps)
    gap_list.push_back({{"from", g.from}, {"to", g.to}, {"subtrees", g.subtrees}, {"objective_old", g.objective_old},
                        {"objective_new", g.objective_new}, {"moved", g.moved}, {"widened", g.widened}});
  return {{"items", tree.num_items()},
          {"l_max", tree.max_level()},
          {"samples", samples},
          {"node_scores", node_scores},
          {"objective_old", objective_old},
          {"objective_new", objective_new},
          {"objective_learned", objective_learned},
          {"kept_old", kept_old},
          {"gaps", gap_list},
          {"moved_per_level", moved_per_level},
          {"scoring_seconds", scoring_seconds},
          {"assign_seconds", assign_seconds}};
}

}  // namespace treerec
