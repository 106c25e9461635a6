#include "treerec/data/behavior_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

using test::TempDir;
using test::write_file;

std::vector<std::string> names(const StringTable& t) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < t.size(); ++i) out.emplace_back(t[i]);
  return out;
}

using Strings = std::vector<std::string>;
using U32 = std::vector<std::uint32_t>;
using I64 = std::vector<std::int64_t>;
using U8 = std::vector<std::uint8_t>;

ReadOptions options(LogFormat format, const std::string& input) {
  ReadOptions o;
  o.format = format;
  o.input = input;
  o.threads = 2;
  return o;
}

std::string error_of(const ReadOptions& o) {
  try {
    read_behavior_log(o);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

#define EXPECT_CONTAINS(text, fragment) \
  EXPECT_NE(std::string(text).find(fragment), std::string::npos) << "in: " << (text)

TEST(LogFormat, ParsesAndNamesEveryFormat) {
  for (auto f : {LogFormat::userbehavior, LogFormat::amazon, LogFormat::movielens, LogFormat::csv})
    EXPECT_EQ(parse_log_format(log_format_name(f)), f);
  EXPECT_STREQ(log_format_name(LogFormat::movielens), "movielens");
  try {
    parse_log_format("taobao");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "unknown log format \"taobao\"");
    EXPECT_CONTAINS(e.what(), "userbehavior, amazon, movielens, csv");
  }
}

TEST(UserBehaviorLog, MapsIdsInFirstAppearanceOrder) {
  TempDir dir;
  const auto path = dir.file("ub.csv");
  write_file(path,
             "100,7,3,pv,1511544070\n"
             "100,8,4,buy,1511544071\n"
             "5,7,9,pv,1511544072\n"  // item 7 seen again with another category: keeps 3
             "abc,x1,cat,fav,0\n"
             "100,x1,3,cart,253402300799\n"
             "5,007,3,pv,12\n");  // "007" is not item 7
  const BehaviorLog log = read_behavior_log(options(LogFormat::userbehavior, path));
  EXPECT_EQ(names(log.user_ids), (Strings{"100", "5", "abc"}));
  EXPECT_EQ(names(log.item_ids), (Strings{"7", "8", "x1", "007"}));
  EXPECT_EQ(names(log.category_ids), (Strings{"3", "4", "cat"}));
  EXPECT_EQ(names(log.behavior_types), (Strings{"pv", "buy", "fav", "cart"}));
  EXPECT_EQ(log.item_category, (U32{0, 1, 2, 0}));
  EXPECT_EQ(log.user, (U32{0, 0, 1, 2, 0, 1}));
  EXPECT_EQ(log.item, (U32{0, 1, 0, 2, 2, 3}));
  EXPECT_EQ(log.time, (I64{1511544070, 1511544071, 1511544072, 0, 253402300799, 12}));
  EXPECT_EQ(log.behavior, (U8{0, 1, 0, 2, 3, 0}));
  EXPECT_EQ(log.records(), 6u);
  EXPECT_EQ(log.lines_read, 6u);
  EXPECT_EQ(log.skipped_lines, 0u);
  EXPECT_EQ(log.items_without_category, 0u);
  // Items 7 (3, then 9) and x1 ("cat", then 3) have two categories; each counts once.
  EXPECT_EQ(log.items_with_several_categories, 2u);
  EXPECT_EQ(log.several_categories_example, "item '7' under '3', then '9'");
}

TEST(UserBehaviorLog, AcceptsCrlfBomBlankLinesAndNoFinalNewline) {
  TempDir dir;
  const auto path = dir.file("ub.csv");
  write_file(path, "\xEF\xBB\xBF" "1,2,3,pv,10\r\n\r\n   \n1,4,3,buy,11\r\n\n2,2,3,pv,12");
  const BehaviorLog log = read_behavior_log(options(LogFormat::userbehavior, path));
  EXPECT_EQ(names(log.user_ids), (Strings{"1", "2"}));
  EXPECT_EQ(names(log.item_ids), (Strings{"2", "4"}));
  EXPECT_EQ(names(log.behavior_types), (Strings{"pv", "buy"}));
  EXPECT_EQ(log.time, (I64{10, 11, 12}));
  EXPECT_EQ(log.lines_read, 3u);
}

struct BadCase {
  const char* text;
  const char* message;
};

TEST(UserBehaviorLog, MalformedLinesNameFileLineAndProblem) {
  TempDir dir;
  const auto path = dir.file("ub.csv");
  const BadCase cases[] = {
      {"1,2,3,pv,10\n1,2,3,pv\n", "ub.csv:2: expected 5 fields, found 4"},
      {"1,2,3,pv,10\n\n1,2,3,pv,10,7\n", "ub.csv:3: expected 5 fields, found 6"},
      {"1,2,3,pv,10\n1,2,3,pv,ten\n", "ub.csv:2: field 'timestamp' is not an integer: \"ten\""},
      {"1,2,3,pv,1.5\n", "ub.csv:1: field 'timestamp' is not an integer: \"1.5\""},
      {"1,2,3,pv,10\n1,2,3,pv,-5\n", "ub.csv:2: field 'timestamp' is out of range: \"-5\" is negative"},
      {"1,2,3,pv,10\n1,2,3,pv,253402300800\n", "ub.csv:2: field 'timestamp' is out of range"},
      {"1,2,3,pv,10\n1,2,3,pv,9223372036854775808\n", "is after the year 9999"},
      {"1,2,3,pv,10\n1,2,3,pv,\n", "ub.csv:2: field 'timestamp' is empty"},
      {"1,2,3,pv,10\n,2,3,pv,10\n", "ub.csv:2: field 'user' is empty"},
      {"1,2,3,pv,10\n1,,3,pv,10\n", "ub.csv:2: field 'item' is empty"},
      {"1,2,3,pv,10\n1,2,,pv,10\n", "ub.csv:2: field 'category' is empty"},
      {"1,2,3,pv,10\n1,2,3,,10\n", "ub.csv:2: field 'behavior' is empty"},
      {"1,2,3,pv,10\r\n1,\"2,3,pv,10\r\n", "ub.csv:2: field 2: quoted field is not closed"},
      {"user_id,item_id,category_id,behavior_type,timestamp\n1,2,3,pv,10\n",
       "ub.csv:1: field 'timestamp' is not an integer: \"timestamp\" (this format has no header line)"},
      {"\n\nuser,item,category,behavior,time\n1,2,3,pv,10\n", ":3: field 'timestamp' is not an integer: \"time\" "
                                                              "(this format has no header line)"},
  };
  for (const auto& c : cases) {
    write_file(path, c.text);
    EXPECT_CONTAINS(error_of(options(LogFormat::userbehavior, path)), c.message);
  }
}

TEST(UserBehaviorLog, SkipBadLinesCountsThem) {
  TempDir dir;
  const auto path = dir.file("ub.csv");
  write_file(path,
             "user,item,category,behavior,timestamp\n"
             "1,2,3,pv,10\n"
             "1,2,3\n"
             "\n"
             "1,5,3,pv,x\n"
             "2,5,6,buy,11\n");
  auto o = options(LogFormat::userbehavior, path);
  EXPECT_CONTAINS(error_of(o), "ub.csv:1:");
  o.skip_bad_lines = true;
  const BehaviorLog log = read_behavior_log(o);
  EXPECT_EQ(log.records(), 2u);
  EXPECT_EQ(log.lines_read, 5u);
  EXPECT_EQ(log.skipped_lines, 3u);
  EXPECT_EQ(names(log.item_ids), (Strings{"2", "5"}));
  EXPECT_EQ(log.item_category, (U32{0, 1}));
}

TEST(UserBehaviorLog, EmptyMissingAndAllBadFiles) {
  TempDir dir;
  const auto path = dir.file("ub.csv");
  write_file(path, "");
  EXPECT_CONTAINS(error_of(options(LogFormat::userbehavior, path)), "ub.csv: the file is empty");
  write_file(path, "\xEF\xBB\xBF\r\n\n  \n");
  EXPECT_CONTAINS(error_of(options(LogFormat::userbehavior, path)), "ub.csv: the file is empty");
  EXPECT_CONTAINS(error_of(options(LogFormat::userbehavior, dir.file("absent.csv"))),
                  "absent.csv: cannot open: No such file or directory");
  EXPECT_CONTAINS(error_of(options(LogFormat::userbehavior, dir.path().string())), "is a directory");
  write_file(path, "a,b\nc,d\n");
  auto o = options(LogFormat::userbehavior, path);
  o.skip_bad_lines = true;
  EXPECT_CONTAINS(error_of(o), "ub.csv: no valid records: all 2 data lines are malformed");
}

TEST(AmazonLog, CategoriesFromTheSideFile) {
  TempDir dir;
  const auto ratings = dir.file("ratings_Books.csv");
  const auto meta = dir.file("item_category.csv");
  write_file(ratings,
             "A1,B0001,5.0,1000\n"
             "A2,B0002,3.0,1001\n"
             "A1,B0003,4.0,1002\n"  // not in the side file
             "A3,B0001,1.0,1003\n");
  write_file(meta,
             "B0002,\"Books, Fiction\"\n"
             "B0001,Books\n"
             "B0001,Music\n"  // listed twice: the first category stays
             "B9999,Unused\n");
  auto o = options(LogFormat::amazon, ratings);
  o.side_file = meta;
  const BehaviorLog log = read_behavior_log(o);
  EXPECT_EQ(names(log.user_ids), (Strings{"A1", "A2", "A3"}));
  EXPECT_EQ(names(log.item_ids), (Strings{"B0001", "B0002", "B0003"}));
  EXPECT_EQ(names(log.category_ids), (Strings{"Books", "Books, Fiction", "(none)"}));
  EXPECT_EQ(log.item_category, (U32{0, 1, 2}));
  EXPECT_EQ(names(log.behavior_types), (Strings{"rating"}));
  EXPECT_EQ(log.behavior, (U8{0, 0, 0, 0}));
  EXPECT_EQ(log.user, (U32{0, 1, 0, 2}));
  EXPECT_EQ(log.item, (U32{0, 1, 2, 0}));
  EXPECT_EQ(log.time, (I64{1000, 1001, 1002, 1003}));
  EXPECT_EQ(log.items_without_category, 1u);
  EXPECT_EQ(log.items_with_several_categories, 1u);
  EXPECT_EQ(log.several_categories_example, "item 'B0001' under 'Books', then 'Music'");
}

TEST(AmazonLog, Errors) {
  TempDir dir;
  const auto ratings = dir.file("ratings.csv");
  const auto meta = dir.file("meta.csv");
  write_file(ratings, "A1,B1,5.0,1000\n");
  auto o = options(LogFormat::amazon, ratings);
  EXPECT_CONTAINS(error_of(o), "needs the item-to-category file");
  o.side_file = meta;
  EXPECT_CONTAINS(error_of(o), "meta.csv: cannot open");
  write_file(meta, "B1,Books\nB2\n");
  EXPECT_CONTAINS(error_of(o), "meta.csv:2: expected 2 fields, found 1");
  write_file(meta, "B1,Books\nB2,\n");
  EXPECT_CONTAINS(error_of(o), "meta.csv:2: field 'category' is empty");
  o.skip_bad_lines = true;
  EXPECT_EQ(read_behavior_log(o).skipped_lines, 1u);
  o.skip_bad_lines = false;
  write_file(meta, "B1,Books\n");
  write_file(ratings, "user,item,rating,timestamp\nA1,B1,5.0,1000\n");
  EXPECT_CONTAINS(error_of(o), "ratings.csv:1: field 'timestamp' is not an integer: \"timestamp\" (this format has no header line)");
  write_file(ratings, "A1,B1,5.0,1000\nA1,B1,1000\n");
  EXPECT_CONTAINS(error_of(o), "ratings.csv:2: expected 4 fields, found 3");
}

TEST(MovieLensLog, FirstGenreQuotedTitlesAndDefaultMoviesFile) {
  TempDir dir;
  const auto ratings = dir.file("ratings.csv");
  write_file(ratings,
             "userId,movieId,rating,timestamp\r\n"
             "1,11,4.0,964982703\r\n"
             "1,29,4.0,964981247\r\n"
             "2,11,3.5,964982224\r\n"
             "2,1,2.0,964983815\r\n");
  write_file(dir.file("movies.csv"),
             "\xEF\xBB\xBFmovieId,title,genres\r\n"
             "1,Toy Story (1995),Adventure|Animation|Children\r\n"
             "11,\"American President, The (1995)\",Comedy|Drama|Romance\r\n"
             "29,\"City of \"\"Lost\"\" Children, The (1995)\",(no genres listed)\r\n");
  const BehaviorLog log = read_behavior_log(options(LogFormat::movielens, ratings));
  EXPECT_EQ(names(log.user_ids), (Strings{"1", "2"}));
  EXPECT_EQ(names(log.item_ids), (Strings{"11", "29", "1"}));
  EXPECT_EQ(names(log.category_ids), (Strings{"Comedy", "(no genres listed)", "Adventure"}));
  EXPECT_EQ(log.item_category, (U32{0, 1, 2}));
  EXPECT_EQ(names(log.behavior_types), (Strings{"rating"}));
  EXPECT_EQ(log.time, (I64{964982703, 964981247, 964982224, 964983815}));
  EXPECT_EQ(log.items_without_category, 0u);
  EXPECT_EQ(log.lines_read, 4u);
}

TEST(MovieLensLog, HeaderErrorsNameTheExpectedColumn) {
  TempDir dir;
  const auto ratings = dir.file("ratings.csv");
  const auto movies = dir.file("movies.csv");
  write_file(movies, "movieId,title,genres\n1,A,Drama\n");
  auto o = options(LogFormat::movielens, ratings);
  write_file(ratings, "user,movieId,rating,timestamp\n1,1,4.0,10\n");
  std::string e = error_of(o);
  EXPECT_CONTAINS(e, "ratings.csv:1: the header has no column 'userId'");
  EXPECT_CONTAINS(e, "user, movieId, rating, timestamp");
  write_file(ratings, "userId,movieId,rating\n1,1,4.0\n");
  EXPECT_CONTAINS(error_of(o), "ratings.csv:1: the header has no column 'timestamp'");
  write_file(ratings, "userId,movieId,rating,timestamp\n1,1,4.0\n");
  EXPECT_CONTAINS(error_of(o), "ratings.csv:2: expected 4 fields (as in the header), found 3");
  write_file(ratings, "userId,movieId,rating,timestamp\n1,1,4.0,1e9\n");
  EXPECT_CONTAINS(error_of(o), "ratings.csv:2: field 'timestamp' is not an integer: \"1e9\"");
  write_file(ratings, "userId,movieId,rating,timestamp\n");
  EXPECT_CONTAINS(error_of(o), "ratings.csv: has a header line but no data lines");
  write_file(ratings, "userId,movieId,rating,timestamp\n1,1,4.0,10\n");
  write_file(movies, "movieId,name,genres\n1,A\n");
  EXPECT_CONTAINS(error_of(o), "movies.csv:2: expected 3 fields (as in the header), found 2");
  write_file(movies, "id,title,genres\n1,A,Drama\n");
  EXPECT_CONTAINS(error_of(o), "movies.csv:1: the header has no column 'movieId'");
  write_file(movies, "movieId,title,genres\n1,\"A,Drama\n");
  EXPECT_CONTAINS(error_of(o), "movies.csv:2: field 2: quoted field is not closed");
  o.side_file = dir.file("elsewhere.csv");
  e = error_of(o);
  EXPECT_CONTAINS(e, "elsewhere.csv: cannot open");
  EXPECT_CONTAINS(e, "side_file");
}

TEST(CsvLog, NamedColumnsInAnyOrder) {
  TempDir dir;
  const auto path = dir.file("log.csv");
  write_file(path,
             "ts,kind,item id,extra,who,cat\n"
             "30,click,\"i,1\",x,u1,c1\n"
             "10,buy,i2,,u2,c2\n"
             "20,click,\"i,1\",\"say \"\"hi\"\"\",u1,c9\n");
  auto o = options(LogFormat::csv, path);
  o.user_col = "who";
  o.item_col = "item id";
  o.category_col = "cat";
  o.time_col = "ts";
  o.behavior_col = "kind";
  const BehaviorLog log = read_behavior_log(o);
  EXPECT_EQ(names(log.user_ids), (Strings{"u1", "u2"}));
  EXPECT_EQ(names(log.item_ids), (Strings{"i,1", "i2"}));
  EXPECT_EQ(names(log.category_ids), (Strings{"c1", "c2"}));
  EXPECT_EQ(names(log.behavior_types), (Strings{"click", "buy"}));
  EXPECT_EQ(log.item_category, (U32{0, 1}));
  EXPECT_EQ(log.user, (U32{0, 1, 0}));
  EXPECT_EQ(log.item, (U32{0, 1, 0}));
  EXPECT_EQ(log.time, (I64{30, 10, 20}));
  EXPECT_EQ(log.behavior, (U8{0, 1, 0}));
}

TEST(CsvLog, OptionalColumnsAbsentAndTsv) {
  TempDir dir;
  const auto path = dir.file("log.tsv");
  write_file(path, "user\titem\trating\nu 1\ta,b\t5\nu2\t\"q\"\"x\"\t4\nu 1\tz\t3\n");
  auto o = options(LogFormat::csv, path);
  o.user_col = "user";
  o.item_col = "item";
  const BehaviorLog log = read_behavior_log(o);
  EXPECT_EQ(names(log.user_ids), (Strings{"u 1", "u2"}));
  EXPECT_EQ(names(log.item_ids), (Strings{"a,b", "q\"x", "z"}));
  EXPECT_EQ(names(log.category_ids), (Strings{"none"}));
  EXPECT_EQ(log.item_category, (U32{0, 0, 0}));
  EXPECT_EQ(names(log.behavior_types), (Strings{"event"}));
  EXPECT_EQ(log.time, (I64{0, 1, 2}));  // input order
  // An explicit delimiter wins over the file name.
  write_file(path, "user;item\n1;2\n");
  o.delimiter = ';';
  EXPECT_EQ(read_behavior_log(o).records(), 1u);
}

TEST(CsvLog, Errors) {
  TempDir dir;
  const auto path = dir.file("log.csv");
  write_file(path, "user,item,time\n1,2,3\n");
  auto o = options(LogFormat::csv, path);
  EXPECT_CONTAINS(error_of(o), "needs the names of the user and item columns");
  o.user_col = "user";
  o.item_col = "item";
  o.time_col = "timestamp";
  std::string e = error_of(o);
  EXPECT_CONTAINS(e, "log.csv:1: the header has no column 'timestamp' (named by time_col");
  EXPECT_CONTAINS(e, "user, item, time");
  o.time_col = "time";
  o.category_col = "category";
  EXPECT_CONTAINS(error_of(o), "the header has no column 'category' (named by category_col");
  o.category_col.clear();
  write_file(path, "user,item,time\n1,2,3\n1,2,3,4\n");
  EXPECT_CONTAINS(error_of(o), "log.csv:3: expected 3 fields (as in the header), found 4");
  write_file(path, "user,item,time\n1,2,3\n1,2,\"3\"x\n");
  EXPECT_CONTAINS(error_of(o), "log.csv:3: field 3: unexpected text after the closing quote");
  write_file(path, "user,item,time\n1,2,-3\n");
  EXPECT_CONTAINS(error_of(o), "log.csv:2: field 'time' is out of range");
  write_file(path, "");
  EXPECT_CONTAINS(error_of(o), "log.csv: the file is empty");
}

}  // namespace
}  // namespace treerec
