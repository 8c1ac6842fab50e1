#pragma once
#include <QMainWindow>

#include "projectdocument.h"

class QAction;
class QLabel;
class QLineEdit;
class QMenu;
class QProgressBar;
class QTabWidget;
class QTableWidget;
class QTreeWidget;

namespace qs {

class GraphView;
class ResultsView;
class SensitivityView;
class SettingsEditor;

/** Quantscope's main window: the views of one ProjectDocument and the wiring between them. It opens models, projects
 *  and configs (menu, recent files, drag and drop, command line), draws the graph, edits the settings, starts the
 *  document's runs with progress and cancel, shows the error of every tensor and the run before for comparison,
 *  offers the per-node choices (skip, int16 activations, weight bits, range method) and exports the quantized
 *  model, the INI the CLI replays and the project. Views read the document's last run, never the session a job
 *  is working on. */
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    ProjectDocument* document() const { return m_doc; }
    // Opens path in the background (modelLoaded() or loadFailed() follows): a model, a project (*.yaml: its model with
    // its config and view state) or an INI config (into the open model's settings), by the file's suffix. The command
    // line, drag and drop, recent files and the MIME association (*.quantscope.yaml) open files through this.
    void openFile(const QString& path);
    void openModel(const QString& path);
    void openProject(const QString& path);
    // Loads a MindSpore INI into the open model's settings (one undo step); return an error message, or empty
    QString openConfig(const QString& path);
    // Opens the embedded sample model with its sample photos configured for calibration.
    void openSample();
    static bool isConfigFile(const QString& path);  // .ini, .cfg, .config
    SettingsEditor* settings() const { return m_settings; }
    ResultsView* results() const { return m_results; }
    SensitivityView* sensitivity() const { return m_sensitivity; }
    GraphView* graphView() const { return m_graphView; }

    void run();          // Ctrl+R: calibrate (when the data changed) and quantize
    void cancelRun();    // Esc: the run, the ranking or the report export
    void suggestSkips(); // ranks nodes by the output cosine reached when each alone stays float
    // Adds the per-node choices for node to menu (the graph's and the results table's context menus): weight bits for
    // weighted nodes, the range method and 16-bit activations with full quantization, each checked where it is set.
    void addNodeChoices(const QString& node, QMenu* menu);
    // Saves the document as a project with this window's view state; return an error message, or empty
    QString saveProject(const QString& path);
    QString stageLabel(const QString& stage) const;  // a progress stage of core, translated

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
    void createActions();
    void retranslate();
    void onLoaded();
    void onLoadFailed(const QString& message);
    void rememberRecent(const QString& path);
    void showTargetChoice(const TargetSearch& t);  // what a target_cosine search tried and chose
    void restoreViewState();
    void showModel();
    void applyFilter(const QString& text);
    void updateRecentMenu();
    void setLanguage(const QString& code);
    void onRunFinished(const RunOutcome& outcome);
    void onConfigChanged();
    void updateActions();
    void saveProjectAs();
    void showProperties(const QString& node);
    void updateBadges();  // the graph's badges from the document's per-node choices
    void exportReports();
    void openProject();
    void selectNode(const QString& node);  // in every view, and its properties
    void saveViewState();  // into the document: what a project restores

    ProjectDocument* m_doc = nullptr;  // the model, its config, undo stack, jobs and results; the views read it
    QString m_shownNode;  // the node in the properties panel (rebuilt in the new language when it changes)
    qint64 m_runStarted = 0;
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
    QTreeWidget* m_summary = nullptr;
    QTableWidget* m_nodes = nullptr;
    QLineEdit* m_filter = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_runStatus = nullptr;
    QProgressBar* m_progress = nullptr;
};

}  // namespace qs
