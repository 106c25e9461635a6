// What `treerec evaluate` and `treerec retrieve` load for a trained model: the dataset, the
// tree and the model, checked against each other so that a mismatch is a clear error naming
// the files instead of a wrong answer.
#pragma once

#include <cstdint>
#include <string>

#include "treerec/data/dataset.h"
#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/model_file.h"
#include "treerec/tree/tree.h"

namespace treerec::cli {

struct ModelInputs {
  Dataset dataset;
  Tree tree;
  TrainedModel trained;
  Method method;
  HierarchicalPreference features;  // the model's representation on `tree`

  // Loads the three files and checks: the tree holds the dataset's items (Tree::check_items),
  // the model was trained on this tree (check_model_tree), the model's representation is its
  // method's, and its tables fit the tree (check_model_fits). Throws Error naming the files.
  static ModelInputs load(const std::string& dataset_path, const std::string& model_path,
                          const std::string& tree_path);
};

// Tells stderr when beam search may return fewer than M items: with k < M the leaf level
// offers at most 2k candidates (ALGORITHMS §6).
void note_short_beam(bool brute_force, std::uint32_t beam, std::uint32_t top);

}  // namespace treerec::cli
