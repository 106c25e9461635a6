#include "cli/model_inputs.h"

#include <cstdio>

#include "treerec/search/model_scorer.h"
#include "treerec/util/error.h"

namespace treerec::cli {

ModelInputs ModelInputs::load(const std::string& dataset_path, const std::string& model_path,
                              const std::string& tree_path) {
  ModelInputs in{Dataset::load(dataset_path), Tree::load(tree_path), load_trained_model(model_path),
                 Method{}, HierarchicalPreference{}};
  in.tree.check_items(in.dataset.item_ids(), dataset_path);
  check_model_tree(in.trained.info, in.tree, model_path, tree_path);
  in.method = training_method(in.trained.info.method);
  const Representation r = in.trained.model->config().representation;
  if (r != in.method.representation)
    fail(model_path, ": method ", in.method.name, " uses the ", representation_name(in.method.representation),
         " representation but the model was built with ", representation_name(r));
  in.features = HierarchicalPreference(r, in.tree);
  try {
    check_model_fits(*in.trained.model, in.features, in.tree);
  } catch (const Error& e) {
    fail(model_path, " does not fit ", tree_path, ": ", e.what());
  }
  return in;
}

void note_short_beam(bool brute_force, std::uint32_t beam, std::uint32_t top) {
  if (!brute_force && beam < top)
    std::fprintf(stderr, "note: beam k = %u < M = %u: beam search may return fewer than M items "
                 "per user (at most 2k = %llu)\n", beam, top,
                 static_cast<unsigned long long>(2 * static_cast<std::uint64_t>(beam)));
}

}  // namespace treerec::cli
