#include "treerec/model/model_file.h"

#include "treerec/io/binary_file.h"
#include "treerec/model/model_fit.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"
#include "treerec/util/hash.h"

namespace treerec {
namespace {
constexpr std::string_view kMagic = "TRECMODL";
constexpr std::uint32_t kVersion = 1;
}  // namespace

nlohmann::json TrainingInfo::to_json() const {
  return {{"method", method},
          {"tree", {{"fingerprint", tree_fingerprint}, {"items", tree_items}, {"levels", tree_levels}}},
          {"options", options},
          {"history", history}};
}

TrainingInfo TrainingInfo::from_json(const nlohmann::json& j) {
  TrainingInfo info;
  try {
    info.method = j.at("method").get<std::string>();
    training_method(info.method);
    const auto& t = j.at("tree");
    info.tree_fingerprint = t.at("fingerprint").get<std::uint64_t>();
    info.tree_items = t.at("items").get<std::uint32_t>();
    info.tree_levels = t.at("levels").get<std::uint32_t>();
    info.options = j.at("options");
    info.history = j.at("history");
  } catch (const nlohmann::json::exception& e) {
    fail("bad training section: ", e.what());
  }
  return info;
}

void save_trained_model(const std::string& path, const PreferenceModel& model, const TrainingInfo& info) {
  BinaryWriter writer(path, kMagic, kVersion);
  model.save(writer);
  writer.add_json("training", info.to_json());
  writer.commit();
}

TrainedModel load_trained_model(const std::string& path) {
  BinaryReader reader(path, kMagic, "model", kVersion);
  if (!reader.has("training"))
    fail(path, ": a bare preference model without training information; train one with `treerec train`");
  TrainedModel trained;
  try {
    trained.info = TrainingInfo::from_json(reader.json("training"));
  } catch (const Error& e) {
    fail(path, ": ", e.what());
  }
  trained.model = PreferenceModel::load(reader);
  return trained;
}

void check_model_tree(const TrainingInfo& info, const Tree& tree, const std::string& model_path,
                      const std::string& tree_path) {
  if (info.tree_fingerprint != tree.fingerprint() || info.tree_items != tree.num_items() ||
      info.tree_levels != tree.max_level())
    fail(model_path, " was trained on another tree (", info.tree_items, " items, ", info.tree_levels,
         " levels) than ", tree_path, " (", tree.num_items(), " items, ", tree.max_level(), " levels)");
  // Two trees of one dataset can have the same shape (a category tree and a k-means tree): the
  // assignment of items to leaves tells them apart (files from before it was recorded skip this).
  const auto recorded = info.options.find("tree_assignment_xxh3");
  if (recorded != info.options.end() && *recorded != hex64(tree.assignment_fingerprint()))
    fail(model_path, " was trained on another assignment of the items to leaves than ", tree_path,
         " (same items and depth, different tree): give the tree file the model was trained with");
}

HierarchicalPreference trained_model_features(const TrainedModel& trained, const Tree& tree,
                                              const std::string& model_path, const std::string& tree_path) {
  check_model_tree(trained.info, tree, model_path, tree_path);
  const Method& method = training_method(trained.info.method);
  const Representation r = trained.model->config().representation;
  if (r != method.representation)
    fail(model_path, ": method ", method.name, " uses the ", representation_name(method.representation),
         " representation but the model was built with ", representation_name(r));
  HierarchicalPreference features(r, tree);
  try {
    check_model_fits(*trained.model, features, tree);
  } catch (const Error& e) {
    fail(model_path, " does not fit ", tree_path, ": ", e.what());
  }
  return features;
}

}  // namespace treerec
