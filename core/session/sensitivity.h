#pragma once
#include <optional>
#include <string>
#include <vector>

#include "report/taskmetrics.h"
#include "session/session.h"

namespace qs {

struct SensitivityOptions {
    size_t samples = 8;  // calibration samples the output cosine is measured on (at most those calibrated)
    int threads = 1;     // interpreter threads
    // false: each weighted node kept float alone, the rest as planned (what skipping it gains);
    // true: each quantized alone, the other weighted nodes float (the damage it does by itself, which ranks better
    // where the error is spread over many nodes and no single skip helps)
    bool alone = false;
};

struct NodeSensitivity {
    std::string node, op;
    double cosine = 0;    // the model output's cosine against float in the trial plan (see SensitivityOptions::alone)
    double logError = 0;  // and its outputLogError (the ranking key with SensitivityOptions::alone)
};

struct SensitivityReport {
    double baseline = 0;  // the output cosine of the config's own plan
    TaskMetrics baselineMetrics;  // and its task metrics, where the outputs are maps or detections
    size_t samples = 0;
    bool alone = false;
    std::vector<NodeSensitivity> nodes;  // every weighted node the plan quantizes, best first (see rankSensitivity)
};

// Ranks the weighted nodes of the config's plan by the output error each one causes: for each, the trial plan (that
// node kept float, or with options.alone that node alone quantized) is simulated in memory (simulationGraph: no
// export, no parsing) on the first samples calibration samples, and the model output's mean cosine against float is
// reported (the mean over outputs and samples). Kept float, the nodes are ordered by that cosine, highest first: what
// skipping each gains. Quantized alone, by the mean of log10(1 - cosine) instead (outputLogError), lowest first, in
// which every sample counts alike: the damage a node does alone is a small error on good samples and a large one on bad
// ones, and the mean cosine's order follows the few worst samples. On ppocr_v4_det (12 text images from cosine 0.006 to
// 0.99 under the plan) two 8-image subsets shared 4 of their 5 most damaging nodes by the mean cosine, all 5 by the log
// error (so did 185 of 200 random pairs of subsets, 97 by the mean cosine). Kept float, the log error ranked no more
// stably (2.96 against 2.84 of 5 shared on average): the gains of single skips are differences of close numbers.
// The session's own plan and exports stay as they are. Needs calibration; FULL_QUANT and WEIGHT_QUANT. The CLI's
// `sensitivity` command, the GUI's Suggest Skips and the accuracy target's search (alone) call it.
SensitivityReport rankSensitivity(Session& session, const IniDocument& config, const SensitivityOptions& options = {},
                                  const ProgressSink& progress = {}, const CancelToken* cancel = nullptr);

/** The accuracy target's search ([quantscope_param] target_cosine): which weighted nodes to raise, to int16
 *  activations or to float. */
struct TargetSearch {
    double target = 0;
    size_t rankedOn = 0, measuredOn = 0;  // calibration samples ranked on (the first ones) and measured on (the rest)
    double baseline = 0;                  // the config's own plan, on the measured samples
    std::vector<NodeSensitivity> order;   // the weighted nodes, most damaging first (rankSensitivity, alone)
    struct Step {
        size_t kept = 0;     // the first `kept` nodes of order raised ...
        bool int16 = false;  // ... to int16 activations, or else kept float
        double cosine = 0;   // on the measured samples
        size_t quantizedWeighted = 0, weighted = 0;  // weighted nodes still quantized (int8 weights), of all
    };
    std::vector<Step> path;  // the prefixes tried, in the order they were tried
    size_t chosen = 0;       // how many of order are raised (0: the plan met the target as it was)
    bool int16 = false;      // raised to int16 activations (int16_activation_node), or kept float (skip_quant_node)
    std::vector<std::string> raised() const;  // the first `chosen` nodes of order
};

// Raises the precision of the most damaging weighted nodes until the model output's mean cosine against float reaches
// target on held-back calibration samples: nodes ranked by the damage each does quantized alone (rankSensitivity with
// alone) on the first half of the calibration samples (at most options.samples), cosines measured on the others (at
// most options.samples; on the same ones when there is only one). The shortest prefix of that order that meets the
// target is found by bisection (a handful of trial plans, each simulated in memory, never exported): first with int16
// activations for the prefix (full quantization of an ONNX model; int8 weights stay), then, when even every weighted
// node at int16 misses, with the prefix float. Throws InputError, naming the cosine reached, when only a float model
// would meet the target (every weighted node but one float misses it).
TargetSearch searchTargetCosine(Session& session, const IniDocument& config, double target, const SensitivityOptions& options = {},
                                const ProgressSink& progress = {}, const CancelToken* cancel = nullptr);

// config with the search's choice written out, so that it replays without searching: the raised nodes added to
// [quantscope_param] int16_activation_node or to [common_quant_param] skip_quant_node, and target_cosine removed.
IniDocument withTargetChoice(const IniDocument& config, const TargetSearch& search);
// What convert, the GUI and the benchmarks run before quantizing: when config sets [quantscope_param] target_cosine
// (> 0), searches (searchTargetCosine) and replaces config with withTargetChoice's; return the search, or nothing
// when config sets no target. Throws InputError for a target outside (0, 1], a quant_type other than FULL_QUANT and
// WEIGHT_QUANT, or a session without calibration data.
std::optional<TargetSearch> applyTargetCosine(Session& session, IniDocument& config, const SensitivityOptions& options = {},
                                              const ProgressSink& progress = {}, const CancelToken* cancel = nullptr);

}  // namespace qs
