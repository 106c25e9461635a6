#include <gtest/gtest.h>

#include "treerec/tree/tree.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

TEST(TreeCodes, Levels) {
  EXPECT_EQ(code_level(0), 0u);
  EXPECT_EQ(code_level(1), 1u);
  EXPECT_EQ(code_level(2), 1u);
  EXPECT_EQ(code_level(3), 2u);
  EXPECT_EQ(code_level(6), 2u);
  EXPECT_EQ(code_level(7), 3u);
  EXPECT_EQ(code_level(14), 3u);
  EXPECT_EQ(code_level(15), 4u);
  EXPECT_EQ(code_level((Code{1} << 22) - 1), 22u);  // first code of level 22
  EXPECT_EQ(code_level((Code{1} << 23) - 2), 22u);  // last code of level 22
  EXPECT_EQ(code_level(~Code{0} - 1), 63u);
  EXPECT_EQ(level_first_code(0), 0u);
  EXPECT_EQ(level_first_code(1), 1u);
  EXPECT_EQ(level_first_code(3), 7u);
  EXPECT_EQ(level_first_code(22), 4194303u);
}

TEST(TreeCodes, ParentsAndChildren) {
  EXPECT_EQ(sibling_code(1), 2u);
  EXPECT_EQ(sibling_code(2), 1u);
  EXPECT_EQ(sibling_code(5), 6u);
  EXPECT_EQ(sibling_code(6), 5u);
  EXPECT_EQ(parent_code(1), 0u);
  EXPECT_EQ(parent_code(2), 0u);
  EXPECT_EQ(parent_code(5), 2u);
  EXPECT_EQ(parent_code(6), 2u);
  EXPECT_EQ(parent_code(13), 6u);
  EXPECT_EQ(parent_code(14), 6u);
  EXPECT_EQ(first_child(0), 1u);
  EXPECT_EQ(first_child(2), 5u);
  EXPECT_EQ(first_child(6), 13u);
  for (Code c = 0; c < 1000; ++c) {
    EXPECT_EQ(parent_code(first_child(c)), c);
    EXPECT_EQ(parent_code(first_child(c) + 1), c);
    EXPECT_EQ(code_level(first_child(c)), code_level(c) + 1);
  }
}

TEST(TreeCodes, AncestorsAtEachLevel) {
  // 13 -> 6 -> 2 -> 0 and 9 -> 4 -> 1 -> 0.
  EXPECT_EQ(ancestor_code(13, 0), 0u);
  EXPECT_EQ(ancestor_code(13, 1), 2u);
  EXPECT_EQ(ancestor_code(13, 2), 6u);
  EXPECT_EQ(ancestor_code(13, 3), 13u);
  EXPECT_EQ(ancestor_code(9, 1), 1u);
  EXPECT_EQ(ancestor_code(9, 2), 4u);
  EXPECT_EQ(ancestor_code(0, 0), 0u);
  // Against repeated parents.
  for (Code c = 0; c < 5000; ++c) {
    Code a = c;
    for (std::uint32_t l = code_level(c);; --l) {
      EXPECT_EQ(ancestor_code(c, l), a) << c << " at level " << l;
      if (l == 0) break;
      a = parent_code(a);
    }
  }
}

TEST(TreeCodes, MaxLevel) {
  EXPECT_EQ(max_level_for(1), 1u);  // a single item still sits below the root
  EXPECT_EQ(max_level_for(2), 1u);
  EXPECT_EQ(max_level_for(3), 2u);
  EXPECT_EQ(max_level_for(4), 2u);
  EXPECT_EQ(max_level_for(5), 3u);
  EXPECT_EQ(max_level_for(8), 3u);
  EXPECT_EQ(max_level_for(9), 4u);
  EXPECT_EQ(max_level_for(4162024), 22u);  // UserBehavior's corpus
  EXPECT_EQ(max_level_for(std::uint64_t{1} << 22), 22u);
  EXPECT_EQ(max_level_for((std::uint64_t{1} << 22) + 1), 23u);
  EXPECT_THROW(max_level_for(0), Error);
}

}  // namespace
}  // namespace treerec
