// STUB so that this branch links before the real reader (data/behavior_log.cpp) is merged.
// Drop this file when merging the reader.
#include "treerec/data/behavior_log.h"
#include "treerec/util/error.h"

namespace treerec {

LogFormat parse_log_format(const std::string& name) {
  fail("parse_log_format('", name, "'): not implemented");
}

BehaviorLog read_behavior_log(const ReadOptions& options) {
  fail("read_behavior_log('", options.input, "'): not implemented");
}

}  // namespace treerec
