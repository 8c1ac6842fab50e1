// LSTM, GRU and RNN (ONNX semantics: every direction, both layouts, sequence lengths, initial states, peepholes,
// clip, input_forget, linear_before_reset and the eleven gate activations).
#include "runtime/kernels/recurrent.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "graph/error.h"
#include "runtime/kernel.h"

namespace qs {
namespace {

enum class Cell { Lstm, Gru, Rnn };

Cell cellOf(const Node& n) { return n.opType == "LSTM" ? Cell::Lstm : n.opType == "GRU" ? Cell::Gru : Cell::Rnn; }
size_t gatesOf(Cell c) { return c == Cell::Lstm ? 4 : c == Cell::Gru ? 3 : 1; }
size_t activationsPerDirection(Cell c) { return c == Cell::Lstm ? 3 : c == Cell::Gru ? 2 : 1; }

/** One gate activation with its alpha/beta (ONNX's RNN activation list). */
struct GateFn {
    enum Kind { Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus } kind = Tanh;
    float alpha = 0.f, beta = 0.f;

    float operator()(float x) const
    {
        switch (kind) {
        case Relu: return std::max(x, 0.f);
        case Tanh: return std::tanh(x);
        case Sigmoid: return 1.f / (1.f + std::exp(-x));
        case Affine: return alpha * x + beta;
        case LeakyRelu: return x < 0.f ? alpha * x : x;
        case ThresholdedRelu: return x > alpha ? x : 0.f;
        case ScaledTanh: return alpha * std::tanh(beta * x);
        case HardSigmoid: return std::clamp(alpha * x + beta, 0.f, 1.f);
        case Elu: return x < 0.f ? alpha * (std::exp(x) - 1.f) : x;
        case Softsign: return x / (1.f + std::fabs(x));
        case Softplus: return std::log1p(std::exp(-std::fabs(x))) + std::max(x, 0.f);
        }
        return x;
    }
};

// return the activations of every direction in order (f, g[, h] per direction), or "" in error with the reason
std::vector<GateFn> gateFunctions(const Node& n, std::string& error)
{
    const Cell cell = cellOf(n);
    const size_t per = activationsPerDirection(cell);
    const size_t dirs = n.attrString("direction", "forward") == "bidirectional" ? 2 : 1;
    std::vector<std::string> names;
    if (const Attribute* a = n.attr("activations")) names = a->strings;
    if (names.empty()) {
        names = cell == Cell::Lstm ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
              : cell == Cell::Gru  ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                   : std::vector<std::string>{"Tanh"};
    }
    if (names.size() == per && dirs == 2) names.insert(names.end(), names.begin(), names.end());
    if (names.size() != per * dirs) {
        error = std::to_string(names.size()) + " activations given, " + std::to_string(per * dirs) + " expected";
        return {};
    }
    std::vector<float> alphas = n.attrFloats("activation_alpha"), betas = n.attrFloats("activation_beta");
    size_t ai = 0, bi = 0;
    std::vector<GateFn> out;
    for (std::string name : names) {
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        GateFn f;
        auto alpha = [&](float d) { return ai < alphas.size() ? alphas[ai++] : d; };
        auto beta = [&](float d) { return bi < betas.size() ? betas[bi++] : d; };
        if (name == "relu") f.kind = GateFn::Relu;
        else if (name == "tanh") f.kind = GateFn::Tanh;
        else if (name == "sigmoid") f.kind = GateFn::Sigmoid;
        else if (name == "affine") { f.kind = GateFn::Affine; f.alpha = alpha(1.f); f.beta = beta(0.f); }
        else if (name == "leakyrelu") { f.kind = GateFn::LeakyRelu; f.alpha = alpha(0.01f); }
        else if (name == "thresholdedrelu") { f.kind = GateFn::ThresholdedRelu; f.alpha = alpha(1.f); }
        else if (name == "scaledtanh") { f.kind = GateFn::ScaledTanh; f.alpha = alpha(1.f); f.beta = beta(1.f); }
        else if (name == "hardsigmoid") { f.kind = GateFn::HardSigmoid; f.alpha = alpha(0.2f); f.beta = beta(0.5f); }
        else if (name == "elu") { f.kind = GateFn::Elu; f.alpha = alpha(1.f); }
        else if (name == "softsign") f.kind = GateFn::Softsign;
        else if (name == "softplus") f.kind = GateFn::Softplus;
        else {
            error = "activation '" + name + "'";
            return {};
        }
        out.push_back(f);
    }
    return out;
}

/** LSTM / GRU / RNN over the whole sequence. The input products of every step are computed up front; the recurrent
 *  product runs step by step. Inputs: X, W, R, B, sequence_lens, initial_h (LSTM: initial_c, P). */
class RecurrentKernel : public Kernel {
public:
    explicit RecurrentKernel(const Node& n) : m_node(n), m_cell(cellOf(n)) {}

    void prepare(const PrepareContext& ctx) override
    {
        std::string error;
        m_fns = gateFunctions(m_node, error);
        if (!error.empty()) kernelError(m_node, error);
        m_batchFirst = m_node.attrInt("layout", 0) != 0;
        m_dirs = m_node.attrString("direction", "forward") == "bidirectional" ? 2 : 1;
        m_reverse = m_node.attrString("direction", "forward") == "reverse";
        const Shape& x = ctx.inputShapes.at(0);
        m_seq = m_batchFirst ? x[1] : x[0];
        m_batch = m_batchFirst ? x[0] : x[1];
        m_in = x[2];
        const int64_t g = int64_t(gatesOf(m_cell));
        const Shape& r = ctx.inputShapes.at(2);
        m_hidden = r.size() == 3 ? r[2] : 0;
        if (m_node.attrInt("hidden_size", 0) > 0 && m_node.attrInt("hidden_size", 0) != m_hidden)
            kernelError(m_node, "hidden_size " + std::to_string(m_node.attrInt("hidden_size", 0)) + " differs from R's " + shapeToString(r));
        auto expect = [&](size_t i, const Shape& want, const char* what) {
            if (ctx.has(i) && ctx.inputShapes[i] != want)
                kernelError(m_node, std::string(what) + " has shape " + shapeToString(ctx.inputShapes[i]) + ", expected " + shapeToString(want));
        };
        expect(1, {m_dirs, g * m_hidden, m_in}, "W");
        expect(2, {m_dirs, g * m_hidden, m_hidden}, "R");
        expect(3, {m_dirs, 2 * g * m_hidden}, "B");
        expect(4, {m_batch}, "sequence_lens");
        const Shape state = m_batchFirst ? Shape{m_batch, m_dirs, m_hidden} : Shape{m_dirs, m_batch, m_hidden};
        expect(5, state, "initial_h");
        if (m_cell == Cell::Lstm) {
            expect(6, state, "initial_c");
            expect(7, {m_dirs, 3 * m_hidden}, "P");
        }
        m_clip = m_node.attrFloat("clip", 0.f);
        m_has.assign(8, false);
        for (size_t i = 0; i < 8; ++i) m_has[i] = ctx.has(i);
    }

    void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override
    {
        const int64_t H = m_hidden, G = int64_t(gatesOf(m_cell)), GH = G * H, B = m_batch, S = m_seq, I = m_in;
        const float* X = in[0]->data<float>();
        std::vector<int64_t> lens(size_t(B), S);
        if (m_has[4]) {
            auto v = in[4]->toInt64();
            for (int64_t b = 0; b < B; ++b) lens[size_t(b)] = std::clamp<int64_t>(v[size_t(b)], 0, S);
        }
        Tensor* Y = !out.empty() ? out[0] : nullptr;
        Tensor* Yh = out.size() > 1 ? out[1] : nullptr;
        Tensor* Yc = out.size() > 2 ? out[2] : nullptr;
        if (Y && !Y->empty()) std::memset(Y->raw(), 0, Y->byteSize());
        auto stateAt = [&](int64_t d, int64_t b) { return m_batchFirst ? (b * m_dirs + d) * H : (d * B + b) * H; };
        std::vector<float> xw(static_cast<size_t>(S * B * GH)), h(static_cast<size_t>(B * H)), c(static_cast<size_t>(B * H)),
            gates(static_cast<size_t>(GH)), rh(static_cast<size_t>(H));
        for (int64_t d = 0; d < m_dirs; ++d) {
            const float* W = in[1]->data<float>() + d * GH * I;
            const float* R = in[2]->data<float>() + d * GH * H;
            const float* Wb = m_has[3] ? in[3]->data<float>() + d * 2 * GH : nullptr;
            const float* Rb = Wb ? Wb + GH : nullptr;
            const float* P = m_cell == Cell::Lstm && m_has[7] ? in[7]->data<float>() + d * 3 * H : nullptr;
            const GateFn* fn = &m_fns[size_t(d) * activationsPerDirection(m_cell)];
            // input products of every step (with W's bias; R's too except GRU's h gate, which needs it apart)
#pragma omp parallel for
            for (int64_t row = 0; row < S * B; ++row) {
                const int64_t t = row / B, b = row % B;
                const float* xr = X + (m_batchFirst ? (b * S + t) : (t * B + b)) * I;
                float* o = xw.data() + row * GH;
                for (int64_t j = 0; j < GH; ++j) {
                    const float* wr = W + j * I;
                    float acc = Wb ? Wb[j] : 0.f;
                    if (Rb && !(m_cell == Cell::Gru && j >= 2 * H)) acc += Rb[j];
                    for (int64_t k = 0; k < I; ++k) acc += xr[k] * wr[k];
                    o[j] = acc;
                }
            }
            for (int64_t b = 0; b < B; ++b)
                for (int64_t k = 0; k < H; ++k) {
                    h[size_t(b * H + k)] = m_has[5] ? in[5]->data<float>()[stateAt(d, b) + k] : 0.f;
                    c[size_t(b * H + k)] = m_cell == Cell::Lstm && m_has[6] ? in[6]->data<float>()[stateAt(d, b) + k] : 0.f;
                }
            const bool backward = m_reverse || d == 1;
            for (int64_t step = 0; step < S; ++step) {
                const int64_t t = backward ? S - 1 - step : step;
                for (int64_t b = 0; b < B; ++b) {
                    if (t >= lens[size_t(b)]) continue;
                    float* hb = h.data() + b * H;
                    float* cb = c.data() + b * H;
                    const float* xg = xw.data() + (t * B + b) * GH;
                    step1(xg, R, Rb, P, fn, hb, cb, gates.data(), rh.data());
                    if (Y) {
                        float* y = Y->data<float>() + (m_batchFirst ? ((b * S + t) * m_dirs + d) : ((t * m_dirs + d) * B + b)) * H;
                        std::memcpy(y, hb, size_t(H) * sizeof(float));
                    }
                }
            }
            for (int64_t b = 0; b < B; ++b) {
                if (Yh) std::memcpy(Yh->data<float>() + stateAt(d, b), h.data() + b * H, size_t(H) * sizeof(float));
                if (Yc) std::memcpy(Yc->data<float>() + stateAt(d, b), c.data() + b * H, size_t(H) * sizeof(float));
            }
        }
    }

private:
    float clip(float v) const { return m_clip > 0.f ? std::clamp(v, -m_clip, m_clip) : v; }

    // One time step of one batch row: h (and c) updated in place. xg: the step's input products with biases.
    void step1(const float* xg, const float* R, const float* Rb, const float* P, const GateFn* fn, float* h, float* c,
               float* gates, float* tmp) const
    {
        const int64_t H = m_hidden, G = int64_t(gatesOf(m_cell));
        auto recur = [&](int64_t j, const float* hv) {
            const float* rr = R + j * H;
            float acc = 0.f;
            for (int64_t k = 0; k < H; ++k) acc += hv[k] * rr[k];
            return acc;
        };
        if (m_cell == Cell::Lstm) {  // gates i, o, f, c
            for (int64_t j = 0; j < G * H; ++j) gates[j] = xg[j] + recur(j, h);
            const bool coupled = m_node.attrInt("input_forget", 0) != 0;
            for (int64_t k = 0; k < H; ++k) {
                float i = fn[0](clip(gates[k] + (P ? P[k] * c[k] : 0.f)));
                float f = coupled ? 1.f - i : fn[0](clip(gates[2 * H + k] + (P ? P[2 * H + k] * c[k] : 0.f)));
                float g = fn[1](clip(gates[3 * H + k]));
                c[k] = f * c[k] + i * g;
                float o = fn[0](clip(gates[H + k] + (P ? P[H + k] * c[k] : 0.f)));
                tmp[k] = o * fn[2](c[k]);
            }
            std::memcpy(h, tmp, size_t(H) * sizeof(float));
        } else if (m_cell == Cell::Gru) {  // gates z, r, h
            for (int64_t j = 0; j < 2 * H; ++j) gates[j] = fn[0](clip(xg[j] + recur(j, h)));
            const float* z = gates;
            const float* r = gates + H;
            const bool lbr = m_node.attrInt("linear_before_reset", 0) != 0;
            float* hh = gates + 2 * H;
            if (lbr) {
                for (int64_t k = 0; k < H; ++k) hh[k] = xg[2 * H + k] + r[k] * (recur(2 * H + k, h) + (Rb ? Rb[2 * H + k] : 0.f));
            } else {
                for (int64_t k = 0; k < H; ++k) tmp[k] = r[k] * h[k];
                for (int64_t k = 0; k < H; ++k) hh[k] = xg[2 * H + k] + recur(2 * H + k, tmp) + (Rb ? Rb[2 * H + k] : 0.f);
            }
            for (int64_t k = 0; k < H; ++k) {
                float g = fn[1](clip(hh[k]));
                h[k] = (1.f - z[k]) * g + z[k] * h[k];
            }
        } else {
            for (int64_t j = 0; j < H; ++j) tmp[j] = fn[0](clip(xg[j] + recur(j, h)));
            std::memcpy(h, tmp, size_t(H) * sizeof(float));
        }
    }

    const Node& m_node;
    Cell m_cell;
    std::vector<GateFn> m_fns;
    std::vector<bool> m_has;
    bool m_batchFirst = false, m_reverse = false;
    int64_t m_dirs = 1, m_seq = 0, m_batch = 0, m_in = 0, m_hidden = 0;
    float m_clip = 0.f;
};

}  // namespace

std::string recurrentUnsupportedReason(const Node& node)
{
    std::string error;
    gateFunctions(node, error);
    return error;
}

void registerRecurrentKernels()
{
    for (const char* op : {"LSTM", "GRU", "RNN"})
        registerKernel(op, [](const Node& n) -> std::unique_ptr<Kernel> { return std::make_unique<RecurrentKernel>(n); });
}

}  // namespace qs
