#include "treerec/train/train_options.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "treerec/model/model_file.h"
#include "treerec/util/error.h"

namespace treerec {

void TrainOptions::validate() const {
  parse_method(method);
  if (model != "dnn" && model != "attention") fail("--model '", model, "': expected dnn or attention");
  if (embedding_dim < 1 || embedding_dim > 4096) fail("--embedding-dim ", embedding_dim, ": expected 1 to 4096");
  if (epochs < 1) fail("--epochs must be at least 1");
  if (!(std::isfinite(min_delta) && min_delta >= 0)) fail("--min-delta ", min_delta, ": expected a number >= 0");
  if (batch_size < 1) fail("--batch must be at least 1");
  if (shard_samples < 1) fail("--shard-samples must be at least 1");
  if (!(std::isfinite(learning_rate) && learning_rate > 0)) fail("--lr ", learning_rate, ": expected a number > 0");
  if (!(std::isfinite(lr_decay) && lr_decay > 0 && lr_decay <= 1))
    fail("--lr-decay ", lr_decay, ": expected a number in (0, 1]");
  if (threads < 0) fail("--threads ", threads, ": expected 0 (all cores) or more");
  if (!(checkpoint_seconds > 0)) fail("checkpoint interval ", checkpoint_seconds, " s: expected > 0");
  if (parse_method(method).brute_force && !layer_negatives.empty())
    fail("--layer-negatives applies to the tree methods (tdm, jtm-hi, jtm-h), not to ", method,
         ": use --negatives");
  if (parse_method(method).hsm && !layer_negatives.empty())
    fail("--layer-negatives does not apply to hsm: its only negative per level is the positive's sibling");
}

nlohmann::json TrainOptions::identity_json() const {
  return {{"method", method},
          {"model", model},
          {"embedding_dim", embedding_dim},
          {"epochs", epochs},
          {"patience", patience},
          {"min_delta", min_delta},
          {"batch_size", batch_size},
          {"shard_samples", shard_samples},
          {"negatives", negatives},
          {"layer_negatives", layer_negatives},
          {"learning_rate", learning_rate},
          {"lr_decay", lr_decay},
          {"seed", seed}};
}

nlohmann::json TrainOptions::to_json() const {
  nlohmann::json j = identity_json();
  j["threads"] = threads;
  j["checkpoint_every"] = checkpoint_every;
  j["checkpoint_seconds"] = checkpoint_seconds;
  return j;
}

}  // namespace treerec
