// Warm start on a changed tree (ALGORITHMS §7.6): node embeddings and their Adam moments follow
// their codes.
#include <gtest/gtest.h>

#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/preference_model.h"
#include "treerec/train/adam.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

Tree make_tree(std::vector<Code> leaves) {
  StringTable ids;
  for (std::size_t i = 0; i < leaves.size(); ++i) ids.add(std::to_string(i));
  const std::uint32_t levels = max_level_for(leaves.size());
  return Tree(std::move(leaves), levels, ids);
}

TEST(WarmStart, InternalRowsFollowCodesLeafRowsFollowItems) {
  // Old: leaves 3, 4, 5 -> nodes 0 | 1 2 | 3 4 5 (rows 0..5).
  // New: leaves 3, 6, 5 -> nodes 0 | 1 2 | 3 5 6. Item 1 moved from leaf 4 to leaf 6 and its
  // row (old row 4) goes with it; code 4's row is not carried (no item sits there now).
  const Tree from = make_tree({3, 4, 5}), to = make_tree({3, 6, 5});
  EXPECT_EQ(node_row_sources(from, to), (std::vector<std::int64_t>{0, 1, 2, 3, 5, 4}));
  // Three levels: old leaves 7..11 (rows: 0 | 1 2 | 3 4 5 | 6..10); item 4 moves from leaf 11 to
  // 13, under code 6, which was empty: its internal row is fresh (-1), its leaf row is item 4's.
  const Tree a = make_tree({7, 8, 9, 10, 11}), b = make_tree({7, 8, 9, 10, 13});
  EXPECT_EQ(node_row_sources(a, b), (std::vector<std::int64_t>{0, 1, 2, 3, 4, -1, 6, 7, 8, 9, 10}));
  // Two items swap leaves: the leaf rows swap too.
  EXPECT_EQ(node_row_sources(from, make_tree({4, 3, 5})), (std::vector<std::int64_t>{0, 1, 2, 4, 3, 5}));
}

TEST(WarmStart, RemapMovesRowsAndMoments) {
  ModelConfig config;
  config.embedding_dim = 2;
  config.hidden = {3};
  config.behavior_rows = 3;
  config.node_rows = 6;
  auto model = PreferenceModel::create(config, 1);
  AdamOptions options;
  options.learning_rate = 0.1f;
  Adam adam(model->parameters(), options);

  // One step on node row 4, so that it has non-zero moments.
  Gradients g = model->make_gradients();
  const float x[] = {1.0f, -2.0f};
  g.tables[kNodeTable].add(4, x);
  adam.step(model->parameters(), g);
  const EmbeddingTable before = model->parameters().tables[kNodeTable];

  const std::vector<std::int64_t> source{4, 0, -1};
  model->remap_table(kNodeTable, source, 9);
  adam.remap_table(kNodeTable, source);
  const EmbeddingTable& after = model->parameters().tables[kNodeTable];
  EXPECT_EQ(after.rows, 3u);
  EXPECT_EQ(model->config().node_rows, 3u);
  EXPECT_EQ(std::vector<float>(after.row(0), after.row(0) + 2), std::vector<float>(before.row(4), before.row(4) + 2));
  EXPECT_EQ(std::vector<float>(after.row(1), after.row(1) + 2), std::vector<float>(before.row(0), before.row(0) + 2));
  EXPECT_NE(after.row(2)[0], 0.0f);  // fresh, seeded

  // The moments came along: a second step on new row 0 equals a second step on old row 4.
  auto twin = PreferenceModel::create(config, 1);
  Adam twin_adam(twin->parameters(), options);
  twin_adam.step(twin->parameters(), g);
  twin_adam.step(twin->parameters(), g);
  Gradients h = model->make_gradients();
  h.tables[kNodeTable].add(0, x);
  adam.step(model->parameters(), h);
  const EmbeddingTable& t = twin->parameters().tables[kNodeTable];
  EXPECT_EQ(std::vector<float>(after.row(0), after.row(0) + 2), std::vector<float>(t.row(4), t.row(4) + 2));

  // The model scores the remapped rows, and refuses rows beyond the new table.
  auto state = model->make_state();
  ModelBatch batch;
  batch.add_group(std::vector<std::uint32_t>{1});
  batch.add_row(2);
  std::vector<float> logit(1);
  EXPECT_NO_THROW(model->forward(batch, *state, logit));
  batch.nodes[0] = 3;
  EXPECT_THROW(model->forward(batch, *state, logit), Error);
  EXPECT_THROW(model->remap_table(kNodeTable, std::vector<std::int64_t>{7}, 1), Error);
}

}  // namespace
}  // namespace treerec
