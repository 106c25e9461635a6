// Experiment configs (experiment/experiment_config.h) on arbitrary text: TOML or JSON by the
// first byte, then every key's check.
#include <string_view>

#include "treerec/experiment/config_file.h"
#include "treerec/experiment/experiment_config.h"
#include "treerec/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const treerec::ConfigDocument doc = (data[0] & 1) ? treerec::parse_json_config(text, "fuzz.json")
                                                      : treerec::parse_toml_config(text, "fuzz.toml");
    treerec::experiment_config(doc);
  } catch (const treerec::Error&) {
  }
  return 0;
}
