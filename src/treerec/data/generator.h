// The synthetic behaviour-log generator behind `treerec generate` (docs/GENERATOR.md).
//
// It writes a Taobao UserBehavior-format CSV (`user,item,category,behavior,timestamp`, no
// header; rows grouped by user, each user's rows in time order) whose items carry a planted,
// hidden hierarchy: a learned tree can find it, the category tree only partly (categories
// agree with the hierarchy for a chosen fraction of items). Ids reveal nothing: items and
// categories are randomly permuted. Output is a pure function of the options other than
// `threads` and the tuning fields: byte-identical for any thread count.
#pragma once

#include <cstdint>
#include <string>

#include "treerec/util/params.h"

namespace treerec {

// The time span of the generated timestamps, like UserBehavior's:
// [2017-11-25 00:00:00, 2017-12-04 00:00:00) in UTC+8, as unix seconds.
inline constexpr std::int64_t kGeneratedTimeBegin = 1511539200;
inline constexpr std::int64_t kGeneratedTimeEnd = 1512316800;

// UserBehavior has 4.16M items in 9.4k categories: about 440 items per category.
inline constexpr std::uint64_t kItemsPerCategory = 440;

struct GeneratorOptions {
  std::uint64_t items = 10000;     // >= 2; item ids are 1..items
  std::uint64_t users = 2000;      // >= 1; user ids are 1..users
  std::uint64_t records = 160000;  // exactly this many rows; >= users (every user has a row)
  std::uint64_t seed = 1;
  std::uint64_t categories = 0;     // 0 = default_categories(items); ids are 1..categories
  double category_agreement = 0.5;  // fraction of items whose category is their group's
  int threads = 0;                  // 0 = all cores; never changes the output

  // Performance knobs; they never change the output (tests vary them to prove it).
  std::uint64_t chunk_records = 1 << 15;   // users are generated in chunks of about this many rows
  std::uint64_t stream_records = 1 << 20;  // a user with more rows is streamed to the file alone
  std::uint64_t batch_records = 1 << 22;   // rows buffered in memory between writes, about
};

// max(1, items / 440): UserBehavior's ratio.
std::uint64_t default_categories(std::uint64_t items);

// items, users, records, seed, categories and category_agreement (util/params.h).
const ParamTable<GeneratorOptions>& generator_params();

// Throws Error naming the option through `name` (flags by default: --items, ...) and the bad
// value when an option is out of range or records < users or categories > items.
void validate_generator_options(const GeneratorOptions& options, const ParamNamer& name = flag_names());

// The shape of the planted hierarchy: a balanced binary tree of depth `hidden_levels` whose
// 2^hidden_levels leaves are groups of 32..63 items (one group when items < 64); users'
// interests are nodes at depth `interest_level` (each covering up to 8 leaf groups).
struct HiddenShape {
  std::uint32_t hidden_levels = 0;
  std::uint64_t leaf_groups = 1;
  std::uint32_t interest_level = 0;
  std::uint64_t interest_nodes = 1;
};
HiddenShape hidden_shape(std::uint64_t items);

struct GeneratorSummary {
  std::uint64_t rows = 0;
  std::uint64_t users = 0;
  std::uint64_t items_used = 0;  // distinct items that appear in the log
  std::uint64_t categories = 0;
  HiddenShape shape;
};

// Writes the log to `out_path` (through AtomicFile: complete or not at all). When
// `truth_path` is not empty, also writes the hidden structure there as TSV with a header
// line and one row per item (all items, in item id order):
//   item           the item id, as in the CSV
//   leaf_group     its hidden leaf group, 0 .. leaf_groups-1
//   code           that group's code in the hidden binary tree (ALGORITHMS §1 numbering:
//                  root 0, children 2c+1 and 2c+2; level hidden_levels)
//   interest_node  its ancestor at interest_level, 0 .. interest_nodes-1 (the unit of
//                  users' interests: leaf_group >> (hidden_levels - interest_level))
//   category       its category, as in the CSV
//   home_category  the category aligned with its place in the hidden hierarchy
// Memory: O(items + users) plus buffers bounded by batch_records and stream_records,
// independent of records. Throws Error on invalid options or I/O failure.
GeneratorSummary generate_behavior_log(const GeneratorOptions& options, const std::string& out_path,
                                       const std::string& truth_path = {});

}  // namespace treerec
