#pragma once
#include <QFutureWatcher>
#include <QGraphicsView>
#include <QLabel>

#include <map>
#include <memory>

#include "graphlayout.h"

class QGraphicsItem;
class QGraphicsRectItem;
class QMenu;
class QToolButton;

namespace qs {

class GraphMinimap;

/** The model graph like Netron draws it: layered top-down, laid out on a worker thread, nodes coloured by op
 *  category, or by their quantization error (cosine) once known. Wheel zooms, dragging pans, a click selects; an overview of the whole graph sits in the corner when it does not
 *  fit. */
class GraphView : public QGraphicsView {
    Q_OBJECT
public:
    explicit GraphView(QWidget* parent = nullptr);
    ~GraphView() override;

    // Lays graph out in the background; laidOut() follows. The graph must outlive the view's use of it.
    void setGraph(std::shared_ptr<const Graph> graph);
    // Shows the subgraph attribute key (then_branch, else_branch, body) of node in the graph shown now (double-click
    // or the context menu); return false when the node has none. closeSubgraph (Backspace, the back button) returns
    // to the graph around it. location(): "If_0 / then_branch" and so on, empty at the model's graph.
    bool openSubgraph(const QString& node, const QString& key = {});
    void closeSubgraph();
    QString location() const;
    bool isLayingOut() const { return m_watcher.isRunning(); }
    int nodeItemCount() const { return int(m_items.size()); }
    // Colours quantized nodes by their worst tensor cosine on this run's range (legend shown), float nodes grey;
    // empty: colour by category.
    void setNodeCosine(const std::map<std::string, double>& cosine);
    // Small labels in the nodes' top right corner (the per-node choices: float, W4, KL); nodes not named have none.
    void setBadges(const std::map<std::string, QString>& badges);
    QString badge(const std::string& node) const;  // as shown now ("" when none)
    void selectNode(const std::string& name);
    // return the names of nodes whose name or op contains text (case-insensitive); the first is selected
    QStringList find(const QString& text);
    void fit();

signals:
    void laidOut(double milliseconds);
    void nodeClicked(const QString& name);
    void skipRequested(const QString& name);  // from the node's context menu
    // the node's context menu is about to show: receivers add their entries (per-node choices) to menu
    void nodeMenuRequested(const QString& name, QMenu* menu);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void display(std::shared_ptr<const Graph> graph);  // lays out graph (the model's or a subgraph)
    QString nodeAt(const QPoint& pos) const;
    void build(const GraphLayout& layout);
    void recolour();
    void placeBadges();
    void retranslate();
    void changeEvent(QEvent* event) override;

    std::shared_ptr<const Graph> m_graph;  // shown now
    // the graphs around it, outermost first, with the "node / key" that opened the next one
    std::vector<std::pair<std::shared_ptr<const Graph>, QString>> m_outer;
    QWidget* m_crumbs = nullptr;  // back button and location, shown inside a subgraph
    QLabel* m_location = nullptr;
    QToolButton* m_back = nullptr;
    QFutureWatcher<GraphLayout> m_watcher;
    qint64 m_started = 0;
    std::vector<QGraphicsRectItem*> m_items;  // per node
    std::map<std::string, double> m_cosine;
    std::map<std::string, QString> m_badges;
    std::vector<QGraphicsItem*> m_badgeItems;  // per node, or null
    double m_worst = 0, m_best = 1;  // the range of m_cosine
    QWidget* m_legend = nullptr;
    QLabel* m_legendWorst = nullptr;
    QLabel* m_legendBest = nullptr;
    QLabel* m_legendTitle = nullptr;
    QLabel* m_legendFloat = nullptr;
    GraphMinimap* m_minimap = nullptr;  // over the bottom-right corner when the graph does not fit
    int m_selected = -1;
};

}  // namespace qs
