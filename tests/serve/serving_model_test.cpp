// The serving snapshot and recommend(): raw ids both ways, unknown ids, exclusions, batches
// with mixed k, and agreement with the library's retrieve() on the same histories.
#include "treerec/serve/serving_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "serve/serve_fixture.h"
#include "treerec/search/item_filter.h"
#include "treerec/search/model_retrieval.h"

namespace treerec {
namespace {

using test::ServeFiles;
using test::TempDir;

// Library retrieval for one history of dense ids.
RankedLists direct(const ServingModel& s, const std::vector<std::uint32_t>& history, std::uint32_t beam,
                   std::uint32_t top, const std::vector<std::uint32_t>& exclude = {}) {
  HistoryLists h;
  h.add(history);
  RetrievalOptions o;
  o.beam = beam;
  o.top = top;
  o.brute_force = s.method().brute_force;
  o.threads = 1;
  return retrieve(s.model(), s.features(), s.tree(), h, o,
                  [&](std::uint32_t) { return std::span<const std::uint32_t>(exclude); });
}

std::vector<std::uint32_t> items(const RankedLists& r) {
  const auto s = r.items_of(0);
  return {s.begin(), s.end()};
}

TEST(ServingModel, MapsRawIdsBothWays) {
  TempDir dir;
  const ServeFiles f(dir);
  const auto s = ServingModel::load(f.jtm, f.tree);
  EXPECT_EQ(s->tree().num_items(), 24u);
  EXPECT_EQ(s->method().name, "jtm-h");
  for (std::uint32_t i = 0; i < s->tree().num_items(); ++i) EXPECT_EQ(s->find_item(s->tree().item_id(i)), i);
  EXPECT_NE(s->find_item("i3"), ServingModel::kUnknown);
  EXPECT_EQ(s->find_item("i24"), ServingModel::kUnknown);
  EXPECT_EQ(s->find_item(""), ServingModel::kUnknown);
  EXPECT_EQ(s->find_item("3"), ServingModel::kUnknown);
}

TEST(ServingModel, VersionFollowsTheFiles) {
  TempDir dir;
  const ServeFiles f(dir);
  const auto a = ServingModel::load(f.jtm, f.tree);
  const auto b = ServingModel::load(f.jtm, f.tree);
  const auto c = ServingModel::load(f.jtm2, f.tree);
  EXPECT_EQ(a->version().size(), 16u);
  EXPECT_EQ(a->version(), b->version());
  EXPECT_NE(a->version(), c->version());
  EXPECT_GT(a->loaded_at(), 1.6e9);
  // A file of the same model that records other timings (an identical or resumed run) serves
  // under the same version.
  const TrainedModel m = load_trained_model(f.jtm);
  TrainingInfo info = m.info;
  info.options["train_seconds"] = 123.4;
  save_trained_model(dir.file("same.model"), *m.model, info);
  EXPECT_NE(test::read_file(dir.file("same.model")), test::read_file(f.jtm));
  EXPECT_EQ(ServingModel::load(dir.file("same.model"), f.tree)->version(), a->version());
}

TEST(ServingModel, LoadErrorsNameTheFiles) {
  TempDir dir;
  const ServeFiles f(dir);
  // A tree of other items: the model was not trained on it.
  const Dataset other = test::tiny_dataset(14, 30);
  const std::string other_tree = dir.file("other.tree");
  build_category_tree(other.item_categories(), other.item_ids()).save(other_tree);
  try {
    ServingModel::load(f.jtm, other_tree);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("was trained on another tree"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(other_tree), std::string::npos) << e.what();
  }
  test::write_file(dir.file("bad.model"), std::string(200, 'x'));
  EXPECT_THROW(ServingModel::load(dir.file("bad.model"), f.tree), Error);
  EXPECT_THROW(ServingModel::load(dir.file("absent.model"), f.tree), Error);
  EXPECT_THROW(ServingModel::load(f.jtm, f.jtm), Error);  // a model file is not a tree
}

TEST(ServingModel, RecommendAgreesWithRetrieve) {
  TempDir dir;
  const ServeFiles f(dir);
  for (const std::string& path : {f.jtm, f.tdm, f.dnn}) {
    const auto s = ServingModel::load(path, f.tree);
    RecommendRequest q;
    q.behaviors = {"i3", "i5", "i3", "i20"};  // oldest first
    q.k = 6;
    for (const std::uint32_t beam : {2u, 200u}) {
      RecommendOptions o;
      o.beam = beam;
      const auto r = recommend(*s, std::span(&q, 1), o);
      ASSERT_EQ(r.size(), 1u);
      const std::vector<std::uint32_t> history = {s->find_item("i3"), s->find_item("i5"), s->find_item("i3"),
                                                  s->find_item("i20")};
      const RankedLists want = direct(*s, history, std::max(beam, q.k), q.k);
      EXPECT_EQ(r[0].items, items(want)) << path << " beam " << beam;
      EXPECT_EQ(r[0].scores, std::vector<float>(want.scores_of(0).begin(), want.scores_of(0).end()));
      EXPECT_EQ(r[0].items.size(), 6u);
      EXPECT_TRUE(r[0].unknown.empty());
    }
  }
}

TEST(ServingModel, UnknownIdsAreDroppedAndReportedOnce) {
  TempDir dir;
  const ServeFiles f(dir);
  const auto s = ServingModel::load(f.jtm, f.tree);
  RecommendRequest q;
  q.behaviors = {"zz", "i3", "nope", "zz", "i7"};
  q.exclude = {"gone", "i1", "nope"};
  q.k = 24;
  const auto r = recommend(*s, std::span(&q, 1), {});
  EXPECT_EQ(r[0].unknown, (std::vector<std::string>{"zz", "nope", "gone"}));
  const RankedLists want = direct(*s, {s->find_item("i3"), s->find_item("i7")}, 200, 24, {s->find_item("i1")});
  EXPECT_EQ(r[0].items, items(want));
}

TEST(ServingModel, ExcludedItemsAreNeverReturned) {
  TempDir dir;
  const ServeFiles f(dir);
  for (const std::string& path : {f.jtm, f.dnn}) {
    const auto s = ServingModel::load(path, f.tree);
    RecommendRequest all;
    all.behaviors = {"i2", "i9"};
    all.k = 24;
    const auto full = recommend(*s, std::span(&all, 1), {})[0];
    ASSERT_EQ(full.items.size(), 24u);  // beam 200 >= 24 items: every leaf is scored
    RecommendRequest q = all;
    q.exclude = {std::string(s->tree().item_id(full.items[0])), std::string(s->tree().item_id(full.items[5])), "i2"};
    const auto r = recommend(*s, std::span(&q, 1), {})[0];
    std::vector<std::uint32_t> expected;
    for (const std::uint32_t item : full.items)
      if (item != full.items[0] && item != full.items[5] && item != s->find_item("i2")) expected.push_back(item);
    EXPECT_EQ(r.items, expected) << path;
  }
}

TEST(ServingModel, BatchWithMixedKMatchesSingleQueries) {
  TempDir dir;
  const ServeFiles f(dir);
  const auto s = ServingModel::load(f.jtm, f.tree);
  std::vector<RecommendRequest> qs(4);
  qs[0].behaviors = {"i1"};
  qs[0].k = 3;
  qs[1].behaviors = {"i4", "i8", "x"};
  qs[1].k = 10;
  qs[2].behaviors = {};
  qs[2].k = 3;
  qs[3].behaviors = {"i11"};
  qs[3].k = 1;
  qs[3].exclude = {"i0"};
  RecommendOptions o;
  o.beam = 4;
  o.threads = 2;
  const auto batch = recommend(*s, qs, o);
  ASSERT_EQ(batch.size(), 4u);
  for (std::size_t i = 0; i < qs.size(); ++i) {
    const auto single = recommend(*s, std::span(&qs[i], 1), RecommendOptions{4, 1});
    EXPECT_EQ(batch[i].items, single[0].items) << i;
    EXPECT_EQ(batch[i].scores, single[0].scores) << i;
    EXPECT_EQ(batch[i].unknown, single[0].unknown) << i;
    EXPECT_EQ(batch[i].items.size(), qs[i].k) << i;
  }
  EXPECT_EQ(batch[1].unknown, std::vector<std::string>{"x"});
}

// A request's filter equals the library's filter inside the search (search/item_filter.h) built
// from the dataset's categories, for a beam narrower than the passing items need.
TEST(ServingModel, FilterInsideTheSearch) {
  TempDir dir;
  const ServeFiles f(dir);
  const Dataset d = test::tiny_dataset();
  for (const std::string& path : {f.jtm, f.tdm, f.dnn}) {
    const auto s = ServingModel::load(path, f.tree);
    ASSERT_TRUE(s->tree().has_categories());
    RecommendRequest q;
    q.behaviors = {"i3", "i5"};
    q.k = 5;
    q.filter.categories = {"c1", "c2"};
    q.filter.exclude_categories = {"c2"};
    q.filter.exclude_items = {"i4", "nope"};
    RecommendOptions o;
    o.beam = 2;
    const auto r = recommend(*s, std::span(&q, 1), o)[0];
    ASSERT_EQ(r.items.size(), 5u) << path;  // c1 holds i1, i4, i7, ..., i22: 8 items, 7 pass
    for (const std::uint32_t item : r.items) {
      const std::string id(s->tree().item_id(item));
      EXPECT_EQ(d.category_id(d.item_category(item)), "c1") << id;
      EXPECT_NE(id, "i4");
    }
    EXPECT_EQ(r.unknown, std::vector<std::string>{"nope"});

    FilterSpec spec = filter_spec(d, RawFilter{{"c1", "c2"}, {"c2"}, {"i4"}});
    const ItemFilter filter(std::make_shared<CategorySummary>(s->tree(), d.item_categories(), d.num_categories()),
                            spec);
    HistoryLists h;
    h.add(std::vector<std::uint32_t>{s->find_item("i3"), s->find_item("i5")});
    RetrievalOptions ro;
    ro.beam = 5;
    ro.top = 5;
    ro.brute_force = s->method().brute_force;
    ro.threads = 1;
    ro.filter = &filter;
    const RankedLists want = retrieve(s->model(), s->features(), s->tree(), h, ro, {});
    EXPECT_EQ(r.items, items(want)) << path;
    EXPECT_EQ(r.scores, std::vector<float>(want.scores_of(0).begin(), want.scores_of(0).end())) << path;
  }
}

// With a filter, the top-level `exclude` joins the filter's, so the search still finds k items
// when k pass both. The filter leaves one c1 item under each leaf parent, so the beam keeps k
// parents for k items; a beam that counted a top-level exclusion as passing came back short
// whenever it kept the parent of the excluded item (the best parent always is kept).
TEST(ServingModel, FilterWithTopLevelExcludeStillGivesK) {
  TempDir dir;
  const ServeFiles f(dir);
  const Dataset d = test::tiny_dataset();
  for (const std::string& path : {f.jtm, f.tdm}) {
    const auto s = ServingModel::load(path, f.tree);
    const Tree& tree = s->tree();
    std::map<Code, std::vector<std::string>> by_parent;  // c1's items under each leaf parent
    for (std::uint32_t i = 0; i < tree.num_items(); ++i)
      if (d.category_id(d.item_category(i)) == "c1")
        by_parent[parent_code(tree.leaf(i))].emplace_back(tree.item_id(i));
    std::vector<std::string> passing, refused;
    for (const auto& [parent, ids] : by_parent) {
      passing.push_back(ids[0]);
      refused.insert(refused.end(), ids.begin() + 1, ids.end());
    }
    ASSERT_GE(passing.size(), 3u);
    for (const std::string& gone : passing) {
      RecommendRequest q;
      q.behaviors = {"i3", "i5"};
      q.k = static_cast<std::uint32_t>(passing.size() - 1);
      q.exclude = {gone};
      q.filter.categories = {"c1"};
      q.filter.exclude_items = refused;
      RecommendOptions o;
      o.beam = 1;  // max(beam, k) = k nodes a level
      const auto r = recommend(*s, std::span(&q, 1), o)[0];
      std::vector<std::string> got, want;
      for (const std::uint32_t item : r.items) got.emplace_back(tree.item_id(item));
      for (const std::string& id : passing)
        if (id != gone) want.push_back(id);
      std::sort(got.begin(), got.end());
      std::sort(want.begin(), want.end());
      EXPECT_EQ(got, want) << path << ": excluding " << gone;
    }
  }
}

TEST(ServingModel, FilteredBatchMatchesSingleQueries) {
  TempDir dir;
  const ServeFiles f(dir);
  const auto s = ServingModel::load(f.jtm, f.tree);
  std::vector<RecommendRequest> qs(4);
  for (auto& q : qs) {
    q.behaviors = {"i2", "i6"};
    q.k = 4;
  }
  qs[0].filter.categories = {"c0"};
  qs[1].filter.categories = {"c1"};
  qs[2].filter.categories = {"c0"};  // the same filter as query 0: searched together
  qs[2].behaviors = {"i9"};
  qs[3].filter.exclude_items = {"i0", "i1"};  // items only
  RecommendOptions o;
  o.beam = 2;
  const auto batch = recommend(*s, qs, o);
  for (std::size_t i = 0; i < qs.size(); ++i) {
    const auto single = recommend(*s, std::span(&qs[i], 1), o)[0];
    EXPECT_EQ(batch[i].items, single.items) << i;
    ASSERT_EQ(batch[i].scores.size(), 4u) << i;
    // Queries 0 and 2 share a forward pass: its row count may change the products' last bits.
    for (std::size_t k = 0; k < 4; ++k) EXPECT_FLOAT_EQ(batch[i].scores[k], single.scores[k]) << i;
  }
  EXPECT_NE(batch[0].items, batch[1].items);
}

TEST(ServingModel, UnknownOrMissingCategoriesAre422) {
  TempDir dir;
  const ServeFiles f(dir);
  const auto error_of = [](const ServingModel& s, const RecommendRequest& q) -> std::pair<int, std::string> {
    try {
      recommend(s, std::span(&q, 1), {});
    } catch (const RequestError& e) {
      return {e.status(), e.what()};
    }
    return {0, ""};
  };
  const auto s = ServingModel::load(f.jtm, f.tree);
  RecommendRequest q;
  q.filter.exclude_categories = {"c9"};
  auto [status, message] = error_of(*s, q);
  EXPECT_EQ(status, 422);
  EXPECT_NE(message.find("filter.exclude_categories: the index has no category \"c9\""), std::string::npos) << message;

  // A tree file without categories filters by item, and refuses a category rule.
  const auto plain = ServingModel::load(f.jtm, f.plain_tree);
  EXPECT_FALSE(plain->tree().has_categories());
  EXPECT_NE(plain->version(), s->version());  // what a filter returns differs
  q.filter.exclude_categories = {"c0"};
  std::tie(status, message) = error_of(*plain, q);
  EXPECT_EQ(status, 422);
  EXPECT_NE(message.find("holds no item categories"), std::string::npos) << message;
  RecommendRequest items_only;
  items_only.k = 24;
  items_only.filter.exclude_items = {"i0", "i5"};
  const auto r = recommend(*plain, std::span(&items_only, 1), {})[0];
  EXPECT_EQ(r.items.size(), 22u);
  for (const std::uint32_t item : r.items) EXPECT_TRUE(item != plain->find_item("i0") && item != plain->find_item("i5"));
}

TEST(ServingModel, JsonFields) {
  std::string s;
  append_json_string(s, "a\"b\\c\n\x01");
  EXPECT_EQ(s, "\"a\\\"b\\\\c\\n\\u0001\"");

  TempDir dir;
  const ServeFiles f(dir);
  const auto m = ServingModel::load(f.jtm, f.tree);
  Recommendation r;
  r.items = {m->find_item("i4"), m->find_item("i10")};
  r.scores = {0.5f, -1.25f};
  r.unknown = {"q"};
  std::string out;
  append_recommendation_fields(out, *m, r);
  EXPECT_EQ(out, R"("items": ["i4", "i10"], "scores": [0.5, -1.25], "unknown": ["q"])");
}

}  // namespace
}  // namespace treerec

namespace treerec {
namespace {

// Ids are raw bytes from the log; JSON text must be UTF-8, so a byte that is not part of a
// well-formed sequence (a stray byte, an overlong form, a surrogate, a cut sequence) is written
// as U+FFFD and every answer parses as strict JSON.
TEST(ServingJson, StringsAreValidJsonForAnyBytes) {
  const std::string raw = std::string("a\xff b \xc3\xa9 \xed\xa0\x80 \xf0\x9f\x98\x80 \xc0\xaf \"q\"\n\x01") + "\xe2\x82";
  std::string out;
  append_json_string(out, raw);
  nlohmann::json parsed;
  ASSERT_NO_THROW(parsed = nlohmann::json::parse(out)) << out;
  EXPECT_EQ(parsed.get<std::string>(),
            "a\xef\xbf\xbd b \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xf0\x9f\x98\x80 \xef\xbf\xbd\xef\xbf\xbd "
            "\"q\"\n\x01\xef\xbf\xbd\xef\xbf\xbd");
}

}  // namespace
}  // namespace treerec
