#include "treerec/search/item_filter.h"

#include "treerec/util/error.h"

namespace treerec {

ItemFilter::ItemFilter(const Tree& tree, std::span<const std::uint32_t> item_category, std::uint32_t num_categories,
                       const FilterSpec& spec)
    : tree_(tree), pass_(tree.num_items(), 1), below_(tree.num_nodes(), 0) {
  TR_CHECK(item_category.size() == tree.num_items(), "the filter's item categories cover ", item_category.size(),
           " items, the tree holds ", tree.num_items());
  std::vector<std::uint8_t> allowed(num_categories, spec.categories.empty() ? 1 : 0);
  for (std::uint32_t c : spec.categories) {
    if (c >= num_categories) fail("filter: category ", c, " is not below the number of categories ", num_categories);
    allowed[c] = 1;
  }
  for (std::uint32_t c : spec.exclude_categories) {
    if (c >= num_categories) fail("filter: category ", c, " is not below the number of categories ", num_categories);
    allowed[c] = 0;
  }
  for (std::uint32_t i = 0; i < tree.num_items(); ++i) {
    if (item_category[i] >= num_categories)
      fail("filter: item ", i, " has category ", item_category[i], " of ", num_categories);
    pass_[i] = allowed[item_category[i]];
  }
  for (std::uint32_t i : spec.exclude_items) {
    if (i >= tree.num_items()) fail("filter: item ", i, " is not below the corpus size ", tree.num_items());
    pass_[i] = 0;
  }
  for (std::uint32_t i = 0; i < tree.num_items(); ++i)
    if (pass_[i])
      for (std::uint32_t l = 0; l <= tree.max_level(); ++l) ++below_[tree.ancestor_index(i, l)];
}

}  // namespace treerec
