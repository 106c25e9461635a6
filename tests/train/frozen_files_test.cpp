// A trained model file (.trm, with its training record) and a training checkpoint, frozen in
// tests/train/frozen/: every later build must still load them, and must still resume the
// checkpoint and finish the run. TREEREC_WRITE_FROZEN=1 rewrites them (only when a format
// version is added: keep the old files).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "data/log_builder.h"
#include "test_util.h"
#include "treerec/model/model_file.h"
#include "treerec/train/trainer.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

std::string frozen(const std::string& name) {
  return (std::filesystem::path(TREEREC_SOURCE_DIR) / "tests" / "train" / "frozen" / name).string();
}

// 12 users of 12 records over items a..h in 3 categories: 84 training samples.
Dataset frozen_log() {
  test::LogBuilder b;
  std::int64_t t = 0;
  for (int u = 0; u < 12; ++u)
    for (int k = 0; k < 12; ++k) {
      const int item = (u * 3 + k * (u % 3 + 1)) % 8;
      b.add(cat("u", u), std::string(1, static_cast<char>('a' + item)), cat("c", item % 3), t++);
    }
  return b.dataset();
}

TrainOptions frozen_options() {
  TrainOptions o;
  o.method = "jtm-h";
  o.embedding_dim = 4;
  o.epochs = 2;
  o.patience = 0;
  o.batch_size = 8;
  o.shard_samples = 4;
  o.negatives = 3;
  o.seed = 5;
  o.threads = 1;
  return o;
}

TEST(FrozenTrainingFiles, Version1ModelAndVersion2CheckpointStillLoad) {
  const Dataset d = frozen_log();
  const Tree tree = build_category_tree(d.item_categories(), d.item_ids());
  if (std::getenv("TREEREC_WRITE_FROZEN") != nullptr) {
    std::filesystem::create_directories(std::filesystem::path(frozen("x")).parent_path());
    Trainer full(d, tree, frozen_options());
    full.run();
    full.save(frozen("jtmh_v1.trm"));
    TrainOptions o = frozen_options();
    o.checkpoint_path = frozen("jtmh_v2.ckpt");
    o.max_batches = 3;
    Trainer stopped(d, tree, o);
    ASSERT_FALSE(stopped.run());  // stops after 3 batches, leaving its checkpoint
  }

  const TrainedModel m = load_trained_model(frozen("jtmh_v1.trm"));
  EXPECT_EQ(m.info.method, "jtm-h");
  EXPECT_EQ(m.info.tree_items, 8u);
  EXPECT_EQ(m.info.options.at("negatives"), 3);
  EXPECT_EQ(m.info.history.size(), 2u);
  EXPECT_EQ(m.model->config().embedding_dim, 4u);
  EXPECT_EQ(m.model->config().representation, Representation::jtm_h);
  check_model_tree(m.info, tree, "the frozen model", "today's category tree");
  for (const auto& table : m.model->parameters().tables)
    for (float v : table.values) ASSERT_TRUE(std::isfinite(v));
  // A run warm-started from it trains on.
  Trainer warm(d, tree, frozen_options());
  warm.warm_start(*m.model, tree);
  EXPECT_TRUE(warm.run());

  // The checkpoint resumes where it stopped and finishes the run.
  test::TempDir dir;
  const std::string ckpt = dir.file("run.ckpt");
  std::filesystem::copy_file(frozen("jtmh_v2.ckpt"), ckpt);
  TrainOptions o = frozen_options();
  o.checkpoint_path = ckpt;
  Trainer resumed(d, tree, o);
  resumed.resume();
  EXPECT_EQ(resumed.position().epoch, 0u);
  EXPECT_EQ(resumed.position().next_batch, 3u);
  EXPECT_EQ(resumed.position().batches, 3u);
  EXPECT_TRUE(resumed.run());
  EXPECT_EQ(resumed.history().size(), 2u);
  for (const auto& table : resumed.model().parameters().tables)
    for (float v : table.values) ASSERT_TRUE(std::isfinite(v));
}

}  // namespace
}  // namespace treerec
