// treerec jtm, train --init-model and tree init --kmeans from the command line.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"
#include "train/synthetic.h"
#include "treerec/model/model_file.h"
#include "treerec/tree/tree.h"

namespace treerec {
namespace {

namespace fs = std::filesystem;
using test::run_cli;
using test::TempDir;

using test::contains;

using Files = test::PlantedFiles;

const std::string kSmall = " --epochs 1 --batch-size 32 --negatives 10 --embedding-dim 4 --threads 1 --valid-users 5";

TEST(JtmCli, TwoRoundsThenResumeAfterAStop) {
  const Files f;
  const std::string out = f.dir.file("run");
  auto r = run_cli("jtm " + f.data + " --tree " + f.tree + " --rounds 2 --out " + out + kSmall);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(contains(r.err, "recall@200")) << r.err;
  EXPECT_TRUE(contains(r.err, "best round")) << r.err;
  for (const char* file : {"rounds.json", "best.model", "best.tree", "round-2/model", "round-3/tree"})
    EXPECT_TRUE(fs::exists(fs::path(out) / file)) << file;
  EXPECT_EQ(load_trained_model((fs::path(out) / "best.model").string()).info.method, "jtm-h");
  for (const char* tree : {"round-1/tree", "round-2/tree", "round-3/tree", "best.tree"})  // what serve filters by
    EXPECT_TRUE(Tree::load((fs::path(out) / tree).string()).has_categories()) << tree;

  // The same folder again needs --resume.
  r = run_cli("jtm " + f.data + " --tree " + f.tree + " --rounds 2 --out " + out + kSmall);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "pass --resume")) << r.err;

  // kmeans relearning, stopped mid-round and resumed.
  const std::string km = f.dir.file("km");
  const std::string base = "jtm " + f.data + " --tree " + f.tree + " --relearn kmeans --rounds 2 --out " + km + kSmall;
  r = run_cli(base + " --max-batches 4");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "--resume to continue")) << r.err;
  EXPECT_FALSE(fs::exists(fs::path(km) / "rounds.json") &&
               contains(test::read_file((fs::path(km) / "rounds.json").string()), "\"finished\": true"));
  r = run_cli(base + " --resume");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "best round")) << r.err;
  EXPECT_EQ(load_trained_model((fs::path(km) / "best.model").string()).info.method, "tdm");
}

TEST(JtmCli, WarmStartAndKMeansTree) {
  const Files f;
  const std::string m1 = f.dir.file("m1.trm"), m2 = f.dir.file("m2.trm"), km = f.dir.file("km.tree");
  const std::string opts = " --method jtm-h --epochs 1 --batch-size 32 --negatives 10 --embedding-dim 4 --threads 1 "
                           "--valid-users 0";
  auto r = run_cli("train " + f.data + " --tree " + f.tree + " --out " + m1 + opts);
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_cli("tree init " + f.data + " --kmeans --model " + m1 + " --out " + km);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "kmeans tree of")) << r.err;
  EXPECT_EQ(Tree::load(km).builder(), "kmeans");
  EXPECT_TRUE(Tree::load(km).has_categories());
  // Warm start on the k-means tree; the model's tree comes from its record.
  r = run_cli("train " + f.data + " --tree " + km + " --out " + m2 + " --init-model " + m1 +
              " --method jtm-h --epochs 1 --batch-size 32 --negatives 10 --threads 1 --valid-users 0");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "warm start from")) << r.err;
  const TrainedModel m = load_trained_model(m2);
  EXPECT_EQ(m.info.options.at("init_model"), m1);
  EXPECT_EQ(m.model->config().embedding_dim, 4u);  // from the initial model
  // The wrong tree for the initial model is refused.
  r = run_cli("train " + f.data + " --tree " + km + " --out " + f.dir.file("m3.trm") + " --init-model " + m1 +
              " --init-tree " + km + opts);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "another assignment")) << r.err;
  r = run_cli("tree init " + f.data + " --kmeans --out " + km);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "needs --model")) << r.err;
}

}  // namespace
}  // namespace treerec
