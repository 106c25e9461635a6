// End to end on every real log under ../shared/data: prepare, stats and tree init through the
// CLI, checking the counts each SOURCE.txt states and the files the commands leave.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.h"
#include "treerec/data/dataset.h"
#include "treerec/tree/tree.h"

namespace treerec {
namespace {

using test::run_cli;

struct Case {
  const char* name;
  std::string prepare_args;  // after --input
  std::uint64_t records_read;
  std::uint32_t items_read;  // distinct items in the whole log (before filtering)
};

nlohmann::json prepare_stats_tree(const test::TempDir& dir, const std::string& args) {
  const std::string data = dir.file("d.trd"), tree = dir.file("t.tree");
  auto r = run_cli("prepare --input " + args + " --out " + data + " --split-seed 3");
  EXPECT_EQ(r.status, 0) << r.err;
  r = run_cli("stats " + data + " --json");
  EXPECT_EQ(r.status, 0) << r.err;
  const auto stats = nlohmann::json::parse(r.out);
  r = run_cli("tree init " + data + " --out " + tree);
  EXPECT_EQ(r.status, 0) << r.err;
  const Dataset dataset = Dataset::load(data);
  const Tree t = Tree::load(tree);
  EXPECT_EQ(t.num_items(), dataset.num_items());
  EXPECT_EQ(t.max_level(), max_level_for(dataset.num_items()));
  t.check_items(dataset.item_ids(), data);
  r = run_cli("tree show " + tree + " --json");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["items"], dataset.num_items());
  return stats;
}

TEST(SharedDataPipeline, CiaoMatchesItsPublishedCounts) {
  TREEREC_REQUIRE_SHARED_DATA(root);
  test::TempDir dir;
  const auto stats = prepare_stats_tree(
      dir, root + "/ciao/ciao_ratings.csv --format csv --user-col user_id --item-col item_id "
                  "--category-col category_id --time-col timestamp");
  // The check: 5,771 users with at least 10 records, holding 272,275 records.
  EXPECT_EQ(stats["users"], 5771);
  EXPECT_EQ(stats["records"], 272275);
  EXPECT_EQ(stats["records_read"], 284086);
  EXPECT_EQ(stats["categories"], 28);
  EXPECT_EQ(stats["valid_users"], 577);  // default 10 % each
  EXPECT_EQ(stats["test_users"], 577);
  EXPECT_EQ(stats["train_users"], 5771 - 2 * 577);
}

TEST(SharedDataPipeline, MovieLensLatestSmall) {
  TREEREC_REQUIRE_SHARED_DATA(root);
  test::TempDir dir;
  const auto stats =
      prepare_stats_tree(dir, root + "/movielens-latest-small/ratings.csv --format movielens");
  EXPECT_EQ(stats["records_read"], 100836);
  EXPECT_EQ(stats["users"], 610);  // every MovieLens user has at least 20 ratings
  EXPECT_EQ(stats["items"], 9724);
}

TEST(SharedDataPipeline, UserBehaviorSlices) {
  TREEREC_REQUIRE_SHARED_DATA(root);
  for (const auto& [file, rows] : {std::pair<std::string, int>{"userbehavior-head4k/UserBehavior_head4k.csv", 4321},
                                   {"userbehavior-tail10k/UserBehavior_tail10k.csv", 10000}}) {
    test::TempDir dir;
    const auto stats = prepare_stats_tree(dir, root + "/" + file + " --format userbehavior");
    EXPECT_EQ(stats["records_read"], rows) << file;
    EXPECT_GT(stats["train_samples"], 0) << file;
  }
}

}  // namespace
}  // namespace treerec
