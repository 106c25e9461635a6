// Checks and sizes that belong to a trained model rather than to any one use of it: whether a
// model, its behaviour features and a tree belong together, and how many rows one forward call
// may hold. Search, tree learning, serving and the CLI all use them.
#pragma once

#include <cstddef>

#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/preference_model.h"
#include "treerec/tree/tree.h"

namespace treerec {

// Throws Error unless the model, the features and the tree belong together: the features were
// built for this tree with the model's representation, and the model's tables have the rows
// the tree and the representation need.
void check_model_fits(const PreferenceModel& model, const HierarchicalPreference& features,
                      const Tree& tree);

// How many rows one forward call may hold so that a model's scratch space stays near `bytes`
// (the DNN keeps about 3 x (sum of hidden widths) floats per row, the attention model about
// 69 (E + 3 Ha) more). At least 1. Search batch sizes are derived from it.
std::size_t forward_rows_budget(const ModelConfig& config, std::size_t bytes = std::size_t{32} << 20);

}  // namespace treerec
