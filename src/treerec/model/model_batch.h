// The batch every user of a preference model speaks: training, beam search and tree learning.
//
// A batch is G groups and R rows.
//  - A group is one user at one tree level: the behaviour-table rows of that user's behaviours
//    as represented for that level (HierarchicalPreference), most recent first, at most 69 (ALGORITHMS §4).
//    Group g's behaviours are features[feature_offsets[g], feature_offsets[g + 1]) (CSR).
//    A group may have no behaviours (all windows are then zero).
//  - A row is one target node scored for its group: its row in the node embedding table
//    (Tree::node_index). Rows are stored group after group: group g owns rows
//    [row_offsets[g], row_offsets[g + 1]). One logit comes out per row, in row order.
//
// Models compute the user part of a group once and share it with all of the group's rows
// (for the DNN, W1u times the window means). Fill a batch with add_group() then add_row();
// clear() keeps capacity, so a reused batch does not allocate in steady state.
//
// repeated_nodes is a hint from whoever fills the batch: its groups score the same few nodes
// over and over (tree learning: every sample of a gap scores the same candidates). A model may
// then compute each distinct node's part once (the DNN's W1n v); the logits do not change.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "treerec/util/error.h"

namespace treerec {

inline constexpr std::uint32_t kMaxBehaviors = 69;  // ALGORITHMS §4: sum of the window sizes

struct ModelBatch {
  std::vector<std::uint32_t> features;
  std::vector<std::uint64_t> feature_offsets{0};  // G + 1
  std::vector<std::uint32_t> nodes;
  std::vector<std::uint64_t> row_offsets{0};      // G + 1
  bool repeated_nodes = false;                     // a hint; kept by clear()

  std::size_t num_groups() const { return feature_offsets.size() - 1; }
  std::size_t num_rows() const { return nodes.size(); }
  std::span<const std::uint32_t> group_features(std::size_t g) const {
    return std::span<const std::uint32_t>(features).subspan(
        feature_offsets[g], feature_offsets[g + 1] - feature_offsets[g]);
  }

  void clear() {
    features.clear();
    feature_offsets.assign(1, 0);
    nodes.clear();
    row_offsets.assign(1, 0);
  }
  // Starts a group with these behaviour rows (most recent first, at most 69).
  void add_group(std::span<const std::uint32_t> behaviour_rows) {
    TR_CHECK(behaviour_rows.size() <= kMaxBehaviors, "a group holds at most ", kMaxBehaviors,
             " behaviours, got ", behaviour_rows.size());
    features.insert(features.end(), behaviour_rows.begin(), behaviour_rows.end());
    feature_offsets.push_back(features.size());
    row_offsets.push_back(nodes.size());
  }
  // Adds a target node row to the last group.
  void add_row(std::uint32_t node) {
    TR_CHECK(num_groups() > 0, "add_group() must come before add_row()");
    nodes.push_back(node);
    row_offsets.back() = nodes.size();
  }
  // Throws Error unless the offsets are consistent and every id is below its table's size.
  void validate(std::uint64_t behavior_rows, std::uint64_t node_rows) const;
};

}  // namespace treerec
