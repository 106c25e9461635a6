// treerec prepare and treerec stats from the command line.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "data/log_builder.h"
#include "test_util.h"
#include "treerec/model/model_file.h"
#include "treerec/model/parameters.h"
#include "treerec/util/distributed.h"
#include "treerec/util/hash.h"
#include "treerec/data/dataset.h"
#include "treerec/io/binary_file.h"

namespace treerec {
namespace {

using test::run_cli;
using test::TempDir;

using test::contains;

TEST(Cli, VersionNamesTheMatrixKernels) {
  const auto r = run_cli("--version");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("treerec 0."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("matrix products: oneDNN"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(treerec::dist::built_with_mpi() ? "mpirun: yes" : "mpirun: no"), std::string::npos) << r.out;
}

TEST(StatsCli, PrintsJsonAndTable) {
  TempDir dir;
  test::LogBuilder b;
  for (int u = 0; u < 5; ++u)
    for (int p = 0; p < 4 + 2 * u; ++p) b.add(cat("u", u), cat("i", p % 7), cat("c", p % 2), p);
  PrepareOptions o;
  o.min_records = 5;
  o.valid_users = UserCount{1};
  o.test_users = UserCount{0};
  Dataset::build(b.log(), o, DatasetSource{"x.csv", "csv", "", 0, 0}).save(dir.file("d.trd"));

  const auto r = run_cli("stats " + dir.file("d.trd") + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  // Users of lengths 6, 8, 10, 12 are kept (u0 has 4 records).
  EXPECT_EQ(j["users"], 4);
  EXPECT_EQ(j["items"], 7);
  EXPECT_EQ(j["categories"], 2);
  EXPECT_EQ(j["records"], 36);
  EXPECT_EQ(j["train_users"], 3);
  EXPECT_EQ(j["valid_users"], 1);
  EXPECT_EQ(j["test_users"], 0);
  const Dataset d = Dataset::load(dir.file("d.trd"));
  EXPECT_EQ(j["train_samples"], d.num_train_samples());
  EXPECT_GT(d.num_train_samples(), 0u);

  const auto t = run_cli("stats " + dir.file("d.trd"));
  ASSERT_EQ(t.status, 0) << t.err;
  EXPECT_TRUE(contains(t.out, "users              4 (train 3, valid 1, test 0)")) << t.out;
  EXPECT_TRUE(contains(t.out, "records            36")) << t.out;
}

TEST(StatsCli, RejectsMissingAndForeignFiles) {
  TempDir dir;
  auto r = run_cli("stats " + dir.file("missing.trd"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "missing.trd")) << r.err;
  BinaryWriter tree(dir.file("t.tree"), "TRECTREE", 1);
  tree.add("codes", std::vector<std::uint64_t>{0});
  tree.commit();
  r = run_cli("stats " + dir.file("t.tree"));  // a tree's magic, but not a tree
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, dir.file("t.tree"))) << r.err;
  test::write_file(dir.file("x"), "plain text, long enough to hold a header of 64 bytes..........");
  r = run_cli("stats " + dir.file("x"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "not a treerec dataset file")) << r.err;
}

// stats on a tree and a tree model: their fingerprints, as the kill campaign compares them.
TEST(StatsCli, DescribesTreesAndModels) {
  const std::string source = TREEREC_SOURCE_DIR;
  auto r = run_cli("stats --json " + source + "/tests/tree/frozen/tree_v1.bin");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("kind"), "tree");
  EXPECT_EQ(j.at("items"), 5);
  EXPECT_EQ(j.at("levels"), 3);
  EXPECT_EQ(j.at("assignment_xxh3").get<std::string>().size(), 16u);
  r = run_cli("stats --json " + source + "/tests/train/frozen/jtmh_v1.trm");
  ASSERT_EQ(r.status, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("kind"), "model");
  EXPECT_EQ(j.at("method"), "jtm-h");
  EXPECT_EQ(j.at("epochs"), 2);
  const TrainedModel m = load_trained_model(source + "/tests/train/frozen/jtmh_v1.trm");
  EXPECT_EQ(j.at("parameters_xxh3"), hex64(parameters_fingerprint(m.model->parameters())));
  r = run_cli("stats " + source + "/tests/train/frozen/jtmh_v1.trm");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "kind               model")) << r.out;
}

TEST(PrepareCli, RejectsBadUserCountsBeforeReading) {
  TempDir dir;
  test::write_file(dir.file("log.csv"), "1,2,3,pv,100\n");
  for (const std::string bad : {"--valid-users 1.5", "--test-users abc", "--valid-users -1"}) {
    const auto r = run_cli("prepare --input " + dir.file("log.csv") + " --out " + dir.file("d.trd") + " " + bad);
    EXPECT_EQ(r.status, 1) << bad;
    EXPECT_TRUE(contains(r.err, bad.substr(0, bad.find(' ')))) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("d.trd")));
  }
  const auto r = run_cli("prepare --input " + dir.file("log.csv") + " --out " + dir.file("d.trd") + " --format nope");
  EXPECT_NE(r.status, 0);
  EXPECT_FALSE(std::filesystem::exists(dir.file("d.trd")));
}

// A UserBehavior log (user,item,category,behaviour,timestamp): users 1..6 with 3 + u records
// each; user 1 (4 records) falls under --min-records 5.
std::string userbehavior_log() {
  std::string text;
  for (int u = 1; u <= 6; ++u)
    for (int p = 0; p < 3 + u; ++p)
      text += cat(u, ",", 100 + (u * 3 + p) % 11, ",", 7 + p % 3, ",", p % 4 ? "pv" : "buy", ",", 1511544070 + 60 * p, "\n");
  return text;
}

TEST(PrepareCli, PreparesAUserBehaviorLog) {
  TempDir dir;
  test::write_file(dir.file("log.csv"), userbehavior_log());
  const auto r = run_cli("prepare --input " + dir.file("log.csv") + " --format userbehavior --out " +
                         dir.file("d.trd") + " --min-records 5 --valid-users 1 --test-users 0.2 --split-seed 3");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(contains(r.err, "read 39 records")) << r.err;
  EXPECT_TRUE(contains(r.err, "kept 5 users")) << r.err;
  const Dataset d = Dataset::load(dir.file("d.trd"));
  EXPECT_EQ(d.num_users(), 5u);
  EXPECT_EQ(d.user_id(0), "2");
  EXPECT_EQ(d.num_records(), 35u);
  EXPECT_EQ(d.users(Split::valid).size(), 1u);
  EXPECT_EQ(d.users(Split::test).size(), 1u);
  EXPECT_EQ(d.options().min_records, 5u);
  EXPECT_EQ(d.options().split_seed, 3u);
  EXPECT_EQ(d.source().format, "userbehavior");
  EXPECT_GE(d.behavior_types().size(), 2u);  // pv, buy (a reader may list more)
  const auto j = nlohmann::json::parse(run_cli("stats --json " + dir.file("d.trd")).out);
  EXPECT_EQ(j["users"], 5);
  EXPECT_EQ(j["train_samples"], d.num_train_samples());
}

TEST(PrepareCli, FailedBuildLeavesNoOutput) {
  TempDir dir;
  test::write_file(dir.file("log.csv"), userbehavior_log());
  const auto r = run_cli("prepare --input " + dir.file("log.csv") + " --out " + dir.file("d.trd") +
                         " --min-records 5 --valid-users 3 --test-users 2");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "no training user")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("d.trd")));
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename(), "log.csv");
}

// Outputs never replace inputs: the commands refuse before writing anything, and the input is
// left as it was.
TEST(PrepareCli, CommandsRefuseAnOutputThatIsOneOfTheirInputs) {
  TempDir dir;
  const std::string log = dir.file("log.csv"), data = dir.file("d.trd");
  test::write_file(log, userbehavior_log());
  auto r = run_cli("prepare --input " + log + " --out " + log + " --min-records 5 --valid-users 0 --test-users 0");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "--out " + log + " is also --input")) << r.err;
  EXPECT_EQ(test::read_file(log), userbehavior_log());
  ASSERT_EQ(run_cli("prepare --input " + log + " --out " + data + " --min-records 5 --valid-users 1 --test-users 1").status, 0);
  ASSERT_EQ(run_cli("tree init " + data + " --out " + dir.file("t.tree")).status, 0);
  const std::string tree_bytes = test::read_file(dir.file("t.tree")), data_bytes = test::read_file(data);
  for (const std::string& cmd : {"tree show " + dir.file("t.tree") + " --tsv -o " + dir.file("t.tree"),
                                 "tree init " + data + " --out " + data,
                                 "train " + data + " --method tdm --tree " + dir.file("t.tree") + " --out " + dir.file("t.tree"),
                                 "retrieve " + data + " --model " + dir.file("m.trm") + " --tree " + dir.file("t.tree") +
                                     " -o " + data}) {
    r = run_cli(cmd);
    EXPECT_EQ(r.status, 1) << cmd;
    EXPECT_TRUE(contains(r.err, "an output never replaces an input")) << cmd << "\n" << r.err;
  }
  EXPECT_EQ(test::read_file(dir.file("t.tree")), tree_bytes);
  EXPECT_EQ(test::read_file(data), data_bytes);
}

TEST(PrepareCli, PreparesTheUserBehaviorSample) {
  TREEREC_REQUIRE_SHARED_DATA(data);
  TempDir dir;
  const auto r = run_cli("prepare --input " + data + "/userbehavior-head4k/UserBehavior_head4k.csv --out " +
                         dir.file("d.trd") + " --valid-users 5 --test-users 5 --threads 2");
  ASSERT_EQ(r.status, 0) << r.err;
  const Dataset d = Dataset::load(dir.file("d.trd"));
  EXPECT_GT(d.num_users(), 10u);
  EXPECT_EQ(d.users(Split::valid).size(), 5u);
  for (std::uint32_t u = 0; u < d.num_users(); ++u) {
    EXPECT_GE(d.sequence(u).size(), 10u);
    const auto t = d.times(u);
    EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
  }
}

}  // namespace
}  // namespace treerec
