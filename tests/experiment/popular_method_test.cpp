// popular as an experiment method: every user gets most_popular_items() (eval/popularity.h),
// so its metrics are evaluate_popularity()'s, and it has no settings and no training.
#include <gtest/gtest.h>

#include <vector>

#include "test_util.h"
#include "train/synthetic.h"
#include "treerec/eval/evaluate.h"
#include "treerec/eval/popularity.h"
#include "treerec/experiment/method.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

TEST(BaselineMethods, PopularGivesEveryUserTheMostPopularItems) {
  const Dataset d = test::planted_with_validation();
  const Tree tree = test::category_tree(d);
  const auto users = d.users(Split::valid);
  const ExperimentMethod& m = experiment_method("popular");
  EXPECT_TRUE(m.params.empty());
  EXPECT_THROW(method_settings(m, {{"top", 3}}), Error);
  MethodContext ctx{d, tree, method_settings(m, nullptr), users, Split::valid, 10, 1, 1, "", {}, {}, {}};
  const MethodOutcome o = m.run(ctx);
  const std::vector<std::uint32_t> popular = most_popular_items(d, 10);
  ASSERT_EQ(o.lists.size(), users.size());
  for (std::size_t q = 0; q < users.size(); ++q) {
    const auto items = o.lists.items_of(q);
    EXPECT_EQ(std::vector<std::uint32_t>(items.begin(), items.end()), popular) << q;
  }
  EXPECT_TRUE(o.history.empty());
  EXPECT_EQ(o.extra.at("items"), 10);
  // The same figures as the popularity baseline of eval/popularity.h.
  EvaluateOptions eo;
  eo.top = 10;
  const Metrics want = evaluate_popularity(d, eo).metrics;
  const Metrics got = measure_lists(d, users, o.lists, 10);
  EXPECT_EQ(got.json(), want.json());
}

}  // namespace
}  // namespace treerec
