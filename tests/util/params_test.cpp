#include "treerec/util/params.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.h"
#include "treerec/train/train_options.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

struct Opts {
  std::uint32_t count = 7;
  float rate = 0.5f;
  int threads = 0;
  std::string kind = "a";
  std::vector<std::uint32_t> list;
  bool flag = true;
};

const ParamTable<Opts>& table() {
  static const ParamTable<Opts> t = [] {
    ParamTable<Opts> p("test");
    p.add({.name = "count", .type = ParamType::count, .help = "a count", .min = 1, .max = 10}, &Opts::count)
        .add({.name = "rate", .type = ParamType::real, .help = "a rate", .min = 0, .max = 1, .above = true}, &Opts::rate)
        .add({.name = "threads", .type = ParamType::integer, .help = "threads", .min = 0, .identity = false},
             &Opts::threads)
        .add({.name = "kind", .type = ParamType::text, .help = "a kind", .choices = {"a", "b"}}, &Opts::kind)
        .add({.name = "list", .type = ParamType::counts, .help = "a list"}, &Opts::list)
        .add({.name = "flag", .type = ParamType::boolean, .help = "a flag"}, &Opts::flag);
    return p;
  }();
  return t;
}

using test::error_of;

TEST(Params, TextAndJsonSetTheFieldsWithinTheirRanges) {
  Opts o;
  table().set_text(o, "count", "3", flag_names());
  table().set_text(o, "rate", "0.25", flag_names());
  table().set_text(o, "list", "1,2,30", flag_names());
  table().set_text(o, "kind", "b", flag_names());
  EXPECT_EQ(o.count, 3u);
  EXPECT_EQ(o.rate, 0.25f);
  EXPECT_EQ(o.list, (std::vector<std::uint32_t>{1, 2, 30}));
  EXPECT_EQ(o.kind, "b");
  const ParamNamer cfg = config_names("methods.x.");
  table().set_json(o, "count", nlohmann::json(10), cfg);
  table().set_json(o, "rate", nlohmann::json(1), cfg);  // an integer is a number too
  table().set_json(o, "list", nlohmann::json::array({4, 5}), cfg);
  table().set_json(o, "flag", nlohmann::json(false), cfg);
  EXPECT_EQ(o.count, 10u);
  EXPECT_EQ(o.rate, 1.0f);
  EXPECT_EQ(o.list, (std::vector<std::uint32_t>{4, 5}));
  EXPECT_FALSE(o.flag);
}

TEST(Params, ErrorsNameTheParameterAsTheUserWroteIt) {
  Opts o;
  EXPECT_EQ(error_of([&] { table().set_text(o, "count", "0", flag_names()); }),
            "--count 0: expected a whole number from 1 to 10");
  EXPECT_EQ(error_of([&] { table().set_text(o, "count", "-2", flag_names()); }),
            "--count '-2': expected a whole number from 1 to 10");
  EXPECT_EQ(error_of([&] { table().set_text(o, "rate", "0", flag_names()); }),
            "--rate 0: expected a number in (0, 1]");
  EXPECT_EQ(error_of([&] { table().set_text(o, "rate", "fast", flag_names()); }),
            "--rate 'fast': expected a number in (0, 1]");
  EXPECT_EQ(error_of([&] { table().set_json(o, "rate", nlohmann::json(2.5), config_names("methods.x.")); }),
            "methods.x.rate 2.5: expected a number in (0, 1]");
  EXPECT_EQ(error_of([&] { table().set_json(o, "count", nlohmann::json("two"), config_names("m.")); }),
            "m.count \"two\": expected a whole number from 1 to 10");
  EXPECT_EQ(error_of([&] { table().set_json(o, "count", nlohmann::json(-1), config_names("m.")); }),
            "m.count -1: expected a whole number from 1 to 10");
  EXPECT_EQ(error_of([&] { table().set_text(o, "kind", "c", flag_names()); }), "--kind 'c': expected one of a, b");
  EXPECT_EQ(error_of([&] { table().set_text(o, "list", "1,x", flag_names()); }),
            "--list '1,x': expected a list of whole numbers >= 0 (k1,k2,...)");
  EXPECT_EQ(error_of([&] { table().set_text(o, "threads", "-1", plain_names()); }),
            "threads -1: expected an integer >= 0");
  // A failed set leaves the field as it was.
  EXPECT_EQ(o.count, 7u);
  o.count = 11;  // set in code: check() finds it
  EXPECT_EQ(error_of([&] { table().check(o, plain_names()); }), "count 11: expected a whole number from 1 to 10");
}

TEST(Params, IdentityHoldsOnlyTheParametersThatChangeTheResult) {
  Opts o;
  o.threads = 4;
  const nlohmann::json id = table().identity_json(o);
  EXPECT_FALSE(id.contains("threads"));
  EXPECT_EQ(id.at("count"), 7);
  EXPECT_EQ(id.at("list"), nlohmann::json::array());
  EXPECT_EQ(table().to_json(o).at("threads"), 4);
  EXPECT_EQ(param_text(table().default_value("rate")), "0.5");
  EXPECT_THROW(table().entry("nosuch"), Error);
  EXPECT_EQ(flag_of("learning_rate"), "--learning-rate");
}

TEST(Params, TrainingIdentityKeepsItsKeys) {
  // Checkpoints, joint runs and experiments resume or reuse work only under an equal identity:
  // changing this set invalidates every saved run, so it must be a deliberate change.
  const nlohmann::json id = TrainOptions{}.identity_json();
  std::vector<std::string> keys;
  for (const auto& [k, v] : id.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"batch_size", "embedding_dim", "epochs", "layer_negatives",
                                            "learning_rate", "lr_decay", "method", "min_delta", "model",
                                            "negatives", "patience", "seed", "shard_samples"}));
  EXPECT_EQ(id.at("learning_rate"), nlohmann::json(1e-3f));  // the float's value, as before
}

TEST(Params, TheParametersPageIsGeneratedFromTheCode) {
  const auto r = test::run_cli("params --markdown");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, test::read_file(std::string(TREEREC_SOURCE_DIR) + "/docs/PARAMETERS.md"))
      << "docs/PARAMETERS.md is stale: run ./build/treerec params --markdown > docs/PARAMETERS.md";
}

TEST(Params, TheExperimentReferenceIsTheConfigHelp) {
  const auto r = test::run_cli("experiment --help-config");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(test::read_file(std::string(TREEREC_SOURCE_DIR) + "/docs/EXPERIMENTS.md").find(r.out), std::string::npos)
      << "docs/EXPERIMENTS.md's reference is stale: paste ./build/treerec experiment --help-config into it";
}

}  // namespace
}  // namespace treerec
