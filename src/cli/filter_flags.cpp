#include "cli/filter_flags.h"

#include "treerec/util/error.h"

namespace treerec::cli {

void add_filter_flags(CLI::App& cmd, FilterFlags& flags) {
  cmd.add_option("--categories", flags.categories,
                 "return only items of these categories (raw ids as in the log), applied inside the search (docs/ALGORITHMS.md §6)")
      ->delimiter(',');
  cmd.add_option("--exclude-categories", flags.exclude_categories, "never return items of these categories")
      ->delimiter(',');
  cmd.add_option("--exclude-items", flags.exclude_items, "never return these items (raw ids)")->delimiter(',');
}

std::unique_ptr<ItemFilter> make_filter(const FilterFlags& flags, const Dataset& dataset, const Tree& tree) {
  if (flags.empty()) return nullptr;
  const FilterSpec spec = filter_spec(dataset, flags, {"--categories", "--exclude-categories", "--exclude-items"});
  return std::make_unique<ItemFilter>(
      std::make_shared<CategorySummary>(tree, dataset.item_categories(), dataset.num_categories()), spec);
}

}  // namespace treerec::cli
