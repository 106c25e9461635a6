// Building a Dataset from a BehaviorLog (ALGORITHMS §2.2-2.6) and the accessors. Saving and loading
// are in dataset_file.cpp.
#include "treerec/data/dataset.h"

#include <algorithm>
#include <limits>
#include <utility>

#include <absl/container/flat_hash_map.h>

#include "treerec/data/dataset_impl.h"
#include "treerec/data/split.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"

namespace treerec {

namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kDropped = std::numeric_limits<std::uint64_t>::max();
// Users are sorted in chunks of about this many records, so that scratch buffers are reused
// and the parallel loop is balanced however the sequence lengths vary.
constexpr std::uint64_t kSortChunkRecords = 1 << 16;

template <typename T>
void release(std::vector<T>& v) {
  std::vector<T>().swap(v);
}

void check_log(const BehaviorLog& log) {
  const std::size_t n = log.user.size();
  if (log.item.size() != n || log.time.size() != n || log.behavior.size() != n)
    fail("inconsistent behaviour log: ", n, " users, ", log.item.size(), " items, ", log.time.size(),
         " times and ", log.behavior.size(), " behaviours per record");
  if (log.item_category.size() != log.item_ids.size())
    fail("inconsistent behaviour log: ", log.item_ids.size(), " items but ", log.item_category.size(),
         " item categories");
  for (std::size_t i = 0; i < log.item_category.size(); ++i)
    if (log.item_category[i] >= log.category_ids.size())
      fail("inconsistent behaviour log: item ", log.item_ids[i], " has category ", log.item_category[i],
           " of ", log.category_ids.size());
  if (log.behavior_types.size() > 256)
    fail("the behaviour log has ", log.behavior_types.size(), " behaviour types; at most 256 are supported");
}

// Moves one per-record array into user-major (CSR) order: the value of record r goes to the
// next free slot of its user, so each user's records keep their input order. `start` gives
// each raw user's first slot, or kDropped.
template <typename T, typename Value>
std::vector<T> scatter(const std::vector<std::uint32_t>& user, const std::vector<std::uint64_t>& start,
                       std::uint64_t kept_records, Value value) {
  std::vector<std::uint64_t> cursor(start);
  std::vector<T> out(kept_records);
  for (std::size_t r = 0; r < user.size(); ++r) {
    const std::uint64_t c = cursor[user[r]];
    if (c == kDropped) continue;
    out[c] = value(r);
    cursor[user[r]] = c + 1;
  }
  return out;
}

// ALGORITHMS §2.4: sorts each user's records by time; ties keep input order.
void sort_by_time(Dataset::Impl::Owned& own, int threads) {
  const auto& off = own.offsets;
  const std::size_t users = off.size() - 1;
  std::vector<std::size_t> chunk{0};
  for (std::size_t u = 0; u < users; ++u)
    if (off[u] - off[chunk.back()] >= kSortChunkRecords) chunk.push_back(u);
  chunk.push_back(users);
  parallel_for(chunk.size() - 1, threads, 1, [&](std::size_t c) {
    std::vector<std::pair<std::int64_t, std::uint32_t>> keys;
    std::vector<std::uint32_t> items;
    std::vector<std::uint8_t> behaviors;
    for (std::size_t u = chunk[c]; u < chunk[c + 1]; ++u) {
      const std::uint64_t b = off[u], e = off[u + 1];
      std::int64_t* time = own.seq_time.data() + b;
      std::uint32_t* item = own.seq_item.data() + b;
      std::uint8_t* behavior = own.seq_behavior.data() + b;
      const std::size_t len = e - b;
      if (std::is_sorted(time, time + len)) continue;
      keys.resize(len);
      for (std::size_t i = 0; i < len; ++i) keys[i] = {time[i], static_cast<std::uint32_t>(i)};
      // (time, input position) pairs are distinct, so this equals a stable sort by time.
      std::sort(keys.begin(), keys.end());
      items.assign(item, item + len);
      behaviors.assign(behavior, behavior + len);
      for (std::size_t i = 0; i < len; ++i) {
        time[i] = keys[i].first;
        item[i] = items[keys[i].second];
        behavior[i] = behaviors[keys[i].second];
      }
    }
  });
}

}  // namespace

Dataset::Dataset() : impl_(std::make_unique<Impl>()) { impl_->view_owned(); }
Dataset::~Dataset() = default;
Dataset::Dataset(Dataset&&) noexcept = default;
Dataset& Dataset::operator=(Dataset&&) noexcept = default;

Dataset Dataset::build(BehaviorLog log, const PrepareOptions& options, DatasetSource source,
                       const Dataset* extends) {
  check_log(log);
  const std::uint64_t n = log.records();
  source.records_read = n;
  source.skipped_lines = log.skipped_lines;
  Dataset d;
  Impl& im = *d.impl_;
  im.options = options;
  im.source = std::move(source);
  auto& own = im.own;

  // ALGORITHMS §2.2: count each user's records and keep those with at least min_records. Kept users
  // are renumbered in raw-id order, which is their order of first appearance.
  const std::size_t raw_users = log.user_ids.size();
  std::vector<std::uint64_t> start(raw_users, 0);  // record counts, then first CSR slots
  for (std::size_t r = 0; r < n; ++r) {
    if (log.user[r] >= raw_users)
      fail("inconsistent behaviour log: record ", r, " has user ", log.user[r], " of ", raw_users);
    ++start[log.user[r]];
  }
  const std::uint64_t min_records = std::max<std::uint32_t>(options.min_records, 1);
  own.offsets.assign(1, 0);
  im.user_ids.reserve(raw_users, log.user_ids.bytes().size());
  for (std::size_t u = 0; u < raw_users; ++u) {
    const std::uint64_t count = start[u];
    if (count < min_records) {
      start[u] = kDropped;
      continue;
    }
    if (count > std::numeric_limits<std::uint32_t>::max())
      fail("user ", log.user_ids[u], " has ", count, " records; at most 2^32 - 1 are supported");
    im.user_ids.add(log.user_ids[u]);
    start[u] = own.offsets.back();
    own.offsets.push_back(own.offsets.back() + count);
  }
  const std::uint64_t kept_records = own.offsets.back();
  if (im.user_ids.size() == 0)
    fail("no user has at least ", options.min_records, " records (", raw_users, " users, ", n,
         " records read); lower --min-records");
  if (im.user_ids.size() > kNone - 1) fail("too many users: ", im.user_ids.size());
  log.user_ids = StringTable();

  // Items and categories of kept records, renumbered in order of first appearance among them,
  // after those of `extends`, which keep theirs.
  const std::size_t raw_items = log.item_ids.size();
  std::vector<std::uint32_t> item_map(raw_items, kNone);
  std::vector<std::uint32_t> category_map(log.category_ids.size(), kNone);
  im.item_ids.reserve(raw_items, log.item_ids.bytes().size());
  own.item_category.reserve(raw_items);
  if (extends != nullptr) {
    absl::flat_hash_map<std::string_view, std::uint32_t> items, categories;
    for (std::uint32_t c = 0; c < extends->num_categories(); ++c) {
      im.category_ids.add(extends->category_id(c));
      categories.emplace(extends->category_id(c), c);
    }
    for (std::uint32_t i = 0; i < extends->num_items(); ++i) {
      im.item_ids.add(extends->item_id(i));
      own.item_category.push_back(extends->item_category(i));
      items.emplace(extends->item_id(i), i);
    }
    for (std::size_t it = 0; it < raw_items; ++it)
      if (const auto f = items.find(log.item_ids[it]); f != items.end()) item_map[it] = f->second;
    for (std::size_t c = 0; c < log.category_ids.size(); ++c)
      if (const auto f = categories.find(log.category_ids[c]); f != categories.end()) category_map[c] = f->second;
  }
  for (std::size_t r = 0; r < n; ++r) {
    const std::uint32_t it = log.item[r];
    if (it >= raw_items)
      fail("inconsistent behaviour log: record ", r, " has item ", it, " of ", raw_items);
    if (start[log.user[r]] == kDropped || item_map[it] != kNone) continue;
    item_map[it] = static_cast<std::uint32_t>(im.item_ids.size());
    im.item_ids.add(log.item_ids[it]);
    std::uint32_t& cat = category_map[log.item_category[it]];
    if (cat == kNone) {
      cat = static_cast<std::uint32_t>(im.category_ids.size());
      im.category_ids.add(log.category_ids[log.item_category[it]]);
    }
    own.item_category.push_back(cat);
  }
  log.item_ids = StringTable();
  log.category_ids = StringTable();
  release(log.item_category);
  release(category_map);
  im.behavior_types = std::move(log.behavior_types);

  // CSR arrays, one at a time, each source array freed as soon as it is moved.
  const auto types = im.behavior_types.size();
  own.seq_behavior = scatter<std::uint8_t>(log.user, start, kept_records, [&](std::size_t r) {
    if (log.behavior[r] >= types)
      fail("inconsistent behaviour log: record ", r, " has behaviour ", int(log.behavior[r]), " of ", types);
    return log.behavior[r];
  });
  release(log.behavior);
  own.seq_item = scatter<std::uint32_t>(log.user, start, kept_records,
                                        [&](std::size_t r) { return item_map[log.item[r]]; });
  release(log.item);
  release(item_map);
  own.seq_time = scatter<std::int64_t>(log.user, start, kept_records,
                                       [&](std::size_t r) { return log.time[r]; });
  release(log.time);
  release(log.user);
  release(start);
  sort_by_time(own, options.threads);

  // ALGORITHMS §2.3: the split; ALGORITHMS §2.5: sample counts of train users.
  const auto users = static_cast<std::uint32_t>(im.user_ids.size());
  const std::vector<Split> split = split_users(users, options.valid_users, options.test_users, options.split_seed);
  own.split.resize(users);
  own.sample_offsets.assign(1, 0);
  for (std::uint32_t u = 0; u < users; ++u) {
    own.split[u] = static_cast<std::uint8_t>(split[u]);
    own.split_users[static_cast<int>(split[u])].push_back(u);
    if (split[u] == Split::train)
      own.sample_offsets.push_back(own.sample_offsets.back() +
                                   samples_of_length(own.offsets[u + 1] - own.offsets[u]));
  }
  im.view_owned();
  return d;
}

std::uint32_t Dataset::num_users() const { return static_cast<std::uint32_t>(impl_->user_ids.size()); }
std::uint32_t Dataset::num_items() const { return static_cast<std::uint32_t>(impl_->item_ids.size()); }
std::uint32_t Dataset::num_categories() const {
  return static_cast<std::uint32_t>(impl_->category_ids.size());
}
std::uint64_t Dataset::num_records() const { return impl_->seq_item.size(); }
const PrepareOptions& Dataset::options() const { return impl_->options; }
const DatasetSource& Dataset::source() const { return impl_->source; }

std::string_view Dataset::user_id(std::uint32_t user) const {
  TR_CHECK(user < num_users(), "user ", user, " of ", num_users());
  return impl_->user_ids[user];
}
std::string_view Dataset::item_id(std::uint32_t item) const {
  TR_CHECK(item < num_items(), "item ", item, " of ", num_items());
  return impl_->item_ids[item];
}
std::string_view Dataset::category_id(std::uint32_t category) const {
  TR_CHECK(category < num_categories(), "category ", category, " of ", num_categories());
  return impl_->category_ids[category];
}
const StringTable& Dataset::user_ids() const { return impl_->user_ids; }
const StringTable& Dataset::item_ids() const { return impl_->item_ids; }
const StringTable& Dataset::category_ids() const { return impl_->category_ids; }
const StringTable& Dataset::behavior_types() const { return impl_->behavior_types; }
std::uint32_t Dataset::item_category(std::uint32_t item) const {
  TR_CHECK(item < num_items(), "item ", item, " of ", num_items());
  return impl_->item_category[item];
}
std::span<const std::uint32_t> Dataset::item_categories() const { return impl_->item_category; }

std::span<const std::uint32_t> Dataset::sequence(std::uint32_t user) const {
  TR_CHECK(user < num_users(), "user ", user, " of ", num_users());
  const auto& off = impl_->offsets;
  return impl_->seq_item.subspan(off[user], off[user + 1] - off[user]);
}
std::span<const std::int64_t> Dataset::times(std::uint32_t user) const {
  TR_CHECK(user < num_users(), "user ", user, " of ", num_users());
  const auto& off = impl_->offsets;
  return impl_->seq_time.subspan(off[user], off[user + 1] - off[user]);
}
std::span<const std::uint8_t> Dataset::behaviors(std::uint32_t user) const {
  TR_CHECK(user < num_users(), "user ", user, " of ", num_users());
  const auto& off = impl_->offsets;
  return impl_->seq_behavior.subspan(off[user], off[user + 1] - off[user]);
}
Split Dataset::split(std::uint32_t user) const {
  TR_CHECK(user < num_users(), "user ", user, " of ", num_users());
  return static_cast<Split>(impl_->split[user]);
}
std::span<const std::uint32_t> Dataset::users(Split s) const {
  return impl_->split_users[static_cast<int>(s)];
}

std::uint64_t Dataset::num_train_samples() const { return impl_->sample_offsets.back(); }

Sample Dataset::train_sample(std::uint64_t index) const {
  const auto& so = impl_->sample_offsets;
  TR_CHECK(index < so.back(), "training sample ", index, " of ", so.back());
  // The last train user whose first sample is at or before `index` (users without samples
  // share their offset with the next user and are skipped by upper_bound).
  const auto k = static_cast<std::size_t>(std::upper_bound(so.begin(), so.end(), index) - so.begin() - 1);
  return {impl_->split_users[0][k], static_cast<std::uint32_t>(kMinWindow - 1 + (index - so[k]))};
}

std::span<const std::uint32_t> Dataset::history(Sample sample) const {
  const auto seq = sequence(sample.user);
  TR_CHECK(sample.position < seq.size(), "position ", sample.position, " of user ", sample.user,
           " with ", seq.size(), " records");
  const std::uint32_t begin = sample.position > kMaxHistory ? sample.position - kMaxHistory : 0;
  return seq.subspan(begin, sample.position - begin);
}

std::uint32_t Dataset::target(Sample sample) const {
  const auto seq = sequence(sample.user);
  TR_CHECK(sample.position < seq.size(), "position ", sample.position, " of user ", sample.user,
           " with ", seq.size(), " records");
  return seq[sample.position];
}

std::span<const std::uint32_t> Dataset::eval_features(std::uint32_t user) const {
  const auto seq = sequence(user);
  const std::size_t mid = seq.size() / 2;
  const std::size_t begin = mid > kMaxHistory ? mid - kMaxHistory : 0;
  return seq.subspan(begin, mid - begin);
}

std::vector<std::uint32_t> Dataset::eval_truth(std::uint32_t user) const {
  const auto seq = sequence(user);
  std::vector<std::uint32_t> truth(seq.begin() + static_cast<std::ptrdiff_t>(seq.size() / 2), seq.end());
  std::sort(truth.begin(), truth.end());
  truth.erase(std::unique(truth.begin(), truth.end()), truth.end());
  return truth;
}

}  // namespace treerec
