// The behaviour-log readers (data/behavior_log.h) on arbitrary bytes: the first byte picks the
// format (userbehavior, amazon, movielens, csv) and whether bad lines are skipped.
#include "fuzz_input.h"
#include "treerec/data/behavior_log.h"
#include "treerec/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  treerec::ReadOptions o;
  o.format = static_cast<treerec::LogFormat>(data[0] % 4);
  o.skip_bad_lines = (data[0] & 4) != 0;
  o.threads = 1;
  o.input = treerec::fuzz::input_file(data + 1, size - 1, ".csv");
  if (o.format == treerec::LogFormat::amazon || o.format == treerec::LogFormat::movielens)
    o.side_file = treerec::fuzz::input_file(data + 1, size - 1, ".side");  // the same bytes as side file
  if (o.format == treerec::LogFormat::csv) {
    o.user_col = "user";
    o.item_col = "item";
    o.category_col = (data[0] & 8) ? "category" : "";
    o.time_col = (data[0] & 16) ? "time" : "";
  }
  try {
    treerec::read_behavior_log(o);
  } catch (const treerec::Error&) {
  }
  return 0;
}
