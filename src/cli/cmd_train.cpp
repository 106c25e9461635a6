// treerec train: trains a preference model on a dataset and a tree (ALGORITHMS §4, §5; the DNN
// baseline of ALGORITHMS §9), with checkpoints (<out>.ckpt) that --resume continues, and validation
// recall after every epoch.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/baseline_commands.h"
#include "cli/command.h"
#include "cli/train_flags.h"
#include "treerec/data/dataset.h"
#include "treerec/io/atomic_file.h"
#include "treerec/eval/popularity.h"
#include "treerec/eval/validation.h"
#include "treerec/io/output_paths.h"
#include "treerec/learn/joint_learning.h"
#include "treerec/model/method.h"
#include "treerec/model/model_file.h"
#include "treerec/train/trainer.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"
#include "treerec/util/hash.h"
#include "treerec/util/interrupt.h"
#include "treerec/util/parallel.h"
#include "treerec/util/timing.h"

namespace treerec::cli {
namespace {

struct Opts {
  std::string dataset;
  std::string tree;
  std::string out;
  TrainOptions train;
  bool resume = false;
  std::uint32_t valid_users = JointOptions{}.valid_users;  // one default for train and jtm
  std::string init_model;  // warm start (ALGORITHMS §8)
  std::string init_tree;   // the tree init_model was trained on
  std::vector<std::string> given;  // the flags on the command line ("--epochs")
  bool has(const std::string& flag) const { return std::find(given.begin(), given.end(), flag) != given.end(); }
  ItemCfOptions itemcf;
};

// Warm start: the initial model and the tree it was trained on (--init-tree, else the tree its
// training recorded), checked against each other by the assignment hash the model records.
// The model kind and embedding size follow the initial model unless given.
struct InitModel {
  TrainedModel trained;
  Tree tree;
};
InitModel load_init_model(Opts& o) {
  InitModel m;
  m.trained = load_trained_model(o.init_model);
  const nlohmann::json& rec = m.trained.info.options;
  std::string tree_path = o.init_tree;
  if (tree_path.empty()) {
    if (!rec.contains("tree") || !rec.at("tree").is_string())
      fail(o.init_model, " does not record its tree file: give it with --init-tree");
    tree_path = rec.at("tree").get<std::string>();
  }
  m.tree = Tree::load(tree_path);
  check_model_tree(m.trained.info, m.tree, o.init_model, tree_path);  // and its assignment
  if (!o.has("--model")) o.train.model = m.trained.model->kind();
  if (!o.has("--embedding-dim")) o.train.embedding_dim = m.trained.model->config().embedding_dim;
  return m;
}

using Clock = std::chrono::steady_clock;

std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1f s", seconds);
    return buf;
  }
  const auto s = static_cast<unsigned long long>(seconds + 0.5);
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%llu:%02llu", s / 60, s % 60);
  return buf;
}

// A one-line bar on a terminal (redrawn a few times a second), else a log line every ~10 s.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool terminal) : terminal_(terminal), last_(Clock::now()) {}

  void update(const TrainProgress& p) {
    const double since = std::chrono::duration<double>(Clock::now() - last_).count();
    if (since < (terminal_ ? 0.2 : 10.0)) return;
    last_ = Clock::now();
    const double pct = 100.0 * static_cast<double>(p.epoch_samples_done) / static_cast<double>(p.epoch_samples);
    const std::string left = duration(static_cast<double>(p.samples_left) / p.samples_per_second);
    if (terminal_) {
      constexpr int kWidth = 24;
      const int filled = static_cast<int>(pct / 100.0 * kWidth);
      std::string bar(static_cast<std::size_t>(filled), '#');
      bar.resize(kWidth, '.');
      std::fprintf(stderr, "\r\033[Kepoch %u/%u [%s] %5.1f%%  %.0f samples/s  loss %.5f  %s left", p.epoch + 1,
                   p.epochs, bar.c_str(), pct, p.samples_per_second, p.loss, left.c_str());
      drawn_ = true;
    } else {
      std::fprintf(stderr, "epoch %u/%u: %.1f%% of %llu samples, %.0f samples/s, loss %.5f, %s left\n", p.epoch + 1,
                   p.epochs, pct, static_cast<unsigned long long>(p.epoch_samples), p.samples_per_second, p.loss,
                   left.c_str());
    }
    std::fflush(stderr);
  }
  // Clears the bar before a normal line is printed.
  void clear() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }

 private:
  bool terminal_;
  bool drawn_ = false;
  Clock::time_point last_;
};

void run(Opts& o) {
  check_outputs_are_not_inputs({{"--out", o.out}, {"--out's checkpoint", o.out + ".ckpt"}},
                               {{"dataset", o.dataset}, {"--tree", o.tree}, {"--init-model", o.init_model},
                                {"--init-tree", o.init_tree}});
  const auto t0 = Clock::now();
  refuse_unused_flags(o.train.method, o.given);
  set_default_threads(o.train.threads);
  if (is_treeless_baseline(o.train.method))  // itemcf, youtube: no tree (ALGORITHMS §9)
    return train_treeless_baseline(o.dataset, o.out, o.train, o.itemcf, o.valid_users);
  if (o.tree.empty()) fail("--method ", o.train.method, " trains on a tree: give --tree");
  o.train.validate(flag_names());
  o.train.checkpoint_path = o.out + ".ckpt";
  stop_on_signals();  // SIGINT/SIGTERM: the trainer stops at its next batch and writes its checkpoint
  const bool have_checkpoint = continues_checkpoint(o.train.checkpoint_path, o.resume, "run", o.out);

  const Dataset data = Dataset::load(o.dataset);
  const Tree tree = Tree::load(o.tree);
  tree.check_items(data.item_ids(), o.dataset);

  InitModel init;
  if (!o.init_model.empty()) init = load_init_model(o);
  Trainer trainer(data, tree, o.train);
  if (!o.init_model.empty()) {
    trainer.warm_start(*init.trained.model, init.tree);
    std::fprintf(stderr, "warm start from %s\n", o.init_model.c_str());
  }
  const TrainOptions& used = trainer.options();
  if (have_checkpoint) {
    trainer.resume();
    std::fprintf(stderr, "resuming %s: epoch %u/%u, batch %llu/%llu\n", o.train.checkpoint_path.c_str(),
                 std::min(trainer.position().epoch + 1, used.epochs), used.epochs,
                 static_cast<unsigned long long>(trainer.position().next_batch),
                 static_cast<unsigned long long>(trainer.batches_per_epoch()));
  }
  std::fprintf(stderr, "training %s (%s model, %u levels, %u items) on %llu samples per epoch: %u epochs, batch %u, "
               "%s, lr %g, threads %d\n",
               used.method.c_str(), used.model.c_str(), tree.max_level(), tree.num_items(),
               static_cast<unsigned long long>(data.num_train_samples()), used.epochs, used.batch_size,
               trainer.method().hsm ? "siblings as negatives" : cat(used.negatives, " negatives per sample").c_str(),
               static_cast<double>(used.learning_rate), default_threads());

  // Validation recall@200 after every epoch on a seeded sample of validation users (ALGORITHMS §5).
  const std::vector<std::uint32_t> valid = validation_users(data, o.valid_users, used.seed);
  ValidationOptions vo;
  vo.brute_force = trainer.method().brute_force;
  vo.path_sum = trainer.method().hsm;
  vo.threads = used.threads;
  if (!valid.empty()) trainer.on_validate(tree_validator(data, tree, valid, vo));
  else if (used.patience > 0)
    std::fprintf(stderr, "no validation users: early stopping is off, all %u epochs run\n", used.epochs);

  ProgressPrinter printer(stderr_is_terminal());
  trainer.on_progress([&](const TrainProgress& p) { printer.update(p); });
  trainer.on_epoch_end([&](const EpochSummary& s) {
    printer.clear();
    std::fprintf(stderr, "epoch %u/%u: loss %.5f, %s, %.0f samples/s, lr %g\n", s.epoch + 1, used.epochs, s.loss,
                 duration(s.seconds).c_str(), s.seconds > 0 ? static_cast<double>(s.samples) / s.seconds : 0.0,
                 static_cast<double>(s.learning_rate));
    if (s.validated)
      std::fprintf(stderr, "  validation (%zu users): recall@200 %.4f%%%s%s\n", valid.size(), 100 * s.score,
                   s.best_epoch == s.epoch + 1 ? " (best)" : cat(" (best: epoch ", s.best_epoch, ")").c_str(),
                   s.stop ? cat("; no progress for ", used.patience, " epochs: stopping").c_str() : "");
    if (s.popularity_only)
      std::fprintf(stderr, "  %s\n", popularity_warning(s.popular_overlap, used.popular_overlap_warning).c_str());
    return nlohmann::json(nullptr);
  });
  if (!trainer.run()) {  // stopped by --max-batches or a signal: the checkpoint holds the run, no model yet
    printer.clear();
    const std::string saved = cat("the run is saved in ", o.train.checkpoint_path, "; continue it with --resume");
    if (interrupted()) throw_interrupted(cat("at batch ", trainer.position().batches, ": ", saved));
    std::fprintf(stderr, "stopped after %llu batches (--max-batches): %s\n",
                 static_cast<unsigned long long>(used.max_batches), saved.c_str());
    return;
  }
  printer.clear();
  if (used.patience > 0 && !valid.empty())
    std::fprintf(stderr, "trained %u epochs; the model is epoch %u's\n", trainer.epochs_trained(), trainer.best_epoch());
  nlohmann::json record = {{"dataset", o.dataset}, {"tree", o.tree}, {"valid_users", o.valid_users}};
  if (!o.init_model.empty()) record["init_model"] = o.init_model;
  trainer.save(o.out, record);
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::fprintf(stderr, "wrote %s (%s in all)\n", o.out.c_str(), duration(secs).c_str());
}

const Command kCmd(50, [](CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "train a model (tdm, jtm-hi, jtm-h, hsm on a tree; dnn, youtube, itemcf baselines)");
  auto opts = std::make_shared<Opts>();
  TrainOptions& t = opts->train;
  cmd->add_option("dataset", opts->dataset, "prepared dataset file (from `treerec prepare`)")->required();
  cmd->add_option("--tree", opts->tree, "tree file of that dataset (from `treerec tree init`; not for itemcf, youtube)");
  cmd->add_option("--method", t.method,
                  "tdm (leaf-item behaviours), jtm-hi (a behaviour table per level), jtm-h (behaviours as "
                  "their ancestors at the scored level), dnn (no tree: corpus negatives, brute-force retrieval), "
                  "hsm (sibling negatives, path-probability beam search), youtube (sampled-softmax product DNN), "
                  "itemcf (item-based collaborative filtering)")
      ->check(CLI::IsMember(method_names(train_command_takes)))
      ->required();
  cmd->add_option("--out,-o", opts->out, "model file to write; checkpoints go to <out>.ckpt")->required();
  add_train_flags(cmd, t);
  cmd->add_flag("--resume", opts->resume, "continue the run saved in <out>.ckpt (starts afresh if there is none)");
  cmd->footer("Ctrl-C or SIGTERM stops a tree-method run at its next batch: it writes <out>.ckpt and exits with\n"
              "130 or 143; --resume continues it. A second signal ends the process at once.");
  cmd->add_option("--valid-users", opts->valid_users,
                  "validation users evaluated after every epoch, a random sample drawn by --seed (recall@200 "
                  "drives early stopping; 0 = skip); the same parameter as jtm's")
      ->capture_default_str();
  add_itemcf_train_options(cmd, opts->itemcf);
  cmd->add_option("--init-model", opts->init_model,
                  "warm start: begin from this trained model (its node embeddings follow their codes onto --tree)");
  cmd->add_option("--init-tree", opts->init_tree,
                  "the tree --init-model was trained on (default: the tree file its training recorded)");
  cmd->callback([opts, cmd] {
    for (const CLI::Option* opt : cmd->get_options())
      if (opt->count() > 0 && !opt->get_lnames().empty()) opts->given.push_back("--" + opt->get_lnames().front());
    run(*opts);
  });
});

}  // namespace
}  // namespace treerec::cli
