// jtm and tdm-kmeans for `treerec experiment` (ALGORITHMS §8, §3, §9): the joint loop of
// learn/joint_learning.h in the method's work folder (finished rounds are reused), then the
// best round's model on its tree retrieves the evaluation users' lists.
#include <chrono>

#include "treerec/experiment/method_list.h"
#include "treerec/learn/joint_learning.h"
#include "treerec/search/model_retrieval.h"
#include "treerec/model/model_file.h"
#include "treerec/util/error.h"
#include "treerec/util/interrupt.h"

namespace treerec {
namespace {

std::vector<MethodParam> joint_method_params(Relearn relearn) {
  const bool jtm = relearn == Relearn::jtm;
  std::vector<MethodParam> p = params_of(joint_params(), {"rounds"});
  if (relearn != Relearn::none) {
    for (MethodParam c : convergence_params()) {
      c.help += " (per round)";
      p.push_back(std::move(c));
    }
  } else {
    p[0].help = "rounds at most: the rounds of jtm's run up to its best round";
  }
  const std::vector<MethodParam> rest =
      params_of(train_params(), {"model", "batch_size", "negatives", "embedding_dim", "learning_rate", "lr_decay"});
  p.insert(p.end(), rest.begin(), rest.end());
  p.push_back(params_of(joint_params(), {"valid_users"})[0]);
  if (jtm) {
    const std::vector<MethodParam> learn = params_of(
        learn_params(), {"gap", "assign", "assign_candidates", "max_samples_per_item", "lookahead", "never_worse"});
    p.insert(p.end(), learn.begin(), learn.end());
  } else if (relearn == Relearn::kmeans) {
    p.push_back(params_of(kmeans_params(), {"kmeans_iterations"})[0]);
  }
  return p;
}

// The round epochs of jtm's run with the same seed, rounds 1..best: what jtm-h-same-epochs repeats.
std::vector<std::uint32_t> jtm_round_epochs(const MethodContext& ctx) {
  const nlohmann::json jtm = ctx.result_of ? ctx.result_of("jtm") : nlohmann::json();
  if (!jtm.is_object() || !jtm.contains("rounds") || !jtm.contains("extra"))
    fail("jtm-h-same-epochs repeats jtm's training epochs: run jtm before it, with the same seed");
  const auto best = jtm.at("extra").at("best_round").get<std::uint32_t>();
  std::vector<std::uint32_t> epochs;
  for (const auto& r : jtm.at("rounds"))
    if (r.at("round").get<std::uint32_t>() <= best) epochs.push_back(r.at("epochs").get<std::uint32_t>());
  TR_CHECK(epochs.size() == best, "jtm's result lists ", epochs.size(), " rounds up to its best round ", best);
  return epochs;
}

MethodOutcome run_joint(const MethodContext& ctx, Relearn relearn) {
  if (ctx.work_dir.empty()) fail("method ", relearn_name(relearn), " needs a work folder");
  JointOptions o;
  o.relearn = relearn;
  o.train.method = relearn == Relearn::kmeans ? "tdm" : "jtm-h";
  const std::string name = relearn == Relearn::jtm ? "jtm" : relearn == Relearn::kmeans ? "tdm-kmeans" : "jtm-h-same-epochs";
  apply_settings(joint_params(), ctx, name, o);  // rounds, valid_users
  apply_settings(train_params(), ctx, name, o.train);  // epochs, patience, min_delta only where the method has them
  if (relearn == Relearn::none) {  // jtm's epochs, round by round, on the initial tree
    o.round_epochs = jtm_round_epochs(ctx);
    o.rounds = std::min<std::uint32_t>(o.rounds, static_cast<std::uint32_t>(o.round_epochs.size()));
    o.round_epochs.resize(o.rounds);
  }
  o.train.seed = ctx.seed;
  o.train.threads = ctx.threads;
  o.train.validate(config_names("methods." + name + "."));
  if (relearn == Relearn::jtm) {
    apply_settings(learn_params(), ctx, name, o.learn);
  } else if (relearn == Relearn::kmeans) {
    apply_settings(kmeans_params(), ctx, name, o.kmeans);
  }
  o.learn.seed = o.kmeans.seed = ctx.seed;
  o.valid_user_list.assign(ctx.valid_users.begin(), ctx.valid_users.end());
  o.resume = true;  // reuse what an earlier, killed experiment finished
  o.log = ctx.log;

  const auto t0 = std::chrono::steady_clock::now();
  const JointResult joint = run_joint_learning(ctx.dataset, ctx.initial_tree, o, ctx.work_dir);
  if (!joint.finished && interrupted())
    throw_interrupted(cat("during the joint loop in ", ctx.work_dir, ": running the experiment again continues it"));
  TR_CHECK(joint.finished, "the joint loop in ", ctx.work_dir, " did not finish");
  MethodOutcome out;
  out.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const TrainedModel best = load_trained_model(joint.best_model);
  const Tree tree = Tree::load(joint.best_tree);
  check_model_tree(best.info, tree, joint.best_model, joint.best_tree);
  const HierarchicalPreference features(best.model->config().representation, tree);
  const auto t1 = std::chrono::steady_clock::now();
  RetrievalOptions ro;
  ro.top = ctx.top;
  ro.beam = std::max(ro.beam, ctx.top);  // k = M = 200 by default (ALGORITHMS §6)
  ro.threads = ctx.threads;
  out.lists = retrieve(*best.model, features, tree, EvalUserHistories(ctx.dataset, ctx.users), ro);
  out.retrieve_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();

  for (const RoundStats& r : joint.rounds) {
    for (nlohmann::json e : r.history) {
      e["round"] = r.round;
      out.history.push_back(std::move(e));
    }
    nlohmann::json row = r.to_json();
    row.erase("history");
    // The names method.h's example uses, beside the detailed ones.
    row["objective"] = relearn == Relearn::jtm ? nlohmann::json(r.objective_new) : nlohmann::json(nullptr);
    if (relearn != Relearn::jtm)  // k-means and the fixed tree have none
      row["objective_old"] = row["objective_new"] = row["objective_learned"] = nullptr;
    row["seconds"] = r.train_seconds + r.eval_seconds + r.learn_seconds;
    out.rounds.push_back(std::move(row));
  }
  std::uint32_t epochs = 0;
  for (const RoundStats& r : joint.rounds)
    if (r.round <= joint.best_round) epochs += r.epochs;
  out.extra = {{"best_round", joint.best_round},
               {"best_model", joint.best_model},
               {"best_tree", joint.best_tree},
               {"epochs_to_best_round", epochs}};
  return out;
}

}  // namespace

std::vector<ExperimentMethod> joint_methods() {
  return {
      {method_named("jtm"), joint_method_params(Relearn::jtm), [](const MethodContext& c) { return run_joint(c, Relearn::jtm); }},
      {method_named("tdm-kmeans"), joint_method_params(Relearn::kmeans), [](const MethodContext& c) { return run_joint(c, Relearn::kmeans); }},
      {method_named("jtm-h-same-epochs"), joint_method_params(Relearn::none), [](const MethodContext& c) { return run_joint(c, Relearn::none); }},
  };
}

}  // namespace treerec
