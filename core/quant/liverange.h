#pragma once
#include <utility>

namespace qs {

class Graph;

// The interval of value v outside which its readers cannot tell values apart: clamping v to it leaves every reader's
// result as it was (up to float rounding), so an activation range that ends there loses nothing and gains resolution.
// Followed through the readers that are point-wise: Relu, Clip, HardSigmoid, HardSwish (their saturated ends), the
// affine steps x * c, x + c, x - c, c - x, x / c with a scalar constant c (into the interval of their own readers),
// and y * t where t = Relu/Clip(a y + b, 0, ...) (scaled) is 0 below a point: the decomposed HardSwish
// y * Clip(y + 3, 0, 6) / 6 that PP-OCR, MobileNetV3 and the like export, whose y is dead below -3; and through the
// ops that only move values (Reshape, Transpose, Concat, MaxPool, nearest Resize ...: clamping commutes with them).
// A TFLite fused Relu/Relu6 counts as a Clip after its op. Any other reader (a graph output, a convolution, a
// subgraph) reads the whole line. Example: PP-OCRv4's convolutions feed x * 1.9 + 0.8 into a HardSwish, so their
// outputs are dead below (-3 - 0.8) / 1.9; int8 spent half of its 256 steps there.
// return {lo, hi} with lo < hi; -inf / +inf where that side is live.
std::pair<double, double> liveRange(const Graph& g, int v);

}  // namespace qs
