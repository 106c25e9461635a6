// Shared by the fuzz targets: the loaders read files, so each input is written to one temporary
// file per process, and any treerec::Error is the expected answer to bad input. Anything else
// (a crash, a sanitizer report, another exception type, a hang) is a finding.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace treerec::fuzz {

// Writes the bytes to /tmp/treerec-fuzz-<pid><suffix> and returns its path.
inline std::string input_file(const std::uint8_t* data, std::size_t size, const std::string& suffix) {
  const std::string path = "/tmp/treerec-fuzz-" + std::to_string(::getpid()) + suffix;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace treerec::fuzz
