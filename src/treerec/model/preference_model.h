// The user preference model interface (ALGORITHMS §4): scores (user, node) pairs given as a
// ModelBatch, returns one logit per row (p̂(n | u) = sigmoid(logit)), and computes exact
// gradients of any loss given dL/dlogit.
//
// Threads (fastText style): the model is read-only during forward/backward; every thread owns
// a ModelState (scratch buffers reused across batches without reallocation once they have
// grown to the largest batch) and its own Gradients; the trainer reduces the Gradients in
// thread order and applies the optimizer (train/adam.h).
//
// Implementations, created by name: "dnn" (dnn_model.h) and "attention" (attention_model.h).
// Tables: parameters().tables[kBehaviorTable] embeds behaviours (rows as HierarchicalPreference
// maps them), tables[kNodeTable] embeds target nodes (rows = Tree::node_index).
//
// Files: inside any BinaryWriter/Reader container, sections "<prefix>.config" (JSON: kind,
// representation, dims, table rows, dense layout), "<prefix>.dense" (floats) and
// "<prefix>.table.<name>" (floats, rows x dim). A standalone model file has magic "TRECMODL",
// format version 1.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/model_batch.h"
#include "treerec/model/parameters.h"

namespace treerec {

class BinaryReader;
class BinaryWriter;

inline constexpr std::size_t kBehaviorTable = 0;
inline constexpr std::size_t kNodeTable = 1;

struct ModelConfig {
  std::string kind = "dnn";  // "dnn" or "attention"
  // Recorded so that a loaded model maps behaviours as it was trained; the model itself only
  // sees rows.
  Representation representation = Representation::tdm;
  std::uint32_t embedding_dim = 24;
  std::vector<std::uint32_t> hidden{128, 64, 24};
  std::uint32_t attention_hidden = 36;  // attention model only
  std::uint64_t behavior_rows = 0;      // HierarchicalPreference::num_rows()
  std::uint64_t node_rows = 0;          // Tree::num_nodes()
  float embedding_init_std = 0.05f;     // embeddings start as N(0, std^2)

  // Throws Error naming the field that is out of range.
  void validate() const;
  nlohmann::json to_json() const;
  // Throws Error naming a missing or mistyped field.
  static ModelConfig from_json(const nlohmann::json& j);
};

// Per-thread scratch of one model; create with PreferenceModel::make_state().
class ModelState {
 public:
  virtual ~ModelState() = default;
};

class PreferenceModel {
 public:
  virtual ~PreferenceModel() = default;
  PreferenceModel(const PreferenceModel&) = delete;
  PreferenceModel& operator=(const PreferenceModel&) = delete;

  // The names create() accepts.
  static std::vector<std::string> kinds();
  // A freshly initialised model of config.kind; the same config and seed give bit-identical
  // parameters. Dense weights: Xavier-uniform; biases 0; PReLU slopes 0.25; embeddings
  // N(0, embedding_init_std^2). Throws Error for an unknown kind or an invalid config.
  static std::unique_ptr<PreferenceModel> create(const ModelConfig& config, std::uint64_t seed);
  // Reads sections written by save(); throws Error if absent, mis-sized or inconsistent.
  static std::unique_ptr<PreferenceModel> load(const BinaryReader& reader,
                                               std::string_view prefix = "model");
  static std::unique_ptr<PreferenceModel> load(const std::string& path);
  // Replaces this model's parameter values by those saved under `prefix`, in place (no second
  // model: a resumed multi-gigabyte run holds one copy), dropping each section's file pages
  // once copied. Throws Error, naming the first differing field, if the saved config is not
  // this model's; the values are then unchanged.
  void read_values(const BinaryReader& reader, std::string_view prefix = "model");
  void save(BinaryWriter& writer, std::string_view prefix = "model") const;
  void save(const std::string& path) const;

  const ModelConfig& config() const { return config_; }
  const std::string& kind() const { return config_.kind; }
  Parameters& parameters() { return params_; }
  const Parameters& parameters() const { return params_; }
  Gradients make_gradients() const { return Gradients::like(params_); }

  // Warm start on a changed tree (ALGORITHMS §7.1, §8: a node's identity is its code, and its embedding
  // follows the code). Rebuilds table `table` so that new row i is old row source[i], or a fresh
  // N(0, embedding_init_std^2) row (seeded by seed and i) where source[i] < 0; the config's row
  // count follows. node_row_sources() gives `source` for the node table (and for the behaviour
  // table under jtm-h). Pair with Adam::remap_table so the moments follow their rows.
  void remap_table(std::size_t table, std::span<const std::int64_t> source, std::uint64_t seed);

  virtual std::unique_ptr<ModelState> make_state() const = 0;
  // logits[r] for every row of the batch (logits.size() == batch.num_rows()). Validates the
  // batch against the table sizes (throws Error). Keeps what backward needs in `state`.
  virtual void forward(const ModelBatch& batch, ModelState& state, std::span<float> logits) const = 0;
  // The logits of forward() for retrieval: no backward follows, so a model may skip keeping
  // what backward needs (the DNN fuses biases and PReLU in place). Equal to forward()'s logits
  // up to float rounding. Defaults to forward().
  virtual void score(const ModelBatch& batch, ModelState& state, std::span<float> logits) const {
    forward(batch, state, logits);
  }
  // After forward(batch, state): ADDS dL/dθ to grads for dL/dlogit[r] = dlogits[r]; dense
  // parameters get dense gradients, embedding tables the rows the batch touched.
  virtual void backward(const ModelBatch& batch, ModelState& state, std::span<const float> dlogits,
                        Gradients& grads) const = 0;

 protected:
  explicit PreferenceModel(ModelConfig config);
  // Seeded initialisation as create() describes, then on_initialised().
  void initialise(std::uint64_t seed);
  // Lets a model give special slices a special start (e.g. a bias of 1).
  virtual void on_initialised() {}
  // Checks logits/dlogits sizes and the batch's ids.
  void check_batch(const ModelBatch& batch, std::size_t logits) const;

  ModelConfig config_;
  Parameters params_;

 private:
  // read_values() once the saved config is known to be this model's: sizes checked, values
  // copied, each table's file pages dropped.
  void copy_values(const BinaryReader& reader, std::string_view prefix);
};

}  // namespace treerec
