// The initial tree from categories (ALGORITHMS §3, TDM's initialisation).
#include <algorithm>
#include <vector>

#include "treerec/tree/tree.h"
#include "treerec/util/error.h"

namespace treerec {

namespace {
// Assigns the items order[s, e) under node `c` at `level`: halves go to 2c+1 ([s, mid)) and
// 2c+2 ([mid, e)) with mid = (s + e) / 2; a single item is pushed down along first children,
// i.e. to ((c + 1) << (l_max - level)) - 1. Both halves of a list of two or more are non-empty,
// and a list at level l holds at most ceil(|C| / 2^l) items, so every item ends at or above
// l_max and the recursion is at most l_max + 1 deep.
void split(const std::vector<std::uint32_t>& order, std::size_t s, std::size_t e, Code c,
           std::uint32_t level, std::uint32_t max_level, std::vector<Code>& leaf) {
  while (e - s > 1) {
    const std::size_t mid = (s + e) / 2;
    split(order, s, mid, first_child(c), level + 1, max_level, leaf);
    s = mid;  // the second half continues in this frame
    c = first_child(c) + 1;
    ++level;
  }
  leaf[order[s]] = ((c + 1) << (max_level - level)) - 1;
}
}  // namespace

Tree build_category_tree(std::span<const std::uint32_t> item_category, const StringTable& item_ids) {
  const std::size_t n = item_category.size();
  if (n == 0) fail("cannot build a category tree without items");
  if (item_ids.size() != n)
    fail("category tree: ", n, " item categories but ", item_ids.size(), " item ids");

  // Sort by (category, item id). Dense category ids (the dataset's): a counting sort, stable,
  // so items keep increasing ids within a category, O(|C| + categories). Sparse ids: a sort.
  std::vector<std::uint32_t> order(n);
  const std::uint64_t categories =
      std::uint64_t{*std::max_element(item_category.begin(), item_category.end())} + 1;
  if (categories <= 2 * n + 1024) {
    std::vector<std::size_t> start(categories + 1, 0);
    for (std::uint32_t k : item_category) ++start[std::size_t{k} + 1];
    for (std::size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
    for (std::size_t i = 0; i < n; ++i)
      order[start[item_category[i]]++] = static_cast<std::uint32_t>(i);
  } else {
    for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      return item_category[a] != item_category[b] ? item_category[a] < item_category[b] : a < b;
    });
  }

  const std::uint32_t max_level = max_level_for(n);
  std::vector<Code> leaf(n);
  split(order, 0, n, 0, 0, max_level, leaf);
  Tree tree(std::move(leaf), max_level, item_ids);
  tree.set_builder("category");
  return tree;
}

}  // namespace treerec
