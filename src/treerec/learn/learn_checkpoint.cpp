#include "treerec/learn/learn_checkpoint.h"

#include <algorithm>

#include "treerec/io/binary_file.h"
#include "treerec/model/parameters.h"
#include "treerec/train/checkpoint.h"
#include "treerec/util/error.h"
#include "treerec/util/hash.h"

namespace treerec {
namespace {
constexpr std::string_view kMagic = "TRECLCKP";
constexpr std::uint32_t kVersion = 1;

nlohmann::json gap_json(const GapStats& g) {
  return {{"from", g.from},         {"to", g.to},         {"subtrees", g.subtrees}, {"objective_old", g.objective_old},
          {"objective_new", g.objective_new}, {"moved", g.moved}, {"widened", g.widened}};
}

GapStats gap_from_json(const nlohmann::json& j) {
  GapStats g;
  g.from = j.at("from").get<std::uint32_t>();
  g.to = j.at("to").get<std::uint32_t>();
  g.subtrees = j.at("subtrees").get<std::uint64_t>();
  g.objective_old = j.at("objective_old").get<double>();
  g.objective_new = j.at("objective_new").get<double>();
  g.moved = j.at("moved").get<std::uint64_t>();
  g.widened = j.at("widened").get<std::uint64_t>();
  return g;
}
}  // namespace

nlohmann::json learn_identity(const Dataset& dataset, const Tree& old_tree, const PreferenceModel& model,
                              const TreeLearnOptions& options) {
  return {{"options", learn_params().identity_json(options)},
          {"model_parameters_xxh3", hex64(parameters_fingerprint(model.parameters()))},
          {"tree",
           {{"items", old_tree.num_items()},
            {"levels", old_tree.max_level()},
            {"assignment_xxh3", hex64(old_tree.assignment_fingerprint())}}},
          {"dataset",
           {{"items", dataset.num_items()},
            {"item_ids_xxh3", hex64(item_ids_fingerprint(dataset.item_ids()))},
            {"records", dataset.num_records()},
            {"train_samples", dataset.num_train_samples()}}}};
}

void save_learn_checkpoint(const std::string& path, const nlohmann::json& identity, const LearnCheckpoint& state) {
  nlohmann::json gaps = nlohmann::json::array();
  for (const GapStats& g : state.gaps) gaps.push_back(gap_json(g));
  BinaryWriter writer(path, kMagic, kVersion);
  // Doubles are written in their shortest exact form, so they read back bit-identical.
  writer.add_json("state", {{"identity", identity},
                            {"next_level", state.next_level},
                            {"gaps", gaps},
                            {"objective_old", state.objective_old},
                            {"scoring_seconds", state.scoring_seconds},
                            {"assign_seconds", state.assign_seconds},
                            {"node_scores", state.node_scores},
                            {"groups", state.groups}});
  writer.add("assignment", state.assignment);
  writer.commit();
}

LearnCheckpoint load_learn_checkpoint(const std::string& path, const nlohmann::json& identity, std::uint32_t items,
                                      std::uint32_t levels) {
  const BinaryReader reader(path, kMagic, "tree-learning checkpoint", kVersion);
  const nlohmann::json j = reader.json("state");
  LearnCheckpoint state;
  nlohmann::json saved;
  try {
    saved = j.at("identity");
    state.next_level = j.at("next_level").get<std::uint32_t>();
    for (const auto& g : j.at("gaps")) state.gaps.push_back(gap_from_json(g));
    state.objective_old = j.at("objective_old").get<double>();
    state.scoring_seconds = j.at("scoring_seconds").get<double>();
    state.assign_seconds = j.at("assign_seconds").get<double>();
    state.node_scores = j.at("node_scores").get<std::uint64_t>();
    state.groups = j.at("groups").get<std::uint64_t>();
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": bad tree-learning checkpoint: ", e.what());
  }
  if (auto d = json_difference(identity, saved))
    fail(path, " belongs to another tree-learning pass: ", d->path, " is ", d->a, " in this one but ", d->b,
         " in the checkpoint; use the same dataset, model, tree and options, or delete the checkpoint to start over");
  const auto codes = reader.get<std::uint64_t>("assignment");
  if (codes.size() != items || state.next_level < 1 || state.next_level > levels ||
      (state.gaps.empty() || state.gaps.back().to != state.next_level))
    fail(path, ": damaged tree-learning checkpoint: ", codes.size(), " codes for ", items, " items, gaps up to level ",
         state.next_level, " of ", levels);
  // Every item on a node of level next_level, no node over its capacity 2^(levels - level) (a
  // leaf parent's two leaves after the last gap hold one item each): what the next gap needs.
  const std::uint32_t l = state.next_level;
  const std::uint64_t first = (std::uint64_t{1} << l) - 1, last = (std::uint64_t{1} << (l + 1)) - 2;
  std::vector<std::uint64_t> sorted(codes.begin(), codes.end());
  std::sort(sorted.begin(), sorted.end());
  const std::uint64_t capacity = std::uint64_t{1} << (levels - l);
  for (std::size_t i = 0, run = 0; i < sorted.size(); ++i) {
    run = i > 0 && sorted[i] == sorted[i - 1] ? run + 1 : 1;
    if (sorted[i] < first || sorted[i] > last || run > capacity)
      fail(path, ": damaged tree-learning checkpoint: node ", sorted[i], " is not a node of level ", l,
           " or holds more than ", capacity, " items");
  }
  state.assignment.assign(codes.begin(), codes.end());
  return state;
}

}  // namespace treerec
