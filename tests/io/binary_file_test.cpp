#include "treerec/io/binary_file.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace treerec {
namespace {

using test::TempDir;

void write_sample(const std::string& path) {
  BinaryWriter w(path, "TRECTEST", 2);
  std::vector<std::uint32_t> a{1, 2, 3};
  std::vector<double> b{0.5, -1.25};
  StringTable s;
  s.add("alpha");
  s.add("");
  s.add("γ");
  w.add("a", a);
  w.add("b", b);
  w.add_json("meta", nlohmann::json{{"n", 3}});
  w.add_strings("names", s);
  w.commit();
}

// Resident pages of this process that belong to files (statm's third field), in bytes.
std::uint64_t resident_file_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0, shared = 0;
  statm >> size >> resident >> shared;
  return shared * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

TEST(BinaryFile, OpeningKeepsNoPageResidentAndDroppedSectionsReadBackUnchanged) {
  TempDir dir;
  const auto path = dir.file("big.bin");
  constexpr std::size_t kFloats = std::size_t{24} << 20;  // 96 MiB
  {
    std::vector<float> values(kFloats);
    for (std::size_t i = 0; i < kFloats; ++i) values[i] = static_cast<float>(i % 1000003) * 0.5f;
    BinaryWriter w(path, "TRECTEST", 2);
    w.add("values", values);
    w.add("tail", std::vector<std::uint32_t>{7, 8, 9});
    w.commit();
  }
  const std::uint64_t before = resident_file_bytes();
  BinaryReader r(path, "TRECTEST", "test", 2);  // the checksum reads all 96 MiB
  EXPECT_LT(resident_file_bytes(), before + (std::uint64_t{32} << 20)) << "the checksum pass left the file resident";
  const auto values = r.get<float>("values");
  ASSERT_EQ(values.size(), kFloats);
  double sum = 0;
  for (float v : values) sum += v;
  r.drop("values");
  EXPECT_LT(resident_file_bytes(), before + (std::uint64_t{32} << 20)) << "drop() left the section resident";
  double again = 0;
  for (std::size_t i = 0; i < kFloats; ++i) {
    ASSERT_EQ(values[i], static_cast<float>(i % 1000003) * 0.5f) << i;
    again += values[i];
  }
  EXPECT_EQ(again, sum);
  EXPECT_EQ(r.get<std::uint32_t>("tail")[2], 9u);
  r.drop("tail");
  EXPECT_THROW(r.drop("absent"), Error);
}

TEST(BinaryFile, RoundTrip) {
  TempDir dir;
  const auto path = dir.file("x.bin");
  write_sample(path);
  BinaryReader r(path, "TRECTEST", "test", 2);
  EXPECT_EQ(r.version(), 2u);
  auto a = r.get<std::uint32_t>("a");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[2], 3u);
  auto b = r.get<double>("b");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1], -1.25);
  EXPECT_EQ(r.json("meta")["n"], 3);
  auto s = r.strings("names");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0], "alpha");
  EXPECT_EQ(s[1], "");
  EXPECT_EQ(s[2], "γ");
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.data()) % 64, 0u);
  EXPECT_FALSE(r.has("missing"));
  EXPECT_THROW(r.get<std::uint64_t>("a"), Error);  // wrong element size
  EXPECT_THROW(r.get<std::uint32_t>("missing"), Error);
  // No temporary file is left behind.
  int files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
}

void expect_error(const std::string& path, const std::string& fragment, std::string_view magic = "TRECTEST",
                  std::uint32_t max_version = 2) {
  try {
    BinaryReader r(path, magic, "test", max_version);
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(BinaryFile, RejectsTruncatedCorruptedForeignAndNewer) {
  TempDir dir;
  const auto path = dir.file("x.bin");
  write_sample(path);
  const std::string good = test::read_file(path);

  test::write_file(path, good.substr(0, good.size() - 10));
  expect_error(path, "truncated");

  std::string bad = good;
  bad[100] ^= 1;
  test::write_file(path, bad);
  expect_error(path, "checksum");

  test::write_file(path, "user,item\n1,2\n" + std::string(100, 'x'));
  expect_error(path, "not a treerec test file");

  test::write_file(path, "");
  expect_error(path, "too short");

  test::write_file(path, good);
  expect_error(path, "another kind", "TRECOTHR");
  expect_error(path, "version 2 is not supported", "TRECTEST", 1);
}

// The header's fields at their offsets (io/binary_file.cpp, Header).
constexpr std::size_t kFormatVersion = 8, kTableOffset = 24, kSectionCount = 32, kReserved = 48;

std::string with_u64(std::string file, std::size_t at, std::uint64_t value) {
  std::memcpy(file.data() + at, &value, 8);
  return file;
}

TEST(BinaryFile, CraftedHeadersGiveErrorsNotCrashes) {
  TempDir dir;
  const auto path = dir.file("x.bin");
  write_sample(path);
  const std::string good = test::read_file(path);
  std::uint64_t table = 0, count = 0;
  std::memcpy(&table, good.data() + kTableOffset, 8);
  std::memcpy(&count, good.data() + kSectionCount, 8);
  ASSERT_EQ(good.size(), table + count * 72);
  // A huge table_offset whose sum with section_count * 72 wraps around to the file size: the
  // body's checksum still matched (version 1 did not cover the header) and the table pointed
  // far outside the mapping.
  const std::uint64_t wrapped_count = good.size() / 72 + 2, k = 72 * wrapped_count - good.size();
  test::write_file(path, with_u64(with_u64(good, kSectionCount, wrapped_count), kTableOffset, ~k + 1));
  expect_error(path, "bad section table");
  test::write_file(path, with_u64(good, kSectionCount, ~std::uint64_t{0}));
  expect_error(path, "bad section table");
  test::write_file(path, with_u64(good, kTableOffset, good.size() + 72));
  expect_error(path, "bad section table");
  // Every other header byte is covered by the checksum (container version 2) or checked.
  std::string edited = good;
  edited[kFormatVersion] = 1;
  test::write_file(path, edited);
  expect_error(path, "checksum");
  edited = good;
  edited[kReserved + 3] = 'x';
  test::write_file(path, edited);
  expect_error(path, "reserved header bytes");
  // A header cut short is a truncated file of its kind, not "another kind".
  test::write_file(path, good.substr(0, 40));
  expect_error(path, "truncated test file (too short: 40 bytes");
}

TEST(BinaryFile, FailedWriteLeavesNoFile) {
  TempDir dir;
  const auto path = dir.file("never.bin");
  {
    BinaryWriter w(path, "TRECTEST", 1);
    std::vector<int> v{1};
    w.add("v", v);
    // destroyed without commit()
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  int files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 0);
}

TEST(BinaryFile, CommitReplacesExistingFileWhole) {
  TempDir dir;
  const auto path = dir.file("x.bin");
  test::write_file(path, "old contents");
  write_sample(path);
  BinaryReader r(path, "TRECTEST", "test", 2);
  EXPECT_EQ(r.get<std::uint32_t>("a").size(), 3u);
}

}  // namespace
}  // namespace treerec
