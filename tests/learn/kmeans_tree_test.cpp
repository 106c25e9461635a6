// The k-means tree (ALGORITHMS §3): clusters separate, halves are balanced (floor/ceil), and the tree
// is the same for any thread count.
#include "treerec/learn/kmeans_tree.h"

#include <gtest/gtest.h>

#include <map>

#include "treerec/model/preference_model.h"
#include "treerec/util/error.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

StringTable ids(std::size_t n) {
  StringTable t;
  for (std::size_t i = 0; i < n; ++i) t.add("item" + std::to_string(i));
  return t;
}

std::vector<float> random_embeddings(std::size_t n, std::uint32_t dim, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(n * dim);
  for (float& v : x) v = static_cast<float>(rng.normal());
  return x;
}

// Items per node code, over every level.
std::map<Code, std::uint32_t> subtree_sizes(const Tree& t) {
  std::map<Code, std::uint32_t> size;
  for (std::uint32_t c = 0; c < t.num_items(); ++c)
    for (std::uint32_t l = 0; l <= t.max_level(); ++l) ++size[t.ancestor(c, l)];
  return size;
}

TEST(KMeansTree, SeparatesTwoClusters) {
  // 20 items, interleaved by id: even ids around (+5, +5, 0), odd ids around (-5, -5, 0).
  const std::size_t n = 20;
  const std::uint32_t dim = 3;
  std::vector<float> x = random_embeddings(n, dim, 7);
  for (std::size_t i = 0; i < n; ++i) {
    const float shift = i % 2 == 0 ? 5.0f : -5.0f;
    x[i * dim] = x[i * dim] * 0.3f + shift;
    x[i * dim + 1] = x[i * dim + 1] * 0.3f + shift;
  }
  const Tree t = build_kmeans_tree(x, dim, ids(n));
  EXPECT_EQ(t.builder(), "kmeans");
  EXPECT_EQ(t.max_level(), 5u);
  const Code even_side = t.ancestor(0, 1);
  for (std::uint32_t i = 0; i < n; ++i)
    EXPECT_EQ(t.ancestor(i, 1) == even_side, i % 2 == 0) << "item " << i;
}

TEST(KMeansTree, HalvesAreFloorAndCeil) {
  for (std::size_t n : {1u, 2u, 3u, 7u, 13u, 100u}) {
    const Tree t = build_kmeans_tree(random_embeddings(n, 4, n), 4, ids(n));
    ASSERT_EQ(t.num_items(), n);
    const auto size = subtree_sizes(t);
    EXPECT_EQ(size.at(0), n);
    for (const auto& [code, m] : size) {
      if (code_level(code) == t.max_level()) {
        EXPECT_EQ(m, 1u);
        continue;
      }
      const auto left = size.count(first_child(code)) ? size.at(first_child(code)) : 0u;
      const auto right = size.count(first_child(code) + 1) ? size.at(first_child(code) + 1) : 0u;
      if (m == 1) {  // pushed down along first children
        EXPECT_EQ(left, 1u) << "n " << n << " code " << code;
        EXPECT_EQ(right, 0u);
      } else {
        EXPECT_EQ(left, m / 2) << "n " << n << " code " << code;
        EXPECT_EQ(right, m - m / 2) << "n " << n << " code " << code;
      }
    }
  }
}

TEST(KMeansTree, SameTreeForAnyThreadCount) {
  const std::size_t n = 3000;  // two blocks of 2048 at the top level
  const std::vector<float> x = random_embeddings(n, 8, 3);
  KMeansTreeOptions o;
  o.seed = 11;
  o.threads = 1;
  const Tree one = build_kmeans_tree(x, 8, ids(n), o);
  for (int threads : {2, 3}) {
    o.threads = threads;
    const Tree many = build_kmeans_tree(x, 8, ids(n), o);
    EXPECT_TRUE(std::equal(one.leaves().begin(), one.leaves().end(), many.leaves().begin())) << threads;
  }
  o.seed = 12;  // the seed matters (the first centroid)...
  const Tree other = build_kmeans_tree(x, 8, ids(n), o);
  EXPECT_EQ(other.num_items(), n);  // ...but any seed gives a valid tree
}

TEST(KMeansTree, RefusesBadInput) {
  try {
    build_kmeans_tree(std::vector<float>(5), 2, ids(3));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("5 embedding values for 3 items of dimension 2"), std::string::npos)
        << e.what();
  }
  std::vector<float> x(6, 1.0f);
  x[3] = std::numeric_limits<float>::quiet_NaN();
  try {
    build_kmeans_tree(x, 2, ids(3));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("item1 has a non-finite"), std::string::npos) << e.what();
  }
}

TEST(KMeansTree, LeafEmbeddingsAreTheLeafNodeRows) {
  StringTable names = ids(3);
  const Tree t(std::vector<Code>{6, 3, 5}, 2, names);  // nodes 0 | 1 2 | 3 5 6
  ModelConfig config;
  config.embedding_dim = 2;
  config.hidden = {3};
  config.behavior_rows = 3;
  config.node_rows = t.num_nodes();
  const auto model = PreferenceModel::create(config, 1);
  const std::vector<float> x = leaf_embeddings(*model, t);
  const EmbeddingTable& nodes = model->parameters().tables[kNodeTable];
  ASSERT_EQ(x.size(), 6u);
  for (std::uint32_t c = 0; c < 3; ++c) {
    const float* row = nodes.row(static_cast<std::uint64_t>(t.node_index(t.leaf(c))));
    EXPECT_EQ(x[c * 2], row[0]);
    EXPECT_EQ(x[c * 2 + 1], row[1]);
  }
  config.node_rows = 9;
  EXPECT_THROW(leaf_embeddings(*PreferenceModel::create(config, 1), t), Error);
}

}  // namespace
}  // namespace treerec
