#include "treerec/experiment/method_list.h"

namespace treerec {

std::vector<MethodInfo> builtin_methods() {
  std::vector<MethodInfo> all;
  for (auto* list : {&model_methods, &joint_methods, &baseline_methods}) {
    for (MethodInfo& m : (*list)()) all.push_back(std::move(m));
  }
  return all;
}

}  // namespace treerec
