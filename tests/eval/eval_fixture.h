// A tiny prepared dataset, its category tree and a random (untrained) preference model for the
// evaluation and CLI tests: random models rank arbitrarily but deterministically, which is all
// that checking the plumbing needs.
#pragma once

#include <memory>
#include <string>

#include "data/log_builder.h"
#include "treerec/data/dataset.h"
#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/preference_model.h"
#include "treerec/model/model_file.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"
#include "treerec/util/hash.h"
#include "treerec/util/random.h"

namespace treerec::test {

// `users` users u0.. with 10 + (u % 7) records each over `items` items i0.. in 3 categories
// (records drawn from a seeded hash, so some items repeat); `valid` and `test` users.
inline Dataset tiny_dataset(std::uint32_t users = 14, std::uint32_t items = 24,
                            std::uint32_t valid = 5, std::uint32_t test = 3, std::uint64_t seed = 3) {
  LogBuilder b;
  std::int64_t time = 100;
  for (std::uint32_t i = 0; i < items; ++i)  // every item appears, in id order
    b.add("u0", cat("i", i), cat("c", i % 3), time++);
  for (std::uint32_t u = 0; u < users; ++u)
    for (std::uint32_t k = 0; k < 10 + u % 7; ++k) {
      const auto item = static_cast<std::uint32_t>(mix_seed(seed, u, k) % (k % 2 ? items : items / 3));
      b.add(cat("u", u), cat("i", item), cat("c", item % 3), time++);
    }
  PrepareOptions o;
  o.min_records = 1;
  o.valid_users = UserCount{static_cast<double>(valid)};
  o.test_users = UserCount{static_cast<double>(test)};
  o.split_seed = seed;
  return Dataset::build(b.log(), o, DatasetSource{"tiny.csv", "csv", "", 0, 0});
}

inline ModelConfig model_config(const std::string& kind, Representation rep, const Tree& tree) {
  ModelConfig c;
  c.kind = kind;
  c.representation = rep;
  c.embedding_dim = 4;
  c.hidden = {8, 6, 4};
  c.attention_hidden = 4;
  c.behavior_rows = HierarchicalPreference(rep, tree).num_rows();
  c.node_rows = tree.num_nodes();
  c.embedding_init_std = 0.5f;
  return c;
}

// A random model of `method` (tdm, jtm-hi, jtm-h or dnn) for `tree`, saved as a trained model.
inline void save_random_model(const std::string& path, const std::string& method, const Tree& tree,
                              std::uint64_t seed = 11, const std::string& kind = "dnn") {
  const Method& m = training_method(method);
  const auto model = PreferenceModel::create(model_config(kind, m.representation, tree), seed);
  TrainingInfo info;
  info.method = method;
  info.tree_fingerprint = tree.fingerprint();
  info.tree_items = tree.num_items();
  info.tree_levels = tree.max_level();
  info.options = {{"seed", seed}, {"tree_assignment_xxh3", hex64(tree.assignment_fingerprint())}};
  save_trained_model(path, *model, info);
}

// `tree` with the leaves of its first two items on different leaves swapped: the same items
// and shape, another assignment.
inline Tree swapped_tree(const Tree& tree) {
  std::vector<Code> leaves(tree.leaves().begin(), tree.leaves().end());
  std::size_t other = 1;
  while (other < leaves.size() && leaves[other] == leaves[0]) ++other;
  std::swap(leaves[0], leaves[other]);
  return Tree(std::move(leaves), tree.max_level(), tree.item_ids());
}

}  // namespace treerec::test
