// jtm and tdm-kmeans as experiment methods: registered with their settings, they run the joint
// loop in the work folder, reuse it when run again, and return one list per user.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"
#include "train/synthetic.h"
#include "treerec/experiment/method.h"
#include "treerec/eval/evaluate.h"

namespace treerec {
namespace {

TEST(JointMethods, RegisteredWithSettings) {
  const ExperimentMethod& jtm = experiment_method("jtm");
  const nlohmann::json s = method_settings(jtm, {{"rounds", 2}, {"gap", 3}});
  EXPECT_EQ(s.at("rounds"), 2);
  EXPECT_EQ(s.at("gap"), 3);
  EXPECT_EQ(s.at("assign"), "exact");
  EXPECT_EQ(s.at("epochs"), 30);  // per round, a maximum
  EXPECT_EQ(s.at("patience"), 3);
  const ExperimentMethod& km = experiment_method("tdm-kmeans");
  EXPECT_TRUE(method_settings(km, nullptr).contains("kmeans_iterations"));
  EXPECT_THROW(method_settings(km, {{"gap", 3}}), Error);
}

TEST(JointMethods, TdmKMeansRunsAndReusesItsFolder) {
  test::PlantedShape shape;
  shape.users = 40;
  shape.records = 14;
  shape.valid_fraction = 0.2;
  const Dataset d = test::planted_dataset(shape);
  const Tree tree = test::category_tree(d);
  const test::TempDir dir;
  const ExperimentMethod& m = experiment_method("tdm-kmeans");
  const auto users = d.users(Split::valid);
  MethodContext ctx{.dataset = d,
                    .initial_tree = tree,
                    .settings = method_settings(m, {{"rounds", 2}, {"embedding_dim", 4}, {"negatives", 10},
                                                    {"batch_size", 32}, {"kmeans_iterations", 3}, {"epochs", 1}}),
                    .users = users,
                    .split = Split::valid,
                    .top = 20,
                    .seed = 2,
                    .threads = 1,
                    .work_dir = dir.path().string(),
                    .log = {},
                    .valid_users = users,
                    .result_of = {}};
  const MethodOutcome a = m.run(ctx);
  ASSERT_EQ(a.lists.size(), users.size());
  for (std::size_t q = 0; q < a.lists.size(); ++q) EXPECT_EQ(a.lists.items_of(q).size(), 20u);
  EXPECT_EQ(a.rounds.size(), 2u);
  EXPECT_EQ(a.history.size(), 2u);
  EXPECT_EQ(a.history[1].at("round"), 2);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "best.model"));
  const MethodOutcome b = m.run(ctx);  // reuses the finished rounds
  EXPECT_EQ(a.lists.items, b.lists.items);
  EXPECT_EQ(a.rounds, b.rounds);
}

}  // namespace
}  // namespace treerec
