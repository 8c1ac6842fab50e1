#pragma once
#include <string>

#include "graph/graph.h"

namespace qs {

// return why the LSTM/GRU/RNN kernel cannot run node as configured (an unknown activation, a wrong number of
// activations or of their parameters); "" when it can
std::string recurrentUnsupportedReason(const Node& node);

}  // namespace qs
