// Which kind of trained model a file holds, from its magic (io/binary_file.h), so that
// `treerec evaluate` and `treerec retrieve` can dispatch on the file alone: a preference
// model of a tree method or dnn ("TRECMODL", model/model_file.h), an Item-CF model
// ("TRECICF1", baselines/item_cf.h) or a YouTube product-DNN ("TRECYTDN",
// baselines/youtube_trainer.h).
#pragma once

#include <string>

#include "treerec/model/method.h"

namespace treerec {

// ModelKind::preference, itemcf or youtube (never none). Throws Error naming the file when it
// cannot be read or holds none of these kinds.
ModelKind model_file_kind(const std::string& path);

}  // namespace treerec
