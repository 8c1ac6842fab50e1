#include "resultsview.h"

#include <QEvent>
#include <QMenu>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <cmath>

#include "colours.h"
#include "tables.h"
#include "quant/weightquant.h"

namespace qs {

namespace {
// what tells where the error is first (node, cosine, clip rate, the skip tick), the parameters after
enum Column { ColNode, ColCosine, ColBefore, ColClip, ColSkip, ColOp, ColTensor, ColScale, ColZeroPoint, ColBits, ColMin, ColMax, Columns };

// the measured cosine of each activation a run's rows hold (the dequantized output rows), by tensor
std::map<std::string, double> activationCosines(const std::vector<TensorRow>& rows)
{
    std::map<std::string, double> out;
    for (const TensorRow& r : rows)
        if (r.dataType == "Dequant" && r.inOut == "Out" && r.tensorType == "Activation") out[r.tensorName] = r.cosine;
    return out;
}

QTableWidgetItem* number(double v, int decimals)
{
    auto* item = new QTableWidgetItem;
    item->setData(Qt::DisplayRole, std::isfinite(v) ? QVariant(QString::number(v, 'f', decimals).toDouble()) : QVariant());
    return item;
}

}  // namespace

ResultsView::ResultsView(QWidget* parent) : QWidget(parent)
{
    m_table = newRowTable(Columns, "resultsTable");
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->setColumnHidden(ColBefore, true);  // until there is a run before
    connect(m_table, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (m_filling || item->column() != ColSkip) return;
        emit skipToggled(item->data(Qt::UserRole).toString(), item->checkState() == Qt::Checked);
    });
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        auto rows = m_table->selectionModel()->selectedRows();
        if (rows.isEmpty()) return;
        int entry = m_table->item(rows.first().row(), ColNode)->data(Qt::UserRole).toInt();
        showHistogram(entry);
        emit nodeSelected(QString::fromStdString(m_entries[size_t(entry)].node));
    });

    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        const QTableWidgetItem* row = m_table->itemAt(pos);
        const QTableWidgetItem* nodeItem = row ? m_table->item(row->row(), ColNode) : nullptr;
        if (!nodeItem) return;
        const int entry = nodeItem->data(Qt::UserRole).toInt();
        if (entry < 0 || size_t(entry) >= m_entries.size()) return;
        QMenu menu(this);
        emit nodeMenuRequested(QString::fromStdString(m_entries[size_t(entry)].node), &menu);
        if (!menu.isEmpty()) menu.exec(m_table->viewport()->mapToGlobal(pos));
    });

    m_layers = new QCustomPlot;
    m_layers->setObjectName("layerChart");
    m_layers->setMinimumHeight(230);
    // below the per-tensor cosine, the clip rate of the same tensors, sharing the x axis
    m_clipRect = new QCPAxisRect(m_layers);
    m_layers->plotLayout()->addElement(1, 0, m_clipRect);
    connect(m_layers->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), m_clipRect->axis(QCPAxis::atBottom),
            qOverload<const QCPRange&>(&QCPAxis::setRange));
    m_histogram = new QCustomPlot;
    m_histogram->setObjectName("histogramChart");
    m_histogram->setMinimumHeight(170);
    m_caption = new QLabel;
    m_caption->setWordWrap(true);

    auto* charts = new QWidget;
    auto* cl = new QVBoxLayout(charts);
    cl->setContentsMargins(0, 0, 0, 0);
    cl->addWidget(m_layers, 1);
    cl->addWidget(m_caption);
    cl->addWidget(m_histogram, 1);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(m_table);
    split->addWidget(charts);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);
    retranslate();
}

void ResultsView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(event);
}

void ResultsView::retranslate()
{
    m_table->setHorizontalHeaderLabels({tr("Node"), tr("Cosine"), tr("Before"), tr("Clip %"), tr("Skip"), tr("Operator"), tr("Tensor"), tr("Scale"),
                                        tr("Zero point"), tr("Bits"), tr("Min"), tr("Max")});
    m_table->horizontalHeaderItem(ColCosine)->setToolTip(
        tr("Cosine similarity of the tensor before and after quantization: measured by the last run, or estimated from the "
           "calibration histogram (italic) after a change"));
    m_table->horizontalHeaderItem(ColBefore)->setToolTip(
        tr("The cosine the run before this one measured for the tensor: compare before and after a change"));
    m_table->horizontalHeaderItem(ColSkip)->setToolTip(tr("Keep this node in float (skip_quant_node)"));
    m_layers->xAxis->setLabel(QString());
    m_layers->yAxis->setLabel(tr("cosine"));
    m_clipRect->axis(QCPAxis::atBottom)->setLabel(tr("tensor (graph order)"));
    m_clipRect->axis(QCPAxis::atLeft)->setLabel(tr("clip %"));
    m_histogram->xAxis->setLabel(tr("value"));
    m_histogram->yAxis->setLabel(tr("count"));
    redrawLayerChart();  // (its legend's names)
    if (m_histogram->graphCount() == 2) {
        m_histogram->graph(0)->setName(tr("float"));
        m_histogram->graph(1)->setName(tr("dequantized"));
    }
    m_histogram->replot();
}

void ResultsView::setPlan(const Graph& g, const QuantPlan& plan, const std::map<std::string, TensorStats>& stats)
{
    m_entries.clear();
    // the model's nodes, then those inside If branches and Loop bodies (their names are unique across the model)
    std::vector<const Graph*> graphs{&g};
    for (const SubgraphRef& sub : g.subgraphs()) graphs.push_back(sub.graph);
    for (const Graph* graph : graphs) {
        for (const Node& n : graph->nodes) {
            bool anyQuantized = false;
            for (int id : n.outputs) {
                const Value& v = graph->values[size_t(id)];
                auto a = plan.activations.find(v.name);
                if (a == plan.activations.end()) continue;
                Entry e{n.name, n.sourceOpType.empty() ? n.opType : n.sourceOpType, v.name, a->second, {}, 1, false, false, false};
                e.live = plan.liveRange(v.name);
                if (auto s = stats.find(v.name); s != stats.end()) {
                    e.hist = compareHistogram(s->second, a->second, 128, e.live);
                    e.cosine = e.hist.cosine;
                }
                m_entries.push_back(std::move(e));
                anyQuantized = true;
            }
            for (size_t k = 1; k < n.inputs.size(); ++k) {  // quantized weights (weight-only and dynamic plans have no activations)
                if (n.inputs[k] < 0) continue;
                const Value& v = graph->values[size_t(n.inputs[k])];
                auto c = plan.constants.find(v.name);
                if (c == plan.constants.end() || c->second.params.bits >= 32) continue;
                Entry e{n.name, n.sourceOpType.empty() ? n.opType : n.sourceOpType, v.name, c->second.params, {}, 1, false, false, true};
                if (v.constant) e.cosine = cosineSimilarity(v.constant->toFloat(), dequantizeConstant(c->second));
                m_entries.push_back(std::move(e));
                anyQuantized = true;
            }
            if (plan.skippedNodes.count(n.name) && !anyQuantized) {
                Entry e{n.name, n.sourceOpType.empty() ? n.opType : n.sourceOpType, "", {}, {}, 1, false, true, false};
                m_entries.push_back(std::move(e));
            }
        }
    }
    for (Entry& e : m_entries) {
        if (auto m = m_measured.find(e.tensor); m != m_measured.end() && !e.isWeight) e.cosine = m->second, e.measured = true;
        e.skipped = plan.skippedNodes.count(e.node) != 0;
    }
    m_measured.clear();  // a measurement belongs to the plan it was made with
    refill();
}

void ResultsView::setMeasured(const std::vector<TensorRow>& rows)
{
    for (const auto& [tensor, cosine] : activationCosines(rows)) m_measured[tensor] = cosine;
    for (Entry& e : m_entries)
        if (auto m = m_measured.find(e.tensor); m != m_measured.end() && !e.isWeight) e.cosine = m->second, e.measured = true;
    refill();
}

void ResultsView::setBaseline(const std::vector<TensorRow>& rows)
{
    m_baseline = activationCosines(rows);
    m_table->setColumnHidden(ColBefore, m_baseline.empty());
    refill();
}

double ResultsView::baselineCosine(const std::string& tensor) const
{
    auto it = m_baseline.find(tensor);
    return it == m_baseline.end() ? std::nan("") : it->second;
}

int ResultsView::rowCount() const { return m_table->rowCount(); }

void ResultsView::refill()
{
    m_filling = true;
    m_table->setSortingEnabled(false);
    m_table->setRowCount(int(m_entries.size()));
    m_nodeCosine.clear();
    for (int r = 0; r < int(m_entries.size()); ++r) {
        const Entry& e = m_entries[size_t(r)];
        auto* node = new QTableWidgetItem(QString::fromStdString(e.node));
        node->setData(Qt::UserRole, r);
        m_table->setItem(r, ColNode, node);
        m_table->setItem(r, ColOp, new QTableWidgetItem(QString::fromStdString(e.op)));
        m_table->setItem(r, ColTensor, new QTableWidgetItem(QString::fromStdString(e.tensor) + (e.isWeight ? tr(" (weight)") : QString())));
        bool q = !e.params.scale.empty() && !e.skipped;
        m_table->setItem(r, ColScale, q ? number(e.params.scale[0], 6) : new QTableWidgetItem(e.params.scale.size() > 1 ? tr("per channel") : QString()));
        if (q && e.params.scale.size() > 1) m_table->item(r, ColScale)->setText(tr("per channel (%1)").arg(e.params.scale.size()));
        m_table->setItem(r, ColZeroPoint, q && !e.params.zeroPoint.empty() ? number(e.params.zeroPoint[0], 0) : new QTableWidgetItem);
        m_table->setItem(r, ColBits, q ? number(e.params.bits, 0) : new QTableWidgetItem(tr("float")));
        m_table->setItem(r, ColMin, q && !e.isWeight ? number(e.hist.lo, 4) : new QTableWidgetItem);
        m_table->setItem(r, ColMax, q && !e.isWeight ? number(e.hist.hi, 4) : new QTableWidgetItem);
        m_table->setItem(r, ColClip, q && !e.isWeight ? number(100 * e.hist.clipRate, 3) : new QTableWidgetItem);
        for (auto [column, end] : {std::pair{ColMin, e.live.first}, std::pair{ColMax, e.live.second}})
            if (q && std::isfinite(end))
                m_table->item(r, column)->setToolTip(tr("The range ends at %1, not at the calibrated extreme: beyond it the readers of this "
                                                        "tensor compute the same (a HardSwish below -3, a Relu below 0), so nothing there is "
                                                        "clipped and the int8 steps go to the values that count").arg(end, 0, 'g', 5));
        auto* cos = q ? number(e.cosine, 6) : new QTableWidgetItem;
        if (q) {
            cos->setBackground(cosineColour(e.cosine));
            QFont f = cos->font();
            f.setItalic(!e.measured);
            cos->setFont(f);
        }
        m_table->setItem(r, ColCosine, cos);
        const double before = e.isWeight ? std::nan("") : baselineCosine(e.tensor);
        auto* was = number(before, 6);
        if (std::isfinite(before) && q) {  // better or worse than before, at a glance
            const double delta = e.cosine - before;
            if (std::abs(delta) > 1e-6) was->setForeground(delta > 0 ? QColor(20, 130, 40) : QColor(190, 20, 20));
            was->setToolTip(tr("now %1, before %2 (%3%4)").arg(e.cosine, 0, 'f', 6).arg(before, 0, 'f', 6).arg(delta >= 0 ? "+" : "").arg(delta, 0, 'g', 3));
        }
        m_table->setItem(r, ColBefore, was);
        auto* skip = new QTableWidgetItem;
        skip->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        skip->setCheckState(e.skipped ? Qt::Checked : Qt::Unchecked);
        skip->setData(Qt::UserRole, QString::fromStdString(e.node));
        m_table->setItem(r, ColSkip, skip);
        if (q) {
            auto it = m_nodeCosine.find(e.node);
            if (it == m_nodeCosine.end() || e.cosine < it->second) m_nodeCosine[e.node] = e.cosine;
        }
    }
    m_table->setSortingEnabled(true);
    if (m_table->horizontalHeader()->sortIndicatorSection() == ColNode && m_table->horizontalHeader()->sortIndicatorOrder() == Qt::DescendingOrder)
        m_table->sortByColumn(ColCosine, Qt::AscendingOrder);  // first look: the worst tensors on top
    m_table->resizeColumnsToContents();
    for (int c : {ColNode, ColTensor}) m_table->setColumnWidth(c, std::min(m_table->columnWidth(c), 260));
    m_filling = false;
    redrawLayerChart();
    if (m_table->selectionModel()->selectedRows().isEmpty())  // show the first (worst) activation's histogram
        for (int r = 0; r < m_table->rowCount(); ++r)
            if (!m_entries[size_t(m_table->item(r, ColNode)->data(Qt::UserRole).toInt())].hist.centers.empty()) {
                m_table->selectRow(r);
                break;
            }
}

void ResultsView::redrawLayerChart()
{
    m_layers->clearPlottables();
    auto* bars = new QCPBars(m_layers->xAxis, m_layers->yAxis);
    auto* worst = new QCPBars(m_layers->xAxis, m_layers->yAxis);
    bars->setPen(Qt::NoPen);
    bars->setBrush(QColor(70, 130, 180));
    worst->setPen(Qt::NoPen);
    worst->setBrush(QColor(200, 40, 40));
    QVector<double> x, y, wx, wy;
    double lo = 1;
    for (size_t i = 0; i < m_entries.size(); ++i)
        if (!m_entries[i].skipped && !m_entries[i].params.scale.empty()) lo = std::min(lo, m_entries[i].cosine);
    for (size_t i = 0; i < m_entries.size(); ++i) {
        const Entry& e = m_entries[i];
        if (e.skipped || e.params.scale.empty()) continue;
        (e.cosine <= lo + 1e-12 ? wx : x).push_back(double(i));
        (e.cosine <= lo + 1e-12 ? wy : y).push_back(e.cosine);
    }
    bars->setData(x, y);
    worst->setData(wx, wy);
    // the run before, as dots over the bars: where a change helped or hurt
    QVector<double> bx, by;
    for (size_t i = 0; i < m_entries.size(); ++i)
        if (const double b = m_entries[i].isWeight ? std::nan("") : baselineCosine(m_entries[i].tensor); std::isfinite(b)) {
            bx.push_back(double(i));
            by.push_back(b);
            lo = std::min(lo, b);
        }
    if (!bx.isEmpty()) {
        QCPGraph* before = m_layers->addGraph();
        before->setLineStyle(QCPGraph::lsNone);
        before->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(60, 60, 60), 4));
        before->setData(bx, by);
        before->setName(tr("before"));
    }
    auto* clip = new QCPBars(m_clipRect->axis(QCPAxis::atBottom), m_clipRect->axis(QCPAxis::atLeft));
    clip->setPen(Qt::NoPen);
    clip->setBrush(QColor(220, 120, 30));
    QVector<double> cx, cy;
    double top = 0.01;
    for (size_t i = 0; i < m_entries.size(); ++i) {
        const Entry& e = m_entries[i];
        if (e.skipped || e.isWeight || e.params.scale.empty()) continue;
        cx.push_back(double(i));
        cy.push_back(100 * e.hist.clipRate);
        top = std::max(top, 100 * e.hist.clipRate);
    }
    clip->setData(cx, cy);
    // the legend names what can be told apart only with a run before: this run's bars, its worst, the dots
    bars->setName(tr("this run"));
    worst->setName(tr("worst"));
    clip->removeFromLegend();
    m_layers->legend->setVisible(!bx.isEmpty());

    m_clipRect->axis(QCPAxis::atBottom)->setRange(-1, double(m_entries.size()));
    m_clipRect->axis(QCPAxis::atLeft)->setRange(0, top * 1.1);
    m_layers->xAxis->setRange(-1, double(m_entries.size()));
    m_layers->yAxis->setRange(std::max(0.0, std::min(lo, 0.999) - 0.002), 1.0005);
    m_layers->replot();
}

void ResultsView::showHistogram(int index)
{
    const Entry& e = m_entries[size_t(index)];
    m_histogram->clearGraphs();
    m_histogram->clearItems();
    if (e.hist.centers.empty()) {
        m_caption->setText(tr("%1: no calibration histogram (weights, or a skipped node)").arg(QString::fromStdString(e.tensor)));
        m_histogram->replot();
        return;
    }
    QVector<double> x(e.hist.centers.begin(), e.hist.centers.end());
    QVector<double> f(e.hist.original.begin(), e.hist.original.end()), d(e.hist.dequantized.begin(), e.hist.dequantized.end());
    auto* gf = m_histogram->addGraph();
    gf->setLineStyle(QCPGraph::lsStepCenter);
    gf->setPen(QPen(QColor(70, 130, 180), 2));
    gf->setData(x, f);
    auto* gd = m_histogram->addGraph();
    gd->setLineStyle(QCPGraph::lsImpulse);
    gd->setPen(QPen(QColor(220, 120, 30), 1));
    gd->setData(x, d);
    for (double edge : {e.hist.lo, e.hist.hi}) {
        auto* line = new QCPItemStraightLine(m_histogram);
        line->point1->setCoords(edge, 0);
        line->point2->setCoords(edge, 1);
        line->setPen(QPen(Qt::red, 1, Qt::DashLine));
    }
    m_histogram->legend->setVisible(true);
    retranslate();
    m_histogram->rescaleAxes();
    m_caption->setText(tr("%1 (%2): range [%3, %4], clip %5%, cosine %6")
                           .arg(QString::fromStdString(e.tensor), QString::fromStdString(e.node))
                           .arg(e.hist.lo, 0, 'g', 4)
                           .arg(e.hist.hi, 0, 'g', 4)
                           .arg(100 * e.hist.clipRate, 0, 'f', 3)
                           .arg(e.cosine, 0, 'f', 6));
    m_histogram->replot();
}

QStringList ResultsView::describeNode(const std::string& node) const
{
    QStringList lines;
    for (const Entry& e : m_entries) {
        if (e.node != node) continue;
        if (e.skipped) {
            lines << tr("skipped: stays float");
            continue;
        }
        QString scale = e.params.scale.size() > 1 ? tr("per channel (%1)").arg(e.params.scale.size())
                                                   : QString::number(e.params.scale.empty() ? 0.0 : double(e.params.scale[0]), 'g', 6);
        lines << tr("%1%2: %3 bits, scale %4, zero point %5, clip %6%, cosine %7")
                     .arg(QString::fromStdString(e.tensor), e.isWeight ? tr(" (weight)") : QString())
                     .arg(e.params.bits)
                     .arg(scale)
                     .arg(e.params.zeroPoint.empty() ? 0 : e.params.zeroPoint[0])
                     .arg(100 * e.hist.clipRate, 0, 'f', 3)
                     .arg(e.cosine, 0, 'f', 6);
    }
    return lines;
}

void ResultsView::selectNode(const std::string& node)
{
    for (int r = 0; r < m_table->rowCount(); ++r)
        if (m_table->item(r, ColNode)->text().toStdString() == node) {
            m_table->selectRow(r);
            m_table->scrollToItem(m_table->item(r, ColNode));
            return;
        }
}

}  // namespace qs
