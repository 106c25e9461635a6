#include "treerec/search/item_scorer.h"

#include "treerec/util/error.h"

namespace treerec {
namespace {

// Every row of a block asks for the same leaves: those of items [begin, end).
class LeafItemScorer final : public ItemScorer {
 public:
  LeafItemScorer(const Tree& tree, std::unique_ptr<NodeScorer> nodes)
      : tree_(tree), nodes_(std::move(nodes)) {}

  void start_batch(std::span<const std::uint32_t> queries) override {
    batch_ = queries.size();
    nodes_->start_batch(queries);
  }

  void score(std::uint32_t item_begin, std::uint32_t item_end, std::span<float> scores) override {
    const std::size_t width = item_end - item_begin;
    TR_CHECK(item_begin <= item_end && item_end <= tree_.num_items() &&
                 scores.size() == batch_ * width,
             "leaf item scorer asked for items [", item_begin, ", ", item_end, ") of ",
             tree_.num_items(), " with ", scores.size(), " scores for ", batch_, " queries");
    row_begin_.resize(batch_ + 1);
    codes_.resize(batch_ * width);
    for (std::size_t q = 0; q <= batch_; ++q) row_begin_[q] = static_cast<std::uint32_t>(q * width);
    for (std::size_t q = 0; q < batch_; ++q)
      for (std::size_t i = 0; i < width; ++i)
        codes_[q * width + i] = tree_.leaf(item_begin + static_cast<std::uint32_t>(i));
    nodes_->score(tree_.max_level(), row_begin_, codes_, scores);
  }

 private:
  const Tree& tree_;
  std::unique_ptr<NodeScorer> nodes_;
  std::size_t batch_ = 0;
  std::vector<std::uint32_t> row_begin_;
  std::vector<Code> codes_;
};

}  // namespace

std::unique_ptr<ItemScorer> LeafItemScorerFactory::make() const {
  return std::make_unique<LeafItemScorer>(tree_, nodes_.make());
}

}  // namespace treerec
