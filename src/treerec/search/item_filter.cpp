#include "treerec/search/item_filter.h"

#include <functional>
#include <string_view>
#include <unordered_map>

#include "treerec/util/error.h"

namespace treerec {
namespace {

// Dense ids of `raw` among `count` names (name(i) is id i's); an unknown one fails naming `list`.
std::vector<std::uint32_t> dense_ids(const std::vector<std::string>& raw, std::uint32_t count,
                                     const std::function<std::string_view(std::uint32_t)>& name,
                                     const std::string& list, const char* what) {
  if (raw.empty()) return {};
  constexpr std::uint32_t kUnknown = 0xFFFFFFFFu;
  std::unordered_map<std::string_view, std::uint32_t> wanted;
  for (const std::string& r : raw) wanted.emplace(r, kUnknown);
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto it = wanted.find(name(i));
    if (it != wanted.end()) it->second = i;
  }
  std::vector<std::uint32_t> ids;
  for (const std::string& r : raw) {
    const std::uint32_t id = wanted.at(r);
    if (id == kUnknown) fail(list, ": the dataset has no ", what, " '", r, "'");
    ids.push_back(id);
  }
  return ids;
}

}  // namespace

FilterSpec filter_spec(const Dataset& dataset, const RawFilter& raw, const FilterNames& names) {
  const auto category = [&](std::uint32_t c) { return dataset.category_id(c); };
  const auto item = [&](std::uint32_t i) { return dataset.item_id(i); };
  FilterSpec spec;
  spec.categories = dense_ids(raw.categories, dataset.num_categories(), category, names.categories, "category");
  spec.exclude_categories =
      dense_ids(raw.exclude_categories, dataset.num_categories(), category, names.exclude_categories, "category");
  spec.exclude_items = dense_ids(raw.exclude_items, dataset.num_items(), item, names.exclude_items, "item");
  return spec;
}

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
