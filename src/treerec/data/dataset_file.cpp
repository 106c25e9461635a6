// Dataset files (docs/FORMATS.md, "Dataset file"): saving, and loading by mapping the file and
// using its arrays in place, after checking every size against the "meta" section.
#include <algorithm>
#include <atomic>
#include <limits>
#include <nlohmann/json.hpp>

#include "treerec/data/dataset.h"
#include "treerec/data/dataset_impl.h"
#include "treerec/io/binary_file.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"

namespace treerec {

namespace {

constexpr const char* kMagic = "TRECDATA";
constexpr std::uint32_t kFormatVersion = 1;
constexpr const char* kSplitSections[3] = {"train_users", "valid_users", "test_users"};

template <typename... Args>
[[noreturn]] void damaged(const std::string& path, const Args&... args) {
  fail(path, ": damaged dataset file: ", args...);
}

std::uint64_t meta_u64(const nlohmann::json& j, const char* key, const std::string& path) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) damaged(path, "meta lacks the count '", key, "'");
  return it->get<std::uint64_t>();
}

double meta_double(const nlohmann::json& j, const char* key, const std::string& path) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) damaged(path, "meta lacks the number '", key, "'");
  return it->get<double>();
}

std::string meta_string(const nlohmann::json& j, const char* key, const std::string& path) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) damaged(path, "meta lacks the text '", key, "'");
  return it->get<std::string>();
}

const nlohmann::json& meta_object(const nlohmann::json& j, const char* key, const std::string& path) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_object()) damaged(path, "meta lacks the object '", key, "'");
  return *it;
}

void expect_size(const std::string& path, const char* section, std::uint64_t size, std::uint64_t want) {
  if (size != want) damaged(path, "section ", section, " has ", size, " entries, meta says ", want);
}

// Checks that every record's item and behaviour are in range, in parallel: these index
// embedding tables and names downstream, so they must hold even in a file we did not write.
void check_records(const Dataset::Impl& im, const std::string& path) {
  const auto items = im.item_ids.size();
  const auto types = im.behavior_types.size();
  std::atomic<bool> bad{false};
  parallel_blocks(im.seq_item.size(), 0, [&](int, std::size_t begin, std::size_t end) {
    std::uint32_t max_item = 0;
    std::uint8_t max_type = 0;
    for (std::size_t r = begin; r < end; ++r) {
      max_item = std::max(max_item, im.seq_item[r]);
      max_type = std::max(max_type, im.seq_behavior[r]);
    }
    if (end > begin && (max_item >= items || max_type >= types)) bad = true;
  });
  if (bad) damaged(path, "a record's item or behaviour is out of range");
  // ALGORITHMS §2.4: each user's records are in time order; the windows and samples rely on it.
  const std::size_t users = im.offsets.size() - 1;
  std::atomic<std::size_t> first_bad{users};
  parallel_blocks(users, 0, [&](int, std::size_t begin, std::size_t end) {
    for (std::size_t u = begin; u < end; ++u) {
      const std::int64_t* t = im.seq_time.data() + im.offsets[u];
      if (!std::is_sorted(t, t + (im.offsets[u + 1] - im.offsets[u]))) {
        std::size_t seen = first_bad.load();
        while (u < seen && !first_bad.compare_exchange_weak(seen, u)) {
        }
        return;
      }
    }
  });
  if (first_bad < users) damaged(path, "the records of user ", im.user_ids[first_bad.load()], " are not in time order");
}

}  // namespace

void Dataset::save(const std::string& path) const {
  const Impl& im = *impl_;
  const auto& o = im.options;
  const auto& s = im.source;
  nlohmann::json meta = {
      {"users", im.user_ids.size()},
      {"items", im.item_ids.size()},
      {"categories", im.category_ids.size()},
      {"behavior_types", im.behavior_types.size()},
      {"records", im.seq_item.size()},
      {"train_users", im.split_users[0].size()},
      {"valid_users", im.split_users[1].size()},
      {"test_users", im.split_users[2].size()},
      {"train_samples", num_train_samples()},
      {"options",
       {{"min_records", o.min_records},
        {"valid_users", o.valid_users.value},
        {"test_users", o.test_users.value},
        {"seed", o.split_seed}}},
      {"input",
       {{"path", s.input},
        {"format", s.format},
        {"side_file", s.side_file},
        {"records_read", s.records_read},
        {"skipped_lines", s.skipped_lines}}},
  };
  BinaryWriter w(path, kMagic, kFormatVersion);
  w.add_json("meta", meta);
  w.add_strings("user_ids", im.user_ids);
  w.add_strings("item_ids", im.item_ids);
  w.add_strings("category_ids", im.category_ids);
  w.add_strings("behavior_types", im.behavior_types);
  w.add("item_category", im.item_category);
  w.add("user_offsets", im.offsets);
  w.add("seq_item", im.seq_item);
  w.add("seq_time", im.seq_time);
  w.add("seq_behavior", im.seq_behavior);
  w.add("user_split", im.split);
  for (int k = 0; k < 3; ++k) w.add(kSplitSections[k], im.split_users[k]);
  w.add("sample_offsets", im.sample_offsets);
  w.commit();
}

Dataset Dataset::load(const std::string& path) {
  Dataset d;
  Impl& im = *d.impl_;
  im.reader = std::make_unique<BinaryReader>(path, kMagic, "dataset", kFormatVersion);
  const BinaryReader& r = *im.reader;
  const nlohmann::json meta = r.json("meta");
  if (!meta.is_object()) damaged(path, "meta is not a JSON object");
  const std::uint64_t users = meta_u64(meta, "users", path);
  const std::uint64_t items = meta_u64(meta, "items", path);
  const std::uint64_t categories = meta_u64(meta, "categories", path);
  const std::uint64_t records = meta_u64(meta, "records", path);
  const std::uint64_t split_count[3] = {meta_u64(meta, "train_users", path),
                                        meta_u64(meta, "valid_users", path),
                                        meta_u64(meta, "test_users", path)};
  const std::uint64_t samples = meta_u64(meta, "train_samples", path);
  const auto& opt = meta_object(meta, "options", path);
  const std::uint64_t min_records = meta_u64(opt, "min_records", path);
  if (min_records > std::numeric_limits<std::uint32_t>::max()) damaged(path, "min_records out of range");
  im.options.min_records = static_cast<std::uint32_t>(min_records);
  im.options.valid_users.value = meta_double(opt, "valid_users", path);
  im.options.test_users.value = meta_double(opt, "test_users", path);
  im.options.split_seed = meta_u64(opt, "seed", path);
  const auto& in = meta_object(meta, "input", path);
  im.source.input = meta_string(in, "path", path);
  im.source.format = meta_string(in, "format", path);
  im.source.side_file = meta_string(in, "side_file", path);
  im.source.records_read = meta_u64(in, "records_read", path);
  im.source.skipped_lines = meta_u64(in, "skipped_lines", path);

  if (users >= std::numeric_limits<std::uint32_t>::max() || items >= std::numeric_limits<std::uint32_t>::max() ||
      categories >= std::numeric_limits<std::uint32_t>::max())
    damaged(path, "meta counts out of range");
  im.user_ids = r.strings("user_ids");
  im.item_ids = r.strings("item_ids");
  im.category_ids = r.strings("category_ids");
  im.behavior_types = r.strings("behavior_types");
  expect_size(path, "user_ids", im.user_ids.size(), users);
  expect_size(path, "item_ids", im.item_ids.size(), items);
  expect_size(path, "category_ids", im.category_ids.size(), categories);
  expect_size(path, "behavior_types", im.behavior_types.size(), meta_u64(meta, "behavior_types", path));
  if (im.behavior_types.size() > 256) damaged(path, "more than 256 behaviour types");

  im.item_category = r.get<std::uint32_t>("item_category");
  expect_size(path, "item_category", im.item_category.size(), items);
  for (const auto c : im.item_category)
    if (c >= categories) damaged(path, "an item's category ", c, " is out of range");

  im.offsets = r.get<std::uint64_t>("user_offsets");
  expect_size(path, "user_offsets", im.offsets.size(), users + 1);
  if (im.offsets.front() != 0 || im.offsets.back() != records)
    damaged(path, "user_offsets do not span the ", records, " records");
  for (std::size_t u = 0; u < users; ++u)
    if (im.offsets[u] > im.offsets[u + 1] || im.offsets[u + 1] - im.offsets[u] > std::numeric_limits<std::uint32_t>::max())
      damaged(path, "user_offsets are not increasing at user ", u);

  im.seq_item = r.get<std::uint32_t>("seq_item");
  im.seq_time = r.get<std::int64_t>("seq_time");
  im.seq_behavior = r.get<std::uint8_t>("seq_behavior");
  expect_size(path, "seq_item", im.seq_item.size(), records);
  expect_size(path, "seq_time", im.seq_time.size(), records);
  expect_size(path, "seq_behavior", im.seq_behavior.size(), records);
  check_records(im, path);

  im.split = r.get<std::uint8_t>("user_split");
  expect_size(path, "user_split", im.split.size(), users);
  std::uint64_t listed = 0;
  for (int k = 0; k < 3; ++k) {
    im.split_users[k] = r.get<std::uint32_t>(kSplitSections[k]);
    expect_size(path, kSplitSections[k], im.split_users[k].size(), split_count[k]);
    const auto& list = im.split_users[k];
    for (std::size_t i = 0; i < list.size(); ++i)
      if (list[i] >= users || im.split[list[i]] != k || (i > 0 && list[i - 1] >= list[i]))
        damaged(path, "section ", kSplitSections[k], " disagrees with user_split");
    listed += list.size();
  }
  if (listed != users) damaged(path, "the splits hold ", listed, " users, meta says ", users);

  im.sample_offsets = r.get<std::uint64_t>("sample_offsets");
  expect_size(path, "sample_offsets", im.sample_offsets.size(), split_count[0] + 1);
  const auto& so = im.sample_offsets;
  for (std::size_t k = 0; k < split_count[0]; ++k) {
    const std::uint32_t u = im.split_users[0][k];
    if (so[k + 1] < so[k] || so[k + 1] - so[k] != samples_of_length(im.offsets[u + 1] - im.offsets[u]))
      damaged(path, "sample_offsets disagree with the train users' sequence lengths");
  }
  if (so.front() != 0 || so.back() != samples)
    damaged(path, "section sample_offsets ends at ", so.back(), ", meta says ", samples, " train samples");
  return d;
}

nlohmann::json dataset_stats(const Dataset& d) {
  std::uint64_t min_len = 0, max_len = 0;
  for (std::uint32_t u = 0; u < d.num_users(); ++u) {
    const std::uint64_t len = d.sequence(u).size();
    min_len = u == 0 ? len : std::min(min_len, len);
    max_len = std::max(max_len, len);
  }
  nlohmann::json types = nlohmann::json::array();
  for (std::size_t t = 0; t < d.behavior_types().size(); ++t) types.push_back(d.behavior_types()[t]);
  const auto& o = d.options();
  const auto& s = d.source();
  return {
      {"users", d.num_users()},
      {"items", d.num_items()},
      {"categories", d.num_categories()},
      {"records", d.num_records()},
      {"train_users", d.users(Split::train).size()},
      {"valid_users", d.users(Split::valid).size()},
      {"test_users", d.users(Split::test).size()},
      {"train_samples", d.num_train_samples()},
      {"behavior_types", types},
      {"min_sequence_length", min_len},
      {"mean_sequence_length", d.num_users() ? static_cast<double>(d.num_records()) / d.num_users() : 0.0},
      {"max_sequence_length", max_len},
      {"min_records", o.min_records},
      {"split_seed", o.split_seed},
      {"input", s.input},
      {"format", s.format},
      {"records_read", s.records_read},
      {"skipped_lines", s.skipped_lines},
  };
}

}  // namespace treerec
