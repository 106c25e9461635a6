// Internal to data/: the storage behind Dataset, shared by dataset.cpp (build, accessors) and
// dataset_file.cpp (save, load). Every accessor reads the spans, which point either at the
// owned vectors (a built dataset) or into the mapped file (a loaded one), so a loaded dataset
// copies no per-record array.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "treerec/data/dataset.h"
#include "treerec/io/binary_file.h"

namespace treerec {

struct Dataset::Impl {
  PrepareOptions options;
  DatasetSource source;

  // Raw ids; each owns its bytes (build) or views the mapped file (load).
  StringTable user_ids, item_ids, category_ids, behavior_types;

  // The views every accessor uses.
  std::span<const std::uint32_t> item_category;  // [items]
  std::span<const std::uint64_t> offsets;        // [users + 1]: user u's records are [offsets[u], offsets[u+1])
  std::span<const std::uint32_t> seq_item;       // [records], per user sorted by time
  std::span<const std::int64_t> seq_time;        // [records]
  std::span<const std::uint8_t> seq_behavior;    // [records]
  std::span<const std::uint8_t> split;           // [users]: Split
  std::array<std::span<const std::uint32_t>, 3> split_users;  // per Split, increasing ids
  std::span<const std::uint64_t> sample_offsets;  // [train users + 1]: prefix sums of samples

  // Storage of a built dataset (an empty one by default: no users, no samples).
  struct Owned {
    std::vector<std::uint32_t> item_category;
    std::vector<std::uint64_t> offsets{0};
    std::vector<std::uint32_t> seq_item;
    std::vector<std::int64_t> seq_time;
    std::vector<std::uint8_t> seq_behavior;
    std::vector<std::uint8_t> split;
    std::array<std::vector<std::uint32_t>, 3> split_users;
    std::vector<std::uint64_t> sample_offsets{0};
  } own;
  // The mapped file of a loaded dataset.
  std::unique_ptr<BinaryReader> reader;

  // Points the views at `own`.
  void view_owned() {
    item_category = own.item_category;
    offsets = own.offsets;
    seq_item = own.seq_item;
    seq_time = own.seq_time;
    seq_behavior = own.seq_behavior;
    split = own.split;
    for (int s = 0; s < 3; ++s) split_users[s] = own.split_users[s];
    sample_offsets = own.sample_offsets;
  }
};

// Samples of a sequence of `length` records (ALGORITHMS §2.5): targets at positions 5..length-1.
inline std::uint64_t samples_of_length(std::uint64_t length) {
  return length >= kMinWindow ? length - (kMinWindow - 1) : 0;
}

}  // namespace treerec
