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

TEST(Popularity, OverlapWithThePopularListAndCoverageByHand) {
  const Dataset d = same_sequences();  // 6 items; popular top 3: a(2) b(3) e(0)
  RankedLists lists;
  const auto add = [&](std::vector<std::uint32_t> items) {
    lists.items.insert(lists.items.end(), items.begin(), items.end());
    lists.scores.resize(lists.items.size(), 0.f);
    lists.offsets.push_back(lists.items.size());
    lists.scored.push_back(items.size());
  };
  add({2, 3, 0});  // the popular list: 3 of 3
  add({1, 4, 2});  // x c a: 1 of 3
  add({5});        // d, a short list: 0 of 3 (the share is of the popular list's 3)
  add({1, 4, 5, 2});  // x c d, then a beyond top = 3: 0 of 3
  const PopularityShare s = popularity_share(d, lists, 3);
  EXPECT_DOUBLE_EQ(s.popular_overlap, (1.0 + 1.0 / 3 + 0 + 0) / 4);
  EXPECT_DOUBLE_EQ(s.coverage, 6.0 / 6);  // e x a b c d all appear within the top 3 of some list
  RankedLists same;
  same.offsets = {0, 3, 6};
  same.items = {2, 3, 0, 2, 3, 0};
  same.scores.assign(6, 0.f);
  const PopularityShare p = popularity_share(d, same, 3);
  EXPECT_DOUBLE_EQ(p.popular_overlap, 1.0);
  EXPECT_DOUBLE_EQ(p.coverage, 3.0 / 6);
  // The floor's own figures, and the warning above a threshold only.
  EvaluateOptions o;
  o.top = 3;
  const EvaluateResult r = evaluate_popularity(d, o);
  EXPECT_EQ(r.popular_overlap, 1.0);
  EXPECT_DOUBLE_EQ(r.coverage, 0.5);
  EXPECT_EQ(popularity_warning(0.8, 0.8), "");
  EXPECT_NE(popularity_warning(0.85, 0.8).find("85% of the most-popular list"), std::string::npos);
}

TEST(Popularity, ExcludeSeenDropsEachUsersFirstHalfFromThePopularList) {
  const Dataset d = same_sequences();  // popular: a b e x c d; every user's first half x a a b a
  EvaluateOptions o;
  o.top = 3;
  o.exclude_seen = true;
  const EvaluateResult r = evaluate_popularity(d, o);
  // The list is e c d: all three in the truth c b a d e; one of them (e) in the popular top 3.
  EXPECT_DOUBLE_EQ(r.metrics.get(3).precision, 1.0);
  EXPECT_DOUBLE_EQ(r.metrics.get(3).recall, 0.6);
  EXPECT_DOUBLE_EQ(r.popular_overlap, 1.0 / 3);
  EXPECT_DOUBLE_EQ(r.coverage, 3.0 / 6);
}

}  // namespace
}  // namespace treerec
