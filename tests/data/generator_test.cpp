#include "treerec/data/generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "test_util.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

using test::TempDir;

struct Row {
  std::uint64_t user, item, category;
  std::string behavior;
  std::int64_t time;
};

std::vector<std::string_view> split(std::string_view line, char sep) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == sep) {
      fields.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  return fields;
}

template <typename T>
T number(std::string_view s) {
  T v{};
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  EXPECT_TRUE(ec == std::errc() && ptr == s.data() + s.size()) << "not a number: '" << s << "'";
  return v;
}

// Parses the CSV, checking that each line has exactly 5 fields and ends with a newline.
std::vector<Row> read_rows(const std::string& path) {
  const std::string text = test::read_file(path);
  EXPECT_TRUE(text.empty() || text.back() == '\n');
  std::vector<Row> rows;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    const auto f = split(line, ',');
    EXPECT_EQ(f.size(), 5u) << line;
    if (f.size() != 5) continue;
    rows.push_back(Row{number<std::uint64_t>(f[0]), number<std::uint64_t>(f[1]),
                       number<std::uint64_t>(f[2]), std::string(f[3]), number<std::int64_t>(f[4])});
  }
  return rows;
}

struct Truth {
  std::uint64_t leaf_group, code, interest_node, category, home_category;
};

// Truth rows indexed by item id (1-based; entry 0 unused); checks the header and id order.
std::vector<Truth> read_truth(const std::string& path) {
  const std::string text = test::read_file(path);
  std::vector<Truth> truth(1);
  std::size_t start = 0;
  bool header = true;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (header) {
      EXPECT_EQ(line, "item\tleaf_group\tcode\tinterest_node\tcategory\thome_category");
      header = false;
      continue;
    }
    const auto f = split(line, '\t');
    EXPECT_EQ(f.size(), 6u) << line;
    if (f.size() != 6) continue;
    EXPECT_EQ(number<std::uint64_t>(f[0]), truth.size()) << "items out of order";
    truth.push_back(Truth{number<std::uint64_t>(f[1]), number<std::uint64_t>(f[2]),
                          number<std::uint64_t>(f[3]), number<std::uint64_t>(f[4]),
                          number<std::uint64_t>(f[5])});
  }
  return truth;
}

GeneratorOptions small_options() {
  GeneratorOptions o;
  o.items = 3000;
  o.users = 200;
  o.records = 12000;
  o.seed = 7;
  return o;
}

std::string generate_text(const TempDir& dir, const GeneratorOptions& o, const std::string& name) {
  const std::string path = dir.file(name);
  generate_behavior_log(o, path);
  return test::read_file(path);
}

TEST(Generator, HiddenShapeByHand) {
  EXPECT_EQ(hidden_shape(2).hidden_levels, 0u);
  EXPECT_EQ(hidden_shape(63).leaf_groups, 1u);
  EXPECT_EQ(hidden_shape(64).hidden_levels, 1u);  // two groups of 32
  const HiddenShape s = hidden_shape(20000);      // 20000 / 512 = 39.06, / 1024 = 19.5
  EXPECT_EQ(s.hidden_levels, 9u);
  EXPECT_EQ(s.leaf_groups, 512u);
  EXPECT_EQ(s.interest_level, 6u);
  EXPECT_EQ(s.interest_nodes, 64u);
  EXPECT_EQ(hidden_shape(4160000).hidden_levels, 16u);  // UserBehavior: 63.5 items a group
  EXPECT_EQ(default_categories(4160000), 9454u);
  EXPECT_EQ(default_categories(100), 1u);
}

TEST(Generator, SameOutputForAnyThreadsAndChunking) {
  TempDir dir;
  GeneratorOptions o = small_options();
  o.threads = 1;
  const std::string reference = generate_text(dir, o, "a.csv");
  ASSERT_FALSE(reference.empty());
  // Many small chunks and batches, several threads, and heavy users streamed to the file.
  o.threads = 3;
  o.chunk_records = 50;
  o.batch_records = 700;
  o.stream_records = 120;
  EXPECT_EQ(generate_text(dir, o, "b.csv"), reference);
  o.threads = 2;
  o.chunk_records = 1;
  o.batch_records = 1;
  o.stream_records = 1;  // every user streamed
  EXPECT_EQ(generate_text(dir, o, "c.csv"), reference);
  o.seed = 8;
  EXPECT_NE(generate_text(dir, o, "d.csv"), reference);
}

TEST(Generator, CliIsDeterministicAcrossThreads) {
  TempDir dir;
  const std::string args = " --items 3000 --users 200 --records 12000 --seed 7 --out ";
  const auto r1 = test::run_cli("generate --threads 1" + args + dir.file("1.csv"));
  ASSERT_EQ(r1.status, 0) << r1.err;
  EXPECT_TRUE(r1.out.empty());
  EXPECT_NE(r1.err.find("wrote 12000 rows for 200 users"), std::string::npos) << r1.err;
  const auto r2 = test::run_cli("generate --threads 2" + args + dir.file("2.csv"));
  ASSERT_EQ(r2.status, 0) << r2.err;
  const std::string one = test::read_file(dir.file("1.csv"));
  EXPECT_EQ(test::read_file(dir.file("2.csv")), one);
  // The CLI passes its flags through unchanged: the library gives the same bytes.
  EXPECT_EQ(generate_text(dir, small_options(), "lib.csv"), one);
}

TEST(Generator, FormatCountsAndRanges) {
  TempDir dir;
  GeneratorOptions o = small_options();
  o.categories = 12;
  generate_behavior_log(o, dir.file("x.csv"));
  const std::vector<Row> rows = read_rows(dir.file("x.csv"));
  ASSERT_EQ(rows.size(), o.records);

  const std::set<std::string> names{"pv", "cart", "fav", "buy"};
  std::map<std::string, std::uint64_t> behaviors;
  std::vector<std::uint64_t> per_user(o.users + 1, 0);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    ASSERT_GE(r.user, 1u);
    ASSERT_LE(r.user, o.users);
    ASSERT_GE(r.item, 1u);
    ASSERT_LE(r.item, o.items);
    ASSERT_GE(r.category, 1u);
    ASSERT_LE(r.category, o.categories);
    ASSERT_TRUE(names.count(r.behavior)) << r.behavior;
    ASSERT_GE(r.time, kGeneratedTimeBegin);
    ASSERT_LT(r.time, kGeneratedTimeEnd);
    ++behaviors[r.behavior];
    ++per_user[r.user];
    if (i > 0) {
      // Grouped by user in increasing id order, each user's rows in time order.
      ASSERT_LE(rows[i - 1].user, r.user) << "row " << i;
      if (rows[i - 1].user == r.user) {
        ASSERT_LE(rows[i - 1].time, r.time) << "row " << i;
      }
    }
  }
  // Every user has rows; with 60 rows a user on average, every user has at least 10.
  for (std::uint64_t u = 1; u <= o.users; ++u) EXPECT_GE(per_user[u], 10u) << "user " << u;
  // Counts vary with a heavy tail.
  EXPECT_GT(*std::max_element(per_user.begin(), per_user.end()), 4 * o.records / o.users);
  // UserBehavior's mix, about 89.5 / 5.5 / 3 / 2 %.
  const auto share = [&](const char* b) { return double(behaviors[b]) / double(rows.size()); };
  EXPECT_NEAR(share("pv"), 0.895, 0.02);
  EXPECT_NEAR(share("cart"), 0.055, 0.015);
  EXPECT_NEAR(share("fav"), 0.03, 0.01);
  EXPECT_NEAR(share("buy"), 0.02, 0.01);
}

TEST(Generator, TinyAndOneUserInstances) {
  TempDir dir;
  GeneratorOptions o;
  o.items = 2;
  o.users = 1;
  o.records = 1;
  const GeneratorSummary s = generate_behavior_log(o, dir.file("t.csv"), dir.file("t.tsv"));
  EXPECT_EQ(s.rows, 1u);
  EXPECT_EQ(s.items_used, 1u);
  EXPECT_EQ(s.categories, 1u);
  ASSERT_EQ(read_rows(dir.file("t.csv")).size(), 1u);
  EXPECT_EQ(read_truth(dir.file("t.tsv")).size(), 3u);
  o.items = 100;
  o.records = 5000;  // one user, many sessions
  generate_behavior_log(o, dir.file("u.csv"));
  const auto rows = read_rows(dir.file("u.csv"));
  ASSERT_EQ(rows.size(), 5000u);
  for (std::size_t i = 1; i < rows.size(); ++i) ASSERT_LE(rows[i - 1].time, rows[i].time);
  EXPECT_GT(rows.back().time - rows.front().time, 3 * 86400) << "sessions span the days";
}

TEST(Generator, TruthDescribesTheHiddenTree) {
  TempDir dir;
  GeneratorOptions o = small_options();
  o.items = 20000;
  const GeneratorSummary s = generate_behavior_log(o, dir.file("x.csv"), dir.file("x.tsv"));
  const HiddenShape shape = hidden_shape(o.items);
  EXPECT_EQ(s.shape.leaf_groups, shape.leaf_groups);
  const std::vector<Truth> truth = read_truth(dir.file("x.tsv"));
  ASSERT_EQ(truth.size(), o.items + 1);
  std::vector<std::uint64_t> group_size(shape.leaf_groups, 0);
  for (std::uint64_t item = 1; item <= o.items; ++item) {
    const Truth& t = truth[item];
    ASSERT_LT(t.leaf_group, shape.leaf_groups);
    EXPECT_EQ(t.code, shape.leaf_groups - 1 + t.leaf_group);
    EXPECT_EQ(t.interest_node, t.leaf_group >> (shape.hidden_levels - shape.interest_level));
    ASSERT_GE(t.category, 1u);
    ASSERT_LE(t.category, s.categories);
    ++group_size[t.leaf_group];
  }
  for (const std::uint64_t n : group_size) {
    EXPECT_GE(n, 32u);
    EXPECT_LE(n, 63u);
  }
  // Ids are shuffled: consecutive ids rarely share a leaf group.
  std::uint64_t same = 0;
  for (std::uint64_t item = 2; item <= o.items; ++item)
    same += truth[item].leaf_group == truth[item - 1].leaf_group;
  EXPECT_LT(same, o.items / 50);
  // The CSV's categories are the truth's.
  std::set<std::uint64_t> used;
  for (const Row& r : read_rows(dir.file("x.csv"))) {
    ASSERT_EQ(r.category, truth[r.item].category) << "item " << r.item;
    used.insert(r.item);
  }
  EXPECT_EQ(s.items_used, used.size());
}

double category_agreement(const TempDir& dir, double agreement) {
  GeneratorOptions o = small_options();
  o.items = 10000;
  o.users = 10;
  o.records = 100;
  o.category_agreement = agreement;
  generate_behavior_log(o, dir.file("c.csv"), dir.file("c.tsv"));
  const std::vector<Truth> truth = read_truth(dir.file("c.tsv"));
  std::uint64_t agree = 0;
  for (std::size_t item = 1; item < truth.size(); ++item)
    agree += truth[item].category == truth[item].home_category;
  return double(agree) / double(o.items);
}

TEST(Generator, CategoryAgreementFollowsTheFlag) {
  TempDir dir;
  EXPECT_NEAR(category_agreement(dir, 0.5), 0.5, 0.05);
  EXPECT_NEAR(category_agreement(dir, 0.8), 0.8, 0.05);
  EXPECT_EQ(category_agreement(dir, 1.0), 1.0);
  EXPECT_EQ(category_agreement(dir, 0.0), 0.0);
}

TEST(Generator, PopularityIsPowerLawAndStructureIsPlanted) {
  TempDir dir;
  GeneratorOptions o = small_options();
  o.items = 20000;
  o.users = 1000;
  o.records = 60000;
  generate_behavior_log(o, dir.file("x.csv"), dir.file("x.tsv"));
  const std::vector<Row> rows = read_rows(dir.file("x.csv"));
  const std::vector<Truth> truth = read_truth(dir.file("x.tsv"));
  ASSERT_EQ(truth.size(), o.items + 1);

  // The top 1% of items hold far more than 1% of the records.
  std::vector<std::uint64_t> count(o.items + 1, 0);
  for (const Row& r : rows) ++count[r.item];
  std::sort(count.begin(), count.end(), std::greater<>());
  std::uint64_t top = 0;
  for (std::uint64_t i = 0; i < o.items / 100; ++i) top += count[i];
  EXPECT_GT(double(top) / double(rows.size()), 0.10);

  // The next (different) item shares the previous one's interest node far more often than
  // two independent draws from the same node popularity would (sum of squared shares).
  std::map<std::uint64_t, double> node_share;
  for (const Row& r : rows) node_share[truth[r.item].interest_node] += 1.0 / double(rows.size());
  double chance = 0;
  for (const auto& [node, p] : node_share) chance += p * p;
  std::uint64_t pairs = 0, same_node = 0, same_category = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].user != rows[i - 1].user || rows[i].item == rows[i - 1].item) continue;
    ++pairs;
    same_node += truth[rows[i].item].interest_node == truth[rows[i - 1].item].interest_node;
    same_category += rows[i].category == rows[i - 1].category;
  }
  ASSERT_GT(pairs, rows.size() / 2);
  const double same_rate = double(same_node) / double(pairs);
  EXPECT_GT(same_rate, 0.5);
  EXPECT_GT(same_rate, 5 * chance) << "chance " << chance;
  // Categories only partly follow the hierarchy: they predict the next item less well.
  EXPECT_LT(double(same_category) / double(pairs), same_rate);
}

void expect_invalid(const GeneratorOptions& o, const std::string& fragment) {
  TempDir dir;
  try {
    generate_behavior_log(o, dir.file("bad.csv"));
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad.csv")));
}

TEST(Generator, RejectsBadOptions) {
  GeneratorOptions o = small_options();
  o.items = 1;
  expect_invalid(o, "--items 1: expected a whole number >= 2");
  o = small_options();
  o.users = 0;
  expect_invalid(o, "--users 0: expected a whole number >= 1");
  o = small_options();
  o.records = 199;
  expect_invalid(o, "--records (199) must be at least --users (200)");
  o = small_options();
  o.category_agreement = 1.5;
  expect_invalid(o, "--category-agreement 1.5: expected a number from 0 to 1");
  o.category_agreement = std::numeric_limits<double>::quiet_NaN();
  expect_invalid(o, "--category-agreement nan: expected a number from 0 to 1");
  o = small_options();
  o.categories = 3001;
  expect_invalid(o, "--categories (3001) must not exceed --items (3000)");
  o = small_options();
  o.items = std::uint64_t{1} << 33;
  expect_invalid(o, "--items 8589934592: expected a whole number from 2 to 4294967295");
}

TEST(Generator, BadTruthPathLeavesNoFiles) {
  TempDir dir;
  try {
    generate_behavior_log(small_options(), dir.file("x.csv"), dir.file("missing/x.tsv"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing/x.tsv: cannot create"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(Generator, CliRejectsBadFlags) {
  TempDir dir;
  const std::string out = " --out " + dir.file("x.csv");
  auto r = test::run_cli("generate --items 10 --users 5 --records 4" + out);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--records (4) must be at least --users (5)"), std::string::npos) << r.err;
  r = test::run_cli("generate --items 10 --users 5 --records 50 --categories 11" + out);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--categories (11) must not exceed --items (10)"), std::string::npos) << r.err;
  r = test::run_cli("generate --items 10 --users 5 --records 50 --category-agreement -0.1" + out);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--category-agreement"), std::string::npos) << r.err;
  r = test::run_cli("generate --items -5 --users 5 --records 50" + out);  // no wrap-around
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--items '-5': expected a whole number >= 2"), std::string::npos)
      << r.err;
  r = test::run_cli("generate --items 10 --users 5 --records 1e3" + out);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--records '1e3': expected a whole number"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.csv")));
}

}  // namespace
}  // namespace treerec
