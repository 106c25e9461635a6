#include "treerec/search/item_filter.h"

#include <algorithm>
#include <functional>
#include <numeric>
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

CategorySummary::CategorySummary(const Tree& tree, std::span<const std::uint32_t> item_category,
                                 std::uint32_t num_categories)
    : tree_(tree), num_categories_(num_categories), item_category_(item_category.begin(), item_category.end()) {
  TR_CHECK(item_category.size() == tree.num_items(), "the filter's item categories cover ", item_category.size(),
           " items, the tree holds ", tree.num_items());
  for (std::uint32_t i = 0; i < tree.num_items(); ++i)
    if (item_category[i] >= num_categories)
      fail("filter: item ", i, " has category ", item_category[i], " of ", num_categories);
  // Bottom up: a leaf holds its item's category once; a node merges its children's lists.
  const std::uint32_t L = tree.max_level();
  std::vector<std::vector<Count>> level(L + 1);
  std::vector<std::vector<std::uint64_t>> begin(L + 1);
  for (const std::uint32_t item : tree.items_by_leaf()) level[L].push_back({item_category_[item], 1});
  begin[L].resize(level[L].size() + 1);
  std::iota(begin[L].begin(), begin[L].end(), std::uint64_t{0});
  for (std::uint32_t l = L; l-- > 0;) {
    const auto nodes = tree.level_nodes(l);
    begin[l].reserve(nodes.size() + 1);
    for (const Code c : nodes) {
      begin[l].push_back(level[l].size());
      std::span<const Count> part[2];
      std::uint32_t n = 0;
      for (const Code child : tree.children(c)) {
        const std::uint64_t k = static_cast<std::uint64_t>(tree.node_index(child)) - tree.level_offset(l + 1);
        part[n++] = std::span<const Count>(level[l + 1]).subspan(begin[l + 1][k], begin[l + 1][k + 1] - begin[l + 1][k]);
      }
      std::size_t a = 0, b = 0;
      while (a < part[0].size() || b < part[1].size()) {
        if (b == part[1].size() || (a < part[0].size() && part[0][a].category < part[1][b].category)) {
          level[l].push_back(part[0][a++]);
        } else if (a == part[0].size() || part[1][b].category < part[0][a].category) {
          level[l].push_back(part[1][b++]);
        } else {
          level[l].push_back({part[0][a].category, part[0][a].items + part[1][b].items});
          ++a, ++b;
        }
      }
    }
    begin[l].push_back(level[l].size());
  }
  offset_.reserve(tree.num_nodes() + 1);
  items_.reserve(tree.num_nodes());
  std::size_t total = 0;
  for (const auto& counts : level) total += counts.size();
  counts_.reserve(total);  // no regrowth: the peak stays at the level lists plus the result
  for (std::uint32_t l = 0; l <= L; ++l) {
    const std::uint64_t base = counts_.size();
    for (std::size_t k = 0; k + 1 < begin[l].size(); ++k) {
      offset_.push_back(base + begin[l][k]);
      std::uint64_t items = 0;
      for (std::uint64_t e = begin[l][k]; e < begin[l][k + 1]; ++e) items += level[l][e].items;
      items_.push_back(items);
    }
    counts_.insert(counts_.end(), level[l].begin(), level[l].end());
    std::vector<Count>().swap(level[l]);
  }
  offset_.push_back(counts_.size());
}

CategorySummary::CategorySummary(const Tree& tree)
    : CategorySummary(tree, std::vector<std::uint32_t>(tree.num_items(), 0), 1) {}

ItemFilter::ItemFilter(std::shared_ptr<const CategorySummary> summary_ptr, const FilterSpec& spec)
    : summary_(std::move(summary_ptr)),
      category_rule_(!spec.categories.empty() || !spec.exclude_categories.empty()),
      allowed_(summary_->num_categories(), spec.categories.empty() ? 1 : 0) {
  const CategorySummary& summary = *summary_;
  const std::uint32_t num_categories = summary.num_categories();
  for (std::uint32_t c : spec.categories) {
    if (c >= num_categories) fail("filter: category ", c, " is not below the number of categories ", num_categories);
    allowed_[c] = 1;
  }
  for (std::uint32_t c : spec.exclude_categories) {
    if (c >= num_categories) fail("filter: category ", c, " is not below the number of categories ", num_categories);
    allowed_[c] = 0;
  }
  // The shorter description of the rule for nodes with many categories: the allowed ones when
  // `categories` is given, else the refused ones.
  listed_allowed_ = !spec.categories.empty();
  for (std::uint32_t c = 0; c < num_categories; ++c)
    if ((allowed_[c] != 0) == listed_allowed_) listed_.push_back(c);
  const Tree& tree = summary.tree();
  for (std::uint32_t i : spec.exclude_items) {
    if (i >= tree.num_items()) fail("filter: item ", i, " is not below the corpus size ", tree.num_items());
    if (allowed_[summary.category(i)]) excluded_.push_back(i);
  }
  std::sort(excluded_.begin(), excluded_.end());
  excluded_.erase(std::unique(excluded_.begin(), excluded_.end()), excluded_.end());
  std::vector<std::uint64_t> ancestors;
  ancestors.reserve(excluded_.size() * (tree.max_level() + 1));
  for (std::uint32_t i : excluded_)
    for (std::uint32_t l = 0; l <= tree.max_level(); ++l) ancestors.push_back(tree.ancestor_index(i, l));
  std::sort(ancestors.begin(), ancestors.end());
  for (const std::uint64_t node : ancestors) {
    if (excluded_below_.empty() || excluded_below_.back().first != node) excluded_below_.push_back({node, 0});
    ++excluded_below_.back().second;
  }
}

bool ItemFilter::passes(std::uint32_t item) const {
  return allowed_[summary_->category(item)] && !std::binary_search(excluded_.begin(), excluded_.end(), item);
}

std::uint64_t ItemFilter::passing_below(Code node) const {
  const std::int64_t index = summary_->tree().node_index(node);
  TR_CHECK(index >= 0, "filter: node ", node, " is empty");
  const auto k = static_cast<std::uint64_t>(index);
  std::uint64_t n = 0;
  if (!category_rule_) {
    n = summary_->items_below(k);
  } else if (const auto below = summary_->below(k); below.size() <= 8 * listed_.size()) {
    for (const CategorySummary::Count& c : below)
      if (allowed_[c.category]) n += c.items;
  } else {  // many categories below (a learned tree's upper levels): look up the listed ones
    n = listed_allowed_ ? 0 : summary_->items_below(k);
    for (const std::uint32_t category : listed_) {
      const auto it = std::lower_bound(below.begin(), below.end(), category,
                                       [](const CategorySummary::Count& c, std::uint32_t x) { return c.category < x; });
      if (it == below.end() || it->category != category) continue;
      if (listed_allowed_) {
        n += it->items;
      } else {
        n -= it->items;
      }
    }
  }
  if (!excluded_below_.empty()) {
    const auto it = std::lower_bound(excluded_below_.begin(), excluded_below_.end(),
                                     std::pair<std::uint64_t, std::uint32_t>{k, 0});
    if (it != excluded_below_.end() && it->first == k) n -= it->second;
  }
  return n;
}

}  // namespace treerec
