#include "treerec/serve/request.h"

#include <nlohmann/json.hpp>

namespace treerec {
namespace {

using nlohmann::json;

// Request bodies nest 5 deep at most ({"requests": [{"filter": {"categories": [...]}}]}); a cap keeps a
// hostile body of a million '[' from costing more than it must.
constexpr int kMaxDepth = 8;

const char* type_name(const json& v) {
  if (v.is_number_float()) return "a non-integer number";
  return v.type_name();
}

json parse_json(std::string_view body) {
  if (body.empty()) throw RequestError(400, "empty body: send a JSON object");
  try {
    return json::parse(body.begin(), body.end(), [](int depth, json::parse_event_t, json&) {
      if (depth > kMaxDepth) throw RequestError(400, cat("malformed request: JSON nested deeper than ", kMaxDepth, " levels"));
      return true;
    });
  } catch (const json::exception& e) {
    throw RequestError(400, cat("malformed JSON: ", e.what()));
  }
}

// A raw id (`what`: "item" or "category"): a string as is, an integer as its decimal text.
std::string raw_id(const json& v, const std::string& where, const char* what) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  throw RequestError(422, cat(where, " must be a string or an integer ", what, " id, got ", type_name(v)));
}

std::vector<std::string> id_list(const json& v, const std::string& field, std::uint32_t max,
                                 const std::string& prefix, const char* what = "item") {
  if (!v.is_array())
    throw RequestError(422, cat(prefix, "\"", field, "\" must be an array of ", what, " ids, got ", type_name(v)));
  if (v.size() > max)
    throw RequestError(422, cat(prefix, "\"", field, "\" has ", v.size(), " ids; at most ", max, " are allowed"));
  std::vector<std::string> ids;
  ids.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) ids.push_back(raw_id(v[i], cat(prefix, field, "[", i, "]"), what));
  return ids;
}

// {"categories": [...], "exclude_categories": [...], "exclude": [...]}, each list optional.
RawFilter read_filter(const json& j, const ServeLimits& limits, const std::string& prefix) {
  if (!j.is_object())
    throw RequestError(422, cat(prefix, "\"filter\" must be a JSON object with \"categories\", \"exclude_categories\" "
                                        "or \"exclude\", got ", type_name(j)));
  RawFilter f;
  for (const auto& [key, value] : j.items()) {
    if (key == "categories") {
      f.categories = id_list(value, "filter." + key, limits.max_exclude, prefix, "category");
    } else if (key == "exclude_categories") {
      f.exclude_categories = id_list(value, "filter." + key, limits.max_exclude, prefix, "category");
    } else if (key == "exclude") {
      f.exclude_items = id_list(value, "filter." + key, limits.max_exclude, prefix);
    } else {
      throw RequestError(422, cat(prefix, "\"filter\": unknown field \"", key,
                                  "\" (expected \"categories\", \"exclude_categories\", \"exclude\")"));
    }
  }
  return f;
}

// `prefix` names the query inside a batch ("requests[3]: ") or is empty.
RecommendRequest read_query(const json& j, const ServeLimits& limits, const std::string& prefix) {
  if (!j.is_object())
    throw RequestError(422, cat(prefix, "a query must be a JSON object with \"behaviors\", got ", type_name(j)));
  RecommendRequest r;
  r.k = limits.default_k;
  bool has_behaviors = false;
  for (const auto& [key, value] : j.items()) {
    if (key == "behaviors") {
      r.behaviors = id_list(value, key, limits.max_behaviors, prefix);
      has_behaviors = true;
    } else if (key == "exclude") {
      r.exclude = id_list(value, key, limits.max_exclude, prefix);
    } else if (key == "filter") {
      r.filter = read_filter(value, limits, prefix);
    } else if (key == "k") {
      if (!value.is_number_integer())
        throw RequestError(422, cat(prefix, "\"k\" must be an integer, got ", type_name(value)));
      const bool in_range = value.is_number_unsigned() && value.get<std::uint64_t>() >= 1 &&
                            value.get<std::uint64_t>() <= limits.max_k;
      if (!in_range)
        throw RequestError(422, cat(prefix, "\"k\" = ", value.dump(), " is out of range: expected 1 to ", limits.max_k));
      r.k = static_cast<std::uint32_t>(value.get<std::uint64_t>());
    } else {
      throw RequestError(422, cat(prefix, "unknown field \"", key, "\" (expected \"behaviors\", \"k\", \"exclude\", \"filter\")"));
    }
  }
  if (!has_behaviors)
    throw RequestError(422, cat(prefix, "missing field \"behaviors\": the user's item ids, most recent last"));
  return r;
}

}  // namespace

ParamSpec serving_param(ParamSpec s) {
  s.identity = s.config = false;
  return s;
}

const ParamTable<ServeLimits>& serve_limit_params() {
  using T = ParamType;
  static const ParamTable<ServeLimits> table = [] {
    ParamTable<ServeLimits> p("serving limits");
    p.add(serving_param({.name = "max_body_bytes", .type = T::count, .help = "largest request body; larger get 413",
                         .min = 64, .max = 1 << 30}),
          &ServeLimits::max_body_bytes)
        .add(serving_param({.name = "max_behaviors", .type = T::count,
                            .help = "most behaviours in one query (only the most recent 69 are used)", .min = 1}),
             &ServeLimits::max_behaviors)
        .add(serving_param({.name = "max_exclude", .type = T::count, .help = "most ids in one query's exclude list, and in each list of its filter"}),
             &ServeLimits::max_exclude)
        .add(serving_param({.name = "max_k", .type = T::count, .help = "largest k a request may ask for", .min = 1}),
             &ServeLimits::max_k)
        .add(serving_param({.name = "default_k", .type = T::count,
                            .help = "k of a request that gives none (at most max_k)", .min = 1}),
             &ServeLimits::default_k)
        .add(serving_param({.name = "max_batch", .type = T::count, .help = "most queries in one batch request",
                            .min = 1}),
             &ServeLimits::max_batch);
    return p;
  }();
  return table;
}

void ServeLimits::validate(const ParamNamer& name) const {
  serve_limit_params().check(*this, name);
  if (default_k > max_k) fail(name("default_k"), " ", default_k, " is above ", name("max_k"), " ", max_k);
}

RecommendRequest parse_recommend(std::string_view body, const ServeLimits& limits) {
  return read_query(parse_json(body), limits, "");
}

std::vector<RecommendRequest> parse_batch(std::string_view body, const ServeLimits& limits) {
  const json j = parse_json(body);
  if (!j.is_object() || !j.contains("requests"))
    throw RequestError(422, "a batch must be a JSON object {\"requests\": [query, ...]}");
  for (const auto& [key, value] : j.items())
    if (key != "requests") throw RequestError(422, cat("unknown field \"", key, "\" (expected \"requests\")"));
  const json& list = j["requests"];
  if (!list.is_array()) throw RequestError(422, cat("\"requests\" must be an array of queries, got ", type_name(list)));
  if (list.empty()) throw RequestError(422, "\"requests\" is empty: send at least one query");
  if (list.size() > limits.max_batch)
    throw RequestError(422, cat("\"requests\" has ", list.size(), " queries; at most ", limits.max_batch, " are allowed"));
  std::vector<RecommendRequest> out;
  out.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) out.push_back(read_query(list[i], limits, cat("requests[", i, "]: ")));
  return out;
}

void check_json_content_type(std::string_view content_type) {
  const std::string_view media = content_type.substr(0, content_type.find(';'));
  std::string lower;
  for (char c : media)
    if (c != ' ' && c != '\t') lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (!lower.empty() && lower != "application/json")
    throw RequestError(415, cat("unsupported Content-Type '", content_type, "': send application/json"));
}

}  // namespace treerec
