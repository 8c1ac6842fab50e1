#include "graphview.h"

#include <QDateTime>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLinearGradient>
#include <QPainter>
#include <QContextMenuEvent>
#include <QMenu>
#include <QMouseEvent>
#include <QPainterPath>
#include <QResizeEvent>
#include <QToolButton>
#include <QWheelEvent>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

#include "colours.h"
#include "graphminimap.h"
#include "graph/opregistry.h"

namespace qs {

namespace {
QColor categoryColour(const Node& n)
{
    const OpSchema* s = findOpSchema(n.opType);
    switch (s ? s->category : OpCategory::Tensor) {
    case OpCategory::Conv: return QColor(51, 102, 170);
    case OpCategory::Gemm: return QColor(60, 130, 160);
    case OpCategory::Activation: return QColor(160, 60, 50);
    case OpCategory::Pool: return QColor(50, 120, 70);
    case OpCategory::Normalization: return QColor(100, 80, 150);
    case OpCategory::Elementwise: return QColor(110, 110, 110);
    case OpCategory::Quant: return QColor(170, 120, 30);
    default: return QColor(130, 110, 90);
    }
}
}  // namespace

GraphView::GraphView(QWidget* parent) : QGraphicsView(parent)
{
    setScene(new QGraphicsScene(this));
    setDragMode(QGraphicsView::ScrollHandDrag);
    setRenderHint(QPainter::Antialiasing);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setViewportUpdateMode(QGraphicsView::BoundingRectViewportUpdate);
    setBackgroundBrush(QColor(250, 250, 250));
    // The error scale's legend, over the view's top-left corner: worst and best cosine of the run, float in grey.
    m_legend = new QWidget(this);
    m_legend->setObjectName("cosineLegend");
    m_legend->setAutoFillBackground(true);
    auto* row = new QHBoxLayout(m_legend);
    row->setContentsMargins(6, 3, 6, 3);
    m_legendTitle = new QLabel;
    m_legendWorst = new QLabel;
    m_legendWorst->setObjectName("legendWorst");
    m_legendBest = new QLabel;
    m_legendBest->setObjectName("legendBest");
    auto* bar = new QLabel;
    QPixmap ramp(120, 12);
    {
        QPainter p(&ramp);
        QLinearGradient grad(0, 0, 120, 0);
        for (int i = 0; i <= 10; ++i) grad.setColorAt(i / 10.0, relativeCosineColour(i / 10.0, 0, 1));
        p.fillRect(ramp.rect(), grad);
    }
    bar->setPixmap(ramp);
    auto* grey = new QLabel;
    QPixmap swatch(12, 12);
    swatch.fill(QColor(150, 150, 150));
    grey->setPixmap(swatch);
    m_legendFloat = new QLabel;
    for (QWidget* w : std::initializer_list<QWidget*>{m_legendTitle, m_legendWorst, bar, m_legendBest, grey, m_legendFloat}) row->addWidget(w);
    m_legend->move(8, 8);
    m_legend->hide();
    // inside a subgraph: where, and the way back (below the legend)
    m_crumbs = new QWidget(this);
    m_crumbs->setObjectName("subgraphBar");
    m_crumbs->setAutoFillBackground(true);
    auto* crumbRow = new QHBoxLayout(m_crumbs);
    crumbRow->setContentsMargins(6, 3, 6, 3);
    m_back = new QToolButton;
    m_back->setObjectName("subgraphBack");
    m_back->setArrowType(Qt::LeftArrow);
    connect(m_back, &QToolButton::clicked, this, &GraphView::closeSubgraph);
    m_location = new QLabel;
    m_location->setObjectName("subgraphLocation");
    crumbRow->addWidget(m_back);
    crumbRow->addWidget(m_location);
    m_crumbs->hide();
    m_minimap = new GraphMinimap(this);
    retranslate();
    connect(&m_watcher, &QFutureWatcher<GraphLayout>::finished, this, [this] {
        build(m_watcher.result());
        emit laidOut(double(QDateTime::currentMSecsSinceEpoch() - m_started));
    });
}

GraphView::~GraphView() { m_watcher.waitForFinished(); }

void GraphView::setGraph(std::shared_ptr<const Graph> graph)
{
    m_outer.clear();
    display(std::move(graph));
}

bool GraphView::openSubgraph(const QString& node, const QString& key)
{
    if (!m_graph || m_watcher.isRunning()) return false;
    const int idx = m_graph->findNode(node.toStdString());
    if (idx < 0) return false;
    for (const auto& [k, a] : m_graph->nodes[size_t(idx)].attrs) {
        if (a.kind != AttrKind::Graph || !a.g || (!key.isEmpty() && key.toStdString() != k)) continue;
        m_outer.emplace_back(m_graph, node + " / " + QString::fromStdString(k));
        display(a.g);
        return true;
    }
    return false;
}

void GraphView::closeSubgraph()
{
    if (m_outer.empty() || m_watcher.isRunning()) return;
    auto outer = m_outer.back().first;
    m_outer.pop_back();
    display(std::move(outer));
}

QString GraphView::location() const
{
    QStringList parts;
    for (const auto& o : m_outer) parts << o.second;
    return parts.join(" / ");
}

void GraphView::display(std::shared_ptr<const Graph> graph)
{
    m_watcher.waitForFinished();
    m_crumbs->setVisible(!m_outer.empty());
    m_location->setText(location());
    m_crumbs->adjustSize();
    m_crumbs->move(8, m_legend->isVisible() ? m_legend->y() + m_legend->height() + 6 : 8);  // below the legend
    scene()->clear();
    m_items.clear();
    m_badgeItems.clear();  // (the scene deleted them)
    m_selected = -1;
    m_graph = std::move(graph);
    m_minimap->follow();  // (hides it: the scene is empty)
    if (!m_graph) return;
    m_started = QDateTime::currentMSecsSinceEpoch();
    auto g = m_graph;
    m_watcher.setFuture(QtConcurrent::run([g] { return layoutGraph(*g); }));
}

void GraphView::build(const GraphLayout& layout)
{
    QGraphicsScene* s = scene();
    s->clear();
    m_items.clear();
    m_badgeItems.clear();  // (the scene deleted them)
    const Graph& g = *m_graph;
    QPainterPath edges;
    for (const GraphLayout::Edge& e : layout.edges) {
        const auto& a = layout.boxes[size_t(e.from)];
        const auto& b = layout.boxes[size_t(e.to)];
        QPointF p(a.x + GraphLayout::kBoxWidth / 2, a.y + GraphLayout::kBoxHeight), q(b.x + GraphLayout::kBoxWidth / 2, b.y);
        edges.moveTo(p);
        edges.cubicTo(p + QPointF(0, GraphLayout::kGapY / 2), q - QPointF(0, GraphLayout::kGapY / 2), q);
    }
    s->addPath(edges, QPen(QColor(120, 120, 120), 1.2));
    QFont small;
    small.setPointSizeF(7);
    QFont bold;
    bold.setBold(true);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& n = g.nodes[i];
        const auto& b = layout.boxes[i];
        auto* rect = s->addRect(0, 0, GraphLayout::kBoxWidth, GraphLayout::kBoxHeight, QPen(Qt::NoPen));
        rect->setPos(b.x, b.y);
        rect->setData(0, QString::fromStdString(n.name));
        rect->setToolTip(QString::fromStdString(n.name + " (" + (n.sourceOpType.empty() ? n.opType : n.sourceOpType) + ")"));
        auto* op = new QGraphicsSimpleTextItem(QString::fromStdString(n.sourceOpType.empty() ? n.opType : n.sourceOpType), rect);
        op->setFont(bold);
        op->setBrush(Qt::white);
        op->setPos(6, 3);
        auto* name = new QGraphicsSimpleTextItem(QFontMetrics(small).elidedText(QString::fromStdString(n.name), Qt::ElideMiddle, int(GraphLayout::kBoxWidth) - 12), rect);
        name->setFont(small);
        name->setBrush(QColor(235, 235, 235));
        name->setPos(6, 21);
        m_items.push_back(rect);
    }
    m_badgeItems.assign(m_items.size(), nullptr);
    placeBadges();
    s->setSceneRect(s->itemsBoundingRect().adjusted(-40, -40, 40, 40));
    recolour();
    fit();
}

void GraphView::setBadges(const std::map<std::string, QString>& badges)
{
    m_badges = badges;
    placeBadges();
}

QString GraphView::badge(const std::string& node) const
{
    auto it = m_badges.find(node);
    return it != m_badges.end() && m_graph && m_graph->findNode(node) >= 0 ? it->second : QString();
}

void GraphView::placeBadges()
{
    if (!m_graph) return;
    QFont font;
    font.setPointSizeF(7);
    font.setBold(true);
    const QFontMetricsF metrics(font);
    for (size_t i = 0; i < m_items.size() && i < m_badgeItems.size(); ++i) {
        delete m_badgeItems[i];  // (a child of the node's box)
        m_badgeItems[i] = nullptr;
        auto it = m_badges.find(m_graph->nodes[i].name);
        if (it == m_badges.end() || it->second.isEmpty()) continue;
        // a dark pill over the box's top right corner, so that it reads on every node colour
        const QSizeF size(metrics.horizontalAdvance(it->second) + 8, metrics.height() + 2);
        auto* pill = new QGraphicsRectItem(0, 0, size.width(), size.height(), m_items[i]);
        pill->setPos(GraphLayout::kBoxWidth - size.width() + 4, -size.height() / 2);
        pill->setBrush(QColor(40, 40, 40));
        pill->setPen(QPen(QColor(255, 200, 0), 1));
        pill->setToolTip(m_items[i]->toolTip());
        auto* text = new QGraphicsSimpleTextItem(it->second, pill);
        text->setFont(font);
        text->setBrush(QColor(255, 220, 120));
        text->setPos(4, 1);
        m_badgeItems[i] = pill;
    }
    m_minimap->invalidate();
}

void GraphView::setNodeCosine(const std::map<std::string, double>& cosine)
{
    m_cosine = cosine;
    // The red end is the 5th percentile, not the minimum: one tensor at cosine 0 (a ReLU output that is all zeros in
    // float on the sample) would otherwise leave every other node the same green. Nodes below it are red too ("<=").
    std::vector<double> values;
    for (const auto& [node, c] : cosine)
        if (std::isfinite(c)) values.push_back(c);
    std::sort(values.begin(), values.end());
    m_worst = values.empty() ? 1 : values[size_t(0.05 * double(values.size() - 1))];
    m_best = values.empty() ? 1 : values.back();
    m_legendWorst->setText((!values.empty() && values.front() < m_worst ? QString::fromUtf8("\u2264 ") : QString()) +
                           QString::number(m_worst, 'f', 4));
    m_legendBest->setText(QString::number(m_best, 'f', 4));
    m_legend->adjustSize();
    m_legend->setVisible(!cosine.empty());
    recolour();
}

void GraphView::retranslate()
{
    m_legendTitle->setText(tr("cosine"));
    m_legendFloat->setText(tr("float"));
    m_legend->setToolTip(tr("Each quantized node in the colour of its worst tensor's cosine on this run's scale: the worst "
                            "node red, the best green; nodes left float grey"));
    m_legend->adjustSize();
    m_back->setToolTip(tr("Back to the graph around this one (Backspace)"));
    m_crumbs->adjustSize();
}

void GraphView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange) retranslate();
    QGraphicsView::changeEvent(event);
}

void GraphView::recolour()
{
    if (!m_graph) return;
    for (size_t i = 0; i < m_items.size(); ++i) {
        const Node& n = m_graph->nodes[i];
        QColor c = categoryColour(n);
        if (!m_cosine.empty()) {
            auto it = m_cosine.find(n.name);
            if (it == m_cosine.end()) c = QColor(150, 150, 150);  // float
            else c = relativeCosineColour(it->second, m_worst, m_best);
        }
        m_items[i]->setBrush(c);
        m_items[i]->setPen(int(i) == m_selected ? QPen(QColor(255, 200, 0), 4) : QPen(Qt::NoPen));
    }
    m_minimap->invalidate();
}

void GraphView::selectNode(const std::string& name)
{
    if (!m_graph) return;
    int idx = m_graph->findNode(name);
    if (idx < 0 || size_t(idx) >= m_items.size()) return;
    m_selected = idx;
    recolour();
    centerOn(m_items[size_t(idx)]);
}

QStringList GraphView::find(const QString& text)
{
    QStringList hits;
    if (!m_graph || text.isEmpty()) return hits;
    for (const Node& n : m_graph->nodes) {
        QString name = QString::fromStdString(n.name), op = QString::fromStdString(n.sourceOpType.empty() ? n.opType : n.sourceOpType);
        if (name.contains(text, Qt::CaseInsensitive) || op.contains(text, Qt::CaseInsensitive)) hits << name;
    }
    if (!hits.isEmpty()) selectNode(hits.first().toStdString());
    return hits;
}

void GraphView::fit()
{
    if (m_items.empty()) return;
    // Fit the width of the graph; tall graphs scroll.
    QRectF r = scene()->sceneRect();
    double scale = std::min(1.0, std::max(0.05, double(viewport()->width()) / r.width()));
    resetTransform();
    this->scale(scale, scale);
    centerOn(r.center().x(), r.top() + viewport()->height() / (2 * scale));
    m_minimap->follow();
}

void GraphView::resizeEvent(QResizeEvent* event)
{
    QGraphicsView::resizeEvent(event);
    m_minimap->follow();
}

void GraphView::wheelEvent(QWheelEvent* event)
{
    double factor = event->angleDelta().y() > 0 ? 1.2 : 1 / 1.2;
    scale(factor, factor);
}

QString GraphView::nodeAt(const QPoint& pos) const
{
    QGraphicsItem* item = itemAt(pos);
    while (item && item->parentItem()) item = item->parentItem();
    return item ? item->data(0).toString() : QString();
}

void GraphView::contextMenuEvent(QContextMenuEvent* event)
{
    QString name = nodeAt(event->pos());
    if (name.isEmpty()) return;
    selectNode(name.toStdString());
    emit nodeClicked(name);
    QMenu menu(this);
    menu.addAction(tr("Toggle Skip (keep %1 in float)").arg(name), this, [this, name] { emit skipRequested(name); });
    emit nodeMenuRequested(name, &menu);
    if (int idx = m_graph->findNode(name.toStdString()); idx >= 0)
        for (const auto& [k, a] : m_graph->nodes[size_t(idx)].attrs)
            if (a.kind == AttrKind::Graph && a.g) {
                const QString key = QString::fromStdString(k);
                menu.addAction(tr("Open %1 (%n node(s))", "", int(a.g->nodes.size())).arg(key), this,
                               [this, name, key] { openSubgraph(name, key); });
            }
    menu.exec(event->globalPos());
}

void GraphView::mouseDoubleClickEvent(QMouseEvent* event)
{
    // an If's then_branch or a Loop's body; the context menu offers each
    if (QString name = nodeAt(event->position().toPoint()); !name.isEmpty() && openSubgraph(name)) return;
    QGraphicsView::mouseDoubleClickEvent(event);
}

void GraphView::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Backspace && !m_outer.empty()) {
        closeSubgraph();
        return;
    }
    QGraphicsView::keyPressEvent(event);
}

void GraphView::mousePressEvent(QMouseEvent* event)
{
    if (auto* item = itemAt(event->position().toPoint())) {
        while (item->parentItem()) item = item->parentItem();
        QString name = item->data(0).toString();
        if (!name.isEmpty()) {
            selectNode(name.toStdString());
            emit nodeClicked(name);
        }
    }
    QGraphicsView::mousePressEvent(event);
}

}  // namespace qs
