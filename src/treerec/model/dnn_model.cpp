#include "treerec/model/dnn_model.h"

#include <algorithm>
#include <cstring>

#include "treerec/model/layers.h"
#include "treerec/model/time_windows.h"

namespace treerec {

struct DnnModel::State final : ModelState {
  std::vector<float> windows;    // G x 10E
  std::vector<float> user;       // G x H1
  std::vector<float> node_emb;   // R x E
  MlpTower::Buffers tower;
  std::vector<float> d_user;     // G x H1
  std::vector<float> d_windows;  // G x 10E
  std::vector<float> d_node;     // R x E
  // score() with shared nodes: a batch's distinct nodes, each row's index among them, and a
  // per-node-row slot (-1 when free; reset after every batch).
  std::vector<std::uint32_t> distinct;
  std::vector<std::uint32_t> row_distinct;
  std::vector<std::int32_t> slot;
  std::vector<float> node_half;  // D x H1: W1n v for each distinct node
};

DnnModel::DnnModel(const ModelConfig& config) : PreferenceModel(config) {
  tower_ = MlpTower(params_, (TimeWindows::kCount + 1) * config_.embedding_dim, config_.hidden);
}

std::unique_ptr<ModelState> DnnModel::make_state() const { return std::make_unique<State>(); }

void DnnModel::gather(const ModelBatch& batch, std::span<const std::uint32_t> node_ids, State& st) const {
  const std::size_t G = batch.num_groups(), R = node_ids.size();
  const std::uint32_t E = config_.embedding_dim, U = TimeWindows::kCount * E, H1 = tower_.first_width();
  const std::size_t in = tower_.input_dim();  // 11E: the row stride of fc1.w
  const float* dense = params_.dense.data();
  const EmbeddingTable& behaviours = params_.tables[kBehaviorTable];
  const EmbeddingTable& nodes = params_.tables[kNodeTable];

  float* windows = ensure(st.windows, G * U);
  float* user = ensure(st.user, G * H1);
  float* node_emb = ensure(st.node_emb, R * E);
  for (std::size_t g = 0; g < G; ++g)
    TimeWindows::pool(behaviours.values.data(), E, batch.group_features(g), windows + g * U);
  // user = windows W1u^T + b1: the user half of the first layer, once per group.
  fc_forward(G, U, H1, windows, U, dense + tower_.w1(), in, dense + tower_.b1(), user, H1);
  for (std::size_t r = 0; r < R; ++r) {
    if (r + 8 < R) __builtin_prefetch(nodes.row(node_ids[r + 8]));  // scattered rows: fetch ahead
    std::memcpy(node_emb + r * E, nodes.row(node_ids[r]), E * sizeof(float));
  }
}

bool DnnModel::share_nodes(const ModelBatch& batch, State& st) const {
  const std::size_t R = batch.num_rows();
  if (!batch.repeated_nodes || R < 64) return false;
  if (st.slot.size() != config_.node_rows) st.slot.assign(config_.node_rows, -1);
  st.distinct.clear();
  st.row_distinct.resize(R);
  for (std::size_t r = 0; r < R; ++r) {
    std::int32_t& slot = st.slot[batch.nodes[r]];
    if (slot < 0) {
      slot = static_cast<std::int32_t>(st.distinct.size());
      st.distinct.push_back(batch.nodes[r]);
    }
    st.row_distinct[r] = static_cast<std::uint32_t>(slot);
  }
  for (std::uint32_t n : st.distinct) st.slot[n] = -1;
  return st.distinct.size() * 2 <= R;
}

void DnnModel::forward(const ModelBatch& batch, ModelState& state_base, std::span<float> logits) const {
  check_batch(batch, logits.size());
  auto* st = dynamic_cast<State*>(&state_base);
  TR_CHECK(st != nullptr, "the state was not made by a dnn model");
  const std::size_t G = batch.num_groups(), R = batch.num_rows();
  const std::uint32_t E = config_.embedding_dim, U = TimeWindows::kCount * E, H1 = tower_.first_width();
  const std::size_t in = tower_.input_dim();
  const float* dense = params_.dense.data();
  gather(batch, batch.nodes, *st);
  st->tower.reserve(tower_, R);
  float* a0 = st->tower.A0();
  for (std::size_t g = 0; g < G; ++g)
    for (std::uint64_t r = batch.row_offsets[g]; r < batch.row_offsets[g + 1]; ++r)
      std::memcpy(a0 + r * H1, st->user.data() + g * H1, H1 * sizeof(float));
  // A0 += node_emb W1n^T: the node half, every row.
  fc_forward(R, E, H1, st->node_emb.data(), E, dense + tower_.w1() + U, in, nullptr, a0, H1, /*accumulate=*/true);
  tower_.forward(dense, R, st->tower, logits.data());
}

void DnnModel::score(const ModelBatch& batch, ModelState& state_base, std::span<float> logits) const {
  check_batch(batch, logits.size());
  auto* st = dynamic_cast<State*>(&state_base);
  TR_CHECK(st != nullptr, "the state was not made by a dnn model");
  const std::size_t R = batch.num_rows();
  const std::uint32_t E = config_.embedding_dim, U = TimeWindows::kCount * E, H1 = tower_.first_width();
  const float* w1n = params_.dense.data() + tower_.w1() + U;
  st->tower.reserve(tower_, R, /*inference=*/true);
  float* a0 = st->tower.A0();
  if (share_nodes(batch, *st)) {
    // Rows repeat nodes (tree learning scores the same nodes for every sample): W1n v once per
    // distinct node, copied to its rows. The same products, so the same logits.
    const std::size_t D = st->distinct.size();
    gather(batch, st->distinct, *st);
    float* half = ensure(st->node_half, D * H1);
    fc_forward(D, E, H1, st->node_emb.data(), E, w1n, tower_.input_dim(), nullptr, half, H1);
    for (std::size_t r = 0; r < R; ++r)
      std::memcpy(a0 + r * H1, half + std::size_t{st->row_distinct[r]} * H1, H1 * sizeof(float));
  } else {
    gather(batch, batch.nodes, *st);
    // A0 = node_emb W1n^T; infer() adds the row's user block before the first PReLU.
    fc_forward(R, E, H1, st->node_emb.data(), E, w1n, tower_.input_dim(), nullptr, a0, H1);
  }
  const float* user = st->user.data();
  const std::uint64_t* offsets = batch.row_offsets.data();
  std::size_t g = 0;
  tower_.infer(params_.dense.data(), R, st->tower, [&](std::size_t r) {
    while (r >= offsets[g + 1]) ++g;  // rows come in group order
    return user + g * H1;
  }, logits.data());
}

void DnnModel::backward(const ModelBatch& batch, ModelState& state_base, std::span<const float> dlogits,
                        Gradients& grads) const {
  check_batch(batch, dlogits.size());
  auto* st = dynamic_cast<State*>(&state_base);
  TR_CHECK(st != nullptr, "the state was not made by a dnn model");
  TR_CHECK(grads.dense.size() == params_.dense.size() && grads.tables.size() == params_.tables.size(),
           "the gradients were not made by this model");
  const std::size_t G = batch.num_groups(), R = batch.num_rows();
  const std::uint32_t E = config_.embedding_dim, U = TimeWindows::kCount * E, H1 = tower_.first_width();
  const std::size_t in = tower_.input_dim();
  const float* dense = params_.dense.data();
  const float* w1 = dense + tower_.w1();
  float* gdense = grads.dense.data();

  tower_.backward(dense, R, st->tower, dlogits.data(), gdense);
  const float* da0 = st->tower.dA0();

  // The user block feeds every row of its group: its gradient is the sum over those rows.
  float* d_user = ensure(st->d_user, G * H1);
  std::fill(d_user, d_user + G * H1, 0.0f);
  for (std::size_t g = 0; g < G; ++g) {
    float* du = d_user + g * H1;
    for (std::uint64_t r = batch.row_offsets[g]; r < batch.row_offsets[g + 1]; ++r) {
      const float* d = da0 + r * H1;
      for (std::uint32_t j = 0; j < H1; ++j) du[j] += d[j];
    }
  }
  float* d_node = ensure(st->d_node, R * E);
  fc_backward(R, E, H1, st->node_emb.data(), E, w1 + U, in, da0, H1, gdense + tower_.w1() + U, in,
              nullptr, d_node, E);
  float* d_windows = ensure(st->d_windows, G * U);
  fc_backward(G, U, H1, st->windows.data(), U, w1, in, d_user, H1, gdense + tower_.w1(), in,
              gdense + tower_.b1(), d_windows, U);

  SparseRows& g_nodes = grads.tables[kNodeTable];
  for (std::size_t r = 0; r < R; ++r) g_nodes.add(batch.nodes[r], d_node + r * E);
  SparseRows& g_behaviours = grads.tables[kBehaviorTable];
  for (std::size_t g = 0; g < G; ++g)
    if (batch.row_offsets[g + 1] > batch.row_offsets[g])  // a group without rows touches nothing
      TimeWindows::pool_backward(batch.group_features(g), E, d_windows + g * U, g_behaviours);
}

}  // namespace treerec
