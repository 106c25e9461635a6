#include "treerec/search/model_retrieval.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "treerec/search/beam_search.h"
#include "treerec/search/brute_force.h"
#include "treerec/util/distributed.h"
#include "treerec/util/error.h"
#include "treerec/util/logistic.h"

namespace treerec {

const ParamTable<RetrievalOptions>& retrieval_params() {
  static const ParamTable<RetrievalOptions> table = [] {
    ParamTable<RetrievalOptions> p("retrieval");
    p.add({.name = "beam", .type = ParamType::count,
           .help = "k: beam width, nodes kept per level of the layer-wise beam search (docs/ALGORITHMS.md §6)", .min = 1},
          &RetrievalOptions::beam)
        .add({.name = "top", .type = ParamType::count, .help = "M: items retrieved per user", .min = 1},
             &RetrievalOptions::top);
    return p;
  }();
  return table;
}
namespace {

// HSM's scores (ALGORITHMS §9): log p̂(n | parent(n), u) = log sigmoid(logit) = -log(1 + e^-z),
// computed stably; an only child's conditional probability is 1 (log 0), as in a hierarchical
// softmax that normalises over the non-empty children (train/layer_sampler.h:
// sample_siblings never trains such a node).
class LogSigmoidScorer final : public NodeScorer {
 public:
  LogSigmoidScorer(const Tree& tree, std::unique_ptr<NodeScorer> inner) : tree_(tree), inner_(std::move(inner)) {}
  void start_batch(std::span<const std::uint32_t> queries) override { inner_->start_batch(queries); }
  void score(std::uint32_t level, std::span<const std::uint32_t> row_begin, std::span<const Code> nodes,
             std::span<float> scores) override {
    inner_->score(level, row_begin, nodes, scores);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const double z = scores[i];
      const bool only_child = tree_.node_index(sibling_code(nodes[i])) < 0;
      scores[i] = only_child ? 0.0f : static_cast<float>(log_sigmoid(z));
    }
  }

 private:
  const Tree& tree_;
  std::unique_ptr<NodeScorer> inner_;
};

class LogSigmoidFactory final : public NodeScorerFactory {
 public:
  LogSigmoidFactory(const Tree& tree, const NodeScorerFactory& inner) : tree_(tree), inner_(inner) {}
  std::unique_ptr<NodeScorer> make() const override {
    return std::make_unique<LogSigmoidScorer>(tree_, inner_.make());
  }

 private:
  const Tree& tree_;
  const NodeScorerFactory& inner_;
};

}  // namespace

namespace {

// Queries [begin, begin + count) of another QueryHistories.
class QueryBlock final : public QueryHistories {
 public:
  QueryBlock(const QueryHistories& all, std::size_t begin, std::size_t count) : all_(all), begin_(begin), count_(count) {}
  std::size_t size() const override { return count_; }
  std::span<const std::uint32_t> history(std::uint32_t query) const override {
    return all_.history(static_cast<std::uint32_t>(begin_ + query));
  }

 private:
  const QueryHistories& all_;
  std::size_t begin_, count_;
};

RankedLists retrieve_here(const PreferenceModel& model, const HierarchicalPreference& features, const Tree& tree,
                          const QueryHistories& histories, const RetrievalOptions& options, const ExcludeFn& exclude) {
  TR_CHECK(histories.size() <= 0xFFFFFFFFu, "at most 2^32 - 1 queries per call, got ",
           histories.size());
  const auto queries = static_cast<std::uint32_t>(histories.size());
  const std::size_t rows = forward_rows_budget(model.config(), options.scratch_bytes);
  if (options.brute_force && options.path_sum)
    fail("hsm ranks items by their path's probability: it is retrieved by beam search, not brute force");
  if (options.brute_force) {
    ModelItemScorerFactory factory(model, features, tree, histories);
    BruteForceOptions bf;
    bf.top = options.top;
    bf.threads = options.threads;
    bf.filter = options.filter;
    bf.chunk = static_cast<std::uint32_t>(std::clamp<std::size_t>(rows, 1, std::min<std::size_t>(tree.num_items(), 4096)));
    bf.batch = static_cast<std::uint32_t>(std::clamp<std::size_t>(rows / bf.chunk, 1, 64));
    return BruteForce(bf).search(factory, queries, exclude);
  }
  ModelNodeScorerFactory factory(model, features, tree, histories);
  BeamSearchOptions bs;
  bs.beam = options.beam;
  bs.top = options.top;
  bs.threads = options.threads;
  bs.filter = options.filter;
  // A query scores fewer than 4k nodes per level: the start level holds fewer than 2k nodes
  // (the level above it has fewer than k), so its children number fewer than 4k.
  const std::size_t per_query = 4 * std::size_t{std::max<std::uint32_t>(options.beam, 1)};
  // (Path-sum ranking scores levels 1..s in full too, each fewer than 2k nodes: the bound holds.)
  bs.batch = static_cast<std::uint32_t>(std::clamp<std::size_t>(rows / per_query, 1, 256));
  if (options.path_sum) {
    bs.ranking = BeamRanking::path_sum;
    return BeamSearch(tree, bs).search(LogSigmoidFactory(tree, factory), queries, exclude);
  }
  return BeamSearch(tree, bs).search(factory, queries, exclude);
}

}  // namespace

RankedLists retrieve(const PreferenceModel& model, const HierarchicalPreference& features,
                     const Tree& tree, const QueryHistories& histories,
                     const RetrievalOptions& options, const ExcludeFn& exclude) {
  if (dist::size() == 1) return retrieve_here(model, features, tree, histories, options, exclude);
  // Under mpirun each rank answers a contiguous block of the queries; the lists are gathered in
  // query order, so every rank holds all of them (docs/DISTRIBUTED.md).
  const dist::Block mine = dist::my_block(histories.size());
  const QueryBlock block(histories, mine.begin, mine.size());
  ExcludeFn shifted;
  if (exclude) shifted = [&](std::uint32_t q) { return exclude(static_cast<std::uint32_t>(mine.begin + q)); };
  return gather_lists(retrieve_here(model, features, tree, block, options, shifted));
}

}  // namespace treerec
