#include "quant/liverange.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "runtime/activation.h"

namespace qs {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kMaxDepth = 12;  // point-wise readers followed in a row

struct Interval {
    double lo = -kInf, hi = kInf;
};

Interval intersect(Interval a, Interval b) { return {std::max(a.lo, b.lo), std::min(a.hi, b.hi)}; }

// The live interval of an activation's input, given its output's.
Interval throughActivation(const Activation& a, Interval out)
{
    switch (a.kind) {
    case Activation::None: return out;
    case Activation::Relu: return intersect({0, kInf}, out);  // the identity where live
    case Activation::Clip: return intersect({a.alpha, a.beta}, out);
    case Activation::HardSigmoid:  // alpha x + beta saturates at 0 and 1
        if (a.alpha > 0) return {-a.beta / a.alpha, (1 - a.beta) / a.alpha};
        if (a.alpha < 0) return {(1 - a.beta) / a.alpha, -a.beta / a.alpha};
        return {};
    case Activation::HardSwish: return {-3, kInf};
    case Activation::Linear:  // the preimage
        if (a.alpha > 0) return {(out.lo - a.beta) / a.alpha, (out.hi - a.beta) / a.alpha};
        if (a.alpha < 0) return {(out.hi - a.beta) / a.alpha, (out.lo - a.beta) / a.alpha};
        return {};
    default: return {};
    }
}

// The activation a TFLite op applies to its result (None for an ONNX node).
Activation fusedActivation(const Node& n) { return Activation::fromFusedName(n.attrString("fused_activation")); }

// Reader n of value x as a point-wise function of x alone: a standalone activation or a scalar affine step (with its
// fused activation after it, which must be Relu/Clip or none).
std::optional<std::pair<Activation, Activation>> pointwise(const Graph& g, const Node& n, int x)
{
    if (n.outputs.size() != 1) return std::nullopt;
    const Activation fused = fusedActivation(n);
    if (fused.kind != Activation::None && fused.kind != Activation::Relu && fused.kind != Activation::Clip) return std::nullopt;
    if (auto a = Activation::scalarAffine(n, g, x)) return std::make_pair(*a, fused);
    if (n.inputs.empty() || n.inputs[0] != x) return std::nullopt;
    if (auto a = Activation::fromNode(n, g)) return std::make_pair(*a, fused);
    return std::nullopt;
}

// return n's first input that is not a constant (n.inputs.end() when there is none)
std::vector<int>::const_iterator variableInput(const Graph& g, const Node& n)
{
    return std::find_if(n.inputs.begin(), n.inputs.end(), [&](int i) { return i >= 0 && !g.values[size_t(i)].constant; });
}

// The point L at or below which t, computed from y, is exactly 0: t = s * Relu/Clip(a y + b, 0, ...) with s, a > 0
// (scalar affine steps in between); L = -b / a.
std::optional<double> zeroBelow(const Graph& g, int y, int t)
{
    for (int hops = 0; hops < kMaxDepth; ++hops) {
        const int p = g.values[size_t(t)].producer;
        if (p < 0) return std::nullopt;
        const Node& n = g.nodes[size_t(p)];
        if (n.inputs.empty() || n.inputs[0] < 0 || fusedActivation(n).kind != Activation::None) return std::nullopt;
        if (auto act = Activation::fromNode(n, g)) {
            if (!(act->kind == Activation::Relu || (act->kind == Activation::Clip && act->alpha == 0.f))) return std::nullopt;
            // z = a y + b, walking from the Relu/Clip's input back to y
            double a = 1, b = 0;
            for (int z = n.inputs[0], steps = 0; z != y; ++steps) {
                const int q = g.values[size_t(z)].producer;
                if (q < 0 || steps >= kMaxDepth) return std::nullopt;
                const Node& m = g.nodes[size_t(q)];
                const auto x = variableInput(g, m);
                if (x == m.inputs.end() || fusedActivation(m).kind != Activation::None) return std::nullopt;
                const auto step = Activation::scalarAffine(m, g, *x);
                if (!step) return std::nullopt;
                b += a * step->beta;  // z = a (alpha x + beta) + b
                a *= step->alpha;
                z = *x;
            }
            if (!(a > 0)) return std::nullopt;
            return -b / a;
        }
        // a positive scale keeps the zeros
        const auto x = variableInput(g, n);
        if (x == n.inputs.end()) return std::nullopt;
        const auto scale = Activation::scalarAffine(n, g, *x);
        if (!scale || scale->beta != 0.f || !(scale->alpha > 0)) return std::nullopt;
        t = *x;
    }
    return std::nullopt;
}

// Ops that only move, pick or repeat values (clamping commutes with them): the interval of their output is that of
// their data input.
bool movesValues(const Node& n, int v)
{
    static const std::set<std::string> kMoving = {"Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "Identity",
                                                  "MaxPool", "DepthToSpace", "SpaceToDepth"};
    if (n.outputs.size() != 1 || n.inputs.empty()) return false;
    if (n.opType == "Concat") return true;
    if (n.inputs[0] != v || std::count(n.inputs.begin(), n.inputs.end(), v) != 1) return false;
    return kMoving.count(n.opType) || (n.opType == "Resize" && n.attrString("mode", "nearest") == "nearest");
}

Interval live(const Graph& g, int v, int depth)
{
    const Value& value = g.values[size_t(v)];
    if (depth > kMaxDepth || value.consumers.empty() || std::find(g.outputs.begin(), g.outputs.end(), v) != g.outputs.end()) return {};
    // the hull of what each reader needs
    Interval needed{kInf, -kInf};
    for (int c : value.consumers) {
        const Node& n = g.nodes[size_t(c)];
        Interval in;
        if (auto f = pointwise(g, n, v)) {
            const Interval out = throughActivation(f->second, live(g, n.outputs[0], depth + 1));
            in = throughActivation(f->first, out);
        } else if (movesValues(n, v)) {
            const Activation fused = fusedActivation(n);
            if (fused.kind == Activation::None || fused.kind == Activation::Relu || fused.kind == Activation::Clip)
                in = throughActivation(fused, live(g, n.outputs[0], depth + 1));
        } else if (n.opType == "Mul" && n.inputs.size() == 2 && n.outputs.size() == 1 && fusedActivation(n).kind == Activation::None &&
                   (n.inputs[0] == v) != (n.inputs[1] == v)) {
            // y * t with t = 0 at and below L: y's values below L all give 0
            const int t = n.inputs[0] == v ? n.inputs[1] : n.inputs[0];
            if (auto l = zeroBelow(g, v, t)) in = {*l, kInf};
        }
        if (!(in.lo < in.hi)) return {};  // a degenerate reader: keep everything
        needed = {std::min(needed.lo, in.lo), std::max(needed.hi, in.hi)};
    }
    return needed;
}

}  // namespace

std::pair<double, double> liveRange(const Graph& g, int v)
{
    if (v < 0 || size_t(v) >= g.values.size()) return {-kInf, kInf};
    const Interval i = live(g, v, 0);
    return {i.lo, i.hi};
}

}  // namespace qs
