// A prepared dataset (SPEC §2): users with at least `min_records` records, each user's
// behaviours sorted by time and stored compactly (CSR), a seeded split of users into train,
// validation and test, training samples enumerated lazily as (user, position), and
// evaluation users with first-half features and second-half ground truth.
//
// Files: magic "TRECDATA", format version 1 (see docs/FORMATS.md); loading maps the file.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "treerec/data/behavior_log.h"

namespace treerec {

// SPEC §2.5: a window of 70 (the target and up to 69 items of history), kept when it holds
// at least 6 interactions, so the first kept target is seq[5].
inline constexpr std::uint32_t kWindowSize = 70;
inline constexpr std::uint32_t kMaxHistory = kWindowSize - 1;  // 69
inline constexpr std::uint32_t kMinWindow = 6;

enum class Split : std::uint8_t { train = 0, valid = 1, test = 2 };
const char* split_name(Split s);

// A count of users (>= 1) or a fraction of the kept users (in (0, 1)); 0 = none.
struct UserCount {
  double value = 0;
  std::uint32_t resolve(std::uint32_t users) const;
};

struct PrepareOptions {
  std::uint32_t min_records = 10;
  UserCount valid_users{0.1};
  UserCount test_users{0.1};
  std::uint64_t seed = 1;
};

// A training sample: the target is sequence(user)[position], position >= kMinWindow - 1.
struct Sample {
  std::uint32_t user;
  std::uint32_t position;
};

class Dataset {
 public:
  Dataset();
  ~Dataset();
  Dataset(Dataset&&) noexcept;
  Dataset& operator=(Dataset&&) noexcept;

  // SPEC §2.2-2.7: filters, renumbers (only items of kept users remain, in first-appearance
  // order), sorts each user's records by time (ties keep input order), splits users.
  static Dataset build(BehaviorLog log, const PrepareOptions& options);
  // Maps and validates a dataset file; throws Error naming the file if it is truncated,
  // corrupted, foreign or of a newer version.
  static Dataset load(const std::string& path);
  // Writes to a temporary name and renames into place.
  void save(const std::string& path) const;

  std::uint32_t num_users() const;
  std::uint32_t num_items() const;
  std::uint32_t num_categories() const;
  std::uint64_t num_records() const;
  const PrepareOptions& options() const;

  std::string_view user_id(std::uint32_t user) const;
  std::string_view item_id(std::uint32_t item) const;
  std::string_view category_id(std::uint32_t category) const;
  const StringTable& item_ids() const;
  std::uint32_t item_category(std::uint32_t item) const;
  std::span<const std::uint32_t> item_categories() const;

  // The user's items, sorted by time (oldest first), and their timestamps.
  std::span<const std::uint32_t> sequence(std::uint32_t user) const;
  std::span<const std::int64_t> times(std::uint32_t user) const;
  Split split(std::uint32_t user) const;
  // The users of a split, in increasing id order.
  std::span<const std::uint32_t> users(Split split) const;

  // Training samples of train users, in (user, position) order.
  std::uint64_t num_train_samples() const;
  Sample train_sample(std::uint64_t index) const;
  // The up to 69 items before the target, oldest first.
  std::span<const std::uint32_t> history(Sample sample) const;
  std::uint32_t target(Sample sample) const;

  // SPEC §2.6 for validation and test users: features are the last up to 69 items of the
  // first half (oldest first); the ground truth is the distinct items of the second half,
  // sorted by item id.
  std::span<const std::uint32_t> eval_features(std::uint32_t user) const;
  std::vector<std::uint32_t> eval_truth(std::uint32_t user) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace treerec
