#pragma once
#include <QFutureWatcher>
#include <QObject>

#include <memory>

#include "config/inidocument.h"
#include "report/debugreport.h"
#include "report/taskmetrics.h"
#include "session/sensitivity.h"
#include "session/progress.h"
#include "session/session.h"

namespace qs {

/** What a run produced: the per-tensor comparison on the first calibration sample and the mean output cosine
 *  over the first samples, or the error / cancellation. */
// What a run compares the quantized model with, from the float model on the first calibration samples: the same for
// every re-plan that keeps the statistics, so the next run reuses it instead of running float again.
struct FloatReference {
    std::vector<std::vector<std::vector<float>>> outputs;  // per sample, per output
    // every tensor on the first sample (runTensors); null when it would take more than a quarter of the memory budget
    std::shared_ptr<const TensorValues> tensors;
};

struct RunOutcome {
    bool ok = false, cancelled = false;
    bool calibrated = false;  // the run took new statistics
    std::shared_ptr<const FloatReference> floatReference;  // what it compared with
    QString error;
    std::vector<TensorRow> rows;
    double outputCosine = 0;
    TaskMetrics taskMetrics;  // beside outputCosine, where the outputs are probability maps or detections
    int samples = 0;
    // suggest(): per weighted node, the output cosine with that node alone kept float (best first); outputCosine and
    // samples are then the ranking's baseline (rankSensitivity)
    std::vector<NodeSensitivity> suggestions;
    // start() with [quantscope_param] target_cosine: the search ran (searchTargetCosine), and the run quantized with
    // its choice (withTargetChoice)
    bool targetSearched = false;
    TargetSearch target;
    // The plan was built and measured but its export failed (exportError says why): analysedPlan is that plan, and
    // rows / outputCosine come from its in-memory simulation. The session's plan and export stay the previous run's.
    QString exportError;
    std::shared_ptr<const QuantPlan> analysedPlan;
};

/** Runs calibration (when asked), quantization and the float-vs-quantized comparison on a worker thread, with
 *  progress and cancellation. One run at a time; the Session is not touched from the GUI thread meanwhile. */
class QuantizeJob : public QObject {
    Q_OBJECT
public:
    explicit QuantizeJob(QObject* parent = nullptr);
    ~QuantizeJob() override;

    // calibrate: run the statistics pass first (else reuse the session's statistics). reference: what a run before
    // compared with, on the same statistics (null: run the float model). planned() follows the plan's build, before
    // its refinement, export and measurement.
    void start(std::shared_ptr<Session> session, const IniDocument& config, bool calibrate,
               std::shared_ptr<const FloatReference> reference = nullptr);
    // Ranks the plan's weighted int8 nodes by the output cosine the model reaches with each one alone kept float
    // (on up to two calibration samples), then restores the plan. Needs a calibrated, quantized session.
    void suggest(std::shared_ptr<Session> session, const IniDocument& config);
    void cancel();
    bool isRunning() const { return m_watcher.isRunning(); }
    void waitForFinished() { m_watcher.waitForFinished(); }

signals:
    void progress(int done, int total, const QString& stage);
    void finished(const qs::RunOutcome& outcome);
    // a run's plan as built from the statistics, before bias correction and export: what the views can estimate from
    void planned(std::shared_ptr<const qs::QuantPlan> plan);
    // a run's per-tensor comparison on the first calibration sample, as soon as it is measured (finished() follows
    // with it and the output cosine over the samples). A re-plan whose plan the session refines (bias correction,
    // learned rounding) measures the plan as built first, with refined false, and the refined plan after.
    void measured(std::shared_ptr<const std::vector<qs::TensorRow>> rows, bool refined);

private:
    ProgressSink progressSink();

    QFutureWatcher<RunOutcome> m_watcher;
    std::shared_ptr<CancelToken> m_cancel;
};

}  // namespace qs
