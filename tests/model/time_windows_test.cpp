#include "treerec/model/time_windows.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "treerec/model/parameters.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

// Table row r = (r, 10 r): easy means by hand.
std::vector<float> table(std::uint32_t rows) {
  std::vector<float> t;
  for (std::uint32_t r = 0; r < rows; ++r) {
    t.push_back(static_cast<float>(r));
    t.push_back(static_cast<float>(10 * r));
  }
  return t;
}

TEST(TimeWindows, SizesAndCounts) {
  EXPECT_EQ(std::accumulate(TimeWindows::kSizes.begin(), TimeWindows::kSizes.end(), 0u), 69u);
  for (std::uint32_t w = 0; w < TimeWindows::kCount; ++w)
    EXPECT_EQ(TimeWindows::kStarts[w + 1] - TimeWindows::kStarts[w], TimeWindows::kSizes[w]);
  EXPECT_EQ(TimeWindows::count(0, 0), 0u);
  EXPECT_EQ(TimeWindows::count(3, 4), 1u);   // positions 3..4, only 3 present
  EXPECT_EQ(TimeWindows::count(3, 5), 2u);
  EXPECT_EQ(TimeWindows::count(6, 12), 3u);  // positions 9..18: 9, 10, 11
  EXPECT_EQ(TimeWindows::count(9, 69), 20u);
  EXPECT_EQ(TimeWindows::count(9, 50), 1u);
}

TEST(TimeWindows, ShortHistoryMeansByHand) {
  const auto t = table(20);
  // Most recent first: 5 | 7 | 1 | 2, 4 | 9 | (empty) ...
  const std::vector<std::uint32_t> rows{5, 7, 1, 2, 4, 9};
  std::vector<float> out(20, -1.0f);
  TimeWindows::pool(t.data(), 2, rows, out.data());
  const std::vector<float> expected{5, 50, 7, 70, 1, 10, 3, 30, 9, 90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(out, expected);
}

TEST(TimeWindows, EmptyAndFullHistories) {
  const auto t = table(70);
  std::vector<float> out(20, -1.0f);
  TimeWindows::pool(t.data(), 2, {}, out.data());
  EXPECT_EQ(out, std::vector<float>(20, 0.0f));

  std::vector<std::uint32_t> rows(69);
  std::iota(rows.begin(), rows.end(), 0u);
  TimeWindows::pool(t.data(), 2, rows, out.data());
  // Window means of 0..68 cut as 1,1,1,2,2,2,10,10,20,20.
  const std::vector<float> means{0, 1, 2, 3.5f, 5.5f, 7.5f, 13.5f, 23.5f, 38.5f, 58.5f};
  for (std::uint32_t w = 0; w < 10; ++w) {
    EXPECT_FLOAT_EQ(out[2 * w], means[w]) << w;
    EXPECT_FLOAT_EQ(out[2 * w + 1], 10 * means[w]) << w;
  }
  rows.push_back(69);
  EXPECT_THROW(TimeWindows::pool(t.data(), 2, rows, out.data()), Error);
}

// pool() is linear in the table, so its gradient is exact: row r gets sum over its positions i
// (window w) of dout[w] / count(w).
TEST(TimeWindows, BackwardScattersMeansGradient) {
  const std::vector<std::uint32_t> rows{5, 7, 1, 5, 4, 9, 5};  // row 5 in windows 0, 3 and 5
  std::vector<float> dout(20);
  for (std::size_t i = 0; i < dout.size(); ++i) dout[i] = static_cast<float>(i + 1);
  SparseRows g(2);
  TimeWindows::pool_backward(rows, 2, dout.data(), g);
  EXPECT_EQ(g.size(), 5u);
  EXPECT_EQ(g.find(3), nullptr);
  // Windows: 0 {5}, 1 {7}, 2 {1}, 3 {5, 4}, 4 {9, 5}.
  EXPECT_FLOAT_EQ(g.find(5)[0], 1 + 7.0f / 2 + 9.0f / 2);
  EXPECT_FLOAT_EQ(g.find(5)[1], 2 + 8.0f / 2 + 10.0f / 2);
  EXPECT_FLOAT_EQ(g.find(7)[0], 3);
  EXPECT_FLOAT_EQ(g.find(4)[1], 8.0f / 2);
  EXPECT_FLOAT_EQ(g.find(9)[0], 9.0f / 2);

  // And it is the derivative of sum(dout * pool(table)): a finite difference in one entry.
  auto t = table(10);
  const auto loss = [&] {
    std::vector<float> out(20);
    TimeWindows::pool(t.data(), 2, rows, out.data());
    double s = 0;
    for (std::size_t i = 0; i < 20; ++i) s += double{dout[i]} * out[i];
    return s;
  };
  t[5 * 2 + 1] += 0.5f;
  const double plus = loss();
  t[5 * 2 + 1] -= 1.0f;
  const double minus = loss();
  EXPECT_NEAR((plus - minus) / 1.0, g.find(5)[1], 1e-4);
}

}  // namespace
}  // namespace treerec
