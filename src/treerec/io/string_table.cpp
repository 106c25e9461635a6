#include "treerec/io/string_table.h"

#include "treerec/util/error.h"

namespace treerec {

StringTable::StringTable(std::span<const std::uint64_t> offsets, std::string_view bytes)
    : owning_(false), offsets_(offsets), bytes_(bytes) {
  TR_CHECK(!offsets.empty() && offsets.front() == 0 && offsets.back() == bytes.size(),
           "string table offsets do not match its ", bytes.size(), " bytes");
  for (std::size_t i = 1; i < offsets.size(); ++i)
    TR_CHECK(offsets[i - 1] <= offsets[i], "string table offsets decrease at entry ", i);
}

StringTable& StringTable::operator=(const StringTable& other) {
  if (this == &other) return *this;
  owning_ = other.owning_;
  own_offsets_ = other.own_offsets_;
  own_bytes_ = other.own_bytes_;
  if (owning_) {
    refresh();
  } else {
    offsets_ = other.offsets_;
    bytes_ = other.bytes_;
  }
  return *this;
}

StringTable& StringTable::operator=(StringTable&& other) noexcept {
  if (this == &other) return *this;
  owning_ = other.owning_;
  own_offsets_ = std::move(other.own_offsets_);
  own_bytes_ = std::move(other.own_bytes_);
  if (owning_) {
    refresh();
  } else {
    offsets_ = other.offsets_;
    bytes_ = other.bytes_;
  }
  other.own_offsets_.assign(1, 0);
  other.own_bytes_.clear();
  other.owning_ = true;
  other.refresh();
  return *this;
}

std::uint32_t StringTable::add(std::string_view s) {
  TR_CHECK(owning_, "cannot add to a string table loaded from a file");
  const auto index = static_cast<std::uint32_t>(size());
  own_bytes_.append(s);
  own_offsets_.push_back(own_bytes_.size());
  refresh();
  return index;
}

void StringTable::reserve(std::size_t strings, std::size_t bytes) {
  TR_CHECK(owning_, "cannot reserve in a string table loaded from a file");
  own_offsets_.reserve(strings + 1);
  own_bytes_.reserve(bytes);
  refresh();
}

void StringTable::refresh() {
  offsets_ = own_offsets_;
  bytes_ = own_bytes_;
}

}  // namespace treerec
