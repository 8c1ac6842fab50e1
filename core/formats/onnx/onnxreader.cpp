#include "formats/onnx/onnxreader.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <google/protobuf/io/coded_stream.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "formats/onnx/onnxnames.h"
#include "graph/error.h"
#include "graph/opregistry.h"
#include "runtime/constfold.h"
#include "util/memorybudget.h"

namespace qs {

namespace {

struct Reader {
    std::string path;
    const LoadOptions& options;
    LoadResult result;
    Graph& g = result.graph;
    const Reader* outer = nullptr;  // a subgraph's: the reader of the graph around it

    // return the constant an enclosing graph defines under name (an initializer, a Constant node read before the
    // subgraph's node), or null
    const Tensor* outerConstant(const std::string& name) const
    {
        for (const Reader* r = outer; r; r = r->outer)
            if (int id = r->g.findValue(name); id >= 0) return r->g.values[size_t(id)].constant ? &*r->g.values[size_t(id)].constant : nullptr;
        return nullptr;
    }

    [[noreturn]] void fail(const std::string& msg) { throw InputError(path + ": " + msg); }

    Tensor readTensor(const onnx::TensorProto& t)
    {
        DataType type = dataTypeFromOnnx(t.data_type());
        std::string what = "tensor '" + t.name() + "'";
        if (type == DataType::Undefined || type == DataType::String || type == DataType::BFloat16)
            fail(what + " has unsupported element type " + std::to_string(t.data_type()));
        Shape shape(t.dims().begin(), t.dims().end());
        for (int64_t d : shape)
            if (d < 0) fail(what + " has a negative dimension");
        // Nothing is allocated before the data the file holds is known to fit the declared shape.
        long double count = 1;
        for (int64_t d : shape) count *= (long double)d;
        checkMemoryBudget(count * (long double)elementSize(type), path + ": " + what + " " + shapeToString(shape));
        size_t n = size_t(count);
        size_t byteSize = n * elementSize(type);
        if (t.data_location() == onnx::TensorProto::EXTERNAL) return readExternal(t, type, shape, byteSize, what);
        if (t.has_raw_data()) {
            const std::string& raw = t.raw_data();
            size_t expect = (type == DataType::Int4 || type == DataType::UInt4) ? (n + 1) / 2 : byteSize;
            if (raw.size() != expect)
                fail(what + " has " + std::to_string(raw.size()) + " bytes of raw data, expected " + std::to_string(expect) +
                     " for " + std::string(dataTypeName(type)) + shapeToString(shape) + " (is the file truncated?)");
            Tensor out(type, shape);
            if (type == DataType::Int4 || type == DataType::UInt4) unpackInt4(reinterpret_cast<const uint8_t*>(raw.data()), out);
            else std::memcpy(out.raw(), raw.data(), raw.size());
            return out;
        }
        int have = type == DataType::Float32 ? t.float_data_size() : type == DataType::Float64 ? t.double_data_size()
                 : type == DataType::Int64 ? t.int64_data_size() : (type == DataType::UInt32 || type == DataType::UInt64) ? t.uint64_data_size()
                 : t.int32_data_size();
        if (size_t(have) != n)
            fail(what + " has " + std::to_string(have) + " values, expected " + std::to_string(n) + " for shape " + shapeToString(shape));
        Tensor out(type, shape);
        switch (type) {
        case DataType::Float32:
            std::copy(t.float_data().begin(), t.float_data().end(), out.data<float>());
            break;
        case DataType::Float64:
            std::copy(t.double_data().begin(), t.double_data().end(), out.data<double>());
            break;
        case DataType::Int64:
            std::copy(t.int64_data().begin(), t.int64_data().end(), out.data<int64_t>());
            break;
        case DataType::UInt32:
        case DataType::UInt64:
            for (size_t i = 0; i < n; ++i) {
                if (type == DataType::UInt32) out.data<uint32_t>()[i] = uint32_t(t.uint64_data(int(i)));
                else out.data<uint64_t>()[i] = t.uint64_data(int(i));
            }
            break;
        default: {
            for (size_t i = 0; i < n; ++i) {
                int32_t v = t.int32_data(int(i));
                switch (type) {
                case DataType::Int32: out.data<int32_t>()[i] = v; break;
                case DataType::Float16:
                case DataType::UInt16: out.data<uint16_t>()[i] = uint16_t(v); break;
                case DataType::Int16: out.data<int16_t>()[i] = int16_t(v); break;
                case DataType::Int8:
                case DataType::Int4: out.data<int8_t>()[i] = int8_t(v); break;
                default: out.data<uint8_t>()[i] = uint8_t(v); break;
                }
            }
        }
        }
        return out;
    }

    Tensor readExternal(const onnx::TensorProto& t, DataType type, const Shape& shape, size_t bytes, const std::string& what)
    {
        std::string location;
        int64_t offset = 0, length = -1;
        auto number = [&](const std::string& key, const std::string& v) {
            char* end = nullptr;
            long long x = std::strtoll(v.c_str(), &end, 10);
            if (v.empty() || *end || x < 0) fail(what + ": external data " + key + " '" + v + "' is not a non-negative integer");
            return int64_t(x);
        };
        for (const auto& kv : t.external_data()) {
            if (kv.key() == "location") location = kv.value();
            else if (kv.key() == "offset") offset = number("offset", kv.value());
            else if (kv.key() == "length") length = number("length", kv.value());
        }
        namespace fs = std::filesystem;
        fs::path rel(location);
        if (location.empty() || rel.is_absolute() || rel.lexically_normal().string().rfind("..", 0) == 0)
            fail(what + ": external data location '" + location +
                 "' is refused: it must be a relative path inside the model's directory");
        fs::path base = fs::path(path).parent_path();
        fs::path file = base / rel;
        std::error_code ec;
        auto canon = fs::weakly_canonical(file, ec);
        auto canonBase = fs::weakly_canonical(base.empty() ? fs::path(".") : base, ec);
        if (canon.string().rfind(canonBase.string(), 0) != 0)
            fail(what + ": external data location '" + location + "' leaves the model's directory; refused");
        std::ifstream in(file, std::ios::binary);
        if (!in) fail(what + ": cannot open external data file " + file.string());
        auto fileSize = int64_t(fs::file_size(file, ec));
        int64_t need = int64_t(bytes);
        if (length >= 0 && length != need)
            fail(what + ": external data length " + std::to_string(length) + " != " + std::to_string(need) + " bytes");
        if (offset < 0 || offset + need > fileSize)
            fail(what + ": external data range [" + std::to_string(offset) + ", +" + std::to_string(need) +
                 ") is beyond the end of " + file.string());
        Tensor out(type, shape);
        in.seekg(offset);
        in.read(static_cast<char*>(out.raw()), need);
        return out;
    }

    // owner: the node's name (subgraphs name their unnamed nodes after it)
    Attribute readAttribute(const onnx::AttributeProto& a, const std::string& nodeWhat, const std::string& owner = {})
    {
        Attribute r;
        switch (a.type()) {
        case onnx::AttributeProto::FLOAT: r = Attribute::ofFloat(a.f()); break;
        case onnx::AttributeProto::INT: r = Attribute::ofInt(a.i()); break;
        case onnx::AttributeProto::STRING: r = Attribute::ofString(a.s()); break;
        case onnx::AttributeProto::TENSOR:
            r.kind = AttrKind::Tensor;
            r.t = readTensor(a.t());
            break;
        case onnx::AttributeProto::FLOATS: r = Attribute::ofFloats({a.floats().begin(), a.floats().end()}); break;
        case onnx::AttributeProto::INTS: r = Attribute::ofInts({a.ints().begin(), a.ints().end()}); break;
        case onnx::AttributeProto::STRINGS:
            r.kind = AttrKind::Strings;
            r.strings.assign(a.strings().begin(), a.strings().end());
            break;
        case onnx::AttributeProto::GRAPH: {
            Reader sub{path, options};
            sub.outer = this;
            sub.g.info = g.info;
            sub.readGraph(a.g(), nodeWhat + " " + a.name() + ": ", owner + "/" + a.name() + "/");
            for (auto& w : sub.result.warnings) result.warnings.push_back(std::move(w));
            r.kind = AttrKind::Graph;
            r.g = std::make_shared<const Graph>(std::move(sub.g));
            break;
        }
        default:
            fail(nodeWhat + ": attribute '" + a.name() + "' has a type Quantscope does not support (lists of graphs, sparse tensors)");
        }
        return r;
    }

    void applyValueInfo(const onnx::ValueInfoProto& vi)
    {
        int id = g.findValue(vi.name());
        if (id < 0 || !vi.type().has_tensor_type()) return;
        Value& v = g.values[id];
        const auto& tt = vi.type().tensor_type();
        if (tt.elem_type()) v.type = dataTypeFromOnnx(tt.elem_type());
        if (tt.has_shape() && !v.constant) {
            v.shape.clear();
            v.dimNames.clear();
            for (const auto& d : tt.shape().dim()) {
                v.shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
                v.dimNames.push_back(d.has_dim_param() ? d.dim_param() : std::string());
            }
        }
    }

    int valueFor(const std::string& name)
    {
        int id = g.findValue(name);
        if (id >= 0) return id;
        // An outer constant (a weight a branch reads from the model's initializers) is the subgraph's constant too,
        // sharing the data: planning and folding use it, and the quantizers see the weights.
        if (const Tensor* c = outerConstant(name)) return g.addConstant(name, *c);
        Value v;
        v.name = name;
        v.type = DataType::Undefined;
        return g.addValue(std::move(v));
    }

    // Maps older opset spellings to the IR's (opset 13+) semantics where they differ in meaning.
    void normalise(Node& n, int64_t opset)
    {
        if (n.opType == "Upsample") {
            n.opType = "Resize";
            std::string mode = n.attrString("mode", "nearest");
            n.attrs.clear();
            n.attrs["mode"] = Attribute::ofString(mode == "bilinear" ? "linear" : mode);
            n.attrs["coordinate_transformation_mode"] = Attribute::ofString("asymmetric");
            n.attrs["nearest_mode"] = Attribute::ofString("floor");
            auto it = n.attrs.find("scales");
            int scalesId = -1;
            if (n.inputs.size() >= 2) scalesId = n.inputs[1];
            else if (it != n.attrs.end())
                scalesId = g.addConstant(g.uniqueValueName(n.name + "_scales"),
                                         Tensor::fromFloat(it->second.floats, {int64_t(it->second.floats.size())}));
            n.inputs = {n.inputs[0], -1, scalesId};
        }
        if (n.opType == "Softmax" && opset < 13 && !n.hasAttr("axis")) n.attrs["axis"] = Attribute::ofInt(1);
        if (n.opType == "Hardmax" && opset < 13 && !n.hasAttr("axis")) n.attrs["axis"] = Attribute::ofInt(1);
        if ((n.opType == "Softmax" || n.opType == "LogSoftmax" || n.opType == "Hardmax") && opset < 13)
            n.attrs["legacy_coerce_2d"] = Attribute::ofInt(1);
    }

    void read(const std::string& bytes)
    {
        onnx::ModelProto model;
        if (bytes.size() > size_t(INT32_MAX))
            fail("the file is larger than the 2 GiB a protobuf can hold; save the weights as external data");
        google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(bytes.data()), int(bytes.size()));
        stream.SetRecursionLimit(64);
        if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
            fail("not a valid ONNX model: the protobuf data does not parse (the file is truncated, corrupted, or of "
                 "another format)");
        if (!model.has_graph() || model.graph().node_size() == 0)
            fail("not a valid ONNX model: it has no graph or no nodes (the file may be truncated)");

        g.info.format = "onnx";
        g.info.path = path;
        g.info.irVersion = model.ir_version();
        g.info.producer = model.producer_name() + (model.producer_version().empty() ? "" : " " + model.producer_version());
        for (const auto& op : model.opset_import()) {
            if (op.domain().empty() || op.domain() == "ai.onnx") g.info.sourceOpset = op.version();
            else g.info.extraOpsets[op.domain()] = op.version();
        }
        g.info.opset = std::max<int64_t>(g.info.sourceOpset, 13);
        if (g.info.sourceOpset > 0 && (g.info.sourceOpset < 6 || g.info.sourceOpset > 22))
            result.warnings.push_back("opset " + std::to_string(g.info.sourceOpset) +
                                      " is outside the tested range 6-21; operators are read with their latest semantics");

        if (options.runOnnxChecker) {
            try {
                onnx::checker::check_model(model);
            } catch (const std::exception& e) {
                std::string msg = e.what();
                result.warnings.push_back("ONNX checker: " + msg.substr(0, msg.find('\n')));
            }
            try {
                onnx::ShapeInferenceOptions opts{false, 0, false};
                onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), opts);
            } catch (const std::exception& e) {
                std::string msg = e.what();
                result.warnings.push_back("ONNX shape inference: " + msg.substr(0, msg.find('\n')));
            }
        }

        readGraph(model.graph(), {});
    }

    // Reads one graph: the model's, or (where = "node 'X' (If) then_branch: ") a subgraph, whose reads of names it
    // does not define are outer-scope references: they become its inputs, listed in Graph::captures.
    // Data movement on constants alone (weights reordered, transposed, cast; see isFoldableWeightOp) is folded: its
    // outputs become constants, so that the quantizers see the weights. The source model keeps the node; the writer
    // replaces it where it stores the weight quantized. return true when n was folded (it is not added then).
    bool foldConstant(const Node& n, const std::set<std::string>& graphOutputs)
    {
        if (!isFoldableWeightOp(n) || n.inputs.empty() || n.inputs[0] < 0) return false;
        std::vector<const Tensor*> in;
        for (int v : n.inputs) {
            if (v >= 0 && !g.values[size_t(v)].constant) return false;
            in.push_back(v < 0 ? nullptr : &*g.values[size_t(v)].constant);
        }
        for (int v : n.outputs)
            if (graphOutputs.count(g.values[size_t(v)].name)) return false;
        std::optional<std::vector<Tensor>> out;
        try {
            out = evaluateNode(n, in);
        } catch (const InputError&) {
            return false;  // the runtime reports it when it plans the model
        }
        if (!out || out->size() != n.outputs.size()) return false;
        for (size_t o = 0; o < n.outputs.size(); ++o) {
            Value& v = g.values[size_t(n.outputs[o])];
            v.type = (*out)[o].type();
            v.shape = (*out)[o].shape();
            v.constant = std::move((*out)[o]);
            v.producer = -1;
        }
        return true;
    }

    // prefix: what unnamed nodes' names start with (see onnxNodeNames)
    void readGraph(const onnx::GraphProto& gp, const std::string& where, const std::string& prefix = {})
    {
        const bool subgraph = !where.empty();
        std::set<std::string> initNames;
        for (const auto& t : gp.initializer()) {
            initNames.insert(t.name());
            g.addConstant(t.name(), readTensor(t));
        }
        for (const auto& in : gp.input()) {
            if (initNames.count(in.name())) continue;
            // (a subgraph's inputs may leave their type open: Loop bodies take the loop's values as they come)
            if (!in.type().has_tensor_type() && !(subgraph && in.type().value_case() == onnx::TypeProto::VALUE_NOT_SET))
                fail(where + "graph input '" + in.name() + "' is a sequence, map or optional; Quantscope supports tensor inputs only");
            Value v;
            v.name = in.name();
            if (!in.type().has_tensor_type()) v.type = DataType::Undefined;  // as the outer graph gives it
            int id = g.addValue(std::move(v));
            applyValueInfo(in);
            g.inputs.push_back(id);
        }
        std::set<std::string> outputNames;
        for (const auto& out : gp.output()) outputNames.insert(out.name());
        std::vector<std::string> nodeNames = onnxNodeNames(gp, prefix);
        int index = 0;
        for (const auto& np : gp.node()) {
            const std::string& name = nodeNames[size_t(index++)];
            std::string what = where + "node '" + name + "' (" + np.op_type() + ")";
            if (np.op_type() == "Constant" && (np.domain().empty() || np.domain() == "ai.onnx")) {
                if (np.output_size() != 1 || np.attribute_size() != 1) fail(what + ": must have one output and one attribute");
                const auto& a = np.attribute(0);
                Attribute attr = readAttribute(a, what);
                Tensor t;
                if (a.name() == "value") t = attr.t;
                else if (a.name() == "value_float") t = Tensor::scalarFloat(attr.f);
                else if (a.name() == "value_floats") t = Tensor::fromFloat(attr.floats, {int64_t(attr.floats.size())});
                else if (a.name() == "value_int") t = Tensor::fromInt64(std::span<const int64_t>(&attr.i, 1), {});
                else if (a.name() == "value_ints") t = Tensor::fromInt64(attr.ints, {int64_t(attr.ints.size())});
                else fail(what + ": unsupported Constant attribute '" + a.name() + "'");
                if (g.findValue(np.output(0)) >= 0) fail(what + ": output '" + np.output(0) + "' is defined twice");
                g.addConstant(np.output(0), std::move(t));
                continue;
            }
            Node n;
            n.name = name;
            n.opType = np.op_type();
            n.sourceOpType = np.op_type();
            n.domain = np.domain() == "ai.onnx" ? "" : np.domain();
            // ONNX Runtime's QuantizeLinear / DequantizeLinear (what its quantizer and Quantscope write for int16
            // below opset 21) compute what the standard ops do
            if (n.domain == "com.microsoft" && (n.opType == "QuantizeLinear" || n.opType == "DequantizeLinear")) n.domain.clear();
            for (const auto& a : np.attribute()) n.attrs[a.name()] = readAttribute(a, what, name);
            for (const auto& [key, a] : n.attrs)
                if (a.kind == AttrKind::Graph)
                    for (const std::string& c : a.g->captures)
                        if (std::find(n.captures.begin(), n.captures.end(), c) == n.captures.end()) n.captures.push_back(c);
            for (const auto& in : np.input()) n.inputs.push_back(in.empty() ? -1 : valueFor(in));
            for (const std::string& c : n.captures) n.inputs.push_back(valueFor(c));
            for (const auto& out : np.output()) {
                int id = valueFor(out);
                if (g.values[id].producer >= 0 || g.values[id].constant ||
                    std::find(g.inputs.begin(), g.inputs.end(), id) != g.inputs.end())
                    fail(what + ": output '" + out + "' is already defined elsewhere in the graph");
                n.outputs.push_back(id);
                g.values[id].producer = int(g.nodes.size());
            }
            int64_t opset = n.domain.empty() ? g.info.sourceOpset : 0;
            normalise(n, opset);
            if (foldConstant(n, outputNames)) continue;
            g.nodes.push_back(std::move(n));
        }
        for (const auto& vi : gp.value_info()) applyValueInfo(vi);
        for (const auto& out : gp.output()) {
            int id = g.findValue(out.name());
            if (id < 0 && subgraph) id = valueFor(out.name());  // an outer value passed through
            if (id < 0) fail("graph output '" + out.name() + "' is not produced by any node");
            applyValueInfo(out);
            g.outputs.push_back(id);
        }
        if (subgraph)
            for (size_t id = 0; id < g.values.size(); ++id) {
                const Value& v = g.values[id];
                if (!v.constant && v.producer < 0 && std::find(g.inputs.begin(), g.inputs.end(), int(id)) == g.inputs.end()) {
                    g.captures.push_back(v.name);
                    g.inputs.push_back(int(id));
                }
            }
        // Every consumed value must be defined: catches truncated and hand-edited graphs with a clear message.
        for (const Node& n : g.nodes)
            for (int in : n.inputs) {
                if (in < 0) continue;
                const Value& v = g.values[in];
                bool isInput = std::find(g.inputs.begin(), g.inputs.end(), in) != g.inputs.end();
                if (!v.constant && v.producer < 0 && !isInput)
                    fail(where + "node '" + n.name + "' (" + n.opType + ") reads '" + v.name +
                         "', which no node, initializer or graph input defines");
            }
        g.finalize();
    }
};

}  // namespace

Tensor readOnnxTensorFile(const std::string& path)
{
    std::string bytes = readFileBytes(path);
    onnx::TensorProto proto;
    if (!proto.ParseFromString(bytes)) throw InputError(path + ": not a serialised ONNX TensorProto");
    LoadOptions options;
    Reader r{path, options};
    return r.readTensor(proto);
}

LoadResult readOnnx(const std::string& bytes, const std::string& path, const LoadOptions& options)
{
    Reader r{path, options};
    try {
        r.read(bytes);
    } catch (const InputError&) {
        throw;
    } catch (const std::exception& e) {
        throw InputError(path + ": cannot read the ONNX model: " + e.what());
    }
    return std::move(r.result);
}

}  // namespace qs
