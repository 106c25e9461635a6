// The YouTube product-DNN (ALGORITHMS §9): gradients against finite differences, exact retrieval
// against brute-force inner products, the HNSW recall measure and index, training that is
// reproducible for any thread count, the model file, and recall above random on planted data.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "test_util.h"
#include "train/synthetic.h"
#include "treerec/baselines/youtube_retrieval.h"
#include "treerec/baselines/youtube_trainer.h"
#include "treerec/eval/evaluate.h"
#include "treerec/util/error.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

YoutubeConfig small_config(std::uint32_t items) {
  YoutubeConfig c;
  c.items = items;
  c.embedding_dim = 3;
  c.hidden = {6, 5, 4};
  c.embedding_init_std = 0.5f;
  return c;
}

// Two users (histories of 0 and 25 items, so some windows are empty) with rows that repeat
// an item (its gradient gets both contributions).
ModelBatch small_batch() {
  ModelBatch b;
  add_history_group(std::vector<std::uint32_t>{}, b);
  b.add_row(1);
  b.add_row(4);
  std::vector<std::uint32_t> history;
  for (std::uint32_t i = 0; i < 25; ++i) history.push_back((i * 7) % 9);
  add_history_group(history, b);
  b.add_row(2);
  b.add_row(2);
  b.add_row(8);
  return b;
}

TEST(YoutubeModel, GradientsMatchFiniteDifferences) {
  YoutubeModel model(small_config(9), 7);
  // Biases start at 0, which puts the empty history's pre-activations exactly on PReLU's kink,
  // where finite differences mean nothing: move them off it.
  Rng init(11);
  for (const DenseSlice& s : model.parameters().slices)
    if (s.name.ends_with(".b"))
      for (std::size_t i = 0; i < s.size; ++i)
        model.parameters().dense[s.offset + i] = static_cast<float>(init.uniform01() - 0.5);
  const ModelBatch batch = small_batch();
  const std::size_t R = batch.num_rows();
  std::vector<float> coef(R);
  Rng rng(3);
  for (float& c : coef) c = static_cast<float>(rng.uniform01() * 2 - 1);
  // L = Σ_r coef_r · logit_r, so dL/dlogit = coef.
  YoutubeModel::State st;
  const auto loss = [&] {
    std::vector<float> logits(R);
    model.forward(batch, st, logits);
    double l = 0;
    for (std::size_t r = 0; r < R; ++r) l += coef[r] * static_cast<double>(logits[r]);
    return l;
  };
  std::vector<float> logits(R);
  model.forward(batch, st, logits);
  Gradients g = model.make_gradients();
  model.backward(batch, st, coef, g);

  Parameters& p = model.parameters();
  const double eps = 1e-2;
  std::size_t checked = 0;
  const auto check = [&](float& value, double analytic, const std::string& what) {
    const float saved = value;
    value = static_cast<float>(saved + eps);
    const double up = loss();
    value = static_cast<float>(saved - eps);
    const double down = loss();
    value = saved;
    const double numeric = (up - down) / (2 * eps);
    EXPECT_NEAR(analytic, numeric, 2e-3 + 2e-2 * std::abs(numeric)) << what;
    ++checked;
  };
  for (const DenseSlice& s : p.slices)
    for (std::size_t i = 0; i < s.size; i += 3) check(p.dense[s.offset + i], g.dense[s.offset + i], s.name);
  for (std::size_t t = 0; t < p.tables.size(); ++t) {
    EmbeddingTable& table = p.tables[t];
    for (std::uint32_t row = 0; row < table.rows; ++row) {
      const float* grad = g.tables[t].find(row);
      for (std::uint32_t k = 0; k < table.dim; ++k)
        check(table.row(row)[k], grad ? grad[k] : 0.0, cat(table.name, " row ", row, " dim ", k));
    }
  }
  EXPECT_GT(checked, 100u);
  // Untouched rows have no gradient entry (lazy Adam leaves them alone).
  EXPECT_EQ(g.tables[YoutubeModel::kItemTable].find(0), nullptr);
}

TEST(YoutubeRetrieval, ExactTopMEqualsBruteForceInnerProducts) {
  const std::uint32_t items = 300;
  const YoutubeModel model(small_config(items), 5);
  HistoryLists queries;
  Rng rng(9);
  for (std::uint32_t q = 0; q < 13; ++q) {
    std::vector<std::uint32_t> h(q * 6);
    for (auto& i : h) i = static_cast<std::uint32_t>(rng.uniform(items));
    queries.add(h);
  }
  YoutubeRetrieveOptions o;
  o.top = 25;
  o.batch = 4;
  o.chunk = 64;
  o.threads = 2;
  const RankedLists lists = youtube_retrieve_exact(model, queries, o);
  ASSERT_EQ(lists.size(), queries.size());
  YoutubeModel::State st;
  for (std::uint32_t q = 0; q < queries.size(); ++q) {
    ModelBatch b;  // the query against every item through forward(): the inner products
    add_history_group(queries.history(q), b);
    for (std::uint32_t i = 0; i < items; ++i) b.add_row(i);
    std::vector<float> scores(items);
    model.forward(b, st, scores);
    std::vector<std::uint32_t> order(items);
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto c) { return scores[a] > scores[c]; });
    ASSERT_EQ(lists.items_of(q).size(), o.top);
    for (std::uint32_t k = 0; k < o.top; ++k) {
      EXPECT_NEAR(lists.scores_of(q)[k], scores[order[k]], 1e-5f) << "query " << q << " rank " << k;
      EXPECT_NEAR(scores[lists.items_of(q)[k]], scores[order[k]], 1e-5f) << "query " << q << " rank " << k;
    }
    EXPECT_EQ(lists.scored[q], items);
  }
  o.threads = 1;
  o.batch = 64;
  const RankedLists again = youtube_retrieve_exact(model, queries, o);
  EXPECT_EQ(again.items, lists.items);

  // HNSW with a wide search finds most of the exact lists (inner product is not a metric, so
  // even ef = |C| need not be exact); its scores are the exact inner products, best first.
  HnswOptions h;
  h.ef = 300;
  const YoutubeHnswIndex index(model, h);
  const RankedLists approx = index.search(queries, o);
  EXPECT_GE(overlap_fraction(lists, approx), 0.85);
  ModelBatch one;
  for (std::uint32_t q = 0; q < approx.size(); ++q) {
    ASSERT_EQ(approx.items_of(q).size(), o.top);
    for (std::size_t k = 0; k < approx.items_of(q).size(); ++k) {
      one.clear();
      add_history_group(queries.history(q), one);
      one.add_row(approx.items_of(q)[k]);
      float z = 0;
      model.forward(one, st, std::span<float>(&z, 1));
      EXPECT_NEAR(approx.scores_of(q)[k], z, 1e-5f);
      if (k > 0) {
        EXPECT_GE(approx.scores_of(q)[k - 1], approx.scores_of(q)[k]);
      }
    }
  }
  h.m = 1;
  EXPECT_THROW(YoutubeHnswIndex(model, h), Error);
}

RankedLists lists_of(const std::vector<std::vector<std::uint32_t>>& rows) {
  RankedListsBuilder b(rows.size(), 10);
  for (std::size_t q = 0; q < rows.size(); ++q) b.set(q, rows[q], std::vector<float>(rows[q].size(), 0.0f), 0);
  return std::move(b).finish();
}

TEST(YoutubeRetrieval, OverlapFractionIsTheMeanRecallAgainstExact) {
  const RankedLists exact = lists_of({{1, 2, 3, 4}, {5}, {}});
  const RankedLists approx = lists_of({{2, 4, 9, 10}, {}, {7}});
  // 2/4, 0/1, and an empty exact list counts 1.
  EXPECT_DOUBLE_EQ(overlap_fraction(exact, approx), (0.5 + 0 + 1) / 3);
  EXPECT_DOUBLE_EQ(overlap_fraction(exact, exact), 1.0);
  EXPECT_THROW(overlap_fraction(exact, lists_of({{1}})), Error);
}

YoutubeTrainOptions small_options() {
  YoutubeTrainOptions o;
  o.embedding_dim = 8;
  o.epochs = 2;
  o.batch_size = 32;
  o.shard_samples = 8;
  o.negatives = 10;
  o.learning_rate = 3e-3f;
  o.seed = 3;
  o.threads = 1;
  return o;
}

TEST(YoutubeTrainer, SameModelForAnyThreadCountAndFileRoundTrip) {
  test::PlantedShape shape;
  shape.users = 30;
  shape.records = 14;
  const Dataset d = test::planted_dataset(shape);
  YoutubeTrainer one(d, small_options());
  one.run();
  YoutubeTrainOptions o = small_options();
  o.threads = 3;
  YoutubeTrainer three(d, o);
  three.run();
  const Parameters &p = one.model().parameters(), &q = three.model().parameters();
  EXPECT_EQ(p.dense, q.dense);
  for (std::size_t t = 0; t < p.tables.size(); ++t) EXPECT_EQ(p.tables[t].values, q.tables[t].values);
  ASSERT_EQ(one.history().size(), 2u);
  for (std::size_t e = 0; e < 2; ++e) EXPECT_EQ(one.history()[e].at("loss"), three.history()[e].at("loss"));

  test::TempDir dir;
  one.save(dir.file("yt.model"));
  const TrainedYoutube loaded = load_youtube_model(dir.file("yt.model"));
  EXPECT_EQ(loaded.model->parameters().dense, p.dense);
  EXPECT_EQ(loaded.model->parameters().tables[1].values, p.tables[1].values);
  EXPECT_EQ(loaded.training.at("options").at("negatives"), 10);
  loaded.check_dataset(d, "planted");
  d.save(dir.file("data.trd"));
  EXPECT_THROW(load_youtube_model(dir.file("data.trd")), Error);

  o.negatives = d.num_items();  // needs negatives + 1 items
  EXPECT_THROW(YoutubeTrainer(d, o), Error);
}

TEST(YoutubeTrainer, LearnsPlantedPreferences) {
  test::PlantedShape shape;
  shape.users = 200;
  shape.records = 20;
  shape.valid_fraction = 0.25;
  const Dataset d = test::planted_dataset(shape);
  YoutubeTrainOptions o = small_options();
  o.epochs = 4;
  o.learning_rate = 1e-2f;
  YoutubeTrainer t(d, o);
  t.run();
  const auto& h = t.history();
  EXPECT_LT(h.back().at("loss").get<double>(), 0.8 * h.front().at("loss").get<double>()) << h.dump();
  const auto users = evaluation_users(d, Split::valid, 0);
  YoutubeRetrieveOptions ro;
  ro.top = 10;
  const Metrics m = measure_lists(d, users, youtube_retrieve_exact(t.model(), EvalUserHistories(d, users), ro), 10);
  // A random list of 10 of the 64 items finds about 10/64 of the truth.
  EXPECT_GT(m.get(10).recall, 2.0 * 10 / 64) << m.get(10).recall;
}

}  // namespace
}  // namespace treerec
