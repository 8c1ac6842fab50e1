#include "session/session.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <future>
#include <set>

#include "calibration/datasource.h"
#include "config/config.h"
#include "formats/onnx/onnxwriter.h"
#include "formats/tflite/tflitewriter.h"
#include "quant/adaround.h"
#include "quant/biascorrection.h"
#include "quant/fullquant.h"
#include "quant/optypes.h"
#include "quant/weightquant.h"
#include "report/debugreport.h"
#include "runtime/interpreter.h"
#include "util/atomicfile.h"
#include "util/serialexecutor.h"

namespace qs {

void Session::load(const std::string& modelPath, const LoadOptions& options)
{
    m_model = std::make_unique<LoadResult>(loadModel(modelPath, options));
    m_path = modelPath;
    m_prepared.reset();
    m_preparedFor.clear();
    m_stats.clear();
    m_samples = 0;
    m_shapes.clear();
    m_probe = {};
    m_probeRange.clear();
    m_plan = {};
    m_exported.clear();
    m_quantized.reset();
}

const Graph& Session::graph() const
{
    if (!m_model) throw InputError("no model is loaded");
    return m_prepared ? m_prepared->graph : m_model->graph;
}

namespace {
struct Preparation {
    bool equalize = false, activations = false, smooth = false, shift = false;
    double alpha = 0.5;
    bool perChannel = true;  // activation equalization: weights quantized per channel
    std::string key() const
    {
        return std::string(equalize ? "cross_layer_equalization;" : "") +
               (activations ? std::string("activation_equalization") + (perChannel ? "" : ";per_tensor") + ";" : "") +
               (smooth ? "smooth_alpha=" + std::to_string(alpha) + (shift ? ";shift" : "") : "");
    }
};

Preparation preparationOf(const IniDocument& config)
{
    Preparation p;
    p.equalize = parseBool(configValue(config, "quantscope_param", "cross_layer_equalization")).value_or(false);
    const char* F = "full_quant_param";
    // smoothing is on when smooth_alpha is given (its schema default, 0.5, serves enable_smooth_shift alone)
    const std::optional<std::string> alphaGiven = config.get(F, "smooth_alpha");
    const std::optional<double> alpha = alphaGiven ? parseFloat(*alphaGiven) : std::nullopt;
    const bool full = configValue(config, "common_quant_param", "quant_type") == "FULL_QUANT";
    p.shift = parseBool(configValue(config, F, "enable_smooth_shift")).value_or(false);
    p.smooth = full && (alpha || p.shift);
    p.alpha = alpha.value_or(0.5);
    p.activations = full && parseBool(configValue(config, "quantscope_param", "activation_equalization")).value_or(false);
    p.perChannel = parseBool(configValue(config, F, "per_channel")).value_or(true);
    return p;
}
}  // namespace

std::string Session::graphPreparation(const IniDocument& config) { return preparationOf(config).key(); }

void Session::prepareGraph(const IniDocument& config, const CalibrationData* data, const ProgressSink& progress,
                           const CancelToken* cancel, int threads)
{
    graph();  // throws when nothing is loaded
    const Preparation asked = preparationOf(config);
    const std::string want = asked.key();
    // new data: smoothing and activation equalization measure their channels again
    if (want == m_preparedFor && !((asked.smooth || asked.activations) && data)) return;
    if (!m_stats.empty() && !data)
        throw InputError("[quantscope_param] cross_layer_equalization or activation_equalization, or [full_quant_param] smooth_alpha / "
                         "enable_smooth_shift changed since calibration: calibrate again");
    m_stats.clear();
    m_samples = 0;
    m_probe = {};
    m_probeRange.clear();
    m_prepared.reset();
    m_preparedFor.clear();
    if (want.empty()) return;
    auto prepared = std::make_shared<Prepared>();
    if (asked.equalize) {
        EqualizationResult e = equalizeCrossLayer(m_model->graph);
        prepared->graph = std::move(e.graph);
        prepared->equalizedPairs = e.pairs;
        prepared->changed = std::move(e.changed);
    } else {
        prepared->graph = m_model->graph;
    }
    // (up to 32 samples: the scales follow the channels' extremes, which few samples show)
    constexpr size_t kChannelSamples = 32;
    if (asked.activations) {
        if (!data) throw InputError("calibrate before quantizing: activation equalization measures the activations' channels on the calibration data");
        SmoothingResult e = equalizeActivations(prepared->graph, asked.perChannel, std::min(kChannelSamples, data->size()),
                                                [data](size_t i) { return data->sample(i); }, threads, progress, cancel);
        prepared->graph = std::move(e.graph);
        prepared->equalizedActivations = e.tensors;
        prepared->activationEqualizationWhy = e.why;
        prepared->changed.insert(e.changed.begin(), e.changed.end());
    }
    if (asked.smooth) {
        if (!data) throw InputError("calibrate before quantizing: SmoothQuant measures the activations' channels on the calibration data");
        SmoothingResult s = smoothActivations(prepared->graph, asked.alpha, asked.shift, std::min(kChannelSamples, data->size()),
                                              [data](size_t i) { return data->sample(i); }, threads, progress, cancel);
        prepared->graph = std::move(s.graph);
        prepared->smoothedTensors = s.tensors;
        prepared->shiftedTensors = s.shifted;
        prepared->smoothingWhy = s.why;
        prepared->changed.insert(s.changed.begin(), s.changed.end());
    }
    m_prepared = std::move(prepared);
    m_preparedFor = want;
}

void Session::calibrate(const IniDocument& config, const ProgressSink& progress, const CancelToken* cancel, int threads)
{
    auto data = std::make_unique<CalibrationData>(config, graph());  // resolves and checks every file before running
    prepareGraph(config, data.get(), progress, cancel, threads);
    const Graph& g = graph();
    // Activations the quantizer folds into the op before them (Relu/Clip after a Conv/Gemm that nothing else reads,
    // ONNX) are fused here too and observed after the activation only: the pre-activation tensor never gets
    // parameters. Every other activation runs on its own, so the output of the op before it is observed. Values kept
    // in oneDNN's channel-blocked layouts are read in place.
    InterpreterOptions runOptions{threads, true, false};
    runOptions.fusible = [&g](const Node& activation) { return foldsIntoQuantizedOp(g, activation); };
    Interpreter interp(g, runOptions);
    std::map<std::string, TensorStats> stats;
    // Per graph (the model's, then every subgraph's, whose values are named uniquely across the model): the
    // statistics of each value id, and whether to keep per-channel means (bias correction: only where a weighted op
    // reads the tensor).
    struct Targets {
        std::vector<TensorStats*> byValue;
        std::vector<char> channelMeans;
    };
    auto targetsOf = [&](const Graph& graph) {
        Targets t{std::vector<TensorStats*>(graph.values.size(), nullptr), weightedOpInputs(graph)};
        for (size_t v = 0; v < graph.values.size(); ++v)
            if (!graph.values[v].constant) {
                t.byValue[v] = &stats[graph.values[v].name];
                t.byValue[v]->setSampleSize(TensorStats::sampleSizeFor(data->size()));
            }
        return t;
    };
    const Targets top = targetsOf(g);
    std::map<const Graph*, Targets> inner;
    for (const SubgraphRef& sub : g.subgraphs()) inner.emplace(sub.graph, targetsOf(*sub.graph));
    // A worker thread decodes and preprocesses samples (up to kAhead ahead) and adds each sample's scans to the
    // statistics, while this thread runs the model and scans its activations as they are produced (the pass over
    // the data; a scan keeps a few thousand elements per tensor). Memory stays bounded: a decoded sample waits
    // behind the scans submitted before it, so at most about kAhead samples' scans are pending.
    constexpr size_t kAhead = 4;
    const bool channelsLast = g.info.format == "tflite";  // TFLite activations are NHWC
    const CalibrationData* source = data.get();
    SerialExecutor worker;
    std::deque<std::future<std::map<std::string, Tensor>>> decoded;
    std::deque<std::future<void>> applied;
    size_t submitted = 0;
    auto decodeAhead = [&] {
        while (submitted < source->size() && decoded.size() < kAhead)
            decoded.push_back(worker.submit([source, i = submitted++] { return source->sample(i); }));
    };
    decodeAhead();
    std::map<std::string, Tensor> first;  // sample 0's inputs, for the value shapes below
    for (size_t i = 0; i < source->size(); ++i) {
        if (cancel) cancel->check();
        if (progress) progress(i, source->size(), "calibrate");
        std::map<std::string, Tensor> inputs = decoded.front().get();
        decoded.pop_front();
        if (i == 0) first = inputs;  // shares the tensors' data
        decodeAhead();
        std::vector<std::pair<TensorStats*, TensorStats::Scan>> scans;
        auto scanValue = [&](const Targets& at, int value, const Tensor& t) {
            TensorStats* s = at.byValue[size_t(value)];
            if (t.type() != DataType::Float32 || !s) return;
            scans.emplace_back(s, at.channelMeans[size_t(value)] ? s->scan(t.data<float>(), t.shape(), channelsLast)
                                                                 : s->scan(t.data<float>(), t.count()));
        };
        interp.run(
            inputs, [&](int, int value, const Tensor& t) { scanValue(top, value, t); },
            [&](int, int value, const float* x, const Shape& shape, int64_t block) {  // no plain copy needed
                if (TensorStats* s = top.byValue[size_t(value)]) scans.emplace_back(s, s->scanBlocked(x, shape, block, channelsLast));
                return true;
            },
            [&](const Graph& sub, int, int value, const Tensor& t) { scanValue(inner.at(&sub), value, t); });
        applied.push_back(worker.submit([scans = std::move(scans)] {
            for (const auto& [s, scan] : scans) s->apply(scan);
        }));
        while (applied.size() > kAhead + 1) {  // long done (older than the sample just decoded): rethrows its error, if any
            applied.front().get();
            applied.pop_front();
        }
    }
    for (auto& f : applied) f.get();
    if (progress) progress(data->size(), data->size(), "calibrate");
    for (auto it = stats.begin(); it != stats.end();)
        it = it->second.count() ? std::next(it) : stats.erase(it);
    m_stats = std::move(stats);
    m_samples = data->size();
    // Every value's shape as the runtime inferred it (Shape/Reshape chains folded): the ONNX writer lifts old opsets
    // with them.
    m_shapes = data->size() ? interp.valueShapes(first) : std::vector<Shape>{};
    m_data = std::move(data);
    m_threads = threads;
}

const QuantPlan& Session::quantize(const IniDocument& config, const ProgressSink& progress, const CancelToken* cancel)
{
    if (progress) progress(0, 1, "quantize");
    return commit(config, buildPlan(config, {}, progress, cancel), progress, cancel);
}

const QuantPlan& Session::commit(const IniDocument& config, QuantPlan plan, const ProgressSink& progress, const CancelToken* cancel)
{
    refinePlan(config, plan, progress, cancel);
    const Graph& g = graph();
    // The plan, the exported bytes and the graph read back from them change together, after the export succeeded.
    std::string bytes = g.info.format == "tflite" ? writeInt8Tflite(m_path, g, plan) : writeQdqOnnx(m_path, g, plan, m_shapes);
    LoadOptions lo;
    lo.runOnnxChecker = false;
    auto quantized = std::make_unique<LoadResult>(loadModelFromBytes(bytes, m_path, lo));
    m_plan = std::move(plan);
    m_exported = std::move(bytes);
    m_quantized = std::move(quantized);
    if (progress) progress(1, 1, "quantize");
    return m_plan;
}

bool Session::refines(const IniDocument& config, const QuantPlan& plan) const
{
    return plan.quantType == "FULL_QUANT" && m_data &&
           (configValue(config, "quantscope_param", "round_type") == "ADAROUND" ||
            parseBool(configValue(config, "full_quant_param", "bias_correction")).value_or(true));
}

void Session::refinePlan(const IniDocument& config, QuantPlan& plan, const ProgressSink& progress, const CancelToken* cancel) const
{
    if (!refines(config, plan)) return;
    const Graph& g = graph();
    const bool biasCorrection = parseBool(configValue(config, "full_quant_param", "bias_correction")).value_or(true);
    const CalibrationData* data = m_data.get();
    const auto sample = [data](size_t i) { return data->sample(i); };
    if (configValue(config, "quantscope_param", "round_type") == "ADAROUND") {
        // Learned rounding first; with bias correction it sets the biases of the nodes it learns, bias correction the rest.
        constexpr size_t kLearnedRoundingSamples = 64;
        roundAdaptively(g, plan, std::min(kLearnedRoundingSamples, data->size()), sample, biasCorrection, m_threads, progress, cancel);
    }
    if (biasCorrection) {
        // The plan's correction of the weights' rounding, measured: every int8 input's rounding too (see
        // correctBiasEmpirically), on up to kBiasCorrectionSamples calibration samples.
        constexpr size_t kBiasCorrectionSamples = 32;
        correctBiasEmpirically(g, plan, std::min(kBiasCorrectionSamples, data->size()), sample, 2, m_threads, progress, cancel);
    }
}

QuantPlan Session::buildPlan(const IniDocument& config, const std::set<std::string>& moreSkips, const ProgressSink& progress,
                             const CancelToken* cancel)
{
    prepareGraph(config);
    const Graph& g = graph();
    const std::string quantType = configValue(config, "common_quant_param", "quant_type");
    std::set<std::string> skip = moreSkips;
    for (const std::string& n : parseNameList(configValue(config, "common_quant_param", "skip_quant_node"))) skip.insert(n);
    if (cancel) cancel->check();
    // Weight and dynamic quantization round the weights to keep each output channel's mean, which takes the means of
    // their inputs: from the calibration data, or else from a noise probe (see probe.h).
    const std::map<std::string, TensorStats>* means = &m_stats;
    std::string meansFrom = "the calibration data";
    if ((quantType == "WEIGHT_QUANT" || quantType == "DYNAMIC_QUANT") && m_stats.empty()) {
        const char* D = "data_preprocess_param";
        // images: pixels through the configured preprocessing; without a [data_preprocess_param], [-1, 1]
        const bool images = configValue(config, D, "input_type") != "BIN" &&
                            (!configValue(config, D, "calibrate_path").empty() || !configValue(config, D, "normalize_mean").empty() ||
                             !configValue(config, D, "normalize_std").empty());
        const std::string range = images ? configValue(config, D, "normalize_mean") + "/" + configValue(config, D, "normalize_std") : "unit";
        if (m_probeRange != range) {
            const ImagePreprocess pre = imagePreprocessFromConfig(config);
            m_probe = probeStatistics(g, images ? &pre : nullptr);
            m_probeRange = range;
        }
        means = &m_probe.stats;
        meansFrom = m_probe.stats.empty() ? "none: " + m_probe.why : "a noise probe (no calibration data)";
    }
    // ONNX Runtime's reduce_range: 7-bit weights that its uint8 x int8 products on CPUs without VNNI cannot overflow
    const int maxWeightBits = parseBool(configValue(config, "quantscope_param", "reduce_range")).value_or(false) ? 7 : 8;
    const int weightBits = std::min(int(parseInt(configValue(config, "quantscope_param", "weight_bits")).value_or(8)), maxWeightBits);
    // per-node choices ([quantscope_param] node_weight_bits, node_activation_quant_method; validated with the config)
    std::map<std::string, int> nodeBits;
    for (const auto& [node, bits] : parseNodeMap(configValue(config, "quantscope_param", "node_weight_bits")).value_or(NodeMap{}))
        nodeBits[node] = quantType == "WEIGHT_QUANT" ? int(parseInt(bits).value_or(8)) : std::min(int(parseInt(bits).value_or(8)), maxWeightBits);
    QuantPlan plan;
    if (quantType == "WEIGHT_QUANT") {
        plan = quantizeWeights(config, skip, nodeBits, *means, progress, cancel);
        plan.roundingData = meansFrom;
    } else if (quantType == "DYNAMIC_QUANT") {
        DynamicQuantOptions o;
        if (std::string s = configValue(config, "dynamic_quant_param", "quant_strategy"); !s.empty()) o.strategy = s;
        o.skipNodes = skip;
        o.weightBits = weightBits;
        o.nodeWeightBits = nodeBits;
        for (const std::string& t : parseNameList(configValue(config, "quantscope_param", "quantizable_op_type"))) o.opTypes.insert(t);
        if (!means->empty()) o.stats = means;
        plan = buildDynamicQuantPlan(g, o);
        plan.roundingData = meansFrom;
    } else if (quantType == "FULL_QUANT") {
        if (m_stats.empty()) throw InputError("calibrate before quantizing: full quantization needs activation statistics");
        FullQuantOptions o;
        o.method = configValue(config, "full_quant_param", "activation_quant_method");
        o.perChannel = parseBool(configValue(config, "full_quant_param", "per_channel")).value_or(true);
        o.skipNodes = skip;
        o.biasCorrection = parseBool(configValue(config, "full_quant_param", "bias_correction")).value_or(true);
        o.weightBits = weightBits;
        o.nodeWeightBits = nodeBits;
        for (const auto& [node, method] : parseNodeMap(configValue(config, "quantscope_param", "node_activation_quant_method")).value_or(NodeMap{}))
            o.nodeMethods[node] = method;
        for (const std::string& n : parseNameList(configValue(config, "quantscope_param", "int16_activation_node"))) o.int16Nodes.insert(n);
        if (!parseBool(configValue(config, "quantscope_param", "is_full_quantize")).value_or(false))
            for (const std::string& t : parseNameList(configValue(config, "quantscope_param", "quantizable_op_type"))) o.opTypes.insert(t);
        plan = buildFullQuantPlan(g, m_stats, o);
    } else {
        throw InputError("quant_type=" + quantType + ": use WEIGHT_QUANT, FULL_QUANT or DYNAMIC_QUANT");
    }
    if (m_prepared) {
        plan.equalizedPairs = m_prepared->equalizedPairs;
        plan.equalizedActivations = m_prepared->equalizedActivations;
        plan.activationEqualizationWhy = m_prepared->activationEqualizationWhy;
        plan.smoothedTensors = m_prepared->smoothedTensors;
        plan.shiftedTensors = m_prepared->shiftedTensors;
        plan.smoothingWhy = m_prepared->smoothingWhy;
        plan.changedConstants = m_prepared->changed;
    }
    return plan;
}

QuantPlan Session::quantizeWeights(const IniDocument& config, const std::set<std::string>& skip, const std::map<std::string, int>& nodeBits,
                                   const std::map<std::string, TensorStats>& means, const ProgressSink& progress, const CancelToken* cancel)
{
    const Graph& g = graph();
    WeightQuantOptions o;
    o.bits = int(parseInt(configValue(config, "common_quant_param", "bit_num")).value_or(8));
    o.minWeightSize = parseInt(configValue(config, "common_quant_param", "min_quant_weight_size")).value_or(0);
    o.minWeightChannel = parseInt(configValue(config, "common_quant_param", "min_quant_weight_channel")).value_or(16);
    o.encode = parseBool(configValue(config, "common_quant_param", "enable_encode")).value_or(true);
    o.perChannel = parseBool(configValue(config, "weight_quant_param", "per_channel")).value_or(true);
    o.correction = parseBool(configValue(config, "weight_quant_param", "bias_correction")).value_or(true);
    o.thresholdRate = parseFloat(configValue(config, "quantscope_param", "threshold_rate")).value_or(0.0);
    o.initScale = parseFloat(configValue(config, "mixed_bit_weight_quant_param", "init_scale")).value_or(0.02);
    o.skipNodes = skip;
    o.nodeBits = nodeBits;
    if (!means.empty()) o.stats = &means;
    if (m_stats.empty()) o.meansMinBits = 8;  // the means are the noise probe's estimates
    const char* M = "mixed_bit_weight_quant_param";
    bool autoTune = o.bits == 0 && (parseBool(configValue(config, M, "auto_tune")).value_or(false) ||
                                    parseBool(configValue(config, M, "use_cv_data")).value_or(false));
    const int maxSteps = int(parseInt(configValue(config, M, "max_iterations")).value_or(10));
    if (!autoTune) return buildWeightQuantPlan(g, o);
    if (!m_data) throw InputError("[mixed_bit_weight_quant_param] auto_tune and use_cv_data need data to measure the output with: "
                                  "add [data_preprocess_param] calibrate_path (and calibrate)");
    // auto_tune: the largest init_scale whose model output keeps a cosine similarity of at least 0.995 on up to 8
    // calibration samples, by bisection on a log scale between 0.001 and 0.5.
    constexpr double kTarget = 0.995;
    size_t samples = std::min<size_t>(8, m_data->size());
    o.meansMinBits = 8;  // what is measured on these samples is what gets exported: see WeightQuantOptions
    std::vector<std::map<std::string, Tensor>> inputs;
    std::vector<std::vector<Tensor>> reference;
    Interpreter floatRun(g);
    for (size_t i = 0; i < samples; ++i) {
        inputs.push_back(m_data->sample(i));
        reference.push_back(floatRun.run(inputs.back()));
    }
    auto cosineAt = [&](double scale) {
        o.initScale = scale;
        Graph q = withDequantizedWeights(g, buildWeightQuantPlan(g, o));
        Interpreter run(q);
        double sum = 0;
        for (size_t i = 0; i < samples; ++i) sum += cosineSimilarity(run.run(inputs[i])[0].toFloat(), reference[i][0].toFloat());
        return sum / double(samples);
    };
    double lo = std::log(0.001), hi = std::log(0.5);
    if (cosineAt(std::exp(lo)) < kTarget) hi = lo;  // even the finest search misses the target: keep the finest
    for (int step = 0; step < maxSteps && hi > lo; ++step) {
        if (cancel) cancel->check();
        if (progress) progress(size_t(step), size_t(maxSteps), "auto_tune");
        double mid = 0.5 * (lo + hi);
        (cosineAt(std::exp(mid)) >= kTarget ? lo : hi) = mid;
    }
    o.initScale = std::exp(lo);
    return buildWeightQuantPlan(g, o);
}

std::map<std::string, Tensor> Session::calibrationSample(size_t i) const
{
    if (!m_data || i >= m_data->size()) throw InputError("no calibration sample " + std::to_string(i) + ": calibrate first");
    return m_data->sample(i);
}

const Graph& Session::quantizedGraph() const
{
    if (!m_quantized) throw InputError("nothing is quantized yet");
    return m_quantized->graph;
}

void Session::writeReports(const std::string& dir, size_t maxRounds, const ProgressSink& progress, const CancelToken* cancel) const
{
    if (!m_quantized) throw InputError("quantize before writing debug reports");
    // Without calibration data (weight or dynamic quantization from a bare config) only quant_param.csv has rows.
    writeDebugReports(dir, graph(), quantizedGraph(), m_plan, m_data ? std::min(maxRounds, m_data->size()) : 0,
                      [this](size_t i) { return m_data->sample(i); }, progress, cancel, m_threads);
}

void Session::save(const std::string& outputPath) const
{
    if (m_exported.empty()) throw InputError("nothing is quantized yet");
    refuseOverwrite(m_path, outputPath);
    writeFileAtomic(outputPath, m_exported);
}

void Session::saveUnchanged(const std::string& outputPath) const
{
    graph();  // throws when nothing is loaded
    refuseOverwrite(m_path, outputPath);
    writeFileAtomic(outputPath, readFileBytes(m_path));
}

}  // namespace qs
