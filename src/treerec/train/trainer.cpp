#include "treerec/train/trainer.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "treerec/io/atomic_file.h"
#include "treerec/train/adam.h"
#include "treerec/train/layer_sampler.h"
#include "treerec/train/loss.h"
#include "treerec/train/ordered_reduce.h"
#include "treerec/util/distributed.h"
#include "treerec/util/error.h"
#include "treerec/util/hash.h"
#include "treerec/util/interrupt.h"
#include "treerec/util/parallel.h"
#include "treerec/util/random.h"
#include "treerec/util/timing.h"


namespace treerec {
namespace {

// Independent random streams derived from the one seed.
constexpr std::uint64_t kInitStream = 0;
constexpr std::uint64_t kOrderStream = 1;
constexpr std::uint64_t kNegativeStream = 2;
constexpr std::uint64_t kWarmStartStream = 3;  // fresh rows of codes new to the tree

using Clock = std::chrono::steady_clock;
// The training data itself: every train user's id and item sequence (about 1 GB/s).
std::string train_sequences_xxh3(const Dataset& dataset) {
  Xxh3Stream hash;
  for (std::uint32_t user : dataset.users(Split::train)) {
    const auto seq = dataset.sequence(user);
    const std::uint64_t head[2] = {user, seq.size()};
    hash.update(head, sizeof head);
    hash.update(seq);
  }
  return hex64(hash.digest());
}

// Validates the options, checks the tree against the dataset and fills in the per-level
// negatives as they will be used, so that the model file and checkpoints record real values.
TrainOptions prepare(TrainOptions o, const Dataset& dataset, const Tree& tree) {
  o.validate();
  tree.check_items(dataset.item_ids(), "the dataset");
  if (dataset.num_train_samples() == 0)
    fail("the dataset has no training samples: no train user has ", kMinWindow, " or more records");
  if (dataset.num_train_samples() > 0xFFFFFFFFull)
    fail("the dataset has ", dataset.num_train_samples(), " training samples; at most 2^32 - 1 are supported");
  if (!training_method(o.method).brute_force && !training_method(o.method).hsm) {
    if (o.layer_negatives.empty()) o.layer_negatives = default_layer_negatives(tree, o.negatives);
    TR_CHECK(o.layer_negatives.size() == tree.max_level(), "layer_negatives: expected ", tree.max_level(),
             " counts (levels 1..", tree.max_level(), "), got ", o.layer_negatives.size());
    o.negatives = std::accumulate(o.layer_negatives.begin(), o.layer_negatives.end(), 0u);
  }
  return o;
}

BatchBuilder make_builder(const Dataset& dataset, const Tree& tree, const HierarchicalPreference& features,
                          const TrainOptions& o, const Method& method) {
  if (method.brute_force) return BatchBuilder::corpus(dataset, tree, features, o.negatives);
  if (method.hsm) return BatchBuilder::siblings(dataset, tree, features);
  return BatchBuilder::tree_levels(dataset, tree, features, o.layer_negatives);
}

}  // namespace

// One worker thread's reusable buffers: its shard's batch, the model's scratch, the shard's
// gradient and loss.
struct Trainer::Worker {
  TrainBatch batch;
  std::unique_ptr<ModelState> state;
  Gradients grads;
  std::vector<float> logits, dlogits;
  Rng rng;
  double loss = 0;
};

Trainer::Trainer(const Dataset& dataset, const Tree& tree, TrainOptions options)
    : dataset_(dataset),
      tree_(tree),
      options_(prepare(std::move(options), dataset, tree)),
      method_(training_method(options_.method)),
      features_(method_.representation, tree),
      builder_(make_builder(dataset, tree, features_, options_, method_)) {
  threads_ = options_.threads > 0 ? options_.threads : default_threads();
  // The parallelism is the trainer's own (shards on the thread pool); BLAS threads inside them
  // would only oversubscribe the cores (util/parallel.h: BLAS stays single-threaded).
  use_single_threaded_blas();
  samples_ = dataset.num_train_samples();
  batches_per_epoch_ = (samples_ + options_.batch_size - 1) / options_.batch_size;

  ModelConfig config;
  config.kind = options_.model;
  config.representation = method_.representation;
  config.embedding_dim = options_.embedding_dim;
  config.behavior_rows = features_.num_rows();
  config.node_rows = tree.num_nodes();
  model_ = PreferenceModel::create(config, mix_seed(options_.seed, kInitStream));
  AdamOptions adam;
  adam.learning_rate = options_.learning_rate;
  adam.threads = threads_;
  adam_ = std::make_unique<Adam>(model_->parameters(), adam);
  batch_grads_ = model_->make_gradients();

  identity_ = {{"options", options_.identity_json()},
               {"model", config.to_json()},
               {"dataset",
                {{"items", dataset.num_items()},
                 {"item_ids_xxh3", hex64(item_ids_fingerprint(dataset.item_ids()))},
                 {"users", dataset.num_users()},
                 {"records", dataset.num_records()},
                 {"train_sequences_xxh3", train_sequences_xxh3(dataset)},
                 {"train_samples", samples_}}},
               {"tree",
                {{"items", tree.num_items()},
                 {"levels", tree.max_level()},
                 {"nodes", tree.num_nodes()},
                 {"item_ids_xxh3", hex64(tree.fingerprint())},
                 {"assignment_xxh3", hex64(tree.assignment_fingerprint())}}}};
  const std::string identity_text = identity_.dump();
  dist::check_same(xxh3(identity_text.data(), identity_text.size()), "training inputs (dataset, tree or options)");
}

Trainer::~Trainer() = default;

void Trainer::resume() {
  TR_CHECK(!started_, "resume() must come before run()");
  if (options_.checkpoint_path.empty()) fail("resuming needs a checkpoint path");
  CheckpointState state = load_checkpoint(options_.checkpoint_path, identity_, *model_, *adam_);
  const TrainPosition& p = state.position;
  if (p.epoch > options_.epochs || (p.epoch < options_.epochs && p.next_batch > batches_per_epoch_) ||
      state.history.size() != p.epoch)
    fail(options_.checkpoint_path, ": position (epoch ", p.epoch, ", batch ", p.next_batch, ", ",
         state.history.size(), " epochs of history) does not fit a run of ", options_.epochs, " epochs of ",
         batches_per_epoch_, " batches");
  position_ = p;
  history_ = std::move(state.history);
  best_ = std::move(state.best);
  if (finished() && best_) {  // a finished run's checkpoint: the result is the best epoch
    model_ = std::move(best_);
    best_.reset();
  }
}

namespace {
// Rows of the behaviour table a model trained on `tree` has (HierarchicalPreference::num_rows, without
// building the jtm-h ancestor table).
std::uint64_t behavior_rows_for(Representation r, const Tree& tree) {
  switch (r) {
    case Representation::tdm: return tree.num_items();
    case Representation::jtm_hi: return std::uint64_t{tree.max_level() + 1} * tree.num_items();
    case Representation::jtm_h: break;
  }
  return tree.num_nodes();
}

std::string parameters_xxh3(const Parameters& p) { return hex64(parameters_fingerprint(p)); }
}  // namespace

void Trainer::warm_start(const PreferenceModel& model, const Tree& model_tree) {
  TR_CHECK(!started_ && position_.batches == 0, "warm_start() must come before resume() and run()");
  model_tree.check_items(tree_.item_ids(), "the training tree");
  // The initial model must be what this run would create, up to its table sizes.
  ModelConfig given = model.config(), expected = model_->config();
  given.behavior_rows = expected.behavior_rows;
  given.node_rows = expected.node_rows;
  given.embedding_init_std = expected.embedding_init_std;
  if (auto d = json_difference(expected.to_json(), given.to_json()))
    fail("the initial model does not fit this training run: its ", d->path, " is ", d->b, ", the run's ", d->a);
  if (model.config().node_rows != model_tree.num_nodes() ||
      model.config().behavior_rows != behavior_rows_for(method_.representation, model_tree))
    fail("the initial model has ", model.config().node_rows, " node rows and ", model.config().behavior_rows,
         " behaviour rows, but its tree has ", model_tree.num_nodes(), " non-empty nodes: it was trained on another tree");

  const std::string init_hash = parameters_xxh3(model.parameters());
  AdamOptions adam = adam_->options();
  // The fresh model and its optimizer go first: at full scale each holds gigabytes.
  batch_grads_ = Gradients();
  adam_.reset();
  model_.reset();
  auto copy = PreferenceModel::create(model.config(), 0);
  copy->parameters() = model.parameters();
  const std::vector<std::int64_t> source = node_row_sources(model_tree, tree_);
  const std::uint64_t seed = mix_seed(options_.seed, kWarmStartStream);
  copy->remap_table(kNodeTable, source, seed);
  if (method_.representation == Representation::jtm_h) copy->remap_table(kBehaviorTable, source, seed);
  TR_CHECK(copy->config().node_rows == tree_.num_nodes() &&
               copy->config().behavior_rows == features_.num_rows(),
           "warm start: remapped tables do not fit the tree");
  model_ = std::move(copy);
  adam.learning_rate = options_.learning_rate;
  adam_ = std::make_unique<Adam>(model_->parameters(), adam);
  batch_grads_ = model_->make_gradients();
  identity_["init"] = {{"parameters_xxh3", init_hash}, {"tree_assignment_xxh3", hex64(model_tree.assignment_fingerprint())}};
}

void Trainer::prepare_epoch() {
  if (order_epoch_ == position_.epoch) return;
  order_.resize(samples_);
  std::iota(order_.begin(), order_.end(), 0u);
  Rng rng(mix_seed(options_.seed, kOrderStream, position_.epoch));
  shuffle(order_.begin(), order_.end(), rng);
  negative_seed_ = mix_seed(options_.seed, kNegativeStream, position_.epoch);
  order_epoch_ = position_.epoch;
}

void Trainer::run_shard(Worker& w, std::uint64_t shard, std::uint64_t first, std::uint64_t samples,
                        double batch_rows) const {
  const std::uint64_t begin = shard * options_.shard_samples;
  const std::uint64_t end = std::min<std::uint64_t>(samples, begin + options_.shard_samples);
  w.batch.clear();
  for (std::uint64_t k = begin; k < end; ++k) {
    const std::uint64_t position = first + k;  // in the epoch's order
    w.rng.reseed(mix_seed(negative_seed_, position));
    builder_.add(dataset_.train_sample(order_[position]), w.rng, w.batch);
  }
  const std::size_t rows = w.batch.num_rows();
  w.logits.resize(rows);
  w.dlogits.resize(rows);
  model_->forward(w.batch.model, *w.state, w.logits);
  w.loss = binary_cross_entropy(w.logits, w.batch.labels, batch_rows, w.dlogits);
  w.grads.clear();
  model_->backward(w.batch.model, *w.state, w.dlogits, w.grads);
}

void Trainer::train_batch() {
  const std::uint64_t first = position_.next_batch * options_.batch_size;
  const std::uint64_t samples = std::min<std::uint64_t>(options_.batch_size, samples_ - first);
  std::uint64_t rows = samples * builder_.rows_per_sample();
  if (method_.hsm) {  // rows per sample vary (BatchBuilder::siblings): the loss averages the real ones
    rows = 0;
    for (std::uint64_t k = 0; k < samples; ++k) rows += builder_.sample_rows(dataset_.train_sample(order_[first + k]));
  }
  const std::uint64_t shards = (samples + options_.shard_samples - 1) / options_.shard_samples;
  // Under mpirun this rank runs one block of the shards (all of them on one rank), in waves of
  // one shard per worker: every shard of the block at once when there are several ranks, so
  // the block's gradients are ready when the sum of the earlier blocks arrives.
  const dist::Block mine = dist::my_block(shards);
  const std::uint64_t wave = workers_.size();
  const bool alone = dist::size() == 1;
  batch_grads_.clear();
  double loss = 0;
  std::vector<double> losses;
  shard_grads_.clear();  // stays empty on a rank without shards in this batch
  // The shard gradients join the batch gradient in shard order, so the sum is the same for any
  // number of workers and ranks (train/ordered_reduce.h).
  for (std::uint64_t s0 = mine.begin; s0 < mine.end; s0 += wave) {
    const std::uint64_t n = std::min<std::uint64_t>(wave, mine.end - s0);
    parallel_blocks(n, std::min<int>(threads_, static_cast<int>(n)), [&](int, std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i)
        run_shard(*workers_[i], s0 + i, first, samples, static_cast<double>(rows));
    });
    shard_grads_.clear();
    for (std::uint64_t i = 0; i < n; ++i) {
      shard_grads_.push_back(&workers_[i]->grads);
      if (alone) loss += workers_[i]->loss;
      else losses.push_back(workers_[i]->loss);
    }
    if (alone) batch_grads_.add_in_order(shard_grads_, threads_);
  }
  // Several ranks: one wave held the whole block; the chain adds it between the other blocks.
  if (!alone) sum_over_ranks(shard_grads_, losses, batch_grads_, loss);
  adam_->step(model_->parameters(), batch_grads_);
  position_.epoch_loss_sum += loss;
  position_.epoch_rows += rows;
  ++position_.next_batch;
  ++position_.batches;
}

void Trainer::keep_best() {
  if (!best_) best_ = PreferenceModel::create(model_->config(), 0);
  best_->parameters() = model_->parameters();
}

void Trainer::end_epoch() {
  EpochSummary s;
  s.epoch = position_.epoch;
  s.loss = position_.epoch_rows > 0 ? position_.epoch_loss_sum / static_cast<double>(position_.epoch_rows) : 0.0;
  s.seconds = position_.epoch_seconds;
  s.learning_rate = adam_->learning_rate();
  s.samples = samples_;
  nlohmann::json entry = {{"epoch", s.epoch + 1},
                          {"loss", s.loss},
                          {"seconds", s.seconds},
                          {"learning_rate", s.learning_rate},
                          {"samples", s.samples}};
  if (validate_) {
    const Validation v = validate_(*model_, features_);
    s.validated = true;
    s.score = v.score;
    if (v.fields.is_object())
      for (const auto& [key, value] : v.fields.items()) entry[key] = value;
    entry["valid_score"] = v.score;
    if (v.popular_overlap >= 0) {
      entry["valid_popular_overlap"] = v.popular_overlap;
      s.popular_overlap = v.popular_overlap;
      s.popularity_only = v.popular_overlap > options_.popular_overlap_warning;
    }
    if (options_.patience > 0) {  // early stopping (ALGORITHMS §5)
      if (position_.early.record(s.epoch + 1, v.score, options_.patience, options_.min_delta)) keep_best();
      entry["best_epoch"] = position_.early.best_epoch;
    }
  }
  s.best_epoch = position_.early.best_epoch;
  s.stop = position_.early.stopped && s.epoch + 1 < options_.epochs;
  if (epoch_end_) {
    const nlohmann::json extra = epoch_end_(s);
    if (extra.is_object())
      for (const auto& [key, value] : extra.items()) entry[key] = value;
  }
  history_.push_back(std::move(entry));
  adam_->decay_learning_rate(options_.lr_decay);  // ALGORITHMS §5
  ++position_.epoch;
  position_.next_batch = 0;
  position_.epoch_loss_sum = 0;
  position_.epoch_rows = 0;
  position_.epoch_seconds = 0;
  write_checkpoint();
}

void Trainer::write_checkpoint() {
  if (options_.checkpoint_path.empty()) return;
  const auto start = Clock::now();
  CheckpointState state;
  state.identity = identity_;
  state.position = position_;
  state.history = history_;
  save_checkpoint(options_.checkpoint_path, state, *model_, *adam_, best_.get());
  last_checkpoint_at_ = Clock::now();
  last_checkpoint_write_ = seconds_since(start);
  last_checkpoint_batch_ = position_.batches;
}

bool Trainer::run() {
  if (!started_) {
    const std::uint64_t max_shards = (options_.batch_size + options_.shard_samples - 1) / options_.shard_samples;
    // One worker per thread; under mpirun one per shard of this rank's largest block.
    const std::uint64_t count = dist::size() == 1
                                    ? std::min<std::uint64_t>(static_cast<std::uint64_t>(threads_), max_shards)
                                    : std::max<std::uint64_t>(1, dist::block_of(max_shards, 0, dist::size()).size());
    for (std::uint64_t t = 0; t < count; ++t) {
      auto w = std::make_unique<Worker>();
      w->state = model_->make_state();
      w->grads = model_->make_gradients();
      builder_.reserve(w->batch, options_.shard_samples);
      w->logits.reserve(std::size_t{options_.shard_samples} * builder_.rows_per_sample());
      w->dlogits.reserve(w->logits.capacity());
      workers_.push_back(std::move(w));
    }
    started_ = true;
  }
  last_checkpoint_at_ = Clock::now();
  last_checkpoint_batch_ = position_.batches;
  std::uint64_t run_batches = 0, run_samples = 0;
  double run_seconds = 0;
  while (!finished()) {
    prepare_epoch();
    while (position_.next_batch < batches_per_epoch_) {
      // Rank 0's stop request (or signal, util/interrupt.h) holds for every rank (one flag word
      // per batch under mpirun).
      const bool asked = stop_requested_.exchange(false) || interrupted() != 0;
      const bool stop = dist::broadcast_flags(asked ? 1u : 0u) != 0;
      if ((options_.max_batches > 0 && run_batches == options_.max_batches) || stop) {
        write_checkpoint();
        return false;
      }
      const auto start = Clock::now();
      const std::uint64_t first = position_.next_batch * options_.batch_size;
      run_samples += std::min<std::uint64_t>(options_.batch_size, samples_ - first);
      train_batch();
      ++run_batches;
      const double dt = seconds_since(start);
      position_.epoch_seconds += dt;
      position_.total_seconds += dt;
      run_seconds += dt;
      if (progress_) {
        TrainProgress p;
        p.epoch = position_.epoch;
        p.epochs = options_.epochs;
        p.epoch_samples = samples_;
        p.epoch_samples_done = std::min<std::uint64_t>(samples_, position_.next_batch * options_.batch_size);
        p.samples_left = (options_.epochs - position_.epoch - 1) * samples_ + (samples_ - p.epoch_samples_done);
        p.samples_per_second = run_seconds > 0 ? static_cast<double>(run_samples) / run_seconds : 0.0;
        p.loss = position_.epoch_loss_sum / static_cast<double>(position_.epoch_rows);
        p.seconds = run_seconds;
        progress_(p);
      }
      // A timed checkpoint is rank 0's decision: every rank must reach the file's barrier.
      const bool due =
          options_.checkpoint_every > 0
              ? position_.batches - last_checkpoint_batch_ >= options_.checkpoint_every
              : dist::broadcast_flags(seconds_since(last_checkpoint_at_) >=
                                              std::max(options_.checkpoint_seconds, 10 * last_checkpoint_write_)
                                          ? 1u
                                          : 0u) != 0;
      if (due && position_.next_batch < batches_per_epoch_) write_checkpoint();  // epoch ends write their own
    }
    end_epoch();
  }
  if (best_) {  // early stopping: the result is the best epoch's model
    model_ = std::move(best_);
    best_.reset();
  }
  return true;
}

TrainingInfo Trainer::info(const nlohmann::json& extra_options) const {
  TrainingInfo info;
  info.method = options_.method;
  info.tree_fingerprint = tree_.fingerprint();
  info.tree_items = tree_.num_items();
  info.tree_levels = tree_.max_level();
  info.options = options_.to_json();
  // Lets tools that take the model find and check the exact tree (e.g. a later warm start).
  info.options["tree_assignment_xxh3"] = identity_.at("tree").at("assignment_xxh3");
  if (identity_.contains("init")) info.options["init"] = identity_["init"];
  if (extra_options.is_object())
    for (const auto& [key, value] : extra_options.items()) info.options[key] = value;
  info.history = history_;
  info.options["epochs_trained"] = position_.epoch;
  info.options["best_epoch"] = best_epoch();
  info.options["stopped_early"] = position_.early.stopped && position_.epoch < options_.epochs;
  return info;
}

void Trainer::save(const std::string& path, const nlohmann::json& extra_options) const {
  save_trained_model(path, *model_, info(extra_options));
  if (options_.checkpoint_path.empty()) return;
  try {
    remove_output(options_.checkpoint_path);
  } catch (const Error& e) {
    fail(path, " is written, but ", e.what());
  }
}

}  // namespace treerec
