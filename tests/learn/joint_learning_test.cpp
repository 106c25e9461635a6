// The joint loop (ALGORITHMS §8): two rounds end to end with their files, round 1 equal to plain
// training, k-means relearning, exact resumption after a stop mid-round, and refusals.
#include "treerec/learn/joint_learning.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>

#include "test_util.h"
#include "train/synthetic.h"
#include "treerec/model/model_file.h"
#include "treerec/util/error.h"
#include "treerec/util/interrupt.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

struct Planted {
  Dataset data;
  Tree tree;
  Planted() {
    test::PlantedShape s;
    s.users = 40;
    s.records = 14;
    s.valid_fraction = 0.2;
    data = test::planted_dataset(s);
    tree = test::category_tree(data);
  }
};

JointOptions options(Relearn relearn) {
  JointOptions o;
  o.rounds = 2;
  o.relearn = relearn;
  o.train.method = relearn == Relearn::jtm ? "jtm-h" : "tdm";
  o.train.embedding_dim = 4;
  o.train.epochs = 1;
  o.train.batch_size = 32;
  o.train.shard_samples = 8;
  o.train.negatives = 10;
  o.train.seed = 5;
  o.train.threads = 1;
  o.kmeans.iterations = 4;
  return o;
}

std::string at(const TempDir& dir, const std::string& name) { return (dir.path() / name).string(); }
std::string at(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

TEST(JointLearning, TwoRoundsWriteRoundsAndBest) {
  const Planted p;
  const TempDir dir;
  std::vector<std::string> lines;
  JointOptions o = options(Relearn::jtm);
  o.log = [&](const std::string& l) { lines.push_back(l); };
  const JointResult r = run_joint_learning(p.data, p.tree, o, dir.path().string());
  ASSERT_TRUE(r.finished);
  ASSERT_EQ(r.rounds.size(), 2u);
  for (const char* f : {"joint.json", "rounds.json", "best.model", "best.tree", "round-1/tree", "round-1/model",
                        "round-1/round.json", "round-2/tree", "round-2/model", "round-2/round.json", "round-3/tree"})
    EXPECT_TRUE(fs::exists(at(dir, f))) << f;
  EXPECT_FALSE(fs::exists(at(dir, "round-1/model.ckpt")));
  for (const auto& s : r.rounds) {
    EXPECT_TRUE(s.validated);
    EXPECT_GE(s.recall, 0.0);
    EXPECT_LE(s.recall, 1.0);
    EXPECT_EQ(s.history.size(), 1u);
  }
  const std::uint32_t best = r.rounds[1].recall > r.rounds[0].recall ? 2 : 1;
  EXPECT_EQ(r.best_round, best);
  EXPECT_EQ(test::read_file(at(dir, "best.model")), test::read_file(at(dir, cat("round-", best, "/model"))));
  EXPECT_EQ(test::read_file(at(dir, "best.tree")), test::read_file(at(dir, cat("round-", best, "/tree"))));
  const auto rounds = nlohmann::json::parse(test::read_file(at(dir, "rounds.json")));
  EXPECT_EQ(rounds.at("best_round"), best);
  EXPECT_EQ(rounds.at("rounds").size(), 2u);
  EXPECT_EQ(rounds.at("rounds")[1].at("recall@200"), r.rounds[1].recall);
  // Round 2 was warm-started: its model records the start.
  EXPECT_TRUE(load_trained_model(at(dir, "round-2/model")).info.options.contains("init"));
  EXPECT_FALSE(load_trained_model(at(dir, "round-1/model")).info.options.contains("init"));
  EXPECT_FALSE(lines.empty());
}

TEST(JointLearning, RoundOneIsPlainTraining) {
  const Planted p;
  const TempDir dir;
  JointOptions o = options(Relearn::jtm);
  o.rounds = 1;
  o.valid_users = 0;  // no validation: the last round is the best
  const JointResult r = run_joint_learning(p.data, p.tree, o, dir.path().string());
  EXPECT_FALSE(r.rounds[0].validated);
  EXPECT_EQ(r.best_round, 1u);
  Trainer plain(p.data, p.tree, o.train);
  ASSERT_TRUE(plain.run());
  const TrainedModel m = load_trained_model(at(dir, "best.model"));
  EXPECT_EQ(m.model->parameters().dense, plain.model().parameters().dense);
  EXPECT_EQ(m.model->parameters().tables[kNodeTable].values, plain.model().parameters().tables[kNodeTable].values);
}

TEST(JointLearning, KMeansRelearnsFromTheLeafEmbeddings) {
  const Planted p;
  const TempDir dir;
  JointOptions o = options(Relearn::kmeans);
  const JointResult r = run_joint_learning(p.data, p.tree, o, dir.path().string());
  ASSERT_TRUE(r.finished);
  const TrainedModel m1 = load_trained_model(at(dir, "round-1/model"));
  KMeansTreeOptions k = o.kmeans;
  k.seed = mix_seed(o.kmeans.seed, 1);
  const Tree expected = build_kmeans_tree(leaf_embeddings(*m1.model, p.tree), 4, p.tree.item_ids(), k);
  const Tree t2 = Tree::load(at(dir, "round-2/tree"));
  EXPECT_EQ(t2.builder(), "kmeans");
  EXPECT_TRUE(std::equal(t2.leaves().begin(), t2.leaves().end(), expected.leaves().begin()));
  std::uint64_t moved = 0;
  for (std::uint32_t c = 0; c < t2.num_items(); ++c) moved += t2.leaf(c) != p.tree.leaf(c);
  EXPECT_EQ(r.rounds[0].items_moved, moved);
  EXPECT_GT(moved, 0u);
  // Model 2 trained on tree 2.
  check_model_tree(load_trained_model(at(dir, "round-2/model")).info, t2, "model 2", "tree 2");
}

TEST(JointLearning, ResumeAfterStopsMidRoundGivesTheSameResult) {
  const Planted p;
  const TempDir dir;  // one per test: two runs in two subfolders
  const std::string whole = at(dir, "whole"), pieces = at(dir, "pieces");
  const JointOptions o = options(Relearn::kmeans);
  const JointResult a = run_joint_learning(p.data, p.tree, o, whole);
  JointOptions stop = o;
  stop.train.max_batches = 5;  // a round has about 11 batches: stops inside rounds 1 and 2
  stop.resume = true;
  JointResult b;
  int calls = 0;
  do {
    b = run_joint_learning(p.data, p.tree, stop, pieces);
    ++calls;
    if (calls == 1) {
      EXPECT_TRUE(fs::exists(at(pieces, "round-1/model.ckpt")));
    }
  } while (!b.finished && calls < 20);
  ASSERT_TRUE(b.finished);
  EXPECT_GE(calls, 4);
  ASSERT_EQ(a.rounds.size(), b.rounds.size());
  EXPECT_EQ(a.best_round, b.best_round);
  for (std::size_t i = 0; i < a.rounds.size(); ++i) {
    EXPECT_EQ(a.rounds[i].recall, b.rounds[i].recall);
    EXPECT_EQ(a.rounds[i].items_moved, b.rounds[i].items_moved);
    EXPECT_EQ(a.rounds[i].history.at(0).at("loss"), b.rounds[i].history.at(0).at("loss"));
  }
  for (const char* f : {"round-2/model", "best.model"}) {
    const TrainedModel x = load_trained_model(at(whole, f)), y = load_trained_model(at(pieces, f));
    EXPECT_EQ(x.model->parameters().dense, y.model->parameters().dense) << f;
    for (std::size_t t = 0; t < 2; ++t)
      EXPECT_EQ(x.model->parameters().tables[t].values, y.model->parameters().tables[t].values) << f;
  }
  EXPECT_EQ(test::read_file(at(whole, "round-3/tree")), test::read_file(at(pieces, "round-3/tree")));
}

// A signal (util/interrupt.h) during round 1's last epoch: the trainer has no batch left to stop
// at, so the round's model is saved and the loop stops before tree learning. Resuming learns the
// same tree as the uninterrupted run. One during tree learning stops it after the gap in
// progress (round-N/learn.ckpt), and one arriving mid-epoch stops the training at its next batch.
TEST(JointLearning, SignalStopsBeforeOrInsideTreeLearningOrAtTheNextBatchAndResumeFinishesTheSame) {
  const Planted p;
  const TempDir dir;
  const std::string whole = at(dir, "whole"), pieces = at(dir, "pieces"), mid = at(dir, "mid");
  JointOptions o = options(Relearn::jtm);
  const JointResult a = run_joint_learning(p.data, p.tree, o, whole);
  ASSERT_TRUE(a.finished);

  std::vector<std::string> lines;
  JointOptions stop = o;
  stop.resume = true;
  stop.log = [&](const std::string& l) {
    lines.push_back(l);
    if (l.rfind("round 1: epoch 1/1", 0) == 0) request_interrupt(SIGTERM);
  };
  const JointResult b = run_joint_learning(p.data, p.tree, stop, pieces);
  clear_interrupt();
  EXPECT_FALSE(b.finished);
  EXPECT_TRUE(fs::exists(at(pieces, "round-1/model")));
  EXPECT_FALSE(fs::exists(at(pieces, "round-2/tree")));
  EXPECT_NE(std::find(lines.begin(), lines.end(), "round 1: stopped by SIGTERM before tree learning; resume to continue"),
            lines.end());
  stop.log = nullptr;
  const JointResult c = run_joint_learning(p.data, p.tree, stop, pieces);
  ASSERT_TRUE(c.finished);
  EXPECT_EQ(test::read_file(at(whole, "round-2/tree")), test::read_file(at(pieces, "round-2/tree")));
  const auto same_model = [&](const std::string& folder) {
    const TrainedModel x = load_trained_model(at(whole, "best.model")), y = load_trained_model(at(folder, "best.model"));
    EXPECT_EQ(x.model->parameters().dense, y.model->parameters().dense) << folder;
    for (std::size_t t = 0; t < 2; ++t)
      EXPECT_EQ(x.model->parameters().tables[t].values, y.model->parameters().tables[t].values) << folder;
  };
  same_model(pieces);

  // One during tree learning stops it after the gap in progress, which is checkpointed.
  const std::string in_learning = at(dir, "in-learning");
  stop.log = [&](const std::string& l) {
    if (l.rfind("gap 0->", 0) == 0) request_interrupt(SIGTERM);
  };
  EXPECT_THROW(run_joint_learning(p.data, p.tree, stop, in_learning), Interrupted);
  clear_interrupt();
  EXPECT_TRUE(fs::exists(at(in_learning, "round-1/learn.ckpt")));
  EXPECT_FALSE(fs::exists(at(in_learning, "round-2/tree")));
  std::vector<std::string> continued;
  stop.log = [&](const std::string& l) { continued.push_back(l); };
  ASSERT_TRUE(run_joint_learning(p.data, p.tree, stop, in_learning).finished);
  EXPECT_NE(std::find_if(continued.begin(), continued.end(),
                         [](const std::string& l) { return l.rfind("continuing the pass saved in", 0) == 0; }),
            continued.end());
  EXPECT_FALSE(fs::exists(at(in_learning, "round-1/learn.ckpt")));
  EXPECT_EQ(test::read_file(at(whole, "round-2/tree")), test::read_file(at(in_learning, "round-2/tree")));
  same_model(in_learning);
  stop.log = nullptr;

  stop.progress = [](const TrainProgress& pr) {
    if (pr.epoch_samples_done >= 64) request_interrupt(SIGINT);
  };
  const JointResult d = run_joint_learning(p.data, p.tree, stop, mid);
  clear_interrupt();
  EXPECT_FALSE(d.finished);
  EXPECT_TRUE(fs::exists(at(mid, "round-1/model.ckpt")));
  EXPECT_FALSE(fs::exists(at(mid, "round-1/model")));
  stop.progress = nullptr;
  ASSERT_TRUE(run_joint_learning(p.data, p.tree, stop, mid).finished);
  same_model(mid);
}

TEST(JointLearning, RefusesAnotherRunInTheFolder) {
  const Planted p;
  const TempDir dir;
  JointOptions o = options(Relearn::jtm);
  o.rounds = 1;
  run_joint_learning(p.data, p.tree, o, dir.path().string());
  try {
    run_joint_learning(p.data, p.tree, o, dir.path().string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pass --resume"), std::string::npos) << e.what();
  }
  o.resume = true;
  o.train.learning_rate = 0.5f;
  try {
    run_joint_learning(p.data, p.tree, o, dir.path().string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("learning_rate"), std::string::npos) << e.what();
  }
  // More rounds on resume: round 1 is reused, round 2 is added.
  o.train.learning_rate = options(Relearn::jtm).train.learning_rate;
  o.rounds = 2;
  const JointResult r = run_joint_learning(p.data, p.tree, o, dir.path().string());
  EXPECT_EQ(r.rounds.size(), 2u);
  o.train.method = "dnn";
  EXPECT_THROW(run_joint_learning(p.data, p.tree, o, dir.path().string()), Error);
}

}  // namespace
}  // namespace treerec
