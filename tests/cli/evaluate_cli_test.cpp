// `treerec evaluate` and `treerec retrieve` on a tiny dataset with random models saved as
// trained model files: output formats, agreement with the library, and mismatch errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "eval/eval_fixture.h"
#include "test_util.h"
#include "treerec/eval/evaluate.h"
#include "treerec/eval/popularity.h"
#include "treerec/search/item_filter.h"
#include "treerec/search/model_retrieval.h"
#include "treerec/serve/serving_model.h"
#include "treerec/search/model_scorer.h"

namespace treerec {
namespace {

using test::run_cli;
using test::TempDir;

using test::contains;

// A dataset, its category tree and a random jtm-h and dnn model, saved in `dir`.
struct Files {
  explicit Files(const TempDir& dir)
      : data(dir.file("d.trd")), tree(dir.file("t.tree")), jtm(dir.file("jtm.model")),
        dnn(dir.file("dnn.model")) {
    const Dataset d = test::tiny_dataset();
    d.save(data);
    const Tree t = build_category_tree(d.item_categories(), d.item_ids());
    t.save(tree);
    test::save_random_model(jtm, "jtm-h", t, 11, "attention");
    test::save_random_model(dnn, "dnn", t, 12);
  }
  std::string data, tree, jtm, dnn;
};

TEST(EvaluateCli, TableAndJsonAgreeWithTheLibrary) {
  TempDir dir;
  const Files f(dir);
  const auto table = run_cli("evaluate " + f.data + " --model " + f.jtm + " --tree " + f.tree + " --beam 4");
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_TRUE(contains(table.out, "method: jtm-h, split: valid, retrieval: beam (k = 4), M = 200\n")) << table.out;
  EXPECT_TRUE(contains(table.out, "     M  precision     recall         F1\n")) << table.out;
  for (const char* row : {"\n    10 ", "\n    50 ", "\n   100 ", "\n   200 "})
    EXPECT_TRUE(contains(table.out, row)) << row << table.out;
  EXPECT_TRUE(contains(table.out, "users: 5\n")) << table.out;
  EXPECT_TRUE(contains(table.out, "time: ")) << table.out;
  EXPECT_TRUE(contains(table.out, "nodes scored per user: ")) << table.out;
  EXPECT_TRUE(contains(table.err, "note: beam k = 4 < M = 200")) << table.err;

  const auto js = run_cli("evaluate " + f.data + " --model " + f.jtm + " --tree " + f.tree +
                          " --beam 4 --top 50 --split test --json --threads 2");
  ASSERT_EQ(js.status, 0) << js.err;
  const auto j = nlohmann::json::parse(js.out);
  EXPECT_EQ(j["method"], "jtm-h");
  EXPECT_EQ(j["split"], "test");
  EXPECT_EQ(j["retrieval"], "beam");
  EXPECT_EQ(j["beam"], 4);
  EXPECT_EQ(j["top"], 50);
  EXPECT_EQ(j["users"], 3);
  EXPECT_TRUE(j.contains("seconds"));
  EXPECT_FALSE(j.contains("precision@200"));  // M = 50 measures 10 and 50 only

  // The same evaluation through the library.
  const Dataset d = Dataset::load(f.data);
  const Tree t = Tree::load(f.tree);
  const TrainedModel m = load_trained_model(f.jtm);
  EvaluateOptions o;
  o.split = Split::test;
  o.beam = 4;
  o.top = 50;
  const EvaluateResult r = evaluate(d, t, *m.model, HierarchicalPreference(Representation::jtm_h, t), o);
  for (const std::uint32_t c : {10u, 50u}) {
    EXPECT_DOUBLE_EQ(j[cat("precision@", c)].get<double>(), r.metrics.get(c).precision);
    EXPECT_DOUBLE_EQ(j[cat("recall@", c)].get<double>(), r.metrics.get(c).recall);
    EXPECT_DOUBLE_EQ(j[cat("f1@", c)].get<double>(), r.metrics.get(c).f1);
  }
  EXPECT_DOUBLE_EQ(j["nodes_scored_per_user"].get<double>(), r.nodes_scored_per_user);
}

TEST(EvaluateCli, DnnIsBruteForcedAndPopularNeedsNoModel) {
  TempDir dir;
  const Files f(dir);
  const auto dnn = run_cli("evaluate " + f.data + " --model " + f.dnn + " --tree " + f.tree + " --json");
  ASSERT_EQ(dnn.status, 0) << dnn.err;
  const auto j = nlohmann::json::parse(dnn.out);
  EXPECT_EQ(j["method"], "dnn");
  EXPECT_EQ(j["retrieval"], "brute-force");
  EXPECT_EQ(j["nodes_scored_per_user"], 24.0);
  EXPECT_DOUBLE_EQ(j["recall@200"].get<double>(), 1.0);  // M > |C|: every item is retrieved
  for (const char* key : {"precision@10", "recall@10", "f1@10", "precision@200", "f1@200", "users", "seconds"})
    EXPECT_TRUE(j.contains(key)) << key;

  const auto pop = run_cli("evaluate " + f.data + " --popular --top 10 --max-users 2 --json");
  ASSERT_EQ(pop.status, 0) << pop.err;
  const auto p = nlohmann::json::parse(pop.out);
  EXPECT_EQ(p["method"], "popular");
  EXPECT_EQ(p["users"], 2);
  EvaluateOptions o;
  o.top = 10;
  o.max_users = 2;
  const EvaluateResult r = evaluate_popularity(Dataset::load(f.data), o);
  EXPECT_DOUBLE_EQ(p["recall@10"].get<double>(), r.metrics.get(10).recall);
  EXPECT_DOUBLE_EQ(p["precision@10"].get<double>(), r.metrics.get(10).precision);
  const auto table = run_cli("evaluate " + f.data + " --popular");
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_TRUE(contains(table.out, "method: popular, split: valid")) << table.out;
}

TEST(EvaluateCli, Errors) {
  TempDir dir;
  const Files f(dir);
  auto r = run_cli("evaluate " + f.data + " --model " + f.jtm);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "needs --model and --tree")) << r.err;
  r = run_cli("evaluate " + f.data + " --popular --model " + f.jtm);
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "excludes")) << r.err;
  r = run_cli("evaluate " + f.data + " --popular --split train");
  EXPECT_NE(r.status, 0);

  // A tree of another dataset (other items).
  const Dataset other = test::tiny_dataset(10, 30, 2, 2, 4);
  const std::string other_data = dir.file("other.trd");
  other.save(other_data);
  const Tree other_tree = build_category_tree(other.item_categories(), other.item_ids());
  other_tree.save(dir.file("other.tree"));
  r = run_cli("evaluate " + f.data + " --model " + f.jtm + " --tree " + dir.file("other.tree"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "does not fit " + f.data)) << r.err;
  // A model trained on another tree.
  r = run_cli("evaluate " + other_data + " --model " + f.jtm + " --tree " + dir.file("other.tree"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, f.jtm + " was trained on another tree")) << r.err;
  EXPECT_EQ(r.out, "");
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(RetrieveCli, WritesJsonLinesWithRawIds) {
  TempDir dir;
  const Files f(dir);
  const std::string out = dir.file("top.jsonl");
  const auto r = run_cli("retrieve " + f.data + " --model " + f.jtm + " --tree " + f.tree +
                         " --out " + out + " --top 7 --beam 10");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  const auto lines = json_lines(test::read_file(out));

  const Dataset d = Dataset::load(f.data);
  const Tree t = Tree::load(f.tree);
  const TrainedModel m = load_trained_model(f.jtm);
  const auto users = d.users(Split::valid);
  const EvalUserHistories h(d, users);
  const RankedLists want = retrieve(*m.model, HierarchicalPreference(Representation::jtm_h, t), t, h,
                                    {.beam = 10, .top = 7});
  ASSERT_EQ(lines.size(), users.size());
  for (std::size_t q = 0; q < users.size(); ++q) {
    const auto& line = lines[q];
    EXPECT_EQ(line["user"], std::string(d.user_id(users[q])));
    ASSERT_EQ(line["items"].size(), 7u);
    ASSERT_EQ(line["scores"].size(), 7u);
    for (std::size_t i = 0; i < 7; ++i) {
      EXPECT_EQ(line["items"][i], std::string(d.item_id(want.items_of(q)[i])));
      EXPECT_EQ(line["scores"][i].get<float>(), want.scores_of(q)[i]);  // shortest float text round-trips
      if (i > 0) {
        EXPECT_GE(line["scores"][i - 1].get<double>(), line["scores"][i].get<double>());
      }
    }
  }
}

TEST(RetrieveCli, FilterInsideTheSearch) {
  TempDir dir;
  const Files f(dir);
  const Dataset d = Dataset::load(f.data);
  const Tree t = Tree::load(f.tree);
  ASSERT_GE(d.num_categories(), 2u);
  const std::string allowed(d.category_id(0)), excluded_item(d.item_id(0));
  ASSERT_EQ(d.item_category(0), 0u);  // the excluded item would pass the category rule
  FilterSpec spec;
  spec.categories = {0};
  spec.exclude_items = {0};
  const ItemFilter filter(std::make_shared<CategorySummary>(t, d.item_categories(), d.num_categories()), spec);
  const auto users = d.users(Split::valid);
  const EvalUserHistories h(d, users);
  for (const auto& [model, method] : {std::pair{f.jtm, "jtm-h"}, std::pair{f.dnn, "dnn"}}) {
    const std::string out = dir.file(std::string(method) + ".jsonl");
    const auto r = run_cli("retrieve " + f.data + " --model " + model + " --tree " + f.tree + " --out " + out +
                           " --top 5 --beam 3 --categories " + allowed + " --exclude-items " + excluded_item);
    ASSERT_EQ(r.status, 0) << r.err;
    const TrainedModel m = load_trained_model(model);
    RetrievalOptions ro{.beam = 3, .top = 5};
    ro.brute_force = std::string(method) == "dnn";
    ro.filter = &filter;
    const RankedLists want = retrieve(*m.model, HierarchicalPreference(m.model->config().representation, t), t, h, ro);
    const auto lines = json_lines(test::read_file(out));
    ASSERT_EQ(lines.size(), users.size());
    for (std::size_t q = 0; q < users.size(); ++q) {
      ASSERT_EQ(lines[q]["items"].size(), std::min<std::uint64_t>(5, filter.passing())) << method;
      for (std::size_t i = 0; i < lines[q]["items"].size(); ++i) {
        const std::string item = lines[q]["items"][i];
        EXPECT_NE(item, excluded_item);
        EXPECT_EQ(item, std::string(d.item_id(want.items_of(q)[i])));
        EXPECT_TRUE(filter.passes(want.items_of(q)[i]));
      }
    }
  }
  const auto bad = run_cli("retrieve " + f.data + " --model " + f.jtm + " --tree " + f.tree + " --out " +
                           dir.file("x.jsonl") + " --categories no-such-category");
  EXPECT_NE(bad.status, 0);
  EXPECT_TRUE(contains(bad.err, "--categories: the dataset has no category 'no-such-category'")) << bad.err;
  const auto eval = run_cli("evaluate " + f.data + " --model " + f.jtm + " --tree " + f.tree +
                            " --json --exclude-categories " + allowed);
  ASSERT_EQ(eval.status, 0) << eval.err;
  const auto popular = run_cli("evaluate " + f.data + " --popular --categories " + allowed);
  EXPECT_NE(popular.status, 0);
  EXPECT_TRUE(contains(popular.err, "not to --popular")) << popular.err;
}

TEST(RetrieveCli, UserListAndUnknownUser) {
  TempDir dir;
  const Files f(dir);
  const Dataset d = Dataset::load(f.data);
  const std::string train_user(d.user_id(d.users(Split::train)[0]));
  const std::string test_user(d.user_id(d.users(Split::test)[0]));
  test::write_file(dir.file("users.txt"), test_user + "\n\n " + train_user + "\r\n" + test_user + "\n");
  const std::string out = dir.file("top.jsonl");
  auto r = run_cli("retrieve " + f.data + " --model " + f.dnn + " --tree " + f.tree + " --out " + out +
                   " --users " + dir.file("users.txt") + " --top 30");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = json_lines(test::read_file(out));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["user"], test_user);
  EXPECT_EQ(lines[1]["user"], train_user);
  EXPECT_EQ(lines[2], lines[0]);
  EXPECT_EQ(lines[0]["items"].size(), 24u);  // M > |C|: every item, by brute force for dnn

  test::write_file(dir.file("bad.txt"), test_user + "\nnobody\n");
  std::filesystem::remove(out);
  r = run_cli("retrieve " + f.data + " --model " + f.dnn + " --tree " + f.tree + " --out " + out +
              " --users " + dir.file("bad.txt"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, dir.file("bad.txt") + " line 2: unknown user id 'nobody'")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

// A model's tree is checked by its assignment of items to leaves, not only by items and depth:
// a same-shape tree with two items swapped is refused by evaluate, retrieve and by
// ServingModel::load, through which `serve` starts and /admin/reload loads (a serve command
// here would run forever if it accepted the tree, as it did before the check).
TEST(EvaluateCli, RefusesASameShapeTreeWithAnotherAssignment) {
  TempDir dir;
  const Dataset d = test::tiny_dataset();
  d.save(dir.file("d.trd"));
  const Tree tree = build_category_tree(d.item_categories(), d.item_ids());
  tree.save(dir.file("t.tree"));
  const Tree swapped = test::swapped_tree(tree);
  ASSERT_EQ(swapped.max_level(), tree.max_level());
  ASSERT_NE(swapped.assignment_fingerprint(), tree.assignment_fingerprint());
  swapped.save(dir.file("swapped.tree"));
  test::save_random_model(dir.file("m.trm"), "jtm-h", tree);
  const std::string base = dir.file("d.trd") + " --model " + dir.file("m.trm") + " --tree ";
  EXPECT_EQ(test::run_cli("evaluate " + base + dir.file("t.tree")).status, 0);
  for (const std::string& cmd : {"evaluate " + base + dir.file("swapped.tree"),
                                 "retrieve " + base + dir.file("swapped.tree") + " -o " + dir.file("r.jsonl")}) {
    const auto r = test::run_cli(cmd);
    EXPECT_EQ(r.status, 1) << cmd;
    EXPECT_NE(r.err.find("another assignment of the items to leaves"), std::string::npos) << cmd << "\n" << r.err;
  }
  EXPECT_NE(test::error_of([&] { ServingModel::load(dir.file("m.trm"), dir.file("swapped.tree")); })
                .find("another assignment of the items to leaves"),
            std::string::npos);
}

}  // namespace
}  // namespace treerec
