#pragma once
#include <QWidget>

#include <string>
#include <utility>
#include <vector>

#include "graph/graph.h"
#include "session/sensitivity.h"

class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace qs {

/** Suggest Skips' ranking as a sortable list: per weighted node, the model output's cosine against float when that
 *  node alone stays float, and its change from the plan's own. Skip Top k puts the k best into skip_quant_node (one
 *  undo step); Skip Until Cosine runs the target_cosine search, which measures each step instead of adding gains. */
class SensitivityView : public QWidget {
    Q_OBJECT
public:
    explicit SensitivityView(QWidget* parent = nullptr);

    // ranking: (node, output cosine with it float), best first; baseline: the plan's own output cosine on the same
    // samples. graph gives the op types (nodes inside subgraphs included).
    void setRanking(const Graph& graph, const std::vector<NodeSensitivity>& ranking, double baseline, size_t samples);
    void clear();
    int rowCount() const;
    QStringList topNodes(int k) const;  // the k best, in ranking order

signals:
    void skipRequested(const QStringList& nodes);  // Skip Top k
    void targetRequested(double cosine);           // Skip Until Cosine
    void nodeSelected(const QString& node);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();

    std::vector<NodeSensitivity> m_ranking;
    double m_baseline = 0;
    size_t m_samples = 0;
    QLabel* m_caption = nullptr;
    QTableWidget* m_table = nullptr;
    QSpinBox* m_k = nullptr;
    QPushButton* m_skipTop = nullptr;
    QDoubleSpinBox* m_target = nullptr;
    QPushButton* m_skipUntil = nullptr;
};

}  // namespace qs
