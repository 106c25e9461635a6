#include "treerec/data/id_map.h"

#include <sys/mman.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <new>

#include "treerec/util/error.h"

namespace treerec {

IdMap::IdMap(StringTable* names, std::string what, std::uint64_t max_ids)
    : names_(names), what_(std::move(what)), max_ids_(std::min<std::uint64_t>(max_ids, kNone)) {
  TR_CHECK(names_ != nullptr && names_->size() == 0, "an id map starts from an empty name table");
}

std::uint32_t IdMap::get_or_add(const IdKey& key, bool* added) {
  const auto next = static_cast<std::uint32_t>(names_->size());
  bool inserted = false;
  std::uint32_t id = 0;
  if (key.is_int) {
    const auto [it, fresh] = ints_.try_emplace(key.value, next);
    inserted = fresh;
    id = it->second;
  } else {
    const auto it = texts_.find(key.text);
    if (it != texts_.end()) {
      id = it->second;
    } else {
      if (next < max_ids_) texts_.emplace(store(key.text), next);
      inserted = true;
      id = next;
    }
  }
  if (added != nullptr) *added = inserted;
  if (!inserted) return id;
  if (next >= max_ids_) {
    if (key.is_int) ints_.erase(key.value);
    fail("more than ", max_ids_, " distinct ", what_, " (the limit of this format)");
  }
  char buffer[24];
  names_->add(key_text(key, buffer));
  return id;
}

std::string_view IdMap::store(std::string_view text) {
  if (text.size() > arena_left_) {
    const std::size_t block = std::max<std::size_t>(text.size(), 1 << 20);
    arena_.push_back(std::make_unique_for_overwrite<char[]>(block));  // no 1 MB memset per map
    arena_pos_ = arena_.back().get();
    arena_left_ = block;
  }
  if (!text.empty()) std::memcpy(arena_pos_, text.data(), text.size());
  const std::string_view stored(arena_pos_, text.size());
  arena_pos_ += text.size();
  arena_left_ -= text.size();
  return stored;
}

std::string_view key_text(const IdKey& key, char (&buffer)[24]) {
  if (!key.is_int) return key.text;
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), key.value);
  return {buffer, static_cast<std::size_t>(result.ptr - buffer)};
}

}  // namespace treerec
