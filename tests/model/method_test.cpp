// The one list of methods (model/method.h): names, traits and the errors that list them.
#include "treerec/model/method.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "test_util.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

TEST(Method, EveryMethodOnceInNameOrderWithTitleAndHelp) {
  const std::vector<std::string> names = method_names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  EXPECT_EQ(names, (std::vector<std::string>{"dnn", "hsm", "itemcf", "jtm", "jtm-h", "jtm-h-same-epochs", "jtm-hi",
                                             "popular", "tdm", "tdm-kmeans", "youtube"}));
  for (const Method& m : all_methods()) {
    EXPECT_FALSE(m.title.empty()) << m.name;
    EXPECT_FALSE(m.help.empty()) << m.name;
    EXPECT_EQ(&method_named(m.name), &m);
  }
}

TEST(Method, TraitsDecideFeaturesRetrievalAndModelKind) {
  EXPECT_EQ(method_named("tdm").representation, Representation::tdm);
  EXPECT_EQ(method_named("jtm-hi").representation, Representation::jtm_hi);
  EXPECT_EQ(method_named("jtm-h").representation, Representation::jtm_h);
  EXPECT_EQ(method_named("jtm").representation, Representation::jtm_h);
  EXPECT_TRUE(method_named("dnn").brute_force);
  EXPECT_TRUE(method_named("hsm").hsm);
  for (const Method& m : all_methods()) {
    EXPECT_EQ(m.brute_force, m.name == "dnn") << m.name;
    EXPECT_EQ(m.hsm, m.name == "hsm") << m.name;
  }
  EXPECT_EQ(method_named("popular").model, ModelKind::none);
  EXPECT_EQ(method_named("itemcf").model, ModelKind::itemcf);
  EXPECT_EQ(method_named("youtube").model, ModelKind::youtube);
  EXPECT_EQ(method_names([](const Method& m) { return m.trainable; }),
            (std::vector<std::string>{"dnn", "hsm", "jtm-h", "jtm-hi", "tdm"}));
}

TEST(Method, UnknownNamesAreRefusedWithTheList) {
  EXPECT_EQ(test::error_of([] { method_named("jtm-g"); }),
            "unknown method 'jtm-g'; expected one of: dnn, hsm, itemcf, jtm, jtm-h, jtm-h-same-epochs, jtm-hi, "
            "popular, tdm, tdm-kmeans, youtube");
  EXPECT_EQ(&training_method("hsm"), &method_named("hsm"));
  // jtm trains in rounds with tree learning, itemcf is no preference model: neither is one run of train.
  for (const char* name : {"jtm", "itemcf", "popular", "nosuch"})
    EXPECT_EQ(test::error_of([&] { training_method(name); }),
              std::string("unknown training method '") + name + "'; expected one of: dnn, hsm, jtm-h, jtm-hi, tdm");
}

}  // namespace
}  // namespace treerec
