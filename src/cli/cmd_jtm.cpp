// treerec jtm: joint learning of the model and the tree (ALGORITHMS §8, JTM Algorithm 1), or TDM's
// k-means re-clustering loop (--relearn kmeans), round by round in an output folder
// (learn/joint_learning.h), with the rounds table on stderr and --resume after a kill.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/param_flags.h"
#include "cli/train_flags.h"
#include "treerec/io/output_paths.h"
#include "treerec/data/dataset.h"
#include "treerec/learn/joint_learning.h"
#include "treerec/model/method.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"
#include "treerec/util/interrupt.h"
#include "treerec/util/parallel.h"

namespace treerec::cli {
namespace {

struct Opts {
  std::string dataset;
  std::string tree;
  std::string out;
  std::string method;  // default: jtm-h for jtm, tdm for kmeans
  JointOptions joint;
};

void run(Opts& o) {
  const auto in_out = [&](const char* name) { return o.out.empty() ? std::string() : o.out + "/" + name; };
  check_outputs_are_not_inputs({{"--out's best.tree", in_out("best.tree")}, {"--out's best.model", in_out("best.model")}},
                               {{"dataset", o.dataset}, {"--tree", o.tree}});
  const auto t0 = std::chrono::steady_clock::now();
  JointOptions& j = o.joint;
  j.train.method = !o.method.empty() ? o.method : j.relearn == Relearn::jtm ? "jtm-h" : "tdm";
  j.kmeans.seed = j.learn.seed;
  j.train.validate(flag_names());
  set_default_threads(j.train.threads);
  j.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  // A training progress line about every 10 s.
  auto last = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  j.progress = [last](const TrainProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - *last).count() < 10) return;
    *last = now;
    std::fprintf(stderr, "  epoch %u/%u: %.1f%% of %llu samples, %.0f samples/s, loss %.5f\n", p.epoch + 1, p.epochs,
                 100.0 * static_cast<double>(p.epoch_samples_done) / static_cast<double>(p.epoch_samples),
                 static_cast<unsigned long long>(p.epoch_samples), p.samples_per_second, p.loss);
  };

  stop_on_signals();  // SIGINT/SIGTERM: stop at the next batch or before tree learning, saving the run
  const Dataset data = Dataset::load(o.dataset);
  const Tree tree = Tree::load(o.tree);
  tree.check_items(data.item_ids(), o.dataset);
  std::fprintf(stderr, "joint learning (%s, relearn %s): %u rounds of at most %u epochs on %u items, %u levels -> %s\n",
               j.train.method.c_str(), relearn_name(j.relearn), j.rounds, j.train.epochs, tree.num_items(),
               tree.max_level(), o.out.c_str());
  std::fprintf(stderr, "%s\n", rounds_table_header().c_str());
  const JointResult r = run_joint_learning(data, tree, j, o.out);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!r.finished) {
    char where[160];
    std::snprintf(where, sizeof where, "after %zu finished rounds (%.1f s); run again with --resume to continue",
                  r.rounds.size(), secs);
    if (interrupted()) throw_interrupted(where);
    std::fprintf(stderr, "stopped %s\n", where);
    return;
  }
  std::fprintf(stderr, "\n%s\n", rounds_table_header().c_str());
  for (const auto& s : r.rounds) std::fprintf(stderr, "%s\n", rounds_table_row(s, j.relearn == Relearn::jtm).c_str());
  std::fprintf(stderr, "best round %u -> %s, %s (%.1f s in all)\n", r.best_round, r.best_model.c_str(),
               r.best_tree.c_str(), secs);
}

const Command kCmd(55, [](CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "jtm", "joint learning of model and tree (JTM), or TDM's k-means re-clustering loop (--relearn kmeans)");
  auto opts = std::make_shared<Opts>();
  JointOptions& j = opts->joint;
  cmd->add_option("dataset", opts->dataset, "prepared dataset file (from `treerec prepare`)")->required();
  cmd->add_option("--tree", opts->tree, "initial tree of that dataset (from `treerec tree init`)")->required();
  cmd->add_option("--out,-o", opts->out,
                  "output folder: round-N/{tree,model,round.json}, rounds.json, best.model, best.tree")
      ->required();
  add_param_flags(cmd, joint_params(), j, {"rounds", "relearn"});
  cmd->add_option("--method", opts->method, "training method (default: jtm-h for jtm, tdm for kmeans)")
      ->check(CLI::IsMember(method_names([](const Method& m) { return m.trainable && !m.brute_force && !m.hsm; })));
  add_train_flags(cmd, j.train)
      ->description("most training epochs per round (early stopping on the validation users usually ends sooner)");
  add_param_flags(cmd, learn_params(), j.learn,
                  {"gap", "assign", "assign_candidates", "lookahead", "never_worse", "max_samples_per_item"});
  add_param_flags(cmd, kmeans_params(), j.kmeans, {"kmeans_iterations"});
  add_param_flags(cmd, learn_params(), j.learn, {"seed"}, "tree-");  // k-means takes it too (run)
  add_param_flags(cmd, joint_params(), j, {"valid_users"});
  cmd->add_flag("--resume", j.resume,
                "continue the run in --out: finished rounds are kept, an interrupted training continues from "
                "its checkpoint (starts afresh if the folder holds no run)");
  cmd->footer("Ctrl-C or SIGTERM stops at the next training batch (writing the round's checkpoint) or before\n"
              "tree learning, and exits with 130 or 143; --resume continues. A second signal ends it at once.");
  cmd->callback([opts] { run(*opts); });
});

}  // namespace
}  // namespace treerec::cli
