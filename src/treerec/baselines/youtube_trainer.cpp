#include "treerec/baselines/youtube_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "treerec/io/binary_file.h"
#include "treerec/train/adam.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"
#include "treerec/util/interrupt.h"
#include "treerec/util/parallel.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

constexpr std::string_view kMagic = "TRECYTDN";
constexpr std::uint32_t kVersion = 1;
// The random streams of train/trainer.h.
constexpr std::uint64_t kInitStream = 0;
constexpr std::uint64_t kOrderStream = 1;
constexpr std::uint64_t kNegativeStream = 2;

using Clock = std::chrono::steady_clock;

// Softmax cross-entropy of row 0 among the group's rows: returns the loss and writes
// dL/dz = (softmax(z) - onehot_0) * scale.
double sampled_softmax(std::span<const float> z, double scale, std::span<float> dz) {
  double max = z[0];
  for (float v : z) {
    TR_CHECK(std::isfinite(v), "the model produced a non-finite score (", v,
             "): training diverged; lower learning_rate");
    max = std::max(max, static_cast<double>(v));
  }
  double sum = 0;
  for (float v : z) sum += std::exp(static_cast<double>(v) - max);
  const double log_sum = max + std::log(sum);
  for (std::size_t r = 0; r < z.size(); ++r)
    dz[r] = static_cast<float>((std::exp(static_cast<double>(z[r]) - log_sum) - (r == 0 ? 1.0 : 0.0)) * scale);
  return log_sum - z[0];
}

}  // namespace

const ParamTable<YoutubeTrainOptions>& youtube_params() {
  static const ParamTable<YoutubeTrainOptions> table = [] {
    ParamTable<YoutubeTrainOptions> p("youtube training");
    const auto& t = train_params();
    p.add(t.entry("embedding_dim").spec, &YoutubeTrainOptions::embedding_dim)
        .add(t.entry("epochs").spec, &YoutubeTrainOptions::epochs)
        .add(t.entry("patience").spec, &YoutubeTrainOptions::patience)
        .add(t.entry("min_delta").spec, &YoutubeTrainOptions::min_delta)
        .add(t.entry("batch_size").spec, &YoutubeTrainOptions::batch_size)
        .add(t.entry("shard_samples").spec, &YoutubeTrainOptions::shard_samples)
        .add(t.entry("negatives").spec, &YoutubeTrainOptions::negatives)
        .add(t.entry("learning_rate").spec, &YoutubeTrainOptions::learning_rate)
        .add(t.entry("lr_decay").spec, &YoutubeTrainOptions::lr_decay)
        .add(t.entry("seed").spec, &YoutubeTrainOptions::seed)
        .add(t.entry("threads").spec, &YoutubeTrainOptions::threads);
    return p;
  }();
  return table;
}

void YoutubeTrainOptions::validate(const ParamNamer& name) const {
  youtube_params().check(*this, name);
  if (negatives < 1) fail(name("negatives"), " ", negatives, ": the sampled softmax needs at least 1");
}

nlohmann::json YoutubeTrainOptions::to_json() const {
  nlohmann::json j = youtube_params().identity_json(*this);
  j["method"] = "youtube";
  return j;
}

struct YoutubeTrainer::Worker {
  ModelBatch batch;
  YoutubeModel::State state;
  Gradients grads;
  std::vector<float> logits, dlogits;
  Rng rng;
  double loss = 0;
};

YoutubeTrainer::YoutubeTrainer(const Dataset& dataset, YoutubeTrainOptions options)
    : dataset_(dataset), options_(std::move(options)) {
  options_.validate();
  if (dataset.num_train_samples() == 0)
    fail("the dataset has no training samples: no train user has ", kMinWindow, " or more records");
  if (dataset.num_train_samples() > 0xFFFFFFFFull)
    fail("the dataset has ", dataset.num_train_samples(), " training samples; at most 2^32 - 1 are supported");
  if (std::uint64_t{options_.negatives} + 1 > dataset.num_items())
    fail("--negatives ", options_.negatives, ": the corpus has ", dataset.num_items(), " items, so at most ",
         dataset.num_items() - 1, " other items can be negatives");
  threads_ = options_.threads > 0 ? options_.threads : default_threads();
  use_single_threaded_blas();
  YoutubeConfig config;
  config.items = dataset.num_items();
  config.embedding_dim = options_.embedding_dim;
  model_ = std::make_unique<YoutubeModel>(config, mix_seed(options_.seed, kInitStream));
  AdamOptions adam;
  adam.learning_rate = options_.learning_rate;
  adam.threads = threads_;
  adam_ = std::make_unique<Adam>(model_->parameters(), adam);
  batch_grads_ = model_->make_gradients();
  const std::uint64_t shards = (options_.batch_size + options_.shard_samples - 1) / options_.shard_samples;
  for (std::uint64_t t = 0; t < std::min<std::uint64_t>(static_cast<std::uint64_t>(threads_), shards); ++t) {
    auto w = std::make_unique<Worker>();
    w->grads = model_->make_gradients();
    workers_.push_back(std::move(w));
  }
}

YoutubeTrainer::~YoutubeTrainer() = default;

void YoutubeTrainer::train_batch(std::uint64_t first, std::uint64_t samples, double& loss) {
  const std::uint32_t N = options_.negatives;
  const std::uint64_t others = dataset_.num_items() - 1;
  const std::uint64_t shards = (samples + options_.shard_samples - 1) / options_.shard_samples;
  const double scale = 1.0 / static_cast<double>(samples);
  const auto run_shard = [&](Worker& w, std::uint64_t shard) {
    const std::uint64_t begin = shard * options_.shard_samples;
    const std::uint64_t end = std::min<std::uint64_t>(samples, begin + options_.shard_samples);
    ModelBatch& b = w.batch;
    b.clear();
    for (std::uint64_t k = begin; k < end; ++k) {
      const std::uint64_t position = first + k;
      w.rng.reseed(mix_seed(negative_seed_, position));
      const Sample sample = dataset_.train_sample(order_[position]);
      const std::uint32_t target = dataset_.target(sample);
      add_history_group(dataset_.history(sample), b);
      b.add_row(target);
      // Floyd's algorithm over the items other than the target (as BatchBuilder::corpus).
      const std::size_t row0 = b.nodes.size();
      const auto item_of = [&](std::uint64_t v) { return static_cast<std::uint32_t>(v + (v >= target ? 1 : 0)); };
      for (std::uint64_t j = others - N; j < others; ++j) {
        const std::uint32_t item = item_of(w.rng.uniform(j + 1));
        const bool seen = std::find(b.nodes.begin() + static_cast<std::ptrdiff_t>(row0), b.nodes.end(), item) !=
                          b.nodes.end();
        b.add_row(seen ? item_of(j) : item);
      }
    }
    const std::size_t rows = b.num_rows();
    w.logits.resize(rows);
    w.dlogits.resize(rows);
    model_->forward(b, w.state, w.logits);
    w.loss = 0;
    for (std::size_t g = 0; g < b.num_groups(); ++g) {
      const std::size_t r0 = b.row_offsets[g], n = b.row_offsets[g + 1] - r0;
      w.loss += sampled_softmax(std::span<const float>(w.logits).subspan(r0, n), scale,
                                std::span<float>(w.dlogits).subspan(r0, n));
    }
    w.grads.clear();
    model_->backward(b, w.state, w.dlogits, w.grads);
  };
  batch_grads_.clear();
  const std::uint64_t wave = workers_.size();
  for (std::uint64_t s0 = 0; s0 < shards; s0 += wave) {
    const std::uint64_t n = std::min(wave, shards - s0);
    parallel_blocks(n, static_cast<int>(n), [&](int, std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) run_shard(*workers_[i], s0 + i);
    });
    shard_grads_.clear();
    for (std::uint64_t i = 0; i < n; ++i) shard_grads_.push_back(&workers_[i]->grads);
    batch_grads_.add_in_order(shard_grads_, threads_);  // shard order: any thread count, same sums
    for (std::uint64_t i = 0; i < n; ++i) loss += workers_[i]->loss;
  }
  adam_->step(model_->parameters(), batch_grads_);
}

void YoutubeTrainer::run() {
  const std::uint64_t samples = dataset_.num_train_samples();
  for (std::uint32_t epoch = static_cast<std::uint32_t>(history_.size()); epoch < options_.epochs && !early_.stopped;
       ++epoch) {
    const auto t0 = Clock::now();
    order_.resize(samples);
    std::iota(order_.begin(), order_.end(), 0u);
    Rng rng(mix_seed(options_.seed, kOrderStream, epoch));
    shuffle(order_.begin(), order_.end(), rng);
    negative_seed_ = mix_seed(options_.seed, kNegativeStream, epoch);
    double loss = 0;
    for (std::uint64_t first = 0; first < samples; first += options_.batch_size) {
      if (interrupted()) throw_interrupted("while training youtube, which keeps no checkpoint: it starts over when run again");
      train_batch(first, std::min<std::uint64_t>(options_.batch_size, samples - first), loss);
    }
    YoutubeEpoch e;
    e.epoch = epoch;
    e.loss = loss / static_cast<double>(samples);
    e.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    e.learning_rate = adam_->learning_rate();
    e.samples = samples;
    nlohmann::json entry = {{"epoch", epoch + 1}, {"loss", e.loss}, {"seconds", e.seconds},
                            {"learning_rate", e.learning_rate}, {"samples", samples}};
    if (validate_) {
      const auto [score, fields] = validate_(*model_);
      if (fields.is_object())
        for (const auto& [key, value] : fields.items()) entry[key] = value;
      entry["valid_score"] = score;
      e.validated = true;
      e.score = score;
      if (options_.patience > 0) {
        if (early_.record(epoch + 1, score, options_.patience, options_.min_delta)) {
          if (!best_) best_ = std::make_unique<YoutubeModel>(model_->config(), 0);
          best_->parameters() = model_->parameters();
        }
        entry["best_epoch"] = early_.best_epoch;
      }
      e.best_epoch = early_.best_epoch;
    }
    if (epoch_end_) {
      const nlohmann::json extra = epoch_end_(e);
      if (extra.is_object())
        for (const auto& [key, value] : extra.items()) entry[key] = value;
    }
    history_.push_back(std::move(entry));
    adam_->decay_learning_rate(options_.lr_decay);  // ALGORITHMS §5
  }
  if (best_) model_ = std::move(best_);  // early stopping: the result is the best epoch's model
}

void YoutubeTrainer::save(const std::string& path, const nlohmann::json& extra_options) const {
  nlohmann::json options = options_.to_json();
  options["threads"] = options_.threads;
  if (extra_options.is_object())
    for (const auto& [key, value] : extra_options.items()) options[key] = value;
  save_youtube_model(path, *model_,
                     {{"method", "youtube"},
                      {"items", dataset_.num_items()},
                      {"item_ids_xxh3", item_ids_fingerprint(dataset_.item_ids())},
                      {"options", options},
                      {"history", history_}});
}

void save_youtube_model(const std::string& path, const YoutubeModel& model, const nlohmann::json& training) {
  BinaryWriter writer(path, kMagic, kVersion);
  model.save(writer);
  writer.add_json("training", training);
  writer.commit();
}

void TrainedYoutube::check_dataset(const Dataset& dataset, const std::string& source) const {
  const auto items = training.at("items").get<std::uint32_t>();
  const auto fingerprint = training.at("item_ids_xxh3").get<std::uint64_t>();
  if (items != dataset.num_items() || fingerprint != item_ids_fingerprint(dataset.item_ids()))
    fail("the YouTube model was trained on another dataset (", items, " items) than ", source, " (",
         dataset.num_items(), " items)");
}

TrainedYoutube load_youtube_model(const std::string& path) {
  const BinaryReader reader(path, kMagic, "YouTube model", kVersion);
  TrainedYoutube t;
  t.model = YoutubeModel::load(reader);
  t.training = reader.json("training");
  try {
    const auto items = t.training.at("items").get<std::uint32_t>();
    t.training.at("item_ids_xxh3").get<std::uint64_t>();
    if (items != t.model->config().items)
      fail("the training section says ", items, " items, the network has ", t.model->config().items);
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": bad training section: ", e.what());
  } catch (const Error& e) {
    fail(path, ": ", e.what());
  }
  return t;
}

}  // namespace treerec
