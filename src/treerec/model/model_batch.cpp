#include "treerec/model/model_batch.h"

namespace treerec {

void ModelBatch::validate(std::uint64_t behavior_rows, std::uint64_t node_rows) const {
  TR_CHECK(!feature_offsets.empty() && feature_offsets.size() == row_offsets.size(),
           "batch offsets must both have G + 1 entries");
  TR_CHECK(feature_offsets.front() == 0 && feature_offsets.back() == features.size() &&
               row_offsets.front() == 0 && row_offsets.back() == nodes.size(),
           "batch offsets must start at 0 and end at the array sizes");
  for (std::size_t g = 0; g < num_groups(); ++g) {
    TR_CHECK(feature_offsets[g] <= feature_offsets[g + 1] &&
                 feature_offsets[g + 1] - feature_offsets[g] <= kMaxBehaviors,
             "group ", g, " must hold 0 to ", kMaxBehaviors, " behaviours");
    TR_CHECK(row_offsets[g] <= row_offsets[g + 1], "group ", g, " has decreasing row offsets");
  }
  for (std::size_t i = 0; i < features.size(); ++i)
    TR_CHECK(features[i] < behavior_rows, "behaviour row ", features[i], " at position ", i,
             " is outside the behaviour table (", behavior_rows, " rows)");
  for (std::size_t r = 0; r < nodes.size(); ++r)
    TR_CHECK(nodes[r] < node_rows, "node row ", nodes[r], " of batch row ", r,
             " is outside the node table (", node_rows, " rows)");
}

}  // namespace treerec
