#pragma once
#include <vector>

#include "graph/graph.h"

namespace qs {

/** A layered top-down drawing of a graph (Sugiyama style, simplified): each node on the layer after its deepest
 *  producer, nodes of a layer ordered by the mean position of their producers (a few sweeps), edges as
 *  producer -> consumer segments. Pure computation: safe on any thread. */
struct GraphLayout {
    struct Box {
        double x = 0, y = 0;  // top-left
        int layer = 0;
    };
    struct Edge {
        int from = 0, to = 0;  // node indices
    };
    std::vector<Box> boxes;  // per node of the graph
    std::vector<Edge> edges;
    double width = 0, height = 0;
    static constexpr double kBoxWidth = 180, kBoxHeight = 38, kGapX = 24, kGapY = 34;
};

GraphLayout layoutGraph(const Graph& graph);

}  // namespace qs
