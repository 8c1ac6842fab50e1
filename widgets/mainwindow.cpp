#include "mainwindow.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <map>

#include "graph/opregistry.h"
#include "language.h"
#include "runtime/interpreter.h"

namespace qs {

namespace {
constexpr int kMaxRecent = 8;

QString shapeText(const Value& v)
{
    QStringList dims;
    for (size_t i = 0; i < v.shape.size(); ++i)
        dims << (v.shape[i] >= 0 ? QString::number(v.shape[i])
                                 : (i < v.dimNames.size() && !v.dimNames[i].empty() ? QString::fromStdString(v.dimNames[i]) : "?"));
    return QString::fromLatin1(dataTypeName(v.type).data()) + "[" + dims.join(",") + "]";
}

// The embedded sample, extracted once to a cache folder (the runtime reads files, not Qt resources).
QString samplePath()
{
    QString dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
    QDir().mkpath(dir);
    QString path = dir + "/mobilenet_v1_0.25_224.tflite";
    if (!QFileInfo::exists(path)) QFile::copy(":/samples/mobilenet_v1_0.25_224.tflite", path);
    return path;
}
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setAcceptDrops(true);
    resize(1200, 760);

    m_summary = new QTreeWidget;
    m_summary->setColumnCount(2);
    m_summary->header()->setSectionResizeMode(0, QHeaderView::Interactive);
    m_summary->header()->setStretchLastSection(true);
    m_summary->setColumnWidth(0, 190);
    m_nodes = new QTableWidget(0, 5);
    m_nodes->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_nodes->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_nodes->setSortingEnabled(true);
    m_nodes->verticalHeader()->setVisible(false);
    m_nodes->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_nodes->setAlternatingRowColors(true);
    m_nodes->horizontalHeader()->setStretchLastSection(true);
    m_filter = new QLineEdit;
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, this, &MainWindow::applyFilter);

    auto* right = new QWidget;
    auto* layout = new QVBoxLayout(right);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_filter);
    layout->addWidget(m_nodes);
    auto* splitter = new QSplitter;
    splitter->addWidget(m_summary);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({420, 780});
    setCentralWidget(splitter);

    m_status = new QLabel;
    m_busy = new QProgressBar;
    m_busy->setRange(0, 0);
    m_busy->setMaximumWidth(160);
    m_busy->hide();
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_busy);

    createActions();
    connect(&m_watcher, &QFutureWatcher<LoadedModel>::finished, this, &MainWindow::onLoaded);
    retranslate();
    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
}

MainWindow::~MainWindow() { m_watcher.waitForFinished(); }

void MainWindow::createActions()
{
    m_openAction = new QAction(this);
    m_openAction->setShortcut(QKeySequence::Open);
    connect(m_openAction, &QAction::triggered, this, [this] {
        QSettings settings;
        QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), settings.value("lastDir").toString(),
                                                    tr("Models (*.onnx *.tflite);;All files (*)"));
        if (!path.isEmpty()) openModel(path);
    });
    m_openSampleAction = new QAction(this);
    connect(m_openSampleAction, &QAction::triggered, this, [this] { openModel(samplePath()); });
    m_findAction = new QAction(this);
    m_findAction->setShortcut(QKeySequence::Find);
    connect(m_findAction, &QAction::triggered, this, [this] {
        m_filter->setFocus();
        m_filter->selectAll();
    });
    m_quitAction = new QAction(this);
    m_quitAction->setShortcut(QKeySequence::Quit);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);
    m_aboutAction = new QAction(this);
    connect(m_aboutAction, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About Quantscope"),
                           tr("<b>Quantscope %1</b><p>Interactive post-training quantization of neural networks.</p>")
                               .arg(QUANTSCOPE_VERSION));
    });

    m_fileMenu = menuBar()->addMenu(QString());
    m_fileMenu->addAction(m_openAction);
    m_fileMenu->addAction(m_openSampleAction);
    m_recentMenu = m_fileMenu->addMenu(QString());
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_quitAction);
    m_viewMenu = menuBar()->addMenu(QString());
    m_viewMenu->addAction(m_findAction);
    m_languageMenu = m_viewMenu->addMenu(QString());
    for (const QString& code : Language::available()) {
        QAction* a = m_languageMenu->addAction(Language::displayName(code));
        a->setData(code);
        connect(a, &QAction::triggered, this, [this, code] { setLanguage(code); });
    }
    m_helpMenu = menuBar()->addMenu(QString());
    m_helpMenu->addAction(m_aboutAction);
    updateRecentMenu();
}

void MainWindow::retranslate()
{
    setWindowTitle(m_path.isEmpty() ? tr("Quantscope") : tr("%1 - Quantscope").arg(QFileInfo(m_path).fileName()));
    m_fileMenu->setTitle(tr("&File"));
    m_recentMenu->setTitle(tr("Open &Recent"));
    m_viewMenu->setTitle(tr("&View"));
    m_languageMenu->setTitle(tr("&Language"));
    m_helpMenu->setTitle(tr("&Help"));
    m_openAction->setText(tr("&Open Model..."));
    m_openAction->setToolTip(tr("Open an ONNX or TFLite model (Ctrl+O)"));
    m_openSampleAction->setText(tr("Open &Sample Model"));
    m_findAction->setText(tr("&Find Node"));
    m_quitAction->setText(tr("&Quit"));
    m_aboutAction->setText(tr("&About Quantscope"));
    m_summary->setHeaderLabels({tr("Property"), tr("Value")});
    m_nodes->setHorizontalHeaderLabels({tr("#"), tr("Name"), tr("Operator"), tr("Inputs"), tr("Outputs")});
    m_filter->setPlaceholderText(tr("Filter nodes by name or operator (Ctrl+F)"));
    if (m_model) showModel();
    else if (!isLoading()) m_status->setText(tr("Open a model with Ctrl+O, or drop an .onnx or .tflite file here."));
}

void MainWindow::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange) retranslate();
    QMainWindow::changeEvent(event);
}

void MainWindow::setLanguage(const QString& code)
{
    QSettings().setValue("language", Language::apply(code));
}

void MainWindow::openModel(const QString& path)
{
    if (isLoading()) return;
    m_status->setText(tr("Loading %1...").arg(QDir::toNativeSeparators(path)));
    m_busy->show();
    m_openAction->setEnabled(false);
    m_watcher.setFuture(loadModelAsync(path));
}

bool MainWindow::isLoading() const { return m_watcher.isRunning(); }

const Graph* MainWindow::graph() const { return m_model ? &m_model->graph : nullptr; }

void MainWindow::onLoaded()
{
    m_busy->hide();
    m_openAction->setEnabled(true);
    LoadedModel loaded = m_watcher.result();
    if (!loaded.result) {
        m_status->setText(tr("Could not open the model."));
        auto* box = new QMessageBox(QMessageBox::Warning, tr("Could not open the model"), loaded.error, QMessageBox::Ok, this);
        box->setObjectName("loadErrorBox");
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();  // window-modal, does not block the event loop
        emit loadFailed(loaded.error);
        return;
    }
    m_model = loaded.result;
    m_path = loaded.path;
    QSettings settings;
    settings.setValue("lastDir", QFileInfo(m_path).absolutePath());
    QStringList recent = settings.value("recentFiles").toStringList();
    recent.removeAll(m_path);
    recent.prepend(m_path);
    while (recent.size() > kMaxRecent) recent.removeLast();
    settings.setValue("recentFiles", recent);
    updateRecentMenu();
    showModel();
    emit modelLoaded(m_path);
}

void MainWindow::showModel()
{
    const Graph& g = m_model->graph;
    setWindowTitle(tr("%1 - Quantscope").arg(QFileInfo(m_path).fileName()));
    m_summary->clear();
    auto add = [this](QTreeWidgetItem* parent, const QString& k, const QString& v) {
        auto* item = parent ? new QTreeWidgetItem(parent, {k, v}) : new QTreeWidgetItem(m_summary, {k, v});
        return item;
    };
    add(nullptr, tr("File"), QDir::toNativeSeparators(m_path));
    add(nullptr, tr("Format"), g.info.format == "onnx" ? tr("ONNX (opset %1)").arg(g.info.sourceOpset) : tr("TFLite"));
    if (!g.info.producer.empty()) add(nullptr, tr("Producer"), QString::fromStdString(g.info.producer));
    auto* inputs = add(nullptr, tr("Inputs"), QString::number(g.inputs.size()));
    for (int id : g.inputs) add(inputs, QString::fromStdString(g.values[id].name), shapeText(g.values[id]));
    auto* outputs = add(nullptr, tr("Outputs"), QString::number(g.outputs.size()));
    for (int id : g.outputs) add(outputs, QString::fromStdString(g.values[id].name), shapeText(g.values[id]));
    add(nullptr, tr("Parameters"), tr("%L1 (%L2 bytes)").arg(g.parameterCount()).arg(g.parameterBytes()));
    std::map<std::string, int> hist;
    for (const Node& n : g.nodes) ++hist[n.sourceOpType.empty() ? n.opType : n.sourceOpType];
    auto* ops = add(nullptr, tr("Operators"), QString::number(g.nodes.size()));
    for (const auto& [op, count] : hist) add(ops, QString::fromStdString(op), QString::number(count));
    auto unsupported = Interpreter::unsupportedNodes(g);
    auto* unsup = add(nullptr, tr("Unsupported"), unsupported.empty() ? tr("none") : QString::number(unsupported.size()));
    for (const auto& u : unsupported) add(unsup, QString::fromStdString(u), QString());
    m_summary->expandAll();

    m_nodes->setSortingEnabled(false);
    m_nodes->setRowCount(int(g.nodes.size()));
    for (int r = 0; r < int(g.nodes.size()); ++r) {
        const Node& n = g.nodes[size_t(r)];
        QStringList ins, outs;
        for (int in : n.inputs)
            if (in >= 0 && !g.values[in].constant) ins << shapeText(g.values[in]);
        for (int out : n.outputs) outs << shapeText(g.values[out]);
        auto* index = new QTableWidgetItem;
        index->setData(Qt::DisplayRole, r);
        m_nodes->setItem(r, 0, index);
        m_nodes->setItem(r, 1, new QTableWidgetItem(QString::fromStdString(n.name)));
        auto* op = new QTableWidgetItem(QString::fromStdString(n.sourceOpType.empty() ? n.opType : n.sourceOpType));
        if (const OpSchema* s = findOpSchema(n.opType))
            op->setToolTip(QString::fromLatin1(categoryName(s->category).data()) + ": " + QString::fromStdString(s->doc));
        m_nodes->setItem(r, 2, op);
        m_nodes->setItem(r, 3, new QTableWidgetItem(ins.join("  ")));
        m_nodes->setItem(r, 4, new QTableWidgetItem(outs.join("  ")));
    }
    m_nodes->setSortingEnabled(true);
    m_nodes->sortByColumn(0, Qt::AscendingOrder);
    m_nodes->resizeColumnsToContents();
    applyFilter(m_filter->text());
    m_status->setText(tr("%1 · %2 nodes · %L3 parameters")
                          .arg(g.info.format == "onnx" ? QStringLiteral("ONNX") : QStringLiteral("TFLite"))
                          .arg(g.nodes.size())
                          .arg(g.parameterCount()));
}

void MainWindow::applyFilter(const QString& text)
{
    for (int r = 0; r < m_nodes->rowCount(); ++r) {
        bool match = text.isEmpty() || m_nodes->item(r, 1)->text().contains(text, Qt::CaseInsensitive) ||
                     m_nodes->item(r, 2)->text().contains(text, Qt::CaseInsensitive);
        m_nodes->setRowHidden(r, !match);
    }
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value("recentFiles").toStringList();
    for (const QString& path : recent) {
        QAction* a = m_recentMenu->addAction(QFileInfo(path).fileName());
        a->setToolTip(path);
        connect(a, &QAction::triggered, this, [this, path] { openModel(path); });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    for (const QUrl& url : event->mimeData()->urls()) {
        QString f = url.toLocalFile();
        if (f.endsWith(".onnx", Qt::CaseInsensitive) || f.endsWith(".tflite", Qt::CaseInsensitive)) {
            event->acceptProposedAction();
            return;
        }
    }
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty()) openModel(urls.first().toLocalFile());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QSettings().setValue("window/geometry", saveGeometry());
    QMainWindow::closeEvent(event);
}

}  // namespace qs
