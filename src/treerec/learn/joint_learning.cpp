// JTM Algorithm 1 and the tdm-kmeans loop (ALGORITHMS §8, §3; see joint_learning.h).
#include "treerec/learn/joint_learning.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "treerec/eval/evaluate.h"
#include "treerec/eval/validation.h"
#include "treerec/io/atomic_file.h"
#include "treerec/search/model_retrieval.h"
#include "treerec/train/checkpoint.h"
#include "treerec/model/model_file.h"
#include "treerec/util/error.h"
#include "treerec/util/hash.h"
#include "treerec/util/interrupt.h"
#include "treerec/util/parallel.h"
#include "treerec/util/random.h"
#include "treerec/util/timing.h"

namespace treerec {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;
std::string read_text(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail("cannot open ", path);
  std::string s;
  char buf[1 << 14];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

nlohmann::json read_json(const std::string& path) {
  try {
    return nlohmann::json::parse(read_text(path));
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": not valid JSON (", e.what(), "); delete it to redo that step");
  }
}

void write_json(const std::string& path, const nlohmann::json& j) {
  AtomicFile f(path);
  f.write(j.dump(2) + "\n");
  f.commit();
}

std::string round_dir(const std::string& out, std::uint32_t r) { return (fs::path(out) / cat("round-", r)).string(); }

double number_or_zero(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j.at(key).is_number() ? j.at(key).get<double>() : 0.0;
}

}  // namespace

const char* relearn_name(Relearn r) {
  switch (r) {
    case Relearn::jtm: return "jtm";
    case Relearn::kmeans: return "kmeans";
    case Relearn::none: break;
  }
  return "none";
}

const ParamTable<JointOptions>& joint_params() {
  using T = ParamType;
  static const ParamTable<JointOptions> table = [] {
    ParamTable<JointOptions> p("joint learning");
    p.add({.name = "rounds", .type = T::count, .help = "T: rounds of (train to convergence, validate, relearn the tree)",
           .min = 1, .identity = false},
          &JointOptions::rounds)
        .add_enum({.name = "relearn",
                   .help = "how the tree is relearned after each round: jtm (tree learning, docs/ALGORITHMS.md §7), "
                           "kmeans (balanced 2-means on the leaf embeddings, TDM's re-clustering) or none (the same "
                           "tree: warm-started rounds only, the control for jtm)",
                   .config = false},
                  &JointOptions::relearn, {{"jtm", Relearn::jtm}, {"kmeans", Relearn::kmeans}, {"none", Relearn::none}})
        .add({.name = "valid_users", .type = T::count,
              .help = "validation users, a seeded random sample: recall@200 on them stops each round's training early "
                      "and picks the best round (0 = none: every epoch runs, the last round is kept; an experiment "
                      "uses its monitor_users when it has any)"},
             &JointOptions::valid_users);
    return p;
  }();
  return table;
}

void JointOptions::validate(const ParamNamer& name) const {
  train.validate(name);
  joint_params().check(*this, name);
  if (training_method(train.method).brute_force)
    fail("joint learning needs a tree method (tdm, jtm-hi, jtm-h), not ", train.method);
  if (relearn == Relearn::jtm) learn_params().check(learn, name);
  if (relearn == Relearn::kmeans) kmeans_params().check(kmeans, name);
  if (!round_epochs.empty() && round_epochs.size() < rounds)
    fail("round_epochs lists ", round_epochs.size(), " rounds, fewer than the ", rounds, " rounds to run");
  for (std::uint32_t e : round_epochs)
    if (e < 1) fail("round_epochs: every round needs at least 1 epoch");
}

nlohmann::json JointOptions::identity_json() const {
  nlohmann::json j = {{"relearn", relearn_name(relearn)}, {"train", train.identity_json()}};
  if (relearn == Relearn::jtm)
    j["learn"] = learn_params().identity_json(learn);
  else if (relearn == Relearn::kmeans)
    j["kmeans"] = {{"iterations", kmeans.iterations}, {"seed", kmeans.seed}};
  if (!round_epochs.empty()) j["round_epochs"] = round_epochs;
  if (valid_user_list.empty()) j["valid_users"] = valid_users;
  else j["valid_user_list_xxh3"] = hex64(xxh3(valid_user_list.data(), valid_user_list.size() * sizeof(std::uint32_t)));
  return j;
}

nlohmann::json RoundStats::to_json() const {
  nlohmann::json j = {{"round", round},
                      {"recall@200", validated ? nlohmann::json(recall) : nlohmann::json(nullptr)},
                      {"valid", valid},
                      {"objective_old", objective_old},
                      {"objective_new", objective_new},
                      {"objective_learned", objective_learned},
                      {"kept_old", kept_old},
                      {"epochs", epochs},
                      {"best_epoch", best_epoch},
                      {"items_moved", items_moved},
                      {"moved_per_level", moved_per_level},
                      {"train_seconds", train_seconds},
                      {"eval_seconds", eval_seconds},
                      {"learn_seconds", learn_seconds},
                      {"history", history}};
  return j;
}

RoundStats RoundStats::from_json(const nlohmann::json& j) {
  RoundStats s;
  try {
    s.round = j.at("round").get<std::uint32_t>();
    s.validated = !j.at("recall@200").is_null();
    if (s.validated) s.recall = j.at("recall@200").get<double>();
    s.valid = j.at("valid");
    s.objective_old = j.at("objective_old").get<double>();
    s.objective_new = j.at("objective_new").get<double>();
    s.objective_learned = j.at("objective_learned").get<double>();
    s.kept_old = j.at("kept_old").get<bool>();
    s.epochs = j.at("epochs").get<std::uint32_t>();
    s.best_epoch = j.at("best_epoch").get<std::uint32_t>();
    s.items_moved = j.at("items_moved").get<std::uint64_t>();
    s.moved_per_level = j.at("moved_per_level").get<std::vector<std::uint64_t>>();
    s.train_seconds = j.at("train_seconds").get<double>();
    s.eval_seconds = j.at("eval_seconds").get<double>();
    s.learn_seconds = j.at("learn_seconds").get<double>();
    s.history = j.at("history");
  } catch (const nlohmann::json::exception& e) {
    fail("bad round statistics: ", e.what());
  }
  return s;
}

nlohmann::json JointResult::to_json() const {
  nlohmann::json rs = nlohmann::json::array();
  for (const auto& r : rounds) rs.push_back(r.to_json());
  return {{"finished", finished}, {"best_round", best_round}, {"best_model", best_model},
          {"best_tree", best_tree}, {"rounds", rs}};
}

std::string rounds_table_header() {
  char line[160];
  std::snprintf(line, sizeof line, "%5s %7s %11s %15s %15s %9s %9s %9s %9s", "round", "epochs", "recall@200",
                "objective_old", "objective_new", "moved", "train_s", "eval_s", "learn_s");
  return line;
}

std::string rounds_table_row(const RoundStats& s, bool jtm) {
  char recall[32], old_obj[32], new_obj[32], epochs[32], line[220];
  if (s.validated) std::snprintf(recall, sizeof recall, "%.4f%%", 100 * s.recall);
  else std::snprintf(recall, sizeof recall, "-");
  if (jtm) {
    std::snprintf(old_obj, sizeof old_obj, "%.6g", s.objective_old);
    std::snprintf(new_obj, sizeof new_obj, "%.6g%s", s.kept_old ? s.objective_learned : s.objective_new,
                  s.kept_old ? "*" : "");
  } else {
    std::snprintf(old_obj, sizeof old_obj, "-");
    std::snprintf(new_obj, sizeof new_obj, "-");
  }
  std::snprintf(epochs, sizeof epochs, "%u/%u", s.best_epoch, s.epochs);
  std::snprintf(line, sizeof line, "%5u %7s %11s %15s %15s %9llu %9.1f %9.1f %9.1f", s.round, epochs, recall, old_obj,
                new_obj, static_cast<unsigned long long>(s.items_moved), s.train_seconds, s.eval_seconds,
                s.learn_seconds);
  return line;
}

namespace {

class JointRun {
 public:
  JointRun(const Dataset& d, const Tree& initial, const JointOptions& o, std::string out)
      : data_(d), initial_(initial), o_(o), out_(std::move(out)) {}

  JointResult run() {
    o_.validate();
    initial_.check_items(data_.item_ids(), "the dataset");
    prepare_folder();
    JointResult result;
    result.best_model = (fs::path(out_) / "best.model").string();
    result.best_tree = (fs::path(out_) / "best.tree").string();
    for (std::uint32_t r = 1; r <= o_.rounds; ++r) {
      RoundStats stats;
      if (!run_round(r, stats)) {
        finish(result);
        return result;
      }
      result.rounds.push_back(stats);
      const std::uint32_t before = result.best_round;
      result.best_round = best_round(result.rounds);
      if (result.best_round != before) copy_best(result);
      write_json((fs::path(out_) / "rounds.json").string(), result.to_json());
    }
    result.finished = true;
    finish(result);
    return result;
  }

 private:
  void log(const std::string& line) const {
    if (o_.log) o_.log(line);
  }

  void prepare_folder() {
    std::error_code ec;
    fs::create_directories(out_, ec);
    if (ec) fail("cannot create ", out_, ": ", ec.message());
    const std::string id_path = (fs::path(out_) / "joint.json").string();
    nlohmann::json identity = {{"options", o_.identity_json()},
                               {"dataset",
                                {{"items", data_.num_items()},
                                 {"item_ids_xxh3", hex64(item_ids_fingerprint(data_.item_ids()))},
                                 {"records", data_.num_records()},
                                 {"train_samples", data_.num_train_samples()}}},
                               {"initial_tree",
                                {{"levels", initial_.max_level()},
                                 {"assignment_xxh3", hex64(initial_.assignment_fingerprint())}}}};
    if (output_exists(id_path)) {
      if (!o_.resume)
        fail(out_, " already holds a joint-learning run: pass --resume to continue it, or choose another folder");
      if (auto d = json_difference(read_json(id_path), identity))
        fail(id_path, ": the run in this folder was made with ", d->path, " = ", d->a, ", this one has ", d->b,
             "; choose another folder or the same options");
      log(cat("resuming the joint-learning run in ", out_));
    } else {
      write_json(id_path, identity);
    }
  }

  // Runs round r, or reads it back when it is done. False: stopped at max_batches or by a signal.
  bool run_round(std::uint32_t r, RoundStats& stats) {
    const std::string dir = round_dir(out_, r);
    const std::string stats_path = (fs::path(dir) / "round.json").string();
    if (output_exists(stats_path)) {
      try {
        stats = RoundStats::from_json(read_json(stats_path));
      } catch (const Error& e) {
        fail(stats_path, ": ", e.what(), "; delete it to redo round ", r);
      }
      log(rounds_table_row(stats, o_.relearn == Relearn::jtm) + "  (done before)");
      return true;
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) fail("cannot create ", dir, ": ", ec.message());
    const std::string tree_path = (fs::path(dir) / "tree").string();
    if (r == 1 && !output_exists(tree_path)) with_categories(initial_).save(tree_path);
    if (!output_exists(tree_path)) fail(tree_path, " is missing: the tree learned in round ", r - 1, " is needed");
    const Tree tree = Tree::load(tree_path);
    tree.check_items(data_.item_ids(), "the dataset");

    // 1. Train (or find the trained model).
    const std::string model_path = (fs::path(dir) / "model").string();
    if (!output_exists(model_path)) {
      log(cat("round ", r, ": training ", o_.train.method, " on ", tree_path));
      if (!train(r, tree, model_path)) return false;
    }
    const TrainedModel trained = load_trained_model(model_path);
    check_model_tree(trained.info, tree, model_path, tree_path);
    const HierarchicalPreference features(trained.model->config().representation, tree);
    stats.round = r;
    stats.history = trained.info.history;
    stats.epochs = static_cast<std::uint32_t>(trained.info.history.size());
    stats.best_epoch = trained.info.options.value("best_epoch", stats.epochs);
    for (const auto& e : stats.history) stats.train_seconds += number_or_zero(e, "seconds");

    // 2. Validation recall@200 of model r on tree r.
    validate(tree, *trained.model, features, stats);

    // 3. Learn tree r + 1, unless a signal asked to stop (util/interrupt.h): the round's model is
    // saved, so this place loses nothing. Inside, the pass stops after a gap (round-N/learn.ckpt).
    if (interrupted()) {
      log(cat("round ", r, ": stopped by ", signal_name(interrupted()), " before tree learning; resume to continue"));
      return false;
    }
    const auto t0 = Clock::now();
    Tree next = learn(r, tree, *trained.model, features, stats);
    stats.learn_seconds = seconds_since(t0);
    for (std::uint32_t c = 0; c < tree.num_items(); ++c) stats.items_moved += next.leaf(c) != tree.leaf(c);
    const std::string next_dir = round_dir(out_, r + 1);
    fs::create_directories(next_dir, ec);
    if (ec) fail("cannot create ", next_dir, ": ", ec.message());
    with_categories(next).save((fs::path(next_dir) / "tree").string());
    write_json(stats_path, stats.to_json());
    remove_output(learn_checkpoint_path(r));
    log(rounds_table_row(stats, o_.relearn == Relearn::jtm));
    return true;
  }

  bool train(std::uint32_t r, const Tree& tree, const std::string& model_path) {
    TrainOptions t = o_.train;
    t.seed = r == 1 ? o_.train.seed : mix_seed(o_.train.seed, r);
    t.checkpoint_path = model_path + ".ckpt";
    if (!o_.round_epochs.empty()) {  // exactly this many epochs; the best one is kept
      t.epochs = o_.round_epochs[r - 1];
      t.patience = t.epochs;
    }
    Trainer trainer(data_, tree, t);
    const std::vector<std::uint32_t> users = valid_users();
    if (!users.empty()) {
      ValidationOptions vo;
      vo.threads = o_.train.threads;
      trainer.on_validate(tree_validator(data_, tree, users, vo));
    }
    if (r > 1) {
      const std::string prev_dir = round_dir(out_, r - 1);
      const std::string prev_model = (fs::path(prev_dir) / "model").string();
      const std::string prev_tree_path = (fs::path(prev_dir) / "tree").string();
      const Tree prev_tree = Tree::load(prev_tree_path);
      const TrainedModel prev = load_trained_model(prev_model);
      check_model_tree(prev.info, prev_tree, prev_model, prev_tree_path);
      trainer.warm_start(*prev.model, prev_tree);
    }
    if (output_exists(t.checkpoint_path)) {
      trainer.resume();
      log(cat("round ", r, ": resuming training at epoch ", trainer.position().epoch + 1, ", batch ",
              trainer.position().next_batch));
    }
    if (o_.progress) trainer.on_progress(o_.progress);
    trainer.on_epoch_end([&](const EpochSummary& s) {
      char line[200];
      std::snprintf(line, sizeof line, "round %u: epoch %u/%u: loss %.5f, %.1f s", r, s.epoch + 1, t.epochs, s.loss,
                    s.seconds);
      std::string text = line;
      if (s.validated)
        text += cat(", validation recall@200 ", s.score, s.best_epoch == s.epoch + 1 ? " (best)" : "",
                    s.stop ? cat("; best epoch ", s.best_epoch, ", stopping") : std::string());
      log(text);
      return nlohmann::json(nullptr);
    });
    if (!trainer.run()) {
      log(cat("round ", r, ": training stopped ",
              interrupted() ? "by " + signal_name(interrupted()) : std::string("after --max-batches"),
              "; resume to continue"));
      return false;
    }
    // The tree path lets `tree init --kmeans --model` and `train --init-model` find the tree.
    trainer.save(model_path, {{"joint_round", r}, {"tree", (fs::path(model_path).parent_path() / "tree").string()}});
    return true;
  }

  std::vector<std::uint32_t> valid_users() const {
    if (!o_.valid_user_list.empty()) return o_.valid_user_list;
    return validation_users(data_, o_.valid_users, o_.train.seed);
  }

  void validate(const Tree& tree, const PreferenceModel& model, const HierarchicalPreference& features, RoundStats& s) {
    const std::vector<std::uint32_t> users = valid_users();
    if (users.empty()) return;
    const auto t0 = Clock::now();
    RetrievalOptions ro;  // k = M = 200 (ALGORITHMS §6)
    ro.threads = o_.train.threads;
    const EvalUserHistories histories(data_, users);
    const RankedLists lists = retrieve(model, features, tree, histories, ro);
    const Metrics m = measure_lists(data_, users, lists, ro.top);
    s.validated = true;
    s.recall = m.get(200).recall;
    s.valid = m.json();
    s.eval_seconds = seconds_since(t0);
  }

  std::string learn_checkpoint_path(std::uint32_t r) const {
    return (fs::path(round_dir(out_, r)) / "learn.ckpt").string();
  }

  // `tree` with the dataset's categories, which every tree file the CLI writes holds (tree/tree.h).
  Tree with_categories(Tree tree) const {
    tree.set_categories(data_.item_categories(), data_.category_ids());
    return tree;
  }

  Tree learn(std::uint32_t r, const Tree& tree, const PreferenceModel& model, const HierarchicalPreference& features,
             RoundStats& s) {
    if (o_.relearn == Relearn::none) return tree;
    if (o_.relearn == Relearn::kmeans) {
      KMeansTreeOptions k = o_.kmeans;
      k.seed = mix_seed(o_.kmeans.seed, r);
      k.threads = o_.train.threads;
      return build_kmeans_tree(leaf_embeddings(model, tree), model.config().embedding_dim, tree.item_ids(), k);
    }
    TreeLearnOptions l = o_.learn;
    l.seed = mix_seed(o_.learn.seed, r);
    l.threads = o_.train.threads;
    if (!l.log) l.log = o_.log;
    l.checkpoint_path = learn_checkpoint_path(r);  // a pass killed or stopped continues from its last gap
    TreeLearnResult t = learn_tree(data_, tree, model, features, l);
    s.objective_old = t.objective_old;
    s.objective_new = t.objective_new;
    s.objective_learned = t.objective_learned;
    s.kept_old = t.kept_old;
    s.moved_per_level = t.moved_per_level;
    if (!t.kept_old) t.tree.set_builder("learned");
    return std::move(t.tree);
  }

  // The highest validation recall (ties: the earlier round); the last round without validation.
  static std::uint32_t best_round(const std::vector<RoundStats>& rounds) {
    std::uint32_t best = rounds.back().round;
    double best_recall = -std::numeric_limits<double>::infinity();
    bool any = false;
    for (const auto& s : rounds)
      if (s.validated && s.recall > best_recall) {
        best_recall = s.recall;
        best = s.round;
        any = true;
      }
    return any ? best : rounds.back().round;
  }

  void copy_best(const JointResult& result) const {
    const std::string dir = round_dir(out_, result.best_round);
    copy_file_atomically((fs::path(dir) / "model").string(), result.best_model);
    copy_file_atomically((fs::path(dir) / "tree").string(), result.best_tree);
  }

  // Makes rounds.json and best.* agree with the finished rounds (also after a kill between
  // writing a round and copying its files).
  void finish(JointResult& result) const {
    if (!result.rounds.empty()) copy_best(result);
    write_json((fs::path(out_) / "rounds.json").string(), result.to_json());
  }

  const Dataset& data_;
  const Tree& initial_;
  const JointOptions& o_;
  std::string out_;
};

}  // namespace

JointResult run_joint_learning(const Dataset& dataset, const Tree& initial_tree, const JointOptions& options,
                               const std::string& out_dir) {
  return JointRun(dataset, initial_tree, options, out_dir).run();
}

}  // namespace treerec
