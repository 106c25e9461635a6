// Dataset files: round trips, damaged and foreign files, and the frozen version-1 file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/log_builder.h"
#include "test_util.h"
#include "treerec/data/dataset.h"
#include "treerec/io/binary_file.h"
#include "treerec/util/error.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

using U32s = std::vector<std::uint32_t>;

template <typename T>
std::vector<T> vec(std::span<const T> s) {
  return {s.begin(), s.end()};
}

// 40 users of 1 to 30 records, random items, categories, behaviours and tied times.
BehaviorLog random_log() {
  test::LogBuilder b;
  Rng rng(11);
  for (int r = 0; r < 600; ++r) {
    const auto item = rng.uniform(60);
    b.add(cat("u", rng.uniform(40)), cat("i", item), cat("c", item % 7), static_cast<std::int64_t>(rng.uniform(100)),
          rng.uniform(3) ? "pv" : "buy");
  }
  return b.log();
}

PrepareOptions some_options() {
  PrepareOptions o;
  o.min_records = 12;
  o.valid_users = UserCount{0.2};
  o.test_users = UserCount{3};
  o.split_seed = 4;
  return o;
}

void expect_same(const Dataset& a, const Dataset& b) {
  ASSERT_EQ(a.num_users(), b.num_users());
  ASSERT_EQ(a.num_items(), b.num_items());
  ASSERT_EQ(a.num_categories(), b.num_categories());
  ASSERT_EQ(a.num_records(), b.num_records());
  EXPECT_EQ(a.options().min_records, b.options().min_records);
  EXPECT_EQ(a.options().valid_users.value, b.options().valid_users.value);
  EXPECT_EQ(a.options().test_users.value, b.options().test_users.value);
  EXPECT_EQ(a.options().split_seed, b.options().split_seed);
  EXPECT_EQ(a.source().input, b.source().input);
  EXPECT_EQ(a.source().format, b.source().format);
  EXPECT_EQ(a.source().side_file, b.source().side_file);
  EXPECT_EQ(a.source().records_read, b.source().records_read);
  EXPECT_EQ(a.source().skipped_lines, b.source().skipped_lines);
  ASSERT_EQ(a.behavior_types().size(), b.behavior_types().size());
  for (std::size_t t = 0; t < a.behavior_types().size(); ++t) EXPECT_EQ(a.behavior_types()[t], b.behavior_types()[t]);
  for (std::uint32_t i = 0; i < a.num_items(); ++i) {
    EXPECT_EQ(a.item_id(i), b.item_id(i));
    EXPECT_EQ(a.item_category(i), b.item_category(i));
  }
  EXPECT_EQ(vec(a.item_categories()), vec(b.item_categories()));
  for (std::uint32_t c = 0; c < a.num_categories(); ++c) EXPECT_EQ(a.category_id(c), b.category_id(c));
  for (std::uint32_t u = 0; u < a.num_users(); ++u) {
    EXPECT_EQ(a.user_id(u), b.user_id(u));
    EXPECT_EQ(vec(a.sequence(u)), vec(b.sequence(u)));
    EXPECT_EQ(vec(a.times(u)), vec(b.times(u)));
    EXPECT_EQ(vec(a.behaviors(u)), vec(b.behaviors(u)));
    EXPECT_EQ(a.split(u), b.split(u));
    EXPECT_EQ(vec(a.eval_features(u)), vec(b.eval_features(u)));
    EXPECT_EQ(a.eval_truth(u), b.eval_truth(u));
  }
  for (const Split s : {Split::train, Split::valid, Split::test}) EXPECT_EQ(vec(a.users(s)), vec(b.users(s)));
  ASSERT_EQ(a.num_train_samples(), b.num_train_samples());
  for (std::uint64_t i = 0; i < a.num_train_samples(); ++i) {
    const Sample x = a.train_sample(i), y = b.train_sample(i);
    EXPECT_EQ(x.user, y.user);
    EXPECT_EQ(x.position, y.position);
    EXPECT_EQ(vec(a.history(x)), vec(b.history(y)));
    EXPECT_EQ(a.target(x), b.target(y));
  }
}

TEST(DatasetFile, RoundTripKeepsEveryAccessor) {
  test::TempDir dir;
  const Dataset built = Dataset::build(random_log(), some_options(), DatasetSource{"in.csv", "userbehavior", "side", 0, 0});
  ASSERT_GT(built.num_train_samples(), 0u);
  ASSERT_EQ(built.users(Split::test).size(), 3u);
  built.save(dir.file("a.trd"));
  const Dataset loaded = Dataset::load(dir.file("a.trd"));
  expect_same(built, loaded);
  // A loaded dataset saves to the same bytes.
  loaded.save(dir.file("b.trd"));
  EXPECT_EQ(test::read_file(dir.file("a.trd")), test::read_file(dir.file("b.trd")));
  // Moving keeps the mapped views valid.
  Dataset moved = Dataset::load(dir.file("b.trd"));
  Dataset target;
  target = std::move(moved);
  expect_same(built, target);
  // An empty dataset round-trips too.
  Dataset().save(dir.file("empty.trd"));
  const Dataset empty = Dataset::load(dir.file("empty.trd"));
  EXPECT_EQ(empty.num_users(), 0u);
  EXPECT_EQ(empty.num_records(), 0u);
  EXPECT_EQ(empty.num_train_samples(), 0u);
}

void expect_load_error(const std::string& path, const std::string& fragment) {
  try {
    Dataset::load(path);
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(DatasetFile, TruncatedCorruptedAndForeignFilesAreRejected) {
  test::TempDir dir;
  const auto path = dir.file("d.trd");
  Dataset::build(random_log(), some_options()).save(path);
  const std::string good = test::read_file(path);

  test::write_file(path, good.substr(0, good.size() / 2));
  expect_load_error(path, "truncated");
  std::string bad = good;
  bad[good.size() / 2] ^= 0x10;
  test::write_file(path, bad);
  expect_load_error(path, "corrupted");

  BinaryWriter tree(dir.file("t.tree"), "TRECTREE", 1);
  tree.add("codes", std::vector<std::uint64_t>{0, 1, 2});
  tree.commit();
  expect_load_error(dir.file("t.tree"), "another kind");
  test::write_file(dir.file("text.csv"), "user,item\n1,2\n");
  expect_load_error(dir.file("text.csv"), "not a treerec dataset file");
  expect_load_error(dir.file("missing.trd"), "missing.trd");
}

// Rewrites a dataset file with its meta section changed by `edit` (and its record times by
// `edit_times`): every checksum is right, so only the load's own checks can catch it.
void rewrite_meta(const std::string& from, const std::string& to, void (*edit)(nlohmann::json&),
                  void (*edit_times)(std::vector<std::int64_t>&) = nullptr) {
  BinaryReader r(from, "TRECDATA", "dataset", 1);
  nlohmann::json meta = r.json("meta");
  edit(meta);
  BinaryWriter w(to, "TRECDATA", 1);
  w.add_json("meta", meta);
  for (const char* s : {"user_ids", "item_ids", "category_ids", "behavior_types"}) w.add_strings(s, r.strings(s));
  w.add("item_category", r.get<std::uint32_t>("item_category"));
  w.add("user_offsets", r.get<std::uint64_t>("user_offsets"));
  w.add("seq_item", r.get<std::uint32_t>("seq_item"));
  const auto stored = r.get<std::int64_t>("seq_time");
  std::vector<std::int64_t> times(stored.begin(), stored.end());
  if (edit_times != nullptr) edit_times(times);
  w.add("seq_time", times);
  w.add("seq_behavior", r.get<std::uint8_t>("seq_behavior"));
  w.add("user_split", r.get<std::uint8_t>("user_split"));
  for (const char* s : {"train_users", "valid_users", "test_users"}) w.add(s, r.get<std::uint32_t>(s));
  w.add("sample_offsets", r.get<std::uint64_t>("sample_offsets"));
  w.commit();
}

TEST(DatasetFile, SizesInconsistentWithMetaAreRejected) {
  test::TempDir dir;
  const auto path = dir.file("d.trd");
  Dataset::build(random_log(), some_options()).save(path);
  rewrite_meta(path, dir.file("same.trd"), [](nlohmann::json&) {});
  EXPECT_NO_THROW(Dataset::load(dir.file("same.trd")));
  rewrite_meta(path, dir.file("users.trd"), [](nlohmann::json& m) { m["users"] = m["users"].get<int>() + 1; });
  expect_load_error(dir.file("users.trd"), "damaged dataset file: section user_ids has");
  rewrite_meta(path, dir.file("records.trd"), [](nlohmann::json& m) { m["records"] = 5; });
  expect_load_error(dir.file("records.trd"), "damaged dataset file");
  rewrite_meta(path, dir.file("samples.trd"),
               [](nlohmann::json& m) { m["train_samples"] = m["train_samples"].get<int>() + 1; });
  expect_load_error(dir.file("samples.trd"), "train samples");
  rewrite_meta(path, dir.file("split.trd"), [](nlohmann::json& m) {
    m["valid_users"] = m["valid_users"].get<int>() + 1;
    m["test_users"] = m["test_users"].get<int>() - 1;
  });
  expect_load_error(dir.file("split.trd"), "damaged dataset file");
  rewrite_meta(path, dir.file("nometa.trd"), [](nlohmann::json& m) { m.erase("items"); });
  expect_load_error(dir.file("nometa.trd"), "meta lacks the count 'items'");
  // The first user's first two records swapped in time: the file says they are in order.
  rewrite_meta(path, dir.file("order.trd"), [](nlohmann::json&) {}, [](std::vector<std::int64_t>& t) {
    t[0] = t[1] + 1;
  });
  expect_load_error(dir.file("order.trd"), "are not in time order");
}

TEST(DatasetFile, FailedBuildOrSaveLeavesNoFile) {
  test::TempDir dir;
  const auto path = dir.file("d.trd");
  PrepareOptions o = some_options();
  o.valid_users = UserCount{0.6};
  o.test_users = UserCount{0.6};
  EXPECT_THROW(Dataset::build(random_log(), o).save(path), Error);
  EXPECT_FALSE(std::filesystem::exists(path));
  const Dataset d = Dataset::build(random_log(), some_options());
  EXPECT_THROW(d.save(dir.file("no-such-dir/d.trd")), Error);
  EXPECT_FALSE(std::filesystem::exists(dir.file("no-such-dir")));
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 0u);
}

// The frozen file tests/data/frozen/dataset_v1.trd was written by this log and these options
// (set TREEREC_WRITE_FROZEN=1 to rewrite it; never do so once version 1 has shipped).
BehaviorLog frozen_log() {
  test::LogBuilder b;
  b.add("u1", "i1", "c1", 100)
      .add("u2", "i2", "c2", 50, "buy")
      .add("u1", "i2", "c2", 90)
      .add("u4", "i9", "c9", 1)
      .add("u3", "i3", "c1", 7)
      .add("u1", "i3", "c1", 95, "buy")
      .add("u2", "i1", "c1", 40)
      .add("u1", "i4", "c3", 95)
      .add("u3", "i1", "c1", 6)
      .add("u2", "i3", "c1", 60)
      .add("u1", "i5", "c3", 80)
      .add("u2", "i4", "c3", 45)
      .add("u1", "i6", "c2", 110)
      .add("u3", "i2", "c2", 8)
      .add("u1", "i1", "c1", 120);
  return b.log();
}

PrepareOptions frozen_options() {
  PrepareOptions o;
  o.min_records = 3;
  o.valid_users = UserCount{1};
  o.test_users = UserCount{1};
  o.split_seed = 3;
  return o;
}

TEST(DatasetFile, FrozenVersion1StillLoads) {
  const std::string path = std::string(TREEREC_SOURCE_DIR) + "/tests/data/frozen/dataset_v1.trd";
  const DatasetSource source{"frozen.csv", "userbehavior", "", 0, 0};
  if (std::getenv("TREEREC_WRITE_FROZEN")) Dataset::build(frozen_log(), frozen_options(), source).save(path);
  const Dataset d = Dataset::load(path);
  ASSERT_EQ(d.num_users(), 3u);  // u4 (1 record) dropped
  EXPECT_EQ(d.user_id(0), "u1");
  EXPECT_EQ(d.user_id(2), "u3");
  ASSERT_EQ(d.num_items(), 6u);  // i9 dropped
  EXPECT_EQ(d.item_id(0), "i1");
  EXPECT_EQ(d.item_id(5), "i6");
  ASSERT_EQ(d.num_categories(), 3u);
  EXPECT_EQ(vec(d.item_categories()), (U32s{0, 1, 0, 2, 2, 1}));
  EXPECT_EQ(d.num_records(), 14u);
  // u1: i5@80, i2@90, i3@95 buy, i4@95 (tie), i1@100, i6@110, i1@120.
  EXPECT_EQ(vec(d.sequence(0)), (U32s{4, 1, 2, 3, 0, 5, 0}));
  EXPECT_EQ(vec(d.times(0)), (std::vector<std::int64_t>{80, 90, 95, 95, 100, 110, 120}));
  EXPECT_EQ(vec(d.behaviors(0)), (std::vector<std::uint8_t>{0, 0, 1, 0, 0, 0, 0}));
  EXPECT_EQ(vec(d.sequence(1)), (U32s{0, 3, 1, 2}));  // u2: i1@40, i4@45, i2@50, i3@60
  EXPECT_EQ(vec(d.sequence(2)), (U32s{0, 2, 1}));     // u3: i1@6, i3@7, i2@8
  EXPECT_EQ(d.behavior_types()[1], "buy");
  EXPECT_EQ(d.options().split_seed, 3u);
  EXPECT_EQ(d.source().input, "frozen.csv");
  EXPECT_EQ(d.source().records_read, 15u);
  // The split of seed 3 (pinned: the Rng and shuffle are portable).
  EXPECT_EQ(vec(d.users(Split::train)), (U32s{0}));
  EXPECT_EQ(vec(d.users(Split::valid)), (U32s{1}));
  EXPECT_EQ(vec(d.users(Split::test)), (U32s{2}));
  ASSERT_EQ(d.num_train_samples(), 2u);
  EXPECT_EQ(d.target(d.train_sample(1)), 0u);
  EXPECT_EQ(vec(d.history(d.train_sample(1))), (U32s{4, 1, 2, 3, 0, 5}));
  EXPECT_EQ(vec(d.eval_features(1)), (U32s{0, 3}));
  EXPECT_EQ(d.eval_truth(1), (U32s{1, 2}));
  // Building the same log today gives the same dataset.
  expect_same(Dataset::build(frozen_log(), frozen_options(), source), d);
}

}  // namespace
}  // namespace treerec
