#include "treerec/data/csv_scan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "treerec/data/id_map.h"
#include "treerec/util/error.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

std::vector<std::string> split(const std::string& line, char delim = ',') {
  std::vector<csv::Field> fields(16);
  const auto r = csv::split_fields(line.data(), line.data() + line.size(), delim, fields.data(), fields.size());
  EXPECT_EQ(r.status, csv::SplitStatus::ok) << line;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < r.fields && i < fields.size(); ++i) out.push_back(csv::field_value(fields[i]));
  return out;
}

using Strings = std::vector<std::string>;

TEST(CsvScan, SplitsPlainQuotedAndEmptyFields) {
  EXPECT_EQ(split("1,2,3"), (Strings{"1", "2", "3"}));
  EXPECT_EQ(split(""), (Strings{""}));
  EXPECT_EQ(split("a,,b,"), (Strings{"a", "", "b", ""}));
  EXPECT_EQ(split("1,\"Toy, Story\",x"), (Strings{"1", "Toy, Story", "x"}));
  EXPECT_EQ(split("\"say \"\"hi\"\"\",2"), (Strings{"say \"hi\"", "2"}));
  EXPECT_EQ(split("\"\",\"\"\"\""), (Strings{"", "\""}));
  EXPECT_EQ(split("a\tb c\t\"d\te\"", '\t'), (Strings{"a", "b c", "d\te"}));
  // A quote inside an unquoted field is taken literally.
  EXPECT_EQ(split("5\"x,y"), (Strings{"5\"x", "y"}));
}

TEST(CsvScan, CountsFieldsBeyondCapacityAndMarksEscapes) {
  const std::string line = "a,\"b\"\"c\",d,e,f";
  csv::Field fields[2];
  const auto r = csv::split_fields(line.data(), line.data() + line.size(), ',', fields, 2);
  EXPECT_EQ(r.fields, 5u);
  EXPECT_FALSE(fields[0].escaped);
  EXPECT_TRUE(fields[1].escaped);
  EXPECT_EQ(fields[1].raw(), "b\"\"c");
  EXPECT_EQ(csv::field_value(fields[1]), "b\"c");
}

// split_plain (eight bytes at a time) must agree with split_fields plus a byte-by-byte parse,
// with and without readable bytes past the line end.
TEST(CsvScan, FastSplitAgreesWithTheGeneralOne) {
  Rng rng(11);
  const std::string alphabet = "0123456789012345678901234567890123456789a-. /:;\x7f\xff";
  for (int round = 0; round < 20000; ++round) {
    std::string line;
    const auto fields = 1 + rng.uniform(6);
    for (std::uint64_t k = 0; k < fields; ++k) {
      if (k > 0) line += ',';
      const auto len = rng.uniform(22);
      for (std::uint64_t i = 0; i < len; ++i) line += alphabet[rng.uniform(alphabet.size())];
    }
    for (const bool padded : {false, true}) {
      // The line is followed by a newline and more text, or by nothing readable at all.
      const std::string text = padded ? line + "\n9,8,7,6,5,4,3,2,1,0,9,8,7,6,5" : line;
      const char* begin = text.data();
      const char* end = begin + line.size();
      const char* limit = begin + text.size();
      csv::Field fast[8], slow[8];
      std::size_t count = 0;
      ASSERT_TRUE(csv::split_plain(begin, end, limit, ',', fast, 8, &count));
      const auto r = csv::split_fields(begin, end, ',', slow, 8);
      ASSERT_EQ(count, r.fields) << line;
      for (std::size_t k = 0; k < count; ++k) {
        ASSERT_EQ(fast[k].raw(), slow[k].raw()) << line;
        ASSERT_TRUE(fast[k].parsed);
        bool digits = true;
        std::uint64_t value = 0;
        for (char ch : slow[k].raw()) {
          digits = digits && ch >= '0' && ch <= '9';
          value = value * 10 + static_cast<std::uint64_t>(ch - '0');
        }
        ASSERT_EQ(fast[k].digits, digits) << line << " field " << k;
        if (digits && slow[k].size <= 18) {
          ASSERT_EQ(fast[k].value, value) << line << " field " << k;
        }
      }
    }
  }
  std::size_t count = 0;
  csv::Field f[2];
  const std::string quoted = "1,\"2\"";
  EXPECT_FALSE(csv::split_plain(quoted.data(), quoted.data() + quoted.size(), quoted.data() + quoted.size(), ',', f,
                                2, &count));
  const std::string big = "999999999999999999,12345678,1234567890123456";
  ASSERT_TRUE(csv::split_plain(big.data(), big.data() + big.size(), big.data() + big.size(), ',', f, 2, &count));
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(f[0].value, 999999999999999999u);
  EXPECT_EQ(f[1].value, 12345678u);
}

TEST(CsvScan, ReportsQuoteErrors) {
  csv::Field fields[4];
  const std::string open = "1,\"abc,2";
  auto r = csv::split_fields(open.data(), open.data() + open.size(), ',', fields, 4);
  EXPECT_EQ(r.status, csv::SplitStatus::unterminated_quote);
  EXPECT_EQ(r.bad_field, 1u);
  EXPECT_NE(csv::describe(r).find("field 2: quoted field is not closed"), std::string::npos);
  const std::string after = "\"a\"b,2";
  r = csv::split_fields(after.data(), after.data() + after.size(), ',', fields, 4);
  EXPECT_EQ(r.status, csv::SplitStatus::text_after_quote);
  EXPECT_EQ(r.bad_field, 0u);
}

TEST(CsvScan, Lines) {
  const std::string text = "ab\r\n\n  \ncd";
  const char* p = text.data();
  const char* end = p + text.size();
  auto l = csv::next_line(p, end);
  EXPECT_EQ(std::string(l.begin, l.end), "ab");
  l = csv::next_line(l.next, end);
  EXPECT_TRUE(csv::is_blank(l.begin, l.end));
  l = csv::next_line(l.next, end);
  EXPECT_TRUE(csv::is_blank(l.begin, l.end));
  l = csv::next_line(l.next, end);
  EXPECT_EQ(std::string(l.begin, l.end), "cd");
  EXPECT_EQ(l.next, end);
  EXPECT_EQ(csv::bom_size("\xEF\xBB\xBFx"), 3u);
  EXPECT_EQ(csv::bom_size("\xEF\xBB"), 0u);
}

TEST(CsvScan, CanonicalIntegers) {
  std::uint64_t v = 99;
  EXPECT_TRUE(csv::parse_canonical_uint("0", 1, &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(csv::parse_canonical_uint("999999999999999999", 18, &v));
  EXPECT_EQ(v, 999999999999999999u);
  EXPECT_FALSE(csv::parse_canonical_uint("1000000000000000000", 19, &v));  // 19 digits: text
  EXPECT_FALSE(csv::parse_canonical_uint("007", 3, &v));
  EXPECT_FALSE(csv::parse_canonical_uint("-1", 2, &v));
  EXPECT_FALSE(csv::parse_canonical_uint("12a", 3, &v));
  EXPECT_FALSE(csv::parse_canonical_uint("", 0, &v));
}

TEST(CsvScan, Timestamps) {
  std::int64_t t = -1;
  EXPECT_EQ(csv::parse_timestamp("1511544070", &t), csv::TimeStatus::ok);
  EXPECT_EQ(t, 1511544070);
  EXPECT_EQ(csv::parse_timestamp("0", &t), csv::TimeStatus::ok);
  EXPECT_EQ(t, 0);
  EXPECT_EQ(csv::parse_timestamp("253402300799", &t), csv::TimeStatus::ok);
  EXPECT_EQ(t, 253402300799);
  EXPECT_EQ(csv::parse_timestamp("253402300800", &t), csv::TimeStatus::too_large);
  EXPECT_EQ(csv::parse_timestamp("99999999999999999999", &t), csv::TimeStatus::too_large);
  EXPECT_EQ(csv::parse_timestamp("-1", &t), csv::TimeStatus::negative);
  EXPECT_EQ(csv::parse_timestamp("-99999999999999999999", &t), csv::TimeStatus::negative);
  EXPECT_EQ(csv::parse_timestamp("", &t), csv::TimeStatus::empty);
  for (const char* bad : {"1.5", " 1", "1 ", "+1", "-", "1e9", "pv", "0x10"})
    EXPECT_EQ(csv::parse_timestamp(bad, &t), csv::TimeStatus::not_integer) << bad;
  EXPECT_EQ(csv::describe_time_error(csv::TimeStatus::not_integer, "timestamp", "abc"),
            "field 'timestamp' is not an integer: \"abc\"");
  EXPECT_NE(csv::describe_time_error(csv::TimeStatus::too_large, "ts", "253402300800").find("year 9999"),
            std::string::npos);
}

TEST(IdMap, DenseIdsInFirstAppearanceOrder) {
  StringTable names;
  IdMap map(&names, "user ids");
  bool added = false;
  EXPECT_EQ(map.get_or_add("42", &added), 0u);
  EXPECT_TRUE(added);
  EXPECT_EQ(map.get_or_add("alice", &added), 1u);
  EXPECT_TRUE(added);
  EXPECT_EQ(map.get_or_add("42", &added), 0u);
  EXPECT_FALSE(added);
  // "042" and "42" are different raw ids; so are 19-digit numbers, kept as text.
  EXPECT_EQ(map.get_or_add("042"), 2u);
  EXPECT_EQ(map.get_or_add("1234567890123456789"), 3u);
  EXPECT_EQ(map.get_or_add("1234567890123456789"), 3u);
  EXPECT_EQ(map.get_or_add("alice"), 1u);
  ASSERT_EQ(names.size(), 4u);
  EXPECT_EQ(names[0], "42");
  EXPECT_EQ(names[1], "alice");
  EXPECT_EQ(names[2], "042");
  EXPECT_EQ(names[3], "1234567890123456789");
  EXPECT_EQ(map.find(IdKey::of("42")), 0u);
  EXPECT_EQ(map.find(IdKey::of("bob")), IdMap::kNone);
  EXPECT_EQ(map.size(), 4u);
}

TEST(IdMap, KeysOutliveTheirSourceText) {
  StringTable names;
  IdMap map(&names, "item ids");
  for (int i = 0; i < 1000; ++i) {
    std::string id = "item-" + std::to_string(i);
    map.get_or_add(id);
    id.assign(id.size(), '#');  // the map must have copied the key
  }
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(map.find(IdKey::of("item-" + std::to_string(i))), static_cast<std::uint32_t>(i));
}

TEST(IdMap, LimitIsEnforced) {
  StringTable names;
  IdMap map(&names, "behaviour types", 2);
  map.get_or_add("pv");
  map.get_or_add("1");
  try {
    map.get_or_add("buy");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("more than 2 distinct behaviour types"), std::string::npos) << e.what();
  }
  EXPECT_THROW(map.get_or_add("7"), Error);
  EXPECT_EQ(map.get_or_add("pv"), 0u);
  EXPECT_EQ(map.size(), 2u);
}

}  // namespace
}  // namespace treerec
