#include "treerec/model/model_fit.h"

#include <algorithm>
#include <numeric>

#include "treerec/util/error.h"

namespace treerec {

void check_model_fits(const PreferenceModel& model, const HierarchicalPreference& features,
                      const Tree& tree) {
  const ModelConfig& c = model.config();
  TR_CHECK(features.max_level() == tree.max_level() && features.num_items() == tree.num_items(),
           "behaviour features were built for another tree (", features.num_items(), " items, ",
           features.max_level(), " levels; the tree has ", tree.num_items(), " items, ",
           tree.max_level(), " levels)");
  if (features.representation() != c.representation)
    fail("the model was trained with the ", representation_name(c.representation),
         " representation but the features use ", representation_name(features.representation()));
  if (c.node_rows != tree.num_nodes())
    fail("the model's node table has ", c.node_rows, " rows but the tree has ", tree.num_nodes(),
         " non-empty nodes: the model was trained on another tree");
  if (c.behavior_rows != features.num_rows())
    fail("the model's behaviour table has ", c.behavior_rows, " rows but ",
         representation_name(features.representation()), " on this tree needs ", features.num_rows(),
         ": the model was trained on another tree");
}

std::size_t forward_rows_budget(const ModelConfig& config, std::size_t bytes) {
  const std::size_t hidden = std::accumulate(config.hidden.begin(), config.hidden.end(), std::size_t{0});
  const std::size_t e = config.embedding_dim;
  // MlpTower keeps A, H and dA per layer; the models add their gathered embeddings.
  std::size_t floats = 3 * hidden + (11 + 1) * e;
  if (config.kind == "attention")
    floats += std::size_t{kMaxBehaviors} * (e + 3 * std::size_t{config.attention_hidden});
  return std::max<std::size_t>(1, bytes / (floats * sizeof(float)));
}

}  // namespace treerec
