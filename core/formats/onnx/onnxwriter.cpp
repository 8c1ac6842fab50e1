#include "formats/onnx/onnxwriter.h"

#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>
#include <onnx/version_converter/convert.h>

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

}  // namespace

std::string writeQdqOnnx(const std::string& sourcePath, const Graph& ir, const QuantPlan& plan)
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
        auto setShape = [&](onnx::ValueInfoProto* vi, const Value& v) {
            auto* shape = vi->mutable_type()->mutable_tensor_type()->mutable_shape();
            shape->clear_dim();
            for (int64_t d : v.shape) shape->add_dim()->set_dim_value(d);
        };
        for (auto& in : *model.mutable_graph()->mutable_input()) {
            int id = ir.findValue(in.name());
            if (id >= 0 && isStatic(ir.values[size_t(id)].shape)) setShape(&in, ir.values[size_t(id)]);
        }
        model.mutable_graph()->clear_value_info();
        for (const Value& v : ir.values) {
            if (v.constant || v.producer < 0 || !isStatic(v.shape) || v.shape.empty() || v.type == DataType::Undefined) continue;
            auto* vi = model.mutable_graph()->add_value_info();
            vi->set_name(v.name);
            vi->mutable_type()->mutable_tensor_type()->set_elem_type(onnxFromDataType(v.type));
            setShape(vi, v);
        }
        try {
            onnx::ShapeInferenceOptions opts{false, 0, false};
            onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), opts);
        } catch (const std::exception&) {
            // best effort: conversion reports what it still misses
        }
        try {
            model = onnx::version_conversion::ConvertVersion(model, 13);
        } catch (const std::exception& e) {
            throw InputError(sourcePath + ": cannot convert the model from opset " + std::to_string(opset) +
                             " to 13 for QDQ export: " + std::string(e.what()).substr(0, 300));
        }
    }
    onnx::GraphProto* g = model.mutable_graph();
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

    // Weights and biases: int8/int32 initializer + DequantizeLinear producing the original name.
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
    for (const auto& [name, p] : plan.activations) {
        std::string s = fresh(name + "_scale"), z = fresh(name + "_zero_point"), q = fresh(name + "_quantized");
        setTensor(g->add_initializer(), s, floatVector(p.scale, true));
        setTensor(g->add_initializer(), z, zeroPoints(p.zeroPoint, DataType::Int8, true));
        std::string source = name, target = name;
        if (graphInputs.count(name)) {
            target = fresh(name + "_dequantized");
            inputRename[name] = target;
        } else {
            source = fresh(name + "_float");
            bool renamed = false;
            for (auto& n : *g->mutable_node())
                for (auto& o : *n.mutable_output())
                    if (o == name) {
                        o = source;
                        renamed = true;
                    }
            if (!renamed) throw InputError(sourcePath + ": no node produces activation '" + name + "'");
        }
        addNode(&scratch, "QuantizeLinear", fresh(name + "_QuantizeLinear"), {source, s, z}, q, -1);
        addNode(&scratch, "DequantizeLinear", fresh(name + "_DequantizeLinear"), {q, s, z}, target, -1);
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
