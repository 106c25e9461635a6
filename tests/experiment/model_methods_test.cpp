// tdm, jtm-hi, jtm-h and dnn as experiment methods: a killed training resumes from its
// checkpoint to the same model an uninterrupted run gives, and a finished model is reused.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"
#include "treerec/data/behavior_log.h"
#include "treerec/data/dataset.h"
#include "treerec/data/generator.h"
#include "treerec/experiment/method.h"
#include "treerec/train/trainer.h"
#include "treerec/tree/tree.h"

namespace treerec {
namespace {

Dataset small_dataset(const test::TempDir& dir) {
  GeneratorOptions g;
  g.items = 200;
  g.users = 80;
  g.records = 1600;
  g.seed = 5;
  generate_behavior_log(g, dir.file("log.csv"));
  ReadOptions r;
  r.input = dir.file("log.csv");
  PrepareOptions p;
  p.valid_users = UserCount{5};
  p.test_users = UserCount{10};
  return Dataset::build(read_behavior_log(r), p);
}

struct MethodRun {
  MethodOutcome outcome;
  std::vector<std::string> log;
};

MethodRun run_method(const std::string& name, const Dataset& d, const Tree& tree, const std::string& work,
               const nlohmann::json& settings) {
  MethodRun r;
  const ExperimentMethod& m = experiment_method(name);
  MethodContext ctx{.dataset = d,
                    .initial_tree = tree,
                    .settings = method_settings(m, settings),
                    .users = d.users(Split::test),
                    .split = Split::test,
                    .top = 20,
                    .seed = 3,
                    .threads = 2,
                    .work_dir = work,
                    .log = [&r](const std::string& s) { r.log.push_back(s); },
                    .valid_users = d.users(Split::valid),
                    .result_of = {}};
  r.outcome = m.run(ctx);
  return r;
}

bool logged(const MethodRun& r, const std::string& text) {
  for (const auto& l : r.log)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

TEST(ModelMethods, ResumeAndReuseGiveTheUninterruptedModel) {
  test::TempDir dir;
  const Dataset d = small_dataset(dir);
  const Tree tree = build_category_tree(d.item_categories(), d.item_ids());
  const nlohmann::json settings = {{"epochs", 1}, {"batch_size", 64}, {"negatives", 10}, {"embedding_dim", 8}, {"beam", 20}};

  const MethodRun whole = run_method("jtm-h", d, tree, dir.file("whole"), settings);
  ASSERT_EQ(whole.outcome.lists.size(), d.users(Split::test).size());
  EXPECT_EQ(whole.outcome.lists.items_of(0).size(), 20u);
  ASSERT_EQ(whole.outcome.history.size(), 1u);
  EXPECT_TRUE(whole.outcome.history[0].contains("valid"));  // validation after the epoch
  EXPECT_EQ(whole.outcome.extra["retrieval"], "beam search");

  // A run killed after 2 batches leaves a checkpoint (the same options the method uses).
  TrainOptions o;
  o.method = "jtm-h";
  o.embedding_dim = 8;
  o.epochs = 1;
  o.batch_size = 64;
  o.negatives = 10;
  o.seed = 3;
  o.threads = 2;
  o.max_batches = 2;
  std::filesystem::create_directories(dir.file("killed"));
  o.checkpoint_path = dir.file("killed/model.trm.ckpt");
  Trainer t(d, tree, o);
  ASSERT_FALSE(t.run());
  ASSERT_TRUE(std::filesystem::exists(o.checkpoint_path));

  const MethodRun resumed = run_method("jtm-h", d, tree, dir.file("killed"), settings);
  EXPECT_TRUE(logged(resumed, "resuming")) << resumed.log.size();
  EXPECT_EQ(resumed.outcome.lists.items, whole.outcome.lists.items);
  EXPECT_EQ(resumed.outcome.lists.scores, whole.outcome.lists.scores);
  EXPECT_FALSE(std::filesystem::exists(o.checkpoint_path));

  const MethodRun reused = run_method("jtm-h", d, tree, dir.file("killed"), settings);
  EXPECT_TRUE(logged(reused, "reusing the trained model"));
  EXPECT_EQ(reused.outcome.extra["reused_model"], true);
  EXPECT_EQ(reused.outcome.lists.items, whole.outcome.lists.items);
  EXPECT_EQ(reused.outcome.history, resumed.outcome.history);

  // Other settings: trained again, not reused.
  nlohmann::json other = settings;
  other["max_batches"] = 1;
  const MethodRun retrained = run_method("jtm-h", d, tree, dir.file("killed"), other);
  EXPECT_TRUE(logged(retrained, "trained with other settings"));
  EXPECT_EQ(retrained.outcome.extra["reused_model"], false);
}

TEST(ModelMethods, DnnScoresEveryItemAndEveryMethodIsRegistered) {
  test::TempDir dir;
  const Dataset d = small_dataset(dir);
  const Tree tree = build_category_tree(d.item_categories(), d.item_ids());
  const MethodRun dnn = run_method("dnn", d, tree, dir.file("dnn"),
                                   nlohmann::json{{"epochs", 1}, {"batch_size", 16}, {"negatives", 10}, {"embedding_dim", 8}, {"max_batches", 3}});
  EXPECT_EQ(dnn.outcome.extra["retrieval"], "brute force");
  EXPECT_EQ(dnn.outcome.extra["scores_per_user"], static_cast<double>(d.num_items()));
  ASSERT_EQ(dnn.outcome.history.size(), 1u);
  EXPECT_EQ(dnn.outcome.history[0]["partial"], true);
  EXPECT_EQ(dnn.outcome.history[0]["batches"], 3);
  for (const char* name : {"tdm", "jtm-hi", "jtm-h", "dnn"}) {
    const ExperimentMethod& m = experiment_method(name);
    EXPECT_FALSE(m.method.help.empty());
    EXPECT_EQ(method_settings(m, nullptr)["epochs"], 30);
    EXPECT_EQ(method_settings(m, nullptr)["patience"], 3);
  }
  EXPECT_FALSE(experiment_method("tdm").params.empty());
  EXPECT_THROW(method_settings(experiment_method("dnn"), nlohmann::json{{"beam", 10}}), Error);  // no beam search for dnn
}

}  // namespace
}  // namespace treerec
