// Early stopping (ALGORITHMS §5): the rule by hand, and the Trainer with a scripted validation score:
// it stops after `patience` epochs without progress, its result is bit for bit the best epoch's
// model (the model a run of exactly that many epochs ends with), and a run stopped mid-way and
// resumed from its checkpoint ends the same.
#include "treerec/train/early_stopping.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"
#include "train/synthetic.h"
#include "treerec/train/trainer.h"

namespace treerec {
namespace {

TEST(EarlyStopping, RuleByHand) {
  EarlyStopping e;
  // Scores 0.10, 0.30, 0.3005 (below min_delta 0.001: no progress), 0.25: patience 2 stops at 4.
  EXPECT_TRUE(e.record(1, 0.10, 2, 0.001));
  EXPECT_FALSE(e.stopped);
  EXPECT_TRUE(e.record(2, 0.30, 2, 0.001));
  EXPECT_FALSE(e.record(3, 0.3005, 2, 0.001));
  EXPECT_FALSE(e.stopped);
  EXPECT_FALSE(e.record(4, 0.25, 2, 0.001));
  EXPECT_TRUE(e.stopped);
  EXPECT_EQ(e.best_epoch, 2u);
  EXPECT_DOUBLE_EQ(e.best_score, 0.30);
  // Patience 0 tracks the best but never stops.
  EarlyStopping never;
  for (std::uint32_t k = 1; k <= 5; ++k) never.record(k, 1.0 / k, 0, 0.0);
  EXPECT_FALSE(never.stopped);
  EXPECT_EQ(never.best_epoch, 1u);
}

TrainOptions options() {
  TrainOptions o;
  o.method = "jtm-h";
  o.embedding_dim = 4;
  o.batch_size = 32;
  o.shard_samples = 8;
  o.negatives = 10;
  o.seed = 3;
  o.threads = 1;
  return o;
}

// Validation scores by epoch: the best is epoch 2, then two epochs without progress.
Trainer::ValidateFn scripted(std::vector<double> scores) {
  return [scores, epoch = std::size_t{0}](const PreferenceModel&, const HierarchicalPreference&) mutable {
    return Validation{scores.at(epoch++), {{"scripted", true}}};
  };
}

bool same_parameters(const PreferenceModel& a, const PreferenceModel& b) {
  const Parameters &p = a.parameters(), &q = b.parameters();
  if (p.dense != q.dense) return false;
  for (std::size_t t = 0; t < p.tables.size(); ++t)
    if (p.tables[t].values != q.tables[t].values) return false;
  return true;
}

TEST(EarlyStopping, TrainerStopsAndRestoresTheBestEpoch) {
  const Dataset d = test::planted_dataset();
  const Tree tree = test::category_tree(d);
  TrainOptions o = options();
  o.epochs = 10;
  o.patience = 2;
  Trainer t(d, tree, o);
  t.on_validate(scripted({0.1, 0.3, 0.2, 0.25, 0.9}));
  std::vector<EpochSummary> seen;
  t.on_epoch_end([&](const EpochSummary& s) {
    seen.push_back(s);
    return nlohmann::json(nullptr);
  });
  ASSERT_TRUE(t.run());
  EXPECT_EQ(t.epochs_trained(), 4u);  // epochs 3 and 4 brought nothing: stop
  EXPECT_EQ(t.best_epoch(), 2u);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_TRUE(seen[3].stop);
  EXPECT_FALSE(seen[2].stop);
  EXPECT_EQ(seen[3].best_epoch, 2u);
  ASSERT_EQ(t.history().size(), 4u);
  EXPECT_EQ(t.history()[1]["valid_score"], 0.3);
  EXPECT_EQ(t.history()[3]["best_epoch"], 2);
  EXPECT_EQ(t.history()[0]["scripted"], true);
  EXPECT_EQ(t.info().options["best_epoch"], 2);
  EXPECT_EQ(t.info().options["stopped_early"], true);

  // The result is the model after epoch 2: a run of exactly 2 epochs (same seed) ends there.
  TrainOptions two = options();
  two.epochs = 2;
  two.patience = 0;
  Trainer reference(d, tree, two);
  ASSERT_TRUE(reference.run());
  EXPECT_TRUE(same_parameters(t.model(), reference.model()));
}

TEST(EarlyStopping, ResumedRunEndsWithTheSameBestModel) {
  const Dataset d = test::planted_dataset();
  const Tree tree = test::category_tree(d);
  const test::TempDir dir;
  TrainOptions o = options();
  o.epochs = 10;
  o.patience = 2;
  const std::vector<double> scores = {0.1, 0.3, 0.2, 0.25};
  Trainer whole(d, tree, o);
  whole.on_validate(scripted(scores));
  ASSERT_TRUE(whole.run());

  // Stopped after the third epoch's batches began (the best model lives only in the checkpoint),
  // then resumed by a new trainer.
  o.checkpoint_path = dir.file("m.ckpt");
  const std::uint64_t per_epoch = Trainer(d, tree, o).batches_per_epoch();
  o.max_batches = 2 * per_epoch + 1;
  {
    Trainer first(d, tree, o);
    first.on_validate(scripted(scores));
    ASSERT_FALSE(first.run());
  }
  o.max_batches = 0;
  Trainer second(d, tree, o);
  second.on_validate(scripted({0.2, 0.25}));  // the epochs still to come
  second.resume();
  ASSERT_TRUE(second.run());
  EXPECT_EQ(second.epochs_trained(), 4u);
  EXPECT_EQ(second.best_epoch(), 2u);
  EXPECT_TRUE(same_parameters(second.model(), whole.model()));
  ASSERT_EQ(second.history().size(), whole.history().size());
  for (std::size_t e = 0; e < whole.history().size(); ++e) {  // all but the timings
    nlohmann::json a = second.history()[e], b = whole.history()[e];
    a.erase("seconds");
    b.erase("seconds");
    EXPECT_EQ(a, b) << "epoch " << e + 1;
  }
}

}  // namespace
}  // namespace treerec
