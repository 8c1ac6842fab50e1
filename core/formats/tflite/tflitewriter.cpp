#include "formats/tflite/tflitewriter.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "formats/modelloader.h"
#include "formats/tflite/tflitereader.h"
#include "graph/error.h"
#include "tflite_schema_generated.h"

namespace qs {

namespace {

using B = tfl::BuiltinOperator;

// The operator version whose kernel first took int8 tensors (TFLite's op_version rules); older versions of the
// model's op codes are raised to these.
int int8Version(B code)
{
    switch (code) {
    case B::CONV_2D:
    case B::DEPTHWISE_CONV_2D: return 3;
    case B::FULLY_CONNECTED: return 4;
    case B::QUANTIZE:
    case B::DEQUANTIZE:
    case B::ADD:
    case B::SUB:
    case B::MUL:
    case B::AVERAGE_POOL_2D:
    case B::MAX_POOL_2D:
    case B::SQUEEZE:
    case B::MEAN:
    case B::SOFTMAX:
    case B::LOGISTIC:
    case B::RELU:
    case B::RELU6:
    case B::PAD: return 2;
    default: return 1;
    }
}

B builtinCode(const tfl::OperatorCodeT& oc)
{
    return B(std::max<int32_t>(int32_t(oc.builtin_code), oc.deprecated_builtin_code));
}

std::unique_ptr<tfl::QuantizationParametersT> quantization(const QuantParams& p)
{
    auto q = std::make_unique<tfl::QuantizationParametersT>();
    q->scale = p.scale;
    q->zero_point.assign(p.zeroPoint.begin(), p.zeroPoint.end());
    if (q->zero_point.size() < q->scale.size()) q->zero_point.resize(q->scale.size(), 0);
    q->quantized_dimension = p.scale.size() > 1 ? std::max(p.axis, 0) : 0;
    return q;
}

struct Writer {
    const std::string& path;
    const Graph& ir;
    const QuantPlan& plan;
    std::unique_ptr<tfl::ModelT> model;
    tfl::SubGraphT* sub = nullptr;

    [[noreturn]] void fail(const std::string& msg) { throw InputError(path + ": " + msg); }

    uint32_t addBuffer(const Tensor& t)
    {
        auto b = std::make_unique<tfl::BufferT>();
        b->data.resize(t.byteSize());
        std::memcpy(b->data.data(), t.raw(), t.byteSize());
        model->buffers.push_back(std::move(b));
        return uint32_t(model->buffers.size() - 1);
    }

    // int8 values in [-8, 7], two a byte: element 2k in the low nibble, 2k + 1 in the high one
    uint32_t addPackedInt4(const Tensor& t)
    {
        auto b = std::make_unique<tfl::BufferT>();
        const int8_t* v = t.data<int8_t>();
        const size_t n = size_t(t.count());
        b->data.assign((n + 1) / 2, 0);
        for (size_t i = 0; i < n; ++i) b->data[i / 2] |= uint8_t((uint8_t(v[i]) & 0x0F) << (i % 2 ? 4 : 0));
        model->buffers.push_back(std::move(b));
        return uint32_t(model->buffers.size() - 1);
    }

    uint32_t opcode(B code)
    {
        for (size_t i = 0; i < model->operator_codes.size(); ++i)
            if (builtinCode(*model->operator_codes[i]) == code) return uint32_t(i);
        auto oc = std::make_unique<tfl::OperatorCodeT>();
        oc->builtin_code = code;
        oc->deprecated_builtin_code = int8_t(std::min<int32_t>(int32_t(code), int32_t(B::PLACEHOLDER_FOR_GREATER_OP_CODES)));
        oc->version = int8Version(code);
        model->operator_codes.push_back(std::move(oc));
        return uint32_t(model->operator_codes.size() - 1);
    }

    int addTensor(const tfl::TensorT& like, const std::string& name, tfl::TensorType type, const QuantParams* params)
    {
        auto t = std::make_unique<tfl::TensorT>();
        t->shape = like.shape;
        t->shape_signature = like.shape_signature;
        t->has_rank = like.has_rank;
        t->type = type;
        t->buffer = 0;
        t->name = name;
        if (params) t->quantization = quantization(*params);
        sub->tensors.push_back(std::move(t));
        return int(sub->tensors.size() - 1);
    }

    std::unique_ptr<tfl::OperatorT> convertOp(B code, int from, int to)
    {
        auto op = std::make_unique<tfl::OperatorT>();
        op->opcode_index = opcode(code);
        op->inputs = {from};
        op->outputs = {to};
        if (code == B::QUANTIZE) op->builtin_options.Set(tfl::QuantizeOptionsT{});
        else op->builtin_options.Set(tfl::DequantizeOptionsT{});
        return op;
    }

    // Tensors no operator, subgraph input/output or signature refers to any more (the float16 or int8 sources of
    // the DEQUANTIZE operators dropped above) leave the subgraph; every tensor index is renumbered.
    void dropUnreadTensors()
    {
        std::vector<char> used(sub->tensors.size(), 0);
        auto mark = [&](const std::vector<int32_t>& ids) {
            for (int t : ids)
                if (t >= 0 && size_t(t) < used.size()) used[size_t(t)] = 1;
        };
        for (const auto& op : sub->operators) {
            mark(op->inputs);
            mark(op->outputs);
            mark(op->intermediates);
        }
        mark(sub->inputs);
        mark(sub->outputs);
        for (const auto& sig : model->signature_defs)
            if (sig->subgraph_index == 0)
                for (const auto* maps : {&sig->inputs, &sig->outputs})
                    for (const auto& m : *maps)
                        if (m->tensor_index < used.size()) used[m->tensor_index] = 1;
        if (std::all_of(used.begin(), used.end(), [](char u) { return u != 0; })) return;
        std::vector<int32_t> index(sub->tensors.size(), -1);
        std::vector<std::unique_ptr<tfl::TensorT>> kept;
        for (size_t t = 0; t < sub->tensors.size(); ++t)
            if (used[t]) {
                index[t] = int32_t(kept.size());
                kept.push_back(std::move(sub->tensors[t]));
            }
        sub->tensors = std::move(kept);
        auto remap = [&](std::vector<int32_t>& ids) {
            for (int32_t& t : ids)
                if (t >= 0) t = index[size_t(t)];
        };
        for (auto& op : sub->operators) {
            remap(op->inputs);
            remap(op->outputs);
            remap(op->intermediates);
        }
        remap(sub->inputs);
        remap(sub->outputs);
        for (auto& sig : model->signature_defs)
            if (sig->subgraph_index == 0)
                for (auto* maps : {&sig->inputs, &sig->outputs})
                    for (auto& m : *maps)
                        if (m->tensor_index < index.size()) m->tensor_index = uint32_t(index[m->tensor_index]);
    }

    std::string write()
    {
        std::string bytes = readFileBytes(path);
        flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
        if (!tfl::VerifyModelBuffer(verifier)) fail("cannot re-read the source model for export (the verifier rejects it)");
        const tfl::Model* raw = tfl::GetModel(bytes.data());
        model = tfl::UnPackModel(bytes.data());
        if (model->subgraphs.empty()) fail("the model has no subgraph");
        for (const auto& b : model->buffers)
            if (b && b->offset > 1) fail("models that keep buffers outside the flatbuffer (over 2 GiB) cannot be exported");
        sub = model->subgraphs[0].get();
        const size_t tensorCount = sub->tensors.size();
        for (size_t i = 0; i < tensorCount; ++i)  // the reader's contract: value i is tensor i (names made unique)
            if (i >= ir.values.size() || ir.values[i].name.rfind(sub->tensors[i]->name, 0) != 0)
                fail("the model changed since it was loaded; load it again");
        // Options this schema does not know would be dropped on writing: refuse rather than write a broken model.
        auto* rawOps = raw->subgraphs()->Get(0)->operators();
        for (size_t i = 0; i < sub->operators.size(); ++i) {
            const auto& op = *sub->operators[i];
            if (rawOps->Get(flatbuffers::uoffset_t(i))->builtin_options_type() != tfl::BuiltinOptions::NONE && !op.builtin_options.value)
                fail("operator " + std::to_string(i) + " (" + ir.values[size_t(op.outputs.at(0))].name +
                     ") has options Quantscope cannot write back; it cannot be exported as int8 TFLite");
        }

        // Constants the plan changed take the graph's shapes (SmoothQuant makes a scalar operand per channel).
        for (size_t t = 0; t < tensorCount; ++t) {
            const Value& v = ir.values[t];
            if (!plan.changedConstants.count(v.name) || !v.constant) continue;
            std::vector<int32_t> shape(v.constant->shape().begin(), v.constant->shape().end());
            if (sub->tensors[t]->shape != shape) {
                sub->tensors[t]->shape = shape;
                sub->tensors[t]->shape_signature.clear();
            }
        }

        // Float constants the plan changed (cross-layer equalization) and does not quantize, stored in the source: the
        // graph's values in a new float32 buffer (those a DEQUANTIZE computes are written below).
        for (size_t t = 0; t < tensorCount; ++t) {
            const Value& v = ir.values[t];
            tfl::TensorT& tensor = *sub->tensors[t];
            if (!plan.changedConstants.count(v.name) || plan.constants.count(v.name) || !v.constant || tensor.buffer == 0) continue;
            tensor.type = tfl::TensorType::FLOAT32;
            tensor.buffer = addBuffer(v.constant->convertedTo(DataType::Float32));
        }

        // A DEQUANTIZE of a constant that the reader folded into a float weight, and that weight is now written
        // quantized (or as float32 for a hybrid kernel, or changed by equalization): the operator goes (its float16 or int8 source tensor is left
        // unread, its buffer emptied below) ...
        for (size_t i = 0; i < sub->operators.size(); ++i) {
            auto& op = sub->operators[i];
            if (builtinCode(*model->operator_codes[op->opcode_index]) != B::DEQUANTIZE || op->outputs.size() != 1 ||
                op->inputs.size() != 1 || op->inputs[0] < 0)
                continue;
            const Value& out = ir.values[size_t(op->outputs[0])];
            if (!out.constant) continue;
            // A dynamic-range (hybrid) kernel reads its bias as a constant: XNNPACK refuses one that a DEQUANTIZE
            // produces at run time. Such float operands are written as float32 constants.
            const bool hybridReader = plan.quantType == "DYNAMIC_QUANT" &&
                                      std::any_of(out.consumers.begin(), out.consumers.end(),
                                                  [&](int c) { return plan.quantizedNodes.count(ir.nodes[size_t(c)].name) != 0; });
            const bool changed = plan.changedConstants.count(out.name) != 0;  // rescaled by cross-layer equalization
            if (!plan.constants.count(out.name) && !hybridReader && !changed) continue;
            if (!plan.constants.count(out.name)) {
                tfl::TensorT& t = *sub->tensors[size_t(op->outputs[0])];
                t.type = tfl::TensorType::FLOAT32;
                t.buffer = addBuffer(out.constant->type() == DataType::Float32 ? *out.constant : out.constant->convertedTo(DataType::Float32));
            }
            sub->tensors[size_t(op->inputs[0])]->buffer = 0;
            op.reset();
        }
        std::erase_if(sub->operators, [](const auto& op) { return !op; });
        // ... and the DENSIFY that made its sparse source dense, now read by nobody.
        std::set<int> read(sub->outputs.begin(), sub->outputs.end());
        for (const auto& op : sub->operators) read.insert(op->inputs.begin(), op->inputs.end());
        std::erase_if(sub->operators, [&](const auto& op) {
            if (builtinCode(*model->operator_codes[op->opcode_index]) != B::DENSIFY || op->outputs.size() != 1 || read.count(op->outputs[0]))
                return false;
            for (int in : op->inputs)
                if (in >= 0) sub->tensors[size_t(in)]->buffer = 0;
            return true;
        });

        // Which operators compute in int8: the plan names nodes by their first output's name.
        std::vector<char> int8Op(sub->operators.size(), 0);
        std::vector<int> producer(tensorCount, -1);
        std::vector<std::vector<int>> consumers(tensorCount);
        for (size_t i = 0; i < sub->operators.size(); ++i) {
            const auto& op = *sub->operators[i];
            if (op.outputs.empty()) continue;
            int node = ir.values[size_t(op.outputs[0])].producer;
            // int8 kernels: every op of a full quantization plan, the hybrid (dynamic-range) ops of a dynamic one
            int8Op[i] = plan.quantType != "WEIGHT_QUANT" && node >= 0 && plan.quantizedNodes.count(ir.nodes[size_t(node)].name) ? 1 : 0;
            for (int o : op.outputs) producer[size_t(o)] = int(i);
            for (int in : op.inputs)
                if (in >= 0) consumers[size_t(in)].push_back(int(i));
        }

        // 1. Weights, biases and constant operands: integer data in new buffers, with their parameters.
        //    Weight-only plans keep the float tensor, now written by a DEQUANTIZE of the integer one.
        std::vector<std::unique_ptr<tfl::OperatorT>> before;
        for (size_t t = 0; t < tensorCount; ++t) {
            auto c = plan.constants.find(ir.values[t].name);
            if (c == plan.constants.end()) continue;
            if (plan.quantType == "WEIGHT_QUANT") {
                tfl::TensorT& f = *sub->tensors[t];
                const QuantizedConstant& qc = c->second;
                const bool int4 = qc.packedBits > 0 && qc.packedBits <= 4;  // TFLite's INT4: two weights a byte
                int q = addTensor(f, f.name + "_quantized", int4 ? tfl::TensorType::INT4 : tfl::TensorType(tfliteFromDataType(qc.values.type())),
                                  &qc.params);
                sub->tensors[size_t(q)]->buffer = int4 ? addPackedInt4(qc.values) : addBuffer(qc.values);
                f.buffer = 0;
                before.push_back(convertOp(B::DEQUANTIZE, q, int(t)));
                continue;
            }
            for (int op : consumers[t])
                if (!int8Op[size_t(op)]) fail("constant '" + ir.values[t].name + "' is read by a float operator and an int8 one");
            tfl::TensorT& tensor = *sub->tensors[t];
            tensor.type = tfl::TensorType(tfliteFromDataType(c->second.values.type()));
            tensor.buffer = addBuffer(c->second.values);
            tensor.quantization = quantization(c->second.params);
        }

        // Buffers no tensor reads any more (the float weights just replaced) are emptied; indices stay.
        std::vector<char> used(model->buffers.size(), 0);
        for (const auto& sg : model->subgraphs)
            for (const auto& t : sg->tensors)
                if (t->buffer < used.size()) used[t->buffer] = 1;
        for (const auto& m : model->metadata)
            if (m->buffer < used.size()) used[m->buffer] = 1;
        for (size_t b = 0; b < model->buffers.size(); ++b)
            if (!used[b]) model->buffers[b]->data.clear();

        // 2. Activations. After[i]: operators to place after operator i; before: after the graph inputs.
        std::map<int, std::vector<std::unique_ptr<tfl::OperatorT>>> after;
        std::set<int> graphOutputs(sub->outputs.begin(), sub->outputs.end());
        auto rewire = [&](int tensor, int to, bool int8Readers) {
            for (int op : consumers[size_t(tensor)])
                if (bool(int8Op[size_t(op)]) == int8Readers)
                    for (int& in : sub->operators[size_t(op)]->inputs)
                        if (in == tensor) in = to;
        };
        for (size_t t = 0; t < tensorCount; ++t) {
            auto a = plan.activations.find(ir.values[t].name);
            if (a == plan.activations.end()) continue;
            const QuantParams& p = a->second;
            const std::string& name = ir.values[t].name;
            int prod = producer[t];
            bool int8Readers = false, floatReaders = false;
            for (int op : consumers[t]) (int8Op[size_t(op)] ? int8Readers : floatReaders) = true;
            if (prod >= 0 && int8Op[size_t(prod)]) {
                // Produced in int8. Float readers and graph outputs read a DEQUANTIZE of it; a graph output keeps
                // its tensor (float), and the int8 op writes a new one.
                tfl::TensorT& tensor = *sub->tensors[t];
                if (graphOutputs.count(int(t))) {
                    int q = addTensor(tensor, name + "_int8", tfl::TensorType::INT8, &p);
                    for (int& o : sub->operators[size_t(prod)]->outputs)
                        if (o == int(t)) o = q;
                    rewire(int(t), q, true);
                    after[prod].push_back(convertOp(B::DEQUANTIZE, q, int(t)));
                } else {
                    tensor.type = tfl::TensorType::INT8;
                    tensor.quantization = quantization(p);
                    if (floatReaders) {
                        int f = addTensor(tensor, name + "_dequantized", tfl::TensorType::FLOAT32, nullptr);
                        rewire(int(t), f, false);
                        after[prod].push_back(convertOp(B::DEQUANTIZE, int(t), f));
                    }
                }
            } else if (int8Readers) {
                // Produced in float (or a graph input): int8 readers read a QUANTIZE of it.
                int q = addTensor(*sub->tensors[t], name + "_int8", tfl::TensorType::INT8, &p);
                rewire(int(t), q, true);
                (prod >= 0 ? after[prod] : before).push_back(convertOp(B::QUANTIZE, int(t), q));
            }
        }

        // An int8 AVERAGE_POOL_2D must keep its input's parameters; a global one (see isGlobalAveragePool) whose
        // output the plan gives its own becomes MEAN over height and width, whose int8 kernel rescales.
        for (auto& op : sub->operators) {
            if (builtinCode(*model->operator_codes[op->opcode_index]) != B::AVERAGE_POOL_2D || op->inputs.empty() || op->outputs.empty())
                continue;
            const tfl::TensorT& in = *sub->tensors[size_t(op->inputs[0])];
            const tfl::TensorT& out = *sub->tensors[size_t(op->outputs[0])];
            if (in.type != tfl::TensorType::INT8 || out.type != tfl::TensorType::INT8 || !in.quantization || !out.quantization ||
                (in.quantization->scale == out.quantization->scale && in.quantization->zero_point == out.quantization->zero_point))
                continue;
            const auto* o = op->builtin_options.AsPool2DOptions();
            if (!o || in.shape.size() != 4 || o->filter_height != in.shape[1] || o->filter_width != in.shape[2] ||
                o->fused_activation_function != tfl::ActivationFunctionType::NONE)
                fail("the int8 average pool writing '" + out.name + "' has other parameters than its input, which TFLite allows only "
                     "for a global pool (written as MEAN)");
            auto axes = std::make_unique<tfl::TensorT>();
            axes->shape = {2};
            axes->type = tfl::TensorType::INT32;
            axes->name = out.name + "_mean_axes";
            Tensor hw(DataType::Int32, {2});
            hw.data<int32_t>()[0] = 1;
            hw.data<int32_t>()[1] = 2;
            axes->buffer = addBuffer(hw);
            sub->tensors.push_back(std::move(axes));
            op->opcode_index = opcode(B::MEAN);
            op->inputs = {op->inputs[0], int32_t(sub->tensors.size() - 1)};
            tfl::ReducerOptionsT keep;
            keep.keep_dims = true;
            op->builtin_options.Set(keep);
        }

        // 3. Operators in order, with the conversions placed right after what they read; int8 op versions.
        std::vector<std::unique_ptr<tfl::OperatorT>> ops;
        for (auto& op : before) ops.push_back(std::move(op));
        for (size_t i = 0; i < sub->operators.size(); ++i) {
            if (int8Op[i]) {
                auto& oc = *model->operator_codes[sub->operators[i]->opcode_index];
                oc.version = std::max(oc.version, int8Version(builtinCode(oc)));
            }
            ops.push_back(std::move(sub->operators[i]));
            for (auto& op : after[int(i)]) ops.push_back(std::move(op));
        }
        sub->operators = std::move(ops);
        dropUnreadTensors();
        model->description = (model->description.empty() ? std::string() : model->description + " + ") +
                             (plan.quantType == "WEIGHT_QUANT" ? "weight-only" : plan.quantType == "DYNAMIC_QUANT" ? "dynamic-range" : "int8") + std::string(" post-training quantization by Quantscope");

        flatbuffers::FlatBufferBuilder fbb(bytes.size() + bytes.size() / 4 + 4096);
        fbb.Finish(tfl::Model::Pack(fbb, model.get()), tfl::ModelIdentifier());
        return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
    }
};

}  // namespace

std::string writeInt8Tflite(const std::string& sourcePath, const Graph& graph, const QuantPlan& plan)
{
    Writer w{sourcePath, graph, plan};
    return w.write();
}

}  // namespace qs
