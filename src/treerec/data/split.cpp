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

namespace {

// A user count's parameter: a number >= 0, whole when >= 1.
template <UserCount PrepareOptions::*field>
void add_user_count(ParamTable<PrepareOptions>& p, std::string name, std::string help) {
  p.add_via({.name = std::move(name), .type = ParamType::real, .help = std::move(help), .min = 0},
            [](const PrepareOptions& o) -> ParamValue { return (o.*field).value; },
            [](PrepareOptions& o, const ParamValue& v) {
              const UserCount c{std::get<double>(v)};
              c.resolve(1000);  // throws for a non-whole count >= 1
              o.*field = c;
            });
}

}  // namespace

const ParamTable<PrepareOptions>& prepare_params() {
  static const ParamTable<PrepareOptions> table = [] {
    ParamTable<PrepareOptions> p("preparing a dataset");
    p.add({.name = "min_records", .type = ParamType::count,
           .help = "drop users with fewer records (docs/ALGORITHMS.md §2.2)", .min = 1},
          &PrepareOptions::min_records);
    add_user_count<&PrepareOptions::valid_users>(p, "valid_users",
                                                 "validation users: a count (5000) or a fraction of the users (0.1)");
    add_user_count<&PrepareOptions::test_users>(p, "test_users",
                                                "test users: a count (5000) or a fraction of the users (0.1)");
    p.add({.name = "split_seed", .type = ParamType::count, .help = "seed of the user split (docs/ALGORITHMS.md §2.3)"},
          &PrepareOptions::split_seed);
    return p;
  }();
  return table;
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
