// The YouTube product-DNN baseline's network (ALGORITHMS §9; Covington et al., RecSys 2016): a user
// vector from the same 10 time-window means as the tree models (ALGORITHMS §4, model/time_windows.h)
// through an MLP 128-64-24, and an item's score = the inner product of the user vector with
// the item's own 24-d output embedding.
//
//   windows (10E) -> fc1 128, PReLU -> fc2 64, PReLU -> fc3 24, PReLU = u;  score(u, i) = u · v_i
//
// Every layer ends with a PReLU, as ALGORITHMS §4 states for the 128-64-24 network; the last one
// keeps the user vector from being a purely linear map without losing the sign (a learned
// slope, 0.25 at the start). Tables: "behavior" (items x E, the behaviour embeddings) and
// "item" (items x 24, the output embeddings v_i): separate, as the paper's softmax weights are.
//
// Batches are ModelBatch (model/model_batch.h) with item ids as both behaviour rows (a group's
// history, most recent first) and node rows (the items to score for that group), so the
// training batch and a retrieval batch are the same structure. Threads as in
// preference_model.h: the model is read-only while it runs, each thread owns a State.
//
// Files: inside a BinaryWriter container, sections "youtube.config" (JSON), "youtube.dense",
// "youtube.table.behavior", "youtube.table.item".
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "treerec/model/model_batch.h"
#include "treerec/model/parameters.h"

namespace treerec {

class BinaryReader;
class BinaryWriter;

struct YoutubeConfig {
  std::uint32_t items = 0;                         // corpus size (rows of both tables)
  std::uint32_t embedding_dim = 24;                // E: behaviour embeddings (input 10E)
  std::vector<std::uint32_t> hidden{128, 64, 24};  // the last is the user/item vector size
  float embedding_init_std = 0.05f;

  std::uint32_t vector_dim() const { return hidden.back(); }
  // Throws Error naming the field that is out of range.
  void validate() const;
  nlohmann::json to_json() const;
  static YoutubeConfig from_json(const nlohmann::json& j);  // throws Error naming a bad field
};

class YoutubeModel {
 public:
  static constexpr std::size_t kBehaviorTable = 0;
  static constexpr std::size_t kItemTable = 1;

  // Per-thread scratch (reused across batches).
  struct State {
    std::vector<float> windows;             // G x 10E
    std::vector<std::vector<float>> A, H;   // per layer, G x hidden[k]; H.back() = user vectors
    std::vector<float> d_user, d_windows;   // backward scratch
    std::vector<std::vector<float>> dA;
  };

  // Seeded initialisation like PreferenceModel::create: Xavier-uniform weights, zero biases,
  // PReLU slopes 0.25, embeddings N(0, std^2). Throws Error on a bad config.
  YoutubeModel(const YoutubeConfig& config, std::uint64_t seed);

  const YoutubeConfig& config() const { return config_; }
  Parameters& parameters() { return params_; }
  const Parameters& parameters() const { return params_; }
  Gradients make_gradients() const { return Gradients::like(params_); }
  // v_i: vector_dim() floats.
  const float* item_vector(std::uint32_t item) const { return params_.tables[kItemTable].row(item); }

  // The user vectors of every group of `batch` (its rows are ignored): out is G x vector_dim().
  // Kept in `state` for forward's rows and backward.
  void user_vectors(const ModelBatch& batch, State& state) const;
  // user_vectors(), then logits[r] = u_g · v_{nodes[r]} for every row r of group g.
  void forward(const ModelBatch& batch, State& state, std::span<float> logits) const;
  // After forward(batch, state): ADDS dL/dθ for dL/dlogit[r] = dlogits[r] to grads.
  void backward(const ModelBatch& batch, State& state, std::span<const float> dlogits, Gradients& grads) const;

  void save(BinaryWriter& writer) const;
  // Throws Error if the sections are absent, mis-sized or inconsistent.
  static std::unique_ptr<YoutubeModel> load(const BinaryReader& reader);

 private:
  explicit YoutubeModel(const YoutubeConfig& config);
  void check(const ModelBatch& batch, std::size_t logits) const;

  YoutubeConfig config_;
  Parameters params_;
  std::vector<std::size_t> w_, b_, alpha_;  // offsets of fc{k}.w, fc{k}.b, prelu{k}.a
};

// Appends `history` (oldest first, as the dataset stores it) to `batch` as a new group: its
// last (up to 69) items, most recent first.
void add_history_group(std::span<const std::uint32_t> history, ModelBatch& batch);

}  // namespace treerec
