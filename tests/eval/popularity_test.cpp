// The most-popular-items baseline on a dataset whose counts and truth are known by hand.
#include "treerec/eval/popularity.h"

#include <gtest/gtest.h>

#include "data/log_builder.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

// Five users with the same sequence (oldest first) x a a b a c b a d e, so the train users'
// counts are a 4, b 2 and x, c, d, e 1 each per user whoever is in train. The log lists each
// user's e first (with the latest time): dense ids are e 0, x 1, a 2, b 3, c 4, d 5, so "ties
// by item id" (e, x, c, d) differs from "ties by first time" (x, c, d, e).
Dataset same_sequences() {
  test::LogBuilder b;
  const char* seq[] = {"x", "a", "a", "b", "a", "c", "b", "a", "d", "e"};
  for (int u = 0; u < 5; ++u) {
    const std::string user = cat("u", u);
    b.add(user, "e", "k", 100 * u + 9);
    for (int t = 0; t < 9; ++t) b.add(user, seq[t], "k", 100 * u + t);
  }
  PrepareOptions o;
  o.min_records = 1;
  o.valid_users = UserCount{2};
  o.test_users = UserCount{1};
  return Dataset::build(b.log(), o);
}

TEST(Popularity, MostFrequentTrainItemsWithTiesByItemId) {
  const Dataset d = same_sequences();
  ASSERT_EQ(d.item_id(0), "e");
  ASSERT_EQ(d.item_id(2), "a");
  ASSERT_EQ(d.users(Split::train).size(), 2u);
  EXPECT_EQ(most_popular_items(d, 3), (std::vector<std::uint32_t>{2, 3, 0}));           // a b e
  EXPECT_EQ(most_popular_items(d, 100), (std::vector<std::uint32_t>{2, 3, 0, 1, 4, 5}));  // all 6
  EXPECT_THROW(most_popular_items(d, 0), Error);
}

TEST(Popularity, MetricsByHand) {
  const Dataset d = same_sequences();
  // Truth (second half, mid = 5): c b a d e. The list a b e has 3 hits of 3 and 5.
  EvaluateOptions o;
  o.top = 3;
  EvaluateResult r = evaluate_popularity(d, o);
  EXPECT_EQ(r.metrics.users, 2u);
  ASSERT_EQ(r.metrics.at.size(), 1u);
  EXPECT_DOUBLE_EQ(r.metrics.get(3).precision, 1.0);
  EXPECT_DOUBLE_EQ(r.metrics.get(3).recall, 0.6);
  EXPECT_DOUBLE_EQ(r.metrics.get(3).f1, 0.75);
  EXPECT_EQ(r.nodes_scored_per_user, 0.0);
  // M = 10: the six items hold all 5 truths; precision divides by M = 10.
  o.top = 10;
  o.split = Split::test;
  r = evaluate_popularity(d, o);
  EXPECT_EQ(r.metrics.users, 1u);
  EXPECT_DOUBLE_EQ(r.metrics.get(10).precision, 0.5);
  EXPECT_DOUBLE_EQ(r.metrics.get(10).recall, 1.0);
  EXPECT_DOUBLE_EQ(r.metrics.get(10).f1, 2 * 0.5 / 1.5);
}

}  // namespace
}  // namespace treerec
