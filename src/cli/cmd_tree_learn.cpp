// `treerec tree learn|diff`: JTM tree learning (ALGORITHMS §7) from a trained model, and the
// comparison of two trees (items moved per level; with a dataset and model, both objectives).
// Registered after `tree` (order 40) and added to its subcommands.
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "cli/model_inputs.h"
#include "cli/param_flags.h"
#include "treerec/io/atomic_file.h"
#include "treerec/io/output_paths.h"
#include "treerec/learn/tree_learner.h"
#include "treerec/util/error.h"
#include "treerec/util/interrupt.h"
#include "treerec/util/parallel.h"

namespace treerec::cli {
namespace {

struct LearnOpts {
  std::string dataset, model, tree, out;
  TreeLearnOptions learn;
  bool json = false;
  bool resume = false;
};

struct DiffOpts {
  std::string old_tree, new_tree, dataset, model;
  std::uint32_t max_samples_per_item = 0;
  std::uint64_t seed = 1;
  int threads = 0;
  bool json = false;
};

ModelInputs load_inputs(const std::string& dataset, const std::string& model, const std::string& tree) {
  ModelInputs in = ModelInputs::load(dataset, model, tree);
  if (in.method.brute_force)
    fail(model, ": method ", in.method.name, " scores items without a tree; tree learning needs a model "
         "trained with tdm, jtm-hi or jtm-h");
  return in;
}

// One line per level: how many items changed their ancestor there.
void print_moves(const std::vector<std::uint64_t>& moved, std::uint32_t items) {
  std::fprintf(stderr, "%5s %12s %9s\n", "level", "items moved", "share");
  for (std::size_t l = 0; l < moved.size(); ++l)
    std::fprintf(stderr, "%5zu %12llu %8.2f%%\n", l, static_cast<unsigned long long>(moved[l]),
                 100.0 * static_cast<double>(moved[l]) / items);
}

void run_learn(LearnOpts& o) {
  o.learn.checkpoint_path = o.out + ".ckpt";
  check_outputs_are_not_inputs({{"--out", o.out}, {"--out's checkpoint", o.learn.checkpoint_path}},
                               {{"dataset", o.dataset}, {"--model", o.model}, {"--tree", o.tree}});
  learn_params().check(o.learn, flag_names());
  set_default_threads(o.learn.threads);
  stop_on_signals();  // SIGINT/SIGTERM: stop after the gap in progress, which is checkpointed
  continues_checkpoint(o.learn.checkpoint_path, o.resume, "tree-learning pass", o.out);  // learn_tree reads it
  const auto t0 = std::chrono::steady_clock::now();
  const ModelInputs in = load_inputs(o.dataset, o.model, o.tree);
  o.learn.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  const TreeLearnResult r = learn_tree(in.dataset, in.tree, *in.trained.model, in.features, o.learn);
  r.tree.save(o.out);
  remove_output(o.learn.checkpoint_path);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  print_moves(r.moved_per_level, r.tree.num_items());
  std::fprintf(stderr, "objective (Σ log p̂ of the positives): old %.6g, learned %.6g (%+.6g)%s\n",
               r.objective_old, r.objective_learned, r.objective_learned - r.objective_old,
               r.kept_old ? ": lower, so the old tree is kept" : "");
  std::fprintf(stderr, "tree learn: %llu samples, %llu node scores, scoring %.2f s, assignment %.2f s, "
               "total %.2f s -> %s\n",
               static_cast<unsigned long long>(r.samples), static_cast<unsigned long long>(r.node_scores),
               r.scoring_seconds, r.assign_seconds, secs, o.out.c_str());
  if (o.json) {
    nlohmann::json j{{"out", o.out},
                     {"method", in.method.name},
                     {"gap", o.learn.gap},
                     {"assign", assign_method_name(o.learn.assign)},
                     {"assign_candidates", o.learn.assign_candidates},
                     {"max_samples_per_item", o.learn.max_samples_per_item},
                     {"seed", o.learn.seed}};
    j.update(r.to_json());
    j["seconds"] = secs;
    std::printf("%s\n", j.dump(2).c_str());
  }
}

void run_diff(const DiffOpts& o) {
  set_default_threads(o.threads);
  const Tree old_tree = Tree::load(o.old_tree);
  const Tree new_tree = Tree::load(o.new_tree);
  if (old_tree.fingerprint() != new_tree.fingerprint() || old_tree.max_level() != new_tree.max_level())
    fail(o.old_tree, " and ", o.new_tree, " hold different items or have different depths: only trees of "
         "one dataset can be compared");
  const auto moved = moved_per_level(old_tree, new_tree);
  nlohmann::json j{{"old", o.old_tree}, {"new", o.new_tree}, {"items", old_tree.num_items()},
                   {"l_max", old_tree.max_level()}, {"moved_per_level", moved}};
  if (!o.dataset.empty()) {
    // Both objectives are scored by the model with the features of the tree it was trained on,
    // OLD (ModelInputs checks it), as `tree learn` scores them.
    const ModelInputs in = load_inputs(o.dataset, o.model, o.old_tree);
    const double old_obj = tree_objective(in.dataset, in.tree, *in.trained.model, in.features, old_tree,
                                          o.max_samples_per_item, o.seed, o.threads);
    const double new_obj = tree_objective(in.dataset, in.tree, *in.trained.model, in.features, new_tree,
                                          o.max_samples_per_item, o.seed, o.threads);
    j["objective_old"] = old_obj;
    j["objective_new"] = new_obj;
  }
  if (o.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%5s %12s %9s\n", "level", "items moved", "share");
  for (std::size_t l = 0; l < moved.size(); ++l)
    std::printf("%5zu %12llu %8.2f%%\n", l, static_cast<unsigned long long>(moved[l]),
                100.0 * static_cast<double>(moved[l]) / old_tree.num_items());
  if (j.contains("objective_old"))
    std::printf("objective (Σ log p̂ of the positives): old %.6g, new %.6g (%+.6g)\n",
                j["objective_old"].get<double>(), j["objective_new"].get<double>(),
                j["objective_new"].get<double>() - j["objective_old"].get<double>());
}

const Command kCmd(41, [](CLI::App& app) {
  CLI::App* tree = app.get_subcommand("tree");

  auto lo = std::make_shared<LearnOpts>();
  auto* learn = tree->add_subcommand("learn", "learn a new tree from a trained model (JTM Algorithm 2)");
  learn->add_option("dataset", lo->dataset, "prepared dataset file (from `treerec prepare`)")->required();
  learn->add_option("--model", lo->model, "trained model file (tdm, jtm-hi or jtm-h)")->required();
  learn->add_option("--tree", lo->tree, "the tree file the model was trained with")->required();
  learn->add_option("--out,-o", lo->out, "learned tree file to write")->required();
  add_param_flags(learn, learn_params(), lo->learn,
                  {"gap", "assign", "assign_candidates", "lookahead", "never_worse", "max_samples_per_item", "seed",
                   "threads"});
  learn->add_flag("--json", lo->json, "also print a JSON summary on stdout");
  learn->add_flag("--resume", lo->resume,
                  "continue the pass saved in <out>.ckpt after its last finished gap (starts afresh if there is none)");
  learn->footer("A checkpoint <out>.ckpt is written after every gap and removed with the tree written. Ctrl-C or\n"
                "SIGTERM stops after the gap in progress and exits with 130 or 143; --resume continues to the same tree.");
  learn->callback([lo] { run_learn(*lo); });

  auto d = std::make_shared<DiffOpts>();
  auto* diff = tree->add_subcommand(
      "diff", "items moved per level between two trees; with --dataset and --model, both objectives");
  diff->add_option("old", d->old_tree, "first tree file (with --model: the tree the model was trained on)")
      ->required();
  diff->add_option("new", d->new_tree, "second tree file, of the same dataset")->required();
  auto* ds = diff->add_option("--dataset", d->dataset, "prepared dataset file, to compute the objectives");
  auto* md = diff->add_option("--model", d->model, "trained model file (trained on OLD)");
  ds->needs(md);
  md->needs(ds);
  diff->add_option("--max-samples-per-item", d->max_samples_per_item, "as for `tree learn`")->capture_default_str();
  diff->add_option("--seed", d->seed, "as for `tree learn`")->capture_default_str();
  add_threads_option(diff, d->threads);
  diff->add_flag("--json", d->json, "print JSON instead of a table");
  diff->callback([d] { run_diff(*d); });
});

}  // namespace
}  // namespace treerec::cli
