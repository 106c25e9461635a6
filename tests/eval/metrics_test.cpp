#include "treerec/eval/metrics.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "treerec/util/error.h"

namespace treerec {
namespace {

TEST(Metrics, HandComputedPrecisionRecallF1) {
  MetricsAccumulator acc({2, 4});
  // User 1: ranked 5 1 9 3 7, truth {1, 3, 8}.
  //   @2: hits {1}: P 1/2, R 1/3, F 2·(1/6)/(5/6) = 0.4
  //   @4: hits {1, 3}: P 2/4, R 2/3, F 2·(1/3)/(7/6) = 4/7
  acc.add(std::vector<std::uint32_t>{5, 1, 9, 3, 7}, std::vector<std::uint32_t>{8, 3, 1});
  // User 2: empty intersection: everything 0 (F is 0, not NaN).
  acc.add(std::vector<std::uint32_t>{4, 6}, std::vector<std::uint32_t>{1});
  const Metrics m = acc.result();
  EXPECT_EQ(m.users, 2u);
  ASSERT_EQ(m.at.size(), 2u);
  EXPECT_DOUBLE_EQ(m.get(2).precision, (0.5 + 0) / 2);
  EXPECT_DOUBLE_EQ(m.get(2).recall, (1.0 / 3 + 0) / 2);
  EXPECT_DOUBLE_EQ(m.get(2).f1, (0.4 + 0) / 2);
  EXPECT_DOUBLE_EQ(m.get(4).precision, (0.5 + 0) / 2);
  EXPECT_DOUBLE_EQ(m.get(4).recall, (2.0 / 3 + 0) / 2);
  EXPECT_DOUBLE_EQ(m.get(4).f1, (4.0 / 7 + 0) / 2);
  EXPECT_THROW(m.get(3), Error);
}

TEST(Metrics, TruthLargerThanMAndShortLists) {
  MetricsAccumulator acc({1, 3});
  // |G| = 10 > M: recall is capped by M / |G|. The list is shorter than 3, yet precision@3
  // still divides by 3.
  std::vector<std::uint32_t> truth(10);
  for (std::uint32_t i = 0; i < 10; ++i) truth[i] = 100 + i;
  acc.add(std::vector<std::uint32_t>{104, 109}, truth);
  const Metrics m = acc.result();
  EXPECT_DOUBLE_EQ(m.get(1).precision, 1.0);
  EXPECT_DOUBLE_EQ(m.get(1).recall, 0.1);
  EXPECT_DOUBLE_EQ(m.get(1).f1, 2 * 1.0 * 0.1 / 1.1);
  EXPECT_DOUBLE_EQ(m.get(3).precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(m.get(3).recall, 0.2);
  EXPECT_DOUBLE_EQ(m.get(3).f1, 2 * (2.0 / 3) * 0.2 / (2.0 / 3 + 0.2));
}

TEST(Metrics, DuplicatesCountOnce) {
  MetricsAccumulator acc({4});
  // Truth {2, 2, 5} is the set {2, 5}; item 2 repeated in the list is one hit.
  acc.add(std::vector<std::uint32_t>{2, 2, 7, 5}, std::vector<std::uint32_t>{2, 2, 5});
  const Metrics m = acc.result();
  EXPECT_DOUBLE_EQ(m.get(4).precision, 0.5);
  EXPECT_DOUBLE_EQ(m.get(4).recall, 1.0);
}

TEST(Metrics, PrefixesOfOneListAtDefaultCutoffs) {
  MetricsAccumulator acc;
  // Hits at ranks 1, 11, 51, 101 and 201 (the last beyond every cutoff).
  std::vector<std::uint32_t> ranked(250);
  for (std::uint32_t i = 0; i < 250; ++i) ranked[i] = 1000 + i;
  const std::vector<std::uint32_t> truth{1000, 1010, 1050, 1100, 1200};
  acc.add(ranked, truth);
  const Metrics m = acc.result();
  ASSERT_EQ(m.at.size(), 4u);
  EXPECT_DOUBLE_EQ(m.get(10).precision, 1.0 / 10);
  EXPECT_DOUBLE_EQ(m.get(50).precision, 2.0 / 50);
  EXPECT_DOUBLE_EQ(m.get(100).precision, 3.0 / 100);
  EXPECT_DOUBLE_EQ(m.get(200).precision, 4.0 / 200);
  EXPECT_DOUBLE_EQ(m.get(200).recall, 4.0 / 5);

  const auto j = m.json();
  EXPECT_EQ(j["users"], 1);
  EXPECT_DOUBLE_EQ(j["precision@200"].get<double>(), 0.02);
  EXPECT_DOUBLE_EQ(j["recall@200"].get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(j["f1@200"].get<double>(), 2 * 0.02 * 0.8 / 0.82);
  EXPECT_TRUE(j.contains("recall@10") && j.contains("f1@50") && j.contains("precision@100"));
  EXPECT_EQ(j.size(), 13u);

  const std::string table = m.table();
  EXPECT_NE(table.find("precision"), std::string::npos) << table;
  EXPECT_NE(table.find("   200    2.0000%   80.0000%"), std::string::npos) << table;
  EXPECT_NE(table.find("users: 1"), std::string::npos) << table;
}

TEST(Metrics, NoUsersAndBadInput) {
  const Metrics empty = MetricsAccumulator().result();
  EXPECT_EQ(empty.users, 0u);
  EXPECT_DOUBLE_EQ(empty.get(200).recall, 0.0);

  MetricsAccumulator acc;
  try {
    acc.add(std::vector<std::uint32_t>{1}, std::vector<std::uint32_t>{});
    ADD_FAILURE() << "no error for an empty truth";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("empty ground truth"), std::string::npos) << e.what();
  }
  EXPECT_THROW(MetricsAccumulator({10, 10}), Error);
  EXPECT_THROW(MetricsAccumulator({0}), Error);
  EXPECT_THROW(MetricsAccumulator(std::vector<std::uint32_t>{}), Error);
}

}  // namespace
}  // namespace treerec
