// Errors: the library reports every failure by throwing treerec::Error with a message a user
// can act on (which file, line or field, and what was expected). It never exits or prints.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace treerec {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Concatenates its arguments with operator<<, e.g. cat("line ", 12, ": bad field").
template <typename... Args>
std::string cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

template <typename... Args>
[[noreturn]] void fail(const Args&... args) {
  throw Error(cat(args...));
}

}  // namespace treerec

// Throws treerec::Error naming the failed condition and the given context.
#define TR_CHECK(cond, ...)                                                     \
  do {                                                                          \
    if (!(cond)) ::treerec::fail("check failed: " #cond ": ", __VA_ARGS__);     \
  } while (0)
