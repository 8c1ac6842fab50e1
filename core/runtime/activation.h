#pragma once
#include <cstddef>
#include <optional>
#include <string>

namespace qs {

struct Node;
class Graph;

/** A point-wise activation that can be fused into the op producing its input (Conv + Relu, TFLite's
 *  fused_activation_function). */
struct Activation {
    enum Kind { None, Relu, Clip, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish, Linear };
    Kind kind = None;
    float alpha = 0.f, beta = 0.f;  // LeakyRelu alpha; HardSigmoid alpha/beta; Clip min/max; Linear alpha * x + beta

    // Applies the activation in place on n floats.
    void apply(float* data, size_t n) const;
    float apply1(float x) const;

    // The activation named by a TFLite fused_activation attribute ("" -> None).
    static Activation fromFusedName(const std::string& name);
    // The activation a standalone node computes, if it is one that can be fused (Clip needs constant bounds).
    static std::optional<Activation> fromNode(const Node& node, const Graph& graph);
    // Linear followed by Linear: this becomes both (a2 (a1 x + b1) + b2); false, unchanged, for any other pair
    bool compose(const Activation& next);
    // x * c, x + c, x - c, c - x or x / c with a scalar float constant c, as a Linear activation of value x
    static std::optional<Activation> scalarAffine(const Node& node, const Graph& graph, int x);
};

}  // namespace qs
