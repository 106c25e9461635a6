// A read-only memory map of a whole file. Loading a dataset, tree or model maps its file
// instead of reading it, so that opening a multi-gigabyte file costs no copy.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace treerec {

class MappedFile {
 public:
  MappedFile() = default;
  // Maps `path`; throws Error naming the file if it cannot be opened or mapped.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::string_view view() const { return {data_, size_}; }
  const std::string& path() const { return path_; }
  // Takes the pages of [offset, offset + bytes) out of this process's memory: they stay in the
  // kernel's page cache, and a later read of them maps them again, unchanged. For a reader
  // that has copied or hashed a part and is done with it, so that a multi-gigabyte file does
  // not count twice in the process's resident memory. Widened to whole pages.
  void drop(std::size_t offset, std::size_t bytes) const;

 private:
  void release();
  std::string path_;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace treerec
