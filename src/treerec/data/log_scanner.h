// The parallel scanner behind read_behavior_log (ALGORITHMS §2.1), shared by every log format.
// Internal to data/: the format readers describe the lines (which column is what) and where
// item categories come from; the scanner does the rest:
//
//   for each super-block of the mapped file (bounded size, split at line starts):
//     1. in parallel, one chunk per thread: split lines into compact tokens (integers, or
//        offsets into the file) and look them up, read-only, in the id maps built so far;
//     2. in file order, on one thread: add the ids that were still unknown, so dense ids follow
//        first appearance whatever the thread count;
//     3. in parallel: copy the dense ids and times into the BehaviorLog;
//     4. release the super-block's pages of the mapping, so resident memory stays bounded.
//
// Line numbers stay exact: each chunk counts its lines, and the first error in file order is
// the one reported.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "treerec/data/behavior_log.h"
#include "treerec/io/mapped_file.h"

namespace treerec::detail {

// What each line of the main input holds.
struct LineLayout {
  char delimiter = ',';
  std::size_t fields = 0;  // fields per line
  bool from_header = false;  // the field count comes from a header line (for messages)
  // Column indices; -1 when the format has no such column.
  int user = -1, item = -1, category = -1, behavior = -1, time = -1;
  std::vector<std::string> names;  // the name of each column, for messages
};

using CategoryMap = absl::flat_hash_map<std::string_view, std::string_view>;

struct ScanInput {
  std::string path;  // for messages
  const MappedFile* file = nullptr;
  std::size_t data_begin = 0;       // offset of the first line after any header
  std::uint64_t lines_before = 0;   // lines before data_begin
  // The first non-blank line of a headerless format: errors on it say that the format has no
  // header line. Null for formats with a header.
  const char* headerless_first_line = nullptr;
  LineLayout layout;
  // Where a new item's category comes from: the category column if the layout has one, else
  // this raw item id -> raw category map (items absent from it get "(none)" and are counted),
  // else every item gets the single category `default_category`.
  const CategoryMap* side_categories = nullptr;
  std::string default_category = "none";
  std::string default_behavior = "event";  // when the layout has no behaviour column
  bool skip_bad_lines = false;
  int threads = 0;
};

inline constexpr std::string_view kNoCategory = "(none)";

// Appends the records of `in` to `log`, whose id tables must be empty.
void scan_log(const ScanInput& in, BehaviorLog& log);

// Test hook: block sizes, so that small test files exercise several super-blocks and chunks.
struct BlockSizes {
  std::size_t super_block_per_thread = std::size_t{32} << 20;
  std::size_t min_chunk = std::size_t{1} << 20;  // smaller super-blocks use fewer chunks
};
// Sets the sizes and returns the previous ones.
BlockSizes set_block_sizes(const BlockSizes& sizes);

}  // namespace treerec::detail
