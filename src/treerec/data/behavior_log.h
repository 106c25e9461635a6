// Reading raw behaviour logs (ALGORITHMS §2.1): every supported format becomes one BehaviorLog,
// with raw ids (strings or integers, kept as text) mapped to dense ids in order of first
// appearance, and the maps kept so that every output can speak raw ids again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "treerec/io/string_table.h"
#include "treerec/util/params.h"

namespace treerec {

struct BehaviorLog {
  StringTable user_ids;        // dense user id -> raw id
  StringTable item_ids;        // dense item id -> raw id
  StringTable category_ids;    // dense category id -> raw id
  StringTable behavior_types;  // dense behaviour type -> its name ("pv", "buy", "rating", ...)
  std::vector<std::uint32_t> item_category;  // per item: its category (the first one seen)

  // One entry per record, in input order.
  std::vector<std::uint32_t> user;
  std::vector<std::uint32_t> item;
  std::vector<std::int64_t> time;      // unix seconds
  std::vector<std::uint8_t> behavior;  // index into behavior_types

  std::uint64_t lines_read = 0;     // data lines seen (headers and blank lines excluded)
  std::uint64_t skipped_lines = 0;  // malformed lines skipped under skip_bad_lines
  std::uint64_t items_without_category = 0;  // items absent from a category side file
  // Items given more than one category (in the log's category column, or listed twice in a
  // side file); each keeps the first. `several_categories_example` describes the first such
  // item in file order ("item 'x' under 'a', then 'b'"), empty when there is none.
  std::uint64_t items_with_several_categories = 0;
  std::string several_categories_example;

  std::size_t records() const { return user.size(); }
};

enum class LogFormat { userbehavior, amazon, movielens, csv };

struct ReadOptions {
  LogFormat format = LogFormat::userbehavior;
  std::string input;
  // amazon: the item-to-category file (`item,category` per line, no header).
  // movielens: movies.csv (default: movies.csv beside the input).
  std::string side_file;
  // csv: column names from the header line; category, time and behaviour are optional
  // (absent: one category "none", input order as time, behaviour "event").
  std::string user_col, item_col, category_col, time_col, behavior_col;
  char delimiter = 0;  // csv: 0 = '\t' for *.tsv, ',' otherwise
  bool skip_bad_lines = false;
  int threads = 0;  // 0 = all cores
};

// The reader's parameters (util/params.h): format, side_file, the csv column names, delimiter
// and skip_bad_lines (not input and threads, which every command names its own way).
const ParamTable<ReadOptions>& read_params();

// "userbehavior", "amazon", "movielens" or "csv"; throws Error listing these on any other name.
LogFormat parse_log_format(const std::string& name);
const char* log_format_name(LogFormat format);

// Reads the log. The formats:
//   userbehavior  user,item,category,behavior,timestamp (Taobao UserBehavior; no header).
//   amazon        user,item,rating,timestamp (no header) with side_file's item,category lines;
//                 items absent from it get the category "(none)" (items_without_category).
//   movielens     ratings.csv (header naming userId, movieId, timestamp) with movies.csv
//                 (header naming movieId, genres); the category is the first '|' genre.
//   csv           a header line naming the columns; user_col and item_col are required.
// amazon and movielens records have the behaviour type "rating".
//
// Promises:
// - Dense ids follow first appearance in the file, whatever the thread count; a raw id is
//   text ("7" and "007" are different ids). Each item keeps the first category seen for it
//   (items seen with others are counted in items_with_several_categories); category ids
//   follow first appearance as an item's category.
// - Records keep file order; timestamps are integer unix seconds in [0, 253402300799].
// - Lines end in "\n" or "\r\n"; a UTF-8 byte order mark and blank lines are skipped. Fields
//   may be quoted ("a, ""b""") but a record is one line. Extra or missing fields are errors.
// - A malformed line throws Error naming the file, the 1-based line number and what was wrong
//   (e.g. "ratings.csv:17: expected 4 fields, found 3"), unless skip_bad_lines is set: then
//   it is skipped and counted in skipped_lines. An empty file, a missing header column (named
//   in the message), a file with no valid record or one that cannot be opened throw Error.
BehaviorLog read_behavior_log(const ReadOptions& options);

}  // namespace treerec
