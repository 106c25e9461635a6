// The methods `treerec experiment` knows (SPEC §9). Each function is defined beside its
// method's code; method_list.cpp calls them all.
#pragma once

#include <vector>

#include "treerec/experiment/method.h"

namespace treerec {

// One MethodInfo per method, in any order; registered_methods() sorts them by name.
std::vector<MethodInfo> builtin_methods();

// Defined in experiment/model_methods.cpp: tdm, jtm-hi, jtm-h, dnn.
std::vector<MethodInfo> model_methods();

// Defined in experiment/joint_methods.cpp: jtm, tdm-kmeans.
std::vector<MethodInfo> joint_methods();

// Defined in experiment/baseline_methods.cpp: itemcf, youtube, hsm.
std::vector<MethodInfo> baseline_methods();

}  // namespace treerec
