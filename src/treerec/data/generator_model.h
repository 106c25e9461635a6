// Internal to the generator (generator.cpp, tests): the planted structure that
// `treerec generate` draws users' behaviours from. docs/GENERATOR.md explains the model.
#pragma once

#include <cstdint>
#include <vector>

#include "treerec/data/generator.h"
#include "treerec/util/random.h"

namespace treerec::generator_detail {

// Independent random streams, one per purpose, each split further by item, node or user
// with mix_seed, so no result depends on the order or the thread that draws it.
enum Stream : std::uint64_t {
  kStreamItemOrder = 1,
  kStreamCategoryOrder = 2,
  kStreamItemCategory = 3,
  kStreamNodeRanks = 4,
  kStreamUserCounts = 5,
  kStreamUser = 6,
};

// Walker/Vose alias table: O(1) draws from a fixed discrete distribution.
class AliasTable {
 public:
  AliasTable() = default;
  // weights: non-negative, at least one positive.
  explicit AliasTable(const std::vector<double>& weights);
  std::uint64_t sample(Rng& rng) const {
    const std::uint64_t i = rng.uniform(prob_.size());
    return rng.uniform01() < prob_[i] ? i : alias_[i];
  }
  std::size_t size() const { return prob_.size(); }

 private:
  std::vector<double> prob_;
  std::vector<std::uint32_t> alias_;
};

// What sits at one hidden position: the (0-based) item id and its (0-based) category.
struct Slot {
  std::uint32_t item;
  std::uint32_t category;
};

// Items laid out by hidden position 0..items-1: leaf group g holds positions
// [group_begin(g), group_begin(g+1)); an interest node covers 2^span consecutive groups.
// Positions are a random permutation of item ids, so ids reveal nothing.
class HiddenModel {
 public:
  // options must be valid, with categories resolved (non-zero).
  HiddenModel(const GeneratorOptions& options, int threads);

  const HiddenShape& shape() const { return shape_; }
  std::uint64_t items() const { return items_; }
  std::uint64_t group_begin(std::uint64_t group) const {
    return group * items_ / shape_.leaf_groups;
  }
  // The leaf group holding a position (inverse of group_begin).
  std::uint64_t group_of(std::uint64_t position) const {
    return ((position + 1) * shape_.leaf_groups - 1) / items_;
  }
  std::uint64_t interest_node_of(std::uint64_t position) const {
    return group_of(position) >> span_;
  }
  const Slot& slot(std::uint64_t position) const { return slots_[position]; }
  // The category aligned with the hierarchy at this position (0-based, permuted like the rest).
  std::uint32_t home_category(std::uint64_t position) const;

  // An interest node, by its power-law popularity.
  std::uint64_t sample_node(Rng& rng) const { return node_popularity_.sample(rng); }
  // A node near `node` in the hidden tree: a sibling or a cousin (itself if it has none).
  std::uint64_t nearby_node(std::uint64_t node, Rng& rng) const;
  // A position under an interest node: a uniform leaf group, then a power-law rank in it.
  std::uint64_t sample_in_node(std::uint64_t node, Rng& rng) const;
  // A position by global popularity (the marginal of the two draws above).
  std::uint64_t sample_popular(Rng& rng) const { return sample_in_node(sample_node(rng), rng); }

 private:
  std::uint64_t items_;
  std::uint64_t categories_;
  HiddenShape shape_;
  std::uint32_t span_;  // levels from an interest node down to its leaf groups
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> category_order_;  // aligned category -> output category
  AliasTable node_popularity_;
  std::uint64_t small_group_;  // groups hold small_group_ or small_group_ + 1 positions
  AliasTable rank_small_, rank_large_;
};

// Per-user record counts, fixed up front: every user gets a floor of
// clamp(records / (2 users), 1, 10) rows, and the rest is shared out in proportion to
// heavy-tailed (log-normal) weights by cumulative rounding, so the counts sum to records.
class UserCounts {
 public:
  UserCounts(const GeneratorOptions& options, int threads);
  std::uint64_t count(std::uint64_t user) const { return offsets_[user + 1] - offsets_[user]; }
  std::uint64_t users() const { return offsets_.size() - 1; }

 private:
  std::vector<std::uint64_t> offsets_;  // users + 1 cumulative counts
};

}  // namespace treerec::generator_detail
