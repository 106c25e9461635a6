// jtm and tdm-kmeans for `treerec experiment` (SPEC §8, §3, §9): the joint loop of
// joint/joint_learning.h in the method's work folder (finished rounds are reused), then the
// best round's model on its tree retrieves the evaluation users' lists.
#include <chrono>

#include "treerec/experiment/method_list.h"
#include "treerec/joint/joint_learning.h"
#include "treerec/search/model_retrieval.h"
#include "treerec/train/model_file.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

std::vector<MethodParam> joint_params(bool jtm) {
  std::vector<MethodParam> p = {
      {"rounds", 3, "T: rounds of (train, validate, relearn the tree)"},
      {"epochs_per_round", 1, "training epochs in every round"},
      {"model", "dnn", "preference model: dnn or attention"},
      {"batch_size", 256, "samples per optimizer step"},
      {"negatives", 100, "negatives per sample, spread over the levels"},
      {"embedding_dim", 24, "embedding size"},
      {"learning_rate", 1e-3, "Adam learning rate (x lr_decay after every epoch)"},
      {"lr_decay", 0.9, "learning-rate factor after every epoch"},
      {"valid_users", 1000, "validation users that pick the best round when the experiment gives none"},
  };
  if (jtm) {
    p.push_back({"gap", 7, "tree learning: layer gap d (SPEC §7)"});
    p.push_back({"assign", "greedy", "tree learning: greedy (with rebalance) or exact"});
    p.push_back({"max_samples_per_item", 0, "tree learning: samples per item in the weights (0 = all)"});
  } else {
    p.push_back({"kmeans_iterations", 10, "k-means: Lloyd iterations per node at most"});
  }
  return p;
}

MethodOutcome run_joint(const MethodContext& ctx, Relearn relearn) {
  if (ctx.work_dir.empty()) fail("method ", relearn == Relearn::jtm ? "jtm" : "tdm-kmeans", " needs a work folder");
  const nlohmann::json& s = ctx.settings;
  JointOptions o;
  o.relearn = relearn;
  o.rounds = s.at("rounds").get<std::uint32_t>();
  o.train.method = relearn == Relearn::jtm ? "jtm-h" : "tdm";
  o.train.model = s.at("model").get<std::string>();
  o.train.epochs = s.at("epochs_per_round").get<std::uint32_t>();
  o.train.batch_size = s.at("batch_size").get<std::uint32_t>();
  o.train.negatives = s.at("negatives").get<std::uint32_t>();
  o.train.embedding_dim = s.at("embedding_dim").get<std::uint32_t>();
  o.train.learning_rate = s.at("learning_rate").get<float>();
  o.train.lr_decay = s.at("lr_decay").get<float>();
  o.train.seed = ctx.seed;
  o.train.threads = ctx.threads;
  if (relearn == Relearn::jtm) {
    o.learn.gap = s.at("gap").get<std::uint32_t>();
    const std::string assign = s.at("assign").get<std::string>();
    if (assign != "greedy" && assign != "exact") fail("method jtm: assign '", assign, "': expected greedy or exact");
    o.learn.assign = assign == "exact" ? AssignMethod::exact : AssignMethod::greedy;
    o.learn.max_samples_per_item = s.at("max_samples_per_item").get<std::uint32_t>();
  } else {
    o.kmeans.iterations = s.at("kmeans_iterations").get<std::uint32_t>();
  }
  o.learn.seed = o.kmeans.seed = ctx.seed;
  o.valid_user_list.assign(ctx.valid_users.begin(), ctx.valid_users.end());
  o.valid_users = s.at("valid_users").get<std::uint32_t>();
  o.resume = true;  // reuse what an earlier, killed experiment finished
  o.log = ctx.log;

  const auto t0 = std::chrono::steady_clock::now();
  const JointResult joint = run_joint_learning(ctx.dataset, ctx.initial_tree, o, ctx.work_dir);
  TR_CHECK(joint.finished, "the joint loop in ", ctx.work_dir, " did not finish");
  MethodOutcome out;
  out.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const TrainedModel best = load_trained_model(joint.best_model);
  const Tree tree = Tree::load(joint.best_tree);
  check_model_tree(best.info, tree, joint.best_model, joint.best_tree);
  const BehaviorFeatures features(best.model->config().representation, tree);
  const auto t1 = std::chrono::steady_clock::now();
  RetrievalOptions ro;
  ro.top = ctx.top;
  ro.beam = std::max(ro.beam, ctx.top);  // k = M = 200 by default (SPEC §6)
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
    if (relearn != Relearn::jtm) row["objective_old"] = row["objective_new"] = nullptr;  // k-means has none
    row["seconds"] = r.train_seconds + r.eval_seconds + r.learn_seconds;
    out.rounds.push_back(std::move(row));
  }
  out.extra = {{"best_round", joint.best_round}, {"best_model", joint.best_model}, {"best_tree", joint.best_tree}};
  return out;
}

}  // namespace

std::vector<MethodInfo> joint_methods() {
  return {
      {"jtm",
       "JTM (SPEC §8): JTM-H trained jointly with tree learning (Algorithm 2), best round by validation recall@200",
       joint_params(true), [](const MethodContext& c) { return run_joint(c, Relearn::jtm); }},
      {"tdm-kmeans",
       "TDM with its tree re-clustered by balanced 2-means on the leaf embeddings after every round (SPEC §3)",
       joint_params(false), [](const MethodContext& c) { return run_joint(c, Relearn::kmeans); }},
  };
}

}  // namespace treerec
