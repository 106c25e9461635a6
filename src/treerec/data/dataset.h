// A prepared dataset (ALGORITHMS §2): users with at least `min_records` records, each user's
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

#include <nlohmann/json_fwd.hpp>

#include "treerec/data/behavior_log.h"

namespace treerec {

// ALGORITHMS §2.5: a window of 70 (the target and up to 69 items of history), kept when it holds
// at least 6 interactions, so the first kept target is seq[5].
inline constexpr std::uint32_t kWindowSize = 70;
inline constexpr std::uint32_t kMaxHistory = kWindowSize - 1;  // 69
inline constexpr std::uint32_t kMinWindow = 6;

enum class Split : std::uint8_t { train = 0, valid = 1, test = 2 };
const char* split_name(Split s);

// A count of users (>= 1) or a fraction of the kept users (in (0, 1)); 0 = none.
struct UserCount {
  double value = 0;
  // 0 -> 0; a fraction -> round(value * users) to nearest (halves away from zero); a whole
  // number >= 1 -> itself. Throws Error for a negative, non-finite or non-integer value >= 1.
  std::uint32_t resolve(std::uint32_t users) const;
};

struct PrepareOptions {
  std::uint32_t min_records = 10;  // ALGORITHMS §2.2: users with fewer records are dropped
  UserCount valid_users{0.1};
  UserCount test_users{0.1};
  std::uint64_t split_seed = 1;  // the split's seed (ALGORITHMS §2.3)
  int threads = 0;               // for the per-user sorts; 0 = default; never changes the result
};

// min_records, valid_users, test_users and split_seed (util/params.h).
const ParamTable<PrepareOptions>& prepare_params();

// Where the records came from; stored in the file for the record, not used by the library.
struct DatasetSource {
  std::string input;      // the log's path
  std::string format;     // "userbehavior", "amazon", "movielens", "csv"
  std::string side_file;  // categories / movies file, if any
  std::uint64_t records_read = 0;   // records in the log before filtering
  std::uint64_t skipped_lines = 0;  // malformed lines skipped by the reader
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

  // ALGORITHMS §2.2-2.7: drops users with fewer than min_records records; renumbers the kept users,
  // items and categories densely in order of first appearance among the kept records (as if
  // the dropped users' lines had never been read), keeping their raw ids; sorts each user's
  // records by time (ties keep input order); splits the users (split_users, data/split.h).
  // `log` is consumed: its arrays are freed as soon as they are used, to bound peak memory.
  // Throws Error if no user is kept, the split is impossible, or the log is inconsistent.
  // records_read and skipped_lines of `source` are filled from the log.
  // With `extends` (a dataset of an earlier log), its items and categories come first with their
  // dense ids, raw ids and categories, whether or not the new log has records of them; the new
  // log's other items and categories follow in order of first appearance. A tree and model of
  // `extends` then cover a prefix of this dataset's items (`treerec tree add-items`).
  static Dataset build(BehaviorLog log, const PrepareOptions& options, DatasetSource source = {},
                       const Dataset* extends = nullptr);
  // Maps and validates a dataset file; throws Error naming the file if it is truncated,
  // corrupted, foreign or of a newer version.
  static Dataset load(const std::string& path);
  // Writes to a temporary name and renames into place; on error no file appears and an
  // existing file at `path` is left as it was.
  void save(const std::string& path) const;

  std::uint32_t num_users() const;
  std::uint32_t num_items() const;
  std::uint32_t num_categories() const;
  std::uint64_t num_records() const;
  const PrepareOptions& options() const;
  const DatasetSource& source() const;

  std::string_view user_id(std::uint32_t user) const;
  std::string_view item_id(std::uint32_t item) const;
  std::string_view category_id(std::uint32_t category) const;
  const StringTable& user_ids() const;
  const StringTable& item_ids() const;
  const StringTable& category_ids() const;
  const StringTable& behavior_types() const;  // behaviour index -> its name ("pv", "buy", ...)
  std::uint32_t item_category(std::uint32_t item) const;
  std::span<const std::uint32_t> item_categories() const;

  // The user's items, sorted by time (oldest first), and their timestamps.
  std::span<const std::uint32_t> sequence(std::uint32_t user) const;
  std::span<const std::int64_t> times(std::uint32_t user) const;
  std::span<const std::uint8_t> behaviors(std::uint32_t user) const;  // indices into behavior_types
  Split split(std::uint32_t user) const;
  // The users of a split, in increasing id order.
  std::span<const std::uint32_t> users(Split split) const;

  // Training samples of train users, in (user, position) order: a train user with L records
  // has max(0, L - 5) samples, at positions 5..L-1. train_sample maps an index in
  // [0, num_train_samples()) to its sample in O(log train users).
  std::uint64_t num_train_samples() const;
  Sample train_sample(std::uint64_t index) const;
  // The up to 69 items before the target, oldest first.
  std::span<const std::uint32_t> history(Sample sample) const;
  std::uint32_t target(Sample sample) const;

  // ALGORITHMS §2.6 for validation and test users (defined for any user): with mid = len / 2, the
  // features are the last up to 69 items of seq[0:mid] (oldest first); the ground truth is
  // the distinct items of seq[mid:], sorted by item id.
  std::span<const std::uint32_t> eval_features(std::uint32_t user) const;
  std::vector<std::uint32_t> eval_truth(std::uint32_t user) const;

  // The storage (internal: data/dataset_impl.h, shared by the files that build and load it).
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Sizes, splits, sequence lengths, preparation options and source, as `treerec stats --json`
// prints them and experiment reports record them.
nlohmann::json dataset_stats(const Dataset& d);

}  // namespace treerec
