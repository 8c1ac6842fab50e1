#include "graph/graph.h"

#include <queue>

#include "graph/error.h"
#include "graph/opregistry.h"

namespace qs {

std::string Attribute::toString() const
{
    auto join = [](const auto& v) {
        std::string s = "[";
        for (size_t i = 0; i < v.size(); ++i) {
            if (i) s += ", ";
            if constexpr (std::is_same_v<std::decay_t<decltype(v[0])>, std::string>) s += v[i];
            else s += std::to_string(v[i]);
        }
        return s + "]";
    };
    switch (kind) {
    case AttrKind::Int: return std::to_string(i);
    case AttrKind::Float: return std::to_string(f);
    case AttrKind::String: return s;
    case AttrKind::Ints: return join(ints);
    case AttrKind::Floats: return join(floats);
    case AttrKind::Strings: return join(strings);
    case AttrKind::Tensor: return "tensor " + std::string(dataTypeName(t.type())) + shapeToString(t.shape());
    case AttrKind::Graph: return "graph of " + std::to_string(g ? g->nodes.size() : 0) + " nodes";
    }
    return {};
}

const Attribute* Node::attr(const std::string& key) const
{
    auto it = attrs.find(key);
    if (it != attrs.end()) return &it->second;
    if (const OpSchema* schema = findOpSchema(opType))
        for (const AttrSchema& a : schema->attrs)
            if (a.name == key && a.defaultValue) return &*a.defaultValue;
    return nullptr;
}

int64_t Node::attrInt(const std::string& key, int64_t fallback) const
{
    const Attribute* a = attr(key);
    if (!a) return fallback;
    return a->kind == AttrKind::Float ? int64_t(a->f) : a->i;
}

float Node::attrFloat(const std::string& key, float fallback) const
{
    const Attribute* a = attr(key);
    if (!a) return fallback;
    return a->kind == AttrKind::Int ? float(a->i) : a->f;
}

std::string Node::attrString(const std::string& key, const std::string& fallback) const
{
    const Attribute* a = attr(key);
    return a ? a->s : fallback;
}

std::vector<int64_t> Node::attrInts(const std::string& key, std::vector<int64_t> fallback) const
{
    const Attribute* a = attr(key);
    return a ? a->ints : fallback;
}

std::vector<float> Node::attrFloats(const std::string& key) const
{
    const Attribute* a = attr(key);
    return a ? a->floats : std::vector<float>{};
}

void kernelError(const Node& node, const std::string& msg)
{
    throw InputError("node '" + node.name + "' (" + node.opType + "): " + msg);
}

int Graph::findValue(const std::string& name) const
{
    auto it = m_valueIndex.find(name);
    return it == m_valueIndex.end() ? -1 : it->second;
}

int Graph::findNode(const std::string& name) const
{
    for (size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].name == name) return int(i);
    return -1;
}

int Graph::addValue(Value v)
{
    int id = int(values.size());
    m_valueIndex[v.name] = id;
    values.push_back(std::move(v));
    return id;
}

int Graph::addConstant(const std::string& name, Tensor t)
{
    Value v;
    v.name = name;
    v.type = t.type();
    v.shape = t.shape();
    v.constant = std::move(t);
    return addValue(std::move(v));
}

int Graph::addNode(Node n)
{
    int id = int(nodes.size());
    for (int in : n.inputs)
        if (in >= 0) values[in].consumers.push_back(id);
    for (int out : n.outputs) values[out].producer = id;
    nodes.push_back(std::move(n));
    return id;
}

std::string Graph::uniqueValueName(const std::string& base) const
{
    if (findValue(base) < 0) return base;
    for (int i = 1;; ++i) {
        std::string candidate = base + "_" + std::to_string(i);
        if (findValue(candidate) < 0) return candidate;
    }
}

void Graph::finalize()
{
    // Kahn's algorithm, stable with respect to the original order.
    std::vector<int> producer(values.size(), -1);
    for (size_t n = 0; n < nodes.size(); ++n)
        for (int out : nodes[n].outputs) producer[out] = int(n);
    std::vector<int> pending(nodes.size(), 0);
    std::vector<std::vector<int>> users(nodes.size());
    for (size_t n = 0; n < nodes.size(); ++n)
        for (int in : nodes[n].inputs)
            if (in >= 0 && producer[in] >= 0) {
                ++pending[n];
                users[producer[in]].push_back(int(n));
            }
    std::priority_queue<int, std::vector<int>, std::greater<>> ready;
    for (size_t n = 0; n < nodes.size(); ++n)
        if (pending[n] == 0) ready.push(int(n));
    std::vector<int> order;
    order.reserve(nodes.size());
    while (!ready.empty()) {
        int n = ready.top();
        ready.pop();
        order.push_back(n);
        for (int u : users[n])
            if (--pending[u] == 0) ready.push(u);
    }
    if (order.size() != nodes.size()) {
        for (size_t n = 0; n < nodes.size(); ++n)
            if (pending[n] > 0)
                throw InputError("the graph has a cycle through node '" + nodes[n].name + "' (" + nodes[n].opType +
                                 "); a model must be a directed acyclic graph");
    }
    std::vector<Node> sorted;
    sorted.reserve(nodes.size());
    for (int n : order) sorted.push_back(std::move(nodes[n]));
    nodes = std::move(sorted);
    for (Value& v : values) {
        v.producer = -1;
        v.consumers.clear();
    }
    m_valueIndex.clear();
    for (size_t i = 0; i < values.size(); ++i) m_valueIndex[values[i].name] = int(i);
    for (size_t n = 0; n < nodes.size(); ++n) {
        for (int in : nodes[n].inputs)
            if (in >= 0) values[in].consumers.push_back(int(n));
        for (int out : nodes[n].outputs) values[out].producer = int(n);
    }
}

std::string Graph::inputNames() const
{
    std::string names;
    for (int in : inputs) names += (names.empty() ? "" : ", ") + values[size_t(in)].name;
    return names;
}

bool Graph::shapeFits(const Shape& declared, const Shape& actual)
{
    if (declared.empty()) return true;
    if (declared.size() != actual.size()) return false;
    for (size_t d = 0; d < declared.size(); ++d)
        if (declared[d] >= 0 && declared[d] != actual[d]) return false;
    return true;
}

std::vector<SubgraphRef> Graph::subgraphs() const
{
    std::vector<SubgraphRef> out;
    for (const Node& node : nodes)
        for (const auto& [key, a] : node.attrs)
            if (a.kind == AttrKind::Graph && a.g) {
                const std::string path = node.name + "/" + key + "/";
                out.push_back({a.g.get(), &node, key, path});
                for (SubgraphRef inner : a.g->subgraphs()) {
                    inner.path = path + inner.path;
                    out.push_back(std::move(inner));
                }
            }
    return out;
}

size_t Graph::totalNodeCount() const
{
    size_t n = nodes.size();
    for (const SubgraphRef& s : subgraphs()) n += s.graph->nodes.size();
    return n;
}

int64_t Graph::parameterCount() const
{
    int64_t n = 0;
    auto add = [&n](const Graph& g) {
        for (const Value& v : g.values)
            if (v.constant && !v.consumers.empty()) n += v.constant->count();
    };
    add(*this);
    for (const SubgraphRef& s : subgraphs()) add(*s.graph);
    return n;
}

int64_t Graph::parameterBytes() const
{
    int64_t n = 0;
    auto add = [&n](const Graph& g) {
        for (const Value& v : g.values)
            if (v.constant && !v.consumers.empty()) n += int64_t(v.constant->byteSize());
    };
    add(*this);
    for (const SubgraphRef& s : subgraphs()) add(*s.graph);
    return n;
}

}  // namespace qs
