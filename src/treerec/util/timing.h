// Small shared helpers for timings and identifiers in logs, reports and files.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace treerec {

// Seconds of the steady clock since t.
inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// x as 16 lower-case hex digits (fingerprints, hashes, model versions).
inline std::string hex64(std::uint64_t x) {
  char s[17];
  std::snprintf(s, sizeof s, "%016llx", static_cast<unsigned long long>(x));
  return s;
}

}  // namespace treerec
