// Graph view speed: time from handing a loaded graph to the view until its scene is built (layout on a worker
// thread, then the items), for ppocr_v4_det.onnx (the largest shared model) and a graph of at least 1,000 nodes
// (no shared model is that large: the real ppocr graph is chained after itself until it is). Targets: 0.5 s and
// 1 s. Also the repaint after a node click (the selection and the overview drawn anew). Prints JSON.
// Usage: bench_layout [DATA_DIR]   (QT_QPA_PLATFORM=offscreen works)
#include <QApplication>
#include <QElapsedTimer>
#include <QSignalSpy>

#include <cstdio>

#include "formats/modelloader.h"
#include "graphview.h"

using namespace qs;

namespace {
// return the time to lay out and build g's view, and the mean time of a node click's repaint (the selection drawn,
// the overview in the corner drawn anew), over 5 clicks
std::pair<double, double> timeView(std::shared_ptr<const Graph> g)
{
    GraphView view;
    view.resize(1000, 800);
    view.show();
    QSignalSpy done(&view, &GraphView::laidOut);
    QElapsedTimer t;
    t.start();
    view.setGraph(g);
    done.wait(60000);
    const double layout = double(t.nsecsElapsed()) / 1e6;
    t.restart();
    for (size_t k = 0; k < 5; ++k) {
        view.selectNode(g->nodes[k * g->nodes.size() / 5].name);
        view.grab();  // paints the view and the overview, as the next frame would
    }
    return {layout, double(t.nsecsElapsed()) / 1e6 / 5};
}

// n copies of g's nodes one after another, copy k reading copy k-1's first output instead of the graph input
Graph repeated(const Graph& g, int copies)
{
    Graph out = g;
    for (int k = 1; k < copies; ++k) {
        size_t valueBase = out.values.size();
        for (const Value& v : g.values) {
            Value c = v;
            c.name += "#" + std::to_string(k);
            c.producer = -1;
            c.consumers.clear();
            out.values.push_back(std::move(c));
        }
        int previousOut = k == 1 ? g.outputs[0] : int(valueBase - g.values.size()) + g.outputs[0];
        for (const Node& n : g.nodes) {
            Node c = n;
            c.name += "#" + std::to_string(k);
            for (int& in : c.inputs)
                if (in >= 0) in = in == g.inputs[0] ? previousOut : int(valueBase) + in;
            for (int& o : c.outputs) o += int(valueBase);
            out.nodes.push_back(std::move(c));
        }
    }
    out.finalize();
    return out;
}
}  // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    std::string data = argc > 1 ? argv[1] : QUANTSCOPE_DATA_DIR;
    auto ppocr = std::make_shared<const Graph>(loadModel(data + "/models/ppocr_v4_det.onnx").graph);
    auto big = std::make_shared<const Graph>(repeated(*ppocr, int((1000 + ppocr->nodes.size() - 1) / ppocr->nodes.size())));
    auto [a, aClick] = timeView(ppocr);
    auto [b, bClick] = timeView(big);
    std::printf("{\"ppocr_v4_det_nodes\":%zu,\"ppocr_v4_det_ms\":%.1f,\"ppocr_v4_det_click_ms\":%.1f,\"large_nodes\":%zu,\"large_ms\":%.1f,"
                "\"large_click_ms\":%.1f}\n",
                ppocr->nodes.size(), a, aClick, big->nodes.size(), b, bClick);
    return 0;
}
