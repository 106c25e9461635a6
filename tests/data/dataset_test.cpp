// Dataset::build against hand-computed answers (ALGORITHMS §2.2-2.6).
#include "treerec/data/dataset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "data/log_builder.h"
#include "treerec/util/error.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

using test::all_train;

using U32s = std::vector<std::uint32_t>;

template <typename T>
std::vector<T> vec(std::span<const T> s) {
  return {s.begin(), s.end()};
}

// d: 2 records (dropped at min_records 3), a: 4 records, b: 3 records. Item X first appears
// in d's record, Z and category cz only there.
BehaviorLog small_log() {
  test::LogBuilder b;
  b.add("d", "X", "cx", 1)
      .add("a", "B", "c1", 30, "buy")
      .add("b", "X", "cx", 5)
      .add("d", "Z", "cz", 2)
      .add("a", "A", "c2", 10)
      .add("a", "X", "cx", 10, "buy")  // ties with the previous record of a
      .add("b", "C", "c1", 7, "cart")
      .add("b", "B", "c1", 6)
      .add("a", "C", "c1", 5);
  return b.log();
}

TEST(Dataset, FiltersRenumbersAndSortsByTime) {
  const Dataset d = Dataset::build(small_log(), all_train(3), DatasetSource{"log.csv", "csv", "", 0, 0});
  ASSERT_EQ(d.num_users(), 2u);
  EXPECT_EQ(d.user_id(0), "a");
  EXPECT_EQ(d.user_id(1), "b");
  // Items in order of first appearance among kept records: B, X, A, C (Z only in d's records).
  ASSERT_EQ(d.num_items(), 4u);
  EXPECT_EQ(d.item_id(0), "B");
  EXPECT_EQ(d.item_id(1), "X");
  EXPECT_EQ(d.item_id(2), "A");
  EXPECT_EQ(d.item_id(3), "C");
  ASSERT_EQ(d.num_categories(), 3u);
  EXPECT_EQ(d.category_id(0), "c1");
  EXPECT_EQ(d.category_id(1), "cx");
  EXPECT_EQ(d.category_id(2), "c2");
  EXPECT_EQ(vec(d.item_categories()), (U32s{0, 1, 2, 0}));
  EXPECT_EQ(d.item_category(2), 2u);
  EXPECT_EQ(d.num_records(), 7u);
  ASSERT_EQ(d.behavior_types().size(), 3u);
  EXPECT_EQ(d.behavior_types()[2], "cart");

  // a: B@30 buy, A@10, X@10 buy, C@5 -> C, A, X (tie keeps input order), B.
  EXPECT_EQ(vec(d.sequence(0)), (U32s{3, 2, 1, 0}));
  EXPECT_EQ(vec(d.times(0)), (std::vector<std::int64_t>{5, 10, 10, 30}));
  EXPECT_EQ(vec(d.behaviors(0)), (std::vector<std::uint8_t>{0, 0, 1, 1}));
  // b: X@5, C@7 cart, B@6 -> X, B, C.
  EXPECT_EQ(vec(d.sequence(1)), (U32s{1, 0, 3}));
  EXPECT_EQ(vec(d.times(1)), (std::vector<std::int64_t>{5, 6, 7}));
  EXPECT_EQ(vec(d.behaviors(1)), (std::vector<std::uint8_t>{0, 0, 2}));

  EXPECT_EQ(d.num_train_samples(), 0u);  // lengths 4 and 3 hold no window of 6
  EXPECT_EQ(d.source().input, "log.csv");
  EXPECT_EQ(d.source().records_read, 9u);
  EXPECT_EQ(d.options().min_records, 3u);
}

TEST(Dataset, MinRecordsIsInclusiveAndRenumbersAmongKeptRecords) {
  const Dataset d = Dataset::build(small_log(), all_train(4));
  ASSERT_EQ(d.num_users(), 1u);
  EXPECT_EQ(d.user_id(0), "a");
  // a's records in input order: B, A, X, C.
  ASSERT_EQ(d.num_items(), 4u);
  EXPECT_EQ(d.item_id(0), "B");
  EXPECT_EQ(d.item_id(1), "A");
  EXPECT_EQ(d.item_id(2), "X");
  EXPECT_EQ(d.item_id(3), "C");
  EXPECT_EQ(d.category_id(2), "cx");
  EXPECT_EQ(vec(d.sequence(0)), (U32s{3, 1, 2, 0}));

  const Dataset all = Dataset::build(small_log(), all_train(1));
  EXPECT_EQ(all.num_users(), 3u);
  EXPECT_EQ(all.user_id(0), "d");
  EXPECT_EQ(all.num_items(), 5u);
  EXPECT_EQ(all.num_categories(), 4u);
}

TEST(Dataset, NoUserKeptIsAnError) {
  try {
    Dataset::build(small_log(), all_train(5));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no user has at least 5 records"), std::string::npos) << e.what();
  }
}

TEST(Dataset, InconsistentLogIsAnError) {
  BehaviorLog log = small_log();
  log.time.pop_back();
  EXPECT_THROW(Dataset::build(std::move(log), all_train(1)), Error);
  log = small_log();
  log.item[0] = 99;
  EXPECT_THROW(Dataset::build(std::move(log), all_train(1)), Error);
  log = small_log();
  log.behavior[0] = 7;
  EXPECT_THROW(Dataset::build(std::move(log), all_train(1)), Error);
}

// Users of lengths 6, 5, 8 and 80 whose item at position p has raw id "p", so that (first
// appearance order) its dense id is p too.
BehaviorLog ladder_log() {
  test::LogBuilder b;
  for (const int len : {6, 5, 8, 80})
    for (int p = 0; p < len; ++p) b.add(cat("u", len), std::to_string(p), "c", 1000 + p);
  return b.log();
}

U32s range(std::uint32_t begin, std::uint32_t end) {
  U32s r;
  for (auto i = begin; i < end; ++i) r.push_back(i);
  return r;
}

TEST(Dataset, TrainingSamplesSlideAWindowOf70FromPosition5) {
  const Dataset d = Dataset::build(ladder_log(), all_train(1));
  ASSERT_EQ(d.num_users(), 4u);
  EXPECT_EQ(vec(d.sequence(3)), range(0, 80));
  // L - 5 samples per user: 1 + 0 + 3 + 75.
  ASSERT_EQ(d.num_train_samples(), 79u);
  auto expect_sample = [&](std::uint64_t index, std::uint32_t user, std::uint32_t position) {
    const Sample s = d.train_sample(index);
    EXPECT_EQ(s.user, user) << index;
    EXPECT_EQ(s.position, position) << index;
  };
  expect_sample(0, 0, 5);
  expect_sample(1, 2, 5);  // the user of length 5 has no sample
  expect_sample(3, 2, 7);
  expect_sample(4, 3, 5);
  expect_sample(68, 3, 69);
  expect_sample(69, 3, 70);
  expect_sample(78, 3, 79);
  EXPECT_THROW(d.train_sample(79), Error);

  // The first kept target is seq[5] with a 5-item history.
  const Sample first = d.train_sample(0);
  EXPECT_EQ(d.target(first), 5u);
  EXPECT_EQ(vec(d.history(first)), range(0, 5));
  // The history grows to 69 items and then slides.
  EXPECT_EQ(vec(d.history(d.train_sample(68))), range(0, 69));
  EXPECT_EQ(vec(d.history(d.train_sample(69))), range(1, 70));
  EXPECT_EQ(vec(d.history(d.train_sample(78))), range(10, 79));
  EXPECT_EQ(d.target(d.train_sample(78)), 79u);

  // Every sample, in (user, position) order.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> all;
  for (std::uint64_t i = 0; i < d.num_train_samples(); ++i) all.emplace_back(d.train_sample(i).user, d.train_sample(i).position);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> want;
  for (std::uint32_t u = 0; u < 4; ++u)
    for (std::uint32_t p = 5; p < d.sequence(u).size(); ++p) want.emplace_back(u, p);
  EXPECT_EQ(all, want);
}

TEST(Dataset, OnlyTrainUsersHaveSamples) {
  PrepareOptions o = all_train(1);
  o.valid_users = UserCount{1};
  o.test_users = UserCount{1};
  const Dataset d = Dataset::build(ladder_log(), o);
  std::uint64_t want = 0;
  for (const auto u : d.users(Split::train)) want += d.sequence(u).size() >= 6 ? d.sequence(u).size() - 5 : 0;
  EXPECT_EQ(d.num_train_samples(), want);
  for (std::uint64_t i = 0; i < d.num_train_samples(); ++i)
    EXPECT_EQ(d.split(d.train_sample(i).user), Split::train);
}

TEST(Dataset, EvaluationFeaturesAndTruthSplitAtHalf) {
  test::LogBuilder b;
  std::int64_t t = 0;
  for (const char* item : {"5", "1", "2", "9", "3", "9", "1"}) b.add("odd", item, "c", ++t);
  for (const char* item : {"7", "7", "8", "5", "8", "8", "7", "6"}) b.add("even", item, "c", ++t);
  for (int i = 0; i < 200; ++i) b.add("long", cat("L", i), "c", ++t);
  b.add("one", "5", "c", ++t);
  const Dataset d = Dataset::build(b.log(), all_train(1));
  // Dense ids: 5->0, 1->1, 2->2, 9->3, 3->4, 7->5, 8->6, 6->7, L<i> -> 8+i.
  EXPECT_EQ(vec(d.sequence(0)), (U32s{0, 1, 2, 3, 4, 3, 1}));
  // Odd length 7: mid 3.
  EXPECT_EQ(vec(d.eval_features(0)), (U32s{0, 1, 2}));
  EXPECT_EQ(d.eval_truth(0), (U32s{1, 3, 4}));
  // Even length 8: mid 4; duplicates in the second half count once.
  EXPECT_EQ(vec(d.sequence(1)), (U32s{5, 5, 6, 0, 6, 6, 5, 7}));
  EXPECT_EQ(vec(d.eval_features(1)), (U32s{5, 5, 6, 0}));
  EXPECT_EQ(d.eval_truth(1), (U32s{5, 6, 7}));
  // Length 200: mid 100; the features are the last 69 items of the first half.
  EXPECT_EQ(vec(d.eval_features(2)), range(8 + 31, 8 + 100));
  EXPECT_EQ(d.eval_truth(2), range(8 + 100, 8 + 200));
  // Length 1: no features, the one item is the truth.
  EXPECT_TRUE(d.eval_features(3).empty());
  EXPECT_EQ(d.eval_truth(3), (U32s{0}));
}

TEST(Dataset, SplitsUsersDisjointlyAndBySeed) {
  test::LogBuilder b;
  for (int u = 0; u < 100; ++u)
    for (int p = 0; p < 3; ++p) b.add(cat("u", u), cat("i", p), "c", p);
  PrepareOptions o = all_train(1);
  o.valid_users = UserCount{0.1};
  o.test_users = UserCount{25};
  o.split_seed = 5;
  const Dataset d = Dataset::build(b.log(), o);
  ASSERT_EQ(d.users(Split::valid).size(), 10u);
  ASSERT_EQ(d.users(Split::test).size(), 25u);
  ASSERT_EQ(d.users(Split::train).size(), 65u);
  std::vector<int> seen(100, 0);
  for (const Split s : {Split::train, Split::valid, Split::test}) {
    const auto users = d.users(s);
    EXPECT_TRUE(std::is_sorted(users.begin(), users.end()));
    for (const auto u : users) {
      ++seen[u];
      EXPECT_EQ(d.split(u), s);
    }
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 100);

  const Dataset same = Dataset::build(b.log(), o);
  EXPECT_EQ(vec(same.users(Split::valid)), vec(d.users(Split::valid)));
  EXPECT_EQ(vec(same.users(Split::test)), vec(d.users(Split::test)));
  o.split_seed = 6;
  const Dataset other = Dataset::build(b.log(), o);
  EXPECT_NE(vec(other.users(Split::valid)), vec(d.users(Split::valid)));
}

TEST(Dataset, ImpossibleSplitIsAnError) {
  PrepareOptions o = all_train(1);
  o.valid_users = UserCount{2};
  o.test_users = UserCount{1};
  EXPECT_THROW(Dataset::build(small_log(), o), Error);  // 3 users: none left for training
  o.test_users = UserCount{0.5};  // 2 + round(1.5) = 4 > 3
  EXPECT_THROW(Dataset::build(small_log(), o), Error);
}

// Many users and ties, sorted in parallel chunks: compare with a stable sort per user.
TEST(Dataset, ParallelTimeSortMatchesStableSort) {
  BehaviorLog log;
  const int users = 300, items = 500;
  for (int u = 0; u < users; ++u) log.user_ids.add(cat("u", u));
  for (int i = 0; i < items; ++i) {
    log.item_ids.add(cat("i", i));
    log.item_category.push_back(0);
  }
  log.category_ids.add("c");
  log.behavior_types.add("pv");
  Rng rng(3);
  for (int r = 0; r < 200000; ++r) {
    // Skewed lengths: a few users hold most records.
    const auto u = static_cast<std::uint32_t>(rng.uniform(rng.uniform(2) ? 5 : users));
    log.user.push_back(u);
    log.item.push_back(static_cast<std::uint32_t>(rng.uniform(items)));
    log.time.push_back(static_cast<std::int64_t>(rng.uniform(50)));
    log.behavior.push_back(0);
  }
  std::vector<std::vector<std::pair<std::int64_t, std::string>>> want(users);
  for (std::size_t r = 0; r < log.records(); ++r)
    want[log.user[r]].emplace_back(log.time[r], cat("i", log.item[r]));
  for (auto& w : want)
    std::stable_sort(w.begin(), w.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  PrepareOptions o = all_train(1);
  o.threads = 2;
  const Dataset d = Dataset::build(std::move(log), o);
  ASSERT_EQ(d.num_users(), static_cast<std::uint32_t>(users));
  for (std::uint32_t u = 0; u < d.num_users(); ++u) {
    const auto& w = want[std::stoul(std::string(d.user_id(u)).substr(1))];
    ASSERT_EQ(d.sequence(u).size(), w.size());
    for (std::size_t i = 0; i < w.size(); ++i) {
      ASSERT_EQ(d.times(u)[i], w[i].first);
      ASSERT_EQ(d.item_id(d.sequence(u)[i]), w[i].second) << "user " << u << " record " << i;
    }
  }
}

}  // namespace
}  // namespace treerec
