#include "treerec/experiment/experiment_runner.h"

#include "treerec/eval/popularity.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "treerec/data/behavior_log.h"
#include "treerec/data/generator.h"
#include "treerec/eval/evaluate.h"
#include "treerec/eval/metrics.h"
#include "treerec/eval/validation.h"
#include "treerec/experiment/experiment_report.h"
#include "treerec/io/atomic_file.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"
#include "treerec/util/interrupt.h"
#include "treerec/util/parallel.h"
#include "treerec/util/timing.h"

namespace treerec {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, ": cannot open");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": not valid JSON: ", e.what());
  }
}


// The dataset: loaded (source = file), or prepared once into DIR/dataset.trec, whose recipe
// DIR/dataset.json must match for it to be reused.
Dataset obtain_dataset(const ExperimentConfig& c, const fs::path& dir, const ExperimentHooks& hooks) {
  auto log = [&](const std::string& s) { if (hooks.log) hooks.log(s); };
  if (c.source == "file") {
    log("loading " + c.dataset_path);
    return Dataset::load(c.dataset_path);
  }
  const std::string data_path = (dir / "dataset.trec").string(), recipe_path = (dir / "dataset.json").string();
  const nlohmann::json recipe = c.dataset_identity();
  if (output_exists(data_path) && output_exists(recipe_path)) {
    try {
      if (read_json(recipe_path) == recipe) {
        log("reusing " + data_path);
        return Dataset::load(data_path);
      }
      log(data_path + " was prepared with other settings: preparing it again");
    } catch (const Error& e) {
      log(std::string("cannot reuse ") + data_path + " (" + e.what() + "): preparing it again");
    }
  }
  const auto t0 = Clock::now();
  ReadOptions read = c.read;
  DatasetSource source{c.dataset_path, c.format, c.read.side_file, 0, 0};
  const std::string generated = (dir / "generated.csv").string();
  if (c.source == "generated") {
    log(cat("generating ", c.generate.records, " records for ", c.generate.users, " users and ", c.generate.items,
            " items (seed ", c.generate.seed, ")"));
    generate_behavior_log(c.generate, generated);
    read = ReadOptions{};
    read.format = LogFormat::userbehavior;
    read.input = generated;
    read.threads = c.threads;
    source = {"(generated)", "userbehavior", "", 0, 0};
  }
  log("preparing " + (c.source == "generated" ? std::string("the generated log") : c.dataset_path));
  Dataset d = Dataset::build(read_behavior_log(read), c.prepare, source);
  if (c.source == "generated") remove_output(generated);
  d.save(data_path);
  write_text_atomically(recipe_path, recipe.dump(2) + "\n");
  log(cat("prepared ", data_path, ": ", d.num_users(), " users, ", d.num_items(), " items, ", d.num_records(),
          " records (", fixed(seconds_since(t0), 1), " s)"));
  return d;
}

// What a run's result depends on besides its code and the results it reads (result_of):
// reused only when equal.
nlohmann::json result_identity(const ExperimentConfig& c, const Dataset& d, const std::string& method,
                               const nlohmann::json& settings, std::uint64_t seed) {
  return {{"method", method},     {"settings", settings},         {"dataset", c.dataset_identity()},
          {"seed", seed},         {"top", c.top},                 {"eval_users", c.eval_users},
          {"monitor_users", c.monitor_users}, {"items", d.num_items()}, {"records", d.num_records()}};
}

MethodResult run_method(const ExperimentMethod& info, MethodContext& ctx, const std::vector<std::uint32_t>& cutoffs) {
  MethodResult r;
  r.name = info.method.name;
  r.seed = ctx.seed;
  r.settings = ctx.settings;
  r.top = ctx.top;
  MethodOutcome o = info.run(ctx);
  TR_CHECK(o.lists.size() == ctx.users.size(), "method ", info.method.name, " returned ", o.lists.size(),
           " ranked lists for ", ctx.users.size(), " users");
  MetricsAccumulator acc(cutoffs);
  r.user_recall.reserve(ctx.users.size());
  r.user_precision.reserve(ctx.users.size());
  for (std::size_t q = 0; q < ctx.users.size(); ++q) {
    const auto items = o.lists.items_of(q);
    const auto truth = ctx.dataset.eval_truth(ctx.users[q]);
    acc.add(items, truth);
    MetricsAccumulator user({ctx.top});  // this user alone: the same definition as the means
    user.add(items, truth);
    const MetricsAtCutoff m = user.result().get(ctx.top);
    r.user_recall.push_back(m.recall);
    r.user_precision.push_back(m.precision);
  }
  r.ok = true;
  r.metrics = acc.result().json();
  const PopularityShare share = popularity_share(ctx.dataset, o.lists, ctx.top);
  r.popular_overlap = share.popular_overlap;
  r.coverage = share.coverage;
  r.history = std::move(o.history);
  r.rounds = std::move(o.rounds);
  r.extra = std::move(o.extra);
  r.train_seconds = o.train_seconds;
  r.retrieve_seconds = o.retrieve_seconds;
  return r;
}

// The identities of the runs one seed has finished so far (or reused), by method.
using SeedIdentities = std::map<std::string, nlohmann::json>;

// Whether the results a saved run read through result_of ("depends_on": {method: identity,
// or null when there was none}) are still those of this experiment's runs with the same seed.
bool same_dependencies(const nlohmann::json& saved, const SeedIdentities& finished) {
  if (!saved.is_object()) return false;
  for (const auto& [method, identity] : saved.items()) {
    auto it = finished.find(method);
    if ((it == finished.end() ? nlohmann::json() : it->second) != identity) return false;
  }
  return true;
}

}  // namespace

std::vector<std::uint32_t> report_cutoffs(std::uint32_t top) {
  TR_CHECK(top >= 1, "top must be at least 1");
  std::set<std::uint32_t> s(kDefaultCutoffs.begin(), kDefaultCutoffs.end());
  for (std::uint32_t m = 10; m <= top; m += 10) s.insert(m);
  s.insert(top);
  std::vector<std::uint32_t> out;
  for (auto m : s)
    if (m <= top) out.push_back(m);
  return out;
}

ExperimentReport run_experiment(const ExperimentConfig& config, const std::string& out_dir,
                                const ExperimentHooks& hooks) {
  auto log = [&](const std::string& s) { if (hooks.log) hooks.log(s); };
  std::function<const ExperimentMethod&(const std::string&)> find = hooks.find;
  if (!find) find = [](const std::string& n) -> const ExperimentMethod& { return experiment_method(n); };
  set_default_threads(config.threads);
  const fs::path dir(out_dir);
  fs::create_directories(dir / "methods");

  const Dataset dataset = obtain_dataset(config, dir, hooks);
  Tree tree = build_category_tree(dataset.item_categories(), dataset.item_ids());  // ALGORITHMS §3
  tree.set_categories(dataset.item_categories(), dataset.category_ids());
  tree.save((dir / "category.tree").string());
  const auto users = evaluation_users(dataset, Split::test, config.eval_users);
  log(cat("dataset: ", dataset.num_users(), " users, ", dataset.num_items(), " items, ", dataset.num_train_samples(),
          " train samples; category tree of ", tree.max_level(), " levels; measuring ", users.size(),
          " test users at M = ", config.top, "; ", config.seeds.size(), " seed(s)"));

  ExperimentReport report;
  report.title = config.name.empty() ? "treerec experiment" : config.name;
  report.config = config.to_json();
  report.dataset = dataset_stats(dataset);
  report.top = config.top;
  report.cutoffs = report_cutoffs(config.top);
  report.users = users;
  report.seeds = config.seeds;
  report.reference = config.reference;
  report.pairs = config.pairs;
  for (const std::string& name : config.methods) {
    MethodSummary m;
    m.name = name;
    const auto it = config.method_settings.find(name);
    if (it != config.method_settings.end()) m.settings = it->second;
    report.methods.push_back(std::move(m));
  }

  // Seed by seed, so that a full comparison exists after the first one.
  const std::size_t n = config.methods.size(), total = n * config.seeds.size();
  std::size_t step = 0;
  for (const std::uint64_t seed : config.seeds) {
    // Validation users: a seeded random sample (eval/validation.h), the same for every method.
    const std::vector<std::uint32_t> monitor = validation_users(dataset, config.monitor_users, seed);
    SeedIdentities finished;
    for (std::size_t i = 0; i < n; ++i) {
      MethodSummary& summary = report.methods[i];
      const std::string& name = summary.name;
      const std::string tag = cat("[", ++step, "/", total, "] ", name, " (seed ", seed, ")");
      const fs::path work = dir / "methods" / name / cat("seed-", seed);
      const std::string result_path = (work / "result.json").string();
      const nlohmann::json identity = result_identity(config, dataset, name, summary.settings, seed);
      if (output_exists(result_path)) {
        try {
          const nlohmann::json saved = read_json(result_path);
          if (saved.value("identity", nlohmann::json()) == identity &&
              same_dependencies(saved.value("depends_on", nlohmann::json::object()), finished)) {
            MethodResult r = MethodResult::from_json(saved.at("result"));
            TR_CHECK(r.user_recall.size() == users.size(), "it has ", r.user_recall.size(),
                     " per-user values for ", users.size(), " users");
            r.reused = true;
            log(tag + ": finished in an earlier run (" + result_path + "): not run again");
            finished[name] = identity;
            summary.runs.push_back(std::move(r));
            continue;
          }
          log(tag + ": " + result_path + " was made with other settings or inputs: running again");
        } catch (const std::exception& e) {
          log(tag + ": cannot reuse " + result_path + " (" + e.what() + "): running again");
        }
      }
      // A signal (util/interrupt.h) stops the experiment between methods, or inside one at its
      // next checkpoint; the finished results are kept and the next run of it resumes here.
      if (interrupted()) throw_interrupted(cat("before ", tag, ": running the experiment again continues from here"));
      log(tag + ": running");
      const auto t0 = Clock::now();
      MethodResult r;
      nlohmann::json depends_on = nlohmann::json::object();
      try {
        fs::create_directories(work);
        const ExperimentMethod& info = find(name);
        MethodContext ctx{.dataset = dataset,
                          .initial_tree = tree,
                          .settings = summary.settings,
                          .users = users,
                          .split = Split::test,
                          .top = config.top,
                          .seed = seed,
                          .threads = config.threads,
                          .work_dir = work.string(),
                          .log = [&](const std::string& s) { log("  " + name + ": " + s); },
                          .valid_users = monitor,
                          .result_of = [&](const std::string& m) {
                            // Only the methods before this one in `run` have run with this seed.
                            const auto it = finished.find(m);
                            depends_on[m] = it == finished.end() ? nlohmann::json() : it->second;
                            const MethodSummary* earlier = report.find(m);
                            const MethodResult* run = earlier ? earlier->run_for(seed) : nullptr;
                            return run && run->ok ? run->to_json() : nlohmann::json();
                          }};
        r = run_method(info, ctx, report.cutoffs);
        const nlohmann::json saved = {{"identity", identity}, {"depends_on", depends_on}, {"result", r.to_json()}};
        write_text_atomically(result_path, saved.dump(1) + "\n");
        finished[name] = identity;
        log(cat(tag, ": recall@", config.top, " ", fixed(100 * r.metric("recall", config.top), 2), "%, precision@",
                config.top, " ", fixed(100 * r.metric("precision", config.top), 2), "% (",
                fixed(seconds_since(t0), 1), " s)"));
      } catch (const Interrupted&) {
        throw;  // not a failure of the method: the experiment stops
      } catch (const std::exception& e) {
        r = MethodResult{};
        r.name = name;
        r.seed = seed;
        r.settings = summary.settings;
        r.error = e.what();
        log(tag + ": FAILED: " + r.error);
      }
      summary.runs.push_back(std::move(r));
    }
  }
  log("measuring intervals (bootstrap over users, " + std::to_string(kBootstrapResamples) + " resamples)");
  summarize(report, config.threads);
  write_report(report, out_dir);
  log("wrote " + (dir / "results.json").string() + ", results.csv, differences.csv, summary.md and report.html");
  return report;
}

}  // namespace treerec
