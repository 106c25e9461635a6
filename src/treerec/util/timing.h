// Small shared helpers for timings in logs, reports and files.
#pragma once

#include <chrono>

namespace treerec {

// Seconds of the steady clock since t.
inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}


}  // namespace treerec
