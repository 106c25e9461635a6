#include "treerec/io/output_paths.h"

#include <filesystem>
#include <system_error>

#include "treerec/util/error.h"

namespace treerec {
namespace {

namespace fs = std::filesystem;

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ea, eb;
  if (fs::exists(a, ea) && fs::exists(b, eb)) {
    std::error_code e;
    if (fs::equivalent(a, b, e)) return true;
  }
  const fs::path ca = fs::weakly_canonical(fs::absolute(a), ea), cb = fs::weakly_canonical(fs::absolute(b), eb);
  return !ea && !eb && ca == cb;
}

}  // namespace

void check_outputs_are_not_inputs(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs) {
  for (std::size_t o = 0; o < outputs.size(); ++o) {
    const NamedPath& out = outputs[o];
    if (out.path.empty()) continue;
    for (const NamedPath& in : inputs)
      if (!in.path.empty() && same_file(out.path, in.path))
        fail(out.name, " ", out.path, " is also ", in.name, " (", in.path,
             "): an output never replaces an input; write it somewhere else");
    for (std::size_t p = o + 1; p < outputs.size(); ++p)
      if (!outputs[p].path.empty() && same_file(out.path, outputs[p].path))
        fail(out.name, " and ", outputs[p].name, " are the same file (", out.path, "): give each its own path");
  }
}

}  // namespace treerec
