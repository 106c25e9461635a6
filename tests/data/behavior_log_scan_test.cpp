// The parallel scanner: results and error line numbers must not depend on the thread count or
// on where blocks are split; and the real data sets read with the expected counts.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "test_util.h"
#include "treerec/data/behavior_log.h"
#include "treerec/data/log_scanner.h"
#include "treerec/util/error.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

using test::TempDir;
using test::write_file;

// Tiny blocks, so that a few kilobytes make many super-blocks of several chunks.
class SmallBlocks {
 public:
  SmallBlocks(std::size_t super_per_thread, std::size_t min_chunk)
      : old_(detail::set_block_sizes({super_per_thread, min_chunk})) {}
  ~SmallBlocks() { detail::set_block_sizes(old_); }

 private:
  detail::BlockSizes old_;
};

// A log of `lines` lines mixing integer and text ids, quoted fields, CRLF and blank lines.
std::string random_log(std::size_t lines, std::uint64_t seed) {
  Rng rng(seed);
  std::string text;
  const char* kinds[] = {"pv", "buy", "\"cart\"", "fav"};
  for (std::size_t i = 0; i < lines; ++i) {
    const auto user = rng.uniform(50);
    const auto item = rng.uniform(300);
    if (rng.uniform(20) == 0) text += "\n";
    text += (user % 7 == 0 ? "u" : "") + std::to_string(user) + ",";
    text += (item % 5 == 0 ? "\"it," + std::to_string(item) + "\"" : std::to_string(item)) + ",";
    text += std::to_string(item % 17 + rng.uniform(2)) + ",";  // items may carry two categories
    text += std::string(kinds[rng.uniform(4)]) + "," + std::to_string(1500000000 + rng.uniform(100000));
    text += rng.uniform(3) == 0 ? "\r\n" : "\n";
  }
  return text;
}

void expect_same(const BehaviorLog& a, const BehaviorLog& b) {
  auto same_table = [](const StringTable& x, const StringTable& y) {
    return x.bytes() == y.bytes() && std::equal(x.offsets().begin(), x.offsets().end(), y.offsets().begin(),
                                                y.offsets().end());
  };
  EXPECT_TRUE(same_table(a.user_ids, b.user_ids));
  EXPECT_TRUE(same_table(a.item_ids, b.item_ids));
  EXPECT_TRUE(same_table(a.category_ids, b.category_ids));
  EXPECT_TRUE(same_table(a.behavior_types, b.behavior_types));
  EXPECT_EQ(a.item_category, b.item_category);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.item, b.item);
  EXPECT_EQ(a.time, b.time);
  EXPECT_EQ(a.behavior, b.behavior);
  EXPECT_EQ(a.lines_read, b.lines_read);
  EXPECT_EQ(a.skipped_lines, b.skipped_lines);
  EXPECT_EQ(a.items_with_several_categories, b.items_with_several_categories);
  EXPECT_EQ(a.several_categories_example, b.several_categories_example);
}

TEST(LogScanner, SameResultForAnyThreadCountAndBlockSize) {
  TempDir dir;
  const auto path = dir.file("ub.csv");
  const std::string text = random_log(3000, 7);
  write_file(path, text);
  ReadOptions o;
  o.input = path;
  o.threads = 1;
  const BehaviorLog reference = read_behavior_log(o);
  ASSERT_EQ(reference.records(), 3000u);

  // Brute force: first-appearance order and first-seen categories, straight from the text.
  std::map<std::string, std::uint32_t> users, items;
  std::vector<std::string> item_cats;
  std::set<std::string> several;  // items seen under another category than their first
  std::string example;
  std::size_t record = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::string cur;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        f.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    f.push_back(cur);
    const auto u = users.try_emplace(f[0], static_cast<std::uint32_t>(users.size())).first->second;
    const auto [it, fresh] = items.try_emplace(f[1], static_cast<std::uint32_t>(items.size()));
    if (fresh) item_cats.push_back(f[2]);
    if (item_cats[it->second] != f[2] && several.insert(f[1]).second && example.empty())
      example = "item '" + f[1] + "' under '" + item_cats[it->second] + "', then '" + f[2] + "'";
    ASSERT_EQ(reference.user[record], u);
    ASSERT_EQ(reference.item[record], it->second);
    ASSERT_EQ(reference.user_ids[u], f[0]);
    ASSERT_EQ(reference.item_ids[it->second], f[1]);
    ++record;
  }
  ASSERT_EQ(reference.item_ids.size(), items.size());
  for (std::size_t i = 0; i < item_cats.size(); ++i)
    EXPECT_EQ(reference.category_ids[reference.item_category[i]], item_cats[i]);
  ASSERT_GT(several.size(), 10u);
  EXPECT_EQ(reference.items_with_several_categories, several.size());
  EXPECT_EQ(reference.several_categories_example, example);

  // (threads, super-block bytes per thread): many tiny blocks on one thread, a few hundred
  // blocks of two or three chunks, one block of five chunks.
  const std::pair<int, std::size_t> configs[] = {{1, 37}, {2, 300}, {3, 2000}, {5, 1 << 20}};
  for (const auto& [threads, super] : configs) {
    SmallBlocks small(super, 1);
    o.threads = threads;
    SCOPED_TRACE(testing::Message() << threads << " threads, super-blocks of " << super << " bytes per thread");
    expect_same(reference, read_behavior_log(o));
  }
}

TEST(LogScanner, ErrorLineNumbersAreExactAcrossBlocks) {
  TempDir dir;
  const auto path = dir.file("ub.csv");
  std::string text = "\xEF\xBB\xBF" + random_log(2000, 3);
  // Insert a line with a bad timestamp as line 1234, and one with too few fields as line 1600.
  auto line_start = [&](int line) {
    std::size_t pos = 0;
    for (int i = 1; i < line; ++i) pos = text.find('\n', pos) + 1;
    return pos;
  };
  text.insert(line_start(1234), "9,9,9,pv,x7\n");
  text.insert(line_start(1600), "1,2\r\n");
  write_file(path, text);
  ReadOptions o;
  o.input = path;
  const std::pair<int, std::size_t> configs[] = {{1, 50}, {2, 500}, {4, 4096}};
  for (const auto& [threads, super] : configs) {
    {
      SmallBlocks small(super, 1);
      o.threads = threads;
      o.skip_bad_lines = false;
      try {
        read_behavior_log(o);
        ADD_FAILURE() << "no error";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("ub.csv:1234: field 'timestamp' is not an integer: \"x7\""),
                  std::string::npos)
            << e.what();
      }
      o.skip_bad_lines = true;
      const BehaviorLog log = read_behavior_log(o);
      EXPECT_EQ(log.skipped_lines, 2u);
      EXPECT_EQ(log.records(), 2000u);
    }
  }
}

// The real data sets (SOURCE.txt in each folder gives these counts).
TEST(RealData, UserBehaviorSlices) {
  TREEREC_REQUIRE_SHARED_DATA(data);
  ReadOptions o;
  o.input = data + "/userbehavior-tail10k/UserBehavior_tail10k.csv";
  BehaviorLog log = read_behavior_log(o);
  EXPECT_EQ(log.records(), 10000u);
  EXPECT_EQ(log.user_ids.size(), 114u);
  EXPECT_EQ(log.item_ids.size(), 7623u);
  EXPECT_EQ(log.category_ids.size(), 1096u);
  EXPECT_EQ(log.user_ids[0], "999477");
  std::map<std::string, int> kinds;
  for (auto b : log.behavior) ++kinds[std::string(log.behavior_types[b])];
  EXPECT_EQ(kinds, (std::map<std::string, int>{{"pv", 9046}, {"cart", 536}, {"fav", 212}, {"buy", 206}}));

  o.input = data + "/userbehavior-head4k/UserBehavior_head4k.csv";
  log = read_behavior_log(o);
  EXPECT_EQ(log.records(), 4321u);
  EXPECT_EQ(log.user_ids.size(), 43u);
  EXPECT_EQ(log.item_ids.size(), 3276u);
  EXPECT_EQ(log.category_ids.size(), 567u);
  EXPECT_EQ(log.user_ids[0], "1");
  kinds.clear();
  for (auto b : log.behavior) ++kinds[std::string(log.behavior_types[b])];
  EXPECT_EQ(kinds, (std::map<std::string, int>{{"pv", 3926}, {"cart", 190}, {"fav", 128}, {"buy", 77}}));
  EXPECT_EQ(log.items_with_several_categories, 0u);
}

TEST(RealData, MovieLensLatestSmall) {
  TREEREC_REQUIRE_SHARED_DATA(data);
  ReadOptions o;
  o.format = LogFormat::movielens;
  o.input = data + "/movielens-latest-small/ratings.csv";
  const BehaviorLog log = read_behavior_log(o);
  EXPECT_EQ(log.records(), 100836u);
  EXPECT_EQ(log.lines_read, 100836u);
  EXPECT_EQ(log.user_ids.size(), 610u);
  EXPECT_EQ(log.item_ids.size(), 9724u);
  EXPECT_EQ(log.items_without_category, 0u);
  EXPECT_EQ(log.category_ids.size(), 19u);  // first genres of the rated movies (checked with Python)
  EXPECT_EQ(log.behavior_types.size(), 1u);
  // The first rating: user 1, movie 1 (Toy Story, Adventure|Animation|...) at 964982703.
  EXPECT_EQ(log.user_ids[0], "1");
  EXPECT_EQ(log.item_ids[0], "1");
  EXPECT_EQ(log.category_ids[log.item_category[0]], "Adventure");
  EXPECT_EQ(log.time[0], 964982703);
}

TEST(RealData, CiaoAsNamedColumnCsv) {
  TREEREC_REQUIRE_SHARED_DATA(data);
  ReadOptions o;
  o.format = LogFormat::csv;
  o.input = data + "/ciao/ciao_ratings.csv";
  o.user_col = "user_id";
  o.item_col = "item_id";
  o.category_col = "category_id";
  o.time_col = "timestamp";
  const BehaviorLog log = read_behavior_log(o);
  EXPECT_EQ(log.records(), 284086u);
  EXPECT_EQ(log.user_ids.size(), 7375u);
  EXPECT_EQ(log.item_ids.size(), 105114u);
  EXPECT_EQ(log.item_category.size(), 105114u);
  EXPECT_EQ(log.category_ids.size(), 28u);
  EXPECT_EQ(log.user_ids[0], "6119");
  EXPECT_EQ(log.item_ids[0], "92579");
  EXPECT_EQ(log.category_ids[log.item_category[0]], "24");
  // Items rated under two categories (counted with Python): each keeps its first.
  EXPECT_EQ(log.items_with_several_categories, 101u);
  EXPECT_EQ(log.several_categories_example, "item '41122' under '12', then '11'");
  EXPECT_EQ(log.time[0], 959670000);
  const auto [lo, hi] = std::minmax_element(log.time.begin(), log.time.end());
  EXPECT_GE(*lo, 959644800);  // 2000-05-30
  EXPECT_LT(*hi, 1302652800);  // 2011-04-13
}

}  // namespace
}  // namespace treerec
