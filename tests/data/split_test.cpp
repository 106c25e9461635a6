#include "treerec/data/split.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "treerec/util/error.h"

namespace treerec {
namespace {

UserCount parse_user_count(const std::string& text) {
  PrepareOptions o;
  prepare_params().set_text(o, "valid_users", text, flag_names());
  return o.valid_users;
}

void expect_parse_error(const std::string& text, const std::string& fragment) {
  try {
    parse_user_count(text);
    FAIL() << text;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--valid-users"), std::string::npos) << e.what();
  }
}

TEST(UserCount, ParsesCountsAndFractions) {
  EXPECT_EQ(parse_user_count("0").value, 0);
  EXPECT_EQ(parse_user_count("0.1").value, 0.1);
  EXPECT_EQ(parse_user_count("1").value, 1);
  EXPECT_EQ(parse_user_count("5000").value, 5000);
  EXPECT_EQ(parse_user_count("1e3").value, 1000);
  expect_parse_error("1.5", "neither a fraction");
  expect_parse_error("-1", "expected a number >= 0");
  expect_parse_error("abc", "expected a number >= 0");
  expect_parse_error("", "expected a number >= 0");
  expect_parse_error("10x", "expected a number >= 0");
}

TEST(UserCount, ResolvesAgainstTheKeptUsers) {
  EXPECT_EQ(UserCount{0}.resolve(100), 0u);
  EXPECT_EQ(UserCount{0.1}.resolve(100), 10u);
  EXPECT_EQ(UserCount{0.1}.resolve(95), 10u);  // 9.5 rounds to nearest, halves up
  EXPECT_EQ(UserCount{0.1}.resolve(94), 9u);
  EXPECT_EQ(UserCount{0.25}.resolve(10), 3u);
  EXPECT_EQ(UserCount{1}.resolve(100), 1u);
  EXPECT_EQ(UserCount{5000}.resolve(100), 5000u);  // split_users rejects it
  EXPECT_THROW(UserCount{2.5}.resolve(100), Error);
  EXPECT_THROW(UserCount{-0.5}.resolve(100), Error);
}

TEST(SplitUsers, SizesAndDeterminism) {
  const auto a = split_users(50, UserCount{0.2}, UserCount{5}, 9);
  EXPECT_EQ(std::count(a.begin(), a.end(), Split::valid), 10);
  EXPECT_EQ(std::count(a.begin(), a.end(), Split::test), 5);
  EXPECT_EQ(std::count(a.begin(), a.end(), Split::train), 35);
  EXPECT_EQ(split_users(50, UserCount{0.2}, UserCount{5}, 9), a);
  EXPECT_NE(split_users(50, UserCount{0.2}, UserCount{5}, 10), a);
  const auto none = split_users(3, UserCount{0}, UserCount{0}, 1);
  EXPECT_EQ(std::count(none.begin(), none.end(), Split::train), 3);
}

TEST(SplitUsers, RejectsSplitsWithoutTrainUsers) {
  try {
    split_users(10, UserCount{5}, UserCount{5}, 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no training user"), std::string::npos) << e.what();
  }
  try {
    split_users(10, UserCount{0.5}, UserCount{6}, 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("only 10 users"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace treerec
