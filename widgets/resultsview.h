#pragma once
#include <QWidget>

#include <map>

#include "calibration/tensorstats.h"
#include "graph/graph.h"
#include "quant/quantplan.h"
#include "report/debugreport.h"

class QCPAxisRect;
class QCustomPlot;
class QLabel;
class QMenu;
class QTableWidget;

namespace qs {

/** The error of every quantized tensor: a sortable table (node, op, tensor, scale, zero point, bits, min/max,
 *  clip rate, cosine, skip), the per-layer cosine along the graph order (worst highlighted), the clip rate per
 *  tensor, and for the selected tensor its float histogram against the dequantized one with the representable
 *  range marked. Table and charts follow a new plan at once: clip rate, cosine and histograms are estimated from
 *  the calibration histograms, without inference; a run's measured cosine replaces the estimate when known. The run
 *  before can be shown beside it (its cosine per tensor), so a change's effect reads off the table and the chart. */
class ResultsView : public QWidget {
    Q_OBJECT
public:
    explicit ResultsView(QWidget* parent = nullptr);

    void setPlan(const Graph& graph, const QuantPlan& plan, const std::map<std::string, TensorStats>& stats);
    void setMeasured(const std::vector<TensorRow>& rows);  // per-tensor cosine from a run ({}: none)
    // the run before's per-tensor cosine, shown beside this run's (a column, dots on the chart); {}: none
    void setBaseline(const std::vector<TensorRow>& rows);
    double baselineCosine(const std::string& tensor) const;  // NaN: not measured before
    void selectNode(const std::string& node);
    // return the quantization rows of node as text lines (tensor: scale, zero point, bits, clip, cosine)
    QStringList describeNode(const std::string& node) const;
    int rowCount() const;
    // per node: the lowest tensor cosine (measured, else estimated), for colouring the graph
    const std::map<std::string, double>& nodeCosine() const { return m_nodeCosine; }

signals:
    void skipToggled(const QString& node, bool skip);
    void nodeSelected(const QString& node);
    // a row's context menu is about to show: receivers add their entries (per-node choices) to menu
    void nodeMenuRequested(const QString& node, QMenu* menu);

protected:
    void changeEvent(QEvent* event) override;

private:
    struct Entry {
        std::string node, op, tensor;
        QuantParams params;
        HistogramComparison hist;
        double cosine = 1;
        bool measured = false, skipped = false, isWeight = false;
        std::pair<double, double> live{-INFINITY, INFINITY};  // QuantPlan::liveRanges: where the range was cut
    };
    void refill();
    void redrawLayerChart();
    void showHistogram(int entry);
    void retranslate();

    std::vector<Entry> m_entries;
    std::map<std::string, double> m_nodeCosine;
    std::map<std::string, double> m_measured;
    std::map<std::string, double> m_baseline;  // tensor -> the previous run's measured cosine
    bool m_filling = false;
    QTableWidget* m_table = nullptr;
    QCustomPlot* m_layers = nullptr;  // per-tensor cosine, and the clip rate below it
    QCPAxisRect* m_clipRect = nullptr;
    QCustomPlot* m_histogram = nullptr;
    QLabel* m_caption = nullptr;
};

}  // namespace qs
