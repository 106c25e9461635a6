// Writes a file so that it appears complete or not at all: bytes go to a temporary file
// beside the target (`<path>.tmp.<pid>`), which commit() flushes to disk and renames over
// the target. Under mpirun only rank 0 writes: the others' writer only counts bytes, and its
// commit() waits until rank 0's file is in place (docs/DISTRIBUTED.md). If the writer is destroyed without commit() (an error, an exception), the
// temporary file is removed and the target is untouched. A process killed mid-write cannot
// remove its own: a later writer of the same target removes every `<path>.tmp.<pid>` whose
// process no longer exists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace treerec {

// Removes `<path>.tmp.<pid>` files beside `path` whose process is gone (AtomicFile's
// constructor calls it).
void remove_stale_temporaries(const std::string& path);

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t bytes);
  void write(std::string_view text) { write(text.data(), text.size()); }
  // Overwrites bytes at an absolute offset already written (used to patch headers).
  void write_at(std::uint64_t offset, const void* data, std::size_t bytes);
  std::uint64_t offset() const { return offset_; }
  // Flushes, fsyncs and renames into place. After it, the writer is closed.
  void commit();

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string tmp_path_;
  std::FILE* file_ = nullptr;
  std::uint64_t offset_ = 0;
  bool writes_ = true;  // false on ranks other than 0
};

// Copies `from` to `to` through an AtomicFile: `to` is the complete copy or left as it was.
void copy_file_atomically(const std::string& from, const std::string& to);
// Whether an output file (a checkpoint, a finished round, a result) exists. Under mpirun every
// rank gets rank 0's answer: a rank that lags behind could otherwise already see a file that
// rank 0 wrote after it looked, and take another path.
bool output_exists(const std::string& path);
// Removes an output file (a checkpoint, a temporary log); absent is fine. Under mpirun every
// rank calls it and rank 0 removes the file once all have arrived.
void remove_output(const std::string& path);

}  // namespace treerec
