// XXH3-64 (libxxhash) for every fingerprint, checksum and identity the project writes, and the
// one text form of a 64-bit hash. xxhash's header stays out of this one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

struct XXH3_state_s;  // xxhash's streaming state

namespace treerec {

// x as 16 lower-case hex digits (fingerprints, hashes, model versions).
std::string hex64(std::uint64_t x);

// XXH3-64 of `bytes` bytes at `data` (seed 0).
std::uint64_t xxh3(const void* data, std::size_t bytes);
template <typename T>
std::uint64_t xxh3(std::span<const T> values) {
  return xxh3(values.data(), values.size_bytes());
}

// XXH3-64 of a byte stream given in pieces; equal to xxh3() of the concatenation.
class Xxh3Stream {
 public:
  Xxh3Stream();  // throws Error when xxhash cannot allocate its state
  ~Xxh3Stream();
  Xxh3Stream(const Xxh3Stream&) = delete;
  Xxh3Stream& operator=(const Xxh3Stream&) = delete;

  void update(const void* data, std::size_t bytes);
  template <typename T>
  void update(std::span<const T> values) {
    update(values.data(), values.size_bytes());
  }
  // The hash of everything so far; more updates may follow.
  std::uint64_t digest() const;

 private:
  ::XXH3_state_s* state_;
};

}  // namespace treerec
