// Tree learning on real data (ALGORITHMS §7.6): on Ciao, a pass over a JTM-H model trained to
// convergence (early stopping on validation recall@200) learns a tree that scores above the
// category tree under that model, so the never-worse check keeps it, and items do move.
// Skipped without ../shared/data and under the sanitizers. The model is trained with fewer
// negatives and larger batches than the defaults so that it converges in about a minute on two
// cores; the property tested is the pass's, whatever the model's settings.
#include <gtest/gtest.h>

#include <cstdio>

#include "test_util.h"
#include "treerec/data/behavior_log.h"
#include "treerec/data/dataset.h"
#include "treerec/eval/validation.h"
#include "treerec/train/trainer.h"
#include "treerec/learn/tree_learner.h"

namespace treerec {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

TEST(RealData, CiaoTreeLearningOnAConvergedModelNeverLowersTheObjective) {
  if (kSanitized) GTEST_SKIP() << "trains a model on Ciao: too slow under AddressSanitizer";
  TREEREC_REQUIRE_SHARED_DATA(data);
  ReadOptions r;
  r.format = LogFormat::csv;
  r.input = data + "/ciao/ciao_ratings.csv";
  r.user_col = "user_id";
  r.item_col = "item_id";
  r.category_col = "category_id";
  r.time_col = "timestamp";
  const Dataset d = Dataset::build(read_behavior_log(r), PrepareOptions{});
  const Tree tree = build_category_tree(d.item_categories(), d.item_ids());

  TrainOptions o;
  o.method = "jtm-h";
  o.epochs = 30;
  o.patience = 2;
  o.batch_size = 1024;
  o.negatives = 20;
  o.learning_rate = 0.004f;
  o.threads = 2;
  Trainer trainer(d, tree, o);
  const std::vector<std::uint32_t> valid = validation_users(d, 1000, o.seed);
  ASSERT_FALSE(valid.empty());
  ValidationOptions vo;
  vo.threads = 2;
  trainer.on_validate(tree_validator(d, tree, valid, vo));
  ASSERT_TRUE(trainer.run());
  ASSERT_LT(trainer.epochs_trained(), o.epochs) << "early stopping did not end training: not converged";

  TreeLearnOptions lo;
  lo.threads = 2;
  const TreeLearnResult learned = learn_tree(d, tree, trainer.model(), trainer.features(), lo);
  std::printf("Ciao, JTM-H %u epochs (best %u): objective old %.6g, learned %.6g; items moved at the leaves %llu\n",
              trainer.epochs_trained(), trainer.best_epoch(), learned.objective_old, learned.objective_learned,
              static_cast<unsigned long long>(learned.moved_per_level.back()));
  EXPECT_GE(learned.objective_new, learned.objective_old);
  EXPECT_FALSE(learned.kept_old) << "the pass's own tree scored below the category tree";
  EXPECT_GT(learned.objective_learned, learned.objective_old);
  EXPECT_GT(learned.moved_per_level.back(), 0u);
}

}  // namespace
}  // namespace treerec
