#pragma once
#include <QFutureWatcher>
#include <QMainWindow>

#include <memory>

#include "modelloadjob.h"

class QAction;
class QLabel;
class QLineEdit;
class QMenu;
class QProgressBar;
class QTableWidget;
class QTreeWidget;

namespace qs {

/** Quantscope's main window: opens a model (menu, recent files, drag and drop, command line) on a worker
 *  thread and shows its inputs, outputs, operators and nodes. */
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Starts loading path in the background; modelLoaded() or loadFailed() follows.
    void openModel(const QString& path);
    bool isLoading() const;
    const Graph* graph() const;

signals:
    void modelLoaded(const QString& path);
    void loadFailed(const QString& message);

protected:
    void changeEvent(QEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
    void retranslate();
    void onLoaded();
    void showModel();
    void applyFilter(const QString& text);
    void updateRecentMenu();
    void setLanguage(const QString& code);

    std::shared_ptr<LoadResult> m_model;
    QString m_path;
    QFutureWatcher<LoadedModel> m_watcher;

    QMenu* m_fileMenu = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_languageMenu = nullptr;
    QMenu* m_helpMenu = nullptr;
    QAction* m_openAction = nullptr;
    QAction* m_openSampleAction = nullptr;
    QAction* m_findAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_aboutAction = nullptr;
    QTreeWidget* m_summary = nullptr;
    QTableWidget* m_nodes = nullptr;
    QLineEdit* m_filter = nullptr;
    QLabel* m_status = nullptr;
    QProgressBar* m_busy = nullptr;
};

}  // namespace qs
