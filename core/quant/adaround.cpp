#include "quant/adaround.h"

#include <dnnl.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <thread>

#include "quant/optypes.h"
#include "quant/simulate.h"
#include "quant/biascorrection.h"
#include "runtime/interpreter.h"
#include "runtime/kernels/conv.h"

namespace qs {

namespace {

constexpr size_t kPositions = 16384;          // input patches per node that H is estimated from, over all samples
constexpr double kDamping = 0.01;             // added to H's diagonal, relative to its mean (few samples, FC layers)
constexpr int kSweeps = 20;
constexpr int kScaleSteps = 20;               // below 8 bits: the steps tried under a channel's own (the largest |w|'s),
constexpr double kScaleStride = 0.025;        // down to half of it

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
    // Per group, n x n sums over the input patches, x^ the simulated input and e = x - x^ its error against float:
    std::vector<float> H;  // x^ x^T
    std::vector<float> C;  // x^ e^T
    std::vector<float> E;  // e e^T
    std::vector<double> sumX, sumE;  // per group, the n sums of x^ and of e (for the covariances)
    double positions = 0;
    size_t matrixBytes() const { return size_t(groups * n * n) * sizeof(float); }
    size_t bytes() const { return 3 * matrixBytes(); }
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

// The patches of x at up to `wanted` positions (spread evenly, shifted by `phase`) as rows of n: group grp's input
// channels for a convolution, rows of K features for a matrix product.
void patches(const Layer& l, const Tensor& t, int64_t grp, const std::vector<int64_t>& at, std::vector<float>& X)
{
    const float* x = t.data<float>();
    const int64_t P = int64_t(at.size()), n = l.n;
    X.resize(size_t(P * n));
    if (!l.conv) {
        for (int64_t r = 0; r < P; ++r) std::copy(x + at[size_t(r)] * l.K, x + (at[size_t(r)] + 1) * l.K, X.data() + r * n);
        return;
    }
    const ConvGeometry& g = l.geo;
    const int64_t icg = g.ICg();
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
}

// C += A^T B for row-major P x n matrices A and B (C n x n).
void addProduct(const std::vector<float>& A, const std::vector<float>& B, int64_t P, int64_t n, float* C)
{
    if (dnnl_sgemm('T', 'N', n, n, P, 1.f, A.data(), n, B.data(), n, 1.f, C, n) != dnnl_success)
        throw std::runtime_error("learned rounding: oneDNN sgemm failed");
}

// Adds the layer's input patches at up to `wanted` positions (spread evenly, shifted by `phase`) to its statistics:
// xq as the plan's simulation feeds the layer, xf as the float model does.
void accumulate(Layer& l, const Tensor& xq, const Tensor& xf, size_t wanted, size_t phase, std::vector<float>& Xq, std::vector<float>& D)
{
    const int64_t all = l.conv ? l.geo.N * l.geo.OH * l.geo.OW : xq.count() / l.K;
    const int64_t step = std::max<int64_t>(1, all / int64_t(std::max<size_t>(wanted, 1)));
    std::vector<int64_t> at;
    for (int64_t p = int64_t(phase) % step; p < all && at.size() < wanted; p += step) at.push_back(p);
    const int64_t P = int64_t(at.size()), n = l.n, nn = n * n;
    for (int64_t grp = 0; grp < l.groups; ++grp) {
        patches(l, xq, grp, at, Xq);
        patches(l, xf, grp, at, D);
        for (size_t i = 0; i < D.size(); ++i) D[i] -= Xq[i];  // the input's error: float minus simulated
        addProduct(Xq, Xq, P, n, l.H.data() + grp * nn);
        addProduct(Xq, D, P, n, l.C.data() + grp * nn);
        addProduct(D, D, P, n, l.E.data() + grp * nn);
        double* sx = l.sumX.data() + grp * n;
        double* se = l.sumE.data() + grp * n;
        for (int64_t r = 0; r < P; ++r)
            for (int64_t j = 0; j < n; ++j) sx[j] += Xq[size_t(r * n + j)], se[j] += D[size_t(r * n + j)];
    }
    l.positions += double(P);
}

// Rounds output channels [begin, end) of layer l (float weights w, quantized q) by coordinate descent on the
// expected squared output error E[(w.x - w^.x^)^2]: with w^ = w + s d (d the rounding errors in steps of the scale s)
// that is s^2 (d^T H d - 2 d^T c + k), c = C w / s and k = w^T E w / s^2 (the input's own error). Adds the error
// before and after to err[0], err[1]; returns the weights flipped. With scales (per-channel weights below 8 bits),
// each channel's step is first chosen by the same objective for round-to-nearest among its own (the largest |w| on
// the grid's end) and 20 smaller ones down to half of it, and scales[o] records a change as {old, new}.
size_t solve(const Layer& l, const std::vector<float>& w, QuantizedConstant& q, int64_t begin, int64_t end, std::vector<double>* biasShift,
             std::vector<std::pair<double, double>>* scales, double err[2])
{
    const bool centered = biasShift != nullptr;
    const int64_t n = l.n;
    const double qmax = double((1 << (q.params.bits - 1)) - 1), P = l.positions;
    int8_t* r = q.values.data<int8_t>();
    std::vector<double> H(static_cast<size_t>(n * n)), g(static_cast<size_t>(n)), x(static_cast<size_t>(n)), c(static_cast<size_t>(n)),
        trial(static_cast<size_t>(n));
    std::vector<double> mx(static_cast<size_t>(n)), me(static_cast<size_t>(n));  // the means of x^ and e (zero uncentered)
    std::vector<int64_t> at(static_cast<size_t>(n));
    int64_t loadedGroup = -1;
    const float *C = nullptr, *E = nullptr;
    size_t flips = 0;
    for (int64_t o = begin; o < end; ++o) {
        const int64_t grp = l.conv ? o / l.geo.OCg() : 0;
        if (grp != loadedGroup) {  // the group's moments, averaged (centered: covariances), H's diagonal damped
            for (int64_t j = 0; j < n; ++j) {  // the biases absorb the mean error: the rounding minimises the rest
                mx[size_t(j)] = centered ? l.sumX[size_t(grp * n + j)] / P : 0;
                me[size_t(j)] = centered ? l.sumE[size_t(grp * n + j)] / P : 0;
            }
            const float* h = l.H.data() + grp * n * n;
            for (int64_t i = 0; i < n; ++i)
                for (int64_t j = 0; j < n; ++j) H[size_t(i * n + j)] = double(h[i * n + j]) / P - mx[size_t(i)] * mx[size_t(j)];
            double diag = 0;
            for (int64_t j = 0; j < n; ++j) diag += H[size_t(j * n + j)];
            const double add = kDamping * std::max(diag, 0.0) / double(n) + 1e-12;
            for (int64_t j = 0; j < n; ++j) H[size_t(j * n + j)] += add;
            C = l.C.data() + grp * n * n;
            E = l.E.data() + grp * n * n;
            loadedGroup = grp;
        }
        for (int64_t j = 0; j < n; ++j) {
            at[size_t(j)] = l.offset(o, j);
            x[size_t(j)] = double(w[size_t(at[size_t(j)])]);  // in the weights' own units until the scale is known
        }
        double mew = 0;  // the mean of e.w
        for (int64_t j = 0; j < n; ++j) mew += me[size_t(j)] * x[size_t(j)];
        double k = -mew * mew;
        for (int64_t i = 0; i < n; ++i) {
            double ci = 0, ei = 0;
            for (int64_t j = 0; j < n; ++j) ci += double(C[i * n + j]) * x[size_t(j)], ei += double(E[i * n + j]) * x[size_t(j)];
            c[size_t(i)] = ci / P - mx[size_t(i)] * mew;
            k += x[size_t(i)] * ei / P;
        }
        const size_t sc = q.params.scale.size() > 1 ? size_t(o) : 0;
        if (scales && sc == size_t(o)) {  // the channel's step: the one whose nearest rounding errs least on the output
            auto nearest = [&](int64_t j, double step) { return std::clamp(std::nearbyint(x[size_t(j)] / step), -qmax, qmax); };
            auto nearestError = [&](double step) {  // d^T H d - 2 d^T c, d the weights' rounding error
                for (int64_t j = 0; j < n; ++j) trial[size_t(j)] = step * nearest(j, step) - x[size_t(j)];
                double f = 0;
                for (int64_t i = 0; i < n; ++i) {
                    double hd = 0;
                    for (int64_t j = 0; j < n; ++j) hd += H[size_t(i * n + j)] * trial[size_t(j)];
                    f += trial[size_t(i)] * (hd - 2 * c[size_t(i)]);
                }
                return f;
            };
            const double from = q.params.scale[sc];
            double best = from, bestError = nearestError(from);
            for (int step = 1; step <= kScaleSteps; ++step) {
                const double candidate = from * (1.0 - kScaleStride * step), e = nearestError(candidate);
                if (e < bestError) best = candidate, bestError = e;
            }
            if (best != from) {
                q.params.scale[sc] = float(best);
                (*scales)[sc] = {from, double(q.params.scale[sc])};
                for (int64_t j = 0; j < n; ++j) r[at[size_t(j)]] = int8_t(nearest(j, q.params.scale[sc]));
            }
        }
        const double s = q.params.scale[sc];
        for (int64_t j = 0; j < n; ++j) x[size_t(j)] /= s;
        for (int64_t i = 0; i < n; ++i) c[size_t(i)] /= s;
        k /= s * s;
        auto delta = [&](int64_t j) { return double(r[at[size_t(j)]]) - x[size_t(j)]; };
        auto objective = [&] {  // d^T (g - c) + k = d^T H d - 2 d^T c + k
            double f = k;
            for (int64_t i = 0; i < n; ++i) f += delta(i) * (g[size_t(i)] - c[size_t(i)]);
            return f;
        };
        for (int64_t i = 0; i < n; ++i) {  // g = H d - c, half the gradient
            double acc = -c[size_t(i)];
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
        if (biasShift) {  // E[w.x] - E[w^.x^] = w.(mean x^ + mean e) - w^.mean x^
            double shift = 0;
            for (int64_t j = 0; j < n; ++j) shift += x[size_t(j)] * me[size_t(j)] - delta(j) * mx[size_t(j)];
            (*biasShift)[size_t(o)] = shift * s;
        }
    }
    return flips;
}

}  // namespace

LearnedRounding roundAdaptively(const Graph& g, QuantPlan& plan, size_t samples,
                                const std::function<std::map<std::string, Tensor>(size_t)>& sample, bool correctBias, int threads,
                                const ProgressSink& progress, const CancelToken* cancel)
{
    LearnedRounding result;
    if (samples == 0 || plan.quantType != "FULL_QUANT") return result;
    InterpreterOptions options{threads, false, false, false};
    Graph sim = simulationGraph(g, plan);
    const std::vector<Shape> shapes = Interpreter(sim, options).valueShapes(sample(0));
    // The layers in graph order (the sim keeps the source's node order and value ids for the source's values).
    std::vector<Layer> layers;
    for (const Node& n : g.nodes)
        if (auto l = layerFor(g, n, plan, shapes)) layers.push_back(std::move(*l));
    if (layers.empty()) return result;
    // One layer at a time, each on the input the earlier layers' learned rounding gives it. (Learning several layers
    // on one run, the input error a later layer compensates is stale, which measurably breaks models.)
    const size_t wanted = (kPositions + samples - 1) / samples;
    const size_t steps = layers.size() * (samples + 1);
    size_t step = 0;
    double err[2] = {0, 0};
    std::vector<float> Xq, D;
    Interpreter floatRun(g, options);
    for (size_t k = 0; k < layers.size(); ++k) {
        Layer& l = layers[k];
        // The layer's input as the plan with the earlier layers' rounding feeds it, and as the float model does.
        Graph stageSim = k == 0 ? std::move(sim) : simulationGraph(g, plan);
        const int at = stageSim.findNode(l.node->name);
        if (at < 0) continue;
        const int simInput = stageSim.nodes[size_t(at)].inputs[0], floatInput = l.node->inputs[0];
        l.H.assign(l.matrixBytes() / sizeof(float), 0.f);
        l.C.assign(l.H.size(), 0.f);
        l.E.assign(l.H.size(), 0.f);
        l.sumX.assign(size_t(l.groups * l.n), 0.0);
        l.sumE.assign(l.sumX.size(), 0.0);
        Interpreter run(stageSim, options);
        Tensor xf;  // the float input for the current sample
        for (size_t i = 0; i < samples; ++i) {
            if (cancel) cancel->check();
            if (progress) progress(step++, steps, "learned rounding");
            const auto input = sample(i);
            floatRun.run(input, [&](int, int value, const Tensor& t) {
                if (value == floatInput && t.type() == DataType::Float32) xf = t.clone();
            });
            run.run(input, [&](int, int value, const Tensor& t) {
                if (value == simInput && t.type() == DataType::Float32 && xf.shape() == t.shape())
                    accumulate(l, t, xf, wanted, i * 7919, Xq, D);
            });
        }
        if (cancel) cancel->check();
        if (progress) progress(step++, steps, "learned rounding");
        if (l.positions < 4 * double(l.n)) continue;  // H underdetermined (a classifier on few samples): keep nearest
        const std::vector<float> w = g.values[size_t(l.node->inputs[1])].constant->toFloat();
        QuantizedConstant& q = plan.constants.at(l.weight);
        // The int32 bias: its scale follows the weights' (input scale x weight scale), and with bias correction it
        // takes the mean error.
        QuantizedConstant* bias = nullptr;
        if (l.node->inputs.size() > 2 && l.node->inputs[2] >= 0)
            if (auto b = plan.constants.find(g.values[size_t(l.node->inputs[2])].name);
                b != plan.constants.end() && b->second.values.type() == DataType::Int32 && b->second.values.count() == l.O)
                bias = &b->second;
        const bool correcting = correctBias && bias;
        std::vector<double> shift(correcting ? size_t(l.O) : 0, 0.0);
        // Below 8 bits a channel's step matters as much as its roundings: it is searched too (per-channel scales;
        // an int32 bias then moves to the new grid).
        const auto input = plan.activations.find(g.values[size_t(l.node->inputs[0])].name);
        const bool searchScales = q.params.bits < 8 && int64_t(q.params.scale.size()) == l.O &&
                                  (!bias || (int64_t(bias->params.scale.size()) == l.O && input != plan.activations.end()));
        std::vector<std::pair<double, double>> scales(searchScales ? size_t(l.O) : 0, {0.0, 0.0});
        const int workers = int(std::clamp<int64_t>(threads, 1, l.O));
        std::vector<std::thread> pool;
        std::vector<size_t> flips(size_t(workers), 0);
        std::vector<std::array<double, 2>> errs(size_t(workers), {0, 0});
        for (int t = 0; t < workers; ++t)
            pool.emplace_back([&, t] {
                const int64_t b = l.O * t / workers, e = l.O * (t + 1) / workers;
                flips[size_t(t)] = solve(l, w, q, b, e, correcting ? &shift : nullptr, searchScales ? &scales : nullptr, errs[size_t(t)].data());
            });
        for (auto& th : pool) th.join();
        for (int t = 0; t < workers; ++t) result.flipped += flips[size_t(t)], err[0] += errs[size_t(t)][0], err[1] += errs[size_t(t)][1];
        if (bias)
            for (size_t o = 0; o < scales.size(); ++o)
                if (auto [from, to] = scales[o]; from > 0) {  // the same float bias on the new grid
                    int32_t& b = bias->values.data<int32_t>()[o];
                    b = int32_t(std::clamp<int64_t>(std::llround(double(b) * from / to), INT32_MIN, INT32_MAX));
                    bias->params.scale[o] = input->second.scale[0] * q.params.scale[o];  // as full quantization sets it
                }
        if (correcting) {
            const std::string& name = g.values[size_t(l.node->inputs[2])].name;
            // The shift is the error of the products alone, against the float bias: what the bias had removed already
            // (full quantization's estimate for round-to-nearest weights) is put back first.
            std::vector<float>& removed = plan.biasCorrection[name];
            for (size_t o = 0; o < shift.size(); ++o) shift[o] = -shift[o] - (o < removed.size() ? double(removed[o]) : 0.0);
            removeBiasError(*bias, shift, removed);
            result.correctedBiases.insert(name);
        }
        ++result.layers;
        l.H = l.C = l.E = {};
        l.sumX = l.sumE = {};
    }
    result.errorRatio = err[0] > 0 ? err[1] / err[0] : 1.0;
    plan.learnedRounding = result;
    if (progress) progress(steps, steps, "learned rounding");
    return result;
}

}  // namespace qs
