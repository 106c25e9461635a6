// Both preference models against the naive double-precision reference (ALGORITHMS §4): logits,
// gradients of every parameter and touched embedding row, save/load, determinism.
#include "treerec/model/preference_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "model/reference_model.h"
#include "test_util.h"
#include "treerec/io/binary_file.h"
#include "treerec/util/parallel.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

constexpr std::uint32_t kBehaviorRows = 12;
constexpr std::uint32_t kNodeRows = 9;

ModelConfig small_config(const std::string& kind) {
  ModelConfig c;
  c.kind = kind;
  c.embedding_dim = 3;
  c.hidden = {5, 4, 3};
  c.attention_hidden = 4;
  c.behavior_rows = kBehaviorRows;
  c.node_rows = kNodeRows;
  c.embedding_init_std = 0.5f;  // large enough that every layer sees real signal
  return c;
}

// Groups: an empty history; a short one with a repeated behaviour; a full 69 (many repeats);
// one with no rows (touches nothing). Node 4 is scored twice. Behaviour rows 10 and 11 and
// node rows 7 and 8 are never touched.
ModelBatch test_batch() {
  ModelBatch b;
  b.add_group({});
  b.add_row(4);
  b.add_row(0);
  const std::vector<std::uint32_t> short_history{3, 1, 3, 0, 2};
  b.add_group(short_history);
  b.add_row(1);
  b.add_row(2);
  std::vector<std::uint32_t> full;
  for (std::uint32_t i = 0; i < 69; ++i) full.push_back((i * 7 + 2) % 10);
  b.add_group(full);
  b.add_row(3);
  b.add_row(4);
  b.add_row(5);
  const std::vector<std::uint32_t> rowless{10, 11};
  b.add_group(rowless);
  b.add_group(std::vector<std::uint32_t>{9});
  b.add_row(6);
  return b;
}

// Random dense parameters (biases and slopes too), so that no gradient is trivially zero.
std::unique_ptr<PreferenceModel> make_model(const std::string& kind, std::uint64_t seed = 7) {
  auto model = PreferenceModel::create(small_config(kind), seed);
  Rng rng(seed);
  Parameters& p = model->parameters();
  for (const auto& s : p.slices)
    for (std::size_t i = 0; i < s.size; ++i)
      p.dense[s.offset + i] = s.name.ends_with(".a") ? static_cast<float>(0.1 + 0.3 * rng.uniform01())
                                                      : static_cast<float>(rng.uniform01() - 0.5);
  return model;
}

std::vector<float> run_forward(const PreferenceModel& model, const ModelBatch& batch, ModelState& state) {
  std::vector<float> logits(batch.num_rows());
  model.forward(batch, state, logits);
  return logits;
}

class ModelKind : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelKind, LogitsMatchNaiveConcatenation) {
  auto model = make_model(GetParam());
  const ModelBatch batch = test_batch();
  auto state = model->make_state();
  const auto logits = run_forward(*model, batch, *state);
  const auto expected = test::ReferenceModel(*model).logits(batch);
  ASSERT_EQ(logits.size(), expected.size());
  for (std::size_t r = 0; r < logits.size(); ++r) EXPECT_NEAR(logits[r], expected[r], 1e-5 * (1 + std::abs(expected[r])));
}

// score() (retrieval's path: biases and PReLU fused in place for the DNN) gives forward()'s
// logits, also when a state that scored a bigger batch is reused, and leaves a later
// forward/backward unaffected.
TEST_P(ModelKind, ScoreMatchesForwardAndTheReference) {
  auto model = make_model(GetParam());
  const ModelBatch batch = test_batch();
  const auto expected = test::ReferenceModel(*model).logits(batch);
  auto state = model->make_state();
  const auto forward = run_forward(*model, batch, *state);
  std::vector<float> scored(batch.num_rows());
  model->score(batch, *state, scored);
  for (std::size_t r = 0; r < scored.size(); ++r) {
    EXPECT_FLOAT_EQ(scored[r], forward[r]) << "row " << r;
    EXPECT_NEAR(scored[r], expected[r], 1e-5 * (1 + std::abs(expected[r])));
  }
  ModelBatch one;  // a smaller batch on the same state: the second group of test_batch()
  const std::vector<std::uint32_t> short_history{3, 1, 3, 0, 2};
  one.add_group(short_history);
  one.add_row(1);
  one.add_row(2);
  std::vector<float> small(2);
  model->score(one, *state, small);
  EXPECT_FLOAT_EQ(small[0], forward[2]);
  EXPECT_FLOAT_EQ(small[1], forward[3]);
  EXPECT_EQ(run_forward(*model, batch, *state), forward);
}

// A batch marked repeated_nodes (tree learning's: every group scores the same nodes) may take
// a model's shared-node path (the DNN computes W1n v once per distinct node): the logits are
// those of the unmarked batch and of the reference, and a later unmarked batch on the same
// state is unaffected.
TEST_P(ModelKind, RepeatedNodesGiveTheSameLogits) {
  auto model = make_model(GetParam());
  ModelBatch batch;
  for (std::uint32_t g = 0; g < 24; ++g) {  // 24 groups x 6 nodes: 144 rows, 6 distinct
    std::vector<std::uint32_t> history;
    for (std::uint32_t i = 0; i <= g % 9; ++i) history.push_back((g * 5 + i * 3) % kBehaviorRows);
    batch.add_group(history);
    for (std::uint32_t n : {2u, 5u, 0u, 8u, 5u, 3u}) batch.add_row(n);
  }
  auto state = model->make_state();
  std::vector<float> plain(batch.num_rows()), shared(batch.num_rows());
  model->score(batch, *state, plain);
  batch.repeated_nodes = true;
  model->score(batch, *state, shared);
  const auto expected = test::ReferenceModel(*model).logits(batch);
  for (std::size_t r = 0; r < plain.size(); ++r) {
    EXPECT_FLOAT_EQ(shared[r], plain[r]) << "row " << r;
    EXPECT_NEAR(shared[r], expected[r], 1e-5 * (1 + std::abs(expected[r]))) << "row " << r;
  }
  const ModelBatch small = test_batch();
  std::vector<float> again(small.num_rows());
  model->score(small, *state, again);
  EXPECT_EQ(again, run_forward(*model, small, *state));
}

// The analytic gradient (float, GEMMs) of L = sum_r c_r logit_r against central differences of
// the double-precision reference with h = 1e-6: both sides are accurate to ~1e-6 relative, so
// 1e-3 relative plus 2e-5 absolute leaves room for float rounding and nothing else.
TEST_P(ModelKind, GradientsMatchFiniteDifferences) {
  auto model = make_model(GetParam());
  const ModelBatch batch = test_batch();
  auto state = model->make_state();
  run_forward(*model, batch, *state);
  Rng rng(3);
  std::vector<double> c(batch.num_rows());
  std::vector<float> cf(c.size());
  for (std::size_t r = 0; r < c.size(); ++r) cf[r] = static_cast<float>(c[r] = rng.uniform01() * 2 - 1);
  Gradients grads = model->make_gradients();
  model->backward(batch, *state, cf, grads);

  test::ReferenceModel ref(*model);
  const auto close = [](double analytic, double numeric) {
    return std::abs(analytic - numeric) <= 2e-5 + 1e-3 * std::abs(numeric);
  };
  int checked = 0;
  for (const auto& s : model->parameters().slices) {
    double norm = 0;
    for (std::size_t i = 0; i < s.size; ++i) {
      const double numeric = ref.numeric(batch, c, ref.dense[s.offset + i]);
      const double analytic = grads.dense[s.offset + i];
      norm += std::abs(numeric);
      EXPECT_PRED2(close, analytic, numeric) << s.name << "[" << i << "]";
      ++checked;
    }
    EXPECT_GT(norm, 1e-6) << s.name << " has no gradient at all: the check would be vacuous";
  }
  // Embedding rows: exactly the touched rows carry gradients, and they are right.
  const std::vector<std::vector<std::uint32_t>> touched{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {0, 1, 2, 3, 4, 5, 6}};
  for (std::size_t t = 0; t < 2; ++t) {
    const SparseRows& g = grads.tables[t];
    const std::uint32_t rows = t == 0 ? kBehaviorRows : kNodeRows;
    const std::uint32_t E = model->config().embedding_dim;
    EXPECT_EQ(g.size(), touched[t].size()) << "table " << t;
    for (std::uint32_t row = 0; row < rows; ++row) {
      const bool is_touched = std::find(touched[t].begin(), touched[t].end(), row) != touched[t].end();
      const float* analytic = g.find(row);
      ASSERT_EQ(analytic != nullptr, is_touched) << "table " << t << " row " << row;
      for (std::uint32_t k = 0; k < E; ++k) {
        const double numeric = ref.numeric(batch, c, ref.tables[t][row * E + k]);
        if (!is_touched) {
          EXPECT_EQ(numeric, 0.0);
          continue;
        }
        EXPECT_PRED2(close, analytic[k], numeric) << "table " << t << " row " << row << " dim " << k;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 200);
}

// Accumulating adds the same gradient again. Not bit for bit: the GEMM that accumulates (beta = 1)
// may round in another order than the one that writes, depending on the CPU's kernels.
TEST_P(ModelKind, BackwardAccumulates) {
  auto model = make_model(GetParam());
  const ModelBatch batch = test_batch();
  auto state = model->make_state();
  run_forward(*model, batch, *state);
  std::vector<float> d(batch.num_rows(), 0.5f);
  Gradients once = model->make_gradients(), twice = model->make_gradients();
  model->backward(batch, *state, d, once);
  model->backward(batch, *state, d, twice);
  model->backward(batch, *state, d, twice);
  for (std::size_t i = 0; i < once.dense.size(); ++i) EXPECT_NEAR(twice.dense[i], 2 * once.dense[i], 1e-5f * std::abs(2 * once.dense[i]) + 1e-12f);
  for (std::size_t t = 0; t < 2; ++t)
    for (std::size_t i = 0; i < once.tables[t].size(); ++i)
      EXPECT_NEAR(twice.tables[t].find(once.tables[t].row_id(i))[0], 2 * once.tables[t].values(i)[0],
                  1e-5f * std::abs(2 * once.tables[t].values(i)[0]) + 1e-12f);
}

// A reused state gives exactly what a fresh one gives, whatever batch came before.
TEST_P(ModelKind, ReusedStateIsExact) {
  auto model = make_model(GetParam());
  const ModelBatch big = test_batch();
  ModelBatch small;
  small.add_group(std::vector<std::uint32_t>{5, 6});
  small.add_row(8);
  auto fresh = model->make_state();
  const auto expected = run_forward(*model, small, *fresh);
  Gradients g_expected = model->make_gradients();
  model->backward(small, *fresh, std::vector<float>{1.0f}, g_expected);

  auto reused = model->make_state();
  run_forward(*model, big, *reused);
  Gradients scratch = model->make_gradients();
  model->backward(big, *reused, std::vector<float>(big.num_rows(), 1.0f), scratch);
  EXPECT_EQ(run_forward(*model, small, *reused), expected);
  Gradients g = model->make_gradients();
  model->backward(small, *reused, std::vector<float>{1.0f}, g);
  EXPECT_EQ(g.dense, g_expected.dense);
  ASSERT_EQ(g.tables[0].size(), 2u);
  EXPECT_EQ(std::vector<float>(g.tables[0].values(0), g.tables[0].values(0) + 3),
            std::vector<float>(g_expected.tables[0].values(0), g_expected.tables[0].values(0) + 3));
}

TEST_P(ModelKind, SameSeedSameModelAndSaveLoadRoundTrip) {
  const auto a = PreferenceModel::create(small_config(GetParam()), 11);
  const auto b = PreferenceModel::create(small_config(GetParam()), 11);
  const auto other = PreferenceModel::create(small_config(GetParam()), 12);
  EXPECT_EQ(a->parameters().dense, b->parameters().dense);
  EXPECT_EQ(a->parameters().tables[0].values, b->parameters().tables[0].values);
  EXPECT_EQ(a->parameters().tables[1].values, b->parameters().tables[1].values);
  EXPECT_NE(a->parameters().dense, other->parameters().dense);
  EXPECT_NE(a->parameters().tables[1].values, other->parameters().tables[1].values);

  test::TempDir dir;
  const std::string path = dir.file("model.bin");
  a->save(path);
  const auto loaded = PreferenceModel::load(path);
  EXPECT_EQ(loaded->kind(), GetParam());
  EXPECT_EQ(loaded->config().to_json(), a->config().to_json());
  const ModelBatch batch = test_batch();
  auto s1 = a->make_state();
  auto s2 = loaded->make_state();
  EXPECT_EQ(run_forward(*a, batch, *s1), run_forward(*loaded, batch, *s2));
}

TEST_P(ModelKind, ReadValuesFillsTheModelInPlaceAndRefusesAnotherShape) {
  const auto saved = PreferenceModel::create(small_config(GetParam()), 11);
  test::TempDir dir;
  const std::string path = dir.file("model.bin");
  {
    BinaryWriter w(path, "TRECTEST", 1);
    saved->save(w, "m");
    w.commit();
  }
  const BinaryReader reader(path, "TRECTEST", "test", 1);
  auto target = PreferenceModel::create(small_config(GetParam()), 12);
  const float* table = target->parameters().tables[1].values.data();
  target->read_values(reader, "m");
  EXPECT_EQ(target->parameters().tables[1].values.data(), table);  // in place
  EXPECT_EQ(target->parameters().dense, saved->parameters().dense);
  EXPECT_EQ(target->parameters().tables[0].values, saved->parameters().tables[0].values);
  EXPECT_EQ(target->parameters().tables[1].values, saved->parameters().tables[1].values);

  ModelConfig wider = small_config(GetParam());
  wider.node_rows += 1;
  const auto other = PreferenceModel::create(wider, 12);
  const Parameters before = other->parameters();
  try {
    other->read_values(reader, "m");
    ADD_FAILURE() << "a model of another shape read the values";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node_rows"), std::string::npos) << e.what();
  }
  EXPECT_EQ(other->parameters().dense, before.dense);
  EXPECT_EQ(other->parameters().tables[1].values, before.tables[1].values);
}

// Groups [first, last) of a batch as a batch of their own.
ModelBatch sub_batch(const ModelBatch& b, std::size_t first, std::size_t last) {
  ModelBatch out;
  for (std::size_t g = first; g < last; ++g) {
    out.add_group(b.group_features(g));
    for (std::uint64_t r = b.row_offsets[g]; r < b.row_offsets[g + 1]; ++r) out.add_row(b.nodes[r]);
  }
  return out;
}

// The trainer's pattern: threads score parts of a batch with their own state and gradients,
// then the gradients are reduced in thread order. Same as the whole batch (up to float
// summation order) and bit-identical from run to run.
TEST_P(ModelKind, PerThreadGradientsReduceDeterministically) {
  const auto model = make_model(GetParam());
  const ModelBatch whole = test_batch();
  const std::vector<ModelBatch> parts{sub_batch(whole, 0, 2), sub_batch(whole, 2, whole.num_groups())};
  const auto reduced = [&] {
    std::vector<Gradients> per_thread(parts.size(), model->make_gradients());
    parallel_blocks(parts.size(), 2, [&](int, std::size_t begin, std::size_t end) {
      auto state = model->make_state();
      for (std::size_t i = begin; i < end; ++i) {
        std::vector<float> logits(parts[i].num_rows());
        model->forward(parts[i], *state, logits);
        for (auto& l : logits) l = 1.0f / (1.0f + std::exp(-l)) - 0.5f;
        model->backward(parts[i], *state, logits, per_thread[i]);
      }
    });
    for (std::size_t i = 1; i < per_thread.size(); ++i) per_thread[0].add(per_thread[i]);
    return per_thread[0];
  };
  const Gradients a = reduced(), b = reduced();
  EXPECT_EQ(a.dense, b.dense);
  for (std::size_t t = 0; t < 2; ++t) {
    ASSERT_EQ(a.tables[t].size(), b.tables[t].size());
    for (std::size_t i = 0; i < a.tables[t].size(); ++i) {
      EXPECT_EQ(a.tables[t].row_id(i), b.tables[t].row_id(i));
      EXPECT_EQ(a.tables[t].values(i)[0], b.tables[t].values(i)[0]);
    }
  }
  auto state = model->make_state();
  std::vector<float> logits(whole.num_rows());
  model->forward(whole, *state, logits);
  for (auto& l : logits) l = 1.0f / (1.0f + std::exp(-l)) - 0.5f;
  Gradients all = model->make_gradients();
  model->backward(whole, *state, logits, all);
  for (std::size_t i = 0; i < all.dense.size(); ++i) EXPECT_NEAR(a.dense[i], all.dense[i], 1e-5 * (1 + std::abs(all.dense[i])));
  for (std::size_t t = 0; t < 2; ++t) {
    ASSERT_EQ(a.tables[t].size(), all.tables[t].size());
    for (std::size_t i = 0; i < all.tables[t].size(); ++i)
      for (std::uint32_t k = 0; k < 3; ++k)
        EXPECT_NEAR(a.tables[t].find(all.tables[t].row_id(i))[k], all.tables[t].values(i)[k], 1e-5);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ModelKind, ::testing::Values("dnn", "attention"));

TEST(PreferenceModel, InitialisationFollowsTheDocumentedScheme) {
  auto config = small_config("attention");
  config.embedding_init_std = 0.05f;
  const auto model = PreferenceModel::create(config, 1);
  const Parameters& p = model->parameters();
  const auto values = [&](const std::string& name) {
    const DenseSlice& s = p.slice(name);
    return std::vector<float>(p.dense.begin() + static_cast<long>(s.offset),
                              p.dense.begin() + static_cast<long>(s.offset + s.size));
  };
  for (float a : values("prelu2.a")) EXPECT_EQ(a, 0.25f);
  for (float b : values("fc1.b")) EXPECT_EQ(b, 0.0f);
  EXPECT_EQ(values("att_out.b"), std::vector<float>{1.0f});
  const float bound = std::sqrt(6.0f / (5 + 33));
  for (float w : values("fc1.w")) EXPECT_LE(std::abs(w), bound);
  double sum2 = 0;
  for (float v : p.tables[0].values) sum2 += double{v} * v;
  EXPECT_NEAR(std::sqrt(sum2 / static_cast<double>(p.tables[0].values.size())), 0.05, 0.02);
}

TEST(PreferenceModel, RejectsBadConfigsBatchesAndFiles) {
  auto config = small_config("transformer");
  try {
    PreferenceModel::create(config, 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown model kind 'transformer'"), std::string::npos) << e.what();
  }
  config = small_config("dnn");
  config.hidden.clear();
  EXPECT_THROW(PreferenceModel::create(config, 1), Error);
  nlohmann::json j = small_config("dnn").to_json();
  j.erase("node_rows");
  try {
    ModelConfig::from_json(j);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node_rows"), std::string::npos) << e.what();
  }

  const auto model = make_model("dnn");
  auto state = model->make_state();
  ModelBatch bad;
  bad.add_group(std::vector<std::uint32_t>{kBehaviorRows});
  bad.add_row(0);
  std::vector<float> logits(1);
  try {
    model->forward(bad, *state, logits);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("outside the behaviour table"), std::string::npos) << e.what();
  }
  std::vector<float> wrong(2);
  EXPECT_THROW(model->forward(test_batch(), *state, wrong), Error);
  const auto attention = make_model("attention");
  EXPECT_THROW(attention->forward(test_batch(), *state, logits), Error);  // a dnn state

  // A file whose dense part does not fit its config.
  test::TempDir dir;
  const std::string path = dir.file("bad.bin");
  {
    BinaryWriter w(path, "TRECMODL", 1);
    w.add_json("model.config", small_config("dnn").to_json());
    w.add("model.dense", std::vector<float>(3, 0.0f));
    w.commit();
  }
  try {
    PreferenceModel::load(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dense parameters hold 3 floats"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

// Frozen files of format version 1 (E = 2, hidden {3, 2}, attention_hidden 2, 4 behaviour and
// 5 node rows, seed 2024): they must keep loading and scoring as when they were written.
TEST(PreferenceModel, LoadsFrozenVersion1Files) {
  ModelBatch batch;
  batch.add_group(std::vector<std::uint32_t>{3, 0, 1});
  batch.add_row(4);
  batch.add_row(0);
  batch.add_group({});
  batch.add_row(2);
  const std::string dir = std::string(TREEREC_SOURCE_DIR) + "/tests/model/data/";
  const std::vector<std::pair<std::string, std::vector<float>>> cases{
      {"dnn", {0.189431533f, 0.0392194465f, -0.0696000531f}},
      {"attention", {-0.0119424546f, -0.61149323f, -0.224536061f}}};
  for (const auto& [kind, expected] : cases) {
    const auto model = PreferenceModel::load(dir + kind + "_v1.trecmodl");
    EXPECT_EQ(model->kind(), kind);
    EXPECT_EQ(model->config().representation, kind == "dnn" ? Representation::jtm_h : Representation::tdm);
    EXPECT_EQ(model->config().hidden, (std::vector<std::uint32_t>{3, 2}));
    auto state = model->make_state();
    const auto logits = run_forward(*model, batch, *state);
    for (std::size_t r = 0; r < 3; ++r) EXPECT_NEAR(logits[r], expected[r], 1e-5) << kind << " row " << r;
  }
}

}  // namespace
}  // namespace treerec
