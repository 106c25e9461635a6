// Which training method made a preference model, and what that implies for its features and
// its retrieval (parse_method is defined in model/model_file.cpp).
#pragma once

#include <string>

#include "treerec/model/hierarchical_preference.h"

namespace treerec {

// The methods of ALGORITHMS §9 that train a preference model: tdm, jtm-hi, jtm-h, dnn, hsm.
// (The Item-CF and YouTube baselines have models of their own: baselines/.)
struct Method {
  std::string name;
  Representation representation;
  bool brute_force;  // retrieval scores every item (dnn) instead of beam search
  // HSM (ALGORITHMS §9): training takes each positive's sibling as its level's only negative
  // (BatchBuilder::siblings) and beam search ranks by the path's probability product
  // (BeamRanking::path_sum on log-sigmoid scores).
  bool hsm;
};
// Throws Error listing the valid names.
Method parse_method(const std::string& name);

}  // namespace treerec
