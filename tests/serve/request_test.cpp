// Parsing and validation of the service's request bodies, without a socket: every accepted
// shape, and every bad input with its status and message.
#include "treerec/serve/request.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace treerec {
namespace {

// The status and message of the RequestError that parse() throws.
template <typename F>
std::pair<int, std::string> error_of(F parse) {
  try {
    parse();
  } catch (const RequestError& e) {
    return {e.status(), e.what()};
  }
  ADD_FAILURE() << "no RequestError";
  return {0, ""};
}

std::pair<int, std::string> one(const std::string& body, const ServeLimits& limits = {}) {
  return error_of([&] { parse_recommend(body, limits); });
}
std::pair<int, std::string> batch(const std::string& body, const ServeLimits& limits = {}) {
  return error_of([&] { parse_batch(body, limits); });
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(ServeRequest, ParsesStringAndIntegerIdsInOrder) {
  const RecommendRequest r =
      parse_recommend(R"({"behaviors": ["a", 17, -3, 18446744073709551615], "k": 5, "exclude": [2, "b"]})", {});
  EXPECT_EQ(r.behaviors, (std::vector<std::string>{"a", "17", "-3", "18446744073709551615"}));
  EXPECT_EQ(r.k, 5u);
  EXPECT_EQ(r.exclude, (std::vector<std::string>{"2", "b"}));
}

TEST(ServeRequest, ParsesAFilter) {
  const RecommendRequest r = parse_recommend(
      R"({"behaviors": ["a"], "filter": {"categories": ["c1", 7], "exclude_categories": ["c2"], "exclude": ["x", 3]}})",
      {});
  EXPECT_EQ(r.filter.categories, (std::vector<std::string>{"c1", "7"}));
  EXPECT_EQ(r.filter.exclude_categories, (std::vector<std::string>{"c2"}));
  EXPECT_EQ(r.filter.exclude_items, (std::vector<std::string>{"x", "3"}));
  EXPECT_TRUE(parse_recommend(R"({"behaviors": [], "filter": {}})", {}).filter.empty());
  EXPECT_TRUE(parse_recommend(R"({"behaviors": []})", {}).filter.empty());
}

TEST(ServeRequest, DefaultsAndEmptyHistory) {
  ServeLimits l;
  l.default_k = 7;
  const RecommendRequest r = parse_recommend(R"({"behaviors": []})", l);
  EXPECT_TRUE(r.behaviors.empty());
  EXPECT_EQ(r.k, 7u);
  EXPECT_TRUE(r.exclude.empty());
}

TEST(ServeRequest, MalformedJsonIs400) {
  for (const char* body : {"", "{", "{\"behaviors\": [}", "not json", "{\"behaviors\": [1]} trailing"}) {
    const auto [status, message] = one(body);
    EXPECT_EQ(status, 400) << body;
    EXPECT_TRUE(has(message, std::string(body).empty() ? "empty body" : "malformed JSON")) << message;
  }
}

TEST(ServeRequest, DeepNestingIs400) {
  const std::string body = std::string(100000, '[') + std::string(100000, ']');
  const auto [status, message] = one(body);
  EXPECT_EQ(status, 400);
  EXPECT_TRUE(has(message, "nested deeper than")) << message;
}

TEST(ServeRequest, WrongTypesAre422) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"([1, 2])", "a query must be a JSON object"},
      {R"("behaviors")", "a query must be a JSON object"},
      {R"({"k": 3})", "missing field \"behaviors\""},
      {R"({"behaviors": "i1"})", "\"behaviors\" must be an array of item ids, got string"},
      {R"({"behaviors": [1.5]})", "behaviors[0] must be a string or an integer item id, got a non-integer number"},
      {R"({"behaviors": ["a", true]})", "behaviors[1] must be a string or an integer item id, got boolean"},
      {R"({"behaviors": [null]})", "behaviors[0] must be a string or an integer item id, got null"},
      {R"({"behaviors": [{"id": 1}]})", "behaviors[0] must be a string or an integer item id, got object"},
      {R"({"behaviors": [], "exclude": 3})", "\"exclude\" must be an array of item ids, got number"},
      {R"({"behaviors": [], "k": "10"})", "\"k\" must be an integer, got string"},
      {R"({"behaviors": [], "k": 10.0})", "\"k\" must be an integer, got a non-integer number"},
      {R"({"behaviors": [], "behaviours": []})", "unknown field \"behaviours\""},
      {R"({"behaviors": [], "filter": ["c1"]})", "\"filter\" must be a JSON object"},
      {R"({"behaviors": [], "filter": {"categories": "c1"}})", "\"filter.categories\" must be an array of category ids, got string"},
      {R"({"behaviors": [], "filter": {"exclude_categories": [true]}})",
       "filter.exclude_categories[0] must be a string or an integer category id, got boolean"},
      {R"({"behaviors": [], "filter": {"exclude": [1.5]}})", "filter.exclude[0] must be a string or an integer item id"},
      {R"({"behaviors": [], "filter": {"category": ["c1"]}})", "\"filter\": unknown field \"category\""},
  };
  for (const auto& [body, expected] : cases) {
    const auto [status, message] = one(body);
    EXPECT_EQ(status, 422) << body;
    EXPECT_TRUE(has(message, expected)) << body << " -> " << message;
  }
}

TEST(ServeRequest, LimitsAre422) {
  ServeLimits l;
  l.max_behaviors = 3;
  l.max_exclude = 2;
  l.max_k = 50;
  EXPECT_NO_THROW(parse_recommend(R"({"behaviors": [1, 2, 3], "exclude": [1, 2], "k": 50})", l));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"behaviors": [1, 2, 3, 4]})", "\"behaviors\" has 4 ids; at most 3 are allowed"},
      {R"({"behaviors": [], "exclude": [1, 2, 3]})", "\"exclude\" has 3 ids; at most 2 are allowed"},
      {R"({"behaviors": [], "k": 0})", "\"k\" = 0 is out of range: expected 1 to 50"},
      {R"({"behaviors": [], "k": 51})", "\"k\" = 51 is out of range: expected 1 to 50"},
      {R"({"behaviors": [], "k": -5})", "\"k\" = -5 is out of range"},
      {R"({"behaviors": [], "k": 99999999999999999999})", "\"k\" must be an integer"},
      {R"({"behaviors": [], "filter": {"categories": [1, 2, 3]}})", "\"filter.categories\" has 3 ids; at most 2"},
      {R"({"behaviors": [], "filter": {"exclude": [1, 2, 3]}})", "\"filter.exclude\" has 3 ids; at most 2"},
  };
  for (const auto& [body, expected] : cases) {
    const auto [status, message] = one(body, l);
    EXPECT_EQ(status, 422) << body;
    EXPECT_TRUE(has(message, expected)) << body << " -> " << message;
  }
}

TEST(ServeRequest, Batch) {
  ServeLimits l;
  l.max_batch = 2;
  const auto qs = parse_batch(R"({"requests": [{"behaviors": ["x"]}, {"behaviors": [], "k": 3}]})", l);
  ASSERT_EQ(qs.size(), 2u);
  EXPECT_EQ(qs[0].behaviors, std::vector<std::string>{"x"});
  EXPECT_EQ(qs[0].k, l.default_k);
  EXPECT_EQ(qs[1].k, 3u);

  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"behaviors": []})", "a batch must be a JSON object {\"requests\""},
      {R"([])", "a batch must be a JSON object"},
      {R"({"requests": {}})", "\"requests\" must be an array of queries, got object"},
      {R"({"requests": []})", "\"requests\" is empty"},
      {R"({"requests": [{"behaviors": []}], "k": 3})", "unknown field \"k\""},
      {R"({"requests": [{"behaviors": []}, {"behaviors": []}, {"behaviors": []}]})", "has 3 queries; at most 2"},
      {R"({"requests": [{"behaviors": []}, {"behaviors": [], "k": 0}]})", "requests[1]: \"k\" = 0 is out of range"},
      {R"({"requests": [{"behaviors": [2.5]}]})", "requests[0]: behaviors[0] must be a string or an integer"},
      {R"({"requests": [7]})", "requests[0]: a query must be a JSON object"},
  };
  for (const auto& [body, expected] : cases) {
    const auto [status, message] = batch(body, l);
    EXPECT_EQ(status, 422) << body;
    EXPECT_TRUE(has(message, expected)) << body << " -> " << message;
  }
  EXPECT_EQ(batch("{\"requests\": [", l).first, 400);
}

TEST(ServeRequest, ContentType) {
  EXPECT_NO_THROW(check_json_content_type(""));
  EXPECT_NO_THROW(check_json_content_type("application/json"));
  EXPECT_NO_THROW(check_json_content_type("Application/JSON; charset=utf-8"));
  const auto [status, message] = error_of([] { check_json_content_type("application/x-www-form-urlencoded"); });
  EXPECT_EQ(status, 415);
  EXPECT_TRUE(has(message, "send application/json")) << message;
  EXPECT_EQ(error_of([] { check_json_content_type("text/plain"); }).first, 415);
}

TEST(ServeRequest, LimitsValidate) {
  ServeLimits l;
  EXPECT_NO_THROW(l.validate());
  l.default_k = l.max_k + 1;
  EXPECT_THROW(l.validate(), Error);
}

}  // namespace
}  // namespace treerec
