#pragma once
#include <QFutureWatcher>
#include <QObject>

#include <memory>

#include "config/inidocument.h"
#include "report/debugreport.h"
#include "session/progress.h"
#include "session/session.h"

namespace qs {

/** What a run produced: the per-tensor comparison on the first calibration sample and the mean output cosine
 *  over the first samples, or the error / cancellation. */
struct RunOutcome {
    bool ok = false, cancelled = false;
    QString error;
    std::vector<TensorRow> rows;
    double outputCosine = 0;
    int samples = 0;
};

/** Runs calibration (when asked), quantization and the float-vs-quantized comparison on a worker thread, with
 *  progress and cancellation. One run at a time; the Session is not touched from the GUI thread meanwhile. */
class QuantizeJob : public QObject {
    Q_OBJECT
public:
    explicit QuantizeJob(QObject* parent = nullptr);
    ~QuantizeJob() override;

    // calibrate: run the statistics pass first (else reuse the session's statistics)
    void start(std::shared_ptr<Session> session, const IniDocument& config, bool calibrate);
    void cancel();
    bool isRunning() const { return m_watcher.isRunning(); }
    void waitForFinished() { m_watcher.waitForFinished(); }

signals:
    void progress(int done, int total, const QString& stage);
    void finished(const qs::RunOutcome& outcome);

private:
    QFutureWatcher<RunOutcome> m_watcher;
    std::shared_ptr<CancelToken> m_cancel;
};

}  // namespace qs
