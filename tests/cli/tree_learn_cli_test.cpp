// `treerec tree learn` and `treerec tree diff`: output formats and errors on a tiny dataset with
// random models, and the end-to-end check on generated data: trees learned from a JTM-H model,
// retrained and measured against the category tree and the planted groups.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "eval/eval_fixture.h"
#include "test_util.h"
#include "treerec/learn/tree_learner.h"
#include "treerec/model/model_file.h"
#include "treerec/util/interrupt.h"

namespace treerec {
namespace {

using test::run_cli;
using test::TempDir;

using test::contains;

struct Files {
  explicit Files(const TempDir& dir)
      : data(dir.file("d.trd")), tree(dir.file("t.tree")), jtm(dir.file("jtm.model")), dnn(dir.file("dnn.model")) {
    const Dataset d = test::tiny_dataset();
    d.save(data);
    build_category_tree(d.item_categories(), d.item_ids()).save(tree);
    test::save_random_model(jtm, "jtm-h", Tree::load(tree), 11);
    test::save_random_model(dnn, "dnn", Tree::load(tree), 12);
  }
  std::string data, tree, jtm, dnn;
};

TEST(TreeLearnCli, LearnWritesATreeAndAgreesWithTheLibrary) {
  TempDir dir;
  const Files f(dir);
  const std::string out = dir.file("learned.tree");
  const auto r = run_cli("tree learn " + f.data + " --model " + f.jtm + " --tree " + f.tree + " --out " + out +
                         " --gap 2 --json --threads 2");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "level  items moved     share\n")) << r.err;
  EXPECT_TRUE(contains(r.err, "gap 0->2: 1 subtrees")) << r.err;
  EXPECT_TRUE(contains(r.err, "objective (Σ log p̂ of the positives): old ")) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["gap"], 2);
  EXPECT_EQ(j["assign"], "exact");
  EXPECT_EQ(j["assign_candidates"], 16);
  EXPECT_EQ(j["method"], "jtm-h");
  EXPECT_GE(j["objective_new"].get<double>(), j["objective_old"].get<double>());  // never worse
  EXPECT_EQ(j["gaps"].size(), 3u);  // 0->2, 2->4, 4->5
  EXPECT_EQ(j["moved_per_level"].size(), 6u);

  // The same pass through the library gives the same tree and objectives.
  const Dataset d = Dataset::load(f.data);
  const Tree t = Tree::load(f.tree);
  const TrainedModel m = load_trained_model(f.jtm);
  TreeLearnOptions o;
  o.gap = 2;
  const HierarchicalPreference features(Representation::jtm_h, t);
  const TreeLearnResult lib = learn_tree(d, t, *m.model, features, o);
  const Tree learned = Tree::load(out);
  EXPECT_EQ(learned.builder(), lib.kept_old ? "category" : "learned");
  EXPECT_TRUE(learned.has_categories());  // though the input tree has none
  EXPECT_TRUE(std::equal(learned.leaves().begin(), learned.leaves().end(), lib.tree.leaves().begin()));
  EXPECT_DOUBLE_EQ(j["objective_old"].get<double>(), lib.objective_old);
  EXPECT_DOUBLE_EQ(j["objective_new"].get<double>(), lib.objective_new);

  // diff: moves per level, and with the model the objectives of both trees.
  const auto diff = run_cli("tree diff " + f.tree + " " + out + " --dataset " + f.data + " --model " + f.jtm + " --json");
  ASSERT_EQ(diff.status, 0) << diff.err;
  const auto dj = nlohmann::json::parse(diff.out);
  EXPECT_EQ(dj["moved_per_level"], j["moved_per_level"]);
  EXPECT_NEAR(dj["objective_old"].get<double>(), lib.objective_old, 1e-6 * std::abs(lib.objective_old));
  EXPECT_NEAR(dj["objective_new"].get<double>(), lib.objective_new, 1e-5 * std::abs(lib.objective_new));
  const auto table = run_cli("tree diff " + f.tree + " " + out);
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_TRUE(contains(table.out, "level  items moved     share\n    0            0     0.00%\n")) << table.out;
  EXPECT_FALSE(contains(table.out, "objective")) << table.out;
}

TEST(TreeLearnCli, ExactSolverAndThePapersPass) {
  TempDir dir;
  const Files f(dir);
  const auto r = run_cli("tree learn " + f.data + " --model " + f.jtm + " --tree " + f.tree + " --out " +
                         dir.file("x.tree") + " --gap 7 --assign exact --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["assign"], "exact");
  // One gap (d >= l_max): the old tree is a feasible assignment, so the optimum is no worse.
  EXPECT_GE(j["objective_learned"].get<double>(), j["objective_old"].get<double>() - 1e-6);
  // Greedy without lookahead and with --never-worse false returns what it learned, however it scores.
  const auto g = run_cli("tree learn " + f.data + " --model " + f.jtm + " --tree " + f.tree + " --out " +
                         dir.file("g.tree") + " --gap 2 --assign greedy --lookahead 0 --never-worse false --json");
  ASSERT_EQ(g.status, 0) << g.err;
  const auto gj = nlohmann::json::parse(g.out);
  EXPECT_EQ(gj["kept_old"], false);
  EXPECT_EQ(gj["objective_new"], gj["objective_learned"]);
}

// A pass stopped after its first gap leaves <out>.ckpt (made here through the library, as a
// signal would): the command refuses to start over it without --resume, and with --resume
// continues it to the tree of a pass never stopped, then removes the checkpoint.
TEST(TreeLearnCli, ResumeContinuesAStoppedPassToTheSameTree) {
  TempDir dir;
  const Files f(dir);
  const std::string flags = " --gap 2 --threads 1";
  const std::string whole = dir.file("whole.tree"), out = dir.file("learned.tree");
  ASSERT_EQ(run_cli("tree learn " + f.data + " --model " + f.jtm + " --tree " + f.tree + " --out " + whole + flags).status,
            0);
  {
    const Dataset data = Dataset::load(f.data);
    const Tree tree = Tree::load(f.tree);
    const TrainedModel trained = load_trained_model(f.jtm);
    const HierarchicalPreference features(trained.model->config().representation, tree);
    TreeLearnOptions o;
    o.gap = 2;
    o.checkpoint_path = out + ".ckpt";
    o.log = [](const std::string& line) {
      if (line.rfind("gap 0->2", 0) == 0) request_interrupt(SIGTERM);
    };
    EXPECT_THROW(learn_tree(data, tree, *trained.model, features, o), Interrupted);
    clear_interrupt();
  }
  ASSERT_TRUE(std::filesystem::exists(out + ".ckpt"));
  const std::string learn = "tree learn " + f.data + " --model " + f.jtm + " --tree " + f.tree + " --out " + out + flags;
  const auto refused = run_cli(learn);
  EXPECT_EQ(refused.status, 1);
  EXPECT_TRUE(contains(refused.err, "holds an interrupted tree-learning pass")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "pass --resume")) << refused.err;
  const auto resumed = run_cli(learn + " --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_TRUE(contains(resumed.err, "continuing the pass saved in " + out + ".ckpt")) << resumed.err;
  EXPECT_FALSE(contains(resumed.err, "gap 0->2")) << resumed.err;
  EXPECT_FALSE(std::filesystem::exists(out + ".ckpt"));
  EXPECT_EQ(test::read_file(whole), test::read_file(out));
}

TEST(TreeLearnCli, Errors) {
  TempDir dir;
  const Files f(dir);
  const auto dnn = run_cli("tree learn " + f.data + " --model " + f.dnn + " --tree " + f.tree + " --out " + dir.file("x.tree"));
  EXPECT_EQ(dnn.status, 1);
  EXPECT_TRUE(contains(dnn.err, "method dnn scores items without a tree")) << dnn.err;
  const auto gap = run_cli("tree learn " + f.data + " --model " + f.jtm + " --tree " + f.tree + " --out " +
                           dir.file("x.tree") + " --gap 0");
  EXPECT_NE(gap.status, 0);
  EXPECT_TRUE(contains(gap.err, "--gap")) << gap.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.tree")));

  // A tree of another dataset.
  const Dataset other = test::tiny_dataset(14, 20);
  build_category_tree(other.item_categories(), other.item_ids()).save(dir.file("other.tree"));
  const auto diff = run_cli("tree diff " + f.tree + " " + dir.file("other.tree"));
  EXPECT_EQ(diff.status, 1);
  EXPECT_TRUE(contains(diff.err, "hold different items")) << diff.err;
  const auto half = run_cli("tree diff " + f.tree + " " + f.tree + " --dataset " + f.data);
  EXPECT_NE(half.status, 0);
}

// Share of pairs of items under one node of `level` that share a planted interest node.
double purity(const Tree& tree, std::uint32_t level, const std::map<std::string, std::string>& interest) {
  std::map<Code, std::map<std::string, std::uint64_t>> nodes;
  for (std::uint32_t c = 0; c < tree.num_items(); ++c)
    ++nodes[tree.ancestor(c, level)][interest.at(std::string(tree.item_id(c)))];
  double same = 0, pairs = 0;
  for (const auto& [code, counts] : nodes) {
    std::uint64_t n = 0;
    for (const auto& [group, k] : counts) {
      n += k;
      same += static_cast<double>(k * (k - 1) / 2);
    }
    pairs += static_cast<double>(n * (n - 1) / 2);
  }
  return same / pairs;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// generate (categories agree with the planted hierarchy for 5% of items) -> prepare -> tree init
// -> train JTM-H -> tree learn -> train again on the learned tree, with the default pass (never
// worse under the model that learned it) and with the paper's (no lookahead, any result kept).
// The default pass never lowers the objective and does not lower test recall@200; the paper's
// pass scores far below the category tree under the old model, yet after retraining it beats
// the category tree and its learned nodes group items of one planted interest more often
// (chance: about 1/8). About 40 s in release on two quiet cores (four trainings); skipped under
// the sanitizers. docs/TREE_LEARNING.md quotes the printed figures.
TEST(TreeLearnCli, LearnedTreesAfterRetraining) {
  if (kSanitized) GTEST_SKIP() << "four trainings: too slow under AddressSanitizer";
  TempDir dir;
  const std::string log = dir.file("log.csv"), truth = dir.file("truth.tsv"), data = dir.file("d.trd"),
                    cat_tree = dir.file("cat.tree"), m0 = dir.file("m0.model");
  auto ok = [](const test::CliResult& r) {
    EXPECT_EQ(r.status, 0) << r.err;
    return r.status == 0;
  };
  ASSERT_TRUE(ok(run_cli("generate --out " + log + " --items 2048 --users 1000 --records 24000 --categories 64 "
                         "--category-agreement 0.05 --seed 3 --truth " + truth)));
  ASSERT_TRUE(ok(run_cli("prepare --input " + log + " --out " + data + " --valid-users 150 --test-users 150")));
  ASSERT_TRUE(ok(run_cli("tree init " + data + " --out " + cat_tree)));
  const std::string train = " --method jtm-h --epochs 5 --negatives 12 --learning-rate 0.005 --lr-decay 1 --valid-users 0 --threads 2";
  ASSERT_TRUE(ok(run_cli("train " + data + " --tree " + cat_tree + " --out " + m0 + train)));
  const auto recall = [&](const std::string& model, const std::string& tree) {
    const auto r = run_cli("evaluate " + data + " --model " + model + " --tree " + tree + " --split test --json");
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(r.out)["recall@200"].get<double>();
  };
  std::map<std::string, std::string> interest;
  std::istringstream lines(test::read_file(truth));
  std::string line;
  std::getline(lines, line);  // header: item leaf_group code interest_node category home_category
  while (std::getline(lines, line)) {
    std::istringstream f(line);
    std::string item, group, code, node;
    f >> item >> group >> code >> node;
    interest[item] = node;
  }
  const Tree c = Tree::load(cat_tree);
  const std::uint32_t level = c.max_level() - 5;  // nodes of 32 leaves, a planted group's size
  const double before = recall(m0, cat_tree), p_cat = purity(c, level, interest);

  struct Pass {
    std::string name, flags;
    double objective_old = 0, objective_new = 0, recall = 0, purity = 0;
  };
  std::vector<Pass> passes = {{"default", ""}, {"paper", " --lookahead 0 --never-worse false"}};
  for (Pass& p : passes) {
    const std::string learned = dir.file(p.name + ".tree"), m1 = dir.file(p.name + ".model");
    const auto learn = run_cli("tree learn " + data + " --model " + m0 + " --tree " + cat_tree + " --out " + learned +
                               " --threads 2 --json" + p.flags);
    ASSERT_TRUE(ok(learn));
    const auto j = nlohmann::json::parse(learn.out);
    p.objective_old = j["objective_old"].get<double>();
    p.objective_new = j["objective_new"].get<double>();
    ASSERT_TRUE(ok(run_cli("train " + data + " --tree " + learned + " --out " + m1 + train)));
    p.recall = recall(m1, learned);
    p.purity = purity(Tree::load(learned), level, interest);
    std::printf("%s pass: objective %.6g -> %.6g; recall@200 %.4f -> %.4f; interest purity at level %u %.3f -> %.3f\n",
                p.name.c_str(), p.objective_old, p.objective_new, before, p.recall, level, p_cat, p.purity);
  }
  EXPECT_GE(passes[0].objective_new, passes[0].objective_old);
  EXPECT_GT(passes[0].recall, before - 0.005);
  EXPECT_LT(passes[1].objective_new, passes[1].objective_old);  // worse under the old model ...
  EXPECT_GT(passes[1].recall, before + 0.03);                   // ... better once retrained
  EXPECT_GT(passes[1].purity, p_cat + 0.05);
}

}  // namespace
}  // namespace treerec
