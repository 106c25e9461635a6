// New items without a rebuild from the command line: prepare --extend, tree add-items with
// --model-out, serving the result, and fine-tuning it with train --init-model.
#include <gtest/gtest.h>

#include <filesystem>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "test_util.h"
#include "treerec/data/dataset.h"
#include "treerec/model/model_file.h"
#include "treerec/serve/serving_model.h"
#include "treerec/tree/tree.h"

namespace treerec {
namespace {

using test::contains;
using test::run_cli;
using test::TempDir;

// A csv log: users u0..u29 over items i0..i39 (category i % 4); with `fresh`, users v0..v9 also
// meet items n0..n9 (category n % 5, "k4" new), in the middle of their sequences.
std::string log_text(bool fresh) {
  std::string s = "user,item,category,time\n";
  long t = 0;
  for (int u = 0; u < 30; ++u)
    for (int k = 0; k < 12; ++k) {
      const int i = (u * 7 + k * 3) % 40;
      s += "u" + std::to_string(u) + ",i" + std::to_string(i) + ",k" + std::to_string(i % 4) + "," +
           std::to_string(t++) + "\n";
    }
  if (fresh)
    for (int v = 0; v < 10; ++v)
      for (int k = 0; k < 10; ++k) {
        const bool is_new = k == 7;
        const int i = is_new ? v : (v * 5 + k) % 40;
        s += "v" + std::to_string(v) + (is_new ? ",n" : ",i") + std::to_string(i) + ",k" +
             std::to_string(is_new ? v % 5 : i % 4) + "," + std::to_string(t++) + "\n";
      }
  return s;
}

TEST(AddItemsCli, ExtendPlaceServeAndFineTune) {
  TempDir dir;
  const std::string old_log = dir.file("old.csv"), new_log = dir.file("new.csv");
  test::write_file(old_log, log_text(false));
  test::write_file(new_log, log_text(true));
  const std::string old_data = dir.file("old.trd"), new_data = dir.file("new.trd"), tree = dir.file("t.tree"),
                    model = dir.file("m.trm"), tree2 = dir.file("t2.tree"), model2 = dir.file("m2.trm"),
                    tuned = dir.file("tuned.trm");
  const std::string csv = " --format csv --user-col user --item-col item --category-col category --time-col time "
                          "--min-records 1 --valid-users 0 --test-users 0";
  ASSERT_EQ(run_cli("prepare --input " + old_log + " --out " + old_data + csv).status, 0);
  auto r = run_cli("prepare --input " + new_log + " --out " + new_data + csv + " --extend " + old_data);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "its 40 items keep their ids; 10 new items follow")) << r.err;
  ASSERT_EQ(run_cli("tree init " + old_data + " --out " + tree).status, 0);
  r = run_cli("train " + old_data + " --tree " + tree + " --out " + model +
              " --method jtm-h --epochs 1 --batch-size 32 --negatives 10 --embedding-dim 4 --threads 1 --valid-users 0");
  ASSERT_EQ(r.status, 0) << r.err;

  r = run_cli("tree add-items " + tree + " --dataset " + new_data + " --model " + model + " --out " + tree2 +
              " --model-out " + model2 + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["old_items"], 40);
  EXPECT_EQ(j["new_items"], 10);
  EXPECT_EQ(j["by_samples"], 10);  // each new item is the target of one training sample
  EXPECT_EQ(j["levels_added"], 0);  // 50 items on 64 leaves
  const Tree before = Tree::load(tree), after = Tree::load(tree2);
  for (std::uint32_t i = 0; i < 40; ++i) EXPECT_EQ(after.leaf(i), before.leaf(i));
  EXPECT_TRUE(after.has_categories());

  // The server loads the pair (a reload would read these files) and answers with new items.
  const auto snap = ServingModel::load(model2, tree2);
  ASSERT_NE(snap->find_item("n3"), ServingModel::kUnknown);
  RecommendRequest q;
  q.behaviors = {"n3", "i1"};
  q.k = 50;
  const auto rec = recommend(*snap, std::span(&q, 1), {});
  EXPECT_TRUE(rec[0].unknown.empty());
  EXPECT_EQ(rec[0].items.size(), 50u);

  // Fine-tuning on the new log starts from the extended model.
  r = run_cli("train " + new_data + " --tree " + tree2 + " --out " + tuned + " --init-model " + model2 +
              " --method jtm-h --epochs 1 --batch-size 32 --negatives 10 --threads 1 --valid-users 0");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "warm start from")) << r.err;

  // Errors: an input as output, a dataset that does not extend the tree, hsm and dnn models.
  const std::string tree_bytes = test::read_file(tree);
  r = run_cli("tree add-items " + tree + " --dataset " + new_data + " --model " + model + " --out " + tree);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(test::read_file(tree), tree_bytes) << "the input tree is untouched";
  r = run_cli("tree add-items " + tree + " --dataset " + old_data + " --model " + model + " --out " + tree2);
  EXPECT_EQ(r.status, 0) << r.err;  // nothing new: the same tree
  EXPECT_TRUE(contains(r.err, "0 new items")) << r.err;
  const Tree same = Tree::load(tree2);
  EXPECT_EQ(same.builder(), "category");
  EXPECT_TRUE(std::equal(same.leaves().begin(), same.leaves().end(), before.leaves().begin(), before.leaves().end()));
  // The new log with its lines reversed: its items are numbered in another order.
  std::string text = log_text(true), reversed = "user,item,category,time\n";
  text = text.substr(text.find('\n') + 1);
  for (std::size_t end = text.size(); end > 0;) {
    const std::size_t begin = text.rfind('\n', end - 2) == std::string::npos ? 0 : text.rfind('\n', end - 2) + 1;
    reversed += text.substr(begin, end - begin);
    end = begin;
  }
  test::write_file(dir.file("reversed.csv"), reversed);
  const std::string other = dir.file("other.trd");
  ASSERT_EQ(run_cli("prepare --input " + dir.file("reversed.csv") + " --out " + other + csv).status, 0);
  const std::string unwritten = dir.file("unwritten.tree"), unwritten_model = dir.file("unwritten.trm");
  r = run_cli("tree add-items " + tree + " --dataset " + other + " --model " + model + " --out " + unwritten +
              " --model-out " + unwritten_model);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "prepare --extend")) << r.err;
  EXPECT_TRUE(contains(r.err, other) && contains(r.err, tree)) << "the error names both files: " << r.err;
  EXPECT_FALSE(std::filesystem::exists(unwritten) || std::filesystem::exists(unwritten_model))
      << "nothing is written after an error";
  // Models add-items refuses, and why.
  for (const auto& [method, why] : {std::pair<std::string, std::string>{"hsm", "path probability"},
                                    {"dnn", "scores items without a tree"}}) {
    const std::string refused = dir.file(method + ".trm");
    ASSERT_EQ(run_cli("train " + old_data + " --tree " + tree + " --out " + refused + " --method " + method +
                      " --epochs 1 --batch-size 32 --negatives 10 --embedding-dim 4 --threads 1 --valid-users 0")
                  .status,
              0);
    r = run_cli("tree add-items " + tree + " --dataset " + new_data + " --model " + refused + " --out " + tree2);
    EXPECT_EQ(r.status, 1) << method;
    EXPECT_TRUE(contains(r.err, why)) << r.err;
  }
}

}  // namespace
}  // namespace treerec
