// The container every treerec file uses (dataset, tree, model, checkpoint).
//
// Layout (little-endian):
//   header, 64 bytes: magic[8] ("TREC" + kind) | u32 format version | u32 container version (1) |
//                     u64 file bytes | u64 table offset | u64 section count |
//                     u64 XXH3-64 checksum of bytes [64, file bytes) | 16 bytes zero
//   sections, each starting on a 64-byte boundary (so arrays can be used in place from a map)
//   section table: per section { char name[48] | u64 offset | u64 bytes | u32 element size |
//                                u32 zero }
//
// A reader checks the magic (a foreign file), the version (a newer file), the size (a
// truncated file), the checksum (a corrupted file) and every section's bounds before any
// section is used, and names the file and the problem in its error.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "treerec/io/mapped_file.h"
#include "treerec/io/string_table.h"
#include "treerec/util/error.h"
#include "treerec/util/hash.h"

namespace treerec {

class AtomicFile;

class BinaryWriter {
 public:
  // `magic` is at most 8 characters; `version` is the format version of this kind of file.
  BinaryWriter(std::string path, std::string_view magic, std::uint32_t version);
  ~BinaryWriter();

  void add_bytes(std::string_view name, const void* data, std::size_t bytes,
                 std::uint32_t elem_size);
  template <typename T>
  void add(std::string_view name, std::span<const T> values) {
    add_bytes(name, values.data(), values.size_bytes(), sizeof(T));
  }
  template <typename T, typename Allocator>
  void add(std::string_view name, const std::vector<T, Allocator>& values) {
    add(name, std::span<const T>(values));
  }
  void add_json(std::string_view name, const nlohmann::json& value);
  // Two sections: `<name>.off` and `<name>.str`.
  void add_strings(std::string_view name, const StringTable& table);
  // Writes the table and header and renames the file into place.
  void commit();

 private:
  struct Entry;
  void pad_to(std::uint64_t alignment);
  std::unique_ptr<AtomicFile> file_;
  std::string magic_;
  std::uint32_t version_;
  std::vector<Entry> entries_;
  std::unique_ptr<Xxh3Stream> hash_;
};

class BinaryReader {
 public:
  // Maps and validates `path`; the checksum pass keeps no page of it resident. `what` names
  // the kind of file in errors ("dataset", "tree"). Accepts format versions 1..max_version.
  BinaryReader(const std::string& path, std::string_view magic, std::string_view what,
               std::uint32_t max_version);

  std::uint32_t version() const { return version_; }
  const std::string& path() const { return file_.path(); }
  bool has(std::string_view name) const;

  std::span<const char> bytes(std::string_view name, std::uint32_t elem_size) const;
  template <typename T>
  std::span<const T> get(std::string_view name) const {
    auto b = bytes(name, sizeof(T));
    return {reinterpret_cast<const T*>(b.data()), b.size() / sizeof(T)};
  }
  nlohmann::json json(std::string_view name) const;
  // For a reader that has copied a section into memory of its own: drops the section's pages
  // from this process's resident memory (MappedFile::drop). A later get() still works.
  void drop(std::string_view name) const;
  StringTable strings(std::string_view name) const;

 private:
  struct Section {
    std::string name;
    std::uint64_t offset, bytes;
    std::uint32_t elem_size;
  };
  const Section& find(std::string_view name) const;
  MappedFile file_;
  std::string what_;
  std::uint32_t version_ = 0;
  std::vector<Section> sections_;
};

}  // namespace treerec
