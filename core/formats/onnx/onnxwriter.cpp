#include "formats/onnx/onnxwriter.h"

#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>
#include <onnx/version_converter/convert.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "formats/modelloader.h"
#include "formats/onnx/onnxnames.h"
#include "graph/error.h"
#include "runtime/constfold.h"

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

constexpr const char* kMicrosoftDomain = "com.microsoft";

Tensor zeroPoints(const std::vector<int32_t>& z, DataType type, bool scalar)
{
    Tensor t(type, scalar ? Shape{} : Shape{int64_t(z.size())});
    for (size_t i = 0; i < z.size(); ++i) {
        if (type == DataType::Int8) t.data<int8_t>()[i] = int8_t(z[i]);
        else if (type == DataType::Int16) t.data<int16_t>()[i] = int16_t(z[i]);
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
        // as the reader named them, before anything moves, subgraphs included
        std::function<void(onnx::GraphProto*, const std::string&)> stamp = [&](onnx::GraphProto* graph, const std::string& prefix) {
            auto stable = onnxNodeNames(*graph, prefix);
            for (int i = 0; i < graph->node_size(); ++i) {
                onnx::NodeProto* n = graph->mutable_node(i);
                n->set_name(stable[size_t(i)]);
                for (auto& attr : *n->mutable_attribute())
                    if (attr.type() == onnx::AttributeProto::GRAPH) stamp(attr.mutable_g(), n->name() + "/" + attr.name() + "/");
            }
        };
        stamp(model.mutable_graph(), {});
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

    // The model's graph and its subgraphs (If branches, Loop bodies), outer before inner. ONNX forbids a subgraph to
    // shadow an outer name, so the plan's names say which graph each tensor lives in: its Q/DQ nodes go there.
    struct Scope {
        onnx::GraphProto* g = nullptr;
        onnx::GraphProto scratch;     // new nodes, merged in front of their first consumer at the end
        std::map<std::string, std::string> inputRename;  // graph input -> the DQ output its consumers read instead
        std::unique_ptr<WeightDecoder> decoder;
    };
    std::vector<std::unique_ptr<Scope>> scopes;
    std::map<std::string, size_t> definedIn;       // value name -> scope
    std::map<std::string, std::set<size_t>> readIn;  // value name -> the scopes of the nodes reading it
    std::set<std::string> names;
    std::function<void(onnx::GraphProto*)> collect = [&](onnx::GraphProto* graph) {
        const size_t at = scopes.size();
        scopes.push_back(std::make_unique<Scope>());
        scopes.back()->g = graph;
        auto define = [&](const std::string& name) {
            if (name.empty()) return;
            definedIn.emplace(name, at);
            names.insert(name);
        };
        for (const auto& t : graph->initializer()) define(t.name());
        for (const auto& i : graph->input()) define(i.name());
        for (const auto& n : graph->node()) {
            for (const auto& o : n.output()) define(o);
            for (const auto& i : n.input()) readIn[i].insert(at);
        }
        for (auto& n : *graph->mutable_node())
            for (auto& attr : *n.mutable_attribute())
                if (attr.type() == onnx::AttributeProto::GRAPH) collect(attr.mutable_g());
    };
    collect(g);
    auto fresh = [&](const std::string& base) {
        std::string n = base;
        for (int k = 1; names.count(n); ++k) n = base + "_" + std::to_string(k);
        names.insert(n);
        return n;
    };
    auto scopeOf = [&](const std::string& name, const char* what) -> Scope& {
        auto it = definedIn.find(name);
        if (it == definedIn.end()) throw InputError(sourcePath + ": " + what + " '" + name + "' is not in the model");
        return *scopes[it->second];
    };
    auto isInput = [](const onnx::GraphProto& graph, const std::string& name) {
        return std::any_of(graph.input().begin(), graph.input().end(), [&](const auto& i) { return i.name() == name; });
    };

    // Weights and biases: int8/int32 initializer + DequantizeLinear producing the original name (weight-only
    // quantization: the decoder's standard ops).
    for (const auto& [name, qc] : plan.constants) {
        Scope& sc = scopeOf(name, "weight");
        onnx::GraphProto* graph = sc.g;
        bool found = false;
        for (int i = 0; i < graph->initializer_size(); ++i)
            if (graph->initializer(i).name() == name) {
                graph->mutable_initializer()->DeleteSubrange(i, 1);
                found = true;
                break;
            }
        for (int i = 0; !found && i < graph->node_size(); ++i) {
            // a Constant node, or the node the reader folded (data movement on constants: see isFoldableWeightOp)
            const auto& n = graph->node(i);
            if (n.output_size() == 1 && n.output(0) == name) {
                graph->mutable_node()->DeleteSubrange(i, 1);
                found = true;
            }
        }
        for (int i = 0; i < graph->input_size(); ++i)
            if (graph->input(i).name() == name) {
                graph->mutable_input()->DeleteSubrange(i, 1);
                break;
            }
        if (!found) throw InputError(sourcePath + ": weight '" + name + "' is neither an initializer nor a node's only output");
        // A weight of the model's initializers that only one subgraph reads is decoded there, next to its reader
        // (ONNX Runtime fuses DequantizeLinear into the op only within one graph).
        Scope& at = readIn[name].size() == 1 ? *scopes[*readIn[name].begin()] : sc;
        if (plan.quantType == "WEIGHT_QUANT") {
            if (!at.decoder) at.decoder = std::make_unique<WeightDecoder>(WeightDecoder{at.g, at.scratch, fresh, {}});
            at.decoder->decode(name, qc);
            continue;
        }
        bool perTensor = qc.params.scale.size() == 1;
        std::string q = fresh(name + "_quantized"), s = fresh(name + "_scale"), z = fresh(name + "_zero_point");
        setTensor(at.g->add_initializer(), q, qc.values);
        setTensor(at.g->add_initializer(), s, floatVector(qc.params.scale, perTensor));
        setTensor(at.g->add_initializer(), z, zeroPoints(qc.params.zeroPoint, qc.values.type(), perTensor));
        addNode(&at.scratch, "DequantizeLinear", fresh(name + "_DequantizeLinear"), {q, s, z}, name, perTensor ? -1 : qc.params.axis);
    }

    // Renames the reads of values by graph's own nodes (not those of the subgraphs inside it).
    auto renameInputs = [](onnx::GraphProto* graph, const std::map<std::string, std::string>& rename) {
        for (auto& n : *graph->mutable_node())
            for (auto& in : *n.mutable_input())
                if (auto it = rename.find(in); it != rename.end()) in = it->second;
    };

    // Activations: rename the producer's output to <name>_float, then Q and DQ produce <name> again, so consumers and
    // graph outputs keep their names. Graph inputs keep theirs: their consumers read the DQ output instead.
    // return {what Q reads, what DQ writes} for activation name, renaming its producer's output; sc: its graph
    auto reroute = [&](const std::string& name, Scope*& sc) {
        sc = &scopeOf(name, "activation");
        std::pair<std::string, std::string> st{name, name};
        if (isInput(*sc->g, name)) {
            st.second = fresh(name + "_dequantized");
            sc->inputRename[name] = st.second;
            return st;
        }
        st.first = fresh(name + "_float");
        bool renamed = false;
        for (auto& n : *sc->g->mutable_node())
            for (auto& o : *n.mutable_output())
                if (o == name) {
                    o = st.first;
                    renamed = true;
                }
        if (!renamed) throw InputError(sourcePath + ": no node produces activation '" + name + "'");
        return st;
    };
    // The pair goes into the graph defining the tensor when that graph reads it or outputs it, and into each subgraph
    // reading it from outside, whose reads then take their own pair's output: ONNX Runtime's QDQ passes neither
    // fuse across a subgraph boundary nor load a model where a DequantizeLinear's output is an If's or Loop's implicit
    // input.
    bool usesMicrosoftDomain = false;
    for (const auto& entry : plan.activations) {
        const std::string& name = entry.first;  // (not structured bindings: clang 14 cannot capture those)
        const QuantParams& p = entry.second;
        auto addPair = [&](Scope& sc, const std::string& source, const std::string& target) {
            std::string s = fresh(name + "_scale"), z = fresh(name + "_zero_point"), q = fresh(name + "_quantized");
            setTensor(sc.g->add_initializer(), s, floatVector(p.scale, true));
            setTensor(sc.g->add_initializer(), z, zeroPoints(p.zeroPoint, p.bits > 8 ? DataType::Int16 : DataType::Int8, true));
            onnx::NodeProto* qn = addNode(&sc.scratch, "QuantizeLinear", fresh(name + "_QuantizeLinear"), {source, s, z}, q, -1);
            onnx::NodeProto* dn = addNode(&sc.scratch, "DequantizeLinear", fresh(name + "_DequantizeLinear"), {q, s, z}, target, -1);
            if (p.bits > 8 && opset < 21) {
                // int16 needs opset 21, beyond what the libonnx here converts to: ONNX Runtime's own QuantizeLinear /
                // DequantizeLinear (com.microsoft) take int16 at any opset, as its quantizer writes them
                qn->set_domain(kMicrosoftDomain);
                dn->set_domain(kMicrosoftDomain);
                usesMicrosoftDomain = true;
            }
        };
        Scope& home = scopeOf(name, "activation");
        const std::set<size_t> readers = readIn[name];
        const bool output = std::any_of(home.g->output().begin(), home.g->output().end(), [&](const auto& o) { return o.name() == name; });
        std::string floatName = name;
        if (output || readers.count(definedIn.at(name))) {
            Scope* sc = nullptr;
            auto [source, target] = reroute(name, sc);
            addPair(*sc, source, target);
            floatName = source;
        }
        for (size_t k : readers)
            if (k != definedIn.at(name)) {
                std::string local = fresh(name + "_dequantized");
                addPair(*scopes[k], floatName, local);
                renameInputs(scopes[k]->g, {{name, local}});
            }
    }
    // Dynamic quantization: the same renaming, with parameters computed at run time from the tensor itself:
    // per tensor, DynamicQuantizeLinear; per channel, min/max reduced over the other axes.
    for (const auto& entry : plan.dynamicActivations) {
        const std::string& name = entry.first;  // (named, not a structured binding: lambdas below capture it)
        const int axis = entry.second;
        Scope* sc = nullptr;
        auto [source, target] = reroute(name, sc);
        onnx::GraphProto& scratch = sc->scratch;
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
            setTensor(sc->g->add_initializer(), c, Tensor::fromFloat(std::vector<float>{v}, {}));
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
    // Consumers of a quantized graph input read its DQ output, subgraphs reading it from outside included.
    for (const auto& sc : scopes)
        if (!sc->inputRename.empty()) renameInputs(sc->g, sc->inputRename);

    // What the reader folded into weights that are now stored quantized (Constant nodes, data movement on them) and
    // the initializers only they read are dead: removed, so the float copies do not stay in the file.
    for (bool changed = true; changed;) {
        changed = false;
        std::set<std::string> read;
        std::function<void(const onnx::GraphProto&)> reads = [&](const onnx::GraphProto& graph) {
            for (const auto& n : graph.node()) {
                read.insert(n.input().begin(), n.input().end());
                for (const auto& attr : n.attribute())
                    if (attr.type() == onnx::AttributeProto::GRAPH) reads(attr.g());
            }
            for (const auto& o : graph.output()) read.insert(o.name());
        };
        reads(*g);
        for (const auto& sc : scopes) reads(sc->scratch);
        for (const auto& sc : scopes) {
            auto& nodes = *sc->g->mutable_node();
            for (int i = nodes.size(); i-- > 0;) {
                const auto& n = nodes.Get(i);
                const bool dead = (n.op_type() == "Constant" || isFoldableWeightOpType(n.op_type())) && (n.domain().empty() || n.domain() == "ai.onnx") &&
                                  std::none_of(n.output().begin(), n.output().end(), [&](const std::string& o) { return read.count(o) != 0; });
                if (dead) {
                    nodes.DeleteSubrange(i, 1);
                    changed = true;
                }
            }
            auto& inits = *sc->g->mutable_initializer();
            for (int i = inits.size(); i-- > 0;)
                if (!read.count(inits.Get(i).name()) && !isInput(*sc->g, inits.Get(i).name())) {
                    inits.DeleteSubrange(i, 1);
                    changed = true;
                }
        }
    }

    // Topological merge, per graph: place each new node right after the node producing its first input. Inner graphs
    // first: merging a graph rebuilds its nodes, and with them the subgraphs they hold.
    for (size_t k = scopes.size(); k-- > 0;) {
        Scope& sc = *scopes[k];
        std::vector<onnx::NodeProto> pending(sc.scratch.node().begin(), sc.scratch.node().end());
        if (pending.empty()) continue;
        std::vector<onnx::NodeProto> ordered;
        // what this graph's nodes compute (names from outside it are there from the start)
        std::set<std::string> local, available;
        for (const auto& n : sc.g->node()) local.insert(n.output().begin(), n.output().end());
        for (const auto& n : pending) local.insert(n.output().begin(), n.output().end());
        auto ready = [&](const onnx::NodeProto& n) {
            for (const auto& in : n.input())
                if (local.count(in) && !available.count(in)) return false;
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
        for (auto& n : *sc.g->mutable_node()) {
            for (const auto& o : n.output()) available.insert(o);
            ordered.push_back(std::move(n));
            flush();
        }
        if (!pending.empty()) throw InputError(sourcePath + ": internal: could not place node " + pending[0].name());
        sc.g->clear_node();
        for (auto& n : ordered) *sc.g->add_node() = std::move(n);
    }
    // Shapes recorded for renamed tensors no longer apply; ONNX Runtime re-infers them.
    g->clear_value_info();
    for (auto& o : *model.mutable_opset_import())
        if (o.domain().empty() || o.domain() == "ai.onnx") o.set_version(std::max<int64_t>(o.version(), 13));
    if (usesMicrosoftDomain && std::none_of(model.opset_import().begin(), model.opset_import().end(),
                                            [](const auto& o) { return o.domain() == kMicrosoftDomain; })) {
        auto* o = model.add_opset_import();
        o->set_domain(kMicrosoftDomain);
        o->set_version(1);
    }
    if (model.ir_version() < 7) model.set_ir_version(7);
    model.set_producer_name("quantscope");
    std::string out;
    model.SerializeToString(&out);
    return out;
}

}  // namespace qs
