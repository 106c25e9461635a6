// Behaviour-log readers (ALGORITHMS §2.1): each format is described to the shared parallel scanner
// (data/log_scanner.h) as a line layout plus a source of item categories.
//
// Why the CSV parsing is hand-written: `prepare` must read a 100M-record (~4 GB) log at
// millions of records per second on two cores, in memory bounded by the prepared dataset, and
// report every malformed line with its exact 1-based line number. No CSV parser packaged in
// Debian does that: libcsv and the header-only parsers read sequentially through callbacks or
// copy each field into a std::string, none splits a memory-mapped file into blocks parsed in
// parallel, and their error positions are byte offsets or absent. The dialect we need is small
// (data/csv_scan.h), so a few hundred lines do it at memory speed.
#include "treerec/data/behavior_log.h"

#include <cctype>
#include <deque>
#include <filesystem>

#include <absl/container/flat_hash_set.h>

#include "treerec/data/csv_scan.h"
#include "treerec/data/log_scanner.h"
#include "treerec/io/mapped_file.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

using detail::LineLayout;
using detail::ScanInput;

constexpr const char* kFormatNames[] = {"userbehavior", "amazon", "movielens", "csv"};

struct FirstLine {
  csv::Line line;
  std::uint64_t number = 0;  // 1-based
};

// The first non-blank line after an optional byte order mark; throws if there is none.
FirstLine first_line(const MappedFile& file, std::string_view expected) {
  const char* end = file.data() + file.size();
  const char* p = file.data() + csv::bom_size(file.view());
  std::uint64_t number = 0;
  while (p < end) {
    const csv::Line line = csv::next_line(p, end);
    ++number;
    if (!csv::is_blank(line.begin, line.end)) return {line, number};
    p = line.next;
  }
  fail(file.path(), ": the file is empty (expected ", expected, ")");
}

std::vector<std::string> header_columns(const MappedFile& file, const FirstLine& header, char delim) {
  const auto count = csv::split_fields(header.line.begin, header.line.end, delim, nullptr, 0);
  if (count.status != csv::SplitStatus::ok)
    fail(file.path(), ":", header.number, ": header line: ", csv::describe(count));
  std::vector<csv::Field> fields(count.fields);
  csv::split_fields(header.line.begin, header.line.end, delim, fields.data(), fields.size());
  std::vector<std::string> columns;
  for (const auto& f : fields) columns.push_back(csv::field_value(f));
  return columns;
}

std::string join(const std::vector<std::string>& columns) {
  std::string s;
  for (const auto& c : columns) s += (s.empty() ? "" : ", ") + c;
  return s;
}

// The index of the column named `name`; throws naming the expected column if it is absent.
int column_index(const MappedFile& file, const FirstLine& header, const std::vector<std::string>& columns,
                 const std::string& name, std::string_view hint) {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return static_cast<int>(i);
  fail(file.path(), ":", header.number, ": the header has no column '", name, "' (", hint,
       "; the header's columns are: ", join(columns), ")");
}

// An item -> category side file (amazon) or movies.csv (movielens), read sequentially: it is
// small next to the log. Keys and values view the mapped file, or `owned` for quoted fields
// with doubled quotes.
struct SideCategories {
  MappedFile file;
  std::deque<std::string> owned;
  detail::CategoryMap map;
  std::uint64_t skipped = 0;
  std::uint64_t several = 0;  // items listed again under another category
  std::string example;        // the first of them
  absl::flat_hash_set<std::string_view> counted;
};

struct SideLayout {
  bool header = false;
  std::size_t fields = 2;
  int item = 0, category = 1;
  std::vector<std::string> names{"item", "category"};
  bool first_genre = false;  // the category is the text before the first '|'
};

std::string_view side_value(SideCategories& side, const csv::Field& f) {
  if (!f.escaped) return f.raw();
  side.owned.push_back(csv::field_value(f));
  return side.owned.back();
}

// Adds one line to side.map; returns what is wrong with it, or "" if nothing is.
std::string side_line(SideCategories& side, const SideLayout& layout, const csv::Line& line,
                      std::vector<csv::Field>& fields) {
  const auto split = csv::split_fields(line.begin, line.end, ',', fields.data(), fields.size());
  if (split.status != csv::SplitStatus::ok) return csv::describe(split);
  if (split.fields != layout.fields)
    return cat("expected ", layout.fields, " fields", layout.header ? " (as in the header)" : "", ", found ",
               split.fields);
  const auto& item = fields[static_cast<std::size_t>(layout.item)];
  const auto& category = fields[static_cast<std::size_t>(layout.category)];
  if (item.size == 0) return cat("field '", layout.names[static_cast<std::size_t>(layout.item)], "' is empty");
  std::string_view value = side_value(side, category);
  if (layout.first_genre) value = value.substr(0, value.find('|'));
  if (value.empty()) return cat("field '", layout.names[static_cast<std::size_t>(layout.category)], "' is empty");
  const std::string_view key = side_value(side, item);
  const auto [it, added] = side.map.try_emplace(key, value);  // an item listed twice keeps its first category
  if (!added && it->second != value && side.counted.insert(key).second && side.several++ == 0)
    side.example = cat("item '", key, "' under '", it->second, "', then '", value, "'");
  return {};
}

void read_side(SideCategories& side, const std::string& path, SideLayout layout, bool skip_bad_lines,
               std::string_view expected) {
  side.file = MappedFile(path);
  const FirstLine first = first_line(side.file, expected);
  const char* p = first.line.begin;
  std::uint64_t number = first.number - 1;
  if (layout.header) {
    const auto columns = header_columns(side.file, first, ',');
    const std::string hint = cat("expected a header ", expected);
    layout.item = column_index(side.file, first, columns, layout.names[0], hint);
    layout.category = column_index(side.file, first, columns, layout.names[1], hint);
    layout.fields = columns.size();
    layout.names = columns;
    p = first.line.next;
    number = first.number;
  }
  std::vector<csv::Field> fields(layout.fields);
  const char* end = side.file.data() + side.file.size();
  std::uint64_t data_lines = 0;
  while (p < end) {
    const csv::Line line = csv::next_line(p, end);
    p = line.next;
    ++number;
    if (csv::is_blank(line.begin, line.end)) continue;
    ++data_lines;
    const std::string error = side_line(side, layout, line, fields);
    if (error.empty()) continue;
    if (!skip_bad_lines) fail(path, ":", number, ": ", error);
    ++side.skipped;
  }
  if (data_lines == 0) fail(path, ": has a header line but no data lines");
}

bool ends_with_tsv(const std::string& path) {
  if (path.size() < 4) return false;
  std::string ext = path.substr(path.size() - 4);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".tsv";
}

// Headerless formats: the scan starts after the byte order mark, at line 1.
void headerless(ScanInput& in, const MappedFile& file, std::string_view expected) {
  const FirstLine first = first_line(file, expected);
  in.data_begin = csv::bom_size(file.view());
  in.lines_before = 0;
  in.headerless_first_line = first.line.begin;
}

void after_header(ScanInput& in, const MappedFile& file, const FirstLine& header) {
  in.data_begin = static_cast<std::size_t>(header.line.next - file.data());
  in.lines_before = header.number;
}

void setup_userbehavior(ScanInput& in, const MappedFile& file) {
  headerless(in, file, "lines user,item,category,behavior,timestamp");
  in.layout = LineLayout{',', 5, false, 0, 1, 2, 3, 4, {"user", "item", "category", "behavior", "timestamp"}};
}

void setup_amazon(ScanInput& in, const MappedFile& file, const ReadOptions& o, SideCategories& side) {
  if (o.side_file.empty())
    fail("the amazon format needs the item-to-category file (side_file, lines item,category)");
  read_side(side, o.side_file, SideLayout{}, o.skip_bad_lines, "lines item,category");
  headerless(in, file, "lines user,item,rating,timestamp");
  in.layout = LineLayout{',', 4, false, 0, 1, -1, -1, 3, {"user", "item", "rating", "timestamp"}};
  in.side_categories = &side.map;
  in.default_behavior = "rating";
}

void setup_movielens(ScanInput& in, const MappedFile& file, const ReadOptions& o, SideCategories& side) {
  std::string movies = o.side_file;
  if (movies.empty()) movies = (std::filesystem::path(o.input).parent_path() / "movies.csv").string();
  SideLayout layout;
  layout.header = true;
  layout.names = {"movieId", "genres"};
  layout.first_genre = true;
  try {
    read_side(side, movies, layout, o.skip_bad_lines, "movieId,title,genres");
  } catch (const Error& e) {
    if (std::filesystem::exists(movies)) throw;
    fail(e.what(), " (movielens reads genres from movies.csv beside ratings.csv unless side_file names it)");
  }
  const FirstLine header = first_line(file, "the header userId,movieId,rating,timestamp");
  const auto columns = header_columns(file, header, ',');
  const std::string hint = "expected the MovieLens header userId,movieId,rating,timestamp";
  in.layout = LineLayout{',', columns.size(), true, column_index(file, header, columns, "userId", hint),
                         column_index(file, header, columns, "movieId", hint), -1, -1,
                         column_index(file, header, columns, "timestamp", hint), columns};
  after_header(in, file, header);
  in.side_categories = &side.map;
  in.default_behavior = "rating";
}

void setup_csv(ScanInput& in, const MappedFile& file, const ReadOptions& o) {
  if (o.user_col.empty() || o.item_col.empty())
    fail("the csv format needs the names of the user and item columns (user_col, item_col)");
  const char delim = o.delimiter != 0 ? o.delimiter : ends_with_tsv(o.input) ? '\t' : ',';
  if (delim == '"' || delim == '\n' || delim == '\r')
    fail("the csv delimiter cannot be a quote or a line break");
  const FirstLine header = first_line(file, "a header line naming the columns");
  const auto columns = header_columns(file, header, delim);
  auto index = [&](const std::string& name, const char* option) {
    if (name.empty()) return -1;
    return column_index(file, header, columns, name, cat("named by ", option));
  };
  in.layout = LineLayout{delim, columns.size(), true, index(o.user_col, "user_col"), index(o.item_col, "item_col"),
                         index(o.category_col, "category_col"), index(o.behavior_col, "behavior_col"),
                         index(o.time_col, "time_col"), columns};
  after_header(in, file, header);
  in.default_category = "none";
  in.default_behavior = "event";
}

}  // namespace

const ParamTable<ReadOptions>& read_params() {
  using T = ParamType;
  static const ParamTable<ReadOptions> table = [] {
    ParamTable<ReadOptions> p("reading a behaviour log");
    std::vector<std::pair<std::string, LogFormat>> formats;
    for (std::size_t i = 0; i < std::size(kFormatNames); ++i) formats.emplace_back(kFormatNames[i], static_cast<LogFormat>(i));
    p.add_enum({.name = "format", .help = "log format (docs/FORMATS.md)"}, &ReadOptions::format, formats)
        .add({.name = "side_file", .type = T::text,
              .help = "amazon: the item,category file; movielens: movies.csv (empty: the one beside the log)"},
             &ReadOptions::side_file)
        .add({.name = "user_col", .type = T::text, .help = "csv: user column name"}, &ReadOptions::user_col)
        .add({.name = "item_col", .type = T::text, .help = "csv: item column name"}, &ReadOptions::item_col)
        .add({.name = "category_col", .type = T::text, .help = "csv: category column name (optional)"},
             &ReadOptions::category_col)
        .add({.name = "time_col", .type = T::text, .help = "csv: timestamp column name (optional)"},
             &ReadOptions::time_col)
        .add({.name = "behavior_col", .type = T::text, .help = "csv: behaviour column name (optional)"},
             &ReadOptions::behavior_col)
        .add_via({.name = "delimiter", .type = T::text,
                  .help = "csv: the field delimiter, one character or \"tab\" (empty: tab for *.tsv, comma otherwise)"},
                 [](const ReadOptions& o) -> ParamValue {
                   return o.delimiter == 0 ? std::string() : o.delimiter == '\t' ? std::string("tab") : std::string(1, o.delimiter);
                 },
                 [](ReadOptions& o, const ParamValue& v) {
                   const auto& text = std::get<std::string>(v);
                   if (text.size() > 1 && text != "tab" && text != "\\t") fail("expected one character or \"tab\"");
                   o.delimiter = text.empty() ? 0 : text.size() > 1 ? '\t' : text[0];
                 })
        .add({.name = "skip_bad_lines", .type = T::boolean, .help = "skip and count malformed lines instead of failing"},
             &ReadOptions::skip_bad_lines);
    return p;
  }();
  return table;
}

LogFormat parse_log_format(const std::string& name) {
  for (std::size_t i = 0; i < std::size(kFormatNames); ++i)
    if (name == kFormatNames[i]) return static_cast<LogFormat>(i);
  fail("unknown log format \"", name, "\" (expected one of: userbehavior, amazon, movielens, csv)");
}

const char* log_format_name(LogFormat format) {
  const auto i = static_cast<std::size_t>(format);
  TR_CHECK(i < std::size(kFormatNames), "log format ", i);
  return kFormatNames[i];
}

BehaviorLog read_behavior_log(const ReadOptions& o) {
  if (o.input.empty()) fail("no behaviour log given (input is empty)");
  SideCategories side;
  const MappedFile file(o.input);
  ScanInput in;
  in.path = o.input;
  in.file = &file;
  in.skip_bad_lines = o.skip_bad_lines;
  in.threads = o.threads;
  switch (o.format) {
    case LogFormat::userbehavior:
      setup_userbehavior(in, file);
      break;
    case LogFormat::amazon:
      setup_amazon(in, file, o, side);
      break;
    case LogFormat::movielens:
      setup_movielens(in, file, o, side);
      break;
    case LogFormat::csv:
      setup_csv(in, file, o);
      break;
  }
  BehaviorLog log;
  detail::scan_log(in, log);
  log.skipped_lines += side.skipped;
  log.items_with_several_categories += side.several;
  if (log.several_categories_example.empty()) log.several_categories_example = side.example;
  if (log.records() == 0) {
    if (log.lines_read == 0) fail(o.input, ": has a header line but no data lines");
    fail(o.input, ": no valid records: all ", log.lines_read, " data lines are malformed and were skipped");
  }
  return log;
}

}  // namespace treerec
