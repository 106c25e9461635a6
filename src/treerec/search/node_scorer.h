// What retrieval needs from a model (ALGORITHMS §6): scores of (query, tree node) pairs, asked for a
// batch of queries one tree level at a time, so that a model can score a whole layer of a
// whole batch in one call (PECOS style). The search code is written against these interfaces
// only, so it is tested with synthetic scorers and used with any preference model.
//
// Queries are indices into a list the caller owns and the factory knows: the evaluation users
// of a dataset, the behaviour lists of a serving request, ... The search passes them through
// untouched.
//
// Threads: the factory is shared (make() is called concurrently and must be thread-safe; the
// model behind it is read-only while it serves); each worker thread owns the NodeScorer it made
// (its scratch buffers), in the style of fastText's Model::State.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "treerec/tree/tree.h"

namespace treerec {

class NodeScorer {
 public:
  virtual ~NodeScorer() = default;

  // Starts a batch: row q of every following score() call belongs to queries[q]. The span is
  // valid until the next start_batch(). A scorer may precompute per-query state here.
  virtual void start_batch(std::span<const std::uint32_t> queries) = 0;

  // For each query q of the batch, scores the nodes nodes[row_begin[q], row_begin[q + 1]),
  // all at tree level `level`, writing scores[i] for nodes[i].
  //   row_begin.size() == batch size + 1, row_begin[0] == 0, row_begin.back() == nodes.size(),
  //   scores.size() == nodes.size(); a row may be empty; codes within a row are distinct.
  // The score must depend on (query, node) only, not on the batch or the node's position, so
  // that results do not depend on batch size or thread count. It must not be NaN.
  // Node-score ranking (TDM, JTM) wants p̂(n | u) or any increasing transform of it (a logit);
  // path-sum ranking (HSM) wants log p̂(n | parent(n), u): see BeamRanking.
  virtual void score(std::uint32_t level, std::span<const std::uint32_t> row_begin,
                     std::span<const Code> nodes, std::span<float> scores) = 0;
};

class NodeScorerFactory {
 public:
  virtual ~NodeScorerFactory() = default;
  // A new scorer with its own scratch space; called once per worker thread, concurrently.
  virtual std::unique_ptr<NodeScorer> make() const = 0;
};

}  // namespace treerec
