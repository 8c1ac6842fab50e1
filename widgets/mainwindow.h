#pragma once
#include <QFutureWatcher>
#include <QMainWindow>

#include <memory>

#include "modelloadjob.h"
#include "quantizejob.h"

class QAction;
class QLabel;
class QLineEdit;
class QMenu;
class QProgressBar;
class QTabWidget;
class QTableWidget;
class QTimer;
class QTreeWidget;
class QUndoStack;

namespace qs {

class GraphView;
class ResultsView;
class SensitivityView;
class SettingsEditor;

/** Quantscope's main window: opens a model (menu, recent files, drag and drop, command line) on a worker thread,
 *  draws its graph, edits the quantization settings with live validation, runs calibration and quantization in
 *  the background with progress and cancel, shows the error of every tensor, lets the user skip nodes (the plan
 *  and metrics follow without a new calibration) and exports the quantized model and the INI the CLI replays. */
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Starts loading path in the background; modelLoaded() or loadFailed() follows.
    void openModel(const QString& path);
    // A model, or a project (*.yaml: its model with its config), by the file's suffix: the command line, drag and
    // drop and the MIME association (*.quantscope.yaml) open files through this.
    void openFile(const QString& path);
    void openProject(const QString& path);
    // Opens the embedded sample model with its sample photos configured for calibration.
    void openSample();
    bool isLoading() const;
    bool isRunning() const;
    const Graph* graph() const;
    Session* session() const { return m_session.get(); }
    SettingsEditor* settings() const { return m_settings; }
    ResultsView* results() const { return m_results; }
    SensitivityView* sensitivity() const { return m_sensitivity; }
    GraphView* graphView() const { return m_graphView; }
    QUndoStack* undoStack() const { return m_undo; }

    void run();                    // Ctrl+R: calibrate (when the data changed) and quantize
    void cancelRun();              // Esc
    void suggestSkips();           // ranks nodes by the output cosine reached when each alone stays float
    void setSkip(const QString& node, bool skip);  // recorded for undo; re-plans without calibrating
    bool isSkipped(const QString& node) const;     // in the document's skip_quant_node
    // A per-node choice in the document's [quantscope_param] (key: node_weight_bits or node_activation_quant_method;
    // value "" removes it), recorded for undo; re-plans without calibrating. nodeChoice: the current value, or "".
    void setNodeChoice(const QString& node, const QString& key, const QString& value);
    QString nodeChoice(const QString& node, const QString& key) const;
    // The node in the document's [quantscope_param] int16_activation_node (undoable; re-plans without calibrating).
    void setInt16(const QString& node, bool on);
    bool isInt16(const QString& node) const;
    // Adds the per-node choices for node to menu (the graph's and the results table's context menus): weight bits for
    // weighted nodes, the range method with full quantization, each checked where it is set.
    void addNodeChoices(const QString& node, QMenu* menu);
    // writes a target_cosine search's choice into the document (one undo step) and shows its path
    void applyTargetChoice(const RunOutcome& outcome);
    // Saves the model path and settings as a project; return an error message, or empty
    QString saveProject(const QString& path);
    // Loads a MindSpore INI into the open model's settings (one undo step); return an error message, or empty
    QString openConfig(const QString& path);
    static bool isConfigFile(const QString& path);  // .ini, .cfg, .config
    QString stageLabel(const QString& stage) const;  // a progress stage of core, translated
    // Writes the quantized model and/or the INI config (atomically). return an error message, empty on success.
    QString exportModel(const QString& path);
    QString exportConfig(const QString& path);

signals:
    void modelLoaded(const QString& path);
    void loadFailed(const QString& message);
    void runFinished(bool ok);

protected:
    void changeEvent(QEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    // node in the document's name list section/key (skip_quant_node, int16_activation_node); set: added or removed
    bool inNameList(const char* section, const char* key, const QString& node) const;
    void setInNameList(const char* section, const char* key, const QString& node, bool on);
    void createActions();
    void retranslate();
    void onLoaded();
    void showModel();
    void applyFilter(const QString& text);
    void updateRecentMenu();
    void setLanguage(const QString& code);
    void onRunFinished(const RunOutcome& outcome);
    void onSettingsChanged();
    void updateActions();
    void saveProjectAs();
    void showProperties(const QString& node);
    void updateBadges();  // the graph's badges from the document's per-node choices
    void exportReports();
    void openProject();

    std::shared_ptr<Session> m_session;
    std::shared_ptr<const Graph> m_graph;
    // The last finished run's plan, which the views read: while a job runs, the session's own plan belongs to the
    // worker thread (it replaces it), so nothing on this thread touches it then.
    std::shared_ptr<const QuantPlan> m_plan;
    QString m_exportError;  // the last run measured its plan but could not export it (empty: it did)
    QString m_path;
    QString m_shownNode;  // the node in the properties panel (rebuilt in the new language when it changes)
    QString m_pendingConfig;  // INI text to apply when the model being loaded arrives
    QFutureWatcher<LoadedModel> m_watcher;
    bool m_loadPending = false;  // a load started and onLoaded not run yet
    QuantizeJob* m_job = nullptr;
    std::string m_calibratedWith;  // [data_preprocess_param] the statistics came from
    bool m_replanQueued = false;
    qint64 m_runStarted = 0;
    double m_outputCosine = 0;  // of the last run

    QUndoStack* m_undo = nullptr;
    QTimer* m_replanTimer = nullptr;
    QMenu* m_fileMenu = nullptr;
    QMenu* m_editMenu = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_runMenu = nullptr;
    QMenu* m_languageMenu = nullptr;
    QMenu* m_helpMenu = nullptr;
    QAction* m_openAction = nullptr;
    QAction* m_openSampleAction = nullptr;
    QAction* m_openProjectAction = nullptr;
    QAction* m_openConfigAction = nullptr;
    QAction* m_saveProjectAction = nullptr;
    QAction* m_exportModelAction = nullptr;
    QAction* m_exportConfigAction = nullptr;
    QAction* m_exportReportsAction = nullptr;
    QAction* m_findAction = nullptr;
    QAction* m_fitAction = nullptr;
    QAction* m_runAction = nullptr;
    QAction* m_cancelAction = nullptr;
    QAction* m_suggestAction = nullptr;
    QAction* m_undoAction = nullptr;
    QAction* m_redoAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_aboutAction = nullptr;
    QTabWidget* m_tabs = nullptr;
    GraphView* m_graphView = nullptr;
    ResultsView* m_results = nullptr;
    SensitivityView* m_sensitivity = nullptr;
    SettingsEditor* m_settings = nullptr;
    QDockWidget* m_modelDock = nullptr;
    QDockWidget* m_settingsDock = nullptr;
    QDockWidget* m_propertiesDock = nullptr;
    QTreeWidget* m_properties = nullptr;
    QFutureWatcher<QString> m_reportsWatcher;
    std::shared_ptr<CancelToken> m_reportsCancel;  // Esc stops the report export too
    QTreeWidget* m_summary = nullptr;
    QTableWidget* m_nodes = nullptr;
    QLineEdit* m_filter = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_runStatus = nullptr;
    QProgressBar* m_progress = nullptr;
};

}  // namespace qs
