// Raw id -> dense id (ALGORITHMS §2.1): dense ids are handed out in the order get_or_add first sees
// each raw id, and the raw text of every id is appended to a StringTable, so that
// names[dense] is the raw id again.
//
// Raw ids that are canonical decimal integers (csv::parse_canonical_uint) are keyed by value in
// an integer hash map, which is much faster than hashing text; all other ids are keyed by
// their text, copied into an arena owned by the map (so keys never point into a mapped input
// file that the reader releases as it goes). The two key sets cannot collide.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "treerec/data/csv_scan.h"
#include "treerec/io/string_table.h"
#include "treerec/util/huge_pages.h"

namespace treerec {

// The id hash tables live on huge pages (util/huge_pages.h): lookups in a table of hundreds
// of MB are random.

struct IdKey {
  bool is_int = false;
  std::uint64_t value = 0;  // when is_int
  std::string_view text;    // otherwise

  static IdKey integer(std::uint64_t v) { return {true, v, {}}; }
  static IdKey of_text(std::string_view t) { return {false, 0, t}; }
  // Classifies a raw id: canonical integers by value, the rest by text.
  static IdKey of(std::string_view raw) {
    std::uint64_t v = 0;
    return csv::parse_canonical_uint(raw.data(), raw.size(), &v) ? integer(v) : of_text(raw);
  }
  friend bool operator==(const IdKey& a, const IdKey& b) {
    return a.is_int == b.is_int && (a.is_int ? a.value == b.value : a.text == b.text);
  }
};

class IdMap {
 public:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  // `names` receives the raw text of each new id; `what` names the ids in messages
  // ("user ids"); at most `max_ids` distinct ids are accepted.
  IdMap(StringTable* names, std::string what, std::uint64_t max_ids = kNone);
  IdMap(const IdMap&) = delete;
  IdMap& operator=(const IdMap&) = delete;

  // The dense id of `key`, or kNone. Safe to call from several threads while nobody adds.
  std::uint32_t find(const IdKey& key) const {
    if (key.is_int) {
      const auto it = ints_.find(key.value);
      return it == ints_.end() ? kNone : it->second;
    }
    const auto it = texts_.find(key.text);
    return it == texts_.end() ? kNone : it->second;
  }
  // Starts loading the memory that find(key) will touch.
  void prefetch(const IdKey& key) const {
    if (key.is_int) {
      ints_.prefetch(key.value);
    } else {
      texts_.prefetch(key.text);
    }
  }
  // The dense id of `key`, adding it if new (then *added is set). Throws Error beyond max_ids.
  std::uint32_t get_or_add(const IdKey& key, bool* added = nullptr);
  std::uint32_t get_or_add(std::string_view raw, bool* added = nullptr) {
    return get_or_add(IdKey::of(raw), added);
  }
  std::size_t size() const { return names_->size(); }

 private:
  std::string_view store(std::string_view text);

  StringTable* names_;
  std::string what_;
  std::uint64_t max_ids_;
  template <typename K>
  using Map = absl::flat_hash_map<K, std::uint32_t, typename absl::flat_hash_map<K, std::uint32_t>::hasher,
                                  typename absl::flat_hash_map<K, std::uint32_t>::key_equal,
                                  HugePageAllocator<std::pair<const K, std::uint32_t>>>;
  Map<std::uint64_t> ints_;
  Map<std::string_view> texts_;
  std::vector<std::unique_ptr<char[]>> arena_;
  char* arena_pos_ = nullptr;
  std::size_t arena_left_ = 0;
};

// The raw text of a key: its own text, or the canonical decimal of its value in `buffer`.
std::string_view key_text(const IdKey& key, char (&buffer)[24]);

}  // namespace treerec
