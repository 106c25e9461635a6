#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "treerec/util/hash.h"

namespace treerec {
namespace {

TEST(Hash, Hex64IsSixteenLowerCaseDigits) {
  EXPECT_EQ(hex64(0), "0000000000000000");
  EXPECT_EQ(hex64(0xABCDEF0123456789ull), "abcdef0123456789");
}

TEST(Hash, Xxh3MatchesTheReferenceAndTheStreamMatchesOneShot) {
  EXPECT_EQ(xxh3(nullptr, 0), 0x2d06800538d394c2ull);  // XXH3-64 of no input, seed 0
  std::vector<std::uint32_t> values(10000);
  for (std::uint32_t i = 0; i < values.size(); ++i) values[i] = i * 2654435761u;
  const std::uint64_t whole = xxh3(std::span<const std::uint32_t>(values));
  Xxh3Stream stream;
  stream.update(std::span<const std::uint32_t>(values).first(3));
  stream.update(std::span<const std::uint32_t>(values).subspan(3, 4000));
  EXPECT_EQ(stream.digest(), xxh3(values.data(), 4003 * sizeof(std::uint32_t)));
  stream.update(std::span<const std::uint32_t>(values).subspan(4003));
  EXPECT_EQ(stream.digest(), whole);
  values[5000] ^= 1;
  EXPECT_NE(xxh3(std::span<const std::uint32_t>(values)), whole);
}

}  // namespace
}  // namespace treerec
