#include "treerec/learn/add_items.h"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <array>
#include <vector>

#include "treerec/learn/sample_scorer.h"
#include "treerec/model/model_fit.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"

namespace treerec {
namespace {

// Which leaves of a tree of `levels` levels are taken: items below each non-empty code.
class Occupancy {
 public:
  explicit Occupancy(std::uint32_t levels) : levels_(levels) {}
  void take(Code leaf) {
    for (std::uint32_t l = 0; l <= levels_; ++l) ++below_[ancestor_code(leaf, l)];
  }
  // Free leaves below `c`.
  std::uint64_t room(Code c) const {
    const std::uint64_t all = std::uint64_t{1} << (levels_ - code_level(c));
    const auto it = below_.find(c);
    return it == below_.end() ? all : all - it->second;
  }

 private:
  std::uint32_t levels_;
  absl::flat_hash_map<Code, std::uint64_t> below_;
};

// Leaves of the placed items of each category, sorted: how many lie below a node.
class CategoryLeaves {
 public:
  CategoryLeaves(std::uint32_t categories, std::uint32_t levels) : leaves_(categories), levels_(levels) {}
  void add(std::uint32_t category, Code leaf) {
    auto& v = leaves_[category];
    v.insert(std::upper_bound(v.begin(), v.end(), leaf), leaf);
  }
  bool any(std::uint32_t category) const { return !leaves_[category].empty(); }
  std::uint64_t below(std::uint32_t category, Code c) const {
    const std::uint32_t d = levels_ - code_level(c);
    const Code first = ((c + 1) << d) - 1, last = ((c + 2) << d) - 1;  // the leaves below c: [first, last)
    const auto& v = leaves_[category];
    return static_cast<std::uint64_t>(std::lower_bound(v.begin(), v.end(), last) -
                                      std::lower_bound(v.begin(), v.end(), first));
  }

 private:
  std::vector<std::vector<Code>> leaves_;
  std::uint32_t levels_;
};

void check_extends(const Dataset& dataset, const Tree& tree) {
  if (dataset.num_items() < tree.num_items())
    fail("the dataset holds ", dataset.num_items(), " items, fewer than the tree's ", tree.num_items(),
         ": prepare the new log with `treerec prepare --extend` on the tree's dataset");
  for (std::uint32_t i = 0; i < tree.num_items(); ++i)
    if (dataset.item_id(i) != tree.item_id(i))
      fail("the dataset's item ", i, " is '", dataset.item_id(i), "' but the tree's is '", tree.item_id(i),
           "': the dataset does not extend the tree's; prepare the new log with `treerec prepare --extend` on the "
           "tree's dataset");
}

}  // namespace

AddItemsResult add_items(const Dataset& dataset, const Tree& tree, const PreferenceModel& model,
                         const HierarchicalPreference& features, const TreeLearnOptions& options) {
  check_extends(dataset, tree);
  check_model_fits(model, features, tree);
  const std::uint32_t old_items = tree.num_items(), items = dataset.num_items();
  const std::uint32_t old_levels = tree.max_level(), levels = max_level_for(items);
  AddItemsResult result;
  result.old_items = old_items;
  result.levels_added = levels - old_levels;

  // Old items keep their leaves (moved down along first children when the tree grows).
  std::vector<Code> leaf(items);
  Occupancy taken(levels);
  CategoryLeaves by_category(dataset.num_categories(), levels);
  for (std::uint32_t i = 0; i < old_items; ++i) {
    leaf[i] = ((tree.leaf(i) + 1) << result.levels_added) - 1;
    taken.take(leaf[i]);
    by_category.add(dataset.item_category(i), leaf[i]);
  }

  use_single_threaded_blas();
  const TargetSamples targets(dataset, options.max_samples_per_item, options.seed);
  const auto scoring_model = with_zero_node_row(model);
  SampleScorer scorer(dataset, tree, *scoring_model, features);
  const auto known = [&](Code c) { return code_level(c) <= old_levels && tree.node_index(c) >= 0; };
  std::array<double, 2> sums{};

  std::vector<Sample> samples;
  for (std::uint32_t item = old_items; item < items; ++item) {
    Code node = 0;
    // Only samples whose history holds an old item say anything: the model scores the rest
    // from an empty history, the same for every new item.
    samples.clear();
    for (const Sample& s : targets.of(item)) {
      const auto h = dataset.history(s);
      if (std::any_of(h.begin(), h.end(), [&](std::uint32_t i) { return i < old_items; })) samples.push_back(s);
    }
    const std::uint32_t category = dataset.item_category(item);
    if (!samples.empty()) {  // rule 1: descend by the samples' scores
      ++result.by_samples;
      while (code_level(node) < old_levels) {
        const Code kids[2] = {first_child(node), first_child(node) + 1};
        const bool room[2] = {taken.room(kids[0]) > 0, taken.room(kids[1]) > 0};
        if (room[0] != room[1]) {
          node = room[0] ? kids[0] : kids[1];
          continue;
        }
        const bool seen[2] = {known(kids[0]), known(kids[1])};
        if (!seen[0] && !seen[1]) break;  // the model knows nothing below here
        if (seen[0] != seen[1]) {
          node = seen[0] ? kids[0] : kids[1];
          continue;
        }
        sums = {0.0, 0.0};
        const LevelNodes set{code_level(kids[0]), kids};
        result.rows_scored += scorer.score(samples, std::span(&set, 1), sums);
        node = sums[1] > sums[0] ? kids[1] : kids[0];
      }
    } else if (by_category.any(category)) {  // rule 2: towards the items of its category
      ++result.by_category;
      while (code_level(node) < levels) {
        const Code kids[2] = {first_child(node), first_child(node) + 1};
        const std::uint64_t room[2] = {taken.room(kids[0]), taken.room(kids[1])};
        const std::uint64_t near[2] = {room[0] ? by_category.below(category, kids[0]) : 0,
                                       room[1] ? by_category.below(category, kids[1]) : 0};
        if (near[0] == 0 && near[1] == 0) break;
        node = near[1] > near[0] || (near[1] == near[0] && room[1] > room[0]) ? kids[1] : kids[0];
      }
    } else {
      ++result.by_room;
    }
    while (code_level(node) < levels) {  // rule 3: the emptier child, down to a free leaf
      const Code kids[2] = {first_child(node), first_child(node) + 1};
      node = taken.room(kids[1]) > taken.room(kids[0]) ? kids[1] : kids[0];
    }
    TR_CHECK(taken.room(node) == 1, "add_items: leaf ", node, " is taken");
    leaf[item] = node;
    taken.take(node);
    by_category.add(category, node);
  }

  result.tree = Tree(std::move(leaf), levels, dataset.item_ids());
  result.tree.set_builder(items > old_items ? "added" : tree.builder());
  result.tree.set_categories(dataset.item_categories(), dataset.category_ids());
  return result;
}

std::unique_ptr<PreferenceModel> extend_model(const PreferenceModel& model, const Tree& from, const Tree& to,
                                              std::uint64_t seed) {
  const Representation r = model.config().representation;
  const HierarchicalPreference before(r, from), after(r, to);
  check_model_fits(model, before, from);
  auto copy = PreferenceModel::create(model.config(), 0);
  copy->parameters() = model.parameters();
  const std::vector<std::int64_t> nodes = node_row_sources(from, to, /*from_parent=*/true);
  copy->remap_table(kNodeTable, nodes, seed);
  if (r == Representation::jtm_h) {
    copy->remap_table(kBehaviorTable, nodes, seed);
  } else {  // rows by item (tdm) or by level and item (jtm-hi): old items keep theirs
    std::vector<std::int64_t> rows(after.num_rows(), -1);
    // jtm-hi: a level the tree grew by scores what the old leaf level scored (its nodes start
    // from their parents' rows), so an old item's row there is its old leaf-level row.
    const std::uint32_t levels = r == Representation::tdm ? 1 : to.max_level() + 1;
    const std::uint32_t old_top = r == Representation::tdm ? 0 : from.max_level();
    for (std::uint32_t l = 0; l < levels; ++l)
      for (std::uint32_t i = 0; i < from.num_items(); ++i) rows[after.row(i, l)] = before.row(i, std::min(l, old_top));
    copy->remap_table(kBehaviorTable, rows, seed);
  }
  check_model_fits(*copy, after, to);
  return copy;
}

}  // namespace treerec
