#include "formats/tflite/tflitereader.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <set>

#include "graph/error.h"
#include "util/memorybudget.h"
#include "tflite_schema_generated.h"

namespace qs {

int tfliteFromDataType(DataType type)
{
    switch (type) {
    case DataType::Float32: return int(tfl::TensorType::FLOAT32);
    case DataType::Float16: return int(tfl::TensorType::FLOAT16);
    case DataType::Int32: return int(tfl::TensorType::INT32);
    case DataType::UInt8: return int(tfl::TensorType::UINT8);
    case DataType::Int64: return int(tfl::TensorType::INT64);
    case DataType::Bool: return int(tfl::TensorType::BOOL);
    case DataType::Int16: return int(tfl::TensorType::INT16);
    case DataType::Int8: return int(tfl::TensorType::INT8);
    case DataType::Float64: return int(tfl::TensorType::FLOAT64);
    case DataType::UInt64: return int(tfl::TensorType::UINT64);
    case DataType::UInt32: return int(tfl::TensorType::UINT32);
    case DataType::UInt16: return int(tfl::TensorType::UINT16);
    case DataType::Int4: return int(tfl::TensorType::INT4);
    default: return -1;
    }
}

DataType dataTypeFromTflite(int code)
{
    for (int t = int(DataType::Float32); t <= int(DataType::UInt4); ++t)
        if (tfliteFromDataType(DataType(t)) == code) return DataType(t);
    return DataType::Undefined;
}

namespace {

std::string activationName(tfl::ActivationFunctionType a)
{
    switch (a) {
    case tfl::ActivationFunctionType::NONE: return "";
    case tfl::ActivationFunctionType::RELU: return "RELU";
    case tfl::ActivationFunctionType::RELU_N1_TO_1: return "RELU_N1_TO_1";
    case tfl::ActivationFunctionType::RELU6: return "RELU6";
    case tfl::ActivationFunctionType::TANH: return "TANH";
    default: return "SIGN_BIT";
    }
}

struct Reader {
    const std::string& bytes;
    std::string path;
    LoadResult result;
    Graph& g = result.graph;
    const tfl::Model* model = nullptr;
    const tfl::SubGraph* sub = nullptr;
    std::vector<int> tensorValue;  // TFLite tensor index -> IR value id

    [[noreturn]] void fail(const std::string& msg) { throw InputError(path + ": " + msg); }

    Tensor bufferTensor(const tfl::Tensor* t, const tfl::Buffer* buf, DataType type, const Shape& shape)
    {
        const uint8_t* data = nullptr;
        size_t size = 0;
        if (buf->data() && buf->data()->size()) {
            data = buf->data()->data();
            size = buf->data()->size();
        } else if (buf->offset() > 1) {  // large models keep buffers after the flatbuffer
            if (buf->offset() + buf->size() > bytes.size())
                fail("tensor '" + t->name()->str() + "': buffer range lies beyond the end of the file (truncated?)");
            data = reinterpret_cast<const uint8_t*>(bytes.data()) + buf->offset();
            size = buf->size();
        }
        // the declared shape must match the bytes the file holds before anything is allocated
        long double count = 1;
        for (int64_t d : shape) count *= (long double)d;
        const bool packed = type == DataType::Int4;  // two weights a byte, low nibble first
        long double expect = packed ? std::floor((count + 1) / 2) : count * (long double)elementSize(type);
        if ((long double)size != expect)
            fail("tensor '" + (t->name() ? t->name()->str() : std::string("?")) + "' has " + std::to_string(size) +
                 " bytes of data, expected " + std::to_string((unsigned long long)std::min<long double>(expect, 1e19L)) + " for " +
                 std::string(dataTypeName(type)) + shapeToString(shape));
        Tensor out(type, shape);
        if (packed) unpackInt4(data, out);
        else std::memcpy(out.raw(), data, size);
        return out;
    }

    // A sparse constant (its shape is the dense one) written out dense: TFLite's traversal of the dimensions in
    // traversal_order, dense ones by their size, SPARSE_CSR ones by their segments and indices, block dimensions
    // (after the first rank entries) folded back into the dimension block_map names.
    Tensor densify(const std::string& name, const tfl::SparsityParameters* sp, const tfl::Buffer* buf, DataType type, const Shape& shape)
    {
        auto bad = [&](const std::string& why) { fail("sparse tensor '" + name + "': " + why); };
        if (type == DataType::Int4) bad("packed int4 values cannot be sparse");
        const size_t rank = shape.size(), es = elementSize(type);
        if (!sp->traversal_order() || !sp->dim_metadata() || sp->traversal_order()->size() != sp->dim_metadata()->size() ||
            sp->traversal_order()->size() < rank)
            bad("traversal_order and dim_metadata must have one entry per dimension");
        const size_t levels = sp->traversal_order()->size();
        if (rank == 0 || rank > 8 || levels > 2 * rank) bad("a sparse tensor has 1 to 8 dimensions and at most one block dimension each");
        long double count = 1;  // in long double: a hostile shape must not overflow before the budget refuses it
        for (int64_t d : shape) count *= (long double)d;
        checkMemoryBudget(count * (long double)es, "sparse tensor '" + name + "' " + shapeToString(shape));
        std::vector<int> order(sp->traversal_order()->begin(), sp->traversal_order()->end());
        std::vector<int> blockMap = sp->block_map() ? std::vector<int>(sp->block_map()->begin(), sp->block_map()->end()) : std::vector<int>{};
        if (blockMap.size() != levels - rank) bad("block_map must name the dimension of every block dimension");
        auto indexVector = [&](tfl::SparseIndexVector kind, const void* v) {
            std::vector<int64_t> out;
            if (kind == tfl::SparseIndexVector::Int32Vector && static_cast<const tfl::Int32Vector*>(v)->values())
                for (int x : *static_cast<const tfl::Int32Vector*>(v)->values()) out.push_back(x);
            else if (kind == tfl::SparseIndexVector::Uint16Vector && static_cast<const tfl::Uint16Vector*>(v)->values())
                for (uint16_t x : *static_cast<const tfl::Uint16Vector*>(v)->values()) out.push_back(x);
            else if (kind == tfl::SparseIndexVector::Uint8Vector && static_cast<const tfl::Uint8Vector*>(v)->values())
                for (uint8_t x : *static_cast<const tfl::Uint8Vector*>(v)->values()) out.push_back(x);
            return out;
        };
        std::vector<int64_t> denseSize(levels, 0), blockSize(levels - rank, 1);
        std::vector<char> sparse(levels, 0);
        std::vector<std::vector<int64_t>> segments(levels), indices(levels);
        for (size_t l = 0; l < levels; ++l) {
            const tfl::DimensionMetadata* d = sp->dim_metadata()->Get(flatbuffers::uoffset_t(l));
            if (order[l] < 0 || size_t(order[l]) >= levels) bad("traversal_order names a dimension that does not exist");
            sparse[l] = d->format() == tfl::DimensionType::SPARSE_CSR;
            denseSize[l] = d->dense_size();
            if (sparse[l]) {
                segments[l] = indexVector(d->array_segments_type(), d->array_segments());
                indices[l] = indexVector(d->array_indices_type(), d->array_indices());
                if (segments[l].empty()) bad("a SPARSE_CSR dimension has no segments");
            } else if (denseSize[l] <= 0) {
                bad("a dense dimension has no size");
            }
            if (size_t(order[l]) >= rank) blockSize[size_t(order[l]) - rank] = denseSize[l];
        }
        for (int m : blockMap)
            if (m < 0 || size_t(m) >= rank) bad("block_map names a dimension that does not exist");
        long double denseProduct = 1;  // each dense level walks a real dimension (or block of one): never more than count
        for (size_t l = 0; l < levels; ++l)
            if (!sparse[l]) denseProduct *= (long double)denseSize[l];
        if (denseProduct > count) bad("its dense dimensions hold more elements than its shape " + shapeToString(shape));
        const uint8_t* src = buf->data() ? buf->data()->data() : nullptr;
        const size_t values = buf->data() ? buf->data()->size() / es : 0;
        Tensor out(type, shape);  // zero-filled
        auto* dst = static_cast<uint8_t*>(out.raw());
        std::vector<int64_t> at(levels, 0);
        size_t next = 0;
        std::function<void(size_t, int64_t)> visit = [&](size_t level, int64_t prev) {
            if (level == levels) {
                std::vector<int64_t> idx(rank, 0);
                for (size_t l = 0; l < rank; ++l) idx[size_t(order[l])] = at[l];
                for (size_t l = rank; l < levels; ++l) {
                    size_t b = size_t(order[l]) - rank;
                    idx[size_t(blockMap[b])] = idx[size_t(blockMap[b])] * blockSize[b] + at[l];
                }
                int64_t flat = 0;
                for (size_t d = 0; d < rank; ++d) {
                    if (idx[d] < 0 || idx[d] >= shape[d]) bad("an index lies outside the dense shape " + shapeToString(shape));
                    flat = flat * shape[d] + idx[d];
                }
                if (next >= values) bad("the buffer holds fewer values than the indices address");
                std::memcpy(dst + size_t(flat) * es, src + next * es, es);
                ++next;
                return;
            }
            if (!sparse[level]) {
                for (int64_t i = 0; i < denseSize[level]; ++i) {
                    at[level] = i;
                    visit(level + 1, prev * denseSize[level] + i);
                }
                return;
            }
            const auto& seg = segments[level];
            if (prev < 0 || size_t(prev) + 1 >= seg.size()) bad("segments do not cover the dimension before a sparse one");
            for (int64_t i = seg[size_t(prev)]; i < seg[size_t(prev) + 1]; ++i) {
                if (i < 0 || size_t(i) >= indices[level].size()) bad("a segment points past the indices");
                at[level] = indices[level][size_t(i)];
                visit(level + 1, i);
            }
        };
        visit(0, 0);
        if (next != values) bad("the buffer holds " + std::to_string(values) + " values, the indices address " + std::to_string(next));
        return out;
    }

    bool hasData(const tfl::Buffer* buf) const
    {
        return buf && ((buf->data() && buf->data()->size()) || buf->offset() > 1);
    }

    void readTensors()
    {
        auto* tensors = sub->tensors();
        auto* buffers = model->buffers();
        std::set<std::string> names;
        for (flatbuffers::uoffset_t i = 0; tensors && i < tensors->size(); ++i) {
            const tfl::Tensor* t = tensors->Get(i);
            Value v;
            v.name = t->name() && t->name()->size() ? t->name()->str() : "tensor_" + std::to_string(i);
            while (names.count(v.name)) v.name += "_" + std::to_string(i);
            names.insert(v.name);
            v.type = dataTypeFromTflite(int(t->type()));
            if (v.type == DataType::Undefined)
                fail("tensor '" + v.name + "' has unsupported type " + std::string(tfl::EnumNameTensorType(t->type())));
            if (t->shape()) v.shape.assign(t->shape()->begin(), t->shape()->end());
            if (t->shape_signature() && t->shape_signature()->size() == v.shape.size())
                for (size_t d = 0; d < v.shape.size(); ++d)
                    if (t->shape_signature()->Get(flatbuffers::uoffset_t(d)) < 0) v.shape[d] = -1;
            for (int64_t d : v.shape)
                if (d < -1) fail("tensor '" + v.name + "' has a negative dimension");
            if (auto* q = t->quantization()) {
                if (q->scale()) v.quant.scale.assign(q->scale()->begin(), q->scale()->end());
                if (q->zero_point())
                    for (int64_t z : *q->zero_point()) v.quant.zeroPoint.push_back(int32_t(z));
                if (q->min() && q->min()->size()) v.quant.min = q->min()->Get(0);
                if (q->max() && q->max()->size()) v.quant.max = q->max()->Get(0);
                v.quant.axis = v.quant.scale.size() > 1 ? q->quantized_dimension() : -1;
            }
            uint32_t b = t->buffer();
            if (buffers && b >= buffers->size()) fail("tensor '" + v.name + "' refers to buffer " + std::to_string(b) + ", which does not exist");
            if (buffers && b > 0 && hasData(buffers->Get(b))) {
                if (!isStatic(v.shape)) fail("constant tensor '" + v.name + "' has a dynamic shape");
                v.constant = t->sparsity() ? densify(v.name, t->sparsity(), buffers->Get(b), v.type, v.shape)
                                           : bufferTensor(t, buffers->Get(b), v.type, v.shape);
            }
            tensorValue.push_back(g.addValue(std::move(v)));
        }
    }

    int tensorId(int index, const std::string& what)
    {
        if (index < 0) return -1;
        if (size_t(index) >= tensorValue.size()) fail(what + " refers to tensor " + std::to_string(index) + ", which does not exist");
        return tensorValue[size_t(index)];
    }

    int constInts(const Node& n, const std::string& suffix, const std::vector<int64_t>& values)
    {
        return g.addConstant(g.uniqueValueName(n.name + "_" + suffix), Tensor::fromInt64(values, {int64_t(values.size())}));
    }

    int constFloat(const Node& n, const std::string& suffix, float v)
    {
        return g.addConstant(g.uniqueValueName(n.name + "_" + suffix), Tensor::scalarFloat(v));
    }

    const Tensor& requireConst(const Node& n, size_t input, const std::string& what)
    {
        if (input >= n.inputs.size() || n.inputs[input] < 0 || !g.values[n.inputs[input]].constant)
            fail("node '" + n.name + "' (" + n.sourceOpType + "): " + what + " must be a constant tensor");
        return *g.values[n.inputs[input]].constant;
    }

    // the value of input k of n, which must be present
    const Value& inputValue(const Node& n, size_t k, const std::string& what)
    {
        if (k >= n.inputs.size() || n.inputs[k] < 0) fail(what + ": input " + std::to_string(k) + " is missing");
        return g.values[size_t(n.inputs[k])];
    }

    static void setWindow(Node& n, tfl::Padding padding, int sh, int sw, int dh, int dw)
    {
        n.attrs["layout"] = Attribute::ofString("NHWC");
        n.attrs["auto_pad"] = Attribute::ofString(padding == tfl::Padding::SAME ? "SAME_UPPER" : "VALID");
        n.attrs["strides"] = Attribute::ofInts({sh, sw});
        n.attrs["dilations"] = Attribute::ofInts({dh, dw});
    }

    static void transposedConvolution(Node& n, tfl::Padding padding, int sh, int sw)
    {
        n.opType = "ConvTranspose";
        n.attrs["weight_layout"] = Attribute::ofString("OHWI");
        setWindow(n, padding, sh, sw, 1, 1);
    }

    static void setActivation(Node& n, tfl::ActivationFunctionType a)
    {
        std::string name = activationName(a);
        if (!name.empty()) n.attrs["fused_activation"] = Attribute::ofString(name);
    }

    void mapOperator(Node& n, tfl::BuiltinOperator code, const tfl::Operator* op)
    {
        using B = tfl::BuiltinOperator;
        std::string what = "node '" + n.name + "' (" + n.sourceOpType + ")";
        auto elementwise = [&](const char* ir, tfl::ActivationFunctionType act) {
            n.opType = ir;
            setActivation(n, act);
        };
        switch (code) {
        case B::CONV_2D: {
            auto* o = op->builtin_options_as_Conv2DOptions();
            if (!o) fail(what + ": missing Conv2DOptions");
            n.opType = "Conv";
            n.attrs["weight_layout"] = Attribute::ofString("OHWI");
            setWindow(n, o->padding(), o->stride_h(), o->stride_w(), o->dilation_h_factor(), o->dilation_w_factor());
            setActivation(n, o->fused_activation_function());
            const Value& x = inputValue(n, 0, what);
            const Value& w = inputValue(n, 1, what);
            if (x.shape.size() == 4 && w.shape.size() == 4 && x.shape[3] > 0 && w.shape[3] > 0 && x.shape[3] != w.shape[3])
                n.attrs["group"] = Attribute::ofInt(x.shape[3] / w.shape[3]);
            break;
        }
        case B::DEPTHWISE_CONV_2D: {
            auto* o = op->builtin_options_as_DepthwiseConv2DOptions();
            if (!o) fail(what + ": missing DepthwiseConv2DOptions");
            n.opType = "Conv";
            n.attrs["weight_layout"] = Attribute::ofString("1HWO");
            setWindow(n, o->padding(), o->stride_h(), o->stride_w(), o->dilation_h_factor(), o->dilation_w_factor());
            setActivation(n, o->fused_activation_function());
            const Value& x = inputValue(n, 0, what);
            if (x.shape.size() != 4 || x.shape[3] <= 0) fail(what + ": input channels must be known");
            n.attrs["group"] = Attribute::ofInt(x.shape[3]);
            break;
        }
        case B::FULLY_CONNECTED: {
            auto* o = op->builtin_options_as_FullyConnectedOptions();
            n.opType = "FullyConnected";
            if (o) {
                setActivation(n, o->fused_activation_function());
                if (o->keep_num_dims()) n.attrs["keep_num_dims"] = Attribute::ofInt(1);
                if (o->weights_format() != 0) fail(what + ": shuffled weight formats are not supported");
            }
            break;
        }
        case B::AVERAGE_POOL_2D:
        case B::MAX_POOL_2D: {
            auto* o = op->builtin_options_as_Pool2DOptions();
            if (!o) fail(what + ": missing Pool2DOptions");
            n.opType = code == B::MAX_POOL_2D ? "MaxPool" : "AveragePool";
            setWindow(n, o->padding(), o->stride_h(), o->stride_w(), 1, 1);
            n.attrs.erase("dilations");
            n.attrs["kernel_shape"] = Attribute::ofInts({o->filter_height(), o->filter_width()});
            setActivation(n, o->fused_activation_function());
            break;
        }
        case B::ADD: {
            auto* o = op->builtin_options_as_AddOptions();
            elementwise("Add", o ? o->fused_activation_function() : tfl::ActivationFunctionType::NONE);
            break;
        }
        case B::SUB: {
            auto* o = op->builtin_options_as_SubOptions();
            elementwise("Sub", o ? o->fused_activation_function() : tfl::ActivationFunctionType::NONE);
            break;
        }
        case B::MUL: {
            auto* o = op->builtin_options_as_MulOptions();
            elementwise("Mul", o ? o->fused_activation_function() : tfl::ActivationFunctionType::NONE);
            break;
        }
        case B::DIV: {
            auto* o = op->builtin_options_as_DivOptions();
            elementwise("Div", o ? o->fused_activation_function() : tfl::ActivationFunctionType::NONE);
            break;
        }
        case B::MAXIMUM: n.opType = "Max"; break;
        case B::MINIMUM: n.opType = "Min"; break;
        case B::POW: n.opType = "Pow"; break;
        case B::CONCATENATION: {
            auto* o = op->builtin_options_as_ConcatenationOptions();
            if (!o) fail(what + ": missing ConcatenationOptions");
            n.opType = "Concat";
            n.attrs["axis"] = Attribute::ofInt(o->axis());
            setActivation(n, o->fused_activation_function());
            break;
        }
        case B::RESHAPE: {
            n.opType = "Reshape";
            if (n.inputs.size() < 2 || n.inputs[1] < 0) {
                auto* o = op->builtin_options_as_ReshapeOptions();
                if (!o || !o->new_shape()) fail(what + ": no target shape given");
                std::vector<int64_t> s(o->new_shape()->begin(), o->new_shape()->end());
                n.inputs.resize(2);
                n.inputs[1] = constInts(n, "shape", s);
            }
            break;
        }
        case B::SOFTMAX: {
            auto* o = op->builtin_options_as_SoftmaxOptions();
            n.opType = "Softmax";
            n.attrs["axis"] = Attribute::ofInt(-1);
            if (o && o->beta() != 1.f) n.attrs["beta"] = Attribute::ofFloat(o->beta());
            break;
        }
        case B::LOGISTIC: n.opType = "Sigmoid"; break;
        case B::TANH: n.opType = "Tanh"; break;
        case B::RELU: n.opType = "Relu"; break;
        case B::RELU6:
        case B::RELU_N1_TO_1: {
            bool six = code == B::RELU6;
            n.opType = "Clip";
            n.inputs.push_back(constFloat(n, "min", six ? 0.f : -1.f));
            n.inputs.push_back(constFloat(n, "max", six ? 6.f : 1.f));
            break;
        }
        case B::LEAKY_RELU: {
            auto* o = op->builtin_options_as_LeakyReluOptions();
            n.opType = "LeakyRelu";
            n.attrs["alpha"] = Attribute::ofFloat(o ? o->alpha() : 0.2f);
            break;
        }
        case B::HARD_SWISH: n.opType = "HardSwish"; break;
        case B::PRELU: n.opType = "PRelu"; break;
        case B::EXP: n.opType = "Exp"; break;
        case B::LOG: n.opType = "Log"; break;
        case B::SQRT: n.opType = "Sqrt"; break;
        case B::ABS: n.opType = "Abs"; break;
        case B::NEG: n.opType = "Neg"; break;
        case B::GELU: n.opType = "Gelu"; break;
        case B::PAD:
        case B::PADV2: {
            n.opType = "Pad";
            const Tensor& p = requireConst(n, 1, "paddings");
            auto v = p.toInt64();
            size_t rank = v.size() / 2;
            std::vector<int64_t> pads(2 * rank);
            for (size_t i = 0; i < rank; ++i) {
                pads[i] = v[2 * i];
                pads[rank + i] = v[2 * i + 1];
            }
            n.inputs[1] = constInts(n, "pads", pads);
            break;
        }
        case B::MEAN:
        case B::SUM:
        case B::REDUCE_MAX: {
            auto* o = op->builtin_options_as_ReducerOptions();
            n.opType = code == B::MEAN ? "ReduceMean" : code == B::SUM ? "ReduceSum" : "ReduceMax";
            n.attrs["keepdims"] = Attribute::ofInt(o && o->keep_dims() ? 1 : 0);
            break;
        }
        case B::SQUEEZE: {
            auto* o = op->builtin_options_as_SqueezeOptions();
            n.opType = "Squeeze";
            if (o && o->squeeze_dims() && o->squeeze_dims()->size())
                n.inputs.push_back(constInts(n, "axes", {o->squeeze_dims()->begin(), o->squeeze_dims()->end()}));
            break;
        }
        case B::EXPAND_DIMS: {
            n.opType = "Unsqueeze";
            break;
        }
        case B::TRANSPOSE: {
            n.opType = "Transpose";
            n.attrs["perm"] = Attribute::ofInts(requireConst(n, 1, "perm").toInt64());
            n.inputs.resize(1);
            break;
        }
        case B::DEQUANTIZE: n.opType = "Dequantize"; break;
        case B::QUANTIZE: n.opType = "Quantize"; break;
        case B::RESIZE_BILINEAR:
        case B::RESIZE_NEAREST_NEIGHBOR: {
            bool bilinear = code == B::RESIZE_BILINEAR;
            bool align = false, halfPixel = false;
            if (auto* o = op->builtin_options_as_ResizeBilinearOptions()) { align = o->align_corners(); halfPixel = o->half_pixel_centers(); }
            if (auto* o = op->builtin_options_as_ResizeNearestNeighborOptions()) { align = o->align_corners(); halfPixel = o->half_pixel_centers(); }
            n.opType = "Resize";
            n.attrs["mode"] = Attribute::ofString(bilinear ? "linear" : "nearest");
            n.attrs["coordinate_transformation_mode"] = Attribute::ofString(
                align ? "align_corners" : halfPixel ? (bilinear ? "half_pixel" : "tf_half_pixel_for_nn") : "asymmetric");
            n.attrs["nearest_mode"] = Attribute::ofString(align ? "round_prefer_ceil" : "floor");
            auto size = requireConst(n, 1, "size").toInt64();
            const Shape& x = inputValue(n, 0, what).shape;
            if (x.size() != 4 || size.size() != 2) fail(what + ": expects a 4-D input and a 2-value size");
            n.inputs = {n.inputs[0], -1, -1, constInts(n, "sizes", {x[0], size[0], size[1], x[3]})};
            break;
        }
        case B::DEPTH_TO_SPACE:
        case B::SPACE_TO_DEPTH: {
            bool d2s = code == B::DEPTH_TO_SPACE;
            int block = d2s ? (op->builtin_options_as_DepthToSpaceOptions() ? op->builtin_options_as_DepthToSpaceOptions()->block_size() : 0)
                            : (op->builtin_options_as_SpaceToDepthOptions() ? op->builtin_options_as_SpaceToDepthOptions()->block_size() : 0);
            n.opType = d2s ? "DepthToSpace" : "SpaceToDepth";
            n.attrs["blocksize"] = Attribute::ofInt(block);
            n.attrs["layout"] = Attribute::ofString("NHWC");
            break;
        }
        case B::GATHER: {
            auto* o = op->builtin_options_as_GatherOptions();
            n.opType = "Gather";
            n.attrs["axis"] = Attribute::ofInt(o ? o->axis() : 0);
            break;
        }
        case B::SPLIT: {
            n.opType = "Split";
            auto axis = requireConst(n, 0, "axis").toInt64();
            if (axis.size() != 1) fail(what + ": axis must hold one value");
            n.attrs["axis"] = Attribute::ofInt(axis[0]);
            inputValue(n, 1, what);
            n.inputs = {n.inputs[1]};
            break;
        }
        case B::STRIDED_SLICE: {
            auto* o = op->builtin_options_as_StridedSliceOptions();
            if (o && (o->ellipsis_mask() || o->new_axis_mask()))
                fail(what + ": ellipsis and new-axis masks are not supported");
            auto begin = requireConst(n, 1, "begin").toInt64();
            auto end = requireConst(n, 2, "end").toInt64();
            auto strides = requireConst(n, 3, "strides").toInt64();
            if (begin.size() != end.size() || begin.size() != strides.size() || begin.size() > 8)
                fail(what + ": begin, end and strides must have one value per axis (at most 8)");
            inputValue(n, 0, what);
            int bm = o ? o->begin_mask() : 0, em = o ? o->end_mask() : 0, sm = o ? o->shrink_axis_mask() : 0;
            std::vector<int64_t> axes;
            for (size_t i = 0; i < begin.size(); ++i) {
                axes.push_back(int64_t(i));
                if (bm & (1 << i)) begin[i] = strides[i] > 0 ? 0 : INT64_MAX;
                if (em & (1 << i)) end[i] = strides[i] > 0 ? INT64_MAX : INT64_MIN;
                if (sm & (1 << i)) { end[i] = begin[i] + 1; strides[i] = 1; if (end[i] == 0) end[i] = INT64_MAX; }
            }
            if (sm) fail(what + ": shrink_axis_mask is not supported yet");
            n.opType = "Slice";
            n.inputs = {n.inputs[0], constInts(n, "starts", begin), constInts(n, "ends", end), constInts(n, "axes", axes),
                        constInts(n, "steps", strides)};
            break;
        }
        case B::CAST: n.opType = "Cast"; break;
        case B::DENSIFY: n.opType = "Densify"; break;  // of a constant: folded at load (foldConstantDequantize)
        case B::TRANSPOSE_CONV: {  // inputs: output shape, weights (OHWI), input, optional bias
            auto* o = op->builtin_options_as_TransposeConvOptions();
            if (!o) fail(what + ": missing TransposeConvOptions");
            if (n.inputs.size() < 3) fail(what + ": needs an output shape, weights and an input");
            transposedConvolution(n, o->padding(), o->stride_h(), o->stride_w());
            setActivation(n, o->fused_activation_function());
            n.inputs = {n.inputs[2], n.inputs[1], n.inputs.size() > 3 ? n.inputs[3] : -1};
            break;
        }
        case B::CUSTOM:
            if (n.sourceOpType == "Convolution2DTransposeBias") {
                // MediaPipe's custom op: input, weights (OHWI), bias; its options are TfLiteTransposeConvParams as
                // raw bytes: padding (1 SAME, 2 VALID), stride_width, stride_height, each an int32
                auto* raw = op->custom_options();
                if (!raw || raw->size() < 12) fail(what + ": its custom options must hold padding and strides (12 bytes)");
                int32_t p[3];
                std::memcpy(p, raw->data(), sizeof p);
                if (p[0] != 1 && p[0] != 2) fail(what + ": unknown padding " + std::to_string(p[0]));
                if (n.inputs.size() != 3) fail(what + ": needs an input, weights and a bias");
                transposedConvolution(n, p[0] == 1 ? tfl::Padding::SAME : tfl::Padding::VALID, p[2], p[1]);
            } else {
                n.opType = "";
            }
            break;
        default: n.opType = "";  // unsupported: reported by name below
        }
    }

    static bool isQuantized(const Value& v)
    {
        return (v.type == DataType::Int8 || v.type == DataType::UInt8 || v.type == DataType::Int32) && !v.quant.scale.empty();
    }

    // Quantized TFLite models (int8/uint8 tensors with scales) are read as float graphs with fake quantization,
    // which is how the TFLite int8 kernels compute up to integer rounding: quantized constants that a compute op
    // reads become their dequantized float values; an op producing an int8 tensor X computes X_float in float,
    // then Quantize -> X_quantized (int8) -> Dequantize -> X (float); an int8 tensor that no compute op produces
    // (a graph input, a QUANTIZE output) reaches compute ops through Dequantize -> <source>_dequantized.
    // QUANTIZE/DEQUANTIZE operators of the model itself keep reading and writing the int8 tensors.
    void lowerQuantized()
    {
        auto converter = [&](int node) {
            return node >= 0 && (g.nodes[size_t(node)].opType == "Quantize" || g.nodes[size_t(node)].opType == "Dequantize");
        };
        std::vector<std::vector<int>> readers(g.values.size());
        for (size_t i = 0; i < g.nodes.size(); ++i)
            for (int in : g.nodes[i].inputs)
                if (in >= 0) readers[size_t(in)].push_back(int(i));
        auto readVia = [&](int from, int to, bool converters) {
            for (int r : readers[size_t(from)])
                if (converter(r) == converters)
                    for (int& in : g.nodes[size_t(r)].inputs)
                        if (in == from) in = to;
        };
        auto addNode = [&](const char* op, int in, int out) {
            Node n;
            n.opType = op;
            n.sourceOpType = std::string(op) + " (fake quantization)";
            n.name = g.values[size_t(out)].name + "/" + op;
            n.inputs = {in};
            n.outputs = {out};
            g.nodes.push_back(std::move(n));
        };
        const size_t count = g.values.size();
        std::vector<int> hybrid;  // nodes whose float input a dynamic-range kernel quantizes
        for (size_t v = 0; v < count; ++v) {
            if (!isQuantized(g.values[v])) continue;
            bool computeReaders = false;
            for (int r : readers[v]) computeReaders |= !converter(r);
            if (g.values[v].constant) {
                if (!computeReaders) continue;  // a DEQUANTIZE op reads it (weight-only models): folded at run time
                bool int8Weights = g.values[v].type == DataType::Int8;
                g.values[v].constant = Tensor::fromFloat(dequantize(*g.values[v].constant, g.values[v].quant), g.values[v].constant->shape());
                g.values[v].type = DataType::Float32;
                for (int r : readers[v]) {
                    if (converter(r)) {
                        g.nodes[size_t(r)].opType = "Identity";  // a DEQUANTIZE of the now float constant passes it on
                        continue;
                    }
                    // Dynamic-range (hybrid) kernels: int8 weights meet a float activation, which the kernel
                    // quantizes itself per inference, asymmetric over its own range (XNNPACK's dynamic int8): the
                    // same grid as DynamicQuantizeLinear's uint8.
                    Node& c = g.nodes[size_t(r)];
                    if (!int8Weights || c.inputs.size() < 2 || c.inputs[1] != int(v) || c.inputs[0] < 0) continue;
                    const Value& x = g.values[size_t(c.inputs[0])];
                    if (x.type != DataType::Float32 || x.constant) continue;
                    hybrid.push_back(r);
                }
                continue;
            }
            int prod = g.values[v].producer;
            Value base = g.values[v];
            if (prod >= 0 && !converter(prod)) {
                Value raw = base, q = base;
                raw.name = g.uniqueValueName(base.name + "_float");
                raw.type = DataType::Float32;
                raw.quant = {};
                q.name = g.uniqueValueName(base.name + "_quantized");
                int rawId = g.addValue(std::move(raw)), qId = g.addValue(std::move(q));
                for (int& o : g.nodes[size_t(prod)].outputs)
                    if (o == int(v)) o = rawId;
                g.values[v].type = DataType::Float32;
                g.values[v].quant = {};
                readVia(int(v), qId, true);
                addNode("Quantize", rawId, qId);
                addNode("Dequantize", qId, int(v));
            } else if (computeReaders) {
                const Node* p = prod >= 0 ? &g.nodes[size_t(prod)] : nullptr;
                Value f = base;
                f.name = g.uniqueValueName((p && !p->inputs.empty() ? g.values[size_t(p->inputs[0])].name : base.name) + "_dequantized");
                f.type = DataType::Float32;
                f.quant = {};
                int fId = g.addValue(std::move(f));
                readVia(int(v), fId, false);
                addNode("Dequantize", int(v), fId);
            }
        }
        // A dynamic-range kernel's input, on the grid the kernel quantizes it to. LiteRT's XNNPACK runs FULLY_CONNECTED
        // and 1x1 stride-1 convolutions as matrix products that quantize each row (pixel) on its own range, other
        // convolutions over the whole tensor (measured: MobileNet's runtime output matches this within 0.0002 in
        // cosine; one range for all gives 0.001-0.002 less than LiteRT).
        for (int r : hybrid) {
            const Node& c = g.nodes[size_t(r)];
            const Shape& w = g.values[size_t(c.inputs[1])].shape;  // OHWI
            bool pointwise = c.opType == "Conv" && c.attrString("weight_layout", "OHWI") == "OHWI" && w.size() == 4 && w[1] == 1 &&
                             w[2] == 1 && c.attrInts("strides", {1, 1}) == std::vector<int64_t>{1, 1};
            int x = c.inputs[0];
            Value fq = g.values[size_t(x)];
            fq.name = g.uniqueValueName(fq.name + "_dynamic_quantized");
            fq.producer = -1;
            fq.consumers.clear();
            int fqId = g.addValue(std::move(fq));
            for (int& in : g.nodes[size_t(r)].inputs)
                if (in == x) in = fqId;
            Node d;
            d.opType = "DynamicFakeQuantize";
            d.sourceOpType = "dynamic-range kernel input";
            d.name = g.values[size_t(fqId)].name + "/DynamicFakeQuantize";
            d.attrs["per_row"] = Attribute::ofInt(c.opType == "FullyConnected" || pointwise ? 1 : 0);
            d.inputs = {x};
            d.outputs = {fqId};
            g.nodes.push_back(std::move(d));
        }
    }

    // A DEQUANTIZE of a constant (float16 weights, as every MediaPipe model stores them, or the int8 weights of a
    // weight-only model), and a DENSIFY of a sparse one (made dense when it was read), is a constant: its output becomes an ordinary float32 weight and the operator leaves the
    // graph, so that calibration, the quantizers, bias correction and the writers see the weights they act on.
    // The source tensor stays (value i is tensor i); the writer keeps the original DEQUANTIZE where the weight
    // stays float, and drops it where the weight is written quantized.
    void foldConstantDequantize()
    {
        std::vector<Node> kept;
        kept.reserve(g.nodes.size());
        for (Node& n : g.nodes) {
            const bool fold = (n.opType == "Dequantize" || n.opType == "Densify") && n.inputs.size() == 1 && n.outputs.size() == 1 &&
                              n.inputs[0] >= 0 && g.values[size_t(n.inputs[0])].constant && !g.values[size_t(n.outputs[0])].constant;
            if (!fold) {
                kept.push_back(std::move(n));
                continue;
            }
            const Value& in = g.values[size_t(n.inputs[0])];
            Value& out = g.values[size_t(n.outputs[0])];
            const Tensor& c = *in.constant;
            if (n.opType == "Densify") {  // the reader made the sparse constant dense already
                out.constant = c;
                out.type = c.type();
                out.shape = c.shape();
                out.quant = in.quant;
                out.producer = -1;
                continue;
            }
            std::vector<float> f;
            if (c.type() == DataType::Float16 || c.type() == DataType::Float32) f = c.toFloat();
            else if (!in.quant.scale.empty()) f = dequantize(c, in.quant);
            else fail("node '" + n.name + "' (DEQUANTIZE) reads the constant '" + in.name + "' of type " +
                      std::string(dataTypeName(c.type())) + " without quantization parameters");
            out.constant = Tensor::fromFloat(f, c.shape());
            out.type = DataType::Float32;
            out.shape = c.shape();
            out.quant = {};
            out.producer = -1;
        }
        g.nodes = std::move(kept);
        for (Value& v : g.values) v.producer = -1;
        for (size_t i = 0; i < g.nodes.size(); ++i)
            for (int out : g.nodes[i].outputs) g.values[size_t(out)].producer = int(i);
    }

    void read()
    {
        flatbuffers::Verifier::Options vopts;
        vopts.max_depth = 64;
        vopts.max_tables = 10'000'000;
        if (bytes.size() >= size_t(FLATBUFFERS_MAX_BUFFER_SIZE))
            fail("the file is larger than the 2 GiB a flatbuffer can address");
        flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), vopts);
        if (!tfl::VerifyModelBuffer(verifier))
            fail("not a valid TFLite model: the flatbuffers verifier rejected it (the file is truncated or corrupted)");
        model = tfl::GetModel(bytes.data());
        if (!model->subgraphs() || model->subgraphs()->size() == 0) fail("the model has no subgraph");
        if (model->subgraphs()->size() > 1)
            result.warnings.push_back("the model has " + std::to_string(model->subgraphs()->size()) +
                                      " subgraphs; only the first (main) one is loaded");
        sub = model->subgraphs()->Get(0);
        g.info.format = "tflite";
        g.info.path = path;
        g.info.tfliteVersion = model->version();
        g.info.producer = model->description() ? model->description()->str() : "";
        readTensors();
        auto* codes = model->operator_codes();
        std::set<std::string> nodeNames;
        std::vector<std::string> unsupported;
        auto* ops = sub->operators();
        for (flatbuffers::uoffset_t i = 0; ops && i < ops->size(); ++i) {
            const tfl::Operator* op = ops->Get(i);
            if (!codes || op->opcode_index() >= codes->size())
                fail("operator " + std::to_string(i) + " refers to operator code " + std::to_string(op->opcode_index()) + ", which does not exist");
            const tfl::OperatorCode* oc = codes->Get(op->opcode_index());
            auto code = tfl::BuiltinOperator(std::max<int32_t>(int32_t(oc->builtin_code()), oc->deprecated_builtin_code()));
            Node n;
            const char* codeName = tfl::EnumNameBuiltinOperator(code);
            n.sourceOpType = code == tfl::BuiltinOperator::CUSTOM && oc->custom_code() ? oc->custom_code()->str()
                             : (codeName && *codeName) ? codeName : "BUILTIN_" + std::to_string(int(code));
            std::string what = "operator " + std::to_string(i) + " (" + n.sourceOpType + ")";
            if (op->inputs())
                for (int in : *op->inputs()) n.inputs.push_back(tensorId(in, what));
            if (op->outputs())
                for (int out : *op->outputs()) {
                    int id = tensorId(out, what);
                    if (id < 0) fail(what + " has an omitted output");
                    n.outputs.push_back(id);
                }
            if (n.outputs.empty()) fail(what + " has no outputs");
            n.name = g.values[n.outputs[0]].name;
            while (nodeNames.count(n.name)) n.name += "_" + std::to_string(i);
            nodeNames.insert(n.name);
            try {
                mapOperator(n, code, op);
            } catch (const std::out_of_range&) {  // a constant operand shorter than the operator needs
                fail("node '" + n.name + "' (" + n.sourceOpType + "): an input or parameter has fewer values than the operator needs");
            }
            if (n.opType.empty()) {
                unsupported.push_back(n.name + " (" + n.sourceOpType + ")");
                n.opType = n.sourceOpType;  // kept so that inspect lists it; the runtime refuses it up front
            }
            for (int out : n.outputs) g.values[out].producer = int(g.nodes.size());
            g.nodes.push_back(std::move(n));
        }
        if (sub->inputs())
            for (int in : *sub->inputs()) g.inputs.push_back(tensorId(in, "subgraph input"));
        if (sub->outputs())
            for (int out : *sub->outputs()) g.outputs.push_back(tensorId(out, "subgraph output"));
        for (int in : g.inputs)
            if (in < 0 || g.values[in].constant) fail("a subgraph input is omitted or constant");
        foldConstantDequantize();
        lowerQuantized();
        g.finalize();
    }
};

}  // namespace

LoadResult readTflite(const std::string& bytes, const std::string& path, const LoadOptions&)
{
    Reader r{bytes, path};
    r.read();
    return std::move(r.result);
}

}  // namespace qs
