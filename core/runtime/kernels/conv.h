#pragma once
#include "graph/graph.h"

namespace qs {

/** Everything a 2-D convolution needs (1-D ones run with height 1), resolved from the node and the shapes of its
 *  input x, weights w and output y: both layouts, NCHW (ONNX) and NHWC with OHWI / 1HWO weights (TFLite). */
struct ConvGeometry {
    int64_t N = 1, C = 1, H = 1, W = 1, OC = 1, OH = 1, OW = 1, KH = 1, KW = 1, G = 1;
    int64_t sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0, pb = 0, pr = 0;
    bool nhwc = false;
    // Weight element strides for (group, out-channel-in-group, in-channel-in-group, kh, kw).
    int64_t wg = 0, wo = 0, wi = 0, wh = 0, ww = 0;
    int64_t ICg() const { return C / G; }
    int64_t OCg() const { return OC / G; }
    // Activation offsets (elements) for a given layout.
    int64_t act(int64_t n, int64_t c, int64_t h, int64_t w, int64_t CC, int64_t HH, int64_t WW) const
    {
        return nhwc ? ((n * HH + h) * WW + w) * CC + c : ((n * CC + c) * HH + h) * WW + w;
    }
    // The offset of the weight that output channel o applies to input channel ic of its group at (kh, kw).
    int64_t weight(int64_t o, int64_t ic, int64_t kh, int64_t kw) const
    {
        return (o / OCg()) * wg + (o % OCg()) * wo + ic * wi + kh * wh + kw * ww;
    }
};

// Throws (kernelError) for ranks other than 3 and 4 and unknown weight layouts.
ConvGeometry convGeometry(const Node& node, const Shape& x, const Shape& w, const Shape& y);

}  // namespace qs
