// Version-1 Item-CF and YouTube model files, frozen in tests/baselines/frozen/: every later
// build must still load them. TREEREC_WRITE_FROZEN=1 rewrites them (only when a format
// version is added: keep the old files).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "data/log_builder.h"
#include "test_util.h"
#include "treerec/baselines/item_cf.h"
#include "treerec/baselines/model_kind.h"
#include "treerec/baselines/youtube_trainer.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

std::string frozen(const std::string& name) {
  return (std::filesystem::path(TREEREC_SOURCE_DIR) / "tests" / "baselines" / "frozen" / name).string();
}

// 6 users over items a..e with at least 6 records each (so there are training samples).
Dataset frozen_log() {
  test::LogBuilder b;
  std::int64_t t = 0;
  const char* seqs[] = {"abcabc", "abdabd", "bcebce", "aadeed", "ecbaec", "ddbbaa"};
  for (int u = 0; u < 6; ++u)
    for (const char* c = seqs[u]; *c; ++c) b.add(cat("u", u), std::string(1, *c), "x", t++);
  return b.dataset();
}

TEST(FrozenBaselineFiles, Version1FilesStillLoad) {
  const Dataset d = frozen_log();
  if (std::getenv("TREEREC_WRITE_FROZEN") != nullptr) {
    std::filesystem::create_directories(std::filesystem::path(frozen("x")).parent_path());
    ItemCfOptions o;
    o.neighbours = 2;
    ItemCf::build(d, o).save(frozen("itemcf_v1.bin"));
    YoutubeTrainOptions y;
    y.embedding_dim = 2;
    y.negatives = 2;
    y.threads = 1;
    YoutubeTrainer trainer(d, y);
    trainer.run();
    trainer.save(frozen("youtube_v1.bin"));
  }
  EXPECT_EQ(model_file_kind(frozen("itemcf_v1.bin")), ModelKind::itemcf);
  const ItemCf cf = ItemCf::load(frozen("itemcf_v1.bin"));
  cf.check_dataset(d, "the frozen log");
  EXPECT_EQ(cf.options().neighbours, 2u);
  // Rebuilt today, the model is the same.
  ItemCfOptions o;
  o.neighbours = 2;
  const ItemCf now = ItemCf::build(d, o);
  for (std::uint32_t i = 0; i < d.num_items(); ++i) {
    EXPECT_TRUE(std::ranges::equal(cf.neighbours(i), now.neighbours(i))) << i;
    EXPECT_TRUE(std::ranges::equal(cf.weights(i), now.weights(i))) << i;
  }

  EXPECT_EQ(model_file_kind(frozen("youtube_v1.bin")), ModelKind::youtube);
  const TrainedYoutube yt = load_youtube_model(frozen("youtube_v1.bin"));
  yt.check_dataset(d, "the frozen log");
  EXPECT_EQ(yt.model->config().items, d.num_items());
  EXPECT_EQ(yt.model->config().embedding_dim, 2u);
  EXPECT_EQ(yt.model->config().vector_dim(), 24u);
  EXPECT_EQ(yt.training.at("history").size(), 1u);
  EXPECT_EQ(yt.training.at("options").at("negatives"), 2);
}

TEST(FrozenBaselineFiles, ModelKindRefusesOtherFiles) {
  test::TempDir dir;
  test::write_file(dir.file("x"), "not a model at all");
  try {
    model_file_kind(dir.file("x"));
    FAIL() << "a text file passed as a model";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is not a trained model"), std::string::npos) << e.what();
  }
  EXPECT_THROW(model_file_kind(dir.file("absent")), Error);
}

}  // namespace
}  // namespace treerec
