// Placeholder until the experiment runner lands: tdm, jtm-hi, jtm-h and dnn as methods.
#include "treerec/experiment/method_list.h"

namespace treerec {

std::vector<MethodInfo> model_methods() { return {}; }

}  // namespace treerec
