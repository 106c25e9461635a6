// Every binary loader on arbitrary bytes (the first byte picks the loader): the container
// (io/binary_file.h) and what each format checks on top of it.
#include <memory>

#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "treerec/baselines/item_cf.h"
#include "treerec/baselines/youtube_trainer.h"
#include "treerec/data/dataset.h"
#include "treerec/learn/learn_checkpoint.h"
#include "treerec/model/model_file.h"
#include "treerec/train/adam.h"
#include "treerec/train/checkpoint.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string path = treerec::fuzz::input_file(data + 1, size - 1, ".bin");
  try {
    switch (data[0] % 7) {
      case 0: treerec::Dataset::load(path); break;
      case 1: treerec::Tree::load(path); break;
      case 2: treerec::load_trained_model(path); break;
      case 3: treerec::ItemCf::load(path); break;
      case 4: treerec::load_youtube_model(path); break;
      case 5: {
        treerec::ModelConfig config;
        config.behavior_rows = config.node_rows = 4;
        const auto model = treerec::PreferenceModel::create(config, 0);
        treerec::Adam adam{model->parameters()};
        treerec::load_checkpoint(path, nlohmann::json::object(), *model, adam);
        break;
      }
      case 6: treerec::load_learn_checkpoint(path, nlohmann::json::object(), 64, 8); break;
    }
  } catch (const treerec::Error&) {
  }
  return 0;
}
