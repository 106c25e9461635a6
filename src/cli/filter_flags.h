// The business-rule filter of `treerec evaluate` and `treerec retrieve` (search/item_filter.h):
// --categories, --exclude-categories and --exclude-items, with the dataset's raw ids.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "treerec/data/dataset.h"
#include "treerec/search/item_filter.h"
#include "treerec/tree/tree.h"

namespace treerec::cli {

// The flags' raw ids.
using FilterFlags = RawFilter;

void add_filter_flags(CLI::App& cmd, FilterFlags& flags);

// The filter of `flags` over `tree` with `dataset`'s categories, or null when no flag is given.
// Throws Error naming the flag and the raw id that the dataset does not know.
std::unique_ptr<ItemFilter> make_filter(const FilterFlags& flags, const Dataset& dataset, const Tree& tree);

}  // namespace treerec::cli
