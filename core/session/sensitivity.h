#pragma once
#include <string>
#include <vector>

#include "session/session.h"

namespace qs {

struct SensitivityOptions {
    size_t samples = 8;  // calibration samples the output cosine is measured on (at most those calibrated)
    int threads = 1;     // interpreter threads
};

struct NodeSensitivity {
    std::string node, op;
    double cosine = 0;  // the model output's cosine against float with this node kept float (the rest as planned)
};

struct SensitivityReport {
    double baseline = 0;  // the output cosine of the config's own plan
    size_t samples = 0;
    std::vector<NodeSensitivity> nodes;  // every weighted node the plan quantizes, highest cosine first
};

// Ranks the weighted nodes of the config's plan by the output error each one alone causes: for each, the plan with
// that node kept float is simulated in memory (simulationGraph: no export, no parsing) on the first samples
// calibration samples, and the mean output cosine against the float model is reported (the mean over outputs and
// samples). The session's own plan and exports stay as they are. Needs calibration; FULL_QUANT and WEIGHT_QUANT.
// The CLI's `sensitivity` command and the GUI's Suggest Skips call it.
SensitivityReport rankSensitivity(Session& session, const IniDocument& config, const SensitivityOptions& options = {},
                                  const ProgressSink& progress = {}, const CancelToken* cancel = nullptr);

}  // namespace qs
