#include "treerec/data/split.h"

#include <cmath>
#include <cstdlib>
#include <numeric>
#include <string>

#include "treerec/util/error.h"
#include "treerec/util/random.h"

namespace treerec {

namespace {
// Keeps the split's random stream apart from other uses of the same seed (training, sampling).
constexpr std::uint64_t kSplitStream = 0x53504c4954ull;  // "SPLIT"
}  // namespace

const char* split_name(Split s) {
  switch (s) {
    case Split::train: return "train";
    case Split::valid: return "valid";
    case Split::test: return "test";
  }
  return "?";
}

std::uint32_t UserCount::resolve(std::uint32_t users) const {
  if (!(value >= 0) || !std::isfinite(value))
    fail("user count must be 0, a fraction in (0, 1) or a whole number >= 1, got ", value);
  if (value == 0) return 0;
  if (value < 1) return static_cast<std::uint32_t>(std::llround(value * users));
  if (value != std::floor(value))
    fail("user count ", value, " is neither a fraction in (0, 1) nor a whole number");
  if (value > 4294967295.0) fail("user count ", value, " is too large");
  return static_cast<std::uint32_t>(value);
}

UserCount parse_user_count(std::string_view text, std::string_view what) {
  const std::string s(text);
  char* end = nullptr;
  const double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || v < 0)
    fail(what, ": expected a number of users (e.g. 5000) or a fraction in (0, 1) (e.g. 0.1), got '",
         s, "'");
  if (v >= 1 && v != std::floor(v))
    fail(what, ": '", s, "' is neither a fraction in (0, 1) nor a whole number of users");
  if (v > 4294967295.0) fail(what, ": '", s, "' users is too many");
  return UserCount{v};
}

std::vector<Split> split_users(std::uint32_t users, UserCount valid, UserCount test,
                               std::uint64_t seed) {
  const std::uint64_t nv = valid.resolve(users);
  const std::uint64_t nt = test.resolve(users);
  if (nv + nt > users)
    fail("the split asks for ", nv, " validation and ", nt, " test users, but only ", users,
         " users are kept");
  if (nv + nt == users)
    fail("the split leaves no training user: ", nv, " validation + ", nt, " test users of ", users,
         " kept users");
  std::vector<std::uint32_t> order(users);
  std::iota(order.begin(), order.end(), 0u);
  Rng rng(mix_seed(seed, kSplitStream));
  shuffle(order.begin(), order.end(), rng);
  std::vector<Split> split(users, Split::train);
  for (std::uint64_t i = 0; i < nv; ++i) split[order[i]] = Split::valid;
  for (std::uint64_t i = nv; i < nv + nt; ++i) split[order[i]] = Split::test;
  return split;
}

}  // namespace treerec
