#include "session/sensitivity.h"

#include <algorithm>

#include "graph/error.h"
#include "quant/optypes.h"
#include "quant/simulate.h"
#include "report/debugreport.h"
#include "runtime/interpreter.h"

namespace qs {

SensitivityReport rankSensitivity(Session& session, const IniDocument& config, const SensitivityOptions& options,
                                  const ProgressSink& progress, const CancelToken* cancel)
{
    const Graph& g = session.graph();
    SensitivityReport report;
    report.samples = std::min(options.samples, session.calibrationSamples());
    if (report.samples == 0) throw InputError("sensitivity needs calibration data: set [data_preprocess_param] calibrate_path and calibrate first");
    std::vector<std::map<std::string, Tensor>> inputs;
    std::vector<std::vector<std::vector<float>>> reference;  // per sample, per output
    Interpreter floatRun(g, {options.threads, true, false});
    for (size_t i = 0; i < report.samples; ++i) {
        inputs.push_back(session.calibrationSample(i));
        reference.emplace_back();
        for (const Tensor& t : floatRun.run(inputs.back())) reference.back().push_back(t.toFloat());
    }
    auto outputCosine = [&](const QuantPlan& plan) {
        const Graph sim = simulationGraph(g, plan);
        Interpreter run(sim, {options.threads, true, false});
        double sum = 0;
        for (size_t i = 0; i < inputs.size(); ++i) {
            if (cancel) cancel->check();
            auto outs = run.run(inputs[i]);
            for (size_t o = 0; o < outs.size(); ++o) sum += cosineSimilarity(outs[o].toFloat(), reference[i][o]) / double(outs.size());
        }
        return sum / double(inputs.size());
    };
    const QuantPlan base = session.buildPlan(config, {}, {}, cancel);
    std::vector<const Node*> candidates;
    for (const Node& n : g.nodes)
        if (base.quantizedNodes.count(n.name) && hasQuantizableWeights(g, n) && hasConstWeights(g, n)) candidates.push_back(&n);
    if (progress) progress(0, candidates.size() + 1, "sensitivity");
    report.baseline = outputCosine(base);
    for (size_t c = 0; c < candidates.size(); ++c) {
        if (progress) progress(c + 1, candidates.size() + 1, "sensitivity");
        const Node& n = *candidates[c];
        report.nodes.push_back({n.name, n.sourceOpType.empty() ? n.opType : n.sourceOpType,
                                outputCosine(session.buildPlan(config, {n.name}, {}, cancel))});
    }
    std::stable_sort(report.nodes.begin(), report.nodes.end(), [](const auto& a, const auto& b) { return a.cosine > b.cosine; });
    if (progress) progress(candidates.size() + 1, candidates.size() + 1, "sensitivity");
    return report;
}

}  // namespace qs
