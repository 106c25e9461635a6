// `treerec experiment` end to end: MovieLens with the four model methods (reduced: a few
// batches each), resume, a failing method, the config help, and the HTML report rendered by
// headless Chromium (scripts/render_report.sh).
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace treerec {
namespace {

using test::run_cli;

// Few batches of few samples, few negatives, small embeddings: the pipeline, not the quality.
std::string quick_methods(const std::vector<std::string>& names, const std::string& extra = "") {
  std::string out;
  for (const auto& n : names)
    out += "[methods." + n + "]\nmax_batches = 3\nbatch_size = 16\nnegatives = 10\nembedding_dim = 8\n" +
           (n == "dnn" ? "" : "beam = 20\n") + (n == "tdm" ? extra : "");
  return out;
}

TEST(ExperimentCli, MovieLensEveryMethodHasItsRow) {
  TREEREC_REQUIRE_SHARED_DATA(data);
  test::TempDir dir;
  const std::vector<std::string> methods = {"tdm", "jtm-hi", "jtm-h", "dnn"};
  const std::string config = dir.file("ml.toml"), out = dir.file("report");
  test::write_file(config, "name = \"MovieLens (test)\"\nrun = [\"tdm\", \"jtm-hi\", \"jtm-h\", \"dnn\"]\n"
                           "top = 20\neval_users = 15\nmonitor_users = 5\nthreads = 2\n"
                           "[dataset]\nsource = \"log\"\nformat = \"movielens\"\npath = \"" + data +
                           "/movielens-latest-small/ratings.csv\"\n" + quick_methods(methods));
  auto r = run_cli("experiment " + config + " --out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("[4/4] dnn (seed 1): recall@20"), std::string::npos) << r.err;
  const auto results = nlohmann::json::parse(test::read_file(out + "/results.json"));
  ASSERT_EQ(results["methods"].size(), methods.size());
  for (std::size_t i = 0; i < methods.size(); ++i) {
    const auto& m = results["methods"][i];
    EXPECT_EQ(m["name"], methods[i]);
    EXPECT_EQ(m["status"], "ok") << m.dump();
    EXPECT_EQ(m["metrics"]["users"], 15);
    EXPECT_TRUE(m["metrics"].contains("recall@20")) << m.dump();
    EXPECT_EQ(m["runs"].size(), 1u);  // one seed
    EXPECT_EQ(m["runs"][0]["history"].size(), 1u);  // the partial epoch that max_batches stopped
    EXPECT_GT(m["runs"][0]["history"][0]["loss"].get<double>(), 0);
    EXPECT_EQ(m["runs"][0]["per_user"]["recall"].size(), 15u);
    EXPECT_EQ(m["settings"]["max_batches"], 3);
    EXPECT_TRUE(std::filesystem::exists(out + "/methods/" + methods[i] + "/seed-1/model.trm"));
  }
  EXPECT_EQ(results["methods"][3]["runs"][0]["extra"]["retrieval"], "brute force");
  EXPECT_EQ(results["dataset"]["users"], 610);
  const std::string html = test::read_file(out + "/report.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("JTM-HI"), std::string::npos);
  EXPECT_NE(test::read_file(out + "/summary.md").find("| JTM-H | category | ancestors per level (H) | no |"),
            std::string::npos);

  // Again: nothing is trained or prepared twice, and the report is the same.
  r = run_cli("experiment " + config + " --out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("reusing " + out + "/dataset.trec"), std::string::npos) << r.err;
  for (std::size_t i = 0; i < methods.size(); ++i)
    EXPECT_NE(r.err.find("] " + methods[i] + " (seed 1): finished in an earlier run"), std::string::npos) << r.err;
  const auto again = nlohmann::json::parse(test::read_file(out + "/results.json"));
  for (std::size_t i = 0; i < methods.size(); ++i)
    EXPECT_EQ(again["methods"][i]["metrics"], results["methods"][i]["metrics"]);

  // A finished model is reused when only the evaluation changes: result reran, model not retrained.
  test::write_file(config, test::read_file(config).replace(test::read_file(config).find("eval_users = 15"), 15,
                                                           "eval_users = 10"));
  r = run_cli("experiment " + config + " --out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("tdm: reusing the trained model"), std::string::npos) << r.err;
  EXPECT_EQ(nlohmann::json::parse(test::read_file(out + "/results.json"))["methods"][0]["metrics"]["users"], 10);
}

TEST(ExperimentCli, AFailingMethodIsReportedAndTheRunGoesOn) {
  TREEREC_REQUIRE_SHARED_DATA(data);
  test::TempDir dir;
  const std::string config = dir.file("ml.toml"), out = dir.file("report");
  test::write_file(config, "run = [\"tdm\", \"jtm-h\"]\ntop = 10\neval_users = 5\nmonitor_users = 0\n"
                           "[dataset]\nsource = \"log\"\nformat = \"movielens\"\nmin_records = 1000\n"
                           "valid_users = 1\ntest_users = 5\npath = \"" + data +
                           "/movielens-latest-small/ratings.csv\"\n" +
                           quick_methods({"tdm", "jtm-h"}, "layer_negatives = \"1,2\"\n"));
  const auto r = run_cli("experiment " + config + " --out " + out);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("[1/2] tdm (seed 1): FAILED"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("method(s) failed: tdm"), std::string::npos) << r.err;
  const auto results = nlohmann::json::parse(test::read_file(out + "/results.json"));
  EXPECT_EQ(results["methods"][0]["status"], "failed");
  EXPECT_FALSE(results["methods"][0]["error"].get<std::string>().empty());
  EXPECT_EQ(results["methods"][1]["status"], "ok");
  EXPECT_NE(test::read_file(out + "/summary.md").find("TDM failed: "), std::string::npos);
}

TEST(ExperimentCli, ConfigHelpAndErrors) {
  auto r = run_cli("experiment --help-config");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("[methods.jtm-h]"), std::string::npos);
  EXPECT_NE(r.out.find("monitor_users = 1000"), std::string::npos);
  EXPECT_NE(r.out.find("\nseeds = [1]\n"), std::string::npos);
  test::TempDir dir;
  test::write_file(dir.file("bad.toml"), "run = [\"tdm\"]\n\n[dataset]\nsource = \"generated\"\nepochs = 2\n");
  r = run_cli("experiment " + dir.file("bad.toml") + " --out " + dir.file("o"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("bad.toml:5: unknown key 'dataset.epochs'"), std::string::npos) << r.err;
  test::write_file(dir.file("ok.toml"), "run = [\"dnn\"]\n[dataset]\nsource = \"generated\"\n[methods.dnn]\nepochs = 3\n");
  r = run_cli("experiment " + dir.file("ok.toml") + " --print-config");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("[methods.dnn]"), std::string::npos);
  EXPECT_NE(r.out.find("\nepochs = 3\n"), std::string::npos);
  EXPECT_EQ(r.out.find("[methods.tdm]"), std::string::npos);
  r = run_cli("experiment " + dir.file("ok.toml"));
  EXPECT_NE(r.err.find("--out DIR is required"), std::string::npos) << r.err;
}

TEST(ExperimentCli, ReportRendersInHeadlessChromium) {
  if (!std::filesystem::exists("/usr/bin/chromium")) GTEST_SKIP() << "/usr/bin/chromium is absent";
  test::TempDir dir;
  const std::string config = dir.file("gen.toml"), out = dir.file("report");
  test::write_file(config, "run = [\"tdm\", \"jtm-h\"]\ntop = 30\nmonitor_users = 5\n"
                           "[dataset]\nsource = \"generated\"\nvalid_users = 10\ntest_users = 10\n"
                           "[generate]\nitems = 300\nusers = 100\nrecords = 2000\n"
                           "[methods.tdm]\nepochs = 2\nbatch_size = 64\nnegatives = 10\nembedding_dim = 8\n"
                           "[methods.jtm-h]\nepochs = 2\nbatch_size = 64\nnegatives = 10\nembedding_dim = 8\n");
  auto r = run_cli("experiment " + config + " --out " + out + " --threads 2");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto results = nlohmann::json::parse(test::read_file(out + "/results.json"));
  EXPECT_EQ(results["methods"][1]["runs"][0]["history"].size(), 2u);
  EXPECT_TRUE(results["methods"][1]["runs"][0]["history"][1].contains("valid"));  // validation after every epoch
  const std::string png = dir.file("shot.png");
  const int rc = std::system(("bash " + std::string(TREEREC_SOURCE_DIR) + "/scripts/render_report.sh " + out + " " +
                              png + " >" + dir.file("render.log") + " 2>&1")
                                 .c_str());
  EXPECT_EQ(rc, 0) << test::read_file(dir.file("render.log"));
  EXPECT_GT(std::filesystem::file_size(png), 20000u);
}

}  // namespace
}  // namespace treerec
