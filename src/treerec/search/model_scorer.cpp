#include "treerec/search/model_scorer.h"

#include <algorithm>

#include "treerec/data/dataset.h"
#include "treerec/util/error.h"

namespace treerec {

EvalUserHistories::EvalUserHistories(const Dataset& dataset, std::span<const std::uint32_t> users)
    : dataset_(dataset), users_(users) {
  for (std::uint32_t u : users_)
    TR_CHECK(u < dataset_.num_users(), "user ", u, " is not in the dataset (", dataset_.num_users(),
             " users)");
}

std::span<const std::uint32_t> EvalUserHistories::history(std::uint32_t query) const {
  TR_CHECK(query < users_.size(), "query ", query, " of ", users_.size(), " users");
  return dataset_.eval_features(users_[query]);
}

std::uint32_t HistoryLists::add(std::span<const std::uint32_t> history) {
  TR_CHECK(size() < 0xFFFFFFFFu, "too many queries");
  items_.insert(items_.end(), history.begin(), history.end());
  offsets_.push_back(items_.size());
  return static_cast<std::uint32_t>(size() - 1);
}

std::span<const std::uint32_t> HistoryLists::history(std::uint32_t query) const {
  TR_CHECK(query < size(), "query ", query, " of ", size(), " histories");
  return std::span<const std::uint32_t>(items_).subspan(offsets_[query],
                                                         offsets_[query + 1] - offsets_[query]);
}

namespace {

// The shared half of both scorers: the query batch, the model batch and the model's scratch.
class ModelRunner {
 public:
  ModelRunner(const PreferenceModel& model, const HierarchicalPreference& features, const Tree& tree,
              const QueryHistories& histories)
      : model_(model), features_(features), tree_(tree), histories_(histories),
        state_(model.make_state()) {}

  void start_batch(std::span<const std::uint32_t> queries) {
    for (std::uint32_t q : queries)
      TR_CHECK(q < histories_.size(), "query ", q, " is not below the number of histories (",
               histories_.size(), ")");
    queries_ = queries;
  }
  std::size_t batch_size() const { return queries_.size(); }

  // Starts group q (the batch's q-th query at `level`); add its rows with add_row().
  void add_group(std::size_t q, std::uint32_t level) {
    features_.add_group(histories_.history(queries_[q]), level, batch_);
  }
  void add_row(Code node) {
    const std::int64_t row = tree_.node_index(node);
    if (row < 0) fail("node ", node, " is empty or not in the tree: it cannot be scored");
    batch_.add_row(static_cast<std::uint32_t>(row));
  }
  void clear() { batch_.clear(); }
  void score(std::span<float> scores) { model_.score(batch_, *state_, scores); }

  const Tree& tree() const { return tree_; }

 private:
  const PreferenceModel& model_;
  const HierarchicalPreference& features_;
  const Tree& tree_;
  const QueryHistories& histories_;
  std::unique_ptr<ModelState> state_;
  std::span<const std::uint32_t> queries_;
  ModelBatch batch_;
};

class ModelNodeScorer final : public NodeScorer {
 public:
  explicit ModelNodeScorer(ModelRunner runner) : run_(std::move(runner)) {}

  void start_batch(std::span<const std::uint32_t> queries) override { run_.start_batch(queries); }

  void score(std::uint32_t level, std::span<const std::uint32_t> row_begin,
             std::span<const Code> nodes, std::span<float> scores) override {
    const std::size_t n = run_.batch_size();
    TR_CHECK(row_begin.size() == n + 1 && row_begin.front() == 0 && row_begin.back() == nodes.size() &&
                 scores.size() == nodes.size(),
             "node scorer given ", row_begin.size(), " row offsets for ", n, " queries, ",
             nodes.size(), " nodes and ", scores.size(), " scores");
    run_.clear();
    for (std::size_t q = 0; q < n; ++q) {
      run_.add_group(q, level);
      for (std::uint32_t i = row_begin[q]; i < row_begin[q + 1]; ++i) {
        if (code_level(nodes[i]) != level)
          fail("node ", nodes[i], " is not at level ", level, " as the search asked");
        run_.add_row(nodes[i]);
      }
    }
    run_.score(scores);
  }

 private:
  ModelRunner run_;
};

class ModelItemScorer final : public ItemScorer {
 public:
  explicit ModelItemScorer(ModelRunner runner) : run_(std::move(runner)) {}

  void start_batch(std::span<const std::uint32_t> queries) override { run_.start_batch(queries); }

  // Every group asks for the same rows: the leaves of items [begin, end), so the scores come
  // out row-major, query after query, as ItemScorer promises.
  void score(std::uint32_t item_begin, std::uint32_t item_end, std::span<float> scores) override {
    const Tree& tree = run_.tree();
    const std::size_t n = run_.batch_size();
    TR_CHECK(item_begin <= item_end && item_end <= tree.num_items() &&
                 scores.size() == n * (item_end - item_begin),
             "item scorer asked for items [", item_begin, ", ", item_end, ") of ",
             tree.num_items(), " with ", scores.size(), " scores for ", n, " queries");
    run_.clear();
    for (std::size_t q = 0; q < n; ++q) {
      run_.add_group(q, tree.max_level());
      for (std::uint32_t item = item_begin; item < item_end; ++item) run_.add_row(tree.leaf(item));
    }
    run_.score(scores);
  }

 private:
  ModelRunner run_;
};

}  // namespace

ModelNodeScorerFactory::ModelNodeScorerFactory(const PreferenceModel& model,
                                               const HierarchicalPreference& features, const Tree& tree,
                                               const QueryHistories& histories)
    : model_(model), features_(features), tree_(tree), histories_(histories) {
  check_model_fits(model_, features_, tree_);
}

std::unique_ptr<NodeScorer> ModelNodeScorerFactory::make() const {
  return std::make_unique<ModelNodeScorer>(ModelRunner(model_, features_, tree_, histories_));
}

ModelItemScorerFactory::ModelItemScorerFactory(const PreferenceModel& model,
                                               const HierarchicalPreference& features, const Tree& tree,
                                               const QueryHistories& histories)
    : model_(model), features_(features), tree_(tree), histories_(histories) {
  check_model_fits(model_, features_, tree_);
}

std::unique_ptr<ItemScorer> ModelItemScorerFactory::make() const {
  return std::make_unique<ModelItemScorer>(ModelRunner(model_, features_, tree_, histories_));
}

}  // namespace treerec
