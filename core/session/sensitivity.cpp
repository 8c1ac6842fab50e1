#include "session/sensitivity.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "config/config.h"
#include "graph/error.h"
#include "quant/coverage.h"
#include "quant/optypes.h"
#include "quant/simulate.h"
#include "report/debugreport.h"
#include "runtime/interpreter.h"

namespace qs {

namespace {

// The float model's outputs on some calibration samples, and the output cosine (outputCosine) of a plan's
// simulation there.
class PlanEvaluator {
public:
    PlanEvaluator(Session& session, size_t first, size_t count, int threads) : m_graph(session.graph()), m_threads(threads)
    {
        Interpreter floatRun(m_graph, {threads, true, false});
        for (size_t i = first; i < first + count; ++i) {
            m_inputs.push_back(session.calibrationSample(i));
            m_reference.emplace_back();
            for (const Tensor& t : floatRun.run(m_inputs.back())) {
                m_reference.back().push_back(t.toFloat());
                if (i == first) m_shapes.push_back(t.shape());
            }
        }
    }
    size_t samples() const { return m_inputs.size(); }
    double cosine(const QuantPlan& plan, const CancelToken* cancel) const { return score(plan, cancel).cosine; }
    struct Score {
        double cosine, logError;  // outputCosine, outputLogError
    };
    // metrics: also the task metrics (mask IoU, box match) of the plan's outputs
    Score score(const QuantPlan& plan, const CancelToken* cancel, TaskMetrics* metrics = nullptr) const
    {
        const Graph sim = simulationGraph(m_graph, plan);
        Interpreter run(sim, {m_threads, true, false});
        std::vector<std::vector<std::vector<float>>> outputs;
        for (size_t i = 0; i < m_inputs.size(); ++i) {
            if (cancel) cancel->check();
            outputs.emplace_back();
            for (const Tensor& t : run.run(m_inputs[i])) outputs.back().push_back(t.toFloat());
        }
        if (metrics) *metrics = taskMetrics(m_shapes, outputs, m_reference);
        return {outputCosine(outputs, m_reference), outputLogError(outputs, m_reference)};
    }

private:
    const Graph& m_graph;
    int m_threads;
    std::vector<std::map<std::string, Tensor>> m_inputs;
    std::vector<std::vector<std::vector<float>>> m_reference;  // per sample, per output
    std::vector<Shape> m_shapes;                                // of the outputs
};

std::vector<const Node*> weightedCandidates(const Graph& g, const QuantPlan& plan)
{
    std::vector<const Node*> out;
    auto add = [&](const Graph& graph) {
        for (const Node& n : graph.nodes)
            if (plan.quantizedNodes.count(n.name) && hasQuantizableWeights(graph, n) && hasConstWeights(graph, n)) out.push_back(&n);
    };
    add(g);
    for (const SubgraphRef& sub : g.subgraphs()) add(*sub.graph);  // If branches, Loop bodies
    return out;
}

std::string opOf(const Node& n) { return n.sourceOpType.empty() ? n.opType : n.sourceOpType; }

// The plan quantize() exports for the config: built, then refined on the calibration data (bias correction, ...).
QuantPlan exportedPlan(Session& session, const IniDocument& config, const ProgressSink& progress, const CancelToken* cancel)
{
    QuantPlan plan = session.buildPlan(config, {}, {}, cancel);
    session.refinePlan(config, plan, progress, cancel);
    return plan;
}

// The plan for the config with `skip` kept float. Refining each trial would cost calibration passes, so it is the plan
// as built (biases corrected from the calibration means for the weights' rounding), with one exception: after learned
// rounding it takes the refined values of `refined` (learned roundings, and the biases with them, measured corrections
// included) for every constant whose quantization the skip leaves unchanged; without them the trials would score
// weights never exported. Without learned rounding the measured bias correction is not taken: it corrects each node
// for the input error it had in the full plan, which a skip before it changes, and the plan as built predicts the
// refined export better (MobileNet V1 with its
// best skip kept float, output cosine: ONNX exported 0.99689, trial as built 0.99690, with the corrections taken
// 0.99637; TFLite exported 0.99469, as built 0.99407, taken 0.99580).
QuantPlan trialPlan(Session& session, const IniDocument& config, const std::set<std::string>& skip, const QuantPlan& refined,
                    const CancelToken* cancel)
{
    QuantPlan plan = session.buildPlan(config, skip, {}, cancel);
    if (refined.learnedRounding.layers == 0) return plan;
    for (auto& [name, c] : plan.constants) {
        auto r = refined.constants.find(name);
        if (r == refined.constants.end()) continue;
        const QuantParams &a = r->second.params, &b = c.params;
        if (a.scale != b.scale || a.zeroPoint != b.zeroPoint || a.bits != b.bits || r->second.values.type() != c.values.type() ||
            r->second.values.shape() != c.values.shape())
            continue;
        c.values = r->second.values;
        if (auto corrected = refined.biasCorrection.find(name); corrected != refined.biasCorrection.end())
            plan.biasCorrection[name] = corrected->second;
    }
    return plan;
}

SensitivityReport rankFrom(Session& session, const IniDocument& config, const QuantPlan& base, const SensitivityOptions& options,
                           const ProgressSink& progress, const CancelToken* cancel)
{
    const Graph& g = session.graph();
    SensitivityReport report;
    report.samples = std::min(options.samples, session.calibrationSamples());
    const PlanEvaluator eval(session, 0, report.samples, options.threads);
    const std::vector<const Node*> candidates = weightedCandidates(g, base);
    report.alone = options.alone;
    if (progress) progress(0, candidates.size() + 1, "sensitivity");
    report.baseline = eval.score(base, cancel, &report.baselineMetrics).cosine;
    std::set<std::string> all;
    for (const Node* n : candidates) all.insert(n->name);
    for (size_t c = 0; c < candidates.size(); ++c) {
        if (progress) progress(c + 1, candidates.size() + 1, "sensitivity");
        const Node& n = *candidates[c];
        std::set<std::string> skip = {n.name};
        if (options.alone) {
            skip = all;
            skip.erase(n.name);
        }
        const PlanEvaluator::Score trial = eval.score(trialPlan(session, config, skip, base, cancel), cancel);
        report.nodes.push_back({n.name, opOf(n), trial.cosine, trial.logError});
    }
    if (options.alone)
        std::stable_sort(report.nodes.begin(), report.nodes.end(), [](const auto& a, const auto& b) { return a.logError < b.logError; });
    else
        std::stable_sort(report.nodes.begin(), report.nodes.end(), [](const auto& a, const auto& b) { return a.cosine > b.cosine; });
    if (progress) progress(candidates.size() + 1, candidates.size() + 1, "sensitivity");
    return report;
}

}  // namespace

SensitivityReport rankSensitivity(Session& session, const IniDocument& config, const SensitivityOptions& options,
                                  const ProgressSink& progress, const CancelToken* cancel)
{
    if (session.calibrationSamples() == 0 || options.samples == 0)
        throw InputError("sensitivity needs calibration data: set [data_preprocess_param] calibrate_path and calibrate first");
    return rankFrom(session, config, exportedPlan(session, config, progress, cancel), options, progress, cancel);
}

std::vector<std::string> TargetSearch::raised() const
{
    std::vector<std::string> out;
    for (size_t i = 0; i < chosen && i < order.size(); ++i) out.push_back(order[i].node);
    return out;
}

TargetSearch searchTargetCosine(Session& session, const IniDocument& config, double target, const SensitivityOptions& options,
                                const ProgressSink& progress, const CancelToken* cancel)
{
    const size_t total = session.calibrationSamples();
    if (total == 0) throw InputError("target_cosine measures on calibration data: set [data_preprocess_param] calibrate_path and calibrate first");
    TargetSearch search;
    search.target = target;
    // Ranked on the first half, measured on the rest, so that the nodes are not chosen for the samples they are judged on.
    search.rankedOn = std::min(options.samples, std::max<size_t>(1, total / 2));
    const size_t firstMeasured = total > 1 ? search.rankedOn : 0;
    search.measuredOn = std::min(options.samples, total - firstMeasured);
    const PlanEvaluator eval(session, firstMeasured, search.measuredOn, options.threads);
    const Graph& g = session.graph();

    const QuantPlan base = exportedPlan(session, config, {}, cancel);
    search.baseline = eval.cosine(base, cancel);
    if (search.baseline >= target) return search;
    SensitivityOptions rankOptions = options;
    rankOptions.samples = search.rankedOn;
    rankOptions.alone = true;
    // progress: the ranking's trials, then about log2(n) + 1 bisection trials
    size_t trials = 0;
    const ProgressSink rankProgress = [&](size_t done, size_t all, const std::string&) {
        trials = all + 8;
        if (progress) progress(done, trials, "target_cosine");
    };
    const SensitivityReport ranking = rankFrom(session, config, base, rankOptions, rankProgress, cancel);
    search.order.assign(ranking.nodes.rbegin(), ranking.nodes.rend());  // largest error alone: most damage first
    const size_t n = search.order.size();
    // a trial: the first `kept` nodes raised (search.chosen and search.int16 say which, as withTargetChoice writes them)
    auto tryPrefix = [&](size_t kept, bool int16) {
        search.chosen = kept;
        search.int16 = int16;
        const QuantPlan plan = trialPlan(session, withTargetChoice(config, search), {}, base, cancel);
        const WeightedCoverage coverage = weightedCoverage(g, plan);
        search.path.push_back({kept, int16, eval.cosine(plan, cancel), coverage.quantized, coverage.weighted});
        if (progress) progress(std::min(trials - 1, n + 1 + search.path.size()), trials, "target_cosine");
        return search.path.back().cosine >= target;
    };
    // The shortest prefix that meets the target, when the longest one tried (`most`) does
    auto bisect = [&](size_t most, bool int16) {
        if (!tryPrefix(most, int16)) return false;
        size_t lo = 0, hi = most;  // the prefix of lo misses the target, that of hi meets it
        while (hi - lo > 1) {
            const size_t mid = lo + (hi - lo) / 2;
            (tryPrefix(mid, int16) ? hi : lo) = mid;
        }
        search.chosen = hi;
        search.int16 = int16;
        return true;
    };
    // int16 activations where the format has them per node; else (or when even every node at int16 misses) float,
    // where every weighted node but one is the most the search keeps float: beyond that the model is float.
    const bool int16 = g.info.format == "onnx" && configValue(config, "common_quant_param", "quant_type") == "FULL_QUANT";
    if ((int16 && n > 0 && bisect(n, true)) || (n >= 2 && bisect(n - 1, false))) return search;
    std::ostringstream msg;
    msg << "target_cosine=" << target << " is out of reach: the config's own plan reaches " << search.baseline;
    for (const TargetSearch::Step& s : search.path)
        if (s.kept + (s.int16 ? 0 : 1) == n) msg << ", with " << s.kept << " of its " << n << " weighted nodes " << (s.int16 ? "int16" : "float") << " " << s.cosine;
    msg << " on " << search.measuredOn << " held-back calibration samples; only a float model meets it. Lower the target, "
        << "or give it more calibration samples";
    throw InputError(msg.str());
}

IniDocument withTargetChoice(const IniDocument& config, const TargetSearch& search)
{
    IniDocument out = config;
    const std::vector<std::string> nodes = search.raised();
    if (search.int16) {
        std::string list = configValue(config, "quantscope_param", "int16_activation_node");
        for (const std::string& node : nodes) list = nameListWith(list, node, true);
        if (!list.empty()) out.set("quantscope_param", "int16_activation_node", list);
    } else if (std::string list = skipListWith(config, nodes); !list.empty()) {
        out.set("common_quant_param", "skip_quant_node", list);
    }
    out.remove("quantscope_param", "target_cosine");
    return out;
}

std::optional<TargetSearch> applyTargetCosine(Session& session, IniDocument& config, const SensitivityOptions& options,
                                              const ProgressSink& progress, const CancelToken* cancel)
{
    const std::string text = configValue(config, "quantscope_param", "target_cosine");
    const double target = parseFloat(text).value_or(0.0);
    if (text.empty() || target == 0) return std::nullopt;
    if (!(target > 0 && target <= 1)) throw InputError("[quantscope_param] target_cosine=" + text + ": give a cosine in (0, 1], or 0 for no search");
    const std::string quantType = configValue(config, "common_quant_param", "quant_type");
    if (quantType != "FULL_QUANT" && quantType != "WEIGHT_QUANT")
        throw InputError("[quantscope_param] target_cosine searches FULL_QUANT and WEIGHT_QUANT plans (quant_type=" + quantType + ")");
    if (session.calibrationSamples() == 0)
        throw InputError("[quantscope_param] target_cosine measures on calibration data: add [data_preprocess_param] calibrate_path");
    TargetSearch search = searchTargetCosine(session, config, target, options, progress, cancel);
    config = withTargetChoice(config, search);
    return search;
}

}  // namespace qs
