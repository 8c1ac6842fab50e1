#include "graphlayout.h"

#include <algorithm>
#include <numeric>

namespace qs {

GraphLayout layoutGraph(const Graph& g)
{
    GraphLayout out;
    const size_t n = g.nodes.size();
    out.boxes.resize(n);
    std::vector<std::vector<int>> preds(n);
    for (size_t i = 0; i < n; ++i)
        for (int in : g.nodes[i].inputs) {
            if (in < 0) continue;
            int p = g.values[size_t(in)].producer;
            if (p >= 0 && std::find(preds[i].begin(), preds[i].end(), p) == preds[i].end()) {
                preds[i].push_back(p);
                out.edges.push_back({p, int(i)});
            }
        }
    // Layers: nodes are in topological order, so producers are settled first.
    int layers = 0;
    for (size_t i = 0; i < n; ++i) {
        int l = 0;
        for (int p : preds[i]) l = std::max(l, out.boxes[size_t(p)].layer + 1);
        out.boxes[i].layer = l;
        layers = std::max(layers, l + 1);
    }
    std::vector<std::vector<int>> byLayer(static_cast<size_t>(layers));
    for (size_t i = 0; i < n; ++i) byLayer[size_t(out.boxes[i].layer)].push_back(int(i));
    // Order within layers by the barycentre of the producers' positions, a few downward sweeps.
    std::vector<double> pos(n, 0);
    for (auto& layer : byLayer)
        for (size_t k = 0; k < layer.size(); ++k) pos[size_t(layer[k])] = double(k) - double(layer.size()) / 2;
    for (int sweep = 0; sweep < 4; ++sweep)
        for (auto& layer : byLayer) {
            std::vector<double> key(layer.size());
            for (size_t k = 0; k < layer.size(); ++k) {
                const auto& ps = preds[size_t(layer[k])];
                key[k] = ps.empty() ? pos[size_t(layer[k])]
                                    : std::accumulate(ps.begin(), ps.end(), 0.0, [&](double a, int p) { return a + pos[size_t(p)]; }) / double(ps.size());
            }
            std::vector<size_t> order(layer.size());
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key[a] < key[b]; });
            std::vector<int> sorted;
            for (size_t k : order) sorted.push_back(layer[k]);
            layer = sorted;
            for (size_t k = 0; k < layer.size(); ++k) pos[size_t(layer[k])] = double(k) - double(layer.size()) / 2;
        }
    size_t widest = 1;
    for (const auto& layer : byLayer) widest = std::max(widest, layer.size());
    out.width = double(widest) * (GraphLayout::kBoxWidth + GraphLayout::kGapX);
    out.height = double(layers) * (GraphLayout::kBoxHeight + GraphLayout::kGapY);
    for (size_t l = 0; l < byLayer.size(); ++l)
        for (size_t k = 0; k < byLayer[l].size(); ++k) {
            GraphLayout::Box& b = out.boxes[size_t(byLayer[l][k])];
            b.x = out.width / 2 + pos[size_t(byLayer[l][k])] * (GraphLayout::kBoxWidth + GraphLayout::kGapX);
            b.y = double(l) * (GraphLayout::kBoxHeight + GraphLayout::kGapY);
        }
    return out;
}

}  // namespace qs
