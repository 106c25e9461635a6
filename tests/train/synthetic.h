// Small in-memory datasets with planted structure for the training tests: items fall into
// groups (their categories), and every user draws most of their items from one group, so the
// category tree mirrors the structure and a model can learn it.
#pragma once

#include <string>

#include "data/log_builder.h"
#include "test_util.h"
#include "treerec/data/dataset.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"
#include "treerec/util/random.h"

namespace treerec::test {

struct PlantedShape {
  std::uint32_t users = 60;
  std::uint32_t groups = 8;
  std::uint32_t items_per_group = 8;
  std::uint32_t records = 16;      // per user
  double in_group = 0.9;           // chance that a record comes from the user's group
  double valid_fraction = 0;       // validation users
  std::uint64_t seed = 5;
};

inline Dataset planted_dataset(const PlantedShape& s = {}) {
  LogBuilder b;
  Rng rng(s.seed);
  // Every item once first (user "all"), so the corpus is complete and numbered by group.
  for (std::uint32_t i = 0; i < s.groups * s.items_per_group; ++i)
    b.add("all", cat("i", i), cat("c", i / s.items_per_group), i);
  for (std::uint32_t u = 0; u < s.users; ++u) {
    const std::uint64_t group = rng.uniform(s.groups);
    for (std::uint32_t p = 0; p < s.records; ++p) {
      const std::uint64_t g = rng.uniform01() < s.in_group ? group : rng.uniform(s.groups);
      const std::uint64_t item = g * s.items_per_group + rng.uniform(s.items_per_group);
      b.add(cat("u", u), cat("i", item), cat("c", g), p);
    }
  }
  PrepareOptions o;
  o.min_records = 10;
  o.valid_users = UserCount{s.valid_fraction};
  o.test_users = UserCount{0};
  o.split_seed = s.seed;
  return Dataset::build(b.log(), o);
}

inline Tree category_tree(const Dataset& d) { return build_category_tree(d.item_categories(), d.item_ids()); }

// The experiment-method tests' input: 60 planted users of 14 records, 20 % of them validation
// users.
inline Dataset planted_with_validation() {
  PlantedShape s;
  s.users = 60;
  s.records = 14;
  s.valid_fraction = 0.2;
  return planted_dataset(s);
}

// A small planted dataset (40 users of 14 records, 20 % validation users) and its category
// tree, saved as files in a temporary folder: the CLI tests' common input.
struct PlantedFiles {
  TempDir dir;
  std::string data = dir.file("d.trd");
  std::string tree = dir.file("t.tree");
  PlantedFiles() {
    PlantedShape s;
    s.users = 40;
    s.records = 14;
    s.valid_fraction = 0.2;
    const Dataset d = planted_dataset(s);
    d.save(data);
    category_tree(d).save(tree);
  }
};

}  // namespace treerec::test
