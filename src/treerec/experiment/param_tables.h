// Every parameter table of the library (util/params.h), for `treerec params` and the
// generated docs/PARAMETERS.md. A parameter appears in one table only; tables that reuse
// another's entries (the YouTube trainer's) are not listed again.
#pragma once

#include <string>
#include <vector>

#include "treerec/util/params.h"

namespace treerec {

std::vector<const ParamTableBase*> param_tables();

// docs/PARAMETERS.md: a short preface, then one Markdown table per area.
std::string params_markdown();
// The same for a terminal.
std::string params_text();

}  // namespace treerec
