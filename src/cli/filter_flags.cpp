#include "cli/filter_flags.h"

#include <unordered_map>

#include "treerec/util/error.h"

namespace treerec::cli {
namespace {

// Dense ids of `raw` among `names` (name i has dense id i); an unknown one fails naming `flag`.
std::vector<std::uint32_t> dense_ids(const std::vector<std::string>& raw, std::uint32_t count,
                                     const std::function<std::string_view(std::uint32_t)>& name, const char* flag,
                                     const char* what) {
  if (raw.empty()) return {};
  std::unordered_map<std::string_view, std::uint32_t> wanted;
  for (const std::string& r : raw) wanted.emplace(r, 0xFFFFFFFFu);
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto it = wanted.find(name(i));
    if (it != wanted.end()) it->second = i;
  }
  std::vector<std::uint32_t> ids;
  for (const std::string& r : raw) {
    const std::uint32_t id = wanted.at(r);
    if (id == 0xFFFFFFFFu) fail(flag, ": the dataset has no ", what, " '", r, "'");
    ids.push_back(id);
  }
  return ids;
}

}  // namespace

void add_filter_flags(CLI::App& cmd, FilterFlags& flags) {
  cmd.add_option("--categories", flags.categories,
                 "return only items of these categories (raw ids as in the log; inside the search: docs/SERVING.md)")
      ->delimiter(',');
  cmd.add_option("--exclude-categories", flags.exclude_categories, "never return items of these categories")
      ->delimiter(',');
  cmd.add_option("--exclude-items", flags.exclude_items, "never return these items (raw ids)")->delimiter(',');
}

std::unique_ptr<ItemFilter> make_filter(const FilterFlags& flags, const Dataset& dataset, const Tree& tree) {
  if (!flags.any()) return nullptr;
  FilterSpec spec;
  const auto category = [&](std::uint32_t c) { return dataset.category_id(c); };
  const auto item = [&](std::uint32_t i) { return dataset.item_id(i); };
  spec.categories = dense_ids(flags.categories, dataset.num_categories(), category, "--categories", "category");
  spec.exclude_categories =
      dense_ids(flags.exclude_categories, dataset.num_categories(), category, "--exclude-categories", "category");
  spec.exclude_items = dense_ids(flags.exclude_items, dataset.num_items(), item, "--exclude-items", "item");
  return std::make_unique<ItemFilter>(tree, dataset.item_categories(), dataset.num_categories(), spec);
}

}  // namespace treerec::cli
