#include "treerec/data/log_scanner.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "treerec/data/csv_scan.h"
#include "treerec/data/id_map.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"

namespace treerec::detail {
namespace {

// A token is one id field of one record, 8 bytes, in one of four forms:
//   bit 63 set:  text at an offset (bits 23..61) of length (bits 0..22) in the file, or in the
//                chunk's buffer of unescaped quoted fields when bit 62 is also set;
//   bit 62 set:  resolved: the low 32 bits are the dense id;
//   bit 61 set:  new in this chunk: the low 32 bits index the chunk's LocalIds;
//   none:        a canonical decimal id (< 10^18, so bits 60..63 are clear).
constexpr std::uint64_t kText = std::uint64_t{1} << 63;
constexpr std::uint64_t kInBuffer = std::uint64_t{1} << 62;
constexpr std::uint64_t kResolved = std::uint64_t{1} << 62;
constexpr std::uint64_t kLocal = std::uint64_t{1} << 61;
constexpr int kLenBits = 23;
constexpr std::uint64_t kMaxLen = (std::uint64_t{1} << kLenBits) - 1;
constexpr std::uint64_t kMaxOffset = (std::uint64_t{1} << 39) - 1;

std::size_t page_size() {
  static const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}


inline bool is_resolved(std::uint64_t token) { return (token >> 62) == 1; }

std::atomic<std::size_t> g_super_block_per_thread{BlockSizes{}.super_block_per_thread};
std::atomic<std::size_t> g_min_chunk{BlockSizes{}.min_chunk};

// The ids of a chunk that the global maps did not hold when the chunk was resolved, numbered
// in order of first appearance within the chunk. Finding them in parallel leaves the one
// sequential step, assign(), with one global lookup per distinct new id instead of one per
// record (in a log grouped by user, every user is new in its block).
struct LocalIds {
  absl::flat_hash_map<std::uint64_t, std::uint32_t> ints;
  absl::flat_hash_map<std::string_view, std::uint32_t> texts;
  std::vector<std::uint64_t> first_token;   // the token of each id's first occurrence
  std::vector<std::uint32_t> first_record;  // and its record
  std::vector<std::uint32_t> global;        // its dense id, set by assign()

  // The local token of `key`, numbering it if it is new here.
  std::uint64_t token(const IdKey& key, std::uint64_t raw_token, std::size_t record) {
    const auto next = static_cast<std::uint32_t>(first_token.size());
    std::uint32_t index = 0;
    bool fresh = false;
    if (key.is_int) {
      const auto r = ints.try_emplace(key.value, next);
      index = r.first->second;
      fresh = r.second;
    } else {
      const auto r = texts.try_emplace(key.text, next);
      index = r.first->second;
      fresh = r.second;
    }
    if (fresh) {
      first_token.push_back(raw_token);
      first_record.push_back(static_cast<std::uint32_t>(record));
    }
    return kLocal | index;
  }
  std::uint32_t id(std::uint64_t token) const {
    return (token & kLocal) ? global[static_cast<std::uint32_t>(token)] : static_cast<std::uint32_t>(token);
  }
  void clear() {
    ints.clear();
    texts.clear();
    first_token.clear();
    first_record.clear();
    global.clear();
  }
};

struct Chunk {
  const char* begin = nullptr;
  const char* end = nullptr;
  std::vector<std::uint64_t> user, item, category, behavior;  // tokens
  std::vector<std::int64_t> time;
  LocalIds new_users, new_items, new_behaviors;
  std::string buffer;              // unescaped quoted ids
  std::vector<csv::Field> fields;  // scratch for splitting
  std::uint64_t lines = 0, data_lines = 0, skipped = 0;
  std::uint64_t error_line = 0;  // 1-based within the chunk; 0 = no error
  std::string error;
  // Records whose category differs from their item's (first) category: (record, item), by copy().
  std::vector<std::pair<std::uint32_t, std::uint32_t>> other_category;

  std::size_t records() const { return item.size(); }
  void reset(const char* b, const char* e) {
    begin = b;
    end = e;
    user.clear();
    item.clear();
    category.clear();
    behavior.clear();
    time.clear();
    new_users.clear();
    new_items.clear();
    new_behaviors.clear();
    buffer.clear();
    other_category.clear();
    lines = data_lines = skipped = error_line = 0;
    error.clear();
  }
};

class Scanner {
 public:
  Scanner(const ScanInput& in, BehaviorLog& log)
      : in_(in),
        layout_(in.layout),
        log_(log),
        base_(in.file->data()),
        size_(in.file->size()),
        users_(&log.user_ids, "user ids"),
        items_(&log.item_ids, "item ids"),
        categories_(&log.category_ids, "categories"),
        behaviors_(&log.behavior_types, "behaviour types", 256) {
    if (size_ > kMaxOffset) fail(in_.path, ": files over 512 GiB are not supported");
    if (layout_.behavior < 0) behaviors_.get_or_add(in_.default_behavior);
    if (layout_.category < 0 && in_.side_categories == nullptr) categories_.get_or_add(in_.default_category);
  }

  void run();

 private:
  std::size_t line_start_at_or_after(std::size_t pos) const;
  void parse(Chunk& c) const;
  bool parse_line(const csv::Line& line, Chunk& c) const;
  bool make_token(Chunk& c, int column, std::uint64_t* token) const;
  [[gnu::cold]] void id_field_error(Chunk& c, int column) const;
  IdKey key_of(const Chunk& c, std::uint64_t token) const;
  void resolve(Chunk& c) const;
  void assign(Chunk& c);
  void copy(Chunk& c, std::size_t offset);
  void count_other_categories(const Chunk& c);
  std::string key_string(const Chunk& c, std::uint64_t token) const;
  std::uint32_t category_of_new_item(const Chunk& c, std::size_t record, const IdKey& item);
  void reserve(std::size_t needed, std::size_t consumed_bytes);
  void release_pages(std::size_t end);

  const ScanInput& in_;
  const LineLayout& layout_;
  BehaviorLog& log_;
  const char* base_;
  std::size_t size_;
  IdMap users_, items_, categories_, behaviors_;
  std::vector<std::uint8_t> several_;  // per item: counted in items_with_several_categories
  std::vector<Chunk> chunks_;
  std::size_t released_ = 0;  // bytes [0, released_) of the mapping were given back
};

std::size_t Scanner::line_start_at_or_after(std::size_t pos) const {
  if (pos >= size_) return size_;
  if (pos == 0 || base_[pos - 1] == '\n') return pos;
  const auto* nl = static_cast<const char*>(std::memchr(base_ + pos, '\n', size_ - pos));
  return nl ? static_cast<std::size_t>(nl - base_) + 1 : size_;
}

void Scanner::run() {
  const int threads = in_.threads > 0 ? in_.threads : default_threads();
  const std::size_t super = std::max<std::size_t>(1, g_super_block_per_thread.load() * static_cast<std::size_t>(threads));
  const std::size_t min_chunk = std::max<std::size_t>(1, g_min_chunk.load());
  chunks_.resize(static_cast<std::size_t>(threads));
  for (auto& c : chunks_) c.fields.resize(layout_.fields);

  std::size_t pos = in_.data_begin;
  std::uint64_t line_base = in_.lines_before;
  while (pos < size_) {
    const std::size_t end = line_start_at_or_after(pos + std::min(super, size_ - pos));
    const std::size_t bytes = end - pos;
    const std::size_t n = std::clamp<std::size_t>(bytes / min_chunk, 1, chunks_.size());
    std::size_t b = pos;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t e = k + 1 == n ? end : std::min(end, line_start_at_or_after(pos + bytes * (k + 1) / n));
      chunks_[k].reset(base_ + b, base_ + e);
      b = e;
    }
    if (end < size_) {  // start reading the next super-block from disk meanwhile
      const std::size_t from = end / page_size() * page_size();
      ::madvise(const_cast<char*>(base_) + from, std::min(super, size_ - from), MADV_WILLNEED);
    }
    parallel_blocks(n, static_cast<int>(n), [&](int, std::size_t first, std::size_t last) {
      for (std::size_t k = first; k < last; ++k) {
        parse(chunks_[k]);
        if (chunks_[k].error_line == 0) resolve(chunks_[k]);
      }
    });

    // The first error in file order; the chunks before it were read to their end.
    for (std::size_t k = 0; k < n; ++k) {
      const Chunk& c = chunks_[k];
      if (c.error_line != 0) fail(in_.path, ":", line_base + c.error_line, ": ", c.error);
      line_base += c.lines;
    }

    std::size_t records = 0;
    for (std::size_t k = 0; k < n; ++k) {
      assign(chunks_[k]);
      records += chunks_[k].records();
      log_.lines_read += chunks_[k].data_lines;
      log_.skipped_lines += chunks_[k].skipped;
    }
    const std::size_t offset = log_.user.size();
    reserve(offset + records, end - in_.data_begin);
    log_.user.resize(offset + records);
    log_.item.resize(offset + records);
    log_.time.resize(offset + records);
    log_.behavior.resize(offset + records);
    std::vector<std::size_t> starts(n);
    for (std::size_t k = 0, o = offset; k < n; o += chunks_[k].records(), ++k) starts[k] = o;
    parallel_blocks(n, static_cast<int>(n), [&](int, std::size_t first, std::size_t last) {
      for (std::size_t k = first; k < last; ++k) copy(chunks_[k], starts[k]);
    });
    for (std::size_t k = 0; k < n; ++k) count_other_categories(chunks_[k]);
    release_pages(end);
    pos = end;
  }
}

void Scanner::parse(Chunk& c) const {
  const char* p = c.begin;
  while (p < c.end) {
    const csv::Line line = csv::next_line(p, c.end);
    p = line.next;
    ++c.lines;
    if (csv::is_blank(line.begin, line.end)) continue;
    ++c.data_lines;
    if (parse_line(line, c)) continue;
    if (in_.skip_bad_lines) {
      ++c.skipped;
      continue;
    }
    c.error_line = c.lines;
    if (line.begin == in_.headerless_first_line) c.error += " (this format has no header line)";
    return;
  }
}

bool Scanner::parse_line(const csv::Line& line, Chunk& c) const {
  csv::SplitResult split;
  if (!csv::split_plain(line.begin, line.end, base_ + size_, layout_.delimiter, c.fields.data(), layout_.fields,
                        &split.fields)) {
    split = csv::split_fields(line.begin, line.end, layout_.delimiter, c.fields.data(), layout_.fields);
    if (split.status != csv::SplitStatus::ok) {
      c.error = csv::describe(split);
      return false;
    }
  }
  if (split.fields != layout_.fields) {
    c.error = cat("expected ", layout_.fields, " fields", layout_.from_header ? " (as in the header)" : "",
                  ", found ", split.fields);
    return false;
  }
  std::uint64_t user = 0, item = 0, category = 0, behavior = kResolved;
  std::int64_t time = 0;
  if (!make_token(c, layout_.user, &user) || !make_token(c, layout_.item, &item)) return false;
  if (layout_.category >= 0 && !make_token(c, layout_.category, &category)) return false;
  if (layout_.behavior >= 0 && !make_token(c, layout_.behavior, &behavior)) return false;
  if (layout_.time >= 0) {
    const csv::Field& f = c.fields[static_cast<std::size_t>(layout_.time)];
    if (f.parsed && f.digits && f.size > 0 && f.size <= 18 && f.value <= csv::kMaxTimestamp) {
      time = static_cast<std::int64_t>(f.value);  // the common case, parsed while splitting
    } else {
      const auto status = csv::parse_timestamp(f.raw(), &time);
      if (status != csv::TimeStatus::ok) {
        c.error = csv::describe_time_error(status, layout_.names[static_cast<std::size_t>(layout_.time)], f.raw());
        return false;
      }
    }
    c.time.push_back(time);
  }
  c.user.push_back(user);
  c.item.push_back(item);
  if (layout_.category >= 0) c.category.push_back(category);
  c.behavior.push_back(behavior);
  return true;
}

bool Scanner::make_token(Chunk& c, int column, std::uint64_t* token) const {
  const csv::Field& f = c.fields[static_cast<std::size_t>(column)];
  if (f.size == 0 || f.size > kMaxLen) [[unlikely]] {
    id_field_error(c, column);
    return false;
  }
  // Canonical integers (digits only, 1 to 18 of them, no leading zero) are keyed by value.
  std::uint64_t v = f.value;
  const bool canonical = f.parsed ? f.digits && f.size <= 18 && (f.size == 1 || f.data[0] != '0')
                                  : !f.escaped && csv::parse_canonical_uint(f.data, f.size, &v);
  if (canonical) {
    *token = v;
  } else if (!f.escaped) {
    *token = kText | (static_cast<std::uint64_t>(f.data - base_) << kLenBits) | f.size;
  } else {
    const std::size_t offset = c.buffer.size();
    csv::unescape_into(f, c.buffer);
    *token = kText | kInBuffer | (static_cast<std::uint64_t>(offset) << kLenBits) | (c.buffer.size() - offset);
  }
  return true;
}

void Scanner::id_field_error(Chunk& c, int column) const {
  const auto& f = c.fields[static_cast<std::size_t>(column)];
  const auto& name = layout_.names[static_cast<std::size_t>(column)];
  c.error = f.size == 0 ? cat("field '", name, "' is empty")
                        : cat("field '", name, "' is longer than ", kMaxLen, " bytes");
}

IdKey Scanner::key_of(const Chunk& c, std::uint64_t token) const {
  if ((token & kText) == 0) return IdKey::integer(token);
  const std::size_t offset = static_cast<std::size_t>((token & ~(kText | kInBuffer)) >> kLenBits);
  const std::size_t len = static_cast<std::size_t>(token & kMaxLen);
  const char* origin = (token & kInBuffer) ? c.buffer.data() : base_;
  return IdKey::of_text({origin + offset, len});
}

// Looks every token up in the maps of the previous super-blocks (read-only, so chunks run in
// parallel); ids they lack are numbered in the chunk's LocalIds. Logs are usually grouped by
// user and hold few behaviour types, so the last user and the recent behaviours are cached.
void Scanner::resolve(Chunk& c) const {
  constexpr std::size_t kAhead = 8;  // item lookups miss the cache: prefetch a few ahead
  const std::size_t n = c.records();
  for (std::size_t i = 0; i < std::min(n, kAhead); ++i) items_.prefetch(key_of(c, c.item[i]));
  IdKey last_user;
  std::uint64_t last_user_token = 0;
  bool have_user = false;
  struct Recent {
    IdKey key;
    std::uint64_t token;
  };
  Recent recent[8];
  std::size_t recent_count = 0, recent_next = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) items_.prefetch(key_of(c, c.item[i + kAhead]));

    const IdKey user = key_of(c, c.user[i]);
    if (!have_user || !(user == last_user)) {
      const std::uint32_t id = users_.find(user);
      last_user_token = id != IdMap::kNone ? kResolved | id : c.new_users.token(user, c.user[i], i);
      last_user = user;
      have_user = true;
    }
    c.user[i] = last_user_token;

    const IdKey item = key_of(c, c.item[i]);
    const std::uint32_t item_id = items_.find(item);
    c.item[i] = item_id != IdMap::kNone ? kResolved | item_id : c.new_items.token(item, c.item[i], i);

    if (!is_resolved(c.behavior[i])) {
      const IdKey behavior = key_of(c, c.behavior[i]);
      std::size_t r = 0;
      while (r < recent_count && !(recent[r].key == behavior)) ++r;
      if (r == recent_count) {
        const std::uint32_t id = behaviors_.find(behavior);
        r = recent_count < std::size(recent) ? recent_count++ : recent_next++ % std::size(recent);
        recent[r] = {behavior, id != IdMap::kNone ? kResolved | id : c.new_behaviors.token(behavior, c.behavior[i], i)};
      }
      c.behavior[i] = recent[r].token;
    }
  }
}

// Gives the ids first seen in this chunk their dense ids, in file order.
void Scanner::assign(Chunk& c) {
  constexpr std::size_t kAhead = 8;
  LocalIds& users = c.new_users;
  users.global.resize(users.first_token.size());
  for (std::size_t j = 0; j < users.global.size(); ++j) {
    if (j + kAhead < users.global.size()) users_.prefetch(key_of(c, users.first_token[j + kAhead]));
    users.global[j] = users_.get_or_add(key_of(c, users.first_token[j]));
  }
  LocalIds& items = c.new_items;
  items.global.resize(items.first_token.size());
  for (std::size_t j = 0; j < items.global.size(); ++j) {
    if (j + kAhead < items.global.size()) items_.prefetch(key_of(c, items.first_token[j + kAhead]));
    const IdKey key = key_of(c, items.first_token[j]);
    bool added = false;
    items.global[j] = items_.get_or_add(key, &added);
    if (added) log_.item_category.push_back(category_of_new_item(c, items.first_record[j], key));
  }
  LocalIds& behaviors = c.new_behaviors;
  behaviors.global.resize(behaviors.first_token.size());
  for (std::size_t j = 0; j < behaviors.global.size(); ++j)
    behaviors.global[j] = behaviors_.get_or_add(key_of(c, behaviors.first_token[j]));
}

void Scanner::copy(Chunk& c, std::size_t offset) {
  std::uint32_t* user = log_.user.data() + offset;
  std::uint32_t* item = log_.item.data() + offset;
  std::uint8_t* behavior = log_.behavior.data() + offset;
  std::int64_t* time = log_.time.data() + offset;
  for (std::size_t i = 0; i < c.records(); ++i) {
    user[i] = c.new_users.id(c.user[i]);
    item[i] = c.new_items.id(c.item[i]);
    behavior[i] = static_cast<std::uint8_t>(c.new_behaviors.id(c.behavior[i]));
    time[i] = layout_.time >= 0 ? c.time[i] : static_cast<std::int64_t>(offset + i);
  }
  if (layout_.category >= 0) {  // every category an item's first one already has its id (assign())
    std::uint64_t last_token = ~std::uint64_t{0};
    std::uint32_t last_id = IdMap::kNone;
    for (std::size_t i = 0; i < c.records(); ++i) {
      if (c.category[i] != last_token) {
        last_token = c.category[i];
        last_id = categories_.find(key_of(c, last_token));
      }
      if (log_.item_category[item[i]] != last_id)
        c.other_category.push_back({static_cast<std::uint32_t>(i), item[i]});
    }
  }
}

std::string Scanner::key_string(const Chunk& c, std::uint64_t token) const {
  const IdKey key = key_of(c, token);
  return key.is_int ? std::to_string(key.value) : std::string(key.text);
}

// Counts the items with another category than their first, once each, in file order.
void Scanner::count_other_categories(const Chunk& c) {
  for (const auto& [record, item] : c.other_category) {
    if (item >= several_.size()) several_.resize(log_.item_ids.size(), 0);
    if (several_[item]) continue;
    several_[item] = 1;
    if (log_.items_with_several_categories++ == 0)
      log_.several_categories_example = cat("item '", log_.item_ids[item], "' under '",
                                            log_.category_ids[log_.item_category[item]], "', then '",
                                            key_string(c, c.category[record]), "'");
  }
}

std::uint32_t Scanner::category_of_new_item(const Chunk& c, std::size_t record, const IdKey& item) {
  if (layout_.category >= 0) return categories_.get_or_add(key_of(c, c.category[record]));
  if (in_.side_categories == nullptr) return 0;  // the single default category
  char buffer[24];
  const auto it = in_.side_categories->find(key_text(item, buffer));
  if (it != in_.side_categories->end()) return categories_.get_or_add(it->second);
  ++log_.items_without_category;
  return categories_.get_or_add(kNoCategory);
}

// Reserves the record arrays once for the whole file, from the records per byte seen so far
// and 20% to spare (later lines may be shorter), so that they are not copied while growing:
// that copy would double their memory. Reserved but untouched pages cost no memory.
void Scanner::reserve(std::size_t needed, std::size_t consumed_bytes) {
  if (needed <= log_.user.capacity()) return;
  const std::size_t remaining = size_ - (in_.data_begin + consumed_bytes);
  const double per_byte = static_cast<double>(needed) / static_cast<double>(std::max<std::size_t>(consumed_bytes, 1));
  const auto estimate = needed + static_cast<std::size_t>(1.2 * per_byte * static_cast<double>(remaining)) + 1024;
  log_.user.reserve(estimate);
  log_.item.reserve(estimate);
  log_.time.reserve(estimate);
  log_.behavior.reserve(estimate);
  advise_huge_pages(log_.user.data(), estimate * sizeof(std::uint32_t));
  advise_huge_pages(log_.item.data(), estimate * sizeof(std::uint32_t));
  advise_huge_pages(log_.time.data(), estimate * sizeof(std::int64_t));
  advise_huge_pages(log_.behavior.data(), estimate);
}

// Gives the pages of the mapping before `end` back to the kernel: the tokens and id maps own
// everything they need, and a 4 GB log would otherwise stay resident to the end of the read.
// Read-only private pages are simply dropped (and would be read again if touched).
void Scanner::release_pages(std::size_t end) {
  const std::size_t until = end == size_ ? size_ : end / page_size() * page_size();
  if (until <= released_) return;
  ::madvise(const_cast<char*>(base_) + released_, until - released_, MADV_DONTNEED);
  released_ = until;
}

}  // namespace

void scan_log(const ScanInput& in, BehaviorLog& log) {
  TR_CHECK(in.file != nullptr && log.user_ids.size() == 0 && log.item_ids.size() == 0,
           "scan_log needs a mapped file and an empty log");
  Scanner(in, log).run();
}

BlockSizes set_block_sizes(const BlockSizes& sizes) {
  BlockSizes old{g_super_block_per_thread.load(), g_min_chunk.load()};
  g_super_block_per_thread = sizes.super_block_per_thread;
  g_min_chunk = sizes.min_chunk;
  return old;
}

}  // namespace treerec::detail
