// An output never replaces one of the command's inputs: commands check their output paths
// against their input paths (and against each other) before doing any work. Two paths are the
// same file when they name the same path after resolving "..", symbolic links and the current
// folder, or, when both exist, the same inode (a hard link).
#pragma once

#include <string>
#include <vector>

namespace treerec {

struct NamedPath {
  std::string name;  // how the user gave it: "--out", "dataset"
  std::string path;  // empty: not given, not checked
};

// Throws Error naming both flags and the path when an output is an input or another output.
void check_outputs_are_not_inputs(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs);

}  // namespace treerec
