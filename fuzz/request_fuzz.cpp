// The server's request bodies (serve/request.h), single and batch, on arbitrary bytes; what is
// accepted must respect the limits.
#include <string_view>

#include "treerec/serve/request.h"
#include "treerec/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  treerec::ServeLimits limits;
  limits.max_behaviors = 50;
  limits.max_exclude = 50;
  limits.max_batch = 8;
  try {
    const treerec::RecommendRequest r = treerec::parse_recommend(body, limits);
    if (r.behaviors.size() > limits.max_behaviors || r.k < 1 || r.k > limits.max_k) __builtin_trap();
  } catch (const treerec::Error&) {  // RequestError (a 4xx answer) included
  }
  try {
    const auto batch = treerec::parse_batch(body, limits);
    if (batch.size() > limits.max_batch) __builtin_trap();
  } catch (const treerec::Error&) {  // RequestError (a 4xx answer) included
  }
  return 0;
}
