// JTM tree learning (ALGORITHMS §7) on tiny datasets with random models: the exact solver finds the
// brute-force optimum over all assignments, the objectives agree with tree_objective, the
// result does not depend on the thread count, and bad inputs give clear errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <limits>
#include <numeric>

#include "eval/eval_fixture.h"
#include "test_util.h"
#include "treerec/learn/learn_checkpoint.h"
#include "treerec/learn/sample_scorer.h"
#include "treerec/learn/tree_learner.h"
#include "treerec/util/error.h"
#include "treerec/util/interrupt.h"

namespace treerec {
namespace {

struct LearnSetup {
  LearnSetup(std::uint32_t items, Representation rep, std::uint64_t seed = 5)
      : data(test::tiny_dataset(14, items)),
        tree(build_category_tree(data.item_categories(), data.item_ids())),
        model(PreferenceModel::create(test::model_config("dnn", rep, tree), seed)),
        features(rep, tree) {}
  Dataset data;
  Tree tree;
  std::unique_ptr<PreferenceModel> model;
  HierarchicalPreference features;

  double objective(const Tree& t) const { return tree_objective(data, tree, *model, features, t); }
};

double rel(double a, double b) { return std::abs(a - b) / std::max(1.0, std::abs(b)); }

TEST(TreeLearner, TargetSamplesListEveryTrainingSampleOnce) {
  const Dataset d = test::tiny_dataset();
  const TargetSamples all(d, 0, 1);
  ASSERT_EQ(all.total(), d.num_train_samples());
  std::uint64_t seen = 0;
  for (std::uint32_t c = 0; c < d.num_items(); ++c)
    for (const Sample& s : all.of(c)) {
      EXPECT_EQ(d.target(s), c);
      ++seen;
    }
  EXPECT_EQ(seen, d.num_train_samples());
  // A cap keeps min(count, cap) per item, a subset, the same for the same seed.
  const TargetSamples capped(d, 2, 7), again(d, 2, 7);
  for (std::uint32_t c = 0; c < d.num_items(); ++c) {
    EXPECT_EQ(capped.of(c).size(), std::min<std::size_t>(2, all.of(c).size()));
    for (std::size_t i = 0; i < capped.of(c).size(); ++i) {
      EXPECT_EQ(d.target(capped.of(c)[i]), c);
      EXPECT_EQ(capped.of(c)[i].user, again.of(c)[i].user);
      EXPECT_EQ(capped.of(c)[i].position, again.of(c)[i].position);
    }
  }
}

// All assignments of `items` items to the 2^l_max leaves of a tree of their dataset.
std::vector<Tree> every_tree(const Tree& like) {
  const std::uint32_t n = like.num_items(), L = like.max_level();
  const Code first = level_first_code(L), leaves = Code{1} << L;
  std::vector<Tree> out;
  std::vector<Code> leaf(n);
  std::vector<char> used(leaves, 0);
  std::function<void(std::uint32_t)> go = [&](std::uint32_t c) {
    if (c == n) {
      out.emplace_back(leaf, L, like.item_ids());
      return;
    }
    for (Code k = 0; k < leaves; ++k) {
      if (used[k]) continue;
      used[k] = 1;
      leaf[c] = first + k;
      go(c + 1);
      used[k] = 0;
    }
  };
  go(0);
  return out;
}

class ExactBruteForce : public ::testing::TestWithParam<std::tuple<std::uint32_t, Representation>> {};

// With d = l_max there is one gap and the exact solver maximises Σ_c W(c, π(c)) over all
// injective assignments: the learned tree's objective is the largest tree_objective of every
// tree. 3 items leave a leaf empty (scored with the zero embedding).
TEST_P(ExactBruteForce, LearnedTreeIsTheOptimum) {
  const auto [items, rep] = GetParam();
  const LearnSetup s(items, rep);
  ASSERT_EQ(s.tree.max_level(), 2u);
  TreeLearnOptions o;
  o.gap = 2;
  o.assign = AssignMethod::exact;
  const TreeLearnResult r = learn_tree(s.data, s.tree, *s.model, s.features, o);
  double best = -std::numeric_limits<double>::infinity();
  const auto trees = every_tree(s.tree);
  ASSERT_EQ(trees.size(), 24u);
  for (const Tree& t : trees) best = std::max(best, s.objective(t));
  EXPECT_NEAR(s.objective(r.tree), best, 1e-4 * std::abs(best));
  EXPECT_NEAR(r.objective_new, best, 1e-4 * std::abs(best));
  EXPECT_NEAR(r.objective_old, s.objective(s.tree), 1e-6 * std::abs(best));
  EXPECT_GE(r.objective_new, r.objective_old - 1e-6 * std::abs(best));  // π_old is feasible
  EXPECT_LT(r.objective_new, 0.0);
}

INSTANTIATE_TEST_SUITE_P(Items, ExactBruteForce,
                         ::testing::Combine(::testing::Values(3u, 4u),
                                            ::testing::Values(Representation::jtm_h, Representation::tdm)));

// The objectives learn_tree reports are tree_objective of the old and the new tree, for every
// representation and gaps that do and do not divide l_max.
TEST(TreeLearner, ObjectivesAgreeWithTreeObjective) {
  const std::pair<Representation, std::uint32_t> cases[] = {
      {Representation::jtm_h, 1}, {Representation::jtm_h, 2}, {Representation::jtm_h, 7},
      {Representation::jtm_hi, 2}, {Representation::tdm, 2}};
  for (const auto& [rep, gap] : cases) {
    const LearnSetup s(24, rep);
    ASSERT_EQ(s.tree.max_level(), 5u);
    TreeLearnOptions o;
    o.gap = gap;
    const TreeLearnResult r = learn_tree(s.data, s.tree, *s.model, s.features, o);
    SCOPED_TRACE(cat(representation_name(rep), " gap ", gap));
    EXPECT_LT(rel(r.objective_old, s.objective(s.tree)), 1e-6);  // batch layouts differ: float rounding
    EXPECT_LT(rel(r.objective_new, s.objective(r.tree)), 1e-5);
    EXPECT_GE(r.objective_new, r.objective_old);  // never worse (ALGORITHMS §7.6)
    EXPECT_EQ(r.kept_old, r.objective_learned < r.objective_old);
    EXPECT_EQ(r.tree.builder(), r.kept_old ? s.tree.builder() : "learned");
    EXPECT_EQ(r.tree.max_level(), s.tree.max_level());
    EXPECT_EQ(r.moved_per_level, moved_per_level(s.tree, r.tree));
    EXPECT_EQ(r.moved_per_level.size(), 6u);
    EXPECT_EQ(r.moved_per_level[0], 0u);
    EXPECT_EQ(r.samples, s.data.num_train_samples());
    // One gap from the root (d >= l_max = 5): each sample scores every non-empty node of levels
    // 1..4 once (2 + 4 + 8 + 16) and the leaf level only by the item's own leaf row (ALGORITHMS §7.1).
    if (gap >= 5) {
      EXPECT_EQ(r.node_scores, 31 * r.samples);
    }
    EXPECT_GT(r.node_scores, 0u);
  }
}

// Each gap reports W of π_old and of its assignment over the levels it places (without the
// lookahead's bonus); the gaps cover every level once, so they add up to the whole trees' scores.
// Items without training samples (weights all zero) sit between sampled ones across several
// gaps: a row's lookahead bonus from the previous gap must not stay with the next item there.
TEST(TreeLearner, GapObjectivesAddUpToTheTrees) {
  const LearnSetup s(40, Representation::jtm_h);
  const TargetSamples targets(s.data, 0, 1);
  std::uint32_t unsampled = 0;
  for (std::uint32_t c = 0; c < s.data.num_items(); ++c) unsampled += targets.of(c).empty();
  ASSERT_GT(unsampled, 0u) << "the fixture must have items without samples";
  for (const std::uint32_t gap : {1u, 2u, 3u}) {
    TreeLearnOptions o;
    o.gap = gap;
    o.never_worse = false;
    const TreeLearnResult r = learn_tree(s.data, s.tree, *s.model, s.features, o);
    SCOPED_TRACE(cat("gap ", gap));
    double old_sum = 0, new_sum = 0;
    for (const GapStats& g : r.gaps) {
      old_sum += g.objective_old;
      new_sum += g.objective_new;
    }
    EXPECT_LT(rel(old_sum, r.objective_old), 1e-9);
    EXPECT_LT(rel(new_sum, r.objective_learned), 1e-5);
  }
}

TEST(TreeLearner, ExactNeverLosesToGreedyWithOneGap) {
  const LearnSetup s(24, Representation::jtm_h);
  TreeLearnOptions o;
  o.gap = 5;  // d = l_max
  const auto greedy = learn_tree(s.data, s.tree, *s.model, s.features, o);
  o.assign = AssignMethod::exact;
  const auto exact = learn_tree(s.data, s.tree, *s.model, s.features, o);
  EXPECT_GE(exact.objective_new, greedy.objective_new - 1e-6 * std::abs(greedy.objective_new));
  EXPECT_GE(exact.objective_new, exact.objective_old - 1e-6 * std::abs(exact.objective_old));
}

TEST(TreeLearner, ResultDoesNotDependOnThreads) {
  const LearnSetup s(24, Representation::jtm_h);
  TreeLearnOptions o;
  o.gap = 2;
  o.max_samples_per_item = 3;
  o.threads = 1;
  const auto one = learn_tree(s.data, s.tree, *s.model, s.features, o);
  o.threads = 3;
  const auto three = learn_tree(s.data, s.tree, *s.model, s.features, o);
  EXPECT_TRUE(std::equal(one.tree.leaves().begin(), one.tree.leaves().end(), three.tree.leaves().begin()));
  EXPECT_EQ(one.objective_old, three.objective_old);
  EXPECT_EQ(one.objective_new, three.objective_new);
  EXPECT_EQ(one.node_scores, three.node_scores);
  EXPECT_EQ(tree_objective(s.data, s.tree, *s.model, s.features, one.tree, 3, 1, 1),
            tree_objective(s.data, s.tree, *s.model, s.features, one.tree, 3, 1, 4));
}

TEST(TreeLearner, LogsOneLinePerGap) {
  const LearnSetup s(24, Representation::jtm_h);
  TreeLearnOptions o;
  o.gap = 2;
  std::vector<std::string> lines;
  o.log = [&](const std::string& line) { lines.push_back(line); };
  learn_tree(s.data, s.tree, *s.model, s.features, o);
  ASSERT_EQ(lines.size(), 4u);  // the header, then gaps 0->2, 2->4, 4->5
  EXPECT_NE(lines[1].find("gap 0->2: 1 subtrees, 4 candidates each (capacity 8)"), std::string::npos) << lines[1];
  EXPECT_NE(lines[3].find("gap 4->5:"), std::string::npos) << lines[3];
}

// A pass stopped after any of its gaps (a signal; util/interrupt.h) leaves a checkpoint, and a
// pass given the same checkpoint path continues from it to the tree and statistics of a pass
// never stopped. A checkpoint of other options or a damaged one is refused.
TEST(TreeLearner, StoppedAfterAGapContinuesFromItsCheckpointToTheSameTree) {
  const LearnSetup s(24, Representation::jtm_h);
  test::TempDir dir;
  TreeLearnOptions o;
  o.gap = 2;  // gaps 0->2, 2->4, 4->5
  o.max_samples_per_item = 3;
  const TreeLearnResult whole = learn_tree(s.data, s.tree, *s.model, s.features, o);
  ASSERT_GT(whole.moved_per_level.back(), 0u);
  o.checkpoint_path = dir.file("learn.ckpt");
  for (int stop_after : {1, 2, 3}) {
    SCOPED_TRACE(stop_after);
    std::filesystem::remove(o.checkpoint_path);
    int gaps = 0;
    o.log = [&](const std::string& line) {
      if (line.rfind("gap ", 0) == 0 && ++gaps == stop_after) request_interrupt(SIGTERM);
    };
    try {
      learn_tree(s.data, s.tree, *s.model, s.features, o);
      ADD_FAILURE() << "the pass did not stop";
    } catch (const Interrupted& e) {
      EXPECT_NE(std::string(e.what()).find("stopped by SIGTERM after tree learning's gap"), std::string::npos) << e.what();
    }
    clear_interrupt();
    ASSERT_TRUE(std::filesystem::exists(o.checkpoint_path));
    std::vector<std::string> lines;
    o.log = [&](const std::string& line) { lines.push_back(line); };
    const TreeLearnResult cont = learn_tree(s.data, s.tree, *s.model, s.features, o);
    ASSERT_GE(lines.size(), 2u);
    EXPECT_NE(lines[1].find("continuing the pass saved in"), std::string::npos) << lines[1];
    EXPECT_EQ(lines.size(), 2u + (3 - stop_after));  // header, continuing, the gaps left
    EXPECT_TRUE(std::equal(whole.tree.leaves().begin(), whole.tree.leaves().end(), cont.tree.leaves().begin()));
    EXPECT_EQ(whole.objective_old, cont.objective_old);
    EXPECT_EQ(whole.objective_learned, cont.objective_learned);
    EXPECT_EQ(whole.objective_new, cont.objective_new);
    EXPECT_EQ(whole.node_scores, cont.node_scores);
    EXPECT_EQ(whole.groups, cont.groups);
    EXPECT_EQ(whole.moved_per_level, cont.moved_per_level);
    ASSERT_EQ(whole.gaps.size(), cont.gaps.size());
    for (std::size_t g = 0; g < whole.gaps.size(); ++g) {
      EXPECT_EQ(whole.gaps[g].objective_old, cont.gaps[g].objective_old);
      EXPECT_EQ(whole.gaps[g].objective_new, cont.gaps[g].objective_new);
      EXPECT_EQ(whole.gaps[g].moved, cont.gaps[g].moved);
    }
  }
  o.log = nullptr;
  TreeLearnOptions other = o;
  other.seed = 2;
  try {
    learn_tree(s.data, s.tree, *s.model, s.features, other);
    ADD_FAILURE() << "a checkpoint of another seed was continued";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("options.seed is 2 in this one but 1 in the checkpoint"), std::string::npos)
        << e.what();
  }
  LearnCheckpoint bad;
  bad.next_level = 2;
  bad.gaps = {GapStats{.from = 0, .to = 2}};
  bad.assignment.assign(s.tree.num_items(), 3);  // a level-2 node, but 24 items where 8 fit
  save_learn_checkpoint(o.checkpoint_path, learn_identity(s.data, s.tree, *s.model, o), bad);
  try {
    learn_tree(s.data, s.tree, *s.model, s.features, o);
    ADD_FAILURE() << "an over-full node was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("damaged tree-learning checkpoint: node 3"), std::string::npos) << e.what();
  }
  bad.assignment.assign(s.tree.num_items(), 1);  // a level-1 node
  save_learn_checkpoint(o.checkpoint_path, learn_identity(s.data, s.tree, *s.model, o), bad);
  EXPECT_THROW(learn_tree(s.data, s.tree, *s.model, s.features, o), Error);
}

TEST(TreeLearner, RejectsBadInputs) {
  const LearnSetup s(24, Representation::jtm_h);
  TreeLearnOptions o;
  o.gap = 0;
  try {
    learn_tree(s.data, s.tree, *s.model, s.features, o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--gap 0 is out of range"), std::string::npos) << e.what();
  }
  o.gap = 7;
  const HierarchicalPreference tdm(Representation::tdm, s.tree);
  try {
    learn_tree(s.data, s.tree, *s.model, tdm, o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("features use tdm but the model was trained with jtm-h"), std::string::npos)
        << e.what();
  }
  const Dataset other = test::tiny_dataset(14, 20);
  EXPECT_THROW(learn_tree(other, s.tree, *s.model, s.features, o), Error);
}

}  // namespace
}  // namespace treerec
