// The methods `treerec experiment` knows (ALGORITHMS §9). Each function is defined beside its
// method's code; method_list.cpp calls them all.
#pragma once

#include <string>
#include <vector>

#include "treerec/experiment/method.h"
#include "treerec/train/trainer.h"

namespace treerec {

// One ExperimentMethod per method, in any order; experiment_methods() sorts them by name.
std::vector<ExperimentMethod> builtin_methods();

// Defined in experiment/model_methods.cpp: tdm, jtm-hi, jtm-h, dnn.
std::vector<ExperimentMethod> model_methods();

// The settings of training to convergence that every trained method shares (ALGORITHMS §5):
// epochs (a maximum), patience and min_delta; defined in experiment/model_methods.cpp.
std::vector<MethodParam> convergence_params();
// The line a method logs when a training epoch ends (loss, time, validation recall@top).
std::string epoch_line(const EpochSummary& s, std::uint32_t epochs, std::uint32_t top);

// Defined in experiment/joint_methods.cpp: jtm, tdm-kmeans, jtm-h-same-epochs.
std::vector<ExperimentMethod> joint_methods();

// Defined in experiment/baseline_methods.cpp: popular, itemcf, youtube, hsm.
std::vector<ExperimentMethod> baseline_methods();

}  // namespace treerec
