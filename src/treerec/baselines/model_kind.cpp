#include "treerec/baselines/model_kind.h"

#include <fstream>

#include "treerec/util/error.h"

namespace treerec {

ModelKind model_file_kind(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open the model file ", path);
  char magic[8] = {};
  in.read(magic, sizeof magic);
  const std::string m(magic, static_cast<std::size_t>(in.gcount()));
  if (m == "TRECMODL") return ModelKind::preference;
  if (m == "TRECICF1") return ModelKind::itemcf;
  if (m == "TRECYTDN") return ModelKind::youtube;
  fail(path, " is not a trained model (from `treerec train`): its file kind is '", m, "'");
}

}  // namespace treerec
