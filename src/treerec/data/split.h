// The seeded split of users into train, validation and test (ALGORITHMS §2.3), and the parsing of
// the user counts that size it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "treerec/data/dataset.h"

namespace treerec {

// Parses a UserCount from a flag value: "0" (none), a fraction in (0, 1) such as "0.1", or an
// integer count >= 1 such as "5000". Throws Error naming `what` (e.g. "--valid-users") for
// anything else: text that is not a number, a negative number, or a non-integer >= 1.
UserCount parse_user_count(std::string_view text, std::string_view what);

// ALGORITHMS §2.3: shuffles the user ids 0..users-1 with a portable Rng seeded from `seed`; the first
// valid.resolve(users) go to validation, the next test.resolve(users) to test, the rest to
// train. Throws Error if validation and test together take every user (no train user left)
// or more users than there are. The result depends only on (users, valid, test, seed).
std::vector<Split> split_users(std::uint32_t users, UserCount valid, UserCount test,
                               std::uint64_t seed);

}  // namespace treerec
