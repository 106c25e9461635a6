// itemcf, youtube and hsm as experiment methods (experiment/method.h): registered with their
// settings, each returns one list per user, and a second run reuses the finished model.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"
#include "train/synthetic.h"
#include "treerec/eval/evaluate.h"
#include "treerec/experiment/method.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

TEST(BaselineMethods, RunAndResumeFromTheirWorkFolder) {
  const Dataset d = test::planted_with_validation();
  const Tree tree = test::category_tree(d);
  const auto users = d.users(Split::valid);
  test::TempDir dir;
  for (const char* name : {"itemcf", "youtube", "hsm"}) {
    const ExperimentMethod& m = experiment_method(name);
    nlohmann::json config = nlohmann::json::object();
    if (std::string(name) != "itemcf") config = {{"epochs", 1}, {"embedding_dim", 4}};
    if (std::string(name) == "youtube") config["negatives"] = 10;
    const std::string work = dir.file(name);
    std::vector<std::string> logged;
    MethodContext ctx{d, tree, method_settings(m, config), users, Split::valid, 10, 1, 1, work,
                      [&](const std::string& line) { logged.push_back(line); }, users.first(3), {}};
    const MethodOutcome first = m.run(ctx);
    ASSERT_EQ(first.lists.size(), users.size()) << name;
    EXPECT_LE(first.lists.items_of(0).size(), 10u) << name;
    EXPECT_TRUE(std::filesystem::exists(work + "/" + name + ".model")) << name;
    const MethodOutcome again = m.run(ctx);
    EXPECT_EQ(again.lists.items, first.lists.items) << name;
    ASSERT_FALSE(logged.empty()) << name;
    EXPECT_NE(logged.back().find("reusing"), std::string::npos) << name << ": " << logged.back();
    if (std::string(name) == "itemcf") {
      EXPECT_TRUE(first.history.empty());
    } else {
      ASSERT_EQ(first.history.size(), 1u) << name;
      EXPECT_TRUE(first.history[0].contains("valid")) << first.history.dump();
      EXPECT_EQ(again.history, first.history) << name;
    }
    if (std::string(name) == "youtube") {
      const double recall = first.extra.at("hnsw_recall").get<double>();
      EXPECT_GT(recall, 0.5);
      EXPECT_LE(recall, 1.0);
    }
  }
  EXPECT_THROW(method_settings(experiment_method("itemcf"), {{"neighbours", "many"}}), Error);
}

}  // namespace
}  // namespace treerec
