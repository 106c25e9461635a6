// New items into an existing tree and model (learn/add_items.h): old items keep their leaves and
// rows bit for bit, a full tree grows a level and stays valid, items without samples land beside
// their category (by hand), items with samples follow the higher weight at every scored step,
// new rows start from their parent's.
#include "treerec/learn/add_items.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "data/log_builder.h"
#include "eval/eval_fixture.h"
#include "treerec/learn/sample_scorer.h"
#include "treerec/model/model_fit.h"
#include "treerec/search/model_scorer.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

using test::LogBuilder;

// Old items a0..a5: a0-a2 of category A, a3-a5 of B; users see them in varying orders.
void add_old_records(LogBuilder& b) {
  std::int64_t t = 0;
  for (int u = 0; u < 12; ++u)
    for (int k = 0; k < 8; ++k) {
      const int i = (u * 5 + k * 7) % 6;
      b.add("u" + std::to_string(u), "a" + std::to_string(i), i < 3 ? "A" : "B", t++);
    }
}

Dataset old_dataset() {
  LogBuilder b;
  add_old_records(b);
  return b.dataset();
}

// The old log, then users who meet each new item (id, category) first: no new item is the target
// of a training sample (ALGORITHMS §2.5: targets start at position 5).
Dataset new_dataset(const Dataset& old, const std::vector<std::pair<std::string, std::string>>& fresh) {
  LogBuilder b;
  add_old_records(b);
  std::int64_t t = 1000;
  for (std::size_t n = 0; n < fresh.size(); ++n) {
    const std::string user = "v" + std::to_string(n);
    b.add(user, fresh[n].first, fresh[n].second, t++);
    for (int k = 0; k < 3; ++k) b.add(user, "a" + std::to_string(k), "A", t++);
  }
  return Dataset::build(b.log(), test::all_train(), {}, &old);
}

Tree category_tree(const Dataset& d) { return build_category_tree(d.item_categories(), d.item_ids()); }

std::unique_ptr<PreferenceModel> random_model(const Tree& tree, Representation r, std::uint64_t seed = 5) {
  return PreferenceModel::create(test::model_config("dnn", r, tree), seed);
}

TEST(AddItems, PrepareExtendKeepsTheOldIds) {
  const Dataset old = old_dataset();
  const Dataset d = new_dataset(old, {{"n0", "B"}, {"a9", "C"}});
  ASSERT_EQ(d.num_items(), old.num_items() + 2);
  for (std::uint32_t i = 0; i < old.num_items(); ++i) {
    EXPECT_EQ(d.item_id(i), old.item_id(i));
    EXPECT_EQ(d.item_category(i), old.item_category(i));
  }
  EXPECT_EQ(d.item_id(6), "n0");
  EXPECT_EQ(d.category_id(d.item_category(6)), "B");
  EXPECT_EQ(d.item_category(6), old.item_category(3));  // the old category id
  EXPECT_EQ(d.category_id(d.item_category(7)), "C");
}

// 6 items on 8 leaves: one free leaf under each half of the category tree (A left, B right).
TEST(AddItems, ItemsWithoutSamplesGoBesideTheirCategory) {
  const Dataset old = old_dataset();
  const Tree tree = category_tree(old);
  ASSERT_EQ(tree.max_level(), 3u);
  const auto model = random_model(tree, Representation::jtm_h);
  const HierarchicalPreference features(Representation::jtm_h, tree);
  const Dataset d = new_dataset(old, {{"n0", "B"}, {"n1", "A"}});
  const AddItemsResult r = add_items(d, tree, *model, features, {});
  ASSERT_EQ(r.tree.num_items(), 8u);
  EXPECT_EQ(r.levels_added, 0u);
  EXPECT_EQ(r.by_category, 2u);
  EXPECT_EQ(r.by_samples + r.by_room, 0u);
  for (std::uint32_t i = 0; i < 6; ++i) EXPECT_EQ(r.tree.leaf(i), tree.leaf(i));
  // The free leaf of each half.
  const auto free_leaf_under = [&](Code node) {
    for (Code c = level_first_code(3); c < level_first_code(4); ++c)
      if (ancestor_code(c, 1) == node && tree.item_at(c) < 0) return c;
    return Code{0};
  };
  EXPECT_EQ(r.tree.leaf(6), free_leaf_under(2));  // n0 of B: the right half
  EXPECT_EQ(r.tree.leaf(7), free_leaf_under(1));  // n1 of A: the left half
  EXPECT_TRUE(r.tree.has_categories());
  EXPECT_EQ(r.tree.builder(), "added");
}

// A sample whose history holds only new items scores the same for every new item (the model
// has no rows for them): it does not count, and the item goes by its category instead.
TEST(AddItems, SamplesWithOnlyNewItemsInTheirHistoryDoNotCount) {
  const Dataset old = old_dataset();
  const Tree tree = category_tree(old);
  const auto model = random_model(tree, Representation::jtm_h);
  const HierarchicalPreference features(Representation::jtm_h, tree);
  LogBuilder b;
  add_old_records(b);
  std::int64_t t = 1000;
  for (int k = 0; k < 5; ++k) b.add("w", "m" + std::to_string(k), "A", t++);
  b.add("w", "n0", "B", t++);  // position 5: a training sample of n0, its history m0..m4
  const Dataset d = Dataset::build(b.log(), test::all_train(), {}, &old);
  ASSERT_EQ(d.num_items(), 12u);
  const AddItemsResult r = add_items(d, tree, *model, features, {});
  EXPECT_EQ(r.by_samples, 0u);
  EXPECT_EQ(r.by_category, 6u);
  EXPECT_EQ(r.rows_scored, 0u);
}

TEST(AddItems, AFullTreeGrowsALevel) {
  const Dataset old = old_dataset();
  const Tree tree = category_tree(old);
  const auto model = random_model(tree, Representation::jtm_h);
  const HierarchicalPreference features(Representation::jtm_h, tree);
  const Dataset d = new_dataset(old, {{"n0", "B"}, {"n1", "A"}, {"n2", "C"}, {"n3", "C"}});
  const AddItemsResult r = add_items(d, tree, *model, features, {});
  ASSERT_EQ(r.tree.max_level(), 4u);  // 10 items need 16 leaves
  EXPECT_EQ(r.levels_added, 1u);
  for (std::uint32_t i = 0; i < 6; ++i) EXPECT_EQ(r.tree.leaf(i), 2 * tree.leaf(i) + 1);  // the first child
  EXPECT_EQ(r.by_category, 3u);  // n0, n1, and n3 beside n2
  EXPECT_EQ(r.by_room, 1u);      // n2: the first of its category
  // n0 shares its old-level ancestor with a B item: the sibling of one.
  const Code n0_parent = parent_code(r.tree.leaf(6));
  bool beside_b = false;
  for (std::uint32_t i = 3; i < 6; ++i) beside_b |= parent_code(r.tree.leaf(i)) == n0_parent;
  EXPECT_TRUE(beside_b);
  EXPECT_EQ(parent_code(r.tree.leaf(9)), parent_code(r.tree.leaf(8)));  // n3 beside n2
  // Tree() validated the assignment; the nodes are consistent with it.
  EXPECT_EQ(r.tree.level_nodes(4).size(), 10u);
}

TEST(AddItems, ItemsWithSamplesTakeTheHigherWeightAtEveryScoredStep) {
  const Dataset old = old_dataset();
  const Tree tree = category_tree(old);
  for (const Representation rep : {Representation::jtm_h, Representation::tdm, Representation::jtm_hi}) {
    const auto model = random_model(tree, rep, 9);
    const HierarchicalPreference features(rep, tree);
    // The new item in the middle of long sequences: it is the target of training samples.
    LogBuilder b;
    add_old_records(b);
    std::int64_t t = 5000;
    for (int u = 0; u < 4; ++u)
      for (int k = 0; k < 9; ++k)
        b.add("w" + std::to_string(u), k == 6 ? std::string("n0") : "a" + std::to_string((u + k) % 6),
              k == 6 ? "B" : ((u + k) % 6 < 3 ? "A" : "B"), t++);
    const Dataset d = Dataset::build(b.log(), test::all_train(), {}, &old);
    const AddItemsResult r = add_items(d, tree, *model, features, {});
    ASSERT_EQ(r.by_samples, 1u);
    EXPECT_GT(r.rows_scored, 0u);
    // Along the path: wherever both children had room and were nodes of the old tree, the
    // chosen one's weight Σ log p̂ is at least the other's.
    const TargetSamples targets(d, 0, 1);
    ASSERT_EQ(targets.of(6).size(), 4u);
    const auto scoring = with_zero_node_row(*model);
    SampleScorer scorer(d, tree, *scoring, features);
    const Code leaf = r.tree.leaf(6);
    int scored_steps = 0;
    for (std::uint32_t l = 1; l <= tree.max_level(); ++l) {
      const Code chosen = ancestor_code(leaf, l), other = sibling_code(chosen);
      const auto free_below = [&](Code c) {
        const std::uint32_t depth = tree.max_level() - l;
        for (Code x = ((c + 1) << depth) - 1; x < ((c + 2) << depth) - 1; ++x)
          if (tree.item_at(x) < 0) return true;
        return false;
      };
      if (!free_below(other) || tree.node_index(other) < 0 || tree.node_index(chosen) < 0) continue;
      double sums[2] = {0, 0};
      const Code codes[2] = {chosen, other};
      const LevelNodes set{l, codes};
      scorer.score(targets.of(6), std::span(&set, 1), sums);
      EXPECT_GE(sums[0], sums[1]) << representation_name(rep) << " level " << l;
      ++scored_steps;
    }
    EXPECT_GE(scored_steps, 1);
  }
}

// A row of table t as bytes.
std::vector<float> row(const PreferenceModel& m, std::size_t t, std::int64_t r) {
  const auto& table = m.parameters().tables[t];
  const float* p = table.values.data() + static_cast<std::size_t>(r) * table.dim;
  return {p, p + table.dim};
}

TEST(AddItems, ExtendedModelKeepsOldRowsAndStartsNewOnesFromTheirParent) {
  const Dataset old = old_dataset();
  const Tree tree = category_tree(old);
  for (const bool grow : {false, true}) {
    for (const Representation rep : {Representation::jtm_h, Representation::tdm, Representation::jtm_hi}) {
      SCOPED_TRACE(std::string(representation_name(rep)) + (grow ? " growing" : ""));
      const auto model = random_model(tree, rep, 3);
      const HierarchicalPreference features(rep, tree);
      const Dataset d = grow ? new_dataset(old, {{"n0", "B"}, {"n1", "A"}, {"n2", "C"}})
                             : new_dataset(old, {{"n0", "B"}, {"n1", "A"}});
      const AddItemsResult r = add_items(d, tree, *model, features, {});
      const Tree& to = r.tree;
      const auto ext = extend_model(*model, tree, to, 77);
      const HierarchicalPreference after(rep, to);
      check_model_fits(*ext, after, to);
      for (std::uint64_t k = 0; k < to.num_nodes(); ++k) {
        const Code c = to.node_code(k);
        const std::int64_t item = to.item_at(c);
        std::int64_t old_row = -1;
        if (item >= 0 && item < 6) old_row = tree.node_index(tree.leaf(static_cast<std::uint32_t>(item)));
        else if (item < 0 && code_level(c) <= tree.max_level()) old_row = tree.node_index(c);
        const std::int64_t row_k = static_cast<std::int64_t>(k);
        if (old_row >= 0) {
          EXPECT_EQ(row(*ext, kNodeTable, row_k), row(*model, kNodeTable, old_row)) << "node " << c;
          if (rep == Representation::jtm_h) {
            EXPECT_EQ(row(*ext, kBehaviorTable, row_k), row(*model, kBehaviorTable, old_row)) << "node " << c;
          }
        } else {
          const std::int64_t parent = to.node_index(parent_code(c));
          EXPECT_EQ(row(*ext, kNodeTable, row_k), row(*ext, kNodeTable, parent)) << "new node " << c;
        }
      }
      if (rep != Representation::jtm_h) {  // item rows: old items keep theirs at every level,
        // and a level the tree grew by takes the old leaf level's
        const bool tdm = rep == Representation::tdm;
        for (std::uint32_t l = 0; l <= (tdm ? 0 : to.max_level()); ++l) {
          const std::uint32_t from_level = tdm ? 0 : std::min(l, tree.max_level());
          for (std::uint32_t i = 0; i < 6; ++i) {
            EXPECT_EQ(row(*ext, kBehaviorTable, after.row(i, l)),
                      row(*model, kBehaviorTable, features.row(i, from_level))) << "level " << l;
          }
        }
      }
      // The unchanged parts: dense layers, bit for bit.
      EXPECT_EQ(ext->parameters().dense, model->parameters().dense);
    }
  }
}

// What the row rules are for: with the tree grown by a level, an old user (a history of old
// items) scores every old item as before, under each representation. A leaf level whose
// behaviour rows were fresh (jtm-hi's grown level once) changes these scores.
TEST(AddItems, GrownTreeScoresOldItemsAsBefore) {
  const Dataset old = old_dataset();
  const Tree tree = category_tree(old);
  const Dataset d = new_dataset(old, {{"n0", "B"}, {"n1", "A"}, {"n2", "C"}});
  HistoryLists histories;
  for (const std::vector<std::uint32_t>& h : {std::vector<std::uint32_t>{0, 3, 5}, {2, 1}, {4, 4, 0, 1}})
    histories.add(h);
  const std::vector<std::uint32_t> queries{0, 1, 2};
  const auto scores = [&](const PreferenceModel& m, const HierarchicalPreference& f, const Tree& t) {
    auto scorer = ModelItemScorerFactory(m, f, t, histories).make();
    scorer->start_batch(queries);
    std::vector<float> out(queries.size() * t.num_items());
    scorer->score(0, t.num_items(), out);
    return out;
  };
  for (const Representation rep : {Representation::tdm, Representation::jtm_hi, Representation::jtm_h}) {
    SCOPED_TRACE(representation_name(rep));
    const auto model = random_model(tree, rep, 3);
    const HierarchicalPreference features(rep, tree);
    const AddItemsResult r = add_items(d, tree, *model, features, {});
    ASSERT_EQ(r.levels_added, 1u);
    const auto ext = extend_model(*model, tree, r.tree, 77);
    const HierarchicalPreference after(rep, r.tree);
    const std::vector<float> before_scores = scores(*model, features, tree);
    const std::vector<float> after_scores = scores(*ext, after, r.tree);
    for (std::size_t q = 0; q < queries.size(); ++q)
      for (std::uint32_t i = 0; i < tree.num_items(); ++i)
        EXPECT_NEAR(after_scores[q * r.tree.num_items() + i], before_scores[q * tree.num_items() + i], 1e-5)
            << "query " << q << ", item " << i;
  }
}

TEST(AddItems, RefusesADatasetThatDoesNotExtendTheTree) {
  const Dataset old = old_dataset();
  const Tree tree = category_tree(old);
  const auto model = random_model(tree, Representation::jtm_h);
  const HierarchicalPreference features(Representation::jtm_h, tree);
  LogBuilder b;
  for (int k = 0; k < 8; ++k) b.add("x", "z" + std::to_string(k), "A", k);
  try {
    add_items(b.dataset(), tree, *model, features, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("prepare --extend"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace treerec
