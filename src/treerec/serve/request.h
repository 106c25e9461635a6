// Requests of the retrieval service (docs/SERVING.md): parsing and validation of the JSON
// bodies of POST /v1/recommend and /v1/recommend/batch, as pure functions, so every bad-input
// case is tested without a socket. Nothing here knows the model: ids stay raw strings until
// ServingModel maps them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "treerec/search/item_filter.h"
#include "treerec/util/error.h"
#include "treerec/util/params.h"

namespace treerec {

// What one request may ask for. The server's flags set these (cmd_serve.cpp).
struct ServeLimits {
  std::size_t max_body_bytes = std::size_t{1} << 20;  // larger bodies get 413
  std::uint32_t max_behaviors = 1000;  // per query; only the most recent 69 are used (ALGORITHMS §4)
  std::uint32_t max_exclude = 10000;   // excluded ids per query, and ids per list of its filter
  std::uint32_t max_k = 1000;          // k in [1, max_k]
  std::uint32_t default_k = 200;       // k when a request leaves it out (ALGORITHMS §6: M = 200)
  std::uint32_t max_batch = 256;       // queries per batch request
  // Throws Error naming the limit that is out of range (e.g. default_k > max_k).
  void validate(const ParamNamer& name = flag_names()) const;
};

// The limits above (util/params.h); none changes a model.
const ParamTable<ServeLimits>& serve_limit_params();

// `s` as a serving setting: it changes no model (no identity) and is no experiment config key.
ParamSpec serving_param(ParamSpec s);

// One query: `{"behaviors": [...], "k": 200, "exclude": [...], "filter": {"categories": [...],
// "exclude_categories": [...], "exclude": [...]}}`.
struct RecommendRequest {
  std::vector<std::string> behaviors;  // raw item ids, most recent LAST (= oldest first)
  std::uint32_t k = 200;               // items to return
  std::vector<std::string> exclude;    // raw item ids never to return
  // A business rule applied inside the search (search/item_filter.h), raw category and item ids;
  // "exclude" in the filter lands in exclude_items.
  RawFilter filter;
};

// A request the client must fix: `status` is the HTTP status to answer (400 malformed JSON,
// 413 too large, 415 wrong content type, 422 well-formed JSON of the wrong shape or out of
// range), what() the message for the client.
class RequestError : public Error {
 public:
  RequestError(int status, const std::string& message) : Error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// Parses one query body. Item ids may be JSON strings or integers (integers become their
// decimal text); "k" and "exclude" are optional; any other field is an error (a misspelt
// field would otherwise be ignored silently). Throws RequestError.
RecommendRequest parse_recommend(std::string_view body, const ServeLimits& limits);

// Parses a batch body `{"requests": [query, ...]}` with 1 .. max_batch queries, each as
// parse_recommend() reads it. Throws RequestError naming the offending query by index.
std::vector<RecommendRequest> parse_batch(std::string_view body, const ServeLimits& limits);

// Throws RequestError(415) unless `content_type` is empty or application/json (parameters such
// as "; charset=utf-8" are allowed).
void check_json_content_type(std::string_view content_type);

}  // namespace treerec
