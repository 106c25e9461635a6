#include "cli/model_inputs.h"

#include <cstdio>

#include "treerec/util/error.h"

namespace treerec::cli {

ModelInputs ModelInputs::load(const std::string& dataset_path, const std::string& model_path,
                              const std::string& tree_path) {
  ModelInputs in{Dataset::load(dataset_path), Tree::load(tree_path), load_trained_model(model_path),
                 Method{}, HierarchicalPreference{}};
  in.tree.check_items(in.dataset.item_ids(), dataset_path);
  in.features = trained_model_features(in.trained, in.tree, model_path, tree_path);
  in.method = training_method(in.trained.info.method);
  return in;
}

void note_short_beam(bool brute_force, std::uint32_t beam, std::uint32_t top) {
  if (!brute_force && beam < top)
    std::fprintf(stderr, "note: beam k = %u < M = %u: beam search may return fewer than M items "
                 "per user (at most 2k = %llu)\n", beam, top,
                 static_cast<unsigned long long>(2 * static_cast<std::uint64_t>(beam)));
}

}  // namespace treerec::cli
