// The one list of methods (ALGORITHMS §9): every name `treerec train --method`, experiment
// configs, model files and reports use, what kind of model each trains and how that model
// retrieves. The experiment runner adds how to run each one (experiment/method.h); model files
// record the name (model/model_file.h); `treerec evaluate`/`retrieve` dispatch on the file's
// kind (baselines/model_kind.h).
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "treerec/model/hierarchical_preference.h"

namespace treerec {

// What a method trains, which is also the kind of model file it writes.
enum class ModelKind {
  none,        // popular: no model
  preference,  // a tree or brute-force preference model ("TRECMODL", model/model_file.h)
  itemcf,      // Item-CF's neighbour lists ("TRECICF1", baselines/item_cf.h)
  youtube,     // the YouTube product-DNN ("TRECYTDN", baselines/youtube_trainer.h)
};

struct Method {
  std::string name{};
  std::string title{};  // what reports print: "JTM-H", "TDM (k-means tree)"
  std::string help{};  // one line: what it is, with its docs/ALGORITHMS.md section
  ModelKind model = ModelKind::none;
  // Preference models only: the behaviour features, and how retrieval ranks.
  Representation representation = Representation::tdm;
  bool brute_force = false;  // retrieval scores every item (dnn) instead of beam search
  // HSM: training takes each positive's sibling as its level's only negative
  // (BatchBuilder::siblings) and beam search ranks by the path's probability product
  // (BeamRanking::path_sum on log-sigmoid scores).
  bool hsm = false;
  // `treerec train --method` trains it on its own: tdm, jtm-hi, jtm-h, dnn, hsm. The others
  // are the baselines with models of their own and the methods that also change the tree
  // (jtm, tdm-kmeans) or repeat another's budget (jtm-h-same-epochs).
  bool trainable = false;
};

// What `treerec train --method` (and the Python module's train) takes: the trainable methods
// and the baselines with models of their own, Item-CF and YouTube.
inline bool train_command_takes(const Method& m) {
  return m.trainable || m.model == ModelKind::itemcf || m.model == ModelKind::youtube;
}

// Every method, in name order.
std::span<const Method> all_methods();
// The names of the methods `keep` accepts (all without it), in name order.
std::vector<std::string> method_names(const std::function<bool(const Method&)>& keep = nullptr);
// Throws Error listing every name when `name` is none of them.
const Method& method_named(const std::string& name);
// A method `treerec train` trains (Method::trainable); throws Error listing those otherwise.
// Model files record one of these names.
const Method& training_method(const std::string& name);

}  // namespace treerec
