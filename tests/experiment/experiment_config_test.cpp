// The experiment config: defaults, overrides, relative paths, JSON, and errors that name the
// file, the line and the key.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "test_util.h"
#include "treerec/experiment/config_file.h"
#include "treerec/experiment/experiment_config.h"
#include "treerec/experiment/method.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

// A config in `dir` whose dataset is a (fake) prepared file beside it.
std::string write_config(const test::TempDir& dir, const std::string& name, const std::string& text) {
  test::write_file(dir.file("data.trec"), "x");
  const std::string path = dir.file(name);
  test::write_file(path, text);
  return path;
}

std::string error_of(const std::string& path) {
  try {
    load_experiment_config(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ExperimentConfig, DefaultsAndOverrides) {
  test::TempDir dir;
  const auto path = write_config(dir, "a.toml",
                                 "run = [\"tdm\", \"dnn\"]\n"
                                 "top = 50\n"
                                 "[dataset]\n"
                                 "source = \"file\"\n"
                                 "path = \"data.trec\"\n"
                                 "valid_users = 100\n"
                                 "[methods.tdm]\n"
                                 "epochs = 3\n"
                                 "learning_rate = 1\n");  // an integer where a float is expected
  const ExperimentConfig c = load_experiment_config(path);
  EXPECT_EQ(c.methods, (std::vector<std::string>{"tdm", "dnn"}));
  EXPECT_EQ(c.top, 50u);
  EXPECT_EQ(c.seeds, (std::vector<std::uint64_t>{1}));  // default
  EXPECT_EQ(c.monitor_users, 1000u);    // default
  EXPECT_EQ(c.reference, "jtm-h");      // default
  EXPECT_EQ(c.pairs, (std::vector<std::pair<std::string, std::string>>{
                         {"jtm", "jtm-h"}, {"jtm", "jtm-h-same-epochs"}, {"dnn", "popular"}}));
  EXPECT_EQ(c.source, "file");
  EXPECT_EQ(c.dataset_path, dir.file("data.trec"));  // relative to the config's folder
  EXPECT_DOUBLE_EQ(c.prepare.valid_users.value, 100);
  EXPECT_DOUBLE_EQ(c.prepare.test_users.value, 0.1);  // default
  EXPECT_EQ(c.method_settings.at("tdm")["epochs"], 3);
  EXPECT_EQ(c.method_settings.at("tdm")["learning_rate"], 1);
  EXPECT_EQ(c.method_settings.at("tdm")["batch_size"], 256);  // method default
  EXPECT_EQ(c.method_settings.at("dnn")["epochs"], 30);  // a maximum: early stopping ends training
  EXPECT_EQ(c.to_json()["experiment"]["top"], 50);
}

TEST(ExperimentConfig, JsonFilesUseTheSameStructure) {
  test::TempDir dir;
  const auto path = write_config(
      dir, "a.json",
      R"({"run": ["jtm-h"], "seeds": [9, 4], "reference": "tdm", "pairs": [["tdm", "dnn"]],
          "dataset": {"source": "file", "path": "data.trec"}, "methods": {"jtm-h": {"epochs": 2}}})");
  const ExperimentConfig c = load_experiment_config(path);
  EXPECT_EQ(c.seeds, (std::vector<std::uint64_t>{9, 4}));  // in the config's order
  EXPECT_EQ(c.reference, "tdm");
  EXPECT_EQ(c.pairs, (std::vector<std::pair<std::string, std::string>>{{"tdm", "dnn"}}));
  EXPECT_EQ(c.method_settings.at("jtm-h")["epochs"], 2);
  EXPECT_NE(error_of(write_config(dir, "b.json", R"({"sed": 1})")).find("unknown key 'sed'"), std::string::npos);
  // Found by fuzz/config_fuzz: a number too large for a double was an uncaught exception.
  EXPECT_NE(error_of(write_config(dir, "c.json", "2E424")).find("c.json: not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(write_config(dir, "d.json", R"({"top": 1e999})")).find("d.json: not valid JSON"),
            std::string::npos);
}

TEST(ExperimentConfig, ErrorsNameFileLineAndKey) {
  test::TempDir dir;
  const std::string head = "run = [\"tdm\"]\n[dataset]\nsource = \"file\"\npath = \"data.trec\"\n";
  struct Case {
    std::string text, expect, expect_too = "";
  } cases[] = {
      {head + "min_record = 3\n", "a.toml:5: unknown key 'dataset.min_record'"},
      {"top = \"many\"\n" + head, "a.toml:1: 'top' must be an integer, got \"many\""},
      {"seed = 1\n" + head, "a.toml:1: unknown key 'seed' (the seeds are a list: seeds = [1, 2, 3])"},
      {"seeds = [1.5]\n" + head, "a.toml:1: 'seeds' must be an array of integers, got [1.5]"},
      {"seeds = 3\n" + head, "a.toml:1: 'seeds' must be an array of integers, got 3"},
      {"seeds = [1, 2, 1]\n" + head, "a.toml:1: seeds: seed 1 is listed twice"},
      {"seeds = []\n" + head, "a.toml:1: seeds: list at least one seed"},
      {"seeds = [2, -1]\n" + head, "a.toml:1: 'seeds' must not be negative"},
      {"reference = \"jtm-g\"\n" + head, "a.toml:1: reference: unknown method 'jtm-g'"},
      {"pairs = [\"jtm\"]\n" + head, "a.toml:1: 'pairs' must be an array of arrays of strings"},
      {"pairs = [[\"jtm\", \"tdm\", \"dnn\"]]\n" + head, "a.toml:1: pairs: each pair is [a, b]"},
      {"pairs = [[\"jtm\", \"jtm\"]]\n" + head, "a.toml:1: pairs: [\"jtm\", \"jtm\"] compares a method with itself"},
      {"pairs = [[\"jtm\", \"nosuch\"]]\n" + head, "a.toml:1: pairs: unknown method 'nosuch'"},
      {"top = -3\n" + head, "a.toml:1: 'top' must not be negative"},
      {head + "skip_bad_lines = 1\n", "a.toml:5: 'dataset.skip_bad_lines' must be true or false"},
      {head + "source = \"web\"\n", "a.toml:5:"},  // a duplicate key: TOML's own error
      {"run = [\"tdm\"]\n[dataset]\nsource = \"web\"\n", "a.toml:3: 'dataset.source' must be \"file\", \"log\" or"},
      {head + "\n[methods.tdm]\nepochs = \"two\"\n", "a.toml:7: ", "methods.tdm.epochs \"two\": expected a whole number >= 1"},
      {head + "\n[methods.tdm]\nlearning_rate = -1\n", "a.toml:7: ", "methods.tdm.learning_rate -1: expected a number > 0"},
      {head + "\n[methods.dnn]\nmodel = \"cnn\"\n", "a.toml:7: ", "methods.dnn.model 'cnn': expected one of dnn, attention"},
      {head + "[methods.tdm]\nepoch = 2\n", "a.toml:6: method 'tdm' has no setting 'epoch'"},
      {head + "[methods.nosuch]\n", "a.toml:5: [methods.nosuch]: unknown method 'nosuch'"},
      {"run = [\"tdm\", \"nosuch\"]\n[dataset]\nsource = \"file\"\npath = \"data.trec\"\n",
       "a.toml:1: run: unknown method 'nosuch'"},
      {"run = [\"tdm\", \"tdm\"]\n[dataset]\nsource = \"file\"\npath = \"data.trec\"\n", "listed twice"},
      {"run = [\"tdm\"]\n[dataset]\nsource = \"file\"\npath = \"absent.trec\"\n",
       "a.toml:4: dataset.path: no such file"},
      {"run = [\"tdm\"]\n[dataset]\nsource = \"log\"\n", "'dataset.path' is required"},
      {head + "valid_users = 2.5\n", "a.toml:5: dataset.valid_users 2.5: user count 2.5 is neither"},
      {head + "format = \"parquet\"\n", "a.toml:5: dataset.format"},
      {"top = 3\ntop = [\n", "a.toml:2:"},  // a syntax error names its line
  };
  for (const auto& c : cases) {
    const auto msg = error_of(write_config(dir, "a.toml", c.text));
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "config:\n" << c.text << "\nmessage: " << msg;
    EXPECT_NE(msg.find(c.expect_too), std::string::npos) << msg;
  }
  EXPECT_NE(error_of(dir.file("a.yaml")).find("must end in .toml or .json"), std::string::npos);
}

// `treerec experiment --set KEY=VALUE`: a TOML value replaces or adds one dotted key before the
// checks, which then treat it like a key of the file; a bad one is named as the override.
TEST(ExperimentConfig, CommandLineOverrides) {
  test::TempDir dir;
  const auto path = write_config(dir, "a.toml",
                                 "run = [\"tdm\", \"dnn\"]\n"
                                 "seeds = [1, 2, 3]\n"
                                 "[dataset]\n"
                                 "source = \"file\"\n"
                                 "path = \"data.trec\"\n");
  ConfigDocument doc = read_config_document(path);
  apply_config_override(doc, "seeds=[7]");
  apply_config_override(doc, "run=[\"popular\", \"jtm\"]");
  apply_config_override(doc, "methods.jtm.rounds=2");
  apply_config_override(doc, "dataset.valid_users=0.2");
  const ExperimentConfig c = experiment_config(doc);
  EXPECT_EQ(c.seeds, (std::vector<std::uint64_t>{7}));
  EXPECT_EQ(c.methods, (std::vector<std::string>{"popular", "jtm"}));
  EXPECT_EQ(c.method_settings.at("jtm").at("rounds"), 2);
  EXPECT_DOUBLE_EQ(c.prepare.valid_users.value, 0.2);

  const auto error_with = [&](const std::string& assignment) -> std::string {
    ConfigDocument d = read_config_document(path);
    try {
      apply_config_override(d, assignment);
      experiment_config(d);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(error_with("seeds").find("--set seeds: expected KEY=VALUE"), std::string::npos);
  EXPECT_NE(error_with("seeds=[1,").find("VALUE is not a TOML value"), std::string::npos);
  EXPECT_NE(error_with("=3").find("is not a dotted key"), std::string::npos);
  EXPECT_NE(error_with("seeds=4").find("a.toml (--set seeds): 'seeds' must be an array"), std::string::npos);
  EXPECT_NE(error_with("run.x=1").find("--set run.x=1: 'run' holds a value, not a table"), std::string::npos);
  EXPECT_NE(error_with("methods.jtm.roundz=2").find("roundz"), std::string::npos);
}

TEST(ExperimentConfig, DescribeListsEveryKeyWithDefaultAndHelp) {
  const std::string text = describe_config(nullptr);
  for (const auto& p : experiment_params()) {
    const auto dot = p.key.find('.');
    const std::string key = dot == std::string::npos ? p.key : p.key.substr(dot + 1);
    EXPECT_NE(text.find("\n" + key + " = " + p.default_value.dump() + "\n"), std::string::npos) << p.key;
    EXPECT_NE(text.find(p.help), std::string::npos) << p.key;
  }
  for (const ExperimentMethod* m : experiment_methods()) {
    EXPECT_NE(text.find("[methods." + m->method.name + "]"), std::string::npos);
    for (const auto& p : m->params) EXPECT_NE(text.find(p.help), std::string::npos) << m->method.name << "." << p.name;
  }
  // The description is itself a valid config (with the registered methods' tables).
  test::TempDir dir;
  std::string one_method = text;
  const auto run_at = one_method.find("\nrun = ");
  one_method.replace(run_at, one_method.find('\n', run_at + 1) - run_at, "\nrun = [\"tdm\"]");
  test::write_file(dir.file("all.toml"), one_method);
  try {
    load_experiment_config(dir.file("all.toml"));
    FAIL() << "the description has no dataset path";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'dataset.path' is required"), std::string::npos) << e.what();
  }
}

TEST(ExperimentConfig, ShippedConfigsParse) {
  // The floor first, the control right after the method it repeats.
  const auto& paper = paper_methods();
  EXPECT_EQ(paper.front(), "popular");
  const auto jtm = std::find(paper.begin(), paper.end(), "jtm");
  ASSERT_NE(jtm, paper.end());
  ASSERT_NE(jtm + 1, paper.end());
  EXPECT_EQ(*(jtm + 1), "jtm-h-same-epochs");
  // The paper's comparison is every method there is, each once.
  std::vector<std::string> sorted = paper;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, method_names());
  std::vector<std::string> runners;  // and the experiment has a runner for each
  for (const ExperimentMethod* m : experiment_methods()) runners.push_back(m->method.name);
  EXPECT_EQ(runners, method_names());
  const std::string root = std::string(TREEREC_SOURCE_DIR) + "/experiments/";
  const bool have_data = !test::shared_data_dir().empty();
  for (const char* name : {"synthetic.toml", "movielens.toml", "ciao.toml"}) {
    if (std::string(name) != "synthetic.toml" && !have_data) continue;
    ConfigDocument doc = read_config_document(root + name);
    EXPECT_EQ(doc.root.value("run", nlohmann::json()), nlohmann::json(paper_methods()))
        << name << ": every shipped config runs every method of paper_methods()";
    const ExperimentConfig c = experiment_config(doc);
    EXPECT_EQ(c.methods, paper) << name;
    EXPECT_EQ(c.seeds, (std::vector<std::uint64_t>{1, 2, 3})) << name;
    if (c.source != "generated") EXPECT_TRUE(std::filesystem::exists(c.dataset_path)) << name;
    else EXPECT_EQ(c.generate.items, 10000u);
  }
}

}  // namespace
}  // namespace treerec
