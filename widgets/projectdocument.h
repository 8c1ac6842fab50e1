#pragma once
#include <QFutureWatcher>
#include <QObject>

#include <memory>

#include "config/diagnostic.h"
#include "config/inidocument.h"
#include "modelloadjob.h"
#include "quantizejob.h"

class QMenu;
class QTimer;
class QUndoStack;

namespace qs {

/** The open project as a document: the model and its session, the INI config with its validation and undo stack, the
 *  per-node choices written into that config, and the jobs (loading, calibration and quantization, the sensitivity
 *  ranking, the debug reports), one at a time. The views read the document and edit through it; none of them touches
 *  the session while the document is busy, since a job's worker thread owns it then. A finished run's plan and
 *  results are kept here, with the run before it, so the views can compare before and after a change. */
class ProjectDocument : public QObject {
    Q_OBJECT
public:
    explicit ProjectDocument(QObject* parent = nullptr);
    ~ProjectDocument() override;

    // ---- the model
    // Loads path on a worker thread, then sets config (INI text; empty: a starter config for the model); loaded() or
    // loadFailed() follows. Refused (false) while busy.
    bool openModel(const QString& path, const QString& config = {});
    // A project: its model with its config (skips, overrides and calibration folders applied). return an error, or empty
    QString openProject(const QString& path);
    bool isLoaded() const { return m_session != nullptr; }
    bool isLoading() const { return m_loadPending; }
    const Graph* graph() const { return m_graph.get(); }
    std::shared_ptr<const Graph> sharedGraph() const { return m_graph; }
    // The session: the GUI thread's to read only while !isBusy() (a job's worker thread replaces its plan and export)
    Session* session() const { return m_session.get(); }
    QString modelPath() const { return m_modelPath; }
    QString projectPath() const { return m_projectPath; }  // empty until saved or opened as a project
    // The view state a project restores (the selected node, the shown tab, the filter): the window's to fill and read
    std::map<std::string, std::string>& viewState() { return m_viewState; }

    // ---- the config
    const IniDocument& config() const { return m_config; }
    // validated with the rules convert applies (validateConfig for conversion, against the open model)
    const Diagnostics& diagnostics() const { return m_diagnostics; }
    bool valid() const { return m_errors == 0; }
    // Sets a key as the user would (recorded for undo); an empty value removes it.
    void edit(const std::string& section, const std::string& key, const std::string& value);
    // Replaces the whole config as the user would (Open Config), recorded for undo under the name what.
    void replaceConfig(const IniDocument& doc, const QString& what);
    // Without recording: the undo commands apply through these.
    void setValue(const std::string& section, const std::string& key, const std::string& value);
    void setConfig(const IniDocument& doc);
    // Loads a MindSpore INI file into the config (one undo step), comments and order kept. return an error, or empty
    QString openConfig(const QString& path);
    // what calibration depends on (the [data_preprocess_param] entries and cross_layer_equalization): equal strings,
    // the same statistics
    std::string dataSettings() const;
    QUndoStack* undoStack() const { return m_undo; }

    // ---- per-node choices, all in the config (undoable; each re-plans without calibrating)
    bool isSkipped(const QString& node) const;  // skip_quant_node
    void setSkip(const QString& node, bool skip);
    void setSkips(const QStringList& nodes);  // adds them all, one undo step
    bool isInt16(const QString& node) const;  // [quantscope_param] int16_activation_node
    void setInt16(const QString& node, bool on);
    // [quantscope_param] node_weight_bits or node_activation_quant_method: the node's value, or ""; "" removes it
    QString nodeChoice(const QString& node, const QString& key) const;
    void setNodeChoice(const QString& node, const QString& key, const QString& value);

    // ---- runs
    bool isRunning() const;  // a run, a ranking or a report export
    bool isBusy() const { return isLoading() || isRunning(); }
    // Ctrl+R: calibrates (when the data settings changed since the statistics were collected) and quantizes; with
    // [quantscope_param] target_cosine, searches first and writes its choice into the config (one undo step).
    void run();
    void suggestSkips();  // ranks the weighted nodes by the output cosine each reaches kept float alone
    void cancel();
    bool exportReports(const QString& dir);  // MindSpore's debug reports, in the background; reportsFinished() follows
    // the last finished analysis run (null before one), and the one before it (the "before" of a comparison)
    std::shared_ptr<const RunOutcome> lastRun() const { return m_last; }
    std::shared_ptr<const RunOutcome> previousRun() const { return m_previous; }
    // the last run's plan: the one the views show (the session's own belongs to a running job)
    std::shared_ptr<const QuantPlan> plan() const { return m_plan; }
    // the calibration statistics the plans were built from (a copy the views may read while a job runs; null before)
    std::shared_ptr<const std::map<std::string, TensorStats>> statistics() const { return m_stats; }
    // the graph the statistics and plans are for, taken with the statistics: the loaded one, or its rescaled copy
    // (cross_layer_equalization, activation_equalization, SmoothQuant), whose constants the plan quantized. Same nodes and
    // values as graph(); null without statistics
    std::shared_ptr<const Graph> calibratedGraph() const { return m_calibratedGraph; }
    // the last run measured its plan but could not export it (empty: it did)
    QString exportError() const { return m_exportError; }
    bool canExportModel() const;  // a run exported, and none runs now

    // ---- files (written atomically; the model is never overwritten)
    QString exportModel(const QString& path);
    QString exportConfig(const QString& path);
    QString saveProject(const QString& path);

signals:
    void loaded(const QString& path);
    void loadFailed(const QString& message);
    void configChanged();  // every edit, undo and redo, and a new config
    void validityChanged(bool valid);
    void busyChanged(bool busy);  // a load or a job started or ended
    void progress(int done, int total, const QString& stage);
    void runFinished(const qs::RunOutcome& outcome);
    // A running job's plan as built, before bias correction, export and measurement: the views estimate from it
    // (statistics()) at once; runFinished follows with the measured run.
    void planEstimated(std::shared_ptr<const qs::QuantPlan> plan);
    // a re-plan's per-tensor comparison on the first calibration sample, measured (after planEstimated, before
    // runFinished, which brings the output cosine over the samples); refined false: of the plan as built, before its
    // bias correction / learned rounding (QuantizeJob::measured), whose measurement follows
    void rowsMeasured(std::shared_ptr<const std::vector<qs::TensorRow>> rows, bool refined);
    void reportsFinished(const QString& message);

private:
    bool inNameList(const char* section, const char* key, const QString& node) const;
    void setInNameList(const char* section, const char* key, const QString& node, bool on);
    void onLoaded();
    void onJobFinished(const RunOutcome& outcome);
    void revalidate();
    void configEdited();  // after every change of m_config: validation, configChanged, a re-plan
    void replan();
    void applyTargetChoice(const TargetSearch& t);

    std::shared_ptr<Session> m_session;
    std::shared_ptr<const Graph> m_graph;
    std::shared_ptr<const QuantPlan> m_plan;
    std::shared_ptr<const RunOutcome> m_last, m_previous;
    std::shared_ptr<const std::map<std::string, TensorStats>> m_stats;
    std::shared_ptr<const Graph> m_calibratedGraph;
    std::shared_ptr<const FloatReference> m_floatReference;  // what the last run compared with
    QString m_exportError;
    QString m_modelPath, m_projectPath, m_pendingProjectPath;
    QString m_pendingConfig;  // INI text to apply when the model being loaded arrives
    std::map<std::string, std::string> m_viewState, m_pendingViewState;
    IniDocument m_config;
    Diagnostics m_diagnostics;
    int m_errors = 0;
    std::string m_calibratedWith;  // the data settings the session's statistics came from
    bool m_loadPending = false;    // a load started and onLoaded has not run yet
    bool m_replanQueued = false;   // an edit arrived during a job: re-plan when it ends
    QUndoStack* m_undo = nullptr;
    QTimer* m_replanTimer = nullptr;
    QuantizeJob* m_job = nullptr;
    QFutureWatcher<LoadedModel> m_loader;
    QFutureWatcher<QString> m_reports;
    std::shared_ptr<CancelToken> m_reportsCancel;
};

}  // namespace qs
