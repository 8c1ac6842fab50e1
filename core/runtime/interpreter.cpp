#include "runtime/interpreter.h"

#include <omp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "graph/error.h"
#include "graph/opregistry.h"
#include "runtime/kernel.h"
#include "util/memorybudget.h"

namespace qs {

struct Interpreter::Plan {
    struct Step {
        int node = -1;
        std::unique_ptr<Kernel> kernel;
        std::vector<int> inputs;   // value ids (-1 omitted)
        std::vector<int> outputs;  // value ids
        Activation post;           // applied by the interpreter when the kernel did not take it
        int fusedNode = -1;        // an activation node folded into this step
        FakeQuant fakeQuant;       // a QuantizeLinear -> DequantizeLinear pair on the output, folded into this step
    };
    std::vector<Step> steps;
    std::vector<Tensor> tensors;  // per value id: constants, folded values, or views of arena buffers
    std::vector<char> isConstant;
    std::vector<std::shared_ptr<const OpaqueLayout>> layouts;  // per value id: a kernel-private layout, or null
    std::vector<Tensor> observed;  // per value id in a private layout: its plain copy for observers (made on demand)
    std::vector<Shape> shapes;     // per value id, as inferred for this plan's inputs
    std::vector<DataType> types;   // and their element types
};

namespace {
// Small integer and bool graph inputs (shapes, axes, sizes, conditions) are planned as values: the plan cache is keyed
// on them.
bool isShapeLike(const Tensor& t)
{
    return (t.type() == DataType::Int64 || t.type() == DataType::Int32 || t.type() == DataType::Float32 || t.type() == DataType::Bool) &&
           t.count() <= 8 &&
           t.shape().size() <= 1;
}

// x * Clip(x + 3, 0, 6) / 6 (or * 1/6) written out in four nodes, as exporters from frameworks without a HardSwish
// op emit it (Paddle2ONNX's hard_swish): the Add, Clip, Mul and Div (or Mul) reading value x, when nothing else reads
// x or what they compute in between. The last node's output is HardSwish(x).
std::optional<std::array<int, 4>> hardSwishChain(const Graph& g, int x)
{
    const auto isOutput = [&g](int v) { return std::find(g.outputs.begin(), g.outputs.end(), v) != g.outputs.end(); };
    const auto scalar = [&g](int v, float want) {
        const Value& c = g.values[size_t(v)];
        return c.constant && c.constant->count() == 1 && std::abs(c.constant->toFloat()[0] - want) <= 1e-6f * std::max(1.f, std::abs(want));
    };
    const auto only = [&g, &isOutput](int v) { return g.values[size_t(v)].consumers.size() == 1 && !isOutput(v) ? g.values[size_t(v)].consumers[0] : -1; };
    const auto reads = [](const Node& n, int a, int b) {  // a binary node reading a and b, in either order
        return n.inputs.size() == 2 && ((n.inputs[0] == a && n.inputs[1] == b) || (n.inputs[0] == b && n.inputs[1] == a));
    };
    const Value& xv = g.values[size_t(x)];
    if (xv.consumers.size() != 2 || isOutput(x)) return std::nullopt;
    for (int addIndex : xv.consumers) {
        const Node& add = g.nodes[size_t(addIndex)];
        if (add.opType != "Add" || add.outputs.size() != 1 || add.inputs.size() != 2) continue;
        const int three = add.inputs[0] == x ? add.inputs[1] : add.inputs[0];
        if (three < 0 || !scalar(three, 3.f)) continue;
        const int clipIndex = only(add.outputs[0]);
        if (clipIndex < 0 || g.nodes[size_t(clipIndex)].opType != "Clip") continue;
        const Node& clip = g.nodes[size_t(clipIndex)];
        const auto bounds = Activation::fromNode(clip, g);
        if (!bounds || bounds->alpha != 0.f || bounds->beta != 6.f || clip.inputs[0] != add.outputs[0]) continue;
        const int mulIndex = only(clip.outputs[0]);
        if (mulIndex < 0) continue;
        const Node& mul = g.nodes[size_t(mulIndex)];
        if (mul.opType != "Mul" || !reads(mul, x, clip.outputs[0])) continue;  // reading x, it is x's other consumer
        const int lastIndex = only(mul.outputs[0]);
        if (lastIndex < 0) continue;
        const Node& last = g.nodes[size_t(lastIndex)];
        if (last.inputs.size() != 2 || last.inputs[0] != mul.outputs[0] || last.inputs[1] < 0) continue;
        if (!((last.opType == "Div" && scalar(last.inputs[1], 6.f)) || (last.opType == "Mul" && scalar(last.inputs[1], 1.f / 6.f)))) continue;
        return std::array<int, 4>{addIndex, clipIndex, mulIndex, lastIndex};
    }
    return std::nullopt;
}

// The ONNX QuantizeLinear -> DequantizeLinear pair that alone reads value v, with one constant scale and zero point
// (8 or 16 bits): the pair's nodes and its arithmetic. Nothing when v is read otherwise.
struct QuantPair {
    int q = -1, dq = -1;
    FakeQuant fq;
};
std::optional<QuantPair> quantPairAfter(const Graph& g, int v)
{
    auto only = [&](int value, const char* op) -> const Node* {
        const Value& x = g.values[size_t(value)];
        if (x.consumers.size() != 1 || std::find(g.outputs.begin(), g.outputs.end(), value) != g.outputs.end()) return nullptr;
        const Node& n = g.nodes[size_t(x.consumers[0])];
        return n.opType == op && n.domain.empty() && n.inputs.size() >= 2 && n.inputs[0] == value && !n.hasAttr("output_dtype") ? &n : nullptr;
    };
    auto scalar = [&](const Node& n, size_t i) -> const Tensor* {
        if (i >= n.inputs.size() || n.inputs[i] < 0) return nullptr;
        const auto& c = g.values[size_t(n.inputs[i])].constant;
        return c && c->count() == 1 ? &*c : nullptr;
    };
    const Node* q = only(v, "QuantizeLinear");
    const Node* dq = q ? only(q->outputs.at(0), "DequantizeLinear") : nullptr;
    if (!dq) return std::nullopt;
    const Tensor *qs = scalar(*q, 1), *qz = scalar(*q, 2), *ds = scalar(*dq, 1), *dz = scalar(*dq, 2);
    if (!qs || !ds || qs->type() != DataType::Float32 || ds->type() != DataType::Float32 || qs->toFloat()[0] != ds->toFloat()[0]) return std::nullopt;
    if (bool(qz) != (q->inputs.size() > 2 && q->inputs[2] >= 0) || bool(qz) != bool(dz)) return std::nullopt;
    const DataType type = qz ? qz->type() : DataType::UInt8;
    if ((type != DataType::Int8 && type != DataType::UInt8 && type != DataType::Int16) ||
        (qz && (dz->type() != type || qz->toInt64()[0] != dz->toInt64()[0])))
        return std::nullopt;
    QuantPair p;
    p.q = g.values[size_t(v)].consumers[0];
    p.dq = g.values[size_t(q->outputs[0])].consumers[0];
    p.fq.scale = qs->toFloat()[0];
    p.fq.zero = qz ? int32_t(qz->toInt64()[0]) : 0;
    p.fq.qmin = type == DataType::Int16 ? -32768.f : type == DataType::Int8 ? -128.f : 0.f;
    p.fq.qmax = type == DataType::Int16 ? 32767.f : type == DataType::Int8 ? 127.f : 255.f;
    if (!(p.fq.scale > 0.f) || !std::isfinite(p.fq.scale)) return std::nullopt;
    return p;
}

}  // namespace

Interpreter::Interpreter(const Graph& graph, InterpreterOptions options) : m_graph(graph), m_options(options)
{
    const char* profile = std::getenv("QUANTSCOPE_PROFILE");  // developer aid: per-op time on stderr at exit
    m_profile = profile && *profile && *profile != '0';
    auto bad = unsupportedNodes(graph);
    if (!bad.empty()) {
        std::string list;
        for (size_t i = 0; i < bad.size() && i < 20; ++i) list += (i ? ", " : "") + bad[i];
        if (bad.size() > 20) list += ", ... (" + std::to_string(bad.size()) + " in all)";
        throw InputError(graph.info.path + ": the runtime does not support " + std::to_string(bad.size()) +
                         " node(s): " + list);
    }
    for (const Node& n : graph.nodes)
        for (const auto& entry : n.attrs) m_hasSubgraphs = m_hasSubgraphs || entry.second.kind == AttrKind::Graph;
}

Interpreter::~Interpreter()
{
    if (!m_profile) return;
    std::vector<std::pair<double, std::string>> rows;
    for (const auto& [op, ms] : m_profileMs) rows.emplace_back(ms, op);
    std::sort(rows.rbegin(), rows.rend());
    for (const auto& [ms, op] : rows) std::fprintf(stderr, "profile: %-22s %10.3f ms\n", op.c_str(), ms);
}

std::vector<std::string> Interpreter::unsupportedNodes(const Graph& graph)
{
    std::vector<std::string> out;
    for (const Node& n : graph.nodes) {
        std::string label = "'" + n.name + "' (" + (n.sourceOpType.empty() ? n.opType : n.sourceOpType) + ")";
        if (!n.domain.empty() || !isOpSupported(n.opType) || !findOpSchema(n.opType)) {
            out.push_back(label);
            continue;
        }
        std::string why = n.attrString("fused_activation") == "SIGN_BIT" ? "fused activation SIGN_BIT" : unsupportedReason(n, graph);
        if (!why.empty()) out.push_back(label + ": " + why);
    }
    return out;
}

std::vector<Shape> Interpreter::valueShapes(const std::map<std::string, Tensor>& inputs)
{
    return planFor(inputs).shapes;
}

InferResult Interpreter::outputSignature(const std::map<std::string, Tensor>& inputs)
{
    const Plan& plan = planFor(inputs);
    InferResult r;
    for (int out : m_graph.outputs) {
        r.shapes.push_back(plan.shapes[size_t(out)]);
        r.types.push_back(plan.types[size_t(out)]);
    }
    return r;
}

Interpreter::Plan& Interpreter::planFor(const std::map<std::string, Tensor>& inputs)
{
    std::vector<int64_t> key;
    for (int in : m_graph.inputs) {
        auto it = inputs.find(m_graph.values[in].name);
        if (it == inputs.end()) continue;
        key.push_back(int64_t(it->second.type()));
        key.insert(key.end(), it->second.shape().begin(), it->second.shape().end());
        key.push_back(-2);
        if (isShapeLike(it->second)) {
            auto v = it->second.toInt64();
            key.insert(key.end(), v.begin(), v.end());
            key.push_back(-3);
        }
    }
    auto it = m_plans.find(key);
    if (it != m_plans.end()) return *it->second;
    if (m_plans.size() > 16) m_plans.clear();  // bounded cache for callers that vary shapes
    return *(m_plans[key] = buildPlan(inputs));
}

std::unique_ptr<Interpreter::Plan> Interpreter::buildPlan(const std::map<std::string, Tensor>& inputs)
{
    const Graph& g = m_graph;
    auto plan = std::make_unique<Plan>();
    plan->tensors.resize(g.values.size());
    plan->isConstant.assign(g.values.size(), 0);
    std::vector<Shape> shapes(g.values.size());
    std::vector<DataType> types(g.values.size(), DataType::Undefined);
    for (size_t v = 0; v < g.values.size(); ++v)
        if (g.values[v].constant) {
            plan->tensors[v] = *g.values[v].constant;
            plan->isConstant[v] = 1;
            shapes[v] = g.values[v].constant->shape();
            types[v] = g.values[v].constant->type();
        }
    for (int in : g.inputs) {
        const Value& v = g.values[in];
        auto it = inputs.find(v.name);
        if (it == inputs.end()) continue;  // reported by run()
        shapes[in] = it->second.shape();
        types[in] = it->second.type();
        if (isShapeLike(it->second)) {  // part of the plan key, so the plan may rely on its values
            plan->tensors[in] = it->second.clone();
            plan->isConstant[in] = 1;
        }
    }

    std::vector<char> fusedAway(g.nodes.size(), 0);
    std::vector<std::shared_ptr<const OpaqueLayout>> layouts(g.values.size());
    auto isGraphOutput = [&](int v) { return std::find(g.outputs.begin(), g.outputs.end(), v) != g.outputs.end(); };
    for (size_t ni = 0; ni < g.nodes.size(); ++ni) {
        if (fusedAway[ni]) continue;
        const Node& node = g.nodes[ni];
        PrepareContext ctx{node, {}, {}, {}, {}, {}, m_options.reference, {}, {}, {}, false, nullptr};
        for (int in : node.inputs) ctx.inputQuant.push_back(in < 0 ? nullptr : &g.values[in].quant);
        for (int out : node.outputs) ctx.outputQuant.push_back(&g.values[out].quant);
        bool allConst = true;
        for (int in : node.inputs) {
            if (in < 0) {
                ctx.inputShapes.emplace_back();
                ctx.inputTypes.push_back(DataType::Undefined);
                ctx.constants.push_back(nullptr);
                ctx.inputLayouts.push_back(nullptr);
                continue;
            }
            if (types[in] == DataType::Undefined)
                throw InputError("node '" + node.name + "' (" + node.opType + ") reads '" + g.values[in].name +
                                 "', which has no value (a missing graph input?)");
            ctx.inputShapes.push_back(shapes[in]);
            ctx.inputTypes.push_back(types[in]);
            ctx.constants.push_back(plan->isConstant[in] ? &plan->tensors[in] : nullptr);
            ctx.inputLayouts.push_back(layouts[in]);
            allConst = allConst && plan->isConstant[in];
        }
        // Shape and Size need only their input's shape, which the plan knows: fold them, and the shape arithmetic after.
        if (node.opType == "Shape" || node.opType == "Size") allConst = true;
        auto kernel = createKernel(node);
        if (!kernel) throw InputError("node '" + node.name + "' (" + node.opType + ") is not supported by the runtime");
        kernel->inheritOptions(m_options);
        InferResult inferred;
        if (!kernel->inferOutputs(ctx, inferred)) inferred = inferNode(InferContext{node, ctx.inputShapes, ctx.inputTypes, ctx.constants});
        for (size_t o = 0; o < node.outputs.size(); ++o) {
            if (!isStatic(inferred.shapes[o]) && inferred.types[o] != DataType::Undefined)
                throw InputError("node '" + node.name + "' (" + node.opType + "): output shape " +
                                 shapeToString(inferred.shapes[o]) +
                                 " depends on data; Quantscope needs shapes known before running (try --inputShape)");
            if (inferred.types[o] != DataType::Undefined) {
                long double n = 1;
                for (int64_t d : inferred.shapes[o]) n *= (long double)d;
                checkMemoryBudget(n * (long double)elementSize(inferred.types[o]),
                                  "node '" + node.name + "' (" + node.opType + "): output '" + g.values[node.outputs[o]].name + "' " +
                                      shapeToString(inferred.shapes[o]));
            }
            shapes[node.outputs[o]] = inferred.shapes[o];
            types[node.outputs[o]] = inferred.types[o];
        }
        ctx.outputShapes = inferred.shapes;
        ctx.outputTypes = inferred.types;

        // Activations are offered before prepare(), which may build them into the primitive.
        Activation post = Activation::fromFusedName(node.attrString("fused_activation"));
        if (post.kind != Activation::None && kernel->fuseActivation(post)) post = {};
        Plan::Step step;
        step.node = int(ni);
        step.inputs = node.inputs;
        step.outputs = node.outputs;
        bool canFuse = m_options.fuse && !allConst && post.kind == Activation::None && node.outputs.size() == 1 &&
                       types[node.outputs[0]] == DataType::Float32 &&
                       !node.hasAttr("fused_activation");
        if (canFuse) {
            // Fuse the point-wise steps that follow while nobody else reads the intermediate tensors and the kernel
            // takes them: an activation, a HardSwish written out in four nodes (four passes over the tensor saved),
            // a scale or shift by a scalar constant (x * c + d: learnable affine blocks, unfolded batch norms).
            for (int cur = node.outputs[0]; !isGraphOutput(cur);) {
                const Value& out = g.values[size_t(cur)];
                std::vector<int> chain;
                Activation a;
                if (out.consumers.size() == 1) {
                    const int next = out.consumers[0];
                    const Node& n = g.nodes[size_t(next)];
                    if (auto act = Activation::fromNode(n, g); act && n.inputs[0] == cur) a = *act, chain = {next};
                    else if (auto lin = Activation::scalarAffine(n, g, cur); lin) {
                        // (a constant of higher rank would broadcast the output to it)
                        const int c = n.inputs[0] == cur ? n.inputs[1] : n.inputs[0];
                        if (g.values[size_t(c)].constant->shape().size() <= shapes[size_t(cur)].size()) a = *lin, chain = {next};
                    }
                } else if (auto hs = hardSwishChain(g, cur)) {
                    a.kind = Activation::HardSwish;
                    chain.assign(hs->begin(), hs->end());
                }
                if (chain.empty()) break;
                bool fusible = true;
                for (int c : chain) fusible = fusible && (!m_options.fusible || m_options.fusible(g.nodes[size_t(c)]));
                if (!fusible || !kernel->fuseActivation(a)) break;
                for (int c : chain) fusedAway[size_t(c)] = 1;
                step.fusedNode = chain.back();
                step.outputs = g.nodes[size_t(chain.back())].outputs;
                shapes[step.outputs[0]] = shapes[node.outputs[0]];
                types[step.outputs[0]] = types[node.outputs[0]];
                cur = step.outputs[0];
            }
        }
        // A QuantizeLinear -> DequantizeLinear pair on the step's output (the simulation of a QDQ model) is computed in
        // place on it, in whatever layout the kernel writes, instead of two steps and the reorders to plain row-major
        // they need. The integer tensor between them is never made (observers do not see it).
        if (m_options.fuse && !allConst && step.outputs.size() == 1 && types[step.outputs[0]] == DataType::Float32)
            if (auto pair = quantPairAfter(g, step.outputs[0]); pair && (!m_options.fusible || m_options.fusible(g.nodes[size_t(pair->q)]))) {
                const int out = g.nodes[size_t(pair->dq)].outputs.at(0);
                shapes[out] = shapes[step.outputs[0]];
                types[out] = DataType::Float32;
                fusedAway[size_t(pair->q)] = fusedAway[size_t(pair->dq)] = 1;
                step.outputs = {out};
                step.fakeQuant = pair->fq;
            }
        if (m_options.fuse && m_options.opaqueLayouts && !allConst && !step.outputs.empty() && !isGraphOutput(step.outputs[0])) {
            const Value& out = g.values[step.outputs[0]];
            ctx.outputOpaqueAllowed = !out.consumers.empty();
            for (int c : out.consumers) {
                const Node& reader = g.nodes[c];
                for (size_t i = 0; i < reader.inputs.size(); ++i)
                    if (reader.inputs[i] == step.outputs[0] && !acceptsOpaqueInput(reader, i)) ctx.outputOpaqueAllowed = false;
            }
        }
        kernel->prepare(ctx);
        if (ctx.outputLayout && !step.outputs.empty()) layouts[step.outputs[0]] = ctx.outputLayout;

        if (allConst && !node.outputs.empty()) {
            // Fold: compute now, once, and treat the results as constants.
            std::vector<const Tensor*> ins;
            for (int in : node.inputs) ins.push_back(in < 0 ? nullptr : &plan->tensors[in]);
            std::vector<Tensor*> outs;
            for (size_t o = 0; o < node.outputs.size(); ++o) {
                int id = node.outputs[o];
                plan->tensors[id] = types[id] == DataType::Undefined ? Tensor() : Tensor(types[id], shapes[id]);
                plan->isConstant[id] = 1;
                outs.push_back(&plan->tensors[id]);
            }
            kernel->run(ins, outs);
            if (post.kind != Activation::None) post.apply(outs[0]->data<float>(), size_t(outs[0]->count()));
            continue;
        }
        step.post = post;
        step.kernel = std::move(kernel);
        plan->steps.push_back(std::move(step));
    }

    // Liveness-based buffer reuse: a value's buffer returns to the pool after its last reader ran.
    std::vector<int> lastUse(g.values.size(), -1);
    for (size_t s = 0; s < plan->steps.size(); ++s)
        for (int in : plan->steps[s].inputs)
            if (in >= 0) lastUse[in] = int(s);
    for (int out : g.outputs) lastUse[out] = int(plan->steps.size());
    struct Buffer {
        std::shared_ptr<uint8_t> storage;
        size_t capacity = 0;
        bool busy = false;
    };
    std::vector<Buffer> pool;
    std::vector<int> bufferOf(g.values.size(), -1);
    std::vector<size_t> need(g.values.size(), 0);
    for (size_t s = 0; s < plan->steps.size(); ++s) {
        for (int out : plan->steps[s].outputs) {
            if (types[out] == DataType::Undefined) continue;
            size_t bytes = layouts[out] ? layouts[out]->bytes : size_t(elementCount(shapes[out])) * elementSize(types[out]);
            bytes = std::max<size_t>(bytes, 1);
            // Smallest free buffer that fits; else the largest free one (it grows); else a new one.
            int best = -1;
            auto fits = [&](int b) { return pool[b].capacity >= bytes; };
            for (int b = 0; b < int(pool.size()); ++b) {
                if (pool[b].busy) continue;
                if (best < 0 || (fits(b) && (!fits(best) || pool[b].capacity < pool[best].capacity)) ||
                    (!fits(b) && !fits(best) && pool[b].capacity > pool[best].capacity))
                    best = b;
            }
            if (best < 0) {
                pool.push_back({});
                best = int(pool.size() - 1);
            }
            pool[best].capacity = std::max(pool[best].capacity, bytes);
            pool[best].busy = true;
            bufferOf[out] = best;
            need[out] = bytes;
            if (lastUse[out] < 0) lastUse[out] = int(s);  // unread output (e.g. Dropout mask): free after the step
        }
        auto release = [&](int v) {
            if (v >= 0 && bufferOf[v] >= 0 && lastUse[v] == int(s)) pool[bufferOf[v]].busy = false;
        };
        for (int in : plan->steps[s].inputs) release(in);
        for (int out : plan->steps[s].outputs) release(out);
    }
    long double total = 0;
    for (const Buffer& b : pool) total += (long double)b.capacity;
    checkMemoryBudget(total, "running the model (its activation buffers for these input shapes)");
    for (Buffer& b : pool) {
        auto* p = static_cast<uint8_t*>(std::aligned_alloc(64, (b.capacity + 63) / 64 * 64));
        if (!p) throw std::bad_alloc();
        b.storage = std::shared_ptr<uint8_t>(p, [](uint8_t* q) { std::free(q); });
    }
    for (size_t v = 0; v < g.values.size(); ++v)
        if (bufferOf[v] >= 0) plan->tensors[v] = Tensor::view(types[v], shapes[v], pool[bufferOf[v]].storage);
    plan->layouts = std::move(layouts);
    plan->observed.resize(g.values.size());
    plan->shapes = std::move(shapes);
    plan->types = std::move(types);
    return plan;
}

std::vector<Tensor> Interpreter::run(const std::map<std::string, Tensor>& inputs, const TensorObserver& observer,
                                     const BlockedObserver& blocked, const SubgraphObserver& nested)
{
    const Graph& g = m_graph;
    for (int in : g.inputs) {
        const Value& v = g.values[in];
        auto it = inputs.find(v.name);
        if (it == inputs.end()) {
            std::string names = g.inputNames();
            throw InputError("missing input '" + v.name + "' (the model's inputs are: " + names + ")");
        }
        const Tensor& t = it->second;
        if (v.type != DataType::Undefined && t.type() != v.type)
            throw InputError("input '" + v.name + "' has type " + std::string(dataTypeName(t.type())) + ", the model expects " +
                             std::string(dataTypeName(v.type)));
        if (!Graph::shapeFits(v.shape, t.shape()))
            throw InputError("input '" + v.name + "' has shape " + shapeToString(t.shape()) + ", the model expects " +
                             shapeToString(v.shape));
    }
    for (const auto& [name, t] : inputs) {
        int id = g.findValue(name);
        if (id < 0 || std::find(g.inputs.begin(), g.inputs.end(), id) == g.inputs.end()) {
            std::string names = g.inputNames();
            throw InputError("'" + name + "' is not an input of the model (inputs: " + names + ")");
        }
    }
    omp_set_num_threads(std::max(1, m_options.threads));
    Plan& plan = planFor(inputs);
    for (int in : g.inputs) {
        if (!plan.isConstant[in]) plan.tensors[in] = inputs.at(g.values[in].name);
        if (observer) observer(-1, in, plan.tensors[in]);
    }
    // (a kernel keeps the observer only for this run: it is reset below, also when a kernel throws)
    struct Watch {
        Plan& plan;
        bool on;
        ~Watch()
        {
            if (on)
                for (Plan::Step& step : plan.steps) step.kernel->observeSubgraphs(nullptr);
        }
    } watch{plan, m_hasSubgraphs && bool(nested)};
    if (watch.on)
        for (Plan::Step& step : plan.steps) step.kernel->observeSubgraphs(&nested);
    std::vector<const Tensor*> ins;
    std::vector<Tensor*> outs;
    for (Plan::Step& step : plan.steps) {
        ins.clear();
        outs.clear();
        for (int in : step.inputs) ins.push_back(in < 0 ? nullptr : &plan.tensors[in]);
        for (int out : step.outputs) outs.push_back(&plan.tensors[out]);
        auto t0 = m_profile ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
        step.kernel->run(ins, outs);
        if (step.post.kind != Activation::None) step.post.apply(outs[0]->data<float>(), size_t(outs[0]->count()));
        if (step.fakeQuant) {  // over the whole buffer: a channel-blocked layout's padding (zeros) stays zero
            const OpaqueLayout* l = plan.layouts[size_t(step.outputs[0])].get();
            step.fakeQuant.apply(outs[0]->data<float>(), l ? int64_t(l->bytes / sizeof(float)) : outs[0]->count());
        }
        if (m_profile)
            m_profileMs[g.nodes[step.node].opType] +=
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (observer)
            for (int out : step.outputs) {
                const Tensor* seen = &plan.tensors[out];
                const int node = step.fusedNode >= 0 ? step.fusedNode : step.node;
                if (const OpaqueLayout* l = plan.layouts[size_t(out)].get()) {  // observers see plain row-major
                    int64_t block = blocked ? l->channelBlock() : 0;
                    if (block > 0 && blocked(node, out, static_cast<const float*>(seen->raw()), seen->shape(), block)) continue;
                    Tensor& plain = plan.observed[size_t(out)];
                    if (plain.empty()) plain = Tensor(seen->type(), seen->shape());
                    l->toPlain(seen->raw(), plain.raw());
                    seen = &plain;
                }
                observer(node, out, *seen);
            }
    }
    std::vector<Tensor> result;
    for (int out : g.outputs) result.push_back(plan.tensors[out].clone());
    for (int in : g.inputs)
        if (!plan.isConstant[in]) plan.tensors[in] = Tensor();  // do not keep the caller's buffers alive
    return result;
}

}  // namespace qs
