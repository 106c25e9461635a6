// Training checkpoints: everything a killed run needs to continue exactly where its last
// checkpoint left it, so that the resumed run ends with the same model, bit for bit, as one
// that was never interrupted: the model, the optimizer state (Adam moments, step, learning
// rate), the position (epoch, next batch) and the running statistics of the epoch, the
// per-epoch history so far, and an identity (training options, dataset, tree) that a resumed
// run must match. Nothing else is needed: batch contents are pure functions of (seed, epoch,
// position in the epoch).
//
// File: magic "TRECCKPT", format version 2, a BinaryWriter container written atomically
// (a failed write leaves the previous checkpoint as it was). Sections: "checkpoint" (JSON:
// identity, position, history), the model's ("model.*", PreferenceModel::save), the
// optimizer's ("adam.*", Adam::save) and, under early stopping, the best epoch's model
// ("best.*"). Version 1 (no early stopping) still loads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "treerec/train/early_stopping.h"

namespace treerec {

class Adam;
class PreferenceModel;

// Where a run stands.
struct TrainPosition {
  std::uint32_t epoch = 0;          // the epoch in progress (0-based); == epochs when done
  std::uint64_t next_batch = 0;     // the first batch of that epoch not yet trained
  std::uint64_t batches = 0;        // optimizer steps taken, all epochs
  double epoch_loss_sum = 0;        // summed row losses of the epoch so far
  std::uint64_t epoch_rows = 0;     // rows trained in the epoch so far
  double epoch_seconds = 0;         // training time of the epoch so far (all runs)
  double total_seconds = 0;         // training time of all epochs (all runs)
  EarlyStopping early;              // the best epoch so far, and whether training has stopped

  nlohmann::json to_json() const;
  static TrainPosition from_json(const nlohmann::json& j);  // throws Error naming a bad field
};

struct CheckpointState {
  nlohmann::json identity;  // see Trainer: options, model config, dataset, tree
  TrainPosition position;
  nlohmann::json history = nlohmann::json::array();
  std::unique_ptr<PreferenceModel> best;  // the best epoch's model (early stopping), or null
};

// Writes atomically; throws Error (and leaves any previous file at `path` intact) on failure.
// `best` (may be null) is the best epoch's model.
void save_checkpoint(const std::string& path, const CheckpointState& state, const PreferenceModel& model,
                     const Adam& adam, const PreferenceModel* best = nullptr);

// Reads `path` (throws Error naming it when absent, damaged or foreign) and checks that its
// identity equals `identity`: otherwise throws Error naming the first differing field and both
// values. Then reads the checkpoint's values into `model` and `adam` in place (made for the
// shapes the identity fixes; no second copy is built); the best epoch's model, if saved, comes
// back in `best`. A failure while reading values may leave `model` and `adam` part-loaded.
CheckpointState load_checkpoint(const std::string& path, const nlohmann::json& identity,
                                PreferenceModel& model, Adam& adam);

// The first difference between two JSON values (objects are compared key by key, in the
// order of `a`'s keys, then keys only `b` has): its dotted path and both values as JSON text
// ("(absent)" for a missing key). Nothing when they are equal.
struct JsonDifference {
  std::string path, a, b;
};
std::optional<JsonDifference> json_difference(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace treerec
