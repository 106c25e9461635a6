#include "treerec/learn/sample_scorer.h"

#include <algorithm>

#include "treerec/search/model_scorer.h"
#include "treerec/util/error.h"
#include "treerec/util/logistic.h"
#include "treerec/util/random.h"

namespace treerec {

TargetSamples::TargetSamples(const Dataset& dataset, std::uint32_t max_per_item, std::uint64_t seed) {
  const std::uint32_t items = dataset.num_items();
  const std::uint32_t first = kMinWindow - 1;  // ALGORITHMS §2.5: the first kept target is seq[5]
  std::vector<std::uint64_t> count(std::size_t{items} + 1, 0);
  for (std::uint32_t u : dataset.users(Split::train)) {
    const auto seq = dataset.sequence(u);
    for (std::size_t p = first; p < seq.size(); ++p) ++count[seq[p]];
  }
  offsets_.assign(std::size_t{items} + 1, 0);
  for (std::uint32_t c = 0; c < items; ++c) offsets_[c + 1] = offsets_[c] + count[c];
  samples_.resize(offsets_[items]);
  std::vector<std::uint64_t> fill(offsets_.begin(), offsets_.end() - 1);
  for (std::uint32_t u : dataset.users(Split::train)) {
    const auto seq = dataset.sequence(u);
    for (std::size_t p = first; p < seq.size(); ++p)
      samples_[fill[seq[p]]++] = Sample{u, static_cast<std::uint32_t>(p)};
  }
  if (max_per_item == 0) return;
  // Keep a seeded uniform subset of each over-full item, compacting in place.
  std::uint64_t out = 0;
  for (std::uint32_t c = 0; c < items; ++c) {
    const std::uint64_t begin = offsets_[c], n = offsets_[c + 1] - begin;
    auto* s = samples_.data() + begin;
    if (n > max_per_item) {
      Rng rng(mix_seed(seed, c));
      for (std::uint64_t i = 0; i < max_per_item; ++i) std::swap(s[i], s[i + rng.uniform(n - i)]);
      std::sort(s, s + max_per_item, [](const Sample& a, const Sample& b) {
        return a.user != b.user ? a.user < b.user : a.position < b.position;
      });
    }
    const std::uint64_t keep = std::min<std::uint64_t>(n, max_per_item);
    std::move(s, s + keep, samples_.data() + out);
    offsets_[c] = out;
    out += keep;
  }
  offsets_[items] = out;
  samples_.resize(out);
}

std::unique_ptr<PreferenceModel> with_zero_node_row(const PreferenceModel& model) {
  ModelConfig config = model.config();
  config.node_rows += 1;
  auto copy = PreferenceModel::create(config, 0);
  Parameters& to = copy->parameters();
  const Parameters& from = model.parameters();
  TR_CHECK(to.dense.size() == from.dense.size() && to.tables.size() == from.tables.size(),
           "the model's copy has another layout");
  to.dense = from.dense;
  for (std::size_t t = 0; t < from.tables.size(); ++t) {
    to.tables[t].values = from.tables[t].values;
    if (t == kNodeTable) to.tables[t].values.resize(to.tables[t].values.size() + from.tables[t].dim, 0.0f);
    TR_CHECK(to.tables[t].values.size() == to.tables[t].rows * to.tables[t].dim, "table ", t, " has the wrong size");
  }
  return copy;
}

SampleScorer::SampleScorer(const Dataset& dataset, const Tree& model_tree, const PreferenceModel& model,
                           const HierarchicalPreference& features)
    : dataset_(dataset), tree_(model_tree), model_(model), features_(features),
      zero_row_(static_cast<std::uint32_t>(model_tree.num_nodes())),
      rows_budget_(forward_rows_budget(model.config())), state_(model.make_state()) {
  TR_CHECK(model.config().node_rows == model_tree.num_nodes() + 1,
           "the scoring model needs the tree's node rows plus a zero row (with_zero_node_row)");
}

std::span<const std::uint32_t> SampleScorer::known_items(std::span<const std::uint32_t> history) {
  const std::uint32_t known = tree_.num_items();
  if (std::all_of(history.begin(), history.end(), [&](std::uint32_t i) { return i < known; })) return history;
  known_.clear();
  for (const std::uint32_t i : history)
    if (i < known) known_.push_back(i);
  return known_;
}

std::uint64_t SampleScorer::score(std::span<const Sample> samples, std::span<const LevelNodes> sets,
                                  std::span<double> sums) {
  // The rows of one sample: per set, its non-empty nodes then (if needed) one shared zero row.
  std::vector<std::size_t> code_begin(sets.size() + 1, 0), seg_begin(sets.size() + 1, 0);
  slot_.clear();
  set_rows_.clear();
  for (std::size_t i = 0; i < sets.size(); ++i) {
    TR_CHECK(sets[i].level >= 1 && sets[i].level <= tree_.max_level(), "level ", sets[i].level,
             " is outside 1..", tree_.max_level());
    seg_begin[i] = set_rows_.size();
    bool empty = false;
    for (Code c : sets[i].codes) {
      TR_CHECK(code_level(c) == sets[i].level, "node ", c, " is not at level ", sets[i].level);
      const std::int64_t row = tree_.node_index(c);
      if (row >= 0) {
        slot_.push_back(static_cast<std::int64_t>(set_rows_.size() - seg_begin[i]));
        set_rows_.push_back(static_cast<std::uint32_t>(row));
      } else {
        slot_.push_back(-1);
        empty = true;
      }
    }
    if (empty) {
      const auto zero = static_cast<std::int64_t>(set_rows_.size() - seg_begin[i]);
      for (std::size_t k = code_begin[i]; k < slot_.size(); ++k)
        if (slot_[k] < 0) slot_[k] = zero;
      set_rows_.push_back(zero_row_);
    }
    code_begin[i + 1] = slot_.size();
  }
  seg_begin[sets.size()] = set_rows_.size();
  TR_CHECK(sums.size() == slot_.size(), "sums hold ", sums.size(), " values for ", slot_.size(), " nodes");
  const std::size_t per_sample = set_rows_.size();
  if (per_sample == 0 || samples.empty()) return 0;
  const bool one_group = features_.representation() == Representation::tdm;  // level-free features
  const std::size_t chunk = std::max<std::size_t>(1, rows_budget_ / per_sample);

  std::uint64_t scored = 0;
  for (std::size_t first = 0; first < samples.size(); first += chunk) {
    const std::size_t last = std::min(samples.size(), first + chunk);
    batch_.clear();
    batch_.repeated_nodes = true;  // every sample scores the same rows
    for (std::size_t s = first; s < last; ++s) {
      const auto history = known_items(dataset_.history(samples[s]));
      if (one_group) features_.add_group(history, tree_.max_level(), batch_);
      for (std::size_t i = 0; i < sets.size(); ++i) {
        if (!one_group) features_.add_group(history, sets[i].level, batch_);
        for (std::size_t r = seg_begin[i]; r < seg_begin[i + 1]; ++r) batch_.add_row(set_rows_[r]);
      }
    }
    logits_.resize(batch_.num_rows());
    model_.score(batch_, *state_, logits_);
    scored += batch_.num_rows();
    for (std::size_t s = first; s < last; ++s) {
      const float* z = logits_.data() + (s - first) * per_sample;
      for (std::size_t i = 0; i < sets.size(); ++i)
        for (std::size_t k = code_begin[i]; k < code_begin[i + 1]; ++k)
          sums[k] += log_sigmoid(z[seg_begin[i] + static_cast<std::size_t>(slot_[k])]);
    }
  }
  return scored;
}

}  // namespace treerec
