// A list of strings stored as one byte buffer plus offsets: the raw ids of users, items and
// categories. It either owns its storage (while building) or views a mapped file (after load).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace treerec {

class StringTable {
 public:
  StringTable() : own_offsets_{0} { refresh(); }
  // A view of storage owned elsewhere (a mapped file); offsets has size()+1 entries.
  StringTable(std::span<const std::uint64_t> offsets, std::string_view bytes);

  StringTable(const StringTable& other) { *this = other; }
  StringTable& operator=(const StringTable& other);
  StringTable(StringTable&& other) noexcept { *this = std::move(other); }
  StringTable& operator=(StringTable&& other) noexcept;

  std::size_t size() const { return offsets_.size() - 1; }
  std::string_view operator[](std::size_t i) const {
    return bytes_.substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  // Appends a string (owning tables only); returns its index.
  std::uint32_t add(std::string_view s);
  void reserve(std::size_t strings, std::size_t bytes);

  std::span<const std::uint64_t> offsets() const { return offsets_; }
  std::string_view bytes() const { return bytes_; }

 private:
  void refresh();
  bool owning_ = true;
  std::vector<std::uint64_t> own_offsets_;
  std::string own_bytes_;
  std::span<const std::uint64_t> offsets_;
  std::string_view bytes_;
};

}  // namespace treerec
