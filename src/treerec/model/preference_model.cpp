#include "treerec/model/preference_model.h"

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "treerec/io/binary_file.h"
#include "treerec/model/attention_model.h"
#include "treerec/model/dnn_model.h"
#include "treerec/util/parallel.h"
#include "treerec/util/random.h"

namespace treerec {

namespace {
constexpr std::string_view kMagic = "TRECMODL";
constexpr std::uint32_t kVersion = 1;

template <typename T>
T field(const nlohmann::json& j, const char* name) {
  TR_CHECK(j.contains(name), "model config lacks field '", name, "'");
  try {
    return j.at(name).get<T>();
  } catch (const nlohmann::json::exception& e) {
    fail("model config field '", name, "' has the wrong type: ", e.what());
  }
}

std::string section(std::string_view prefix, std::string_view name) {
  return cat(prefix, ".", name);
}
}  // namespace

void ModelConfig::validate() const {
  TR_CHECK(kind == "dnn" || kind == "attention", "unknown model kind '", kind,
           "': expected dnn or attention");
  TR_CHECK(embedding_dim >= 1 && embedding_dim <= 4096, "embedding_dim must be in [1, 4096], got ",
           embedding_dim);
  TR_CHECK(!hidden.empty() && hidden.size() <= 16, "hidden must list 1 to 16 layer sizes");
  for (std::uint32_t h : hidden) TR_CHECK(h >= 1 && h <= 65536, "hidden layer size ", h, " is out of [1, 65536]");
  TR_CHECK(attention_hidden >= 1 && attention_hidden <= 65536, "attention_hidden must be in [1, 65536], got ",
           attention_hidden);
  TR_CHECK(behavior_rows >= 1 && behavior_rows < 0xFFFFFFFFull, "behavior_rows must be in [1, 2^32 - 2], got ",
           behavior_rows);
  TR_CHECK(node_rows >= 1 && node_rows < 0xFFFFFFFFull, "node_rows must be in [1, 2^32 - 2], got ", node_rows);
  TR_CHECK(std::isfinite(embedding_init_std) && embedding_init_std >= 0.0f,
           "embedding_init_std must be finite and >= 0, got ", embedding_init_std);
}

nlohmann::json ModelConfig::to_json() const {
  return {{"kind", kind},
          {"representation", representation_name(representation)},
          {"embedding_dim", embedding_dim},
          {"hidden", hidden},
          {"attention_hidden", attention_hidden},
          {"behavior_rows", behavior_rows},
          {"node_rows", node_rows},
          {"embedding_init_std", embedding_init_std}};
}

ModelConfig ModelConfig::from_json(const nlohmann::json& j) {
  TR_CHECK(j.is_object(), "model config must be a JSON object");
  ModelConfig c;
  c.kind = field<std::string>(j, "kind");
  c.representation = parse_representation(field<std::string>(j, "representation"));
  c.embedding_dim = field<std::uint32_t>(j, "embedding_dim");
  c.hidden = field<std::vector<std::uint32_t>>(j, "hidden");
  c.attention_hidden = field<std::uint32_t>(j, "attention_hidden");
  c.behavior_rows = field<std::uint64_t>(j, "behavior_rows");
  c.node_rows = field<std::uint64_t>(j, "node_rows");
  c.embedding_init_std = field<float>(j, "embedding_init_std");
  c.validate();
  return c;
}

PreferenceModel::PreferenceModel(ModelConfig config) : config_(std::move(config)) {
  config_.validate();
  params_.add_table("behavior", config_.behavior_rows, config_.embedding_dim);
  params_.add_table("node", config_.node_rows, config_.embedding_dim);
}

std::vector<std::string> PreferenceModel::kinds() { return {"dnn", "attention"}; }

namespace {
std::unique_ptr<PreferenceModel> construct(const ModelConfig& config) {
  if (config.kind == "dnn") return std::make_unique<DnnModel>(config);
  if (config.kind == "attention") return std::make_unique<AttentionModel>(config);
  fail("unknown model kind '", config.kind, "': expected dnn or attention");
}
}  // namespace

std::unique_ptr<PreferenceModel> PreferenceModel::create(const ModelConfig& config, std::uint64_t seed) {
  auto model = construct(config);
  model->initialise(seed);
  return model;
}

void PreferenceModel::initialise(std::uint64_t seed) {
  initialise_parameters(params_, config_.embedding_init_std, seed);
  on_initialised();
}

void PreferenceModel::remap_table(std::size_t table, std::span<const std::int64_t> source, std::uint64_t seed) {
  TR_CHECK(table < params_.tables.size(), "the model has no table ", table);
  EmbeddingTable& t = params_.tables[table];
  TR_CHECK(!source.empty() && source.size() < 0xFFFFFFFFull, "a table needs 1 to 2^32 - 2 rows, got ",
           source.size());
  HugeVector<float> values(source.size() * t.dim);
  parallel_for(source.size(), 0, 4096, [&](std::size_t i) {
    float* dst = values.data() + i * t.dim;
    if (source[i] >= 0) {
      TR_CHECK(static_cast<std::uint64_t>(source[i]) < t.rows, "row source ", source[i], " is outside table ",
               t.name, " (", t.rows, " rows)");
      std::memcpy(dst, t.row(static_cast<std::uint64_t>(source[i])), t.dim * sizeof(float));
    } else {
      Rng rng(mix_seed(seed, 100 + table, i));
      for (std::uint32_t k = 0; k < t.dim; ++k) dst[k] = static_cast<float>(rng.normal() * config_.embedding_init_std);
    }
  });
  t.values = std::move(values);
  t.rows = source.size();
  (table == kBehaviorTable ? config_.behavior_rows : config_.node_rows) = t.rows;
}

void PreferenceModel::check_batch(const ModelBatch& batch, std::size_t logits) const {
  TR_CHECK(logits == batch.num_rows(), "the batch has ", batch.num_rows(), " rows but ", logits,
           " logits were given");
  batch.validate(config_.behavior_rows, config_.node_rows);
}

void PreferenceModel::save(BinaryWriter& writer, std::string_view prefix) const {
  nlohmann::json config = config_.to_json();
  nlohmann::json layout = nlohmann::json::array();
  for (const auto& s : params_.slices) layout.push_back({{"name", s.name}, {"shape", s.shape}});
  config["dense_layout"] = layout;
  writer.add_json(section(prefix, "config"), config);
  writer.add(section(prefix, "dense"), params_.dense);
  for (const auto& t : params_.tables) writer.add(section(prefix, "table." + t.name), t.values);
}

void PreferenceModel::save(const std::string& path) const {
  BinaryWriter writer(path, kMagic, kVersion);
  save(writer);
  writer.commit();
}

namespace {
ModelConfig saved_config(const BinaryReader& reader, std::string_view prefix) {
  try {
    return ModelConfig::from_json(reader.json(section(prefix, "config")));
  } catch (const Error& e) {
    fail(reader.path(), " (", prefix, "): ", e.what());
  }
}
}  // namespace

std::unique_ptr<PreferenceModel> PreferenceModel::load(const BinaryReader& reader, std::string_view prefix) {
  auto model = construct(saved_config(reader, prefix));
  model->copy_values(reader, prefix);
  return model;
}

void PreferenceModel::read_values(const BinaryReader& reader, std::string_view prefix) {
  const nlohmann::json saved = saved_config(reader, prefix).to_json(), own = config_.to_json();
  for (const auto& [key, value] : own.items())
    if (saved.value(key, nlohmann::json()) != value)
      fail(reader.path(), " (", prefix, "): the saved model's ", key, " is ", saved.value(key, nlohmann::json()).dump(),
           ", this model's ", value.dump());
  copy_values(reader, prefix);
}

void PreferenceModel::copy_values(const BinaryReader& reader, std::string_view prefix) {
  const auto where = [&] { return cat(reader.path(), " (", prefix, "): "); };
  Parameters& p = params_;
  const auto dense = reader.get<float>(section(prefix, "dense"));
  TR_CHECK(dense.size() == p.dense.size(), where(), "the dense parameters hold ", dense.size(),
           " floats, the ", config_.kind, " model needs ", p.dense.size());
  std::vector<std::span<const float>> tables;
  for (const auto& t : p.tables) {
    const auto values = reader.get<float>(section(prefix, "table." + t.name));
    TR_CHECK(values.size() == t.values.size(), where(), "table ", t.name, " holds ", values.size(),
             " floats, expected ", t.rows, " x ", t.dim);
    tables.push_back(values);
  }
  // Every size checked: from here on nothing fails.
  std::memcpy(p.dense.data(), dense.data(), dense.size_bytes());
  for (std::size_t i = 0; i < tables.size(); ++i) {
    std::memcpy(p.tables[i].values.data(), tables[i].data(), tables[i].size_bytes());
    reader.drop(section(prefix, "table." + p.tables[i].name));
  }
}

std::unique_ptr<PreferenceModel> PreferenceModel::load(const std::string& path) {
  BinaryReader reader(path, kMagic, "model", kVersion);
  return load(reader);
}

}  // namespace treerec
