#include "formats/onnx/onnxwriter.h"

#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>
#include <onnx/version_converter/convert.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "formats/modelloader.h"
#include "formats/onnx/onnxnames.h"
#include "graph/error.h"

namespace qs {

namespace {

void setTensor(onnx::TensorProto* t, const std::string& name, const Tensor& value)
{
    t->Clear();
    t->set_name(name);
    t->set_data_type(onnxFromDataType(value.type()));
    for (int64_t d : value.shape()) t->add_dims(d);
    t->set_raw_data(std::string(static_cast<const char*>(value.raw()), value.byteSize()));
}

Tensor floatVector(const std::vector<float>& v, bool scalar)
{
    return Tensor::fromFloat(v, scalar ? Shape{} : Shape{int64_t(v.size())});
}

Tensor zeroPoints(const std::vector<int32_t>& z, DataType type, bool scalar)
{
    Tensor t(type, scalar ? Shape{} : Shape{int64_t(z.size())});
    for (size_t i = 0; i < z.size(); ++i) {
        if (type == DataType::Int8) t.data<int8_t>()[i] = int8_t(z[i]);
        else t.data<int32_t>()[i] = z[i];
    }
    return t;
}

onnx::NodeProto* addNode(onnx::GraphProto* g, const std::string& op, const std::string& name,
                         const std::vector<std::string>& inputs, const std::string& output, int axis)
{
    onnx::NodeProto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output);
    if (axis >= 0) {
        auto* a = n->add_attribute();
        a->set_name("axis");
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(axis);
    }
    return n;
}

void setInt(onnx::NodeProto* n, const std::string& name, int64_t v)
{
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
}

void setInts(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v)
{
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
}

// A per-channel vector shaped to broadcast against a rank-r tensor along axis (a scalar when it has one value).
Tensor channelVector(const std::vector<float>& v, size_t rank, int axis)
{
    if (v.size() == 1 || axis < 0) return Tensor::fromFloat(std::vector<float>{v.at(0)}, {});
    Shape s(rank, 1);
    s[size_t(axis)] = int64_t(v.size());
    return Tensor::fromFloat(v, s);
}

/** Builds the nodes that rebuild weight-only quantized weights from their stored integers with standard ops
 *  (opset 13, so ONNX Runtime constant-folds them at load):
 *  int8 values:        DequantizeLinear(scale per channel, zero point 0) [-> Add(mean correction)]
 *  int16 values:       Cast -> Mul(scale) [-> Add(mean correction)] (DequantizeLinear takes int16 from opset 21)
 *  packed bit planes:  Cast(planes) -> Gather(bit table) -> Reshape -> Slice -> Cast -> MatMul(powers of two) -> Add(-offset)
 *                      -> Reshape(weight shape) -> Mul(scale) [-> Add(mean correction)] */
struct WeightDecoder {
    onnx::GraphProto* g;
    onnx::GraphProto& scratch;
    std::function<std::string(const std::string&)> fresh;
    std::string bitTable;  // [256, 8] uint8: bit k of byte v

    std::string constant(const std::string& base, const Tensor& t)
    {
        std::string n = fresh(base);
        setTensor(g->add_initializer(), n, t);
        return n;
    }
    onnx::NodeProto* node(const std::string& op, const std::string& base, const std::vector<std::string>& in, const std::string& out)
    {
        return addNode(&scratch, op, fresh(base + "_" + op), in, out, -1);
    }

    void decode(const std::string& name, const QuantizedConstant& q)
    {
        const Shape& shape = q.values.shape();
        size_t rank = shape.size();
        int axis = q.params.scale.size() > 1 ? q.params.axis : -1;
        std::string ints;
        if (q.packedBits > 0) {
            int b = q.packedBits;
            int64_t n = q.values.count(), bytes = (n + 7) / 8;
            // values offset to unsigned codes u in [0, 2^b), stored one bit plane after another
            auto v = q.values.toInt64();
            int64_t offset = b == 1 ? 1 : (int64_t(1) << (b - 1)) - 1;
            Tensor planes(DataType::UInt8, {b, bytes});
            std::memset(planes.raw(), 0, planes.byteSize());
            for (int64_t e = 0; e < n; ++e) {
                int64_t u = b == 1 ? (v[size_t(e)] + 1) / 2 : v[size_t(e)] + offset;
                for (int j = 0; j < b; ++j)
                    if ((u >> j) & 1) planes.data<uint8_t>()[j * bytes + e / 8] |= uint8_t(1u << (e % 8));
            }
            if (bitTable.empty()) {
                Tensor table(DataType::UInt8, {256, 8});
                for (int x = 0; x < 256; ++x)
                    for (int k = 0; k < 8; ++k) table.data<uint8_t>()[x * 8 + k] = uint8_t((x >> k) & 1);
                bitTable = constant("quantscope_bit_table", table);
            }
            std::vector<float> powers(static_cast<size_t>(b));
            for (int j = 0; j < b; ++j) powers[size_t(j)] = b == 1 ? 2.f : float(int64_t(1) << j);
            std::string p = constant(name + "_bit_planes", planes);
            std::string idx = fresh(name + "_plane_bytes"), bits = fresh(name + "_bits"), flat = fresh(name + "_bits_flat"),
                        used = fresh(name + "_bits_used"), usedFloat = fresh(name + "_bits_float"), codes = fresh(name + "_codes"), centred = fresh(name + "_centred");
            setInt(node("Cast", name, {p}, idx), "to", onnx::TensorProto::INT64);
            setInt(node("Gather", name, {bitTable, idx}, bits), "axis", 0);
            node("Reshape", name, {bits, constant(name + "_planes_shape", Tensor::fromInt64(std::vector<int64_t>{b, bytes * 8}, {2}))}, flat);
            node("Slice", name,
                 {flat, constant(name + "_starts", Tensor::fromInt64(std::vector<int64_t>{0}, {1})),
                  constant(name + "_ends", Tensor::fromInt64(std::vector<int64_t>{n}, {1})),
                  constant(name + "_axes", Tensor::fromInt64(std::vector<int64_t>{1}, {1}))},
                 used);
            setInt(node("Cast", name, {used}, usedFloat), "to", onnx::TensorProto::FLOAT);
            node("MatMul", name, {constant(name + "_powers", Tensor::fromFloat(powers, {1, b})), usedFloat}, codes);
            node("Add", name, {codes, constant(name + "_offset", Tensor::fromFloat(std::vector<float>{-float(offset)}, {}))}, centred);
            ints = fresh(name + "_integers");
            node("Reshape", name, {centred, constant(name + "_shape", Tensor::fromInt64(std::vector<int64_t>(shape.begin(), shape.end()), {int64_t(rank)}))}, ints);
        } else if (q.values.type() != DataType::Int8) {  // int16: DequantizeLinear takes it from opset 21 on only
            std::string stored = constant(name + "_quantized", q.values);
            ints = fresh(name + "_integers");
            setInt(node("Cast", name, {stored}, ints), "to", onnx::TensorProto::FLOAT);
        }
        std::vector<float> scale = q.params.scale;
        if (!q.correctionVar.empty())
            for (size_t c = 0; c < scale.size(); ++c) scale[c] *= q.correctionVar[c];
        bool mean = !q.correctionMean.empty() && std::any_of(q.correctionMean.begin(), q.correctionMean.end(), [](float m) { return m != 0.f; });
        std::string scaled = mean ? fresh(name + "_scaled") : name;
        if (ints.empty()) {
            // int8 values: the standard DequantizeLinear, as ONNX Runtime, TensorRT and Netron know weight-only models
            const bool perTensor = axis < 0;
            addNode(&scratch, "DequantizeLinear", fresh(name + "_DequantizeLinear"),
                    {constant(name + "_quantized", q.values), constant(name + "_scale", floatVector(scale, perTensor)),
                     constant(name + "_zero_point", zeroPoints(std::vector<int32_t>(scale.size(), 0), DataType::Int8, perTensor))},
                    scaled, axis);
        } else {
            node("Mul", name, {ints, constant(name + "_scale", channelVector(scale, rank, axis))}, scaled);
        }
        if (mean) node("Add", name, {scaled, constant(name + "_mean", channelVector(q.correctionMean, rank, axis))}, name);
    }
};

}  // namespace

std::string writeQdqOnnx(const std::string& sourcePath, const Graph& ir, const QuantPlan& plan, const std::vector<Shape>& shapes)
{
    std::string bytes = readFileBytes(sourcePath);
    onnx::ModelProto model;
    if (!model.ParseFromString(bytes)) throw InputError(sourcePath + ": cannot re-read the source model for export");
    {
        auto stable = onnxNodeNames(model.graph());  // as the reader named them, before anything moves
        for (int i = 0; i < model.graph().node_size(); ++i) model.mutable_graph()->mutable_node(i)->set_name(stable[size_t(i)]);
    }
    int64_t opset = 0;
    for (const auto& o : model.opset_import())
        if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
    if (opset < 13) {
        // The converter needs ranks (e.g. for Softmax's 2-D coercion before opset 13): give it every shape the IR
        // knows, inputs with their overridden dims included.
        auto setShape = [&](onnx::ValueInfoProto* vi, const Shape& dims) {
            auto* shape = vi->mutable_type()->mutable_tensor_type()->mutable_shape();
            shape->clear_dim();
            for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
        };
        for (auto& in : *model.mutable_graph()->mutable_input()) {
            int id = ir.findValue(in.name());
            if (id >= 0 && isStatic(ir.values[size_t(id)].shape)) setShape(&in, ir.values[size_t(id)].shape);
        }
        // value_info: the IR's static shapes, kept in the export. For the conversion alone, the shapes the runtime
        // inferred for the calibration input take precedence (Reshape targets computed by Shape chains, which libonnx
        // cannot see, and declared shapes that are wrong: its Softmax adapter, for one, reshapes to its output's
        // shape), graph outputs included.
        auto addInfo = [&](const Value& v, const Shape& shape) {
            auto* vi = model.mutable_graph()->add_value_info();
            vi->set_name(v.name);
            vi->mutable_type()->mutable_tensor_type()->set_elem_type(onnxFromDataType(v.type));
            setShape(vi, shape);
        };
        auto inferred = [&](int id) -> const Shape* {
            return id >= 0 && size_t(id) < shapes.size() && !shapes[size_t(id)].empty() ? &shapes[size_t(id)] : nullptr;
        };
        auto fillInfo = [&](bool withRuntime) {
            model.mutable_graph()->clear_value_info();
            for (size_t id = 0; id < ir.values.size(); ++id) {
                const Value& v = ir.values[id];
                if (v.constant || v.producer < 0 || v.type == DataType::Undefined) continue;
                if (const Shape* s = withRuntime ? inferred(int(id)) : nullptr) addInfo(v, *s);
                else if (isStatic(v.shape) && !v.shape.empty()) addInfo(v, v.shape);
            }
        };
        const auto declaredOutputs = model.graph().output();
        for (auto& out : *model.mutable_graph()->mutable_output())
            if (const Shape* s = inferred(ir.findValue(out.name()))) setShape(&out, *s);
        fillInfo(true);
        try {
            onnx::ShapeInferenceOptions opts{false, 0, false};
            onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), opts);
        } catch (const std::exception&) {
            // best effort: conversion reports what it still misses
        }
        try {
            model = onnx::version_conversion::ConvertVersion(model, 13);
        } catch (const std::exception& e) {
            // libonnx's adapters report failures as assertion texts: name the operator and the way out instead
            std::string what = e.what(), op;
            if (auto at = what.find("Version conversion for "); at != std::string::npos) {
                size_t from = at + 23, to = what.find(' ', from);
                op = what.substr(from, to == std::string::npos ? std::string::npos : to - from);
            }
            throw InputError(sourcePath + ": cannot lift the model from opset " + std::to_string(opset) +
                             " to 13 for QDQ export" + (op.empty() ? "" : ": the " + op + " operators cannot be converted") +
                             (shapes.empty() ? " (the shapes are unknown: calibrate first, or give --inputShape for every dynamic input)" : "") +
                             "; re-export the model at opset 13 or newer");
        }
        fillInfo(false);
        for (auto& out : *model.mutable_graph()->mutable_output())
            for (const auto& declared : declaredOutputs)
                if (declared.name() == out.name()) out.mutable_type()->CopyFrom(declared.type());
    }
    onnx::GraphProto* g = model.mutable_graph();

    // Float constants whose values the plan changed (cross-layer equalization) and that stay float: the graph's values.
    for (const std::string& name : plan.changedConstants) {
        if (plan.constants.count(name)) continue;
        const int v = ir.findValue(name);
        if (v < 0 || !ir.values[size_t(v)].constant) throw InputError(sourcePath + ": the changed constant '" + name + "' is not in the graph");
        const Tensor& value = *ir.values[size_t(v)].constant;
        bool found = false;
        for (auto& t : *g->mutable_initializer())
            if (!found && t.name() == name) {
                setTensor(&t, name, value);
                found = true;
            }
        for (auto& n : *g->mutable_node())
            if (!found && n.op_type() == "Constant" && n.output_size() == 1 && n.output(0) == name)
                for (auto& a : *n.mutable_attribute())
                    if (a.name() == "value") {
                        setTensor(a.mutable_t(), name, value);
                        found = true;
                    }
        if (!found) throw InputError(sourcePath + ": constant '" + name + "' is neither an initializer nor a Constant node");
    }
    std::set<std::string> names;
    for (const auto& n : g->node())
        for (const auto& o : n.output()) names.insert(o);
    for (const auto& t : g->initializer()) names.insert(t.name());
    for (const auto& i : g->input()) names.insert(i.name());
    auto fresh = [&](const std::string& base) {
        std::string n = base;
        for (int k = 1; names.count(n); ++k) n = base + "_" + std::to_string(k);
        names.insert(n);
        return n;
    };

    // New nodes are collected and then merged in front of their first consumer, keeping the graph sorted.
    std::vector<onnx::NodeProto> prelude;  // weight/bias DequantizeLinear nodes (no graph inputs needed)
    onnx::GraphProto scratch;

    // Weights and biases: int8/int32 initializer + DequantizeLinear producing the original name (weight-only
    // quantization: the decoder's standard ops).
    WeightDecoder decoder{g, scratch, fresh, {}};
    for (const auto& [name, qc] : plan.constants) {
        bool found = false;
        for (int i = 0; i < g->initializer_size(); ++i)
            if (g->initializer(i).name() == name) {
                g->mutable_initializer()->DeleteSubrange(i, 1);
                found = true;
                break;
            }
        for (int i = 0; !found && i < g->node_size(); ++i) {
            const auto& n = g->node(i);
            if (n.op_type() == "Constant" && n.output_size() == 1 && n.output(0) == name) {
                g->mutable_node()->DeleteSubrange(i, 1);
                found = true;
            }
        }
        for (int i = 0; i < g->input_size(); ++i)
            if (g->input(i).name() == name) {
                g->mutable_input()->DeleteSubrange(i, 1);
                break;
            }
        if (!found) throw InputError(sourcePath + ": weight '" + name + "' is neither an initializer nor a Constant node");
        if (plan.quantType == "WEIGHT_QUANT") {
            decoder.decode(name, qc);
            continue;
        }
        bool perTensor = qc.params.scale.size() == 1;
        std::string q = fresh(name + "_quantized"), s = fresh(name + "_scale"), z = fresh(name + "_zero_point");
        setTensor(g->add_initializer(), q, qc.values);
        setTensor(g->add_initializer(), s, floatVector(qc.params.scale, perTensor));
        setTensor(g->add_initializer(), z, zeroPoints(qc.params.zeroPoint, qc.values.type(), perTensor));
        addNode(&scratch, "DequantizeLinear", fresh(name + "_DequantizeLinear"), {q, s, z}, name, perTensor ? -1 : qc.params.axis);
    }

    // Activations: rename the producer's output to <name>_float, then Q and DQ produce <name> again, so consumers and
    // graph outputs keep their names. Graph inputs keep theirs: their consumers read the DQ output instead.
    std::set<std::string> graphInputs;
    for (const auto& i : g->input()) graphInputs.insert(i.name());
    std::map<std::string, std::string> inputRename;
    // return {what Q reads, what DQ writes} for activation name, renaming its producer's output
    auto reroute = [&](const std::string& name) {
        std::pair<std::string, std::string> st{name, name};
        if (graphInputs.count(name)) {
            st.second = fresh(name + "_dequantized");
            inputRename[name] = st.second;
            return st;
        }
        st.first = fresh(name + "_float");
        bool renamed = false;
        for (auto& n : *g->mutable_node())
            for (auto& o : *n.mutable_output())
                if (o == name) {
                    o = st.first;
                    renamed = true;
                }
        if (!renamed) throw InputError(sourcePath + ": no node produces activation '" + name + "'");
        return st;
    };
    for (const auto& [name, p] : plan.activations) {
        std::string s = fresh(name + "_scale"), z = fresh(name + "_zero_point"), q = fresh(name + "_quantized");
        setTensor(g->add_initializer(), s, floatVector(p.scale, true));
        setTensor(g->add_initializer(), z, zeroPoints(p.zeroPoint, DataType::Int8, true));
        auto [source, target] = reroute(name);
        addNode(&scratch, "QuantizeLinear", fresh(name + "_QuantizeLinear"), {source, s, z}, q, -1);
        addNode(&scratch, "DequantizeLinear", fresh(name + "_DequantizeLinear"), {q, s, z}, target, -1);
    }
    // Dynamic quantization: the same renaming, with parameters computed at run time from the tensor itself:
    // per tensor, DynamicQuantizeLinear; per channel, min/max reduced over the other axes.
    for (const auto& entry : plan.dynamicActivations) {
        const std::string& name = entry.first;  // (named, not a structured binding: lambdas below capture it)
        const int axis = entry.second;
        auto [source, target] = reroute(name);
        std::string q = fresh(name + "_quantized"), s = fresh(name + "_scale"), z = fresh(name + "_zero_point");
        auto local = [&](const std::string& op, const std::vector<std::string>& in, const std::string& out) {
            return addNode(&scratch, op, fresh(name + "_" + op), in, out, -1);
        };
        if (axis < 0) {
            onnx::NodeProto* d = local("DynamicQuantizeLinear", {source}, q);
            d->add_output(s);
            d->add_output(z);
            addNode(&scratch, "DequantizeLinear", fresh(name + "_DequantizeLinear"), {q, s, z}, target, -1);
            continue;
        }
        int64_t rank = 0;
        if (int id = ir.findValue(name); id >= 0) rank = int64_t(ir.values[size_t(id)].shape.size());
        if (rank <= axis) throw InputError(sourcePath + ": activation '" + name + "' has no axis " + std::to_string(axis) + " for per-channel quantization");
        std::vector<int64_t> others;
        for (int64_t d = 0; d < rank; ++d)
            if (d != axis) others.push_back(d);
        auto scalar = [&](const std::string& base, float v) {
            std::string c = fresh(name + "_" + base);
            setTensor(g->add_initializer(), c, Tensor::fromFloat(std::vector<float>{v}, {}));
            return c;
        };
        std::string zero = scalar("zero", 0.f), lo = fresh(name + "_min"), hi = fresh(name + "_max"), lo0 = fresh(name + "_min0"),
                    hi0 = fresh(name + "_max0"), span = fresh(name + "_span"), raw = fresh(name + "_scale_raw"),
                    negLo = fresh(name + "_neg_min"), zf = fresh(name + "_zero_point_float"), zr = fresh(name + "_zero_point_round"),
                    zc = fresh(name + "_zero_point_clipped");
        setInt(local("ReduceMin", {source}, lo), "keepdims", 0);
        setInts(scratch.mutable_node(scratch.node_size() - 1), "axes", others);
        setInt(local("ReduceMax", {source}, hi), "keepdims", 0);
        setInts(scratch.mutable_node(scratch.node_size() - 1), "axes", others);
        local("Min", {lo, zero}, lo0);
        local("Max", {hi, zero}, hi0);
        local("Sub", {hi0, lo0}, span);
        local("Div", {span, scalar("levels", 255.f)}, raw);
        local("Max", {raw, scalar("tiny", 1e-12f)}, s);  // a channel of zeros keeps a usable scale
        local("Neg", {lo0}, negLo);
        local("Div", {negLo, s}, zf);
        local("Round", {zf}, zr);
        local("Clip", {zr, zero, scalar("top", 255.f)}, zc);
        setInt(local("Cast", {zc}, z), "to", onnx::TensorProto::UINT8);
        addNode(&scratch, "QuantizeLinear", fresh(name + "_QuantizeLinear"), {source, s, z}, q, int(axis));
        addNode(&scratch, "DequantizeLinear", fresh(name + "_DequantizeLinear"), {q, s, z}, target, int(axis));
    }
    for (auto& n : *g->mutable_node())
        for (auto& in : *n.mutable_input())
            if (auto it = inputRename.find(in); it != inputRename.end()) in = it->second;

    // Topological merge: place each new node right after the node producing its first input.
    std::vector<onnx::NodeProto> pending(scratch.node().begin(), scratch.node().end());
    std::vector<onnx::NodeProto> ordered;
    std::set<std::string> available;
    for (const auto& t : g->initializer()) available.insert(t.name());
    for (const auto& i : g->input()) available.insert(i.name());
    auto ready = [&](const onnx::NodeProto& n) {
        for (const auto& in : n.input())
            if (!in.empty() && !available.count(in)) return false;
        return true;
    };
    auto flush = [&]() {
        for (bool progress = true; progress;) {
            progress = false;
            for (size_t i = 0; i < pending.size(); ++i)
                if (ready(pending[i])) {
                    for (const auto& o : pending[i].output()) available.insert(o);
                    ordered.push_back(pending[i]);
                    pending.erase(pending.begin() + long(i));
                    progress = true;
                    break;
                }
        }
    };
    flush();
    for (const auto& n : g->node()) {
        ordered.push_back(n);
        for (const auto& o : n.output()) available.insert(o);
        flush();
    }
    if (!pending.empty()) throw InputError(sourcePath + ": internal: could not place node " + pending[0].name());
    g->clear_node();
    for (auto& n : ordered) *g->add_node() = std::move(n);
    // Shapes recorded for renamed tensors no longer apply; ONNX Runtime re-infers them.
    g->clear_value_info();
    for (auto& o : *model.mutable_opset_import())
        if (o.domain().empty() || o.domain() == "ai.onnx") o.set_version(std::max<int64_t>(o.version(), 13));
    if (model.ir_version() < 7) model.set_ir_version(7);
    model.set_producer_name("quantscope");
    std::string out;
    model.SerializeToString(&out);
    return out;
}

}  // namespace qs
