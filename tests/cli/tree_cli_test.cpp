// `treerec tree show` on trees written by the library, and `treerec tree init` on a prepared
// dataset.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/log_builder.h"
#include "test_util.h"
#include "treerec/data/dataset.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

using test::run_cli;
using test::TempDir;
using test::all_train;

// The category tree of 7 items a..g with categories 2, 0, 1, 0, 2, 1, 0: leaves 13, 7, 11, 9,
// 14, 12, 10 (hand-computed in category_tree_test.cpp).
std::string write_seven(const TempDir& dir) {
  StringTable names;
  for (const char* s : {"a", "b", "c", "d", "e", "f", "g"}) names.add(s);
  const std::string path = dir.file("seven.tree");
  build_category_tree(std::vector<std::uint32_t>{2, 0, 1, 0, 2, 1, 0}, names).save(path);
  return path;
}

TEST(TreeCli, ShowSummary) {
  TempDir dir;
  const std::string path = write_seven(dir);
  const auto r = run_cli("tree show " + path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "tree:            " + path +
                       "\n"
                       "builder:         category\n"
                       "depth (l_max):   3\n"
                       "items:           7\n"
                       "non-empty nodes: 14\n"
                       "leaf occupancy:  0.8750 (7 / 8)\n"
                       "\n"
                       "level       non-empty        capacity\n"
                       "    0               1               1\n"
                       "    1               2               2\n"
                       "    2               4               4\n"
                       "    3               7               8\n");
}

TEST(TreeCli, ShowTsv) {
  TempDir dir;
  const std::string path = write_seven(dir);
  const std::string want =
      "code\tlevel\titem\n7\t3\tb\n9\t3\td\n10\t3\tg\n11\t3\tc\n12\t3\tf\n13\t3\ta\n14\t3\te\n";
  const auto r = run_cli("tree show --tsv " + path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, want);
  // --output writes the same text to a file instead.
  const auto f = run_cli("tree show --tsv " + path + " --output " + dir.file("leaves.tsv"));
  ASSERT_EQ(f.status, 0) << f.err;
  EXPECT_EQ(f.out, "");
  EXPECT_EQ(test::read_file(dir.file("leaves.tsv")), want);
}

TEST(TreeCli, ShowJson) {
  TempDir dir;
  const std::string path = write_seven(dir);
  const auto r = run_cli("tree show --json " + path);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["file"], path);
  EXPECT_EQ(j["builder"], "category");
  EXPECT_EQ(j["l_max"], 3);
  EXPECT_EQ(j["items"], 7);
  EXPECT_EQ(j["nodes"], 14);
  EXPECT_DOUBLE_EQ(j["leaf_occupancy"].get<double>(), 0.875);
  EXPECT_EQ(j["item_ids_xxh3"].get<std::string>().size(), 16u);
  ASSERT_EQ(j["levels"].size(), 4u);
  EXPECT_EQ(j["levels"][3], (nlohmann::json{{"level", 3}, {"nodes", 7}, {"capacity", 8}}));
  EXPECT_EQ(j["levels"][1], (nlohmann::json{{"level", 1}, {"nodes", 2}, {"capacity", 2}}));
}

TEST(TreeCli, ShowErrors) {
  TempDir dir;
  const std::string path = write_seven(dir);
  const auto both = run_cli("tree show --tsv --json " + path);
  EXPECT_NE(both.status, 0);
  EXPECT_NE(both.err.find("excludes"), std::string::npos) << both.err;
  test::write_file(dir.file("junk.tree"), "not a tree");
  const auto junk = run_cli("tree show " + dir.file("junk.tree"));
  EXPECT_EQ(junk.status, 1);
  EXPECT_NE(junk.err.find("treerec: error: " + dir.file("junk.tree") + ": not a treerec tree file"),
            std::string::npos)
      << junk.err;
  EXPECT_EQ(junk.out, "");
  EXPECT_NE(run_cli("tree").status, 0);  // a subcommand is required
}

TEST(TreeCli, InitBuildsTheCategoryTreeOfADataset) {
  // Three users, items i0..i4 first seen in this order, categories c0, c1, c0, c1, c1 (also
  // first seen in this order, so any renumbering by first appearance keeps them).
  BehaviorLog log;
  for (const char* s : {"u0", "u1", "u2"}) log.user_ids.add(s);
  for (const char* s : {"i0", "i1", "i2", "i3", "i4"}) log.item_ids.add(s);
  for (const char* s : {"c0", "c1"}) log.category_ids.add(s);
  log.behavior_types.add("pv");
  log.item_category = {0, 1, 0, 1, 1};
  std::int64_t time = 1000;
  for (std::uint32_t u = 0; u < 3; ++u)
    for (std::uint32_t k = 0; k < 12; ++k) {
      log.user.push_back(u);
      log.item.push_back((k + u * (k / 5)) % 5);  // the first user sees i0..i4 first, in order
      log.time.push_back(time++);
      log.behavior.push_back(0);
    }
  log.lines_read = log.records();

  TempDir dir;
  const std::string data_path = dir.file("data.bin");
  Dataset::build(std::move(log), all_train()).save(data_path);
  const std::string tree_path = dir.file("t.tree");
  const auto r = run_cli("tree init " + data_path + " --out " + tree_path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("5 items, depth (l_max) 3"), std::string::npos) << r.err;

  // Sorted: i0, i2 (c0), i1, i3, i4 (c1) -> leaves 7, 9, 11, 13, 14.
  const auto tsv = run_cli("tree show --tsv " + tree_path);
  ASSERT_EQ(tsv.status, 0) << tsv.err;
  EXPECT_EQ(tsv.out, "code\tlevel\titem\n7\t3\ti0\n9\t3\ti2\n11\t3\ti1\n13\t3\ti3\n14\t3\ti4\n");
  const Dataset data = Dataset::load(data_path);
  const Tree tree = Tree::load(tree_path);
  tree.check_items(data.item_ids(), data_path);
  EXPECT_EQ(tree.builder(), "category");

  const auto missing = run_cli("tree init " + dir.file("missing.bin") + " --out " + tree_path);
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("missing.bin"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace treerec
