#include "treerec/baselines/youtube_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "treerec/io/binary_file.h"
#include "treerec/model/layers.h"
#include "treerec/model/mlp_tower.h"
#include "treerec/model/time_windows.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

template <typename T>
T field(const nlohmann::json& j, const char* name) {
  TR_CHECK(j.contains(name), "youtube model config lacks field '", name, "'");
  try {
    return j.at(name).get<T>();
  } catch (const nlohmann::json::exception& e) {
    fail("youtube model config field '", name, "' has the wrong type: ", e.what());
  }
}
}  // namespace

void YoutubeConfig::validate() const {
  TR_CHECK(items >= 1 && items < 0xFFFFFFFFu, "items must be in [1, 2^32 - 2], got ", items);
  TR_CHECK(embedding_dim >= 1 && embedding_dim <= 4096, "embedding_dim must be in [1, 4096], got ", embedding_dim);
  TR_CHECK(!hidden.empty() && hidden.size() <= 16, "hidden must list 1 to 16 layer sizes");
  for (std::uint32_t h : hidden) TR_CHECK(h >= 1 && h <= 65536, "hidden layer size ", h, " is out of [1, 65536]");
  TR_CHECK(std::isfinite(embedding_init_std) && embedding_init_std >= 0.0f,
           "embedding_init_std must be finite and >= 0, got ", embedding_init_std);
}

nlohmann::json YoutubeConfig::to_json() const {
  return {{"items", items}, {"embedding_dim", embedding_dim}, {"hidden", hidden},
          {"embedding_init_std", embedding_init_std}};
}

YoutubeConfig YoutubeConfig::from_json(const nlohmann::json& j) {
  TR_CHECK(j.is_object(), "youtube model config must be a JSON object");
  YoutubeConfig c;
  c.items = field<std::uint32_t>(j, "items");
  c.embedding_dim = field<std::uint32_t>(j, "embedding_dim");
  c.hidden = field<std::vector<std::uint32_t>>(j, "hidden");
  c.embedding_init_std = field<float>(j, "embedding_init_std");
  c.validate();
  return c;
}

void add_history_group(std::span<const std::uint32_t> history, ModelBatch& batch) {
  const std::size_t n = std::min<std::size_t>(history.size(), kMaxBehaviors);
  batch.features.insert(batch.features.end(), history.rbegin(), history.rbegin() + static_cast<std::ptrdiff_t>(n));
  batch.feature_offsets.push_back(batch.features.size());
  batch.row_offsets.push_back(batch.nodes.size());
}

YoutubeModel::YoutubeModel(const YoutubeConfig& config) : config_(config) {
  config_.validate();
  params_.add_table("behavior", config_.items, config_.embedding_dim);
  params_.add_table("item", config_.items, config_.vector_dim());
  std::uint32_t in = TimeWindows::kCount * config_.embedding_dim;
  for (std::size_t k = 0; k < config_.hidden.size(); ++k) {
    const std::string layer = std::to_string(k + 1);
    w_.push_back(params_.add_dense("fc" + layer + ".w", {config_.hidden[k], in}));
    b_.push_back(params_.add_dense("fc" + layer + ".b", {config_.hidden[k]}));
    alpha_.push_back(params_.add_dense("prelu" + layer + ".a", {config_.hidden[k]}));
    in = config_.hidden[k];
  }
}

YoutubeModel::YoutubeModel(const YoutubeConfig& config, std::uint64_t seed) : YoutubeModel(config) {
  initialise_parameters(params_, config_.embedding_init_std, seed);  // as PreferenceModel's
}

void YoutubeModel::check(const ModelBatch& batch, std::size_t logits) const {
  TR_CHECK(logits == batch.num_rows(), "the batch has ", batch.num_rows(), " rows but ", logits, " logits were given");
  batch.validate(config_.items, config_.items);
}

void YoutubeModel::user_vectors(const ModelBatch& batch, State& st) const {
  const std::size_t G = batch.num_groups(), K = config_.hidden.size();
  const std::uint32_t E = config_.embedding_dim, U = TimeWindows::kCount * E;
  const float* dense = params_.dense.data();
  float* windows = ensure(st.windows, G * U);
  for (std::size_t g = 0; g < G; ++g)
    TimeWindows::pool(params_.tables[kBehaviorTable].values.data(), E, batch.group_features(g), windows + g * U);
  st.A.resize(K);
  st.H.resize(K);
  std::uint32_t in = U;
  const float* x = windows;
  for (std::size_t k = 0; k < K; ++k) {
    const std::uint32_t out = config_.hidden[k];
    float* a = ensure(st.A[k], G * out);
    float* h = ensure(st.H[k], G * out);
    fc_forward(G, in, out, x, in, dense + w_[k], in, dense + b_[k], a, out);
    prelu_forward(G, out, a, dense + alpha_[k], h);
    x = h;
    in = out;
  }
}

void YoutubeModel::forward(const ModelBatch& batch, State& st, std::span<float> logits) const {
  check(batch, logits.size());
  user_vectors(batch, st);
  const std::uint32_t D = config_.vector_dim();
  const float* users = st.H.back().data();
  const EmbeddingTable& items = params_.tables[kItemTable];
  for (std::size_t g = 0; g < batch.num_groups(); ++g) {
    const float* u = users + g * D;
    for (std::uint64_t r = batch.row_offsets[g]; r < batch.row_offsets[g + 1]; ++r) {
      const float* v = items.row(batch.nodes[r]);
      float dot = 0.0f;
      for (std::uint32_t k = 0; k < D; ++k) dot += u[k] * v[k];
      logits[r] = dot;
    }
  }
}

void YoutubeModel::backward(const ModelBatch& batch, State& st, std::span<const float> dlogits,
                            Gradients& grads) const {
  check(batch, dlogits.size());
  TR_CHECK(grads.dense.size() == params_.dense.size() && grads.tables.size() == params_.tables.size(),
           "the gradients were not made by this model");
  const std::size_t G = batch.num_groups(), K = config_.hidden.size();
  const std::uint32_t E = config_.embedding_dim, U = TimeWindows::kCount * E, D = config_.vector_dim();
  const float* dense = params_.dense.data();
  float* gdense = grads.dense.data();
  const EmbeddingTable& items = params_.tables[kItemTable];
  SparseRows& g_items = grads.tables[kItemTable];

  // Scores u·v: dL/du = Σ_r dlogit_r v_r, dL/dv_r += dlogit_r u.
  st.dA.resize(K);
  float* du = ensure(st.dA[K - 1], G * D);
  std::fill(du, du + G * D, 0.0f);
  const float* users = st.H.back().data();
  for (std::size_t g = 0; g < G; ++g) {
    for (std::uint64_t r = batch.row_offsets[g]; r < batch.row_offsets[g + 1]; ++r) {
      const float d = dlogits[r];
      const float* v = items.row(batch.nodes[r]);
      for (std::uint32_t k = 0; k < D; ++k) du[g * D + k] += d * v[k];
      g_items.add(batch.nodes[r], users + g * D, d);
    }
  }
  float* d_windows = ensure(st.d_windows, G * U);
  for (std::size_t k = K; k-- > 0;) {
    const std::uint32_t out = config_.hidden[k];
    const std::uint32_t in = k == 0 ? U : config_.hidden[k - 1];
    prelu_backward(G, out, st.A[k].data(), dense + alpha_[k], st.dA[k].data(), gdense + alpha_[k]);
    const float* x = k == 0 ? st.windows.data() : st.H[k - 1].data();
    float* dx = k == 0 ? d_windows : ensure(st.dA[k - 1], G * in);
    fc_backward(G, in, out, x, in, dense + w_[k], in, st.dA[k].data(), out, gdense + w_[k], in, gdense + b_[k],
                dx, in);
  }
  SparseRows& g_behaviours = grads.tables[kBehaviorTable];
  for (std::size_t g = 0; g < G; ++g)
    if (batch.row_offsets[g + 1] > batch.row_offsets[g])  // a group without rows touches nothing
      TimeWindows::pool_backward(batch.group_features(g), E, d_windows + g * U, g_behaviours);
}

void YoutubeModel::save(BinaryWriter& writer) const {
  writer.add_json("youtube.config", config_.to_json());
  writer.add("youtube.dense", params_.dense);
  for (const auto& t : params_.tables) writer.add("youtube.table." + t.name, t.values);
}

std::unique_ptr<YoutubeModel> YoutubeModel::load(const BinaryReader& reader) {
  YoutubeConfig config;
  try {
    config = YoutubeConfig::from_json(reader.json("youtube.config"));
  } catch (const Error& e) {
    fail(reader.path(), ": ", e.what());
  }
  std::unique_ptr<YoutubeModel> model(new YoutubeModel(config));
  Parameters& p = model->params_;
  const auto dense = reader.get<float>("youtube.dense");
  TR_CHECK(dense.size() == p.dense.size(), reader.path(), ": the dense parameters hold ", dense.size(),
           " floats, the network needs ", p.dense.size());
  std::memcpy(p.dense.data(), dense.data(), dense.size_bytes());
  for (auto& t : p.tables) {
    const auto values = reader.get<float>("youtube.table." + t.name);
    TR_CHECK(values.size() == t.values.size(), reader.path(), ": table ", t.name, " holds ", values.size(),
             " floats, expected ", t.rows, " x ", t.dim);
    std::memcpy(t.values.data(), values.data(), values.size_bytes());
  }
  return model;
}

}  // namespace treerec
