#include "treerec/experiment/method_list.h"

namespace treerec {

std::vector<ExperimentMethod> builtin_methods() {
  std::vector<ExperimentMethod> all;
  for (auto* list : {&model_methods, &joint_methods, &baseline_methods}) {
    for (ExperimentMethod& m : (*list)()) all.push_back(std::move(m));
  }
  return all;
}

}  // namespace treerec
