#include "treerec/io/binary_file.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>

#include "treerec/io/atomic_file.h"

namespace treerec {

static_assert(std::endian::native == std::endian::little, "treerec files are little-endian");

namespace {
// Container version 2 checksums the header too (its checksum field as zero); version 1 files,
// whose checksum covers the bytes after the header only, are still read.
constexpr std::uint32_t kContainerVersion = 2;
constexpr std::size_t kHeaderBytes = 64;
constexpr std::size_t kNameBytes = 48;
constexpr std::size_t kEntryBytes = kNameBytes + 8 + 8 + 4 + 4;
constexpr std::uint64_t kAlign = 64;

struct Header {
  char magic[8];
  std::uint32_t format_version;
  std::uint32_t container_version;
  std::uint64_t file_bytes;
  std::uint64_t table_offset;
  std::uint64_t section_count;
  std::uint64_t checksum;
  char reserved[16];
};
static_assert(sizeof(Header) == kHeaderBytes);

// The version-2 checksum: XXH3 of the header (checksum field zero) followed by the XXH3 of
// everything after it.
std::uint64_t header_checksum(Header h, std::uint64_t body_digest) {
  h.checksum = 0;
  char buf[kHeaderBytes + 8];
  std::memcpy(buf, &h, kHeaderBytes);
  std::memcpy(buf + kHeaderBytes, &body_digest, 8);
  return xxh3(buf, sizeof buf);
}

// XXH3 of everything after the header, read in 64 MiB steps, each dropped from memory once
// hashed: checking a 7 GB checkpoint must not leave 7 GB of it resident beside what its reader
// builds from it.
std::uint64_t body_checksum(const MappedFile& file) {
  constexpr std::size_t kStep = std::size_t{64} << 20;
  Xxh3Stream hash;
  for (std::size_t at = kHeaderBytes; at < file.size();) {
    const std::size_t n = std::min(kStep, file.size() - at);
    hash.update(file.data() + at, n);
    file.drop(at, n);
    at += n;
  }
  return hash.digest();
}

std::string magic8(std::string_view magic) {
  TR_CHECK(!magic.empty() && magic.size() <= 8, "file magic must be 1 to 8 characters: ", magic);
  std::string m(magic);
  m.resize(8, '\0');
  return m;
}
}  // namespace

struct BinaryWriter::Entry {
  std::string name;
  std::uint64_t offset, bytes;
  std::uint32_t elem_size;
};

BinaryWriter::BinaryWriter(std::string path, std::string_view magic, std::uint32_t version)
    : file_(std::make_unique<AtomicFile>(std::move(path))),
      magic_(magic8(magic)),
      version_(version),
      hash_(std::make_unique<Xxh3Stream>()) {
  const char zeros[kHeaderBytes] = {};
  file_->write(zeros, kHeaderBytes);  // patched by commit()
}

BinaryWriter::~BinaryWriter() = default;

void BinaryWriter::pad_to(std::uint64_t alignment) {
  static const char zeros[kAlign] = {};
  const std::uint64_t pad = (alignment - file_->offset() % alignment) % alignment;
  file_->write(zeros, pad);
  hash_->update(zeros, pad);
}

void BinaryWriter::add_bytes(std::string_view name, const void* data, std::size_t bytes,
                             std::uint32_t elem_size) {
  TR_CHECK(name.size() < kNameBytes, "section name too long: ", name);
  TR_CHECK(elem_size > 0 && bytes % elem_size == 0, "section ", name, " is not whole elements");
  for (const auto& e : entries_) TR_CHECK(e.name != name, "duplicate section ", name);
  pad_to(kAlign);
  entries_.push_back({std::string(name), file_->offset(), bytes, elem_size});
  file_->write(data, bytes);
  hash_->update(data, bytes);
}

void BinaryWriter::add_json(std::string_view name, const nlohmann::json& value) {
  const std::string text = value.dump();
  add_bytes(name, text.data(), text.size(), 1);
}

void BinaryWriter::add_strings(std::string_view name, const StringTable& table) {
  add(std::string(name) + ".off", table.offsets());
  const auto bytes = table.bytes();
  add_bytes(std::string(name) + ".str", bytes.data(), bytes.size(), 1);
}

void BinaryWriter::commit() {
  pad_to(8);
  Header h{};
  h.table_offset = file_->offset();
  for (const auto& e : entries_) {
    char entry[kEntryBytes] = {};
    std::memcpy(entry, e.name.data(), e.name.size());
    std::memcpy(entry + kNameBytes, &e.offset, 8);
    std::memcpy(entry + kNameBytes + 8, &e.bytes, 8);
    std::memcpy(entry + kNameBytes + 16, &e.elem_size, 4);
    file_->write(entry, kEntryBytes);
    hash_->update(entry, kEntryBytes);
  }
  std::memcpy(h.magic, magic_.data(), 8);
  h.format_version = version_;
  h.container_version = kContainerVersion;
  h.file_bytes = file_->offset();
  h.section_count = entries_.size();
  h.checksum = header_checksum(h, hash_->digest());
  file_->write_at(0, &h, sizeof h);
  file_->commit();
}

BinaryReader::BinaryReader(const std::string& path, std::string_view magic,
                           std::string_view what, std::uint32_t max_version)
    : file_(path), what_(what) {
  const std::string want = magic8(magic);
  const bool treerec = file_.size() >= 8 && std::memcmp(file_.data(), "TREC", 4) == 0;
  if (treerec && std::memcmp(file_.data(), want.data(), 8) != 0)
    fail(path, ": is a treerec file of another kind, expected a ", what, " file");
  if (file_.size() < kHeaderBytes)
    fail(path, treerec ? ": truncated " : ": not a treerec ", what, " file (too short: ", file_.size(),
         " bytes, a header alone is ", kHeaderBytes, ")");
  if (std::memcmp(file_.data(), want.data(), 8) != 0)
    fail(path, ": not a treerec ", what, " file (wrong magic number)");
  Header h;
  std::memcpy(&h, file_.data(), sizeof h);
  if (h.container_version != 1 && h.container_version != kContainerVersion)
    fail(path, ": unsupported container version ", h.container_version, " (this build reads 1 and 2)");
  if (h.format_version == 0 || h.format_version > max_version)
    fail(path, ": ", what, " format version ", h.format_version,
         " is not supported (this build reads versions 1 to ", max_version, ")");
  if (h.file_bytes != file_.size())
    fail(path, ": truncated or damaged ", what, " file: header says ", h.file_bytes,
         " bytes, the file has ", file_.size());
  // No sum here may wrap around: table_offset is checked against the size first.
  if (h.section_count > (1u << 16) || h.table_offset < kHeaderBytes || h.table_offset > h.file_bytes ||
      h.file_bytes - h.table_offset != h.section_count * kEntryBytes)
    fail(path, ": damaged ", what, " file: bad section table");
  if (std::any_of(std::begin(h.reserved), std::end(h.reserved), [](char c) { return c != 0; }))
    fail(path, ": damaged ", what, " file: reserved header bytes are not zero");
  const std::uint64_t body = body_checksum(file_);
  const std::uint64_t sum = h.container_version == 1 ? body : header_checksum(h, body);
  if (sum != h.checksum) fail(path, ": corrupted ", what, " file: checksum mismatch");
  version_ = h.format_version;
  const char* table = file_.data() + h.table_offset;
  for (std::uint64_t i = 0; i < h.section_count; ++i) {
    const char* entry = table + i * kEntryBytes;
    Section s;
    s.name.assign(entry, strnlen(entry, kNameBytes));
    std::memcpy(&s.offset, entry + kNameBytes, 8);
    std::memcpy(&s.bytes, entry + kNameBytes + 8, 8);
    std::memcpy(&s.elem_size, entry + kNameBytes + 16, 4);
    if (s.offset < kHeaderBytes || s.offset > h.table_offset || s.bytes > h.table_offset - s.offset ||
        s.elem_size == 0 || s.bytes % s.elem_size != 0)
      fail(path, ": damaged ", what, " file: section ", s.name, " out of bounds");
    sections_.push_back(std::move(s));
  }
}

bool BinaryReader::has(std::string_view name) const {
  return std::any_of(sections_.begin(), sections_.end(),
                     [&](const Section& s) { return s.name == name; });
}

const BinaryReader::Section& BinaryReader::find(std::string_view name) const {
  for (const auto& s : sections_)
    if (s.name == name) return s;
  fail(path(), ": damaged ", what_, " file: missing section ", name);
}

std::span<const char> BinaryReader::bytes(std::string_view name, std::uint32_t elem_size) const {
  const Section& s = find(name);
  if (s.elem_size != elem_size)
    fail(path(), ": damaged ", what_, " file: section ", name, " has ", s.elem_size,
         "-byte elements, expected ", elem_size);
  return {file_.data() + s.offset, s.bytes};
}

void BinaryReader::drop(std::string_view name) const {
  const Section& s = find(name);
  file_.drop(s.offset, s.bytes);
}

nlohmann::json BinaryReader::json(std::string_view name) const {
  const auto b = bytes(name, 1);
  try {
    return nlohmann::json::parse(b.begin(), b.end());
  } catch (const nlohmann::json::exception& e) {
    fail(path(), ": damaged ", what_, " file: section ", name, " is not JSON: ", e.what());
  }
}

StringTable BinaryReader::strings(std::string_view name) const {
  const std::string n(name);
  const auto off = get<std::uint64_t>(n + ".off");
  const auto str = bytes(n + ".str", 1);
  try {
    return StringTable(off, std::string_view(str.data(), str.size()));
  } catch (const Error& e) {
    fail(path(), ": damaged ", what_, " file: ", e.what());
  }
}

}  // namespace treerec
