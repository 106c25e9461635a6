#include "treerec/util/hash.h"

#include <cstdio>

#include <xxhash.h>

#include "treerec/util/error.h"

namespace treerec {

std::string hex64(std::uint64_t x) {
  char s[17];
  std::snprintf(s, sizeof s, "%016llx", static_cast<unsigned long long>(x));
  return s;
}

std::uint64_t xxh3(const void* data, std::size_t bytes) { return XXH3_64bits(data, bytes); }

Xxh3Stream::Xxh3Stream() : state_(XXH3_createState()) {
  TR_CHECK(state_ != nullptr && XXH3_64bits_reset(state_) == XXH_OK, "cannot start an XXH3 hash (out of memory)");
}

Xxh3Stream::~Xxh3Stream() { XXH3_freeState(state_); }

void Xxh3Stream::update(const void* data, std::size_t bytes) { XXH3_64bits_update(state_, data, bytes); }

std::uint64_t Xxh3Stream::digest() const { return XXH3_64bits_digest(state_); }

}  // namespace treerec
