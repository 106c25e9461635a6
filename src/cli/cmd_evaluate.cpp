// `treerec evaluate`: precision, recall and F of a trained model on the validation or test
// users of a dataset (ALGORITHMS §6, §10), or of the most-popular-items baseline (--popular).
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/baseline_commands.h"
#include "cli/command.h"
#include "cli/filter_flags.h"
#include "cli/param_flags.h"
#include "treerec/search/model_retrieval.h"
#include "cli/model_inputs.h"
#include "treerec/eval/evaluate.h"
#include "treerec/baselines/model_kind.h"
#include "treerec/eval/popularity.h"
#include "treerec/train/train_options.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"

namespace treerec::cli {
namespace {

struct Opts {
  std::string dataset;
  std::string model;
  std::string tree;
  std::string split = "valid";
  bool json = false;
  RetrievalOptions retrieval;  // beam and top
  bool brute_force = false;
  bool popular = false;
  bool exclude_seen = false;
  std::uint32_t max_users = 0;
  FilterFlags filter;
  int threads = 0;
  BaselineRetrieveOpts baseline;
};

void print(const Opts& o, const std::string& method, const std::string& retrieval,
           const EvaluateResult& r) {
  const Metrics& m = r.metrics;
  if (o.json) {
    nlohmann::json j = m.json();
    j["method"] = method;
    j["retrieval"] = retrieval;
    j["split"] = o.split;
    j["dataset"] = o.dataset;
    if (!o.popular) {
      j["model"] = o.model;
      j["tree"] = o.tree;
      if (retrieval == "beam") j["beam"] = o.retrieval.beam;
    }
    j["top"] = o.retrieval.top;
    j["exclude_seen"] = o.exclude_seen;
    j["seconds"] = r.seconds;
    j["nodes_scored_per_user"] = r.nodes_scored_per_user;
    j["popular_overlap"] = r.popular_overlap;
    j["coverage"] = r.coverage;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::string head = cat("method: ", method, ", split: ", o.split, ", retrieval: ", retrieval);
  if (retrieval == "beam") head += cat(" (k = ", o.retrieval.beam, ")");
  std::printf("%s, M = %u%s\n%s", head.c_str(), o.retrieval.top,
              o.exclude_seen ? ", seen items excluded" : "", m.table().c_str());
  std::printf("time: %.3f s\nnodes scored per user: %.1f\n", r.seconds, r.nodes_scored_per_user);
  std::printf("overlap with the most-popular top %u: %.1f%% (mean per user); coverage: %.2f%% of the items\n",
              o.retrieval.top, 100 * r.popular_overlap, 100 * r.coverage);
  if (!o.popular) {
    const std::string w = popularity_warning(r.popular_overlap, TrainOptions{}.popular_overlap_warning);
    if (!w.empty()) std::fprintf(stderr, "%s\n", w.c_str());
  }
}

void run(const Opts& o) {
  set_default_threads(o.threads);
  EvaluateOptions eo;
  eo.split = o.split == "test" ? Split::test : Split::valid;
  eo.beam = o.retrieval.beam;
  eo.top = o.retrieval.top;
  eo.max_users = o.max_users;
  eo.exclude_seen = o.exclude_seen;
  eo.threads = o.threads;
  if (!o.filter.empty() && (o.popular || (!o.model.empty() && model_file_kind(o.model) != ModelKind::preference)))
    fail("--categories, --exclude-categories and --exclude-items filter inside beam search or brute force: they "
         "apply to tree models and dnn, not to --popular, itemcf or youtube");
  if (o.popular) {
    const Dataset dataset = Dataset::load(o.dataset);
    print(o, "popular", "none", evaluate_popularity(dataset, eo));
    return;
  }
  if (!o.model.empty() && model_file_kind(o.model) != ModelKind::preference) {  // itemcf, youtube: no tree
    const auto t0 = std::chrono::steady_clock::now();
    const Dataset dataset = Dataset::load(o.dataset);
    const auto users = evaluation_users(dataset, eo.split, eo.max_users);
    BaselineLists b;
    const RankedLists lists = lists_of_ranker(dataset, users, o.retrieval.top, o.exclude_seen, [&](std::uint32_t depth) {
      b = retrieve_baseline(o.model, dataset, o.dataset, users, depth, o.threads, o.baseline);
      return std::move(b.lists);
    });
    EvaluateResult r = measure_result(dataset, users, lists, o.retrieval.top);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    print(o, b.method, b.retrieval, r);
    return;
  }
  if (o.model.empty() || o.tree.empty())
    fail("evaluate needs --model and --tree (or --popular for the most-popular-items baseline)");
  const ModelInputs in = ModelInputs::load(o.dataset, o.model, o.tree);
  // Methods without a tree model (dnn) can only be brute-forced (ALGORITHMS §9).
  eo.brute_force = o.brute_force || in.method.brute_force;
  eo.path_sum = in.method.hsm;
  note_short_beam(eo.brute_force, eo.beam, eo.top);
  const auto filter = make_filter(o.filter, in.dataset, in.tree);
  eo.filter = filter.get();
  const EvaluateResult r = evaluate(in.dataset, in.tree, *in.trained.model, in.features, eo);
  print(o, in.method.name, eo.brute_force ? "brute-force" : "beam", r);
}

const Command kCmd(70, [](CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "evaluate", "precision, recall and F@M of a trained model (or the most-popular baseline)");
  // Item-CF and YouTube model files need no --tree (the file's kind decides, cli/baseline_commands.h).
  auto opts = std::make_shared<Opts>();
  cmd->add_option("dataset", opts->dataset, "prepared dataset file (from `treerec prepare`)")->required();
  auto* model = cmd->add_option("--model", opts->model, "trained model file (from `treerec train`)");
  auto* tree = cmd->add_option("--tree", opts->tree, "the tree file the model was trained with");
  cmd->add_option("--split", opts->split, "users to evaluate")
      ->check(CLI::IsMember({"valid", "test"}))
      ->capture_default_str();
  cmd->add_flag("--json", opts->json, "print one JSON object instead of a table");
  auto* beam = add_param_flags(cmd, retrieval_params(), opts->retrieval, {"beam", "top"})[0];
  auto* brute = cmd->add_flag("--brute-force", opts->brute_force,
                              "score every item instead of beam search (always so for dnn)");
  auto* popular = cmd->add_flag("--popular", opts->popular,
                                "evaluate the most-popular-items baseline (no model or tree)");
  popular->excludes(model)->excludes(tree)->excludes(beam)->excludes(brute);
  cmd->add_flag("--exclude-seen", opts->exclude_seen,
                "never list a user's seen items (the first half of its sequence), as in production; lists are cut at M "
                "after removing them (beam search may return fewer)");
  add_filter_flags(*cmd, opts->filter);
  cmd->add_option("--max-users", opts->max_users, "evaluate a uniform random sample of N of the split's users, the same for every run (0 = all)")
      ->capture_default_str();
  add_baseline_retrieve_options(cmd, opts->baseline);
  add_threads_option(cmd, opts->threads);
  cmd->callback([opts] { run(*opts); });
});

}  // namespace
}  // namespace treerec::cli
