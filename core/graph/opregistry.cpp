#include "graph/opregistry.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "graph/error.h"

namespace qs {

std::string_view categoryName(OpCategory c)
{
    switch (c) {
    case OpCategory::Conv: return "conv";
    case OpCategory::Gemm: return "gemm";
    case OpCategory::Activation: return "activation";
    case OpCategory::Pool: return "pool";
    case OpCategory::Normalization: return "normalization";
    case OpCategory::Elementwise: return "elementwise";
    case OpCategory::Shape: return "shape";
    case OpCategory::Tensor: return "tensor";
    case OpCategory::Reduce: return "reduce";
    case OpCategory::Quant: return "quant";
    case OpCategory::Other: return "other";
    }
    return "other";
}

bool isNhwc(const Node& node) { return node.attrString("layout", "NCHW") == "NHWC"; }

std::pair<int64_t, int64_t> shapeRange(const Node& node, size_t rank)
{
    int64_t r = int64_t(rank);
    int64_t start = node.attrInt("start", 0), end = node.hasAttr("end") ? node.attrInt("end") : r;
    if (start < 0) start += r;
    if (end < 0) end += r;
    start = std::clamp<int64_t>(start, 0, r);
    end = std::clamp<int64_t>(end, start, r);
    return {start, end};
}

namespace {

int64_t normAxis(int64_t axis, size_t rank, const Node& node)
{
    int64_t r = int64_t(rank);
    if (axis < -r || axis >= r)
        kernelError(node, "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    return axis < 0 ? axis + r : axis;
}

// Reads int values given either as input idx (newer opsets) or as attribute name (older opsets).
// return nullopt when the input exists but its value is not known yet.
std::optional<std::vector<int64_t>> intsFrom(const InferContext& ctx, size_t idx, const std::string& attr,
                                             std::vector<int64_t> fallback = {})
{
    if (ctx.hasInput(idx)) {
        if (const Tensor* t = ctx.value(idx)) return t->toInt64();
        return std::nullopt;
    }
    return ctx.node.attrInts(attr, std::move(fallback));
}

InferResult same(const InferContext& ctx) { return {{ctx.inputShapes.at(0)}, {ctx.inputTypes.at(0)}}; }

// An output whose rank is not known yet. It must not look static (an empty shape would read as a scalar).
InferResult unknownRank(DataType t) { return {{Shape{-1}}, {t}}; }

Shape unknownShape(size_t rank) { return Shape(rank, -1); }

InferResult broadcastAll(const InferContext& ctx, DataType outType = DataType::Undefined)
{
    Shape s = ctx.inputShapes.at(0);
    for (size_t i = 1; i < ctx.inputCount(); ++i)
        if (ctx.hasInput(i)) s = broadcastShapes(s, ctx.inputShapes[i], ctx.node);
    return {{s}, {outType == DataType::Undefined ? ctx.inputTypes[0] : outType}};
}

InferResult inferConv(const InferContext& ctx)
{
    const Node& n = ctx.node;
    const Shape& x = ctx.inputShapes.at(0);
    const Shape& w = ctx.inputShapes.at(1);
    if (x.size() < 3) kernelError(n, "input must have rank >= 3, got " + shapeToString(x));
    if (w.size() != x.size()) kernelError(n, "weight rank " + std::to_string(w.size()) + " differs from input rank");
    bool nhwc = isNhwc(n);
    std::string wl = n.attrString("weight_layout", "OIHW");
    size_t sp = x.size() - 2;
    int64_t outC;
    std::vector<int64_t> kernel(sp);
    if (wl == "OIHW") {
        outC = w[0];
        for (size_t i = 0; i < sp; ++i) kernel[i] = w[2 + i];
    } else {  // OHWI or 1HWO: spatial dims in the middle
        outC = wl == "1HWO" ? w.back() : w[0];
        for (size_t i = 0; i < sp; ++i) kernel[i] = w[1 + i];
    }
    if (n.hasAttr("kernel_shape")) kernel = n.attrInts("kernel_shape");
    int64_t inC = nhwc ? x.back() : x[1];
    int64_t group = n.attrInt("group", 1);
    int64_t wIn = wl == "OIHW" ? w[1] : (wl == "1HWO" ? 1 : w.back());
    if (inC >= 0 && wIn >= 0 && group > 0 && inC != wIn * group)
        kernelError(n, "input has " + std::to_string(inC) + " channels but the weights expect " + std::to_string(wIn * group) +
                    " (" + std::to_string(wIn) + " per group x " + std::to_string(group) + " groups)");
    std::vector<int64_t> spatial(sp);
    for (size_t i = 0; i < sp; ++i) spatial[i] = nhwc ? x[1 + i] : x[2 + i];
    Shape out(x.size());
    out[0] = x[0];
    bool known = std::all_of(spatial.begin(), spatial.end(), [](int64_t d) { return d >= 0; });
    std::vector<AxisGeometry> g;
    if (known) g = windowGeometry(n, spatial, kernel);
    for (size_t i = 0; i < sp; ++i) (nhwc ? out[1 + i] : out[2 + i]) = known ? g[i].out : -1;
    (nhwc ? out.back() : out[1]) = outC;
    return {{out}, {ctx.inputTypes[0]}};
}

InferResult inferConvTranspose(const InferContext& ctx)
{
    const Node& n = ctx.node;
    const Shape& x = ctx.inputShapes.at(0);
    const Shape& w = ctx.inputShapes.at(1);
    if (x.size() < 3 || w.size() != x.size()) kernelError(n, "input and weight ranks must match and be >= 3");
    size_t sp = x.size() - 2;
    int64_t group = n.attrInt("group", 1);
    if (isNhwc(n)) {  // TFLite: NHWC input, OHWI weights, padding SAME or VALID
        if (x.size() != 4) kernelError(n, "NHWC transposed convolution must be 2-D");
        auto strides = n.attrInts("strides", {1, 1});
        const bool same = n.attrString("auto_pad", "VALID") != "VALID";
        Shape out{x[0], -1, -1, w[0]};
        for (size_t i = 0; i < 2; ++i)
            if (x[1 + i] >= 0) out[1 + i] = same ? x[1 + i] * strides[i] : (x[1 + i] - 1) * strides[i] + w[1 + i];
        return {{out}, {ctx.inputTypes[0]}};
    }
    Shape out(x.size());
    out[0] = x[0];
    out[1] = w[1] * group;
    auto strides = n.attrInts("strides", std::vector<int64_t>(sp, 1));
    auto dil = n.attrInts("dilations", std::vector<int64_t>(sp, 1));
    auto outPad = n.attrInts("output_padding", std::vector<int64_t>(sp, 0));
    auto pads = n.attrInts("pads", std::vector<int64_t>(2 * sp, 0));
    auto outShape = n.attrInts("output_shape");
    std::string autoPad = n.attrString("auto_pad", "NOTSET");
    for (size_t i = 0; i < sp; ++i) {
        int64_t in = x[2 + i];
        int64_t k = n.hasAttr("kernel_shape") ? n.attrInts("kernel_shape")[i] : w[2 + i];
        if (!outShape.empty()) out[2 + i] = outShape[outShape.size() - sp + i];
        else if (in < 0) out[2 + i] = -1;
        else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") out[2 + i] = in * strides[i];
        else out[2 + i] = strides[i] * (in - 1) + outPad[i] + (k - 1) * dil[i] + 1 - pads[i] - pads[sp + i];
    }
    return {{out}, {ctx.inputTypes[0]}};
}

InferResult inferPool(const InferContext& ctx)
{
    const Node& n = ctx.node;
    const Shape& x = ctx.inputShapes.at(0);
    if (x.size() < 3) kernelError(n, "input must have rank >= 3, got " + shapeToString(x));
    bool nhwc = isNhwc(n);
    size_t sp = x.size() - 2;
    auto kernel = n.attrInts("kernel_shape");
    if (kernel.size() != sp) kernelError(n, "kernel_shape must have " + std::to_string(sp) + " values");
    std::vector<int64_t> spatial(sp);
    for (size_t i = 0; i < sp; ++i) spatial[i] = nhwc ? x[1 + i] : x[2 + i];
    Shape out = x;
    if (std::all_of(spatial.begin(), spatial.end(), [](int64_t d) { return d >= 0; })) {
        auto g = windowGeometry(n, spatial, kernel, n.attrInt("ceil_mode", 0) != 0);
        for (size_t i = 0; i < sp; ++i) (nhwc ? out[1 + i] : out[2 + i]) = g[i].out;
    } else {
        for (size_t i = 0; i < sp; ++i) (nhwc ? out[1 + i] : out[2 + i]) = -1;
    }
    return {{out}, {ctx.inputTypes[0]}};
}

InferResult inferGlobalPool(const InferContext& ctx)
{
    Shape out = ctx.inputShapes.at(0);
    bool nhwc = isNhwc(ctx.node);
    for (size_t i = 0; i + 2 < out.size(); ++i) (nhwc ? out[1 + i] : out[2 + i]) = 1;
    return {{out}, {ctx.inputTypes[0]}};
}

InferResult inferMatMul(const InferContext& ctx)
{
    Shape a = ctx.inputShapes.at(0), b = ctx.inputShapes.at(1);
    const Node& n = ctx.node;
    if (a.empty() || b.empty()) kernelError(n, "MatMul inputs must not be scalars");
    bool aVec = a.size() == 1, bVec = b.size() == 1;
    if (aVec) a.insert(a.begin(), 1);
    if (bVec) b.push_back(1);
    int64_t k1 = a.back(), k2 = b[b.size() - 2];
    if (k1 >= 0 && k2 >= 0 && k1 != k2)
        kernelError(n, "inner dimensions differ: " + shapeToString(ctx.inputShapes[0]) + " x " +
                    shapeToString(ctx.inputShapes[1]));
    Shape ba(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
    Shape out = broadcastShapes(ba, bb, n);
    if (!aVec) out.push_back(a[a.size() - 2]);
    if (!bVec) out.push_back(b.back());
    return {{out}, {ctx.inputTypes[0]}};
}

InferResult inferGemm(const InferContext& ctx)
{
    const Shape& a = ctx.inputShapes.at(0);
    const Shape& b = ctx.inputShapes.at(1);
    if (a.size() != 2 || b.size() != 2) kernelError(ctx.node, "Gemm inputs must be 2-D");
    bool ta = ctx.node.attrInt("transA", 0), tb = ctx.node.attrInt("transB", 0);
    int64_t ka = ta ? a[0] : a[1], kb = tb ? b[1] : b[0];
    if (ka >= 0 && kb >= 0 && ka != kb)
        kernelError(ctx.node, "inner dimensions differ: A " + shapeToString(a) + " B " + shapeToString(b));
    return {{Shape{ta ? a[1] : a[0], tb ? b[0] : b[1]}}, {ctx.inputTypes[0]}};
}

InferResult inferFullyConnected(const InferContext& ctx)
{
    const Shape& x = ctx.inputShapes.at(0);
    const Shape& w = ctx.inputShapes.at(1);  // [out, in]
    if (w.size() != 2) kernelError(ctx.node, "weights must be 2-D [out, in]");
    int64_t in = w[1];
    if (in == 0) kernelError(ctx.node, "weights " + shapeToString(w) + " have no input features");
    int64_t count = elementCount(x);
    if (ctx.node.attrInt("keep_num_dims", 0)) {
        if (x.empty()) kernelError(ctx.node, "keep_num_dims needs an input of rank >= 1");
        Shape out = x;
        out.back() = w[0];
        return {{out}, {ctx.inputTypes[0]}};
    }
    if (count >= 0 && in > 0 && count % in != 0)
        kernelError(ctx.node, "input " + shapeToString(x) + " cannot be flattened to rows of " + std::to_string(in));
    return {{Shape{count >= 0 && in > 0 ? count / in : -1, w[0]}}, {ctx.inputTypes[0]}};
}

InferResult inferReshape(const InferContext& ctx)
{
    const Shape& x = ctx.inputShapes.at(0);
    auto target = intsFrom(ctx, 1, "shape");
    if (!target) return unknownRank(ctx.inputTypes[0]);
    Shape out = *target;
    bool allowZero = ctx.node.attrInt("allowzero", 0) != 0;
    int64_t known = 1, inferIdx = -1;
    for (size_t i = 0; i < out.size(); ++i) {
        if (out[i] == 0 && !allowZero) {
            if (i >= x.size()) kernelError(ctx.node, "shape has 0 at position " + std::to_string(i) + " beyond input rank");
            out[i] = x[i];
        }
        if (out[i] == -1) {
            if (inferIdx >= 0) kernelError(ctx.node, "shape has more than one -1");
            inferIdx = int64_t(i);
        } else if (out[i] >= 0) {
            known *= out[i];
        }
    }
    int64_t total = elementCount(x);
    for (size_t i = 0; i < out.size(); ++i)
        if (out[i] < -1) kernelError(ctx.node, "shape has negative value " + std::to_string(out[i]));
    if (inferIdx >= 0) {
        bool othersKnown = std::count_if(out.begin(), out.end(), [](int64_t d) { return d < 0; }) == 1;
        if (total >= 0 && known > 0 && othersKnown) {
            if (total % known) kernelError(ctx.node, "cannot reshape " + shapeToString(x) + " to " + shapeToString(*target));
            out[inferIdx] = total / known;
        }
    } else if (total >= 0 && isStatic(out) && elementCount(out) != total) {
        kernelError(ctx.node, "cannot reshape " + shapeToString(x) + " (" + std::to_string(total) + " elements) to " +
                           shapeToString(out));
    }
    return {{out}, {ctx.inputTypes[0]}};
}

InferResult inferFlatten(const InferContext& ctx)
{
    const Shape& x = ctx.inputShapes.at(0);
    int64_t axis = ctx.node.attrInt("axis", 1);
    if (axis < 0) axis += int64_t(x.size());
    if (axis < 0 || axis > int64_t(x.size())) kernelError(ctx.node, "axis out of range");
    int64_t a = 1, b = 1;
    for (int64_t i = 0; i < int64_t(x.size()); ++i) {
        int64_t& t = i < axis ? a : b;
        t = (t < 0 || x[i] < 0) ? -1 : t * x[i];
    }
    return {{Shape{a, b}}, {ctx.inputTypes[0]}};
}

InferResult inferSqueeze(const InferContext& ctx)
{
    const Shape& x = ctx.inputShapes.at(0);
    auto axes = intsFrom(ctx, 1, "axes");
    if (!axes) return unknownRank(ctx.inputTypes[0]);
    std::vector<bool> drop(x.size(), false);
    if (axes->empty()) {
        for (size_t i = 0; i < x.size(); ++i) drop[i] = x[i] == 1;
    } else {
        for (int64_t a : *axes) {
            int64_t ax = normAxis(a, x.size(), ctx.node);
            if (x[ax] != 1 && x[ax] != -1) kernelError(ctx.node, "cannot squeeze axis " + std::to_string(a) + " of size " + std::to_string(x[ax]));
            drop[ax] = true;
        }
    }
    Shape out;
    for (size_t i = 0; i < x.size(); ++i)
        if (!drop[i]) out.push_back(x[i]);
    return {{out}, {ctx.inputTypes[0]}};
}

InferResult inferUnsqueeze(const InferContext& ctx)
{
    const Shape& x = ctx.inputShapes.at(0);
    auto axes = intsFrom(ctx, 1, "axes");
    if (!axes) return unknownRank(ctx.inputTypes[0]);
    size_t rank = x.size() + axes->size();
    std::vector<bool> ins(rank, false);
    for (int64_t a : *axes) ins[normAxis(a, rank, ctx.node)] = true;
    Shape out;
    size_t j = 0;
    for (size_t i = 0; i < rank; ++i) out.push_back(ins[i] ? 1 : x.at(j++));
    return {{out}, {ctx.inputTypes[0]}};
}

InferResult inferTranspose(const InferContext& ctx)
{
    const Shape& x = ctx.inputShapes.at(0);
    auto perm = ctx.node.attrInts("perm");
    if (perm.empty())
        for (size_t i = 0; i < x.size(); ++i) perm.push_back(int64_t(x.size() - 1 - i));
    if (perm.size() != x.size()) kernelError(ctx.node, "perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(x.size()));
    Shape out;
    for (int64_t p : perm) out.push_back(x.at(normAxis(p, x.size(), ctx.node)));
    return {{out}, {ctx.inputTypes[0]}};
}

InferResult inferConcat(const InferContext& ctx)
{
    Shape out = ctx.inputShapes.at(0);
    int64_t axis = normAxis(ctx.node.attrInt("axis", 0), out.size(), ctx.node);
    for (size_t i = 1; i < ctx.inputCount(); ++i) {
        const Shape& s = ctx.inputShapes[i];
        if (s.size() != out.size()) kernelError(ctx.node, "inputs differ in rank: " + shapeToString(out) + " vs " + shapeToString(s));
        for (size_t d = 0; d < s.size(); ++d) {
            if (int64_t(d) == axis) out[d] = (out[d] < 0 || s[d] < 0) ? -1 : out[d] + s[d];
            else if (out[d] >= 0 && s[d] >= 0 && out[d] != s[d])
                kernelError(ctx.node, "input " + std::to_string(i) + " has shape " + shapeToString(s) + ", incompatible on axis " + std::to_string(d));
            else if (out[d] < 0) out[d] = s[d];
        }
    }
    return {{out}, {ctx.inputTypes[0]}};
}

InferResult inferSplit(const InferContext& ctx)
{
    const Shape& x = ctx.inputShapes.at(0);
    int64_t axis = normAxis(ctx.node.attrInt("axis", 0), x.size(), ctx.node);
    size_t outs = ctx.node.outputs.size();
    auto split = intsFrom(ctx, 1, "split");
    InferResult r;
    for (size_t i = 0; i < outs; ++i) {
        Shape s = x;
        if (split && !split->empty()) s[axis] = split->at(i);
        else if (!split) s[axis] = -1;
        else s[axis] = x[axis] < 0 ? -1 : (x[axis] + int64_t(outs) - 1) / int64_t(outs);
        r.shapes.push_back(s);
        r.types.push_back(ctx.inputTypes[0]);
    }
    return r;
}

InferResult inferSlice(const InferContext& ctx)
{
    const Shape& x = ctx.inputShapes.at(0);
    auto starts = intsFrom(ctx, 1, "starts");
    auto ends = intsFrom(ctx, 2, "ends");
    if (!starts || !ends) return {{unknownShape(x.size())}, {ctx.inputTypes[0]}};
    std::vector<int64_t> def(starts->size());
    std::iota(def.begin(), def.end(), 0);
    auto axes = intsFrom(ctx, 3, "axes", def);
    auto steps = intsFrom(ctx, 4, "steps", std::vector<int64_t>(starts->size(), 1));
    if (!axes || !steps) return {{unknownShape(x.size())}, {ctx.inputTypes[0]}};
    if (axes->empty()) axes = def;
    if (steps->empty()) steps = std::vector<int64_t>(starts->size(), 1);
    Shape out = x;
    for (size_t i = 0; i < starts->size(); ++i) {
        int64_t ax = normAxis(axes->at(i), x.size(), ctx.node);
        int64_t dim = x[ax];
        if (dim < 0) { out[ax] = -1; continue; }
        int64_t step = steps->at(i);
        if (step == 0) kernelError(ctx.node, "step must not be 0");
        int64_t s = starts->at(i), e = ends->at(i);
        if (s < 0) s += dim;
        if (e < 0) e += dim;
        if (step > 0) {
            s = std::clamp<int64_t>(s, 0, dim);
            e = std::clamp<int64_t>(e, 0, dim);
            out[ax] = e > s ? (e - s + step - 1) / step : 0;
        } else {
            s = std::clamp<int64_t>(s, 0, dim - 1);
            e = std::clamp<int64_t>(e, -1, dim - 1);
            out[ax] = s > e ? (s - e + (-step) - 1) / (-step) : 0;
        }
    }
    return {{out}, {ctx.inputTypes[0]}};
}

InferResult inferGather(const InferContext& ctx)
{
    const Shape& x = ctx.inputShapes.at(0);
    const Shape& idx = ctx.inputShapes.at(1);
    int64_t axis = normAxis(ctx.node.attrInt("axis", 0), x.size(), ctx.node);
    Shape out(x.begin(), x.begin() + axis);
    out.insert(out.end(), idx.begin(), idx.end());
    out.insert(out.end(), x.begin() + axis + 1, x.end());
    return {{out}, {ctx.inputTypes[0]}};
}

InferResult inferPad(const InferContext& ctx)
{
    const Shape& x = ctx.inputShapes.at(0);
    auto pads = intsFrom(ctx, 1, "pads");
    if (!pads) return {{unknownShape(x.size())}, {ctx.inputTypes[0]}};
    std::vector<int64_t> axes(x.size());
    std::iota(axes.begin(), axes.end(), 0);
    if (ctx.hasInput(3)) {
        if (!ctx.value(3)) return {{unknownShape(x.size())}, {ctx.inputTypes[0]}};
        axes = ctx.value(3)->toInt64();
    }
    if (pads->size() != 2 * axes.size())
        kernelError(ctx.node, "pads has " + std::to_string(pads->size()) + " values, expected " + std::to_string(2 * axes.size()));
    Shape out = x;
    for (size_t i = 0; i < axes.size(); ++i) {
        int64_t ax = normAxis(axes[i], x.size(), ctx.node);
        if (out[ax] >= 0) out[ax] += pads->at(i) + pads->at(i + axes.size());
    }
    return {{out}, {ctx.inputTypes[0]}};
}

InferResult inferResize(const InferContext& ctx)
{
    const Shape& x = ctx.inputShapes.at(0);
    Shape out = unknownShape(x.size());
    if (ctx.hasInput(3)) {
        if (const Tensor* t = ctx.value(3)) {
            auto sizes = t->toInt64();
            if (sizes.size() != x.size()) kernelError(ctx.node, "sizes has " + std::to_string(sizes.size()) + " values for rank " + std::to_string(x.size()));
            out = sizes;
        }
    } else if (ctx.hasInput(2)) {
        if (const Tensor* t = ctx.value(2)) {
            auto scales = t->toFloat();
            if (scales.size() != x.size()) kernelError(ctx.node, "scales has " + std::to_string(scales.size()) + " values for rank " + std::to_string(x.size()));
            for (size_t i = 0; i < x.size(); ++i)
                out[i] = x[i] < 0 ? -1 : int64_t(std::floor(double(x[i]) * double(scales[i]) + 1e-6));
        }
    } else {
        auto scales = ctx.node.attrFloats("scales");  // Upsample-7
        for (size_t i = 0; i < x.size() && i < scales.size(); ++i)
            out[i] = x[i] < 0 ? -1 : int64_t(std::floor(double(x[i]) * double(scales[i])));
    }
    return {{out}, {ctx.inputTypes[0]}};
}

InferResult inferReduce(const InferContext& ctx)
{
    const Shape& x = ctx.inputShapes.at(0);
    auto axes = intsFrom(ctx, 1, "axes");
    bool keep = ctx.node.attrInt("keepdims", 1) != 0;
    if (!axes) return {{keep ? unknownShape(x.size()) : Shape{-1}}, {ctx.inputTypes[0]}};
    std::vector<bool> red(x.size(), axes->empty() && !ctx.node.attrInt("noop_with_empty_axes", 0));
    for (int64_t a : *axes) red[normAxis(a, x.size(), ctx.node)] = true;
    Shape out;
    for (size_t i = 0; i < x.size(); ++i) {
        if (!red[i]) out.push_back(x[i]);
        else if (keep) out.push_back(1);
    }
    return {{out}, {ctx.inputTypes[0]}};
}

InferResult inferArgReduce(const InferContext& ctx)
{
    const Shape& x = ctx.inputShapes.at(0);
    int64_t axis = normAxis(ctx.node.attrInt("axis", 0), x.size(), ctx.node);
    Shape out;
    for (size_t i = 0; i < x.size(); ++i) {
        if (int64_t(i) != axis) out.push_back(x[i]);
        else if (ctx.node.attrInt("keepdims", 1)) out.push_back(1);
    }
    return {{out}, {DataType::Int64}};
}

InferResult inferDepthToSpace(const InferContext& ctx, bool toSpace)
{
    Shape x = ctx.inputShapes.at(0);
    if (x.size() != 4) kernelError(ctx.node, "input must be 4-D");
    int64_t b = ctx.node.attrInt("blocksize", 0);
    if (b <= 0) kernelError(ctx.node, "blocksize must be positive");
    bool nhwc = isNhwc(ctx.node);
    int64_t& c = nhwc ? x[3] : x[1];
    int64_t& h = nhwc ? x[1] : x[2];
    int64_t& w = nhwc ? x[2] : x[3];
    auto mul = [](int64_t v, int64_t f) { return v < 0 ? v : v * f; };
    auto div = [](int64_t v, int64_t f) { return v < 0 ? v : v / f; };
    if (toSpace) { c = div(c, b * b); h = mul(h, b); w = mul(w, b); }
    else { c = mul(c, b * b); h = div(h, b); w = div(w, b); }
    return {{x}, {ctx.inputTypes[0]}};
}

InferResult inferExpand(const InferContext& ctx)
{
    auto shape = intsFrom(ctx, 1, "shape");
    if (!shape) return unknownRank(ctx.inputTypes[0]);
    return {{broadcastShapes(ctx.inputShapes[0], *shape, ctx.node)}, {ctx.inputTypes[0]}};
}

InferResult inferTile(const InferContext& ctx)
{
    const Shape& x = ctx.inputShapes.at(0);
    auto rep = intsFrom(ctx, 1, "repeats");
    if (!rep) return {{unknownShape(x.size())}, {ctx.inputTypes[0]}};
    if (rep->size() != x.size()) kernelError(ctx.node, "repeats must have one value per input dimension");
    Shape out = x;
    for (size_t i = 0; i < x.size(); ++i) out[i] = x[i] < 0 ? -1 : x[i] * (*rep)[i];
    return {{out}, {ctx.inputTypes[0]}};
}

// If: the outputs as the branches declare them (the runtime plans the branch it takes instead; see IfKernel).
InferResult inferIf(const InferContext& ctx)
{
    const Node& n = ctx.node;
    InferResult r;
    const Tensor* cond = ctx.value(0);
    for (const char* key : {"then_branch", "else_branch"}) {
        const Attribute* a = n.attr(key);
        if (!a || a->kind != AttrKind::Graph || !a->g) kernelError(n, std::string("has no ") + key + " graph");
        if (cond && (cond->toInt64().at(0) != 0) != (std::string(key) == "then_branch")) continue;
        const Graph& b = *a->g;
        if (b.outputs.size() != n.outputs.size())
            kernelError(n, std::string(key) + " has " + std::to_string(b.outputs.size()) + " outputs, the node " +
                           std::to_string(n.outputs.size()));
        InferResult mine;
        for (int o : b.outputs) {
            const Value& v = b.values[size_t(o)];
            mine.shapes.push_back(v.constant ? v.constant->shape() : isStatic(v.shape) ? v.shape : Shape(v.shape.empty() ? 1 : v.shape.size(), -1));
            mine.types.push_back(v.constant ? v.constant->type() : v.type);
        }
        if (r.shapes.empty()) r = mine;
        else
            for (size_t i = 0; i < r.shapes.size(); ++i)
                if (r.shapes[i] != mine.shapes[i]) r.shapes[i] = Shape(r.shapes[i].size() == mine.shapes[i].size() ? r.shapes[i].size() : 1, -1);
    }
    return r;
}

// LSTM (states = 3 outputs: Y, Y_h, Y_c), GRU and RNN (Y, Y_h).
InferResult inferRecurrent(const InferContext& ctx, size_t outputs)
{
    const Node& n = ctx.node;
    const Shape& x = ctx.inputShapes.at(0);
    const Shape& r = ctx.inputShapes.at(2);
    if (x.size() != 3) kernelError(n, "X must have rank 3, got " + shapeToString(x));
    if (r.size() != 3) kernelError(n, "R must have rank 3, got " + shapeToString(r));
    const bool batchFirst = n.attrInt("layout", 0) != 0;
    const int64_t dirs = n.attrString("direction", "forward") == "bidirectional" ? 2 : 1;
    const int64_t hidden = n.attrInt("hidden_size", 0) > 0 ? n.attrInt("hidden_size", 0) : r[2];
    const int64_t seq = batchFirst ? x[1] : x[0], batch = batchFirst ? x[0] : x[1];
    InferResult res;
    res.shapes.push_back(batchFirst ? Shape{batch, seq, dirs, hidden} : Shape{seq, dirs, batch, hidden});
    for (size_t i = 1; i < outputs; ++i) res.shapes.push_back(batchFirst ? Shape{batch, dirs, hidden} : Shape{dirs, batch, hidden});
    res.types.assign(outputs, ctx.inputTypes[0]);
    return res;
}

InferResult inferEinsum(const InferContext& ctx)
{
    const EinsumSpec e = parseEinsum(ctx.node, ctx.inputShapes);
    Shape y;
    for (int l : e.output) y.push_back(e.sizes[size_t(l)]);
    return {{y}, {ctx.inputTypes[0]}};
}

struct Registry {
    std::vector<OpSchema> schemas;
    std::unordered_map<std::string, size_t> index;

    OpSchema& add(std::string name, OpCategory cat, bool quantizable, std::string doc, ShapeFn fn,
                  std::vector<AttrSchema> attrs = {})
    {
        index[name] = schemas.size();
        schemas.push_back(OpSchema{std::move(name), cat, quantizable, std::move(doc), std::move(attrs), std::move(fn)});
        return schemas.back();
    }
};

AttrSchema ai(std::string n, int64_t v, std::string doc) { return {std::move(n), Attribute::ofInt(v), std::move(doc)}; }
AttrSchema af(std::string n, float v, std::string doc) { return {std::move(n), Attribute::ofFloat(v), std::move(doc)}; }
AttrSchema as(std::string n, std::string v, std::string doc) { return {std::move(n), Attribute::ofString(std::move(v)), std::move(doc)}; }
AttrSchema aList(std::string n, std::string doc) { return {std::move(n), std::nullopt, std::move(doc)}; }

std::vector<AttrSchema> windowAttrs(bool conv)
{
    std::vector<AttrSchema> a = {
        aList("kernel_shape", "spatial size of the window; taken from the weights when absent"),
        aList("strides", "stride along each spatial axis (default 1)"),
        aList("pads", "padding at the beginning and end of each spatial axis (default 0)"),
        aList("dilations", "dilation along each spatial axis (default 1)"),
        as("auto_pad", "NOTSET", "NOTSET, SAME_UPPER, SAME_LOWER or VALID"),
        as("layout", "NCHW", "activation layout: NCHW (ONNX) or NHWC (TFLite)"),
    };
    if (conv) {
        a.push_back(ai("group", 1, "number of groups; equal to the input channels for depthwise convolution"));
        a.push_back(as("weight_layout", "OIHW", "weight layout: OIHW (ONNX), OHWI (TFLite conv) or 1HWO (TFLite depthwise)"));
        a.push_back(as("fused_activation", "", "activation applied to the output (TFLite): RELU, RELU6, RELU_N1_TO_1, TANH"));
    } else {
        a.push_back(ai("ceil_mode", 0, "use ceil instead of floor to compute the output size"));
        a.push_back(ai("count_include_pad", 0, "AveragePool: count padded elements in the divisor"));
    }
    return a;
}

Registry buildRegistry()
{
    using C = OpCategory;
    Registry r;
    auto fused = as("fused_activation", "", "activation applied to the output (TFLite)");

    r.add("Conv", C::Conv, true, "N-d convolution, grouped/depthwise/dilated", inferConv, windowAttrs(true));
    r.add("ConvTranspose", C::Conv, true, "transposed (fractionally strided) convolution", inferConvTranspose,
          {aList("kernel_shape", ""), aList("strides", ""), aList("pads", ""), aList("dilations", ""),
           ai("group", 1, ""), aList("output_padding", ""), aList("output_shape", ""), as("auto_pad", "NOTSET", "")});
    r.add("Gemm", C::Gemm, true, "Y = alpha * A' * B' + beta * C", inferGemm,
          {af("alpha", 1.f, ""), af("beta", 1.f, ""), ai("transA", 0, ""), ai("transB", 0, "")});
    r.add("MatMul", C::Gemm, true, "numpy-style matrix product", inferMatMul);
    r.add("FullyConnected", C::Gemm, true, "TFLite fully connected: Y = X * W^T + b, W is [out, in]",
          inferFullyConnected, {ai("keep_num_dims", 0, "keep the input's leading dims"), fused});

    for (const char* op : {"Add", "Sub", "Mul", "Div"})
        r.add(op, C::Elementwise, true, "element-wise with numpy broadcasting", [](const InferContext& c) { return broadcastAll(c); }, {fused});
    for (const char* op : {"Pow", "Max", "Min", "Sum", "Mean"})
        r.add(op, C::Elementwise, false, "element-wise with numpy broadcasting", [](const InferContext& c) { return broadcastAll(c); });
    r.add("Mod", C::Elementwise, false, "remainder with numpy broadcasting (fmod=0: the divisor's sign; 1: the dividend's)",
          [](const InferContext& c) { return broadcastAll(c); }, {ai("fmod", 0, "")});
    for (const char* op : {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor"})
        r.add(op, C::Elementwise, false, "comparison with numpy broadcasting", [](const InferContext& c) { return broadcastAll(c, DataType::Bool); });
    r.add("Where", C::Elementwise, false, "select by condition", [](const InferContext& c) {
        InferResult res = broadcastAll(c);
        res.types[0] = c.inputTypes.at(1);
        return res;
    });
    r.add("PRelu", C::Activation, false, "leaky relu with learned slope", [](const InferContext& c) {
        return InferResult{{broadcastShapes(c.inputShapes[0], c.inputShapes.at(1), c.node)}, {c.inputTypes[0]}};
    });

    for (const char* op : {"Relu", "Sigmoid", "Tanh", "HardSwish", "Softplus", "Mish", "Gelu"})
        r.add(op, C::Activation, false, "activation", same);
    r.add("Clip", C::Activation, false, "clamp to [min, max] (inputs from opset 11, attributes before)", same,
          {af("min", -3.4028235e38f, "lower bound (opset < 11)"), af("max", 3.4028235e38f, "upper bound (opset < 11)")});
    r.add("HardSigmoid", C::Activation, false, "max(0, min(1, alpha * x + beta))", same,
          {af("alpha", 0.2f, ""), af("beta", 0.5f, "")});
    r.add("LeakyRelu", C::Activation, false, "x < 0 ? alpha * x : x", same, {af("alpha", 0.01f, "")});
    r.add("Elu", C::Activation, false, "x < 0 ? alpha * (exp(x) - 1) : x", same, {af("alpha", 1.f, "")});
    for (const char* op : {"Exp", "Log", "Sqrt", "Neg", "Abs", "Reciprocal", "Erf", "Floor", "Ceil", "Round", "Not",
                           "Sin", "Cos", "Tan", "Sinh", "Cosh", "Asin", "Acos", "Atan", "Asinh", "Acosh", "Atanh", "Sign"})
        r.add(op, C::Elementwise, false, "element-wise unary", same);
    r.add("Softsign", C::Activation, false, "x / (1 + |x|)", same);
    r.add("ThresholdedRelu", C::Activation, false, "x > alpha ? x : 0", same, {af("alpha", 1.f, "")});
    r.add("Selu", C::Activation, false, "gamma * (x > 0 ? x : alpha * (exp(x) - 1))", same,
          {af("alpha", 1.67326319217681884765625f, ""), af("gamma", 1.05070102214813232421875f, "")});
    r.add("Shrink", C::Activation, false, "x < -lambd ? x + bias : x > lambd ? x - bias : 0", same, {af("bias", 0.f, ""), af("lambd", 0.5f, "")});
    r.add("Celu", C::Activation, false, "max(0, x) + min(0, alpha * (exp(x / alpha) - 1))", same, {af("alpha", 1.f, "")});
    r.add("IsNaN", C::Elementwise, false, "true where x is NaN", [](const InferContext& c) { return InferResult{{c.inputShapes[0]}, {DataType::Bool}}; });
    r.add("IsInf", C::Elementwise, false, "true where x is infinite (of the detected signs)",
          [](const InferContext& c) { return InferResult{{c.inputShapes[0]}, {DataType::Bool}}; },
          {ai("detect_negative", 1, ""), ai("detect_positive", 1, "")});
    for (const char* op : {"Identity", "Dropout"})
        r.add(op, C::Tensor, false, "passes its input through (at inference)", [](const InferContext& c) {
            InferResult res = same(c);
            for (size_t i = 1; i < c.node.outputs.size(); ++i) {
                res.shapes.push_back(c.inputShapes[0]);
                res.types.push_back(DataType::Bool);
            }
            return res;
        });
    r.add("Softmax", C::Activation, false, "softmax along axis", same,
          {ai("axis", -1, "axis (opset >= 13 semantics; older models are normalised on import)"), af("beta", 1.f, "TFLite beta")});
    r.add("LogSoftmax", C::Activation, false, "log of softmax along axis", same, {ai("axis", -1, "")});
    r.add("Hardmax", C::Activation, false, "1 at the first largest value along axis, 0 elsewhere", same, {ai("axis", -1, "")});
    r.add("LayerNormalization", C::Normalization, false, "normalisation over the dims from axis on, then Scale and B",
          [](const InferContext& c) {
              const Shape& x = c.inputShapes[0];
              int64_t axis = c.node.attrInt("axis", -1);
              if (axis < 0) axis += int64_t(x.size());
              Shape stat = x;
              for (size_t d = 0; d < stat.size(); ++d)
                  if (int64_t(d) >= axis) stat[d] = 1;
              return InferResult{{x, stat, stat}, {c.inputTypes[0], DataType::Float32, DataType::Float32}};
          },
          {ai("axis", -1, ""), af("epsilon", 1e-5f, ""), ai("stash_type", 1, "")});
    r.add("BatchNormalization", C::Normalization, false, "inference-mode batch normalisation", [](const InferContext& c) {
        InferResult res = same(c);
        res.shapes.resize(1);
        res.types.resize(1);
        return res;
    }, {af("epsilon", 1e-5f, "")});
    r.add("InstanceNormalization", C::Normalization, false, "instance normalisation", same, {af("epsilon", 1e-5f, "")});
    r.add("LRN", C::Normalization, false, "local response normalisation", same,
          {af("alpha", 1e-4f, ""), af("beta", 0.75f, ""), af("bias", 1.f, ""), ai("size", 1, "")});

    r.add("MaxPool", C::Pool, false, "max pooling", [](const InferContext& c) {
        InferResult res = inferPool(c);
        if (c.node.outputs.size() > 1) { res.shapes.push_back(res.shapes[0]); res.types.push_back(DataType::Int64); }
        return res;
    }, windowAttrs(false));
    r.add("AveragePool", C::Pool, true, "average pooling", inferPool, windowAttrs(false));
    r.add("GlobalAveragePool", C::Pool, true, "mean over the spatial axes", inferGlobalPool, {as("layout", "NCHW", "")});
    r.add("GlobalMaxPool", C::Pool, false, "max over the spatial axes", inferGlobalPool, {as("layout", "NCHW", "")});

    r.add("Reshape", C::Shape, false, "change the shape, keeping the data", inferReshape, {ai("allowzero", 0, "")});
    r.add("Flatten", C::Shape, false, "flatten to 2-D at axis", inferFlatten, {ai("axis", 1, "")});
    r.add("Squeeze", C::Shape, false, "remove size-1 axes", inferSqueeze);
    r.add("Unsqueeze", C::Shape, false, "insert size-1 axes", inferUnsqueeze);
    r.add("Transpose", C::Shape, false, "permute axes", inferTranspose, {aList("perm", "axis permutation (default: reverse)")});
    r.add("Concat", C::Tensor, true, "join along axis", inferConcat, {ai("axis", 0, ""), fused});
    r.add("Split", C::Tensor, false, "split along axis", inferSplit, {ai("axis", 0, "")});
    r.add("Slice", C::Tensor, false, "strided slice", inferSlice);
    r.add("Gather", C::Tensor, false, "take along axis", inferGather, {ai("axis", 0, "")});
    r.add("Pad", C::Tensor, false, "pad with constant, reflect or edge values", inferPad,
          {as("mode", "constant", "constant, reflect or edge"), af("value", 0.f, "pad value (opset < 11)")});
    r.add("Resize", C::Tensor, false, "resize with nearest, linear or cubic interpolation", inferResize,
          {as("mode", "nearest", ""), as("coordinate_transformation_mode", "half_pixel", ""),
           as("nearest_mode", "round_prefer_floor", ""), af("cubic_coeff_a", -0.75f, ""), ai("exclude_outside", 0, "")});
    r.add("DepthToSpace", C::Tensor, false, "rearrange depth into spatial blocks",
          [](const InferContext& c) { return inferDepthToSpace(c, true); },
          {ai("blocksize", 0, ""), as("mode", "DCR", "DCR or CRD"), as("layout", "NCHW", "")});
    r.add("SpaceToDepth", C::Tensor, false, "rearrange spatial blocks into depth",
          [](const InferContext& c) { return inferDepthToSpace(c, false); }, {ai("blocksize", 0, ""), as("layout", "NCHW", "")});
    r.add("Expand", C::Tensor, false, "broadcast to shape", inferExpand);
    r.add("Tile", C::Tensor, false, "repeat the tensor", inferTile);
    r.add("Shape", C::Shape, false, "the input's shape as int64 (dims [start, end))", [](const InferContext& c) {
        auto [start, end] = shapeRange(c.node, c.inputShapes[0].size());
        return InferResult{{Shape{end - start}}, {DataType::Int64}};
    }, {ai("start", 0, "first dim"), aList("end", "one past the last dim (default: rank)")});
    r.add("Size", C::Shape, false, "the input's element count as an int64 scalar", [](const InferContext&) {
        return InferResult{{Shape{}}, {DataType::Int64}};
    });
    r.add("Cast", C::Tensor, false, "convert element type", [](const InferContext& c) {
        return InferResult{{c.inputShapes[0]}, {dataTypeFromOnnx(int(c.node.attrInt("to", 1)))}};
    }, {ai("to", 1, "target type, ONNX numbering")});
    r.add("CastLike", C::Tensor, false, "convert to the element type of the second input", [](const InferContext& c) {
        return InferResult{{c.inputShapes[0]}, {c.inputTypes.at(1)}};
    });
    r.add("GatherElements", C::Tensor, false, "elements picked along axis by an index tensor of the data's rank",
          [](const InferContext& c) { return InferResult{{c.inputShapes.at(1)}, {c.inputTypes[0]}}; }, {ai("axis", 0, "")});
    r.add("Trilu", C::Tensor, false, "upper or lower triangle of the last two dims (k: the diagonal offset)", same, {ai("upper", 1, "")});
    r.add("CumSum", C::Tensor, false, "cumulative sum along an axis (input)", same, {ai("exclusive", 0, ""), ai("reverse", 0, "")});
    r.add("ConstantOfShape", C::Tensor, false, "tensor of the given shape filled with a value", [](const InferContext& c) {
        auto shape = intsFrom(c, 0, "");
        const Attribute* v = c.node.attr("value");
        DataType t = v && v->kind == AttrKind::Tensor ? v->t.type() : DataType::Float32;
        return InferResult{{shape ? *shape : Shape{-1}}, {t}};
    });
    r.add("Range", C::Tensor, false, "arithmetic sequence", [](const InferContext& c) {
        if (c.value(0) && c.value(1) && c.value(2)) {
            double s = c.value(0)->toFloat()[0], l = c.value(1)->toFloat()[0], d = c.value(2)->toFloat()[0];
            return InferResult{{Shape{std::max<int64_t>(int64_t(std::ceil((l - s) / d)), 0)}}, {c.inputTypes[0]}};
        }
        return InferResult{{Shape{-1}}, {c.inputTypes[0]}};
    });
    for (const char* op : {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceProd", "ReduceL2", "ReduceL1",
                           "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"})
        r.add(op, C::Reduce, false, "reduce over axes (attribute or input)", inferReduce,
              {ai("keepdims", 1, ""), aList("axes", "axes to reduce; all when empty"), ai("noop_with_empty_axes", 0, "")});
    for (const char* op : {"ArgMax", "ArgMin"})
        r.add(op, C::Reduce, false, "index of the extreme along axis", inferArgReduce, {ai("axis", 0, ""), ai("keepdims", 1, "")});

    r.add("QuantizeLinear", C::Quant, false, "y = saturate(round(x / scale) + zero_point)", [](const InferContext& c) {
        DataType t = c.hasInput(2) ? c.inputTypes[2] : DataType::UInt8;
        return InferResult{{c.inputShapes[0]}, {t}};
    }, {ai("axis", 1, "per-channel axis")});
    r.add("DequantizeLinear", C::Quant, false, "y = (x - zero_point) * scale", [](const InferContext& c) {
        return InferResult{{c.inputShapes[0]}, {DataType::Float32}};
    }, {ai("axis", 1, "per-channel axis")});
    r.add("DynamicQuantizeLinear", C::Quant, false, "uint8 quantization with scale and zero point from x's own range",
          [](const InferContext& c) {
              return InferResult{{c.inputShapes[0], {}, {}}, {DataType::UInt8, DataType::Float32, DataType::UInt8}};
          });
    r.add("DynamicFakeQuantize", C::Quant, false,
          "Quantscope-internal, from TFLite dynamic-range kernels: x rounded to the uint8 grid of its own range "
          "(widened to include 0), the whole tensor or each row of its last axis", same,
          {ai("per_row", 0, "1: each row of the last axis gets its own range (XNNPACK's matrix-product kernels)")});
    r.add("BitShift", C::Elementwise, false, "unsigned integer shift by a scalar or per-element amount",
          [](const InferContext& c) { return broadcastAll(c); }, {as("direction", "", "LEFT or RIGHT")});
    r.add("Dequantize", C::Quant, false, "TFLite DEQUANTIZE: float16 or quantized integers to float32", [](const InferContext& c) {
        return InferResult{{c.inputShapes[0]}, {DataType::Float32}};
    });
    r.add("Quantize", C::Quant, false, "TFLite QUANTIZE: float32 to quantized integers", [](const InferContext& c) {
        return InferResult{{c.inputShapes[0]}, {DataType::Int8}};
    });
    for (const char* op : {"NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss"})
        r.add(op, C::Other, false, "classification loss (reduction none: per element; sum or mean: a scalar)", [](const InferContext& c) {
            InferResult res{{c.node.attrString("reduction", "mean") == "none" ? c.inputShapes.at(1) : Shape{}}, {c.inputTypes[0]}};
            res.shapes.push_back(c.inputShapes[0]);  // SoftmaxCrossEntropyLoss's log_prob
            res.types.push_back(c.inputTypes[0]);
            return res;
        }, {as("reduction", "mean", "none, sum or mean"), aList("ignore_index", "target value that contributes nothing")});
    r.add("TopK", C::Tensor, false, "the k largest (or smallest) values along axis, and their indices", [](const InferContext& c) {
        Shape y = c.inputShapes[0];
        int64_t axis = normAxis(c.node.attrInt("axis", -1), y.size(), c.node);
        const Tensor* k = c.value(1);
        y[size_t(axis)] = k ? k->toInt64().at(0) : -1;
        if (k && (y[size_t(axis)] < 0 || y[size_t(axis)] > c.inputShapes[0][size_t(axis)]))
            kernelError(c.node, "k = " + std::to_string(y[size_t(axis)]) + " is outside [0, " + std::to_string(c.inputShapes[0][size_t(axis)]) + "]");
        return InferResult{{y, y}, {c.inputTypes[0], DataType::Int64}};
    }, {ai("axis", -1, ""), ai("largest", 1, ""), ai("sorted", 1, "")});
    r.add("GatherND", C::Tensor, false, "slices addressed by the last axis of indices", [](const InferContext& c) {
        const Shape& d = c.inputShapes[0];
        const Shape& i = c.inputShapes.at(1);
        const int64_t b = c.node.attrInt("batch_dims", 0);
        if (i.empty() || i.back() < 0 || b + i.back() > int64_t(d.size()))
            kernelError(c.node, "indices " + shapeToString(i) + " do not fit data " + shapeToString(d));
        Shape y(i.begin(), i.end() - 1);
        y.insert(y.end(), d.begin() + b + i.back(), d.end());
        return InferResult{{y}, {c.inputTypes[0]}};
    }, {ai("batch_dims", 0, "")});
    for (const char* op : {"ScatterND", "ScatterElements", "Scatter"})
        r.add(op, C::Tensor, false, "data with updates written at indices", same, {ai("axis", 0, ""), as("reduction", "none", "")});
    r.add("OneHot", C::Tensor, false, "one-hot encoding along a new axis of size depth", [](const InferContext& c) {
        Shape y = c.inputShapes[0];
        const Tensor* depth = c.value(1);
        int64_t axis = c.node.attrInt("axis", -1);
        if (axis < 0) axis += int64_t(y.size()) + 1;
        if (axis < 0 || axis > int64_t(y.size())) kernelError(c.node, "axis out of range");
        y.insert(y.begin() + axis, depth ? int64_t(depth->toFloat().at(0)) : -1);
        return InferResult{{y}, {c.inputTypes.at(2)}};
    }, {ai("axis", -1, "")});
    r.add("EyeLike", C::Tensor, false, "ones on diagonal k of a matrix shaped like the input", [](const InferContext& c) {
        return InferResult{{c.inputShapes[0]}, {c.node.hasAttr("dtype") ? dataTypeFromOnnx(int(c.node.attrInt("dtype", 1))) : c.inputTypes[0]}};
    }, {ai("k", 0, "")});
    r.add("Loop", C::Other, false, "runs body while the trip count and the condition allow (the runtime plans the body)",
          [](const InferContext& c) {
              InferResult r;
              for (size_t i = 0; i < c.node.outputs.size(); ++i) {
                  const bool carried = 2 + i < c.inputCount() - c.node.captures.size();
                  r.shapes.push_back(carried ? c.inputShapes[2 + i] : Shape{-1});
                  r.types.push_back(carried ? c.inputTypes[2 + i] : DataType::Undefined);
              }
              return r;
          },
          {aList("body", "graph run each iteration: (iteration, condition, carried...) -> (condition, carried..., scans...)")});
    r.add("Einsum", C::Gemm, false, "Einstein summation (labelled axes, ellipsis, implicit output)", inferEinsum,
          {as("equation", "", "e.g. bij,bjk->bik")});
    r.add("If", C::Other, false, "runs then_branch or else_branch by a boolean condition (the runtime plans the branch)",
          inferIf, {aList("then_branch", "graph run when the condition is true"), aList("else_branch", "graph run otherwise")});
    const std::vector<AttrSchema> rnnAttrs = {
        ai("hidden_size", 0, "size of the hidden state (0: from R's shape)"),
        as("direction", "forward", "forward, reverse or bidirectional"),
        ai("layout", 0, "0: X is [seq, batch, input]; 1: [batch, seq, input]"),
        aList("activations", "gate activations per direction (default: LSTM Sigmoid, Tanh, Tanh; GRU Sigmoid, Tanh; RNN Tanh)"),
        aList("activation_alpha", "alpha of the activations that take one, in order"),
        aList("activation_beta", "beta of the activations that take one, in order"),
        af("clip", 0.f, "bound applied to gate pre-activations (0: none)")};
    auto lstmAttrs = rnnAttrs;
    lstmAttrs.push_back(ai("input_forget", 0, "1: couple the input and forget gates"));
    auto gruAttrs = rnnAttrs;
    gruAttrs.push_back(ai("linear_before_reset", 0, "1: apply the reset gate after R's product"));
    r.add("LSTM", C::Gemm, false, "long short-term memory layer (ONNX gate order i, o, f, c)", [](const InferContext& c) { return inferRecurrent(c, 3); }, lstmAttrs);
    r.add("GRU", C::Gemm, false, "gated recurrent unit layer (ONNX gate order z, r, h)", [](const InferContext& c) { return inferRecurrent(c, 2); }, gruAttrs);
    r.add("RNN", C::Gemm, false, "simple recurrent layer", [](const InferContext& c) { return inferRecurrent(c, 2); }, rnnAttrs);
    return r;
}

const Registry& registry()
{
    static const Registry r = buildRegistry();
    return r;
}

}  // namespace

const OpSchema* findOpSchema(std::string_view opType)
{
    const Registry& r = registry();
    auto it = r.index.find(std::string(opType));
    return it == r.index.end() ? nullptr : &r.schemas[it->second];
}

std::vector<const OpSchema*> allOpSchemas()
{
    std::vector<const OpSchema*> out;
    for (const OpSchema& s : registry().schemas) out.push_back(&s);
    return out;
}

Shape broadcastShapes(const Shape& a, const Shape& b, const Node& node)
{
    size_t rank = std::max(a.size(), b.size());
    Shape out(rank);
    for (size_t i = 0; i < rank; ++i) {
        int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
        int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
        if (da == db || db == 1) out[i] = da;
        else if (da == 1) out[i] = db;
        else if (da < 0 || db < 0) out[i] = std::max(da, db) > 1 ? std::max(da, db) : -1;
        else kernelError(node, "shapes " + shapeToString(a) + " and " + shapeToString(b) + " do not broadcast");
    }
    return out;
}

std::vector<AxisGeometry> windowGeometry(const Node& node, const std::vector<int64_t>& spatialIn,
                                         const std::vector<int64_t>& kernel, bool ceilMode)
{
    size_t sp = spatialIn.size();
    auto strides = node.attrInts("strides", std::vector<int64_t>(sp, 1));
    auto dil = node.attrInts("dilations", std::vector<int64_t>(sp, 1));
    auto pads = node.attrInts("pads", std::vector<int64_t>(2 * sp, 0));
    if (strides.empty()) strides.assign(sp, 1);
    if (dil.empty()) dil.assign(sp, 1);
    if (pads.empty()) pads.assign(2 * sp, 0);
    if (strides.size() != sp || dil.size() != sp || pads.size() != 2 * sp || kernel.size() != sp)
        kernelError(node, "strides/dilations/pads/kernel_shape do not match the " + std::to_string(sp) + " spatial axes");
    std::string autoPad = node.attrString("auto_pad", "NOTSET");
    std::vector<AxisGeometry> g(sp);
    for (size_t i = 0; i < sp; ++i) {
        AxisGeometry& a = g[i];
        a.in = spatialIn[i];
        a.kernel = kernel[i];
        a.stride = strides[i];
        a.dilation = dil[i];
        if (a.stride <= 0 || a.dilation <= 0 || a.kernel <= 0) kernelError(node, "strides, dilations and kernel must be positive");
        int64_t dk = (a.kernel - 1) * a.dilation + 1;
        if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
            a.out = (a.in + a.stride - 1) / a.stride;
            int64_t total = std::max<int64_t>((a.out - 1) * a.stride + dk - a.in, 0);
            a.padBegin = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
            a.padEnd = total - a.padBegin;
        } else if (autoPad == "VALID") {
            a.out = a.in >= dk ? (a.in - dk) / a.stride + 1 : 0;
        } else {
            a.padBegin = pads[i];
            a.padEnd = pads[sp + i];
            int64_t span = a.in + a.padBegin + a.padEnd - dk;
            if (span < 0) kernelError(node, "window of size " + std::to_string(dk) + " is larger than the padded input " + std::to_string(a.in + a.padBegin + a.padEnd));
            a.out = (ceilMode ? (span + a.stride - 1) / a.stride : span / a.stride) + 1;
            // ONNX: with ceil_mode, a last window starting in the end padding is dropped.
            if (ceilMode && (a.out - 1) * a.stride >= a.in + a.padBegin) --a.out;
        }
    }
    return g;
}

EinsumSpec parseEinsum(const Node& node, const std::vector<Shape>& shapes)
{
    std::string eq;
    for (char c : node.attrString("equation")) if (c != ' ') eq += c;
    const size_t arrow = eq.find("->");
    const std::string lhs = eq.substr(0, arrow);
    std::vector<std::string> terms(1);
    for (char c : lhs)
        if (c == ',') terms.emplace_back();
        else terms.back() += c;
    if (terms.size() != shapes.size())
        kernelError(node, "the equation '" + eq + "' names " + std::to_string(terms.size()) + " inputs, the node has " + std::to_string(shapes.size()));
    // label ids: letters 0..51; ellipsis dims 52.. counted from the right (broadcast like numpy)
    EinsumSpec e;
    e.sizes.assign(52, -1);
    size_t ellipsis = 0;
    auto letter = [&](char c) -> int {
        if (c >= 'a' && c <= 'z') return c - 'a';
        if (c >= 'A' && c <= 'Z') return 26 + c - 'A';
        kernelError(node, std::string("the equation has an invalid character '") + c + "'");
    };
    auto labels = [&](const std::string& term, int64_t rank) {
        std::vector<int> out;
        const size_t dots = term.find("...");
        const int64_t letters = int64_t(term.size()) - (dots == std::string::npos ? 0 : 3);
        const int64_t extra = dots == std::string::npos ? 0 : rank - letters;
        if (rank >= 0 && (extra < 0 || (dots == std::string::npos && letters != rank)))
            kernelError(node, "term '" + term + "' does not fit an input of rank " + std::to_string(rank));
        for (size_t i = 0; i < term.size(); ++i) {
            if (i == dots) {
                ellipsis = std::max(ellipsis, size_t(extra));
                for (int64_t k = extra; k > 0; --k) out.push_back(52 + int(k) - 1);
                i += 2;
                continue;
            }
            out.push_back(letter(term[i]));
        }
        return out;
    };
    for (size_t t = 0; t < terms.size(); ++t) e.inputs.push_back(labels(terms[t], int64_t(shapes[t].size())));
    e.sizes.resize(52 + ellipsis, -1);
    for (size_t t = 0; t < terms.size(); ++t)
        for (size_t d = 0; d < e.inputs[t].size(); ++d) {
            int64_t& size = e.sizes[size_t(e.inputs[t][d])];
            const int64_t dim = shapes[t][d];
            const bool broadcast = e.inputs[t][d] >= 52;  // ellipsis dims broadcast; letters must agree
            if (size < 0 || (size == 1 && broadcast)) size = dim;
            else if (dim != size && !(dim == 1 && broadcast))
                kernelError(node, "label '" + std::string(1, e.inputs[t][d] < 26 ? char('a' + e.inputs[t][d]) : e.inputs[t][d] < 52 ? char('A' + e.inputs[t][d] - 26) : '.') +
                                      "' has sizes " + std::to_string(size) + " and " + std::to_string(dim));
        }
    if (arrow != std::string::npos) {
        const std::string rhs = eq.substr(arrow + 2);
        for (size_t i = 0; i < rhs.size(); ++i) {
            if (rhs.compare(i, 3, "...") == 0) {  // every broadcast dim, outermost first
                for (size_t k = ellipsis; k > 0; --k) e.output.push_back(52 + int(k) - 1);
                i += 2;
                continue;
            }
            e.output.push_back(letter(rhs[i]));
        }
    } else {  // implicit: the ellipsis dims, then the letters used once, alphabetically
        for (size_t k = ellipsis; k > 0; --k) e.output.push_back(52 + int(k) - 1);
        std::vector<int> count(52, 0);
        for (const auto& in : e.inputs)
            for (int l : in) if (l < 52) ++count[size_t(l)];
        for (int l = 0; l < 52; ++l) if (count[size_t(l)] == 1) e.output.push_back(l);
    }
    for (int l : e.output)
        if (e.sizes[size_t(l)] < 0) kernelError(node, "an output label does not appear in any input");
    return e;
}

InferResult inferNode(const InferContext& ctx)
{
    const OpSchema* schema = findOpSchema(ctx.node.opType);
    if (!schema) kernelError(ctx.node, "unsupported operator; no shape inference available");
    if (ctx.inputShapes.empty() && ctx.node.opType != "ConstantOfShape" && ctx.node.opType != "Range")
        kernelError(ctx.node, "the node has no inputs");
    InferResult r = schema->inferShapes(ctx);
    if (r.shapes.size() < ctx.node.outputs.size()) {
        // Optional extra outputs (e.g. BatchNormalization training outputs) are not produced.
        r.shapes.resize(ctx.node.outputs.size());
        r.types.resize(ctx.node.outputs.size(), DataType::Undefined);
    }
    return r;
}

void inferGraphShapes(Graph& graph)
{
    for (Node& node : graph.nodes) {
        if (!findOpSchema(node.opType)) continue;
        InferContext ctx{node, {}, {}, {}};
        bool ok = true;
        for (int in : node.inputs) {
            if (in < 0) {
                ctx.inputShapes.emplace_back();
                ctx.inputTypes.push_back(DataType::Undefined);
                ctx.inputValues.push_back(nullptr);
                continue;
            }
            const Value& v = graph.values[in];
            if (v.shape.empty() && !v.constant && v.producer >= 0 && v.type == DataType::Undefined) ok = false;
            ctx.inputShapes.push_back(v.shape);
            ctx.inputTypes.push_back(v.type);
            ctx.inputValues.push_back(v.constant ? &*v.constant : nullptr);
        }
        if (!ok) continue;
        InferResult r;
        try {
            r = inferNode(ctx);
        } catch (const std::exception&) {
            // Leave the shapes unknown: at load time a dim or a rank may still be open (an empty shape is both
            // "scalar" and "not known yet" here). The runtime re-infers with concrete shapes and reports errors.
            continue;
        }
        for (size_t i = 0; i < node.outputs.size(); ++i) {
            Value& out = graph.values[node.outputs[i]];
            if (i < r.shapes.size() && (out.shape.empty() || !isStatic(out.shape))) out.shape = r.shapes[i];
            if (i < r.types.size() && r.types[i] != DataType::Undefined) out.type = r.types[i];
        }
    }
}

}  // namespace qs
