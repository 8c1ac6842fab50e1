#include "sensitivityview.h"

#include <QDoubleSpinBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

#include "tables.h"

namespace qs {
namespace {
enum Column { ColRank, ColNode, ColOp, ColCosine, ColGain, Columns };

// A number shown with fixed decimals (0.97260, +0.00006) that sorts by its value.
class NumberItem : public QTableWidgetItem {
public:
    NumberItem(double v, int decimals, bool sign)
        : QTableWidgetItem(std::isfinite(v) ? (sign && v > 0 ? "+" : "") + QString::number(v, 'f', decimals) : QString()), m_value(v)
    {
        setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    bool operator<(const QTableWidgetItem& other) const override
    {
        auto* o = dynamic_cast<const NumberItem*>(&other);
        return o ? m_value < o->m_value : QTableWidgetItem::operator<(other);
    }

private:
    double m_value;
};

QTableWidgetItem* number(double v, int decimals, bool sign = false) { return new NumberItem(v, decimals, sign); }

const Node* findAnyNode(const Graph& g, const std::string& name)
{
    if (int i = g.findNode(name); i >= 0) return &g.nodes[size_t(i)];
    for (const SubgraphRef& sub : g.subgraphs())
        if (int i = sub.graph->findNode(name); i >= 0) return &sub.graph->nodes[size_t(i)];
    return nullptr;
}
}  // namespace

SensitivityView::SensitivityView(QWidget* parent) : QWidget(parent)
{
    m_caption = new QLabel;
    m_caption->setWordWrap(true);
    m_caption->setObjectName("sensitivityCaption");
    m_table = newRowTable(Columns, "sensitivityTable");
    m_table->horizontalHeader()->setSectionResizeMode(ColNode, QHeaderView::Stretch);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        auto rows = m_table->selectionModel()->selectedRows();
        if (!rows.isEmpty()) emit nodeSelected(m_table->item(rows.first().row(), ColNode)->text());
    });
    m_k = new QSpinBox;
    m_k->setObjectName("sensitivityTopK");
    m_k->setRange(1, 1);
    m_skipTop = new QPushButton;
    m_skipTop->setObjectName("sensitivitySkipTop");
    connect(m_skipTop, &QPushButton::clicked, this, [this] { emit skipRequested(topNodes(m_k->value())); });
    m_target = new QDoubleSpinBox;
    m_target->setObjectName("sensitivityTarget");
    m_target->setDecimals(4);
    m_target->setRange(0.5, 0.9999);
    m_target->setSingleStep(0.001);
    m_target->setValue(0.99);
    m_skipUntil = new QPushButton;
    m_skipUntil->setObjectName("sensitivitySkipUntil");
    connect(m_skipUntil, &QPushButton::clicked, this, [this] { emit targetRequested(m_target->value()); });
    auto* controls = new QHBoxLayout;
    controls->addWidget(m_k);
    controls->addWidget(m_skipTop);
    controls->addSpacing(16);
    controls->addWidget(m_target);
    controls->addWidget(m_skipUntil);
    controls->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_caption);
    layout->addWidget(m_table, 1);
    layout->addLayout(controls);
    retranslate();
    clear();
}

void SensitivityView::setRanking(const Graph& graph, const std::vector<NodeSensitivity>& ranking, double baseline,
                                 size_t samples)
{
    m_ranking = ranking;
    m_baseline = baseline;
    m_samples = samples;
    m_table->setSortingEnabled(false);
    m_table->setRowCount(int(ranking.size()));
    for (int r = 0; r < int(ranking.size()); ++r) {
        const std::string& name = ranking[size_t(r)].node;
        const double cosine = ranking[size_t(r)].cosine;
        const Node* n = findAnyNode(graph, name);
        m_table->setItem(r, ColRank, number(r + 1, 0));
        auto* node = new QTableWidgetItem(QString::fromStdString(name));
        node->setToolTip(QString::fromStdString(name));
        m_table->setItem(r, ColNode, node);
        m_table->setItem(r, ColOp, new QTableWidgetItem(n ? QString::fromStdString(n->sourceOpType.empty() ? n->opType : n->sourceOpType) : QString()));
        m_table->setItem(r, ColCosine, number(cosine, 5));
        auto* gain = number(cosine - baseline, 5, true);
        gain->setForeground(cosine - baseline > 0 ? QColor(0, 130, 0) : QColor(180, 0, 0));  // a skip that lowers the output is red
        m_table->setItem(r, ColGain, gain);
    }
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ColRank, Qt::AscendingOrder);
    m_table->resizeColumnToContents(ColRank);
    m_table->resizeColumnToContents(ColOp);
    m_k->setRange(1, std::max(1, int(ranking.size())));
    m_k->setValue(std::min(3, std::max(1, int(ranking.size()))));
    // a target a little above today's output: what keeping the best few float should reach
    m_target->setValue(std::min(0.9999, std::floor((baseline + (1 - baseline) / 2) * 1e4) / 1e4));
    m_skipTop->setEnabled(!ranking.empty());
    m_skipUntil->setEnabled(!ranking.empty());
    retranslate();
}

void SensitivityView::clear()
{
    m_ranking.clear();
    m_table->setRowCount(0);
    m_skipTop->setEnabled(false);
    m_skipUntil->setEnabled(false);
    retranslate();
}

int SensitivityView::rowCount() const { return m_table->rowCount(); }

QStringList SensitivityView::topNodes(int k) const
{
    QStringList out;
    for (size_t i = 0; i < m_ranking.size() && int(i) < k; ++i) out << QString::fromStdString(m_ranking[i].node);
    return out;
}

void SensitivityView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(event);
}

void SensitivityView::retranslate()
{
    m_table->setHorizontalHeaderLabels({tr("#"), tr("Node"), tr("Op"), tr("Output cosine"), tr("Change")});
    m_caption->setText(m_ranking.empty()
                           ? tr("Run > Suggest Skips ranks the weighted nodes by the model output reached when each alone stays float.")
                           : tr("Output cosine of the plan: %1 on %n calibration sample(s). Each row: the output cosine with that node "
                                "alone kept float, and the change.", "", int(m_samples))
                                 .arg(m_baseline, 0, 'f', 5));
    m_skipTop->setText(tr("Skip Top k"));
    m_skipTop->setToolTip(tr("Add the k best nodes of the ranking to skip_quant_node (one undo step)"));
    m_k->setToolTip(m_skipTop->toolTip());
    m_skipUntil->setText(tr("Skip Until Cosine"));
    m_skipUntil->setToolTip(tr("Run with [quantscope_param] target_cosine: keep the most sensitive nodes float, one at a time, "
                               "measuring the output after each, until it reaches this cosine"));
    m_target->setToolTip(m_skipUntil->toolTip());
}

}  // namespace qs
