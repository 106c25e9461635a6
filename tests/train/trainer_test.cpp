// The trainer (ALGORITHMS §5, §9): learning on planted data for every method, determinism across
// seeds and thread counts, checkpoints and exact resumption, refusal of foreign checkpoints.
#include "treerec/train/trainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "test_util.h"
#include "train/synthetic.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

using test::TempDir;

TrainOptions small_options(const std::string& method, const std::string& model = "dnn") {
  TrainOptions o;
  o.method = method;
  o.model = model;
  o.embedding_dim = 8;
  o.epochs = 2;
  o.batch_size = 32;
  o.shard_samples = 8;
  o.negatives = 12;
  o.learning_rate = 3e-3f;
  o.seed = 3;
  o.threads = 1;
  return o;
}

bool same_parameters(const PreferenceModel& a, const PreferenceModel& b) {
  const Parameters &p = a.parameters(), &q = b.parameters();
  if (p.dense.size() != q.dense.size() || p.tables.size() != q.tables.size()) return false;
  if (std::memcmp(p.dense.data(), q.dense.data(), p.dense.size() * sizeof(float)) != 0) return false;
  for (std::size_t t = 0; t < p.tables.size(); ++t)
    if (p.tables[t].values.size() != q.tables[t].values.size() ||
        std::memcmp(p.tables[t].values.data(), q.tables[t].values.data(), p.tables[t].values.size() * sizeof(float)) != 0)
      return false;
  return true;
}

std::vector<double> losses(const Trainer& t) {
  std::vector<double> out;
  for (const auto& e : t.history()) out.push_back(e.at("loss").get<double>());
  return out;
}

class Methods : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

// The entropy of the label base rate: the loss of a model that learned only how many rows are
// positive. Falling well below it means the model learned which nodes fit which users.
double base_rate_entropy(double positives, double rows) {
  const double p = positives / rows;
  return -(p * std::log(p) + (1 - p) * std::log(1 - p));
}

TEST_P(Methods, LossFallsOnPlantedData) {
  const Dataset d = test::planted_dataset();
  const Tree tree = test::category_tree(d);
  TrainOptions o = small_options(GetParam().first, GetParam().second);
  o.epochs = 5;
  o.learning_rate = 1e-2f;
  Trainer t(d, tree, o);
  EXPECT_TRUE(t.run());
  const auto l = losses(t);
  ASSERT_EQ(l.size(), 5u);
  const bool dnn = t.method().brute_force;
  const double positives = dnn ? 1 : tree.max_level();
  const double rows = dnn ? 1 + o.negatives : tree.max_level() + t.options().negatives;
  EXPECT_EQ(t.options().negatives, 12u);
  EXPECT_LT(l.back(), 0.8 * l.front()) << testing::PrintToString(l);
  EXPECT_LT(l.back(), 0.85 * base_rate_entropy(positives, rows)) << testing::PrintToString(l);
}

INSTANTIATE_TEST_SUITE_P(Train, Methods,
                         ::testing::Values(std::pair<std::string, std::string>{"tdm", "dnn"},
                                           std::pair<std::string, std::string>{"jtm-hi", "dnn"},
                                           std::pair<std::string, std::string>{"jtm-h", "dnn"},
                                           std::pair<std::string, std::string>{"dnn", "dnn"},
                                           std::pair<std::string, std::string>{"tdm", "attention"}),
                         [](const auto& param_info) {
                           std::string n = param_info.param.first + "_" + param_info.param.second;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// A model trained by one uninterrupted run, for comparison with interrupted ones.
test::PlantedShape small_shape() {
  test::PlantedShape s;
  s.users = 30;
  s.records = 14;  // 30 users x 9 samples + 59 for the user "all": 329 samples
  return s;
}

struct Reference {
  Dataset data = test::planted_dataset(small_shape());
  Tree tree = test::category_tree(data);
  TrainOptions options = small_options("jtm-h");
  std::unique_ptr<Trainer> full;
  Reference() {
    options.embedding_dim = 4;
    options.negatives = 8;
    full = std::make_unique<Trainer>(data, tree, options);
    EXPECT_TRUE(full->run());
    EXPECT_EQ(full->batches_per_epoch(), 11u);  // 329 samples in batches of 32
  }
  // Expects `t` to hold exactly the reference's model and history.
  void expect_same(const Trainer& t) const {
    EXPECT_TRUE(same_parameters(t.model(), full->model()));
    EXPECT_EQ(losses(t), losses(*full));
    EXPECT_EQ(t.position().batches, full->position().batches);
  }
};

TEST(Trainer, SameSeedSameModelForAnyThreadCount) {
  const Reference ref;
  for (int threads : {3}) {  // 4 shards per batch: waves of 3 and 1 (2 threads: the resume test)
    TrainOptions o = ref.options;
    o.threads = threads;
    Trainer t(ref.data, ref.tree, o);
    EXPECT_TRUE(t.run());
    ref.expect_same(t);
  }
  TrainOptions other = ref.options;
  other.seed = 4;
  Trainer t(ref.data, ref.tree, other);
  t.run();
  EXPECT_FALSE(same_parameters(t.model(), ref.full->model()));
}

TEST(Trainer, StoppedAndResumedRunEndsWithTheSameModel) {
  const Reference ref;
  TempDir dir;
  // Stops mid-epoch, at the end of an epoch (11 batches), and in the second epoch.
  for (std::uint64_t stop : {5u, 11u, 15u}) {
    SCOPED_TRACE(stop);
    TrainOptions o = ref.options;
    o.checkpoint_path = dir.file(cat("run", stop, ".ckpt"));
    o.threads = 2;
    o.max_batches = stop;
    {
      Trainer first(ref.data, ref.tree, o);
      EXPECT_FALSE(first.run());
      ASSERT_TRUE(std::filesystem::exists(o.checkpoint_path));
    }
    o.max_batches = 0;
    o.threads = 1;  // the thread count may change between runs
    Trainer second(ref.data, ref.tree, o);
    // The checkpoint is read into the trainer's own arrays: no second model while resuming.
    const float* table = second.model().parameters().tables.at(0).values.data();
    const float* dense = second.model().parameters().dense.data();
    second.resume();
    EXPECT_EQ(second.model().parameters().tables.at(0).values.data(), table);
    EXPECT_EQ(second.model().parameters().dense.data(), dense);
    EXPECT_EQ(second.position().batches, stop);
    EXPECT_TRUE(second.run());
    ref.expect_same(second);
  }
}

TEST(Trainer, StopRequestedDuringARunCheckpointsAndResumesToTheSameModel) {
  const Reference ref;
  TempDir dir;
  TrainOptions o = ref.options;
  o.checkpoint_path = dir.file("run.ckpt");
  {
    Trainer first(ref.data, ref.tree, o);
    // What Ctrl-C in the Python module does: ask from the progress callback.
    first.on_progress([&](const TrainProgress&) {
      if (first.position().batches == 7) first.request_stop();
    });
    EXPECT_FALSE(first.run());
    EXPECT_EQ(first.position().batches, 7u);
    first.on_progress(nullptr);
    EXPECT_TRUE(first.run());  // the same trainer continues
    ref.expect_same(first);
  }
  Trainer second(ref.data, ref.tree, o);  // and so does a new one from the checkpoint of batch 7
  std::filesystem::remove(o.checkpoint_path);
  second.on_progress([&](const TrainProgress&) {
    if (second.position().batches == 7) second.request_stop();
  });
  EXPECT_FALSE(second.run());
  ASSERT_TRUE(std::filesystem::exists(o.checkpoint_path));
  Trainer third(ref.data, ref.tree, o);
  third.resume();
  EXPECT_EQ(third.position().batches, 7u);
  EXPECT_TRUE(third.run());
  ref.expect_same(third);
}

TEST(Trainer, EpochsWhoseListsAreMostlyThePopularListAreFlagged) {
  const Reference ref;
  for (const double overlap : {0.9, 0.5}) {
    TrainOptions o = ref.options;
    o.epochs = 2;
    o.popular_overlap_warning = 0.8;
    Trainer t(ref.data, ref.tree, o);
    t.on_validate([&](const PreferenceModel&, const HierarchicalPreference&) { return Validation{0.1, {}, overlap}; });
    std::vector<EpochSummary> seen;
    t.on_epoch_end([&](const EpochSummary& s) -> nlohmann::json {
      seen.push_back(s);
      return nullptr;
    });
    t.run();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].popular_overlap, overlap);
    EXPECT_EQ(seen[0].popularity_only, overlap > 0.8);
    EXPECT_EQ(t.history()[0]["valid_popular_overlap"], overlap);
  }
}

TEST(Trainer, RunKilledBetweenCheckpointsRedoesOnlyTheLostBatches) {
  const Reference ref;
  TempDir dir;
  TrainOptions o = ref.options;
  o.checkpoint_path = dir.file("run.ckpt");
  o.checkpoint_every = 4;
  {
    Trainer first(ref.data, ref.tree, o);
    // A crash after batch 10: the last checkpoint holds batch 8.
    first.on_progress([&](const TrainProgress&) {
      if (first.position().batches == 10) throw std::runtime_error("killed");
    });
    EXPECT_THROW(first.run(), std::runtime_error);
  }
  Trainer second(ref.data, ref.tree, o);
  second.resume();
  EXPECT_EQ(second.position().batches, 8u);
  EXPECT_EQ(second.position().next_batch, 8u);
  std::uint64_t reported = 0;
  second.on_progress([&](const TrainProgress& p) {
    ++reported;
    EXPECT_GT(p.samples_per_second, 0);
    EXPECT_EQ(p.epochs, 2u);
    EXPECT_EQ(p.epoch_samples, 329u);
    EXPECT_EQ(p.samples_left, (2 - p.epoch) * 329u - p.epoch_samples_done);
  });
  EXPECT_TRUE(second.run());
  EXPECT_EQ(reported, 22u - 8u);
  ref.expect_same(second);
}

TEST(Trainer, ResumeRefusesAForeignCheckpoint) {
  TempDir dir;
  const Dataset d = test::planted_dataset();
  const Tree tree = test::category_tree(d);
  TrainOptions o = small_options("tdm");
  o.checkpoint_path = dir.file("run.ckpt");
  o.max_batches = 2;
  Trainer(d, tree, o).run();
  o.max_batches = 0;
  const auto refused = [&](const Dataset& data, const Tree& t, const TrainOptions& opts) -> std::string {
    try {
      Trainer r(data, t, opts);
      r.resume();
    } catch (const Error& e) {
      return e.what();
    }
    return "accepted";
  };
  auto has = [](const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; };

  TrainOptions batch = o;
  batch.batch_size = 16;
  std::string e = refused(d, tree, batch);
  EXPECT_TRUE(has(e, "options.batch_size is 16 in this run but 32 in the checkpoint")) << e;
  EXPECT_TRUE(has(e, o.checkpoint_path)) << e;

  TrainOptions method = o;
  method.method = "jtm-h";
  e = refused(d, tree, method);
  EXPECT_TRUE(has(e, "options.method is \"jtm-h\" in this run but \"tdm\"")) << e;

  // The same items on other leaves: two items swap places.
  std::vector<Code> leaves(tree.leaves().begin(), tree.leaves().end());
  std::swap(leaves[0], leaves[9]);
  const Tree moved(leaves, tree.max_level(), tree.item_ids());
  e = refused(d, moved, o);
  EXPECT_TRUE(has(e, "tree.assignment_xxh3")) << e;

  test::PlantedShape shape;
  shape.seed = 6;  // other users, same items
  const Dataset other = test::planted_dataset(shape);
  e = refused(other, test::category_tree(other), o);
  EXPECT_TRUE(has(e, "dataset.")) << e;

  // The original options still resume.
  EXPECT_EQ(refused(d, tree, o), "accepted");
  TrainOptions missing = o;
  missing.checkpoint_path = dir.file("absent.ckpt");
  e = refused(d, tree, missing);
  EXPECT_TRUE(has(e, "absent.ckpt")) << e;
}

TEST(Trainer, FailedCheckpointWriteKeepsThePreviousOne) {
  const Reference ref;
  TempDir dir;
  TrainOptions o = ref.options;
  o.checkpoint_path = dir.file("run.ckpt");
  o.max_batches = 6;
  Trainer(ref.data, ref.tree, o).run();
  const std::string before = test::read_file(o.checkpoint_path);
  // The next write cannot create its temporary file (a directory holds the name).
  const std::string blocker = cat(o.checkpoint_path, ".tmp.", ::getpid());
  std::filesystem::create_directory(blocker);
  {
    Trainer t(ref.data, ref.tree, o);
    t.resume();
    try {
      t.run();
      FAIL() << "the checkpoint write should fail";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(o.checkpoint_path), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(test::read_file(o.checkpoint_path), before);
  std::filesystem::remove(blocker);
  o.max_batches = 0;
  Trainer t(ref.data, ref.tree, o);
  t.resume();
  EXPECT_EQ(t.position().batches, 6u);
  EXPECT_TRUE(t.run());
  ref.expect_same(t);
}

TEST(Trainer, SavesTheModelWithItsTrainingInfoAndDropsTheCheckpoint) {
  TempDir dir;
  const Dataset d = test::planted_dataset();
  const Tree tree = test::category_tree(d);
  TrainOptions o = small_options("dnn");
  o.checkpoint_path = dir.file("m.trm.ckpt");
  Trainer t(d, tree, o);
  int epochs_seen = 0;
  t.on_epoch_end([&](const EpochSummary& s) -> nlohmann::json {
    EXPECT_EQ(s.epoch, static_cast<std::uint32_t>(epochs_seen));
    EXPECT_EQ(s.samples, 719u);
    EXPECT_FLOAT_EQ(s.learning_rate, 3e-3f * std::pow(0.9f, static_cast<float>(epochs_seen)));
    ++epochs_seen;
    return {{"valid", {{"recall@200", 0.5}}}};
  });
  EXPECT_TRUE(t.run());
  EXPECT_EQ(epochs_seen, 2);
  EXPECT_TRUE(std::filesystem::exists(o.checkpoint_path));  // written after the last epoch
  t.save(dir.file("m.trm"), {{"dataset", "d.trd"}});
  EXPECT_FALSE(std::filesystem::exists(o.checkpoint_path));

  const TrainedModel m = load_trained_model(dir.file("m.trm"));
  EXPECT_TRUE(same_parameters(*m.model, t.model()));
  EXPECT_EQ(m.info.method, "dnn");
  EXPECT_EQ(m.info.tree_fingerprint, tree.fingerprint());
  EXPECT_EQ(m.info.tree_items, 64u);
  EXPECT_EQ(m.info.tree_levels, 6u);
  EXPECT_EQ(m.info.options.at("batch_size"), 32);
  EXPECT_EQ(m.info.options.at("negatives"), 12);
  EXPECT_EQ(m.info.options.at("dataset"), "d.trd");
  ASSERT_EQ(m.info.history.size(), 2u);
  EXPECT_EQ(m.info.history[1].at("epoch"), 2);
  EXPECT_EQ(m.info.history[1].at("valid").at("recall@200"), 0.5);
  EXPECT_EQ(m.model->config().representation, Representation::tdm);
  EXPECT_EQ(m.model->config().node_rows, tree.num_nodes());
}

TEST(Trainer, RecordsTheLevelNegativesItUses) {
  const Dataset d = test::planted_dataset();
  const Tree tree = test::category_tree(d);
  TrainOptions o = small_options("tdm");
  Trainer t(d, tree, o);
  EXPECT_EQ(t.options().layer_negatives, default_layer_negatives(tree, 12));
  o.layer_negatives = {1, 1, 1, 1, 1, 2};
  Trainer explicit_counts(d, tree, o);
  EXPECT_EQ(explicit_counts.options().negatives, 7u);
  o.layer_negatives = {1, 2};
  EXPECT_THROW(Trainer(d, tree, o), Error);
  TrainOptions dnn = small_options("dnn");
  dnn.layer_negatives = {1, 1, 1, 1, 1, 1};
  EXPECT_THROW(Trainer(d, tree, dnn), Error);
  dnn.layer_negatives.clear();
  dnn.negatives = 64;  // 63 other items
  EXPECT_THROW(Trainer(d, tree, dnn), Error);
}

}  // namespace
}  // namespace treerec
