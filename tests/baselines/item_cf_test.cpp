// Item-CF (ALGORITHMS §9): similarities, neighbours and scores of a hand-made log computed by hand;
// the history cap, thread independence, the file round trip and errors; on planted data it
// beats the most-popular list.
#include "treerec/baselines/item_cf.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "data/log_builder.h"
#include "eval/eval_fixture.h"
#include "test_util.h"
#include "train/synthetic.h"
#include "treerec/eval/evaluate.h"
#include "treerec/eval/popularity.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

// Train users only (no evaluation split): u1 a b c, u2 a b, u3 b c d, u4 a a d.
// n_a = 3, n_b = 3, n_c = 2, n_d = 2; co(a,b) = 2, co(a,c) = 1, co(a,d) = 1 (u4 counts once),
// co(b,c) = 2, co(b,d) = 1, co(c,d) = 1.
Dataset hand_log() {
  test::LogBuilder b;
  std::int64_t t = 0;
  for (const char* item : {"a", "b", "c"}) b.add("u1", item, "x", t++);
  for (const char* item : {"a", "b"}) b.add("u2", item, "x", t++);
  for (const char* item : {"b", "c", "d"}) b.add("u3", item, "x", t++);
  for (const char* item : {"a", "a", "d"}) b.add("u4", item, "x", t++);
  return b.dataset();
}

std::map<std::string, std::uint32_t> item_ids(const Dataset& d) {
  std::map<std::string, std::uint32_t> m;
  for (std::uint32_t i = 0; i < d.num_items(); ++i) m[std::string(d.item_id(i))] = i;
  return m;
}

TEST(ItemCf, HandComputedSimilaritiesNeighboursAndScores) {
  const Dataset d = hand_log();
  auto id = item_ids(d);
  ItemCfOptions o;
  o.neighbours = 2;
  const ItemCf cf = ItemCf::build(d, o);
  EXPECT_EQ(cf.users_with(id["a"]), 3u);
  EXPECT_EQ(cf.users_with(id["c"]), 2u);
  const double s6 = 1 / std::sqrt(6.0);
  // S(a): b (2/3), then c and d tie at 1/sqrt(6): the smaller id, c.
  struct Row {
    const char* item;
    std::vector<std::pair<const char*, double>> neighbours;
  };
  const std::vector<Row> rows = {{"a", {{"b", 2.0 / 3}, {"c", s6}}},
                                 {"b", {{"c", 2 * s6}, {"a", 2.0 / 3}}},
                                 {"c", {{"b", 2 * s6}, {"d", 0.5}}},
                                 {"d", {{"c", 0.5}, {"a", s6}}}};
  for (const Row& r : rows) {
    const auto nb = cf.neighbours(id[r.item]);
    const auto w = cf.weights(id[r.item]);
    ASSERT_EQ(nb.size(), r.neighbours.size()) << r.item;
    for (std::size_t k = 0; k < nb.size(); ++k) {
      EXPECT_EQ(nb[k], id[r.neighbours[k].first]) << r.item << " neighbour " << k;
      EXPECT_FLOAT_EQ(w[k], static_cast<float>(r.neighbours[k].second)) << r.item << " neighbour " << k;
    }
  }

  // N(u) = {a, d} (the repeat of a counts once): c = w_ac + w_dc, b = w_ab, a = w_da.
  HistoryLists queries;
  queries.add(std::vector<std::uint32_t>{id["a"], id["d"], id["a"]});
  queries.add(std::vector<std::uint32_t>{});
  ItemCfRetrieveOptions ro;
  ro.top = 10;
  RankedLists lists = cf.retrieve(queries, ro);
  ASSERT_EQ(lists.size(), 2u);
  const std::vector<std::uint32_t> want{id["c"], id["b"], id["a"]};
  EXPECT_EQ(std::vector<std::uint32_t>(lists.items_of(0).begin(), lists.items_of(0).end()), want);
  EXPECT_FLOAT_EQ(lists.scores_of(0)[0], static_cast<float>(s6 + 0.5));
  EXPECT_FLOAT_EQ(lists.scores_of(0)[1], 2.0f / 3);
  EXPECT_FLOAT_EQ(lists.scores_of(0)[2], static_cast<float>(s6));
  EXPECT_EQ(lists.scored[0], 3u);
  EXPECT_TRUE(lists.items_of(1).empty());  // no history, no score

  ro.top = 2;  // the best two
  lists = cf.retrieve(queries, ro);
  EXPECT_EQ(lists.items_of(0).size(), 2u);
  EXPECT_EQ(lists.items_of(0)[1], id["b"]);
  ro.top = 10;
  ro.exclude_history = true;  // a was in N(u)
  lists = cf.retrieve(queries, ro);
  EXPECT_EQ(std::vector<std::uint32_t>(lists.items_of(0).begin(), lists.items_of(0).end()),
            (std::vector<std::uint32_t>{id["c"], id["b"]}));
}

TEST(ItemCf, HistoryCapKeepsTheMostRecentRecords) {
  const Dataset d = hand_log();
  auto id = item_ids(d);
  ItemCfOptions o;
  o.max_history = 1;  // one record per user: nothing co-occurs
  ItemCf cf = ItemCf::build(d, o);
  for (std::uint32_t i = 0; i < d.num_items(); ++i) EXPECT_TRUE(cf.neighbours(i).empty());
  EXPECT_EQ(cf.users_with(id["d"]), 2u);  // the last records: c, b, d, d
  EXPECT_EQ(cf.users_with(id["a"]), 0u);
  o.max_history = 2;  // u1 b c, u2 a b, u3 c d, u4 a d
  cf = ItemCf::build(d, o);
  EXPECT_EQ(cf.users_with(id["c"]), 2u);
  EXPECT_EQ(cf.users_with(id["b"]), 2u);
  // co(b,c) = 1 (u1), n_b = 2, n_c = 2: w = 1/2; co(b,a) = 1 (u2), n_a = 2: 1/2; tie -> a first.
  ASSERT_EQ(cf.neighbours(id["b"]).size(), 2u);
  EXPECT_EQ(cf.neighbours(id["b"])[0], id["a"]);
  EXPECT_FLOAT_EQ(cf.weights(id["b"])[0], 0.5f);
}

TEST(ItemCf, SameModelForAnyThreadCountAndFileRoundTrip) {
  const Dataset d = test::planted_dataset();
  ItemCfOptions o;
  o.neighbours = 5;
  o.threads = 1;
  const ItemCf one = ItemCf::build(d, o);
  o.threads = 3;
  const ItemCf three = ItemCf::build(d, o);
  test::TempDir dir;
  one.save(dir.file("cf.model"));
  const ItemCf loaded = ItemCf::load(dir.file("cf.model"));
  for (const ItemCf* other : {&three, &loaded}) {
    ASSERT_EQ(other->num_items(), one.num_items());
    for (std::uint32_t i = 0; i < one.num_items(); ++i) {
      ASSERT_TRUE(std::ranges::equal(one.neighbours(i), other->neighbours(i))) << i;
      ASSERT_TRUE(std::ranges::equal(one.weights(i), other->weights(i))) << i;
    }
  }
  EXPECT_EQ(loaded.options().neighbours, 5u);
  loaded.check_dataset(d, "planted");
  EXPECT_THROW(loaded.check_dataset(hand_log(), "hand.trd"), Error);

  d.save(dir.file("data.trd"));
  try {
    ItemCf::load(dir.file("data.trd"));
    FAIL() << "a dataset file loaded as an Item-CF model";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Item-CF model"), std::string::npos) << e.what();
  }
  o.neighbours = 0;
  EXPECT_THROW(ItemCf::build(d, o), Error);
}

TEST(ItemCf, BeatsMostPopularOnPlantedData) {
  test::PlantedShape shape;
  shape.users = 200;
  shape.records = 20;
  shape.valid_fraction = 0.25;
  const Dataset d = test::planted_dataset(shape);
  const ItemCf cf = ItemCf::build(d, {});
  const auto users = evaluation_users(d, Split::valid, 0);
  ItemCfRetrieveOptions ro;
  ro.top = 10;
  const Metrics m = measure_lists(d, users, cf.retrieve(EvalUserHistories(d, users), ro), 10);
  EvaluateOptions eo;
  eo.split = Split::valid;
  eo.top = 10;
  const Metrics popular = evaluate_popularity(d, eo).metrics;
  EXPECT_GT(m.get(10).recall, 1.5 * popular.get(10).recall)
      << "itemcf " << m.get(10).recall << " popular " << popular.get(10).recall;
}

}  // namespace
}  // namespace treerec
