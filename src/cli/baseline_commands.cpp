#include "cli/baseline_commands.h"
#include "cli/param_flags.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "treerec/baselines/item_cf.h"
#include "treerec/baselines/model_kind.h"
#include "treerec/baselines/youtube_trainer.h"
#include "treerec/eval/evaluate.h"
#include "treerec/eval/validation.h"
#include "treerec/search/model_scorer.h"
#include "treerec/util/error.h"
#include "treerec/util/timing.h"

namespace treerec::cli {
namespace {

using Clock = std::chrono::steady_clock;

void train_itemcf(const std::string& dataset_path, const std::string& out, const TrainOptions& t,
                  const ItemCfOptions& o) {
  const Dataset data = Dataset::load(dataset_path);
  ItemCfOptions opts = o;
  opts.threads = t.threads;
  std::fprintf(stderr, "building Item-CF (K = %u, last %u records per train user) on %zu train users, %u items\n",
               opts.neighbours, opts.max_history, data.users(Split::train).size(), data.num_items());
  const ItemCf cf = ItemCf::build(data, opts);
  cf.save(out);
  std::fprintf(stderr, "wrote %s (%s)\n", out.c_str(), cf.figures().dump().c_str());
}

void train_youtube(const std::string& dataset_path, const std::string& out, const TrainOptions& t,
                   std::uint32_t valid_users) {
  const Dataset data = Dataset::load(dataset_path);
  YoutubeTrainOptions o;
  youtube_params().copy_from(o, train_params(), t);
  o.validate(flag_names());
  YoutubeTrainer trainer(data, o);
  std::fprintf(stderr, "training youtube (sampled softmax, %u negatives) on %llu samples per epoch: %u epochs, "
               "batch %u, lr %g\n", o.negatives, static_cast<unsigned long long>(data.num_train_samples()), o.epochs,
               o.batch_size, static_cast<double>(o.learning_rate));
  const std::vector<std::uint32_t> users = validation_users(data, valid_users, o.seed);
  if (!users.empty()) trainer.on_validate(youtube_validator(data, users, 200, o.threads));
  trainer.on_epoch_end([&](const YoutubeEpoch& e) -> nlohmann::json {
    std::fprintf(stderr, "epoch %u/%u: loss %.5f, %.1f s\n", e.epoch + 1, o.epochs, e.loss, e.seconds);
    if (e.validated)
      std::fprintf(stderr, "  validation (%zu users): recall@200 %.4f%% (best: epoch %u)\n", users.size(),
                   100 * e.score, e.best_epoch);
    return nullptr;
  });
  trainer.run();
  if (!users.empty())
    std::fprintf(stderr, "trained %u epochs; the model is epoch %u's (validation recall@200 on %zu users in the "
                 "history)\n", trainer.epochs_trained(), trainer.best_epoch(), users.size());
  trainer.save(out, {{"dataset", dataset_path}, {"valid_users", valid_users}});
  std::fprintf(stderr, "wrote %s\n", out.c_str());
}

}  // namespace

void refuse_unused_flags(const std::string& method, const std::vector<std::string>& given) {
  const std::vector<std::string> itemcf_flags{flag_of("neighbours"), flag_of("max_history")};
  std::vector<std::string> reads;  // empty: every flag but itemcf's
  if (method == "itemcf") reads = itemcf_flags;
  if (method == "youtube") {
    for (const auto& e : youtube_params().entries()) reads.push_back(flag_of(e.spec.name));
    reads.push_back("--valid-users");
  }
  const auto listed = [](const std::vector<std::string>& v, const std::string& f) {
    return std::find(v.begin(), v.end(), f) != v.end();
  };
  for (const std::string& flag : given) {
    if (flag == "--method" || flag == "--out" || flag == "--threads") continue;
    if (reads.empty() ? !listed(itemcf_flags, flag) : listed(reads, flag)) continue;
    std::string takes = listed(reads, "--threads") ? "" : " --threads";
    for (const std::string& f : reads) takes += " " + f;
    fail(flag, " does not apply to --method ", method,
         reads.empty() ? std::string(" (it is an itemcf parameter)") : cat("; it takes", takes));
  }
}

bool is_treeless_baseline(const std::string& method) { return method == "itemcf" || method == "youtube"; }

void add_itemcf_train_options(CLI::App* cmd, ItemCfOptions& o) {
  add_param_flags(cmd, itemcf_params(), o, {"neighbours", "max_history"});
}

void train_treeless_baseline(const std::string& dataset_path, const std::string& out, const TrainOptions& t,
                             const ItemCfOptions& itemcf, std::uint32_t valid_users) {
  if (t.method == "itemcf") return train_itemcf(dataset_path, out, t, itemcf);
  if (t.method == "youtube") return train_youtube(dataset_path, out, t, valid_users);
  fail("method ", t.method, " needs a tree (--tree)");
}

void add_baseline_retrieve_options(CLI::App* cmd, BaselineRetrieveOpts& o) {
  cmd->add_flag("--approximate", o.approximate,
                "youtube: approximate top M with an HNSW graph (hnswlib) instead of the exact inner products");
  add_param_flags(cmd, hnsw_params(), o.hnsw, {"hnsw_m", "hnsw_ef", "hnsw_ef_construction", "hnsw_parallel_build"});
}

BaselineLists retrieve_baseline(const std::string& model_path, const Dataset& dataset,
                                const std::string& dataset_path, std::span<const std::uint32_t> users,
                                std::uint32_t top, int threads, const BaselineRetrieveOpts& o) {
  const EvalUserHistories histories(dataset, users);
  BaselineLists r;
  const ModelKind kind = model_file_kind(model_path);
  if (kind == ModelKind::itemcf) {
    if (o.approximate) fail("--approximate applies to youtube models; ", model_path, " is an Item-CF model");
    const ItemCf cf = ItemCf::load(model_path);
    cf.check_dataset(dataset, dataset_path);
    ItemCfRetrieveOptions ro;
    ro.top = top;
    ro.threads = threads;
    r.method = "itemcf";
    r.retrieval = "item-cf";
    r.lists = cf.retrieve(histories, ro);
    return r;
  }
  TR_CHECK(kind == ModelKind::youtube, model_path, " is a tree model: it needs --tree");
  const TrainedYoutube trained = load_youtube_model(model_path);
  trained.check_dataset(dataset, dataset_path);
  YoutubeRetrieveOptions ro;
  ro.top = top;
  ro.threads = threads;
  r.method = "youtube";
  r.retrieval = o.approximate ? "hnsw" : "exact";
  r.lists = youtube_retrieve_exact(*trained.model, histories, ro);
  if (o.approximate) {
    HnswOptions h = o.hnsw;
    if (h.build_threads != 1) h.build_threads = threads;  // --hnsw-parallel-build; else reproducible
    const YoutubeHnswIndex index(*trained.model, h);
    RankedLists approx = index.search(histories, ro);
    r.hnsw_recall = overlap_fraction(r.lists, approx);
    r.lists = std::move(approx);
    std::fprintf(stderr, "hnsw (M %u, ef %u, ef_construction %u): recall against exact top %u: %.4f\n", h.m, h.ef,
                 h.ef_construction, top, r.hnsw_recall);
  }
  return r;
}

}  // namespace treerec::cli
