// STUB so that the train branch links before the real evaluate() (eval/evaluate.cpp) is merged.
// Drop this file when merging the evaluation.
#include "treerec/eval/evaluate.h"

namespace treerec {

EvaluateResult evaluate(const Dataset&, const Tree&, const PreferenceModel&, const BehaviorFeatures&,
                        const EvaluateOptions&) {
  return {};
}

}  // namespace treerec
