#include "treerec/train/checkpoint.h"

#include "treerec/io/binary_file.h"
#include "treerec/model/preference_model.h"
#include "treerec/train/adam.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {
constexpr std::string_view kMagic = "TRECCKPT";
constexpr std::uint32_t kVersion = 2;
}  // namespace

nlohmann::json TrainPosition::to_json() const {
  // Doubles are written in their shortest exact form, so they read back bit-identical.
  return {{"epoch", epoch},
          {"next_batch", next_batch},
          {"batches", batches},
          {"epoch_loss_sum", epoch_loss_sum},
          {"epoch_rows", epoch_rows},
          {"epoch_seconds", epoch_seconds},
          {"total_seconds", total_seconds},
          {"best_epoch", early.best_epoch},
          {"best_score", early.best_score},
          {"stopped", early.stopped}};
}

TrainPosition TrainPosition::from_json(const nlohmann::json& j) {
  TrainPosition p;
  try {
    p.epoch = j.at("epoch").get<std::uint32_t>();
    p.next_batch = j.at("next_batch").get<std::uint64_t>();
    p.batches = j.at("batches").get<std::uint64_t>();
    p.epoch_loss_sum = j.at("epoch_loss_sum").get<double>();
    p.epoch_rows = j.at("epoch_rows").get<std::uint64_t>();
    p.epoch_seconds = j.at("epoch_seconds").get<double>();
    p.total_seconds = j.at("total_seconds").get<double>();
    p.early.best_epoch = j.value("best_epoch", 0u);  // absent in version 1
    p.early.best_score = j.value("best_score", 0.0);
    p.early.stopped = j.value("stopped", false);
  } catch (const nlohmann::json::exception& e) {
    fail("bad training position: ", e.what());
  }
  return p;
}

namespace {
std::optional<JsonDifference> difference(const nlohmann::json& a, const nlohmann::json& b, const std::string& path) {
  const auto sub = [&](const std::string& key) { return path.empty() ? key : path + "." + key; };
  if (a.is_object() && b.is_object()) {
    for (const auto& [key, value] : a.items()) {
      if (!b.contains(key)) return JsonDifference{sub(key), value.dump(), "(absent)"};
      if (auto d = difference(value, b.at(key), sub(key))) return d;
    }
    for (const auto& [key, value] : b.items())
      if (!a.contains(key)) return JsonDifference{sub(key), "(absent)", value.dump()};
    return std::nullopt;
  }
  if (a == b) return std::nullopt;
  return JsonDifference{path.empty() ? "(value)" : path, a.dump(), b.dump()};
}
}  // namespace

std::optional<JsonDifference> json_difference(const nlohmann::json& a, const nlohmann::json& b) {
  return difference(a, b, "");
}

void save_checkpoint(const std::string& path, const CheckpointState& state, const PreferenceModel& model,
                     const Adam& adam, const PreferenceModel* best) {
  BinaryWriter writer(path, kMagic, kVersion);
  writer.add_json("checkpoint",
                  {{"identity", state.identity}, {"position", state.position.to_json()}, {"history", state.history}});
  model.save(writer, "model");
  adam.save(writer, "adam");
  if (best) best->save(writer, "best");
  writer.commit();
}

CheckpointState load_checkpoint(const std::string& path, const nlohmann::json& identity,
                                PreferenceModel& model, Adam& adam) {
  const BinaryReader reader(path, kMagic, "checkpoint", kVersion);
  CheckpointState state;
  const nlohmann::json j = reader.json("checkpoint");
  try {
    state.identity = j.at("identity");
    state.position = TrainPosition::from_json(j.at("position"));
    state.history = j.at("history");
  } catch (const std::exception& e) {
    fail(path, ": bad checkpoint section: ", e.what());
  }
  // The options first: the likeliest difference, and the one a user can fix by a flag.
  auto d = json_difference(identity.value("options", nlohmann::json()), state.identity.value("options", nlohmann::json()));
  if (d) d->path = "options." + d->path;
  else d = json_difference(identity, state.identity);
  if (d)
    fail(path, " belongs to a different run: ", d->path, " is ", d->a, " in this run but ", d->b,
         " in the checkpoint; resume with the same dataset, tree and training options, or delete the "
         "checkpoint to start over");
  // Into the run's own arrays: a second model beside them would double a large run's memory.
  model.read_values(reader, "model");
  adam.load(reader, "adam");
  if (reader.has("best.config")) state.best = PreferenceModel::load(reader, "best");
  return state;
}

}  // namespace treerec
