// HSM (ALGORITHMS §9): sibling negatives on a hand-made tree, path probabilities that multiply along
// the path (an only child contributing 1), and learning on planted data.
#include <gtest/gtest.h>

#include <cmath>

#include "eval/eval_fixture.h"
#include "test_util.h"
#include "train/synthetic.h"
#include "treerec/eval/evaluate.h"
#include "treerec/search/model_retrieval.h"
#include "treerec/train/batch_builder.h"
#include "treerec/train/layer_sampler.h"
#include "treerec/train/trainer.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

// Three items on l_max = 2: item 0 on leaf 3 (its sibling 4 is empty: an only child), items 1
// and 2 on leaves 5 and 6. Non-empty nodes, densely: 0, 1, 2, 3, 5, 6 -> indices 0..5.
Tree hand_tree() {
  StringTable ids;
  for (const char* id : {"i0", "i1", "i2"}) ids.add(id);
  return Tree({3, 5, 6}, 2, ids);
}

TEST(Hsm, SiblingsAreTheOnlyNegatives) {
  const Tree tree = hand_tree();
  std::vector<std::uint32_t> nodes;
  EXPECT_EQ(sample_siblings(tree, 3, nodes), 1u);  // level 1: (1, 2); level 2: 3 is an only child
  EXPECT_EQ(nodes, (std::vector<std::uint32_t>{1, 2}));
  nodes.clear();
  EXPECT_EQ(sample_siblings(tree, 6, nodes), 2u);  // (2, 1) and (6, 5), as dense indices
  EXPECT_EQ(nodes, (std::vector<std::uint32_t>{2, 1, 5, 4}));

  const Method& m = training_method("hsm");
  EXPECT_TRUE(m.hsm);
  EXPECT_FALSE(m.brute_force);
  EXPECT_EQ(m.representation, Representation::tdm);
}

TEST(Hsm, BatchBuilderLabelsPairsAndCountsRows) {
  const Dataset d = test::tiny_dataset(6, 6, 0, 0);  // one train sample per record from position 5
  const Tree tree = test::category_tree(d);
  const HierarchicalPreference features(Representation::tdm, tree);
  const BatchBuilder b = BatchBuilder::siblings(d, tree, features);
  EXPECT_EQ(b.rows_per_sample(), 2 * tree.max_level());
  TrainBatch batch;
  Rng rng(1);
  for (std::uint64_t s = 0; s < d.num_train_samples(); ++s) {
    batch.clear();
    const Sample sample = d.train_sample(s);
    b.add(sample, rng, batch);
    ASSERT_EQ(batch.num_rows(), b.sample_rows(sample));
    ASSERT_EQ(batch.model.num_groups(), 1u);
    std::vector<std::uint32_t> want;
    sample_siblings(tree, tree.leaf(d.target(sample)), want);
    EXPECT_EQ(batch.model.nodes, want);
    for (std::size_t r = 0; r < batch.num_rows(); ++r) EXPECT_EQ(batch.labels[r], r % 2 == 0 ? 1.0f : 0.0f);
  }
  const HierarchicalPreference jtm(Representation::jtm_h, tree);
  EXPECT_THROW(BatchBuilder::siblings(d, tree, jtm), Error);
}

// Sets every dense weight to 0 and the output bias to (0, z): every node's logit is z.
void constant_logit(PreferenceModel& model, float z) {
  Parameters& p = model.parameters();
  std::fill(p.dense.begin(), p.dense.end(), 0.0f);
  p.dense[p.slice("out.b").offset + 1] = z;
}

TEST(Hsm, PathProbabilitiesMultiplyAlongThePath) {
  const Tree tree = hand_tree();
  const HierarchicalPreference features(Representation::tdm, tree);
  auto model = PreferenceModel::create(test::model_config("dnn", Representation::tdm, tree), 3);
  HistoryLists queries;
  queries.add(std::vector<std::uint32_t>{1, 2});
  RetrievalOptions o;
  o.beam = 1;  // level 1 holds 2 >= 1 nodes: the beam would start there, but HSM scores from the root
  o.top = 3;
  o.path_sum = true;

  // Every p̂ = sigmoid(0) = 1/2: item 0's path is 1/2 · 1 (its leaf is an only child), items
  // 1 and 2 have 1/2 · 1/2. With k = 1 only the best level-1 node (code 1, the smaller code on
  // a tie) is expanded, so only item 0 comes back; with k = 2 all three.
  constant_logit(*model, 0.0f);
  RankedLists r = retrieve(*model, features, tree, queries, o);
  ASSERT_EQ(r.items_of(0).size(), 1u);
  EXPECT_EQ(r.items_of(0)[0], 0u);
  EXPECT_FLOAT_EQ(r.scores_of(0)[0], std::log(0.5f));
  o.beam = 2;
  r = retrieve(*model, features, tree, queries, o);
  EXPECT_EQ(std::vector<std::uint32_t>(r.items_of(0).begin(), r.items_of(0).end()),
            (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_FLOAT_EQ(r.scores_of(0)[0], std::log(0.5f));
  EXPECT_FLOAT_EQ(r.scores_of(0)[1], std::log(0.25f));
  EXPECT_FLOAT_EQ(r.scores_of(0)[2], std::log(0.25f));

  // A trained-looking model: the path score is the log of the product of sigmoid(logit) of
  // every node on the path that has a sibling, with the logits from the model itself.
  model = PreferenceModel::create(test::model_config("dnn", Representation::tdm, tree), 4);
  r = retrieve(*model, features, tree, queries, o);
  ASSERT_EQ(r.items_of(0).size(), 3u);
  auto state = model->make_state();
  const auto logit = [&](Code c) {
    ModelBatch b;
    features.add_group(queries.history(0), code_level(c), b);
    b.add_row(static_cast<std::uint32_t>(tree.node_index(c)));
    float z = 0;
    model->forward(b, *state, std::span<float>(&z, 1));
    return static_cast<double>(z);
  };
  const auto p = [&](Code c) { return 1 / (1 + std::exp(-logit(c))); };
  const double want[3] = {p(1), p(2) * p(5), p(2) * p(6)};
  for (std::size_t k = 0; k < 3; ++k) {
    const std::uint32_t item = r.items_of(0)[k];
    EXPECT_NEAR(r.scores_of(0)[k], std::log(want[item]), 1e-5) << "item " << item;
    if (k > 0) {
      EXPECT_GE(r.scores_of(0)[k - 1], r.scores_of(0)[k]);
    }
  }
  o.brute_force = true;
  EXPECT_THROW(retrieve(*model, features, tree, queries, o), Error);
}

TEST(Hsm, LearnsPlantedPreferences) {
  test::PlantedShape shape;
  shape.users = 200;
  shape.records = 20;
  shape.valid_fraction = 0.25;
  const Dataset d = test::planted_dataset(shape);
  const Tree tree = test::category_tree(d);
  TrainOptions o;
  o.method = "hsm";
  o.embedding_dim = 8;
  o.epochs = 3;
  o.batch_size = 32;
  o.shard_samples = 8;
  o.learning_rate = 1e-2f;
  o.seed = 3;
  o.threads = 2;
  Trainer t(d, tree, o);
  t.run();
  const auto& h = t.history();
  EXPECT_LT(h.back().at("loss").get<double>(), 0.8 * h.front().at("loss").get<double>()) << h.dump();
  EvaluateOptions eo;
  eo.split = Split::valid;
  eo.top = 10;
  eo.beam = 10;
  eo.path_sum = true;
  const EvaluateResult r = evaluate(d, tree, t.model(), t.features(), eo);
  EXPECT_GT(r.metrics.get(10).recall, 2.0 * 10 / 64) << r.metrics.get(10).recall;

  o.layer_negatives = {1, 1, 1, 1, 1, 1};
  EXPECT_THROW(Trainer(d, tree, o), Error);
}

}  // namespace
}  // namespace treerec
