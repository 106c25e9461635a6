// The k-means initial tree (ALGORITHMS §3; TDM's tree re-clustering): items are split recursively by
// balanced 2-means on their embeddings. A node with m >= 2 items gives its floor(m/2) items
// nearest the first centroid to its first child (2c+1) and the other ceil(m/2) to its second
// child (2c+2); a single item is pushed down along first children to level l_max, exactly as
// the category tree does, so every level holds at most ceil(|C| / 2^l) items per node.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "treerec/io/string_table.h"
#include "treerec/tree/tree.h"
#include "treerec/util/params.h"

namespace treerec {

class PreferenceModel;

struct KMeansTreeOptions {
  // Lloyd iterations per node at most (each: a balanced assignment, then new centroids); a node
  // stops earlier once its split no longer changes.
  std::uint32_t iterations = 10;
  std::uint64_t seed = 1;
  int threads = 0;  // 0 = the process default; never changes the tree
};

// kmeans_iterations (util/params.h); the seed is each caller's (a round's or --seed).
const ParamTable<KMeansTreeOptions>& kmeans_params();

// Balanced recursive 2-means on `embeddings` (item-major: item i is [i * dim, (i + 1) * dim)).
// Node c's split starts from centroids picked with Rng(mix_seed(seed, c)): a random item a,
// the item b farthest from a, and the item farthest from b (k-means++-like, so well separated
// groups start apart). Ranking is by x·(c0 - c1), which orders items by how much nearer c0 they
// are; ties go by the smaller item id. Sums run in fixed blocks added in order, so the tree is
// the same for any thread count: subtrees are split in parallel, and a level with few large
// nodes splits each node with parallel blocks. The builder is "kmeans". Throws Error for sizes
// that do not match or non-finite values.
Tree build_kmeans_tree(std::span<const float> embeddings, std::uint32_t dim, const StringTable& item_ids,
                       const KMeansTreeOptions& options = {});

// The item embeddings that k-means clusters: row node_index(π(c)) of the model's target-node
// table for every item c of `tree`, the tree the model was trained on. These are the items'
// leaf embeddings as the model scores them as targets; they exist under every representation
// (tdm, jtm-hi, jtm-h, dnn), whereas the behaviour table holds items only under tdm and holds
// ancestors or per-level copies otherwise. TDM clusters the same leaf-node embeddings.
// Throws Error if the model's node table does not fit the tree.
std::vector<float> leaf_embeddings(const PreferenceModel& model, const Tree& tree);

}  // namespace treerec
