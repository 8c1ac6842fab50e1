#include "quant/adaround.h"

#include <dnnl.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <thread>

#include "quant/optypes.h"
#include "quant/simulate.h"
#include "runtime/interpreter.h"
#include "runtime/kernels/conv.h"

namespace qs {

namespace {

constexpr size_t kPositions = 16384;          // input patches per node that H is estimated from, over all samples
constexpr size_t kStageBytes = size_t(256) << 20;  // the H matrices of one stage
constexpr size_t kMinStages = 4;              // so that later nodes see earlier nodes' learned rounding
constexpr double kDamping = 0.01;             // added to H's diagonal, relative to its mean (few samples, FC layers)
constexpr int kSweeps = 20;

// A weighted node whose rounding is learned. Its weights are O rows of n elements per group (the elements output
// channel o multiplies, in the order of the input patch they meet); H is one n x n matrix per group.
struct Layer {
    const Node* node = nullptr;
    std::string weight;
    bool conv = false;
    ConvGeometry geo;
    int64_t O = 0, n = 0, groups = 1;
    int64_t K = 0;  // matrix products: input features
    std::function<int64_t(int64_t o, int64_t j)> offset;  // weight element j of output channel o
    std::vector<float> H;  // groups * n * n
    double positions = 0;
    size_t bytes() const { return size_t(groups * n * n) * sizeof(float); }
};

// return the layer for node n of g (shapes: every value's shape), or nothing when its form is not handled
std::optional<Layer> layerFor(const Graph& g, const Node& node, const QuantPlan& plan, const std::vector<Shape>& shapes)
{
    if (!plan.quantizedNodes.count(node.name) || !isWeighted(g, node) || node.inputs.size() < 2) return std::nullopt;
    const Value& wv = g.values[size_t(node.inputs[1])];
    auto q = plan.constants.find(wv.name);
    if (!wv.constant || wv.constant->type() != DataType::Float32 || wv.consumers.size() != 1 || q == plan.constants.end() ||
        q->second.values.type() != DataType::Int8 || q->second.params.bits < 2 || q->second.params.bits > 8)
        return std::nullopt;
    const size_t in = size_t(node.inputs[0]), out = size_t(node.outputs[0]);
    if (in >= shapes.size() || out >= shapes.size() || shapes[in].empty() || shapes[out].empty()) return std::nullopt;
    const Shape& x = shapes[in];
    const Shape& w = wv.constant->shape();
    Layer l;
    l.node = &node;
    l.weight = wv.name;
    if (node.opType == "Conv") {
        if (x.size() != 3 && x.size() != 4) return std::nullopt;
        l.conv = true;
        l.geo = convGeometry(node, x, w, shapes[out]);
        l.O = l.geo.OC;
        l.groups = l.geo.G;
        l.n = l.geo.ICg() * l.geo.KH * l.geo.KW;
        const ConvGeometry geo = l.geo;
        l.offset = [geo](int64_t o, int64_t j) {
            const int64_t k = geo.KH * geo.KW;
            return geo.weight(o, j / k, (j % k) / geo.KW, j % geo.KW);
        };
    } else {
        if (w.size() != 2 || x.empty()) return std::nullopt;
        const bool rowsAreOutputs = node.opType == "FullyConnected" || (node.opType == "Gemm" && node.attrInt("transB", 0));
        if (node.opType == "Gemm" && node.attrInt("transA", 0)) return std::nullopt;
        l.O = rowsAreOutputs ? w[0] : w[1];
        l.K = l.n = rowsAreOutputs ? w[1] : w[0];
        if (x.back() != l.K) return std::nullopt;
        const int64_t O = l.O, K = l.K;
        if (rowsAreOutputs) l.offset = [K](int64_t o, int64_t j) { return o * K + j; };
        else l.offset = [O](int64_t o, int64_t j) { return j * O + o; };
    }
    const QuantParams& p = q->second.params;
    if (l.n <= 0 || l.O <= 0 || (p.scale.size() != 1 && int64_t(p.scale.size()) != l.O)) return std::nullopt;
    return l;
}

// Adds the patches of input t (at most `wanted` positions, spread evenly, shifted by `phase`) to the layer's H.
void accumulate(Layer& l, const Tensor& t, size_t wanted, size_t phase, std::vector<float>& X)
{
    const float* x = t.data<float>();
    if (l.conv) {
        const ConvGeometry& g = l.geo;
        const int64_t all = g.N * g.OH * g.OW;
        const int64_t step = std::max<int64_t>(1, all / int64_t(std::max<size_t>(wanted, 1)));
        std::vector<int64_t> at;
        for (int64_t p = int64_t(phase) % step; p < all && at.size() < wanted; p += step) at.push_back(p);
        const int64_t P = int64_t(at.size()), n = l.n, icg = g.ICg();
        X.assign(size_t(P * n), 0.f);
        for (int64_t grp = 0; grp < g.G; ++grp) {
            for (int64_t r = 0; r < P; ++r) {
                const int64_t b = at[size_t(r)] / (g.OH * g.OW), oh = (at[size_t(r)] / g.OW) % g.OH, ow = at[size_t(r)] % g.OW;
                float* row = X.data() + r * n;
                for (int64_t ic = 0; ic < icg; ++ic)
                    for (int64_t kh = 0; kh < g.KH; ++kh) {
                        const int64_t ih = oh * g.sh - g.pt + kh * g.dh;
                        for (int64_t kw = 0; kw < g.KW; ++kw) {
                            const int64_t iw = ow * g.sw - g.pl + kw * g.dw;
                            const bool inside = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W;
                            row[(ic * g.KH + kh) * g.KW + kw] = inside ? x[g.act(b, grp * icg + ic, ih, iw, g.C, g.H, g.W)] : 0.f;
                        }
                    }
            }
            dnnl_sgemm('T', 'N', n, n, P, 1.f, X.data(), n, X.data(), n, 1.f, l.H.data() + grp * n * n, n);
        }
        l.positions += double(P);
        return;
    }
    const int64_t rows = t.count() / l.K;
    const int64_t step = std::max<int64_t>(1, rows / int64_t(std::max<size_t>(wanted, 1)));
    X.clear();
    int64_t P = 0;
    for (int64_t r = int64_t(phase) % step; r < rows && size_t(P) < wanted; r += step, ++P) X.insert(X.end(), x + r * l.K, x + (r + 1) * l.K);
    dnnl_sgemm('T', 'N', l.n, l.n, P, 1.f, X.data(), l.n, X.data(), l.n, 1.f, l.H.data(), l.n);
    l.positions += double(P);
}

// Rounds output channels [begin, end) of layer l (weights w, quantized q) by coordinate descent on d^T H d.
// Adds d^T H d before and after to err[0], err[1]; return the weights flipped.
size_t solve(const Layer& l, const std::vector<float>& w, QuantizedConstant& q, int64_t begin, int64_t end, double err[2])
{
    const int64_t n = l.n;
    const double qmax = double((1 << (q.params.bits - 1)) - 1);
    int8_t* r = q.values.data<int8_t>();
    std::vector<double> H(static_cast<size_t>(n * n)), g(static_cast<size_t>(n)), x(static_cast<size_t>(n));
    std::vector<int64_t> at(static_cast<size_t>(n));
    int64_t loadedGroup = -1;
    size_t flips = 0;
    for (int64_t o = begin; o < end; ++o) {
        const int64_t grp = l.conv ? o / l.geo.OCg() : 0;
        if (grp != loadedGroup) {  // H of the group, averaged, with its diagonal damped
            const float* h = l.H.data() + grp * n * n;
            double diag = 0;
            for (int64_t j = 0; j < n; ++j) diag += h[j * n + j];
            const double add = kDamping * diag / double(n) + 1e-12;
            for (int64_t i = 0; i < n * n; ++i) H[size_t(i)] = double(h[i]) / l.positions;
            for (int64_t j = 0; j < n; ++j) H[size_t(j * n + j)] += add / l.positions;
            loadedGroup = grp;
        }
        const double s = q.params.scale[q.params.scale.size() > 1 ? size_t(o) : 0];
        for (int64_t j = 0; j < n; ++j) {
            at[size_t(j)] = l.offset(o, j);
            x[size_t(j)] = double(w[size_t(at[size_t(j)])]) / s;
        }
        auto delta = [&](int64_t j) { return double(r[at[size_t(j)]]) - x[size_t(j)]; };
        auto objective = [&] {
            double f = 0;
            for (int64_t i = 0; i < n; ++i) f += delta(i) * g[size_t(i)];
            return f;
        };
        for (int64_t i = 0; i < n; ++i) {
            double acc = 0;
            for (int64_t j = 0; j < n; ++j) acc += H[size_t(i * n + j)] * delta(j);
            g[size_t(i)] = acc;
        }
        const double before = objective();
        for (int sweep = 0; sweep < kSweeps; ++sweep) {
            bool changed = false;
            for (int64_t j = 0; j < n; ++j) {
                const double lo = std::floor(x[size_t(j)]), cur = r[at[size_t(j)]];
                if (lo == x[size_t(j)] || (cur != lo && cur != lo + 1)) continue;  // exact, or clamped
                const double alt = cur == lo ? lo + 1 : lo;
                if (alt < -qmax || alt > qmax) continue;
                const double d = alt - cur;
                if (2 * d * g[size_t(j)] + d * d * H[size_t(j * n + j)] >= -1e-12 * H[size_t(j * n + j)]) continue;
                r[at[size_t(j)]] = int8_t(alt);
                const double* col = H.data() + j * n;  // H is symmetric: row j is column j
                for (int64_t i = 0; i < n; ++i) g[size_t(i)] += d * col[i];
                changed = true;
                ++flips;
            }
            if (!changed) break;
        }
        err[0] += before * s * s;
        err[1] += objective() * s * s;
    }
    return flips;
}

}  // namespace

LearnedRounding roundAdaptively(const Graph& g, QuantPlan& plan, size_t samples,
                                const std::function<std::map<std::string, Tensor>(size_t)>& sample, int threads,
                                const ProgressSink& progress, const CancelToken* cancel)
{
    LearnedRounding result;
    if (samples == 0 || plan.quantType != "FULL_QUANT") return result;
    InterpreterOptions options{threads, false, false, false};
    Graph sim = simulationGraph(g, plan);
    std::vector<Shape> shapes;
    {
        Interpreter probe(sim, options);
        shapes = probe.valueShapes(sample(0));
    }
    // The layers in graph order (the sim keeps the source's node order and value ids for the source's values).
    std::vector<Layer> layers;
    for (const Node& n : g.nodes)
        if (auto l = layerFor(g, n, plan, shapes)) layers.push_back(std::move(*l));
    if (layers.empty()) return result;
    // Stages: consecutive layers whose H fit in kStageBytes, at least kMinStages of them.
    size_t total = 0;
    for (const Layer& l : layers) total += l.bytes();
    const size_t stages = std::min(layers.size(), std::max(kMinStages, (total + kStageBytes - 1) / kStageBytes));
    const size_t perStage = (total + stages - 1) / stages;
    std::vector<std::pair<size_t, size_t>> ranges;  // [first, last) layer of each stage
    for (size_t i = 0; i < layers.size();) {
        size_t j = i, bytes = 0;
        while (j < layers.size() && (j == i || bytes + layers[j].bytes() <= perStage)) bytes += layers[j++].bytes();
        ranges.emplace_back(i, j);
        i = j;
    }
    const size_t wanted = (kPositions + samples - 1) / samples;
    const size_t steps = ranges.size() * samples + layers.size();
    size_t step = 0;
    double err[2] = {0, 0};
    std::vector<float> X;
    for (const auto& [first, last] : ranges) {
        // The input of each layer of the stage, as the plan with the earlier stages' rounding feeds it.
        Graph stageSim = first == 0 ? std::move(sim) : simulationGraph(g, plan);
        std::map<int, std::vector<size_t>> readers;  // sim value -> layers reading it
        for (size_t k = first; k < last; ++k) {
            layers[k].H.assign(layers[k].bytes() / sizeof(float), 0.f);
            const int at = stageSim.findNode(layers[k].node->name);
            if (at >= 0) readers[stageSim.nodes[size_t(at)].inputs[0]].push_back(k);
        }
        Interpreter run(stageSim, options);
        for (size_t i = 0; i < samples; ++i) {
            if (cancel) cancel->check();
            if (progress) progress(step++, steps, "learned rounding");
            run.run(sample(i), [&](int, int value, const Tensor& t) {
                auto it = readers.find(value);
                if (it == readers.end() || t.type() != DataType::Float32) return;
                for (size_t k : it->second) accumulate(layers[k], t, wanted, i * 7919, X);
            });
        }
        for (size_t k = first; k < last; ++k) {
            if (cancel) cancel->check();
            if (progress) progress(step++, steps, "learned rounding");
            Layer& l = layers[k];
            if (l.positions < 4 * double(l.n)) continue;  // H underdetermined (a classifier on few samples): keep nearest
            const std::vector<float> w = g.values[size_t(l.node->inputs[1])].constant->toFloat();
            QuantizedConstant& q = plan.constants.at(l.weight);
            const int workers = int(std::clamp<int64_t>(threads, 1, l.O));
            std::vector<std::thread> pool;
            std::vector<size_t> flips(size_t(workers), 0);
            std::vector<std::array<double, 2>> errs(size_t(workers), {0, 0});
            for (int t = 0; t < workers; ++t)
                pool.emplace_back([&, t] {
                    const int64_t b = l.O * t / workers, e = l.O * (t + 1) / workers;
                    flips[size_t(t)] = solve(l, w, q, b, e, errs[size_t(t)].data());
                });
            for (auto& th : pool) th.join();
            for (int t = 0; t < workers; ++t) result.flipped += flips[size_t(t)], err[0] += errs[size_t(t)][0], err[1] += errs[size_t(t)][1];
            ++result.layers;
            std::vector<float>().swap(l.H);
        }
    }
    result.errorRatio = err[0] > 0 ? err[1] / err[0] : 1.0;
    plan.learnedRounding = result;
    if (progress) progress(steps, steps, "learned rounding");
    return result;
}

}  // namespace qs
