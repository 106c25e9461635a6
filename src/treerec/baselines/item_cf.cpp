#include "treerec/baselines/item_cf.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "treerec/io/binary_file.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"

namespace treerec {
namespace {

constexpr std::string_view kMagic = "TRECICF1";
constexpr std::uint32_t kVersion = 1;

int resolve_threads(int threads) { return threads > 0 ? threads : default_threads(); }

// The distinct items of a train user's last `cap` records (all with 0), sorted.
void user_history(const Dataset& dataset, std::uint32_t user, std::uint32_t cap,
                  std::vector<std::uint32_t>& out) {
  auto seq = dataset.sequence(user);
  if (cap > 0 && seq.size() > cap) seq = seq.last(cap);
  out.assign(seq.begin(), seq.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

// Compressed rows: row r is values[offsets[r], offsets[r + 1]).
struct Csr {
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::uint32_t> values;
  std::span<const std::uint32_t> row(std::size_t r) const {
    return std::span<const std::uint32_t>(values).subspan(offsets[r], offsets[r + 1] - offsets[r]);
  }
};

// Per train user, its history (user_history), built in parallel: sizes first, then contents.
Csr train_histories(const Dataset& dataset, std::uint32_t cap, int threads) {
  const auto users = dataset.users(Split::train);
  Csr h;
  h.offsets.assign(users.size() + 1, 0);
  parallel_blocks(users.size(), threads, [&](int, std::size_t begin, std::size_t end) {
    std::vector<std::uint32_t> items;
    for (std::size_t u = begin; u < end; ++u) {
      user_history(dataset, users[u], cap, items);
      h.offsets[u + 1] = items.size();
    }
  });
  for (std::size_t u = 0; u < users.size(); ++u) h.offsets[u + 1] += h.offsets[u];
  h.values.resize(h.offsets.back());
  parallel_blocks(users.size(), threads, [&](int, std::size_t begin, std::size_t end) {
    std::vector<std::uint32_t> items;
    for (std::size_t u = begin; u < end; ++u) {
      user_history(dataset, users[u], cap, items);
      std::copy(items.begin(), items.end(), h.values.begin() + static_cast<std::ptrdiff_t>(h.offsets[u]));
    }
  });
  return h;
}

// The inverted index: per item, the (history) rows that hold it, in increasing order.
Csr invert(const Csr& histories, std::uint32_t items) {
  Csr inv;
  inv.offsets.assign(std::size_t{items} + 1, 0);
  for (std::uint32_t i : histories.values) ++inv.offsets[i + 1];
  for (std::uint32_t i = 0; i < items; ++i) inv.offsets[i + 1] += inv.offsets[i];
  inv.values.resize(histories.values.size());
  std::vector<std::uint64_t> next(inv.offsets.begin(), inv.offsets.end() - 1);
  for (std::size_t u = 0; u + 1 < histories.offsets.size(); ++u)
    for (std::uint32_t i : histories.row(u)) inv.values[next[i]++] = static_cast<std::uint32_t>(u);
  return inv;
}

struct Neighbour {
  float weight;
  std::uint32_t item;
};
bool better(const Neighbour& a, const Neighbour& b) { return ranks_before(a.weight, a.item, b.weight, b.item); }

}  // namespace

const ParamTable<ItemCfOptions>& itemcf_params() {
  static const ParamTable<ItemCfOptions> table = [] {
    ParamTable<ItemCfOptions> p("Item-CF");
    p.add({.name = "neighbours", .type = ParamType::count, .help = "K: neighbours kept per item", .min = 1},
          &ItemCfOptions::neighbours)
        .add({.name = "max_history", .type = ParamType::count,
              .help = "most recent records per train user counted for co-occurrence (0 = all)"},
             &ItemCfOptions::max_history);
    return p;
  }();
  return table;
}

void ItemCfOptions::validate(const ParamNamer& name) const {
  itemcf_params().check(*this, name);
  if (threads < 0) fail("--threads ", threads, ": expected 0 (all cores) or more");
}

ItemCf ItemCf::build(const Dataset& dataset, const ItemCfOptions& options) {
  options.validate();
  const auto t0 = std::chrono::steady_clock::now();
  const int threads = resolve_threads(options.threads);
  const std::uint32_t items = dataset.num_items();
  const std::uint32_t K = options.neighbours;
  const Csr histories = train_histories(dataset, options.max_history, threads);
  const Csr holders = invert(histories, items);

  ItemCf cf;
  cf.options_ = options;
  cf.item_fingerprint_ = item_ids_fingerprint(dataset.item_ids());
  cf.users_per_item_.resize(items);
  for (std::uint32_t i = 0; i < items; ++i)
    cf.users_per_item_[i] = static_cast<std::uint32_t>(holders.offsets[i + 1] - holders.offsets[i]);

  // Row i of the similarity matrix per step into K slots per item (compacted below, in place);
  // thread t takes items t, t + T, ...
  std::vector<std::uint32_t> kept(items, 0);
  cf.neighbours_.resize(std::size_t{items} * K);
  cf.weights_.resize(std::size_t{items} * K);
  std::vector<std::uint64_t> pairs(static_cast<std::size_t>(threads), 0);
  parallel_blocks(static_cast<std::size_t>(threads), threads, [&](int, std::size_t tb, std::size_t te) {
    std::vector<std::uint32_t> count(items, 0);
    std::vector<std::uint32_t> touched;
    std::vector<Neighbour> row;
    for (std::size_t t = tb; t < te; ++t) {
      for (std::size_t i = t; i < items; i += static_cast<std::size_t>(threads)) {
        touched.clear();
        for (std::uint32_t u : holders.row(i))
          for (std::uint32_t j : histories.row(u)) {
            if (j == i) continue;
            if (count[j]++ == 0) touched.push_back(j);
          }
        row.clear();
        const double ni = cf.users_per_item_[i];
        for (std::uint32_t j : touched) {
          const double w = count[j] / std::sqrt(ni * static_cast<double>(cf.users_per_item_[j]));
          row.push_back({static_cast<float>(w), j});
          pairs[t] += count[j];
          count[j] = 0;
        }
        if (row.size() > K) {
          std::nth_element(row.begin(), row.begin() + K, row.end(), better);
          row.resize(K);
        }
        std::sort(row.begin(), row.end(), better);
        for (std::size_t k = 0; k < row.size(); ++k) {
          cf.neighbours_[i * K + k] = row[k].item;
          cf.weights_[i * K + k] = row[k].weight;
        }
        kept[i] = static_cast<std::uint32_t>(row.size());
      }
    }
  });

  // Compaction in place: row i moves to offsets[i] <= i K, so no row is overwritten unread.
  cf.offsets_.assign(std::size_t{items} + 1, 0);
  for (std::uint32_t i = 0; i < items; ++i) {
    cf.offsets_[i + 1] = cf.offsets_[i] + kept[i];
    for (std::uint32_t k = 0; k < kept[i]; ++k) {
      cf.neighbours_[cf.offsets_[i] + k] = cf.neighbours_[std::size_t{i} * K + k];
      cf.weights_[cf.offsets_[i] + k] = cf.weights_[std::size_t{i} * K + k];
    }
  }
  cf.neighbours_.resize(cf.offsets_.back());
  cf.neighbours_.shrink_to_fit();
  cf.weights_.resize(cf.offsets_.back());
  cf.weights_.shrink_to_fit();
  std::uint64_t total_pairs = 0;
  for (std::uint64_t p : pairs) total_pairs += p;
  cf.figures_ = {{"train_users", histories.offsets.size() - 1},
                 {"history_items", histories.values.size()},
                 {"co_occurrences", total_pairs},  // Σ_i Σ_{j != i} co(i, j)
                 {"neighbours_kept", cf.neighbours_.size()},
                 {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()}};
  return cf;
}

std::span<const std::uint32_t> ItemCf::neighbours(std::uint32_t item) const {
  TR_CHECK(item < num_items(), "item ", item, " of ", num_items());
  return std::span<const std::uint32_t>(neighbours_).subspan(offsets_[item], offsets_[item + 1] - offsets_[item]);
}

std::span<const float> ItemCf::weights(std::uint32_t item) const {
  TR_CHECK(item < num_items(), "item ", item, " of ", num_items());
  return std::span<const float>(weights_).subspan(offsets_[item], offsets_[item + 1] - offsets_[item]);
}

void ItemCf::check_dataset(const Dataset& dataset, const std::string& source) const {
  if (dataset.num_items() != num_items() || item_ids_fingerprint(dataset.item_ids()) != item_fingerprint_)
    fail("the Item-CF model was built on another dataset (", num_items(), " items) than ", source, " (",
         dataset.num_items(), " items)");
}

void ItemCf::save(const std::string& path) const {
  BinaryWriter writer(path, kMagic, kVersion);
  writer.add_json("itemcf", {{"neighbours", options_.neighbours},
                             {"max_history", options_.max_history},
                             {"items", num_items()},
                             {"item_ids_xxh3", item_fingerprint_},
                             {"figures", figures_}});
  writer.add("offsets", offsets_);
  writer.add("neighbours", neighbours_);
  writer.add("weights", weights_);
  writer.add("users_per_item", users_per_item_);
  writer.commit();
}

ItemCf ItemCf::load(const std::string& path) {
  const BinaryReader reader(path, kMagic, "Item-CF model", kVersion);
  ItemCf cf;
  std::uint32_t items = 0;
  try {
    const nlohmann::json j = reader.json("itemcf");
    cf.options_.neighbours = j.at("neighbours").get<std::uint32_t>();
    cf.options_.max_history = j.at("max_history").get<std::uint32_t>();
    items = j.at("items").get<std::uint32_t>();
    cf.item_fingerprint_ = j.at("item_ids_xxh3").get<std::uint64_t>();
    cf.figures_ = j.at("figures");
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": bad itemcf section: ", e.what());
  }
  const auto offsets = reader.get<std::uint64_t>("offsets");
  const auto neighbours = reader.get<std::uint32_t>("neighbours");
  const auto weights = reader.get<float>("weights");
  const auto users = reader.get<std::uint32_t>("users_per_item");
  if (offsets.size() != std::size_t{items} + 1 || users.size() != items || offsets.front() != 0 ||
      offsets.back() != neighbours.size() || weights.size() != neighbours.size())
    fail(path, ": inconsistent Item-CF sections (", items, " items, ", offsets.size(), " offsets, ",
         neighbours.size(), " neighbours, ", weights.size(), " weights)");
  for (std::uint32_t i = 0; i < items; ++i)
    if (offsets[i + 1] < offsets[i] || offsets[i + 1] - offsets[i] > cf.options_.neighbours)
      fail(path, ": item ", i, " has a bad neighbour range");
  for (std::uint32_t j : neighbours)
    if (j >= items) fail(path, ": neighbour ", j, " is not below the number of items ", items);
  cf.offsets_.assign(offsets.begin(), offsets.end());
  cf.neighbours_.assign(neighbours.begin(), neighbours.end());
  cf.weights_.assign(weights.begin(), weights.end());
  cf.users_per_item_.assign(users.begin(), users.end());
  return cf;
}

RankedLists ItemCf::retrieve(const QueryHistories& histories, const ItemCfRetrieveOptions& options) const {
  TR_CHECK(options.top >= 1, "number of items to retrieve M must be at least 1, got ", options.top);
  const std::size_t queries = histories.size();
  const std::uint32_t items = num_items();
  RankedListsBuilder out(queries, options.top);
  parallel_blocks(queries, resolve_threads(options.threads), [&](int, std::size_t begin, std::size_t end) {
    if (begin == end) return;
    std::vector<float> score(items, 0.0f);
    std::vector<std::uint32_t> touched, seen;
    std::vector<Neighbour> row;
    std::vector<std::uint32_t> list_items;
    std::vector<float> list_scores;
    for (std::size_t q = begin; q < end; ++q) {
      const auto history = histories.history(static_cast<std::uint32_t>(q));
      seen.assign(history.begin(), history.end());  // N(u): distinct, in increasing id order
      std::sort(seen.begin(), seen.end());
      seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
      touched.clear();
      for (std::uint32_t i : seen) {
        TR_CHECK(i < items, "history item ", i, " of query ", q, " is not below the number of items ", items);
        const auto nb = neighbours(i);
        const auto w = weights(i);
        for (std::size_t k = 0; k < nb.size(); ++k) {
          if (score[nb[k]] == 0.0f) touched.push_back(nb[k]);  // weights are > 0
          score[nb[k]] += w[k];
        }
      }
      row.clear();
      for (std::uint32_t j : touched) {
        if (!options.exclude_history || !std::binary_search(seen.begin(), seen.end(), j))
          row.push_back({score[j], j});
        score[j] = 0.0f;
      }
      if (row.size() > options.top) {
        std::nth_element(row.begin(), row.begin() + options.top, row.end(), better);
        row.resize(options.top);
      }
      std::sort(row.begin(), row.end(), better);
      list_items.clear();
      list_scores.clear();
      for (const Neighbour& n : row) {
        list_items.push_back(n.item);
        list_scores.push_back(n.weight);
      }
      out.set(q, list_items, list_scores, touched.size());
    }
  });
  return std::move(out).finish();
}

}  // namespace treerec
