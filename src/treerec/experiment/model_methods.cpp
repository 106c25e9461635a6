// tdm, jtm-hi, jtm-h and dnn as methods of the experiment (ALGORITHMS §9): one preference model
// trained with the Trainer (ALGORITHMS §5) on the category tree (ALGORITHMS §3), then top-M retrieval for
// the evaluation users: beam search (ALGORITHMS §6), or brute force for dnn.
//
// In ctx.work_dir: model.trm (the trained model, with the identity it was trained under) and
// model.trm.ckpt (the checkpoint of an unfinished run). A finished model whose identity
// matches is reused; a checkpoint that matches is resumed; anything else is trained afresh.
#include <chrono>
#include <filesystem>
#include <numeric>

#include "treerec/eval/evaluate.h"
#include "treerec/eval/popularity.h"
#include "treerec/eval/validation.h"
#include "treerec/experiment/method_list.h"
#include "treerec/io/atomic_file.h"
#include "treerec/search/model_retrieval.h"
#include "treerec/train/trainer.h"
#include "treerec/util/error.h"
#include "treerec/util/interrupt.h"
#include "treerec/util/timing.h"

namespace treerec {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::vector<MethodParam> model_params(bool tree_method) {
  std::vector<MethodParam> p = convergence_params();
  const std::vector<MethodParam> rest =
      params_of(train_params(), {"batch_size", "negatives", "learning_rate", "lr_decay", "embedding_dim", "model",
                                 "shard_samples", "max_batches"});
  p.insert(p.end(), rest.begin(), rest.end());
  if (tree_method) {
    p.push_back(params_of(train_params(), {"layer_negatives"})[0]);
    p.push_back(params_of(retrieval_params(), {"beam"})[0]);
  }
  return p;
}

template <typename T>
T setting(const MethodContext& ctx, const char* key) {
  const nlohmann::json& v = ctx.settings.at(key);
  if constexpr (std::is_unsigned_v<T>) {
    if (v.get<std::int64_t>() < 0) fail("setting '", key, "' must not be negative, got ", v.dump());
  }
  return v.get<T>();
}

TrainOptions train_options(const MethodContext& ctx, const std::string& method) {
  TrainOptions o;
  o.method = method;
  apply_settings(train_params(), ctx, method, o);
  o.seed = ctx.seed;
  o.threads = ctx.threads;
  o.checkpoint_path = (fs::path(ctx.work_dir) / "model.trm.ckpt").string();
  o.validate(config_names("methods." + method + "."));
  return o;
}

void say(const MethodContext& ctx, const std::string& line) {
  if (ctx.log) ctx.log(line);
}

}  // namespace

std::string epoch_line(const EpochSummary& s, std::uint32_t epochs, std::uint32_t top) {
  std::string line = cat("epoch ", s.epoch + 1, "/", epochs, ": loss ", s.loss, ", ", s.seconds, " s");
  if (s.validated) {
    line += cat(", validation recall@", top, " ", s.score, s.best_epoch == s.epoch + 1 ? " (best)" : "");
    if (s.stop) line += cat("; best epoch ", s.best_epoch, ", stopping");
  }
  if (s.popularity_only) line += cat("; ", popularity_warning(s.popular_overlap, TrainOptions{}.popular_overlap_warning));
  return line;
}

std::vector<MethodParam> convergence_params() {
  return params_of(train_params(), {"epochs", "patience", "min_delta"});
}

namespace {

RankedLists retrieve_for(const MethodContext& ctx, const PreferenceModel& model, const HierarchicalPreference& features,
                         bool brute_force, std::span<const std::uint32_t> users) {
  const EvalUserHistories histories(ctx.dataset, users);
  RetrievalOptions ro;
  ro.top = ctx.top;
  ro.beam = ctx.settings.contains("beam") ? setting<std::uint32_t>(ctx, "beam") : ctx.top;
  ro.brute_force = brute_force;
  ro.threads = ctx.threads;
  return retrieve(model, features, ctx.initial_tree, histories, ro);
}

// The finished model in work_dir if it was trained under the same identity, else null.
std::unique_ptr<TrainedModel> reusable_model(const std::string& path, const nlohmann::json& identity,
                                             const MethodContext& ctx) {
  if (!output_exists(path)) return nullptr;
  try {
    auto m = std::make_unique<TrainedModel>(load_trained_model(path));
    if (m->info.options.value("experiment_identity", nlohmann::json()) == identity) return m;
    say(ctx, path + " was trained with other settings: training again");
  } catch (const Error& e) {
    say(ctx, std::string("cannot reuse ") + path + " (" + e.what() + "): training again");
  }
  return nullptr;
}

MethodOutcome run_model_method(const MethodContext& ctx, const std::string& name) {
  TR_CHECK(!ctx.work_dir.empty(), "method ", name, " needs a work folder");
  fs::create_directories(ctx.work_dir);
  const TrainOptions options = train_options(ctx, name);
  const std::string model_path = (fs::path(ctx.work_dir) / "model.trm").string();
  auto trainer = std::make_unique<Trainer>(ctx.dataset, ctx.initial_tree, options);
  const bool brute_force = trainer->method().brute_force;
  const nlohmann::json identity = {{"trainer", trainer->identity()}, {"max_batches", options.max_batches}};

  MethodOutcome out;
  std::unique_ptr<TrainedModel> reused = reusable_model(model_path, identity, ctx);
  if (reused) {
    say(ctx, "reusing the trained model " + model_path);
    out.history = reused->info.history;
    out.train_seconds = reused->info.options.value("train_seconds", 0.0);
  } else {
    const auto t0 = Clock::now();
    if (output_exists(options.checkpoint_path)) {
      try {
        trainer->resume();
        say(ctx, cat("resuming ", options.checkpoint_path, " at epoch ", trainer->position().epoch + 1, ", batch ",
                     trainer->position().next_batch));
      } catch (const Error& e) {
        say(ctx, cat("cannot resume ", options.checkpoint_path, " (", e.what(), "): starting afresh"));
        remove_output(options.checkpoint_path);
        trainer = std::make_unique<Trainer>(ctx.dataset, ctx.initial_tree, options);
      }
    }
    Trainer& t = *trainer;
    auto last = Clock::now();
    t.on_progress([&](const TrainProgress& p) {
      if (seconds_since(last) < 10) return;
      last = Clock::now();
      say(ctx, cat("epoch ", p.epoch + 1, "/", p.epochs, ": ", p.epoch_samples_done, " of ", p.epoch_samples,
                   " samples, loss ", p.loss));
    });
    if (!ctx.valid_users.empty()) {
      ValidationOptions vo;
      vo.top = ctx.top;
      vo.beam = ctx.settings.contains("beam") ? setting<std::uint32_t>(ctx, "beam") : ctx.top;
      vo.brute_force = brute_force;
      vo.threads = ctx.threads;
      t.on_validate(tree_validator(ctx.dataset, ctx.initial_tree, ctx.valid_users, vo));
    }
    t.on_epoch_end([&](const EpochSummary& s) -> nlohmann::json {
      say(ctx, epoch_line(s, options.epochs, ctx.top));
      return nullptr;
    });
    const bool done = t.run();
    if (!done && interrupted())
      throw_interrupted(training_stopped(name, options.checkpoint_path));
    out.history = t.history();
    if (!done) {  // stopped by max_batches: record the partial epoch so the loss is not lost
      const TrainPosition& p = t.position();
      out.history.push_back({{"epoch", p.epoch + 1},
                             {"loss", p.epoch_rows ? p.epoch_loss_sum / static_cast<double>(p.epoch_rows) : 0.0},
                             {"seconds", p.epoch_seconds},
                             {"batches", p.next_batch},
                             {"partial", true}});
      say(ctx, cat("stopped after max_batches = ", options.max_batches, " batches"));
    }
    out.train_seconds = seconds_since(t0);
    t.save(model_path, {{"experiment_identity", identity}, {"train_seconds", out.train_seconds}});
    if (!done) {  // save() keeps the checkpoint only for a finished run; this one must not resume
      remove_output(options.checkpoint_path);
    }
  }

  const auto r0 = Clock::now();
  const PreferenceModel& model = reused ? *reused->model : trainer->model();
  out.lists = retrieve_for(ctx, model, trainer->features(), brute_force, ctx.users);
  out.retrieve_seconds = seconds_since(r0);
  const std::uint64_t scored = std::accumulate(out.lists.scored.begin(), out.lists.scored.end(), std::uint64_t{0});
  out.extra = {{"model_file", model_path},
               {"reused_model", reused != nullptr},
               {"retrieval", brute_force ? "brute force" : "beam search"},
               {"scores_per_user", ctx.users.empty() ? 0.0 : static_cast<double>(scored) / static_cast<double>(ctx.users.size())},
               {"train_samples_per_epoch", ctx.dataset.num_train_samples()}};
  return out;
}

ExperimentMethod model_method(const std::string& name) {
  return {.method = method_named(name),
          .params = model_params(!method_named(name).brute_force),
          .run = [name](const MethodContext& ctx) { return run_model_method(ctx, name); }};
}

}  // namespace

std::vector<ExperimentMethod> model_methods() {
  return {model_method("tdm"), model_method("jtm-hi"), model_method("jtm-h"), model_method("dnn")};
}

}  // namespace treerec
