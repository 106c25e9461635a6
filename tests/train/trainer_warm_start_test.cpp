// Trainer::warm_start (ALGORITHMS §7.1, §8): on the same tree the run starts from the given model; on a
// changed tree internal node rows (and jtm-h behaviour rows) follow their codes and leaf rows
// their items; a model that does not
// fit the run is refused; the checkpoint identity records the start.
#include <gtest/gtest.h>

#include <cstring>

#include "test_util.h"
#include "train/synthetic.h"
#include "treerec/train/trainer.h"
#include "treerec/learn/tree_learner.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

TrainOptions options(const std::string& method) {
  TrainOptions o;
  o.method = method;
  o.embedding_dim = 4;
  o.epochs = 1;
  o.batch_size = 32;
  o.shard_samples = 8;
  o.negatives = 10;
  o.seed = 3;
  o.threads = 1;
  return o;
}

std::vector<float> row(const EmbeddingTable& t, std::int64_t r) {
  return std::vector<float>(t.row(static_cast<std::uint64_t>(r)), t.row(static_cast<std::uint64_t>(r)) + t.dim);
}

// 48 items (l_max 6, 64 leaves): items 0..47 on the last 48 leaves in reverse, so the set of
// non-empty nodes differs from the category tree's.
Tree moved_tree(const Tree& from) {
  std::vector<Code> leaves(from.num_items());
  const Code last = level_first_code(from.max_level() + 1) - 1;
  for (std::uint32_t c = 0; c < from.num_items(); ++c) leaves[c] = last - c;
  return Tree(std::move(leaves), from.max_level(), from.item_ids());
}

struct Planted {
  Dataset data;
  Tree tree;
  Planted() {
    test::PlantedShape s;
    s.users = 30;
    s.items_per_group = 6;
    data = test::planted_dataset(s);
    tree = test::category_tree(data);
  }
};

TEST(TrainerWarmStart, SameTreeStartsFromTheModel) {
  const Planted p;
  Trainer first(p.data, p.tree, options("jtm-h"));
  ASSERT_TRUE(first.run());
  TrainOptions o = options("jtm-h");
  o.seed = 9;
  Trainer second(p.data, p.tree, o);
  second.warm_start(first.model(), p.tree);
  const Parameters &a = first.model().parameters(), &b = second.model().parameters();
  EXPECT_EQ(a.dense, b.dense);
  for (std::size_t t = 0; t < a.tables.size(); ++t) EXPECT_EQ(a.tables[t].values, b.tables[t].values) << t;
  EXPECT_TRUE(second.identity().contains("init"));
  EXPECT_TRUE(second.info().options.contains("init"));
  ASSERT_TRUE(second.run());
  EXPECT_NE(second.model().parameters().dense, a.dense);  // and it trains on from there
}

// Internal node rows (and jtm-h behaviour rows) follow their codes; leaf rows follow their items
// (ALGORITHMS §7.1).
TEST(TrainerWarmStart, InternalRowsFollowCodesLeafRowsFollowItems) {
  const Planted p;
  ASSERT_EQ(p.tree.num_items(), 48u);
  const Tree moved = moved_tree(p.tree);
  for (const std::string method : {"jtm-h", "tdm"}) {
    Trainer first(p.data, p.tree, options(method));
    ASSERT_TRUE(first.run());
    Trainer second(p.data, moved, options(method));
    second.warm_start(first.model(), p.tree);
    const auto& old_nodes = first.model().parameters().tables[kNodeTable];
    const auto& new_nodes = second.model().parameters().tables[kNodeTable];
    const auto& old_beh = first.model().parameters().tables[kBehaviorTable];
    const auto& new_beh = second.model().parameters().tables[kBehaviorTable];
    ASSERT_EQ(new_nodes.rows, moved.num_nodes());
    std::uint64_t kept = 0, fresh = 0;
    for (std::uint64_t i = 0; i < moved.num_nodes(); ++i) {
      const Code code = moved.node_code(i);
      const std::int64_t old_index = code_level(code) == moved.max_level()
                                         ? p.tree.node_index(p.tree.leaf(static_cast<std::uint32_t>(moved.item_at(code))))
                                         : p.tree.node_index(code);
      if (old_index < 0) {
        ++fresh;
        EXPECT_NE(row(new_nodes, static_cast<std::int64_t>(i))[0], 0.0f);
        continue;
      }
      ++kept;
      EXPECT_EQ(row(new_nodes, static_cast<std::int64_t>(i)), row(old_nodes, old_index)) << method << " node " << i;
      if (method == "jtm-h") {
        EXPECT_EQ(row(new_beh, static_cast<std::int64_t>(i)), row(old_beh, old_index)) << "behaviour row " << i;
      }
    }
    EXPECT_GT(kept, 0u);  // (fresh internal rows: WarmStart.InternalRowsFollowCodesLeafRowsFollowItems)
    if (method == "tdm") {
      EXPECT_EQ(new_beh.values, old_beh.values);  // per item: unchanged
    }
    EXPECT_EQ(first.model().parameters().dense, second.model().parameters().dense);
    ASSERT_TRUE(second.run());
  }
}

// After a pass of tree learning and a warm start on the learned tree, every item's leaf row (the
// target table, and under jtm-h the item-level behaviour row) is bit for bit the row it had.
TEST(TrainerWarmStart, LeafRowsFollowTheirItemsThroughTreeLearning) {
  const Planted p;
  Trainer first(p.data, p.tree, options("jtm-h"));
  ASSERT_TRUE(first.run());
  TreeLearnOptions lo;
  lo.gap = 2;
  lo.never_worse = false;  // take whatever the pass learned, so that items do move
  const TreeLearnResult learned = learn_tree(p.data, p.tree, first.model(), first.features(), lo);
  ASSERT_GT(learned.moved_per_level.back(), 0u);
  Trainer second(p.data, learned.tree, options("jtm-h"));
  second.warm_start(first.model(), p.tree);
  const Parameters &a = first.model().parameters(), &b = second.model().parameters();
  for (std::uint32_t c = 0; c < p.tree.num_items(); ++c) {
    const auto before = p.tree.node_index(p.tree.leaf(c)), after = learned.tree.node_index(learned.tree.leaf(c));
    for (const std::size_t t : {kNodeTable, kBehaviorTable})
      EXPECT_EQ(std::memcmp(a.tables[t].row(static_cast<std::uint64_t>(before)), b.tables[t].row(static_cast<std::uint64_t>(after)),
                            a.tables[t].dim * sizeof(float)),
                0)
          << "item " << c << " table " << t;
  }
}

TEST(TrainerWarmStart, RefusesAModelThatDoesNotFit) {
  const Planted p;
  Trainer first(p.data, p.tree, options("jtm-h"));
  ASSERT_TRUE(first.run());
  TrainOptions o = options("jtm-h");
  o.embedding_dim = 8;
  Trainer wider(p.data, p.tree, o);
  try {
    wider.warm_start(first.model(), p.tree);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("embedding_dim is 4, the run's 8"), std::string::npos) << e.what();
  }
  Trainer tdm(p.data, p.tree, options("tdm"));
  EXPECT_THROW(tdm.warm_start(first.model(), p.tree), Error);  // jtm-h model, tdm run
  Trainer other(p.data, p.tree, options("jtm-h"));
  EXPECT_THROW(other.warm_start(first.model(), moved_tree(p.tree)), Error);  // not its tree
}

TEST(TrainerWarmStart, ResumeNeedsTheSameStart) {
  const Planted p;
  const test::TempDir dir;
  Trainer first(p.data, p.tree, options("jtm-h"));
  ASSERT_TRUE(first.run());
  TrainOptions o = options("jtm-h");
  o.checkpoint_path = dir.file("run.ckpt");
  o.max_batches = 2;
  Trainer warm(p.data, p.tree, o);
  warm.warm_start(first.model(), p.tree);
  ASSERT_FALSE(warm.run());
  Trainer cold(p.data, p.tree, o);  // the same options, but no warm start
  try {
    cold.resume();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("init"), std::string::npos) << e.what();
  }
  Trainer again(p.data, p.tree, o);
  again.warm_start(first.model(), p.tree);
  EXPECT_NO_THROW(again.resume());
  EXPECT_EQ(again.position().batches, 2u);
}

}  // namespace
}  // namespace treerec
