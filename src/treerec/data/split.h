// The seeded split of users into train, validation and test (ALGORITHMS §2.3), and the parsing of
// the user counts that size it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "treerec/data/dataset.h"

namespace treerec {

// ALGORITHMS §2.3: shuffles the user ids 0..users-1 with a portable Rng seeded from `seed`; the first
// valid.resolve(users) go to validation, the next test.resolve(users) to test, the rest to
// train. Throws Error if validation and test together take every user (no train user left)
// or more users than there are. The result depends only on (users, valid, test, seed).
std::vector<Split> split_users(std::uint32_t users, UserCount valid, UserCount test,
                               std::uint64_t seed);

}  // namespace treerec
