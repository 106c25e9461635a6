// A trained model file: the preference model's sections (PreferenceModel::save) plus a
// "training" JSON section with the method, the tree it was trained on and every training
// option, so that evaluate, retrieve and serve can check and reproduce how it was made.
// Magic "TRECMODL", format version 1 (the same container PreferenceModel::save writes).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/preference_model.h"
#include "treerec/model/method.h"

namespace treerec {

class Tree;

struct TrainingInfo {
  std::string method;                 // training_method() name
  std::uint64_t tree_fingerprint = 0;  // Tree::fingerprint() of the tree it was trained on
  std::uint32_t tree_items = 0;
  std::uint32_t tree_levels = 0;
  nlohmann::json options = nlohmann::json::object();  // every training option, as used
  nlohmann::json history = nlohmann::json::array();   // one object per epoch (loss, metrics, time)

  nlohmann::json to_json() const;
  static TrainingInfo from_json(const nlohmann::json& j);  // throws Error naming a bad field
};

struct TrainedModel {
  std::unique_ptr<PreferenceModel> model;
  TrainingInfo info;
};

// Writes atomically (temporary file, then rename).
void save_trained_model(const std::string& path, const PreferenceModel& model, const TrainingInfo& info);
// Throws Error naming the file if it is not a trained model or is damaged.
TrainedModel load_trained_model(const std::string& path);
// Throws Error naming both files when `tree` is not the tree the model was trained on.
void check_model_tree(const TrainingInfo& info, const Tree& tree, const std::string& model_path,
                      const std::string& tree_path);

// The model's behaviour features on `tree`, after checking that the model was trained on this
// tree (check_model_tree), that its representation is its method's and that its tables fit
// (check_model_fits). Throws Error naming both (model_path, tree_path: how the caller names them).
HierarchicalPreference trained_model_features(const TrainedModel& trained, const Tree& tree,
                                              const std::string& model_path, const std::string& tree_path);

}  // namespace treerec
