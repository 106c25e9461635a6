// The baselines of ALGORITHMS §9 that are not tree-model variants of TDM/JTM: itemcf, youtube and
// hsm, as `treerec experiment` runs them (docs/BASELINES.md), and the most-popular floor
// (popular, not in the papers). Each reuses the finished model it finds in its work folder,
// so a killed experiment resumes without retraining.
#include <chrono>
#include <filesystem>
#include <memory>

#include "treerec/baselines/item_cf.h"
#include "treerec/baselines/youtube_retrieval.h"
#include "treerec/baselines/youtube_trainer.h"
#include "treerec/eval/evaluate.h"
#include "treerec/eval/popularity.h"
#include "treerec/eval/validation.h"
#include "treerec/experiment/method_list.h"
#include "treerec/io/atomic_file.h"
#include "treerec/search/model_retrieval.h"
#include "treerec/search/model_scorer.h"
#include "treerec/train/trainer.h"
#include "treerec/util/error.h"
#include "treerec/util/interrupt.h"
#include "treerec/util/timing.h"

namespace treerec {
namespace {

using Clock = std::chrono::steady_clock;

template <typename T>
T get(const MethodContext& ctx, const char* name) {
  return ctx.settings.at(name).get<T>();
}

std::string work_file(const MethodContext& ctx, const std::string& name) {
  if (ctx.work_dir.empty()) return {};
  std::filesystem::create_directories(ctx.work_dir);
  return (std::filesystem::path(ctx.work_dir) / name).string();
}

void log(const MethodContext& ctx, const std::string& line) {
  if (ctx.log) ctx.log(line);
}

MethodOutcome run_itemcf(const MethodContext& ctx) {
  MethodOutcome out;
  ItemCfOptions o;
  apply_settings(itemcf_params(), ctx, "itemcf", o);
  o.threads = ctx.threads;
  const std::string path = work_file(ctx, "itemcf.model");
  auto t0 = Clock::now();
  ItemCf cf;
  if (!path.empty() && output_exists(path)) {
    cf = ItemCf::load(path);
    cf.check_dataset(ctx.dataset, "the experiment's dataset");
    log(ctx, "reusing " + path);
  } else {
    cf = ItemCf::build(ctx.dataset, o);
    if (!path.empty()) cf.save(path);
  }
  out.train_seconds = seconds_since(t0);
  t0 = Clock::now();
  ItemCfRetrieveOptions ro;
  ro.top = ctx.top;
  ro.threads = ctx.threads;
  out.lists = cf.retrieve(EvalUserHistories(ctx.dataset, ctx.users), ro);
  out.retrieve_seconds = seconds_since(t0);
  out.extra = cf.figures();
  return out;
}

// Every user gets the same list: the items most frequent in train users' sequences
// (eval/popularity.h). Nothing is trained and nothing depends on the seed.
MethodOutcome run_popular(const MethodContext& ctx) {
  MethodOutcome out;
  auto t0 = Clock::now();
  const std::vector<std::uint32_t> popular = most_popular_items(ctx.dataset, ctx.top);
  out.train_seconds = seconds_since(t0);
  t0 = Clock::now();
  RankedListsBuilder lists(ctx.users.size(), ctx.top);
  std::vector<float> scores(popular.size());
  for (std::size_t i = 0; i < scores.size(); ++i) scores[i] = static_cast<float>(popular.size() - i);  // rank order
  for (std::size_t q = 0; q < ctx.users.size(); ++q) lists.set(q, popular, scores, 0);
  out.lists = std::move(lists).finish();
  out.retrieve_seconds = seconds_since(t0);
  out.extra = {{"items", popular.size()}};
  return out;
}

MethodOutcome run_youtube(const MethodContext& ctx) {
  MethodOutcome out;
  YoutubeTrainOptions o;
  apply_settings(youtube_params(), ctx, "youtube", o);
  o.seed = ctx.seed;
  o.threads = ctx.threads;
  o.validate(config_names("methods.youtube."));
  YoutubeRetrieveOptions ro;
  ro.top = ctx.top;
  ro.threads = ctx.threads;
  const std::string path = work_file(ctx, "youtube.model");
  auto t0 = Clock::now();
  // The model: trained now (and saved when there is a work folder), or a finished one reused.
  std::unique_ptr<YoutubeTrainer> trainer;
  TrainedYoutube trained;
  const YoutubeModel* model = nullptr;
  if (path.empty() || !output_exists(path)) {
    trainer = std::make_unique<YoutubeTrainer>(ctx.dataset, o);
    if (!ctx.valid_users.empty()) trainer->on_validate(youtube_validator(ctx.dataset, ctx.valid_users, ctx.top, ctx.threads));
    trainer->on_epoch_end([&](const YoutubeEpoch& e) -> nlohmann::json {
      log(ctx, cat("epoch ", e.epoch + 1, "/", o.epochs, " loss ", e.loss,
                   e.validated ? cat(", validation recall@", ctx.top, " ", e.score, " (best: epoch ", e.best_epoch, ")")
                               : std::string()));
      return nullptr;
    });
    trainer->run();
    if (!path.empty()) trainer->save(path);
    model = &trainer->model();
    out.history = trainer->history();
  } else {
    log(ctx, "reusing " + path);
    trained = load_youtube_model(path);
    trained.check_dataset(ctx.dataset, "the experiment's dataset");
    model = trained.model.get();
    out.history = trained.training.at("history");
  }
  out.train_seconds = seconds_since(t0);
  const EvalUserHistories histories(ctx.dataset, ctx.users);
  t0 = Clock::now();
  out.lists = youtube_retrieve_exact(*model, histories, ro);
  out.retrieve_seconds = seconds_since(t0);
  HnswOptions h;
  apply_settings(hnsw_params(), ctx, "youtube", h);
  if (h.build_threads != 1) h.build_threads = ctx.threads;
  t0 = Clock::now();
  const YoutubeHnswIndex index(*model, h);
  const double build = seconds_since(t0);
  t0 = Clock::now();
  const RankedLists approx = index.search(histories, ro);
  out.extra = {{"hnsw_recall", overlap_fraction(out.lists, approx)},
               {"hnsw_build_seconds", build},
               {"hnsw_search_seconds", seconds_since(t0)},
               {"hnsw", {{"m", h.m}, {"ef", h.ef}, {"ef_construction", h.ef_construction}}}};
  return out;
}

MethodOutcome run_hsm(const MethodContext& ctx) {
  MethodOutcome out;
  TrainOptions o;
  o.method = "hsm";
  apply_settings(train_params(), ctx, "hsm", o);
  o.seed = ctx.seed;
  o.threads = ctx.threads;
  o.validate(config_names("methods.hsm."));
  const std::string path = work_file(ctx, "hsm.model");
  if (!path.empty()) o.checkpoint_path = path + ".ckpt";
  const Tree& tree = ctx.initial_tree;
  RetrievalOptions ro;
  ro.beam = get<std::uint32_t>(ctx, "beam");
  ro.top = ctx.top;
  ro.path_sum = true;
  ro.threads = ctx.threads;
  auto t0 = Clock::now();
  std::unique_ptr<Trainer> trainer;
  TrainedModel trained;
  const PreferenceModel* model = nullptr;
  if (!path.empty() && output_exists(path)) {
    trained = load_trained_model(path);
    check_model_tree(trained.info, tree, path, "the experiment's initial tree");
    log(ctx, "reusing " + path);
    model = trained.model.get();
    out.history = trained.info.history;
  } else {
    trainer = std::make_unique<Trainer>(ctx.dataset, tree, o);
    if (!o.checkpoint_path.empty() && output_exists(o.checkpoint_path)) trainer->resume();
    if (!ctx.valid_users.empty()) {
      ValidationOptions vo;
      vo.top = ro.top;
      vo.beam = ro.beam;
      vo.path_sum = true;
      vo.threads = ctx.threads;
      trainer->on_validate(tree_validator(ctx.dataset, tree, ctx.valid_users, vo));
    }
    trainer->on_epoch_end([&](const EpochSummary& e) -> nlohmann::json {
      log(ctx, epoch_line(e, o.epochs, ctx.top));
      return nullptr;
    });
    if (!trainer->run() && interrupted())
      throw_interrupted(training_stopped("hsm", o.checkpoint_path));
    if (!path.empty()) trainer->save(path);
    model = &trainer->model();
    out.history = trainer->history();
  }
  out.train_seconds = seconds_since(t0);
  const HierarchicalPreference features(Representation::tdm, tree);
  t0 = Clock::now();
  out.lists = retrieve(*model, features, tree, EvalUserHistories(ctx.dataset, ctx.users), ro);
  out.retrieve_seconds = seconds_since(t0);
  return out;
}

std::vector<MethodParam> with(std::vector<MethodParam> first, const std::vector<MethodParam>& rest) {
  first.insert(first.end(), rest.begin(), rest.end());
  return first;
}

}  // namespace

std::vector<ExperimentMethod> baseline_methods() {
  std::vector<ExperimentMethod> m;
  m.push_back({method_named("popular"),
               {},
               run_popular});
  m.push_back({method_named("itemcf"),
               params_of(itemcf_params(), {"neighbours", "max_history"}),
               run_itemcf});
  m.push_back({method_named("youtube"),
               with(params_of(youtube_params(), {"epochs", "patience", "min_delta", "batch_size", "negatives",
                                                 "learning_rate", "lr_decay", "embedding_dim"}),
                    params_of(hnsw_params(), {"hnsw_m", "hnsw_ef", "hnsw_ef_construction", "hnsw_parallel_build"})),
               run_youtube});
  m.push_back({method_named("hsm"),
               with(params_of(train_params(), {"epochs", "patience", "min_delta", "batch_size", "learning_rate",
                                               "lr_decay", "embedding_dim", "model"}),
                    params_of(retrieval_params(), {"beam"})),
               run_hsm});
  return m;
}

}  // namespace treerec
