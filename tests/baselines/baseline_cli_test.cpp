// The baselines from the command line: `treerec train --method itemcf|youtube|hsm`, then
// `treerec evaluate` and `treerec retrieve` dispatching on the model file's kind.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "test_util.h"
#include "train/synthetic.h"

namespace treerec {
namespace {

using test::run_cli;
using test::TempDir;

using test::contains;

using Files = test::PlantedFiles;

std::size_t lines(const std::string& text) {
  std::istringstream in(text);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_TRUE(j.contains("user") && j.contains("items") && j.contains("scores")) << line;
    ++n;
  }
  return n;
}

TEST(BaselineCli, ItemCfTrainsWithoutATreeAndEvaluates) {
  const Files f;
  const std::string model = f.dir.file("cf.model");
  auto r = run_cli("train " + f.data + " --method itemcf --neighbours 10 --out " + model);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "wrote " + model)) << r.err;
  r = run_cli("evaluate " + f.data + " --model " + model + " --top 20 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("method"), "itemcf");
  EXPECT_EQ(j.at("users"), 8);
  EXPECT_GT(j.at("recall@20").get<double>(), 0.0);
  r = run_cli("retrieve " + f.data + " --model " + model + " --top 5 --out " + f.dir.file("cf.jsonl"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(lines(test::read_file(f.dir.file("cf.jsonl"))), 8u);
  r = run_cli("evaluate " + f.data + " --model " + model + " --approximate");
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "--approximate applies to youtube")) << r.err;
}

TEST(BaselineCli, YoutubeTrainsAndRetrievesExactlyOrWithHnsw) {
  const Files f;
  const std::string model = f.dir.file("yt.model");
  auto r = run_cli("train " + f.data + " --method youtube --epochs 1 --batch-size 32 --negatives 10 --embedding-dim 4 "
                   "--threads 1 --valid-users 3 --out " + model);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "epoch 1/1: loss")) << r.err;
  EXPECT_TRUE(contains(r.err, "validation (3 users")) << r.err;
  r = run_cli("evaluate " + f.data + " --model " + model + " --top 10 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("method"), "youtube");
  EXPECT_EQ(j.at("retrieval"), "exact");
  r = run_cli("evaluate " + f.data + " --model " + model + " --top 10 --json --approximate --hnsw-ef 64 --threads 1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "recall against exact top 10")) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("retrieval"), "hnsw");
  r = run_cli("retrieve " + f.data + " --model " + model + " --split valid --top 4 --approximate --out " +
              f.dir.file("yt.jsonl"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(lines(test::read_file(f.dir.file("yt.jsonl"))), 8u);
}

TEST(BaselineCli, HsmTrainsOnATreeAndRanksByPathProbability) {
  const Files f;
  const std::string model = f.dir.file("hsm.model");
  auto r = run_cli("train " + f.data + " --tree " + f.tree + " --method hsm --epochs 1 --batch-size 32 --embedding-dim 4 "
                   "--threads 1 --valid-users 3 --out " + model);
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_cli("evaluate " + f.data + " --model " + model + " --tree " + f.tree + " --top 10 --beam 10 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("method"), "hsm");
  r = run_cli("retrieve " + f.data + " --model " + model + " --tree " + f.tree + " --top 5 --out " +
              f.dir.file("hsm.jsonl"));
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string first = test::read_file(f.dir.file("hsm.jsonl")).substr(0, 4000);
  const auto j = nlohmann::json::parse(first.substr(0, first.find('\n')));
  for (const auto& s : j.at("scores")) EXPECT_LE(s.get<double>(), 0.0);  // log-probabilities
  r = run_cli("train " + f.data + " --method hsm --epochs 1 --out " + model);
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "give --tree")) << r.err;
  r = run_cli("retrieve " + f.data + " --model " + model + " --out " + f.dir.file("x.jsonl"));
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "retrieve needs --tree")) << r.err;
}

}  // namespace
}  // namespace treerec
