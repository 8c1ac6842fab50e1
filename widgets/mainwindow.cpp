#include "mainwindow.h"

#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDockWidget>
#include <QTabWidget>
#include <QtConcurrent/QtConcurrentRun>
#include <QTimer>
#include <QToolBar>
#include <QUndoStack>
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
#include <QRegularExpression>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <map>
#include <set>

#include "config/config.h"
#include "config/project.h"
#include "graph/opregistry.h"
#include "graphview.h"
#include "language.h"
#include "quant/coverage.h"
#include "quant/optypes.h"
#include "resultsview.h"
#include "sensitivityview.h"
#include "runtime/interpreter.h"
#include "settingseditor.h"
#include "util/atomicfile.h"

// The embedded samples live in this static library: register them explicitly (nothing else references them).
static void initResources() { Q_INIT_RESOURCE(resources); }

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

// The embedded sample (model and photos), extracted once to a cache folder (the runtime reads files, not Qt
// resources). return the sample folder.
QString sampleDir()
{
    QString dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + "/sample";
    QDir().mkpath(dir + "/images");
    for (const QString& f : {QStringLiteral("mobilenet_v1_0.25_224.tflite"), QStringLiteral("imagenet_labels_1001.txt")})
        if (!QFileInfo::exists(dir + "/" + f)) QFile::copy(":/samples/" + f, dir + "/" + f);
    for (const QString& f : QDir(":/samples/images").entryList())
        if (!QFileInfo::exists(dir + "/images/" + f)) QFile::copy(":/samples/images/" + f, dir + "/images/" + f);
    return dir;
}

// The sample's settings: full int8 quantization, calibrating on the five sample photos with MobileNet's
// preprocessing (the shorter side to 256, the centre 224x224).
QString sampleConfig(const QString& dir)
{
    return QString("[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=8\n\n"
                   "[data_preprocess_param]\ncalibrate_path=input:%1/images\ncalibrate_size=5\ninput_type=IMAGE\n"
                   "image_to_format=RGB\nnormalize_mean=[127.5, 127.5, 127.5]\nnormalize_std=[127.5, 127.5, 127.5]\n"
                   "resize_width=256\nresize_height=256\ncenter_crop_width=224\ncenter_crop_height=224\n\n"
                   "[full_quant_param]\nactivation_quant_method=MAX_MIN\nper_channel=true\nbias_correction=true\n\n"
                   "[quantscope_param]\nresize_keep_aspect=true\n")
        .arg(dir);
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    initResources();
    setAcceptDrops(true);
    resize(1400, 860);
    m_doc = new ProjectDocument(this);

    m_summary = new QTreeWidget;
    m_summary->setColumnCount(2);
    m_summary->header()->setSectionResizeMode(0, QHeaderView::Interactive);
    m_summary->header()->setStretchLastSection(true);
    m_summary->setColumnWidth(0, 170);
    m_nodes = new QTableWidget(0, 5);
    m_nodes->setObjectName("nodesTable");
    m_nodes->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_nodes->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_nodes->setSortingEnabled(true);
    m_nodes->verticalHeader()->setVisible(false);
    m_nodes->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_nodes->setAlternatingRowColors(true);
    m_nodes->horizontalHeader()->setStretchLastSection(true);
    m_filter = new QLineEdit;
    m_filter->setObjectName("nodeFilter");
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, this, &MainWindow::applyFilter);

    auto* nodesPage = new QWidget;
    auto* layout = new QVBoxLayout(nodesPage);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_nodes);
    m_graphView = new GraphView;
    m_results = new ResultsView;
    m_sensitivity = new SensitivityView;
    m_tabs = new QTabWidget;
    m_tabs->addTab(m_graphView, QString());
    m_tabs->addTab(nodesPage, QString());
    m_tabs->addTab(m_results, QString());
    m_tabs->addTab(m_sensitivity, QString());
    auto* central = new QWidget;
    auto* cl = new QVBoxLayout(central);
    cl->setContentsMargins(0, 0, 0, 0);
    cl->addWidget(m_filter);
    cl->addWidget(m_tabs);
    setCentralWidget(central);

    m_settings = new SettingsEditor(m_doc);
    m_modelDock = new QDockWidget;
    m_modelDock->setObjectName("modelDock");
    m_modelDock->setWidget(m_summary);
    addDockWidget(Qt::LeftDockWidgetArea, m_modelDock);
    m_settingsDock = new QDockWidget;
    m_settingsDock->setObjectName("settingsDock");
    m_settingsDock->setWidget(m_settings);
    addDockWidget(Qt::RightDockWidgetArea, m_settingsDock);
    m_properties = new QTreeWidget;
    m_properties->setObjectName("properties");
    m_properties->setColumnCount(2);
    m_properties->header()->setStretchLastSection(true);
    m_propertiesDock = new QDockWidget;
    m_propertiesDock->setObjectName("propertiesDock");
    m_propertiesDock->setWidget(m_properties);
    addDockWidget(Qt::LeftDockWidgetArea, m_propertiesDock);
    resizeDocks({m_modelDock, m_settingsDock}, {300, 430}, Qt::Horizontal);

    m_status = new QLabel;
    m_runStatus = new QLabel;
    m_runStatus->setObjectName("runStatus");
    m_progress = new QProgressBar;
    m_progress->setMaximumWidth(220);
    m_progress->hide();
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_runStatus);
    statusBar()->addPermanentWidget(m_progress);

    createActions();
    connect(m_doc, &ProjectDocument::loaded, this, &MainWindow::onLoaded);
    connect(m_doc, &ProjectDocument::loadFailed, this, &MainWindow::onLoadFailed);
    connect(m_doc, &ProjectDocument::busyChanged, this, &MainWindow::updateActions);
    connect(m_doc, &ProjectDocument::validityChanged, this, &MainWindow::updateActions);
    connect(m_doc, &ProjectDocument::configChanged, this, &MainWindow::onConfigChanged);
    connect(m_doc, &ProjectDocument::runFinished, this, &MainWindow::onRunFinished);
    connect(m_doc, &ProjectDocument::planEstimated, this, [this](std::shared_ptr<const QuantPlan> plan) {
        // a re-plan's table and charts at once, estimated from the calibration histograms (italic); the measured
        // run replaces them when it finishes; the last run is the "before"
        m_results->setPlan(*m_doc->calibratedGraph(), *plan, *m_doc->statistics());
        m_results->setBaseline(m_doc->lastRun() ? m_doc->lastRun()->rows : std::vector<TensorRow>{});
        m_graphView->setNodeCosine(m_results->nodeCosine());
        m_runStatus->setText(tr("%1 int8 nodes planned · estimated from the calibration histograms, measuring...").arg(plan->quantizedNodes.size()));
    });
    connect(m_doc, &ProjectDocument::rowsMeasured, this, [this](std::shared_ptr<const std::vector<TensorRow>> rows, bool refined) {
        // the measured tensors replace the estimates before the outputs are compared over the samples (first those
        // of the plan before its bias correction, when the session refines it)
        m_results->setMeasured(*rows);
        m_graphView->setNodeCosine(m_results->nodeCosine());
        m_runStatus->setText(refined ? tr("Tensors measured on the first sample · comparing the outputs...")
                                     : tr("Tensors measured on the first sample, before bias correction and learned rounding · refining the plan..."));
    });
    connect(m_doc, &ProjectDocument::reportsFinished, m_status, &QLabel::setText);
    connect(m_doc, &ProjectDocument::progress, this, [this](int done, int total, const QString& stage) {
        m_progress->setRange(0, std::max(total, 1));
        m_progress->setValue(done);
        QString eta;
        qint64 elapsed = QDateTime::currentMSecsSinceEpoch() - m_runStarted;
        if (stage == "calibrate" && done > 0 && done < total)
            eta = tr(", about %1 s left").arg(double(elapsed) / done * (total - done) / 1000.0, 0, 'f', 1);
        const QString label = stageLabel(stage);
        m_progress->setFormat(tr("%1 %v/%m").arg(label));
        m_runStatus->setText(tr("%1: %2 of %3%4").arg(label).arg(done).arg(total).arg(eta));
    });
    // per-node choices edit the document (undoable), which re-plans; selection follows across the views
    connect(m_results, &ResultsView::skipToggled, m_doc, &ProjectDocument::setSkip);
    connect(m_graphView, &GraphView::skipRequested, this, [this](const QString& n) { m_doc->setSkip(n, !m_doc->isSkipped(n)); });
    connect(m_sensitivity, &SensitivityView::skipRequested, m_doc, &ProjectDocument::setSkips);
    connect(m_sensitivity, &SensitivityView::targetRequested, this, [this](double cosine) {
        m_doc->edit("quantscope_param", "target_cosine", QString::number(cosine, 'g', 6).toStdString());
        run();  // searches; the document writes its choice into the config
    });
    connect(m_graphView, &GraphView::nodeMenuRequested, this, &MainWindow::addNodeChoices);
    connect(m_results, &ResultsView::nodeMenuRequested, this, &MainWindow::addNodeChoices);
    connect(m_results, &ResultsView::nodeSelected, this, &MainWindow::selectNode);
    connect(m_graphView, &GraphView::nodeClicked, this, &MainWindow::selectNode);
    connect(m_sensitivity, &SensitivityView::nodeSelected, this, &MainWindow::selectNode);
    connect(m_nodes, &QTableWidget::itemSelectionChanged, this, [this] {
        auto rows = m_nodes->selectionModel()->selectedRows();
        if (!rows.isEmpty()) selectNode(m_nodes->item(rows.first().row(), 1)->text());
    });
    connect(m_graphView, &GraphView::laidOut, this, [this](double ms) {
        m_status->setText(m_status->text() + tr(" · graph laid out in %1 ms").arg(ms, 0, 'f', 0));
    });
    retranslate();
    updateActions();
    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());
}

MainWindow::~MainWindow() = default;  // the document, a child, cancels and waits for its jobs

void MainWindow::createActions()
{
    m_openAction = new QAction(this);
    m_openAction->setShortcut(QKeySequence::Open);
    connect(m_openAction, &QAction::triggered, this, [this] {
        QSettings settings;
        QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), settings.value("lastDir").toString(),
                                                    tr("Models and projects (*.onnx *.tflite *.yaml);;All files (*)"));
        if (!path.isEmpty()) openFile(path);
    });
    m_openSampleAction = new QAction(this);
    connect(m_openSampleAction, &QAction::triggered, this, &MainWindow::openSample);
    m_openProjectAction = new QAction(this);
    connect(m_openProjectAction, &QAction::triggered, this, qOverload<>(&MainWindow::openProject));
    m_openConfigAction = new QAction(this);
    m_openConfigAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    connect(m_openConfigAction, &QAction::triggered, this, [this] {
        QString path = QFileDialog::getOpenFileName(this, tr("Open Config"), QSettings().value("lastDir").toString(),
                                                    tr("MindSpore Lite configs (*.ini *.cfg *.config);;All files (*)"));
        if (path.isEmpty()) return;
        if (QString error = openConfig(path); !error.isEmpty()) QMessageBox::warning(this, tr("Could not open the config"), error);
    });
    m_saveProjectAction = new QAction(this);
    m_saveProjectAction->setShortcut(QKeySequence::Save);
    connect(m_saveProjectAction, &QAction::triggered, this, &MainWindow::saveProjectAs);
    m_exportModelAction = new QAction(this);
    m_exportModelAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    connect(m_exportModelAction, &QAction::triggered, this, [this] {
        const QFileInfo model(m_doc->modelPath());
        QString suffix = m_doc->graph() && m_doc->graph()->info.format == "tflite" ? "tflite" : "onnx";
        QString suggested = model.absolutePath() + "/" + model.completeBaseName() + "_quant." + suffix;
        QString path = QFileDialog::getSaveFileName(this, tr("Export Quantized Model"), suggested, tr("Models (*.%1)").arg(suffix));
        if (path.isEmpty()) return;
        QString error = m_doc->exportModel(path);
        if (!error.isEmpty()) QMessageBox::warning(this, tr("Export failed"), error);
        else m_status->setText(tr("Wrote %1").arg(QDir::toNativeSeparators(path)));
    });
    m_exportConfigAction = new QAction(this);
    connect(m_exportConfigAction, &QAction::triggered, this, [this] {
        QString path = QFileDialog::getSaveFileName(this, tr("Export Config"), QFileInfo(m_doc->modelPath()).absolutePath() + "/quant.ini",
                                                    tr("INI files (*.ini *.cfg)"));
        if (path.isEmpty()) return;
        QString error = m_doc->exportConfig(path);
        if (!error.isEmpty()) QMessageBox::warning(this, tr("Export failed"), error);
        else m_status->setText(tr("Wrote %1").arg(QDir::toNativeSeparators(path)));
    });
    m_exportReportsAction = new QAction(this);
    connect(m_exportReportsAction, &QAction::triggered, this, &MainWindow::exportReports);
    m_findAction = new QAction(this);
    m_findAction->setShortcut(QKeySequence::Find);
    connect(m_findAction, &QAction::triggered, this, [this] {
        m_filter->setFocus();
        m_filter->selectAll();
    });
    m_fitAction = new QAction(this);
    m_fitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    connect(m_fitAction, &QAction::triggered, m_graphView, &GraphView::fit);
    m_runAction = new QAction(this);
    m_runAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    connect(m_runAction, &QAction::triggered, this, &MainWindow::run);
    m_suggestAction = new QAction(this);
    connect(m_suggestAction, &QAction::triggered, this, &MainWindow::suggestSkips);
    m_cancelAction = new QAction(this);
    m_cancelAction->setShortcut(QKeySequence(Qt::Key_Escape));
    connect(m_cancelAction, &QAction::triggered, this, &MainWindow::cancelRun);
    m_undoAction = m_doc->undoStack()->createUndoAction(this);
    m_undoAction->setShortcut(QKeySequence::Undo);
    m_redoAction = m_doc->undoStack()->createRedoAction(this);
    m_redoAction->setShortcut(QKeySequence::Redo);
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
    m_fileMenu->addAction(m_openProjectAction);
    m_fileMenu->addAction(m_openConfigAction);
    m_fileMenu->addAction(m_saveProjectAction);
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_exportModelAction);
    m_fileMenu->addAction(m_exportConfigAction);
    m_fileMenu->addAction(m_exportReportsAction);
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_quitAction);
    m_editMenu = menuBar()->addMenu(QString());
    m_editMenu->addAction(m_undoAction);
    m_editMenu->addAction(m_redoAction);
    m_viewMenu = menuBar()->addMenu(QString());
    m_viewMenu->addAction(m_findAction);
    m_viewMenu->addAction(m_fitAction);
    m_viewMenu->addAction(m_modelDock->toggleViewAction());
    m_viewMenu->addAction(m_settingsDock->toggleViewAction());
    m_viewMenu->addAction(m_propertiesDock->toggleViewAction());
    m_languageMenu = m_viewMenu->addMenu(QString());
    for (const QString& code : Language::available()) {
        QAction* a = m_languageMenu->addAction(Language::displayName(code));
        a->setData(code);
        connect(a, &QAction::triggered, this, [this, code] { setLanguage(code); });
    }
    m_runMenu = menuBar()->addMenu(QString());
    m_runMenu->addAction(m_runAction);
    m_runMenu->addAction(m_suggestAction);
    m_runMenu->addAction(m_cancelAction);
    m_helpMenu = menuBar()->addMenu(QString());
    m_helpMenu->addAction(m_aboutAction);

    QToolBar* tools = addToolBar(QString());
    tools->setObjectName("mainToolBar");
    for (QAction* a : {m_openAction, m_runAction, m_cancelAction, m_exportModelAction, m_exportConfigAction}) tools->addAction(a);
    tools->addSeparator();
    tools->addAction(m_undoAction);
    tools->addAction(m_redoAction);
    updateRecentMenu();
}

void MainWindow::retranslate()
{
    setWindowTitle(m_doc->isLoaded() ? tr("%1 - Quantscope").arg(QFileInfo(m_doc->modelPath()).fileName()) : tr("Quantscope"));
    m_runStatus->setToolTip(tr("Output cosine: the quantized model's outputs against float on the first calibration samples. "
                               "Mask IoU (probability-map outputs such as text detectors'): overlap of the pixels above 0.3. "
                               "Box match (box and score outputs): F1 of the detections above 0.5 whose boxes overlap at IoU 0.5 or more."));
    m_fileMenu->setTitle(tr("&File"));
    m_editMenu->setTitle(tr("&Edit"));
    m_recentMenu->setTitle(tr("Open &Recent"));
    m_viewMenu->setTitle(tr("&View"));
    m_runMenu->setTitle(tr("&Run"));
    m_languageMenu->setTitle(tr("&Language"));
    m_helpMenu->setTitle(tr("&Help"));
    m_openAction->setText(tr("&Open Model..."));
    m_openAction->setToolTip(tr("Open an ONNX or TFLite model (Ctrl+O)"));
    m_openSampleAction->setText(tr("Open &Sample Model"));
    m_openSampleAction->setToolTip(tr("MobileNet V1 0.25 with five photos set up for calibration"));
    m_openProjectAction->setText(tr("Open &Project..."));
    m_openConfigAction->setText(tr("Open &Config..."));
    m_openConfigAction->setToolTip(tr("Load a MindSpore Lite INI config into the settings, with its problems listed (Ctrl+Shift+O)"));
    m_saveProjectAction->setText(tr("&Save Project..."));
    m_saveProjectAction->setToolTip(tr("Save the model path, settings and skipped nodes as a .yaml project (Ctrl+S)"));
    m_exportModelAction->setText(tr("&Export Quantized Model..."));
    m_exportModelAction->setToolTip(tr("Write the quantized model: QDQ ONNX or int8 TFLite (Ctrl+E)"));
    m_exportConfigAction->setText(tr("Export &Config..."));
    m_exportConfigAction->setToolTip(tr("Write the settings as the INI file quantscope-cli convert replays"));
    m_exportReportsAction->setText(tr("Export Debug &Reports..."));
    m_exportReportsAction->setToolTip(tr("Write output_summary.csv, round_*.csv and quant_param.csv (MindSpore Lite's columns)"));
    m_findAction->setText(tr("&Find Node"));
    m_fitAction->setText(tr("Fit &Graph"));
    m_runAction->setText(tr("&Run Quantization"));
    m_runAction->setToolTip(tr("Calibrate (when the data changed) and quantize in the background (Ctrl+R)"));
    m_suggestAction->setText(tr("&Suggest Skips"));
    m_suggestAction->setToolTip(tr("Rank the quantized layers by how much the output improves when each alone stays float"));
    m_cancelAction->setText(tr("&Cancel"));
    m_cancelAction->setToolTip(tr("Stop the running calibration or quantization (Esc)"));
    m_undoAction->setText(tr("&Undo"));
    m_redoAction->setText(tr("&Redo"));
    m_quitAction->setText(tr("&Quit"));
    m_aboutAction->setText(tr("&About Quantscope"));
    m_modelDock->setWindowTitle(tr("Model"));
    m_settingsDock->setWindowTitle(tr("Quantization Settings"));
    m_propertiesDock->setWindowTitle(tr("Properties"));
    m_properties->setHeaderLabels({tr("Property"), tr("Value")});
    m_tabs->setTabText(0, tr("Graph"));
    m_tabs->setTabText(1, tr("Nodes"));
    m_tabs->setTabText(2, tr("Results"));
    m_tabs->setTabText(3, tr("Sensitivity"));
    m_summary->setHeaderLabels({tr("Property"), tr("Value")});
    m_nodes->setHorizontalHeaderLabels({tr("#"), tr("Name"), tr("Operator"), tr("Inputs"), tr("Outputs")});
    m_filter->setPlaceholderText(tr("Find nodes by name or operator (Ctrl+F)"));
    if (m_doc->isLoaded()) showModel();
    else if (!m_doc->isLoading()) m_status->setText(tr("Open a model with Ctrl+O, or drop an .onnx or .tflite file here."));
    if (!m_shownNode.isEmpty()) showProperties(m_shownNode);
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
    if (!m_doc->openModel(path)) return;  // busy: the actions say so
    m_status->setText(tr("Loading %1...").arg(QDir::toNativeSeparators(path)));
}

void MainWindow::openSample()
{
    QString dir = sampleDir();
    if (m_doc->openModel(dir + "/mobilenet_v1_0.25_224.tflite", sampleConfig(dir))) m_status->setText(tr("Loading the sample..."));
}

void MainWindow::onLoadFailed(const QString& message)
{
    m_status->setText(tr("Could not open the model."));
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Could not open the model"), message, QMessageBox::Ok, this);
    box->setObjectName("loadErrorBox");
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();  // window-modal, does not block the event loop
    emit loadFailed(message);
}

void MainWindow::rememberRecent(const QString& path)
{
    QSettings settings;
    settings.setValue("lastDir", QFileInfo(path).absolutePath());
    QStringList recent = settings.value("recentFiles").toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent) recent.removeLast();
    settings.setValue("recentFiles", recent);
    updateRecentMenu();
}

void MainWindow::onLoaded()
{
    // a project is what the user opened, and what recent files reopen
    rememberRecent(m_doc->projectPath().isEmpty() ? m_doc->modelPath() : m_doc->projectPath());
    const std::shared_ptr<const Graph> graph = m_doc->sharedGraph();
    m_results->setPlan(*graph, {}, {});
    m_results->setBaseline({});
    m_graphView->setNodeCosine({});
    m_sensitivity->clear();
    m_graphView->setGraph(graph);
    m_runStatus->clear();
    updateBadges();  // the per-node choices the opened config or project holds
    m_properties->clear();  // the previous model's node
    m_shownNode.clear();
    showModel();
    restoreViewState();
    updateActions();
    emit modelLoaded(m_doc->modelPath());
}

void MainWindow::selectNode(const QString& node)
{
    m_graphView->selectNode(node.toStdString());
    m_results->selectNode(node.toStdString());
    showProperties(node);
}

void MainWindow::saveViewState()
{
    auto& view = m_doc->viewState();
    view.clear();
    if (!m_shownNode.isEmpty()) view["selected_node"] = m_shownNode.toStdString();
    if (!m_filter->text().isEmpty()) view["filter"] = m_filter->text().toStdString();
    static const char* const kTabs[] = {"graph", "nodes", "results", "sensitivity"};
    view["tab"] = kTabs[std::clamp(m_tabs->currentIndex(), 0, 3)];
}

void MainWindow::restoreViewState()
{
    const auto& view = m_doc->viewState();
    auto value = [&](const char* key) {
        auto it = view.find(key);
        return it == view.end() ? QString() : QString::fromStdString(it->second);
    };
    m_filter->setText(value("filter"));
    static const QStringList kTabs = {"graph", "nodes", "results", "sensitivity"};
    if (int tab = kTabs.indexOf(value("tab")); tab >= 0) m_tabs->setCurrentIndex(tab);
    if (const QString node = value("selected_node"); !node.isEmpty()) selectNode(node);
}

void MainWindow::showModel()
{
    const Graph& g = *m_doc->graph();
    setWindowTitle(tr("%1 - Quantscope").arg(QFileInfo(m_doc->modelPath()).fileName()));
    m_summary->clear();
    auto add = [this](QTreeWidgetItem* parent, const QString& k, const QString& v) {
        auto* item = parent ? new QTreeWidgetItem(parent, {k, v}) : new QTreeWidgetItem(m_summary, {k, v});
        return item;
    };
    add(nullptr, tr("File"), QDir::toNativeSeparators(m_doc->modelPath()));
    if (!m_doc->projectPath().isEmpty()) add(nullptr, tr("Project"), QDir::toNativeSeparators(m_doc->projectPath()));
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
    if (!text.isEmpty()) {
        QStringList hits = m_graphView->find(text);
        if (!hits.isEmpty()) m_results->selectNode(hits.first().toStdString());
    }
}

void MainWindow::updateActions()
{
    const bool loaded = m_doc->isLoaded(), busy = m_doc->isBusy(), running = m_doc->isRunning();
    const auto plan = m_doc->plan();
    m_openAction->setEnabled(!busy);
    m_openSampleAction->setEnabled(!busy);
    m_openProjectAction->setEnabled(!busy);
    m_recentMenu->setEnabled(!busy && !m_recentMenu->isEmpty());
    m_runAction->setEnabled(loaded && !busy && m_doc->valid());
    m_cancelAction->setEnabled(running);
    m_suggestAction->setEnabled(loaded && !busy && m_doc->valid() && plan && !plan->quantizedNodes.empty());
    m_exportModelAction->setEnabled(m_doc->canExportModel());
    m_exportConfigAction->setEnabled(loaded && m_doc->valid());
    m_exportReportsAction->setEnabled(m_doc->canExportModel());
    m_saveProjectAction->setEnabled(loaded);
    m_openConfigAction->setEnabled(loaded && !busy);
    m_settings->setEnabled(!busy);
    m_progress->setVisible(busy);
    if (m_doc->isLoading()) m_progress->setRange(0, 0);
}

void MainWindow::run()
{
    if (!m_doc->isLoaded() || m_doc->isBusy() || !m_doc->valid()) return;
    m_runStarted = QDateTime::currentMSecsSinceEpoch();
    m_runStatus->setText(tr("starting..."));
    m_doc->run();
}

void MainWindow::suggestSkips()
{
    if (!m_doc->isLoaded() || m_doc->isBusy() || !m_doc->valid()) return;
    m_runStarted = QDateTime::currentMSecsSinceEpoch();
    m_doc->suggestSkips();
}

void MainWindow::cancelRun()
{
    if (!m_doc->isRunning()) return;
    m_doc->cancel();
    m_runStatus->setText(tr("cancelling..."));
}

void MainWindow::onRunFinished(const RunOutcome& outcome)
{
    const Graph& graph = *m_doc->graph();
    if (outcome.cancelled) {
        m_runStatus->setText(tr("Cancelled. Run again with Ctrl+R."));
    } else if (!outcome.ok) {
        m_runStatus->setText(tr("Failed."));
        auto* box = new QMessageBox(QMessageBox::Warning, tr("Quantization failed"), outcome.error, QMessageBox::Ok, this);
        box->setObjectName("runErrorBox");
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    } else if (!outcome.suggestions.empty()) {
        // the ranking's own baseline, on its samples
        m_sensitivity->setRanking(graph, outcome.suggestions, outcome.outputCosine, size_t(outcome.samples));
        m_tabs->setCurrentWidget(m_sensitivity);
        m_runStatus->setText(tr("Best node to skip: %1 (output cosine %2 -> %3)")
                                 .arg(QString::fromStdString(outcome.suggestions.front().node))
                                 .arg(outcome.outputCosine, 0, 'f', 5)
                                 .arg(outcome.suggestions.front().cosine, 0, 'f', 5));
        m_results->selectNode(outcome.suggestions.front().node);
    } else {
        // the document kept this run (and the one before it); no job runs now, so the session is this thread's
        const QuantPlan& plan = *m_doc->plan();
        const Session& session = *m_doc->session();
        const auto previous = m_doc->previousRun();
        m_results->setPlan(*m_doc->calibratedGraph(), plan, *m_doc->statistics());  // its weights are the plan's
        m_results->setMeasured(outcome.rows);
        m_results->setBaseline(previous ? previous->rows : std::vector<TensorRow>{});
        m_graphView->setNodeCosine(m_results->nodeCosine());
        // int16 activations are counted apart: "int8 nodes" would claim too much
        size_t wide = 0;
        const auto int16Names = parseNameList(configValue(m_doc->config(), "quantscope_param", "int16_activation_node"));
        for (const std::string& n : std::set<std::string>(int16Names.begin(), int16Names.end())) wide += plan.quantizedNodes.count(n);
        const QString quantized = wide ? tr("%1 int8 nodes, %2 with int16 activations").arg(plan.quantizedNodes.size() - wide).arg(wide)
                                       : tr("%1 int8 nodes").arg(plan.quantizedNodes.size());
        QString cosine = tr("output cosine %1 (%2 samples)").arg(outcome.outputCosine, 0, 'f', 5).arg(outcome.samples);
        if (previous && previous->samples == outcome.samples && previous->ok)
            cosine += tr(", was %1").arg(previous->outputCosine, 0, 'f', 5);
        if (const TaskMetrics& t = outcome.taskMetrics; t.maskIoU)  // probability maps: what a detector's user reads off
            cosine += tr(", mask IoU %1").arg(*t.maskIoU, 0, 'f', 3);
        if (const TaskMetrics& t = outcome.taskMetrics; t.boxMatch)
            cosine += tr(", box match %1").arg(*t.boxMatch, 0, 'f', 3);
        m_runStatus->setText(outcome.samples ? tr("%1, %2 float · %3 · %4 KiB")
                                                   .arg(quantized)
                                                   .arg(graph.totalNodeCount() - plan.quantizedNodes.size())
                                                   .arg(cosine)
                                                   .arg(session.exportedBytes().size() / 1024)
                                             : tr("%1 nodes quantized · %2 KiB")
                                                   .arg(plan.quantizedNodes.size())
                                                   .arg(session.exportedBytes().size() / 1024));
        // Weighted ops left float without a skip or a config rule asking for it: said where the result is read.
        const WeightedCoverage coverage = weightedCoverage(graph, plan);
        m_runStatus->setToolTip(QString());
        if (!coverage.unexpected.empty()) {
            QStringList why;
            for (const auto& f : coverage.unexpected)
                why << tr("%1 (%2): %3").arg(QString::fromStdString(f.node), QString::fromStdString(f.op), QString::fromStdString(f.why));
            m_runStatus->setText(m_runStatus->text() + tr(" · %n weighted operator(s) left float", "", int(coverage.unexpected.size())));
            m_runStatus->setToolTip(tr("Not quantized although neither skip_quant_node nor a config rule asked for it:\n%1")
                                        .arg(why.join("\n")));
        }
        if (const QString exportError = m_doc->exportError(); !exportError.isEmpty()) {  // the analysis stands; the export has its own line
            QString status = m_runStatus->text();
            status.remove(QRegularExpression(" · \\d+ KiB"));  // the size is the previous export's
            m_runStatus->setText(tr("%1 · not exported: %2").arg(status, exportError));
            m_runStatus->setToolTip(tr("The plan was measured in memory; writing it as a model failed:\n%1").arg(exportError) +
                                    (m_runStatus->toolTip().isEmpty() ? QString() : "\n\n" + m_runStatus->toolTip()));
        }
        if (m_tabs->currentIndex() == 1) m_tabs->setCurrentIndex(2);
        if (outcome.targetSearched) showTargetChoice(outcome.target);  // the document has written the choice
    }
    updateActions();
    emit runFinished(outcome.ok);
}

void MainWindow::onConfigChanged()
{
    updateActions();
    updateBadges();
}

void MainWindow::showTargetChoice(const TargetSearch& t)
{
    QStringList lines;
    for (const TargetSearch::Step& step : t.path)
        lines << (step.int16 ? tr("%n most damaging weighted node(s) int16: output cosine %1, %2 of %3 weighted ops with int8 weights", "", int(step.kept))
                             : tr("%n most damaging weighted node(s) float: output cosine %1, %2 of %3 weighted ops with int8 weights", "", int(step.kept)))
                     .arg(step.cosine, 0, 'f', 5)
                     .arg(step.quantizedWeighted)
                     .arg(step.weighted);
    const std::vector<std::string> raised = t.raised();
    QStringList names;
    for (const std::string& n : raised) names << QString::fromStdString(n);
    const QString text = raised.empty()
                             ? tr("The plan reaches output cosine %1 on %2 held-back calibration samples: target %3 met, no node raised.")
                                   .arg(t.baseline, 0, 'f', 5)
                                   .arg(t.measuredOn)
                                   .arg(t.target)
                         : t.int16 ? tr("Output cosine %1 on %2 held-back calibration samples. Tried:\n%3\n\nint16 activations: %4\n\n"
                                        "They are now in int16_activation_node (Ctrl+Z takes them back).")
                                         .arg(t.baseline, 0, 'f', 5)
                                         .arg(t.measuredOn)
                                         .arg(lines.join("\n"), names.join(", "))
                                   : tr("Output cosine %1 on %2 held-back calibration samples. Tried:\n%3\n\nKept float: %4\n\n"
                                        "They are now in skip_quant_node (Ctrl+Z takes them back).")
                                         .arg(t.baseline, 0, 'f', 5)
                                         .arg(t.measuredOn)
                                         .arg(lines.join("\n"), names.join(", "));
    auto* box = new QMessageBox(QMessageBox::Information, tr("target_cosine %1").arg(t.target), text, QMessageBox::Ok, this);
    box->setObjectName("targetBox");
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

QString MainWindow::stageLabel(const QString& stage) const
{
    // the stage names core's long work reports (ProgressSink), as the user reads them
    if (stage == "calibrate") return tr("calibration");
    if (stage == "quantize") return tr("quantization");
    if (stage == "bias correction") return tr("bias correction");
    if (stage == "compare") return tr("comparison");
    if (stage == "sensitivity") return tr("sensitivity");
    if (stage == "target_cosine") return tr("target_cosine search");
    if (stage == "auto_tune") return tr("auto_tune");
    if (stage == "debug reports") return tr("debug reports");
    return stage;
}

void MainWindow::addNodeChoices(const QString& node, QMenu* menu)
{
    const Graph* graph = m_doc->graph();
    if (!graph) return;
    const Node* n = nullptr;
    const Graph* owner = nullptr;
    auto find = [&](const Graph& g) {
        if (int i = g.findNode(node.toStdString()); i >= 0) n = &g.nodes[size_t(i)], owner = &g;
    };
    find(*graph);
    for (const SubgraphRef& sub : graph->subgraphs())
        if (!n) find(*sub.graph);
    if (!n) return;
    const std::string quantType = configValue(m_doc->config(), "common_quant_param", "quant_type");
    auto submenu = [&](const QString& title, const QString& key, const QStringList& values, const QString& tip) {
        QMenu* sub = menu->addMenu(title);
        sub->setToolTipsVisible(true);
        auto* group = new QActionGroup(sub);  // one choice at a time, shown as radio buttons
        const QString current = m_doc->nodeChoice(node, key);
        auto add = [&](const QString& label, const QString& value) {
            QAction* a = sub->addAction(label, this, [this, node, key, value] { m_doc->setNodeChoice(node, key, value); });
            a->setCheckable(true);
            a->setActionGroup(group);
            a->setChecked(current == value);
            a->setToolTip(tip);
        };
        add(tr("Default (the config's)"), QString());
        for (const QString& v : values) add(v, v);
    };
    menu->addSeparator();
    if (hasQuantizableWeights(*owner, *n)) {
        QStringList widths;
        for (int b : quantType == "WEIGHT_QUANT" ? std::vector<int>{16, 12, 10, 8, 7, 6, 5, 4, 3, 2, 1} : std::vector<int>{8, 7, 6, 5, 4, 3, 2})
            widths << QString::number(b);
        submenu(tr("Weight Bits"), "node_weight_bits", widths,
                tr("[quantscope_param] node_weight_bits: the bits of this node's weight grid instead of the config's"));
    }
    if (quantType == "FULL_QUANT") {
        submenu(tr("Range Method"), "node_activation_quant_method", {"MAX_MIN", "KL", "REMOVAL_OUTLIER"},
                tr("[quantscope_param] node_activation_quant_method: how this node's output activation range is chosen"));
        QAction* wide = menu->addAction(tr("16-bit Activations"), this, [this, node](bool on) { m_doc->setInt16(node, on); });
        wide->setObjectName("int16Action");
        wide->setCheckable(true);
        wide->setChecked(m_doc->isInt16(node));
        wide->setToolTip(graph->info.format == "tflite"
                             ? tr("[quantscope_param] int16_activation_node: a TFLite model has int16 activations for all its ops or none, so this node stays float")
                             : tr("[quantscope_param] int16_activation_node: the tensors this node reads and writes get int16 instead of int8"));
    }
}

void MainWindow::updateBadges()
{
    std::map<std::string, QString> badges;
    const IniDocument& doc = m_doc->config();
    for (const std::string& n : parseNameList(configValue(doc, "common_quant_param", "skip_quant_node"))) badges[n] = tr("float");
    for (const auto& [n, bits] : parseNodeMap(configValue(doc, "quantscope_param", "node_weight_bits")).value_or(NodeMap{}))
        if (!badges.count(n)) badges[n] = tr("W%1").arg(QString::fromStdString(bits));
    for (const auto& [n, method] : parseNodeMap(configValue(doc, "quantscope_param", "node_activation_quant_method")).value_or(NodeMap{})) {
        if (badges[n] == tr("float")) continue;
        badges[n] += (badges[n].isEmpty() ? "" : " ") + QString::fromStdString(method == "REMOVAL_OUTLIER" ? "RO" : method == "MAX_MIN" ? "MM" : method);
    }
    for (const std::string& n : parseNameList(configValue(doc, "quantscope_param", "int16_activation_node")))
        if (badges[n] != tr("float")) badges[n] += (badges[n].isEmpty() ? "" : " ") + tr("A16");
    m_graphView->setBadges(badges);
}

void MainWindow::showProperties(const QString& name)
{
    m_shownNode = name;
    m_properties->clear();
    const Graph* graph = m_doc->graph();
    if (!graph) return;
    // the model's node, or one inside an If branch or Loop body (the graph view opens those)
    const Graph* in = graph;
    int idx = in->findNode(name.toStdString());
    for (const SubgraphRef& sub : graph->subgraphs())
        if (idx < 0 && (idx = sub.graph->findNode(name.toStdString())) >= 0) in = sub.graph;
    if (idx < 0) return;
    const Graph& g = *in;
    const Node& n = g.nodes[size_t(idx)];
    auto add = [this](QTreeWidgetItem* parent, const QString& k, const QString& v) {
        auto* item = parent ? new QTreeWidgetItem(parent, {k, v}) : new QTreeWidgetItem(m_properties, {k, v});
        item->setToolTip(0, k);  // long names and values are elided in a narrow dock
        item->setToolTip(1, v);
        return item;
    };
    add(nullptr, tr("Name"), name);
    auto* op = add(nullptr, tr("Operator"), QString::fromStdString(n.sourceOpType.empty() ? n.opType : n.sourceOpType));
    if (const OpSchema* s = findOpSchema(n.opType))
        op->setToolTip(1, QString::fromLatin1(categoryName(s->category).data()) + ": " + QString::fromStdString(s->doc));
    if (!n.attrs.empty()) {
        auto* attrs = add(nullptr, tr("Attributes"), QString::number(n.attrs.size()));
        for (const auto& [k, a] : n.attrs) add(attrs, QString::fromStdString(k), QString::fromStdString(a.toString()));
    }
    auto* ins = add(nullptr, tr("Inputs"), QString::number(n.inputs.size()));
    for (int id : n.inputs) {
        if (id < 0) continue;
        const Value& v = g.values[size_t(id)];
        QString text = shapeText(v);
        if (v.constant && v.constant->type() == DataType::Float32) {
            auto w = v.constant->toFloat();
            auto [lo, hi] = std::minmax_element(w.begin(), w.end());
            if (!w.empty()) text += tr("  weights: min %1, max %2").arg(*lo, 0, 'g', 4).arg(*hi, 0, 'g', 4);
        }
        add(ins, QString::fromStdString(v.name), text);
    }
    auto* outs = add(nullptr, tr("Outputs"), QString::number(n.outputs.size()));
    for (int id : n.outputs) add(outs, QString::fromStdString(g.values[size_t(id)].name), shapeText(g.values[size_t(id)]));
    if (const auto shown = m_doc->plan(); shown && (!shown->quantizedNodes.empty() || !shown->skippedNodes.empty())) {
        const QuantPlan& plan = *shown;  // the last run's: a running job's plan is not this thread's to read
        QString state = plan.skippedNodes.count(n.name) ? tr("skipped (float)")
                        : plan.quantizedNodes.count(n.name) ? tr("quantized")
                        : plan.floatReasons.count(n.name) ? tr("float: %1").arg(QString::fromStdString(plan.floatReasons.at(n.name)))
                                                          : tr("float");
        auto* q = add(nullptr, tr("Quantization"), state);
        // weight and dynamic quantization: the weights' container, and what their rounding kept
        auto c = n.inputs.size() > 1 && n.inputs[1] >= 0 ? plan.constants.find(g.values[size_t(n.inputs[1])].name) : plan.constants.end();
        if (plan.quantType != "FULL_QUANT" && plan.quantizedNodes.count(n.name) && c != plan.constants.end()) {
            add(q, tr("Weights"), tr("%1 bits, %2").arg(c->second.params.bits).arg(QString::fromStdString(c->second.container)));
            if (c->second.roundedForData)
                add(q, tr("Rounding"), tr("keeps each channel's mean output on %1").arg(QString::fromStdString(plan.roundingData)));
        }
        for (const QString& line : m_results->describeNode(n.name)) add(q, QString(), line);
    }
    m_properties->expandAll();
    m_properties->resizeColumnToContents(0);
    // long tensor names must not push the values out of sight
    m_properties->setColumnWidth(0, std::min(m_properties->columnWidth(0), m_properties->viewport()->width() / 2));
}

void MainWindow::exportReports()
{
    if (!m_doc->canExportModel()) return;
    QString dir = QFileDialog::getExistingDirectory(this, tr("Export Debug Reports"), QFileInfo(m_doc->modelPath()).absolutePath());
    if (dir.isEmpty() || !m_doc->exportReports(dir)) return;
    m_status->setText(tr("Writing debug reports to %1... (Esc cancels)").arg(QDir::toNativeSeparators(dir)));
}

void MainWindow::saveProjectAs()
{
    if (!m_doc->isLoaded()) return;
    const QFileInfo model(m_doc->modelPath());
    const QString suggested = !m_doc->projectPath().isEmpty() ? m_doc->projectPath()
                                                              : model.absolutePath() + "/" + model.completeBaseName() + ".quantscope.yaml";
    QString path = QFileDialog::getSaveFileName(this, tr("Save Project"), suggested, tr("Quantscope projects (*.quantscope.yaml *.yaml)"));
    if (path.isEmpty()) return;
    if (QString error = saveProject(path); !error.isEmpty()) QMessageBox::warning(this, tr("Could not save the project"), error);
    else m_status->setText(tr("Saved %1").arg(QDir::toNativeSeparators(path)));
}

QString MainWindow::saveProject(const QString& path)
{
    saveViewState();
    QString error = m_doc->saveProject(path);
    if (error.isEmpty()) rememberRecent(m_doc->projectPath());
    return error;
}

void MainWindow::openProject()
{
    QString path = QFileDialog::getOpenFileName(this, tr("Open Project"), QSettings().value("lastDir").toString(),
                                                tr("Quantscope projects (*.yaml)"));
    if (!path.isEmpty()) openProject(path);
}

void MainWindow::openFile(const QString& path)
{
    if (path.endsWith(".yaml", Qt::CaseInsensitive) || path.endsWith(".yml", Qt::CaseInsensitive)) openProject(path);
    else if (isConfigFile(path)) {
        if (QString error = openConfig(path); !error.isEmpty()) QMessageBox::warning(this, tr("Could not open the config"), error);
    } else openModel(path);
}

bool MainWindow::isConfigFile(const QString& path)
{
    for (const char* ext : {".ini", ".cfg", ".config"})
        if (path.endsWith(QLatin1String(ext), Qt::CaseInsensitive)) return true;
    return false;
}

QString MainWindow::openConfig(const QString& path)
{
    // Into the open model's settings, comments and order kept (exported as read); problems are listed as for any edit.
    QString error = m_doc->openConfig(path);
    if (error.isEmpty()) m_status->setText(tr("Config %1 loaded").arg(QDir::toNativeSeparators(path)));
    return error;
}

void MainWindow::openProject(const QString& path)
{
    if (QString error = m_doc->openProject(path); !error.isEmpty()) QMessageBox::warning(this, tr("Could not open the project"), error);
    else m_status->setText(tr("Loading %1...").arg(QDir::toNativeSeparators(path)));
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value("recentFiles").toStringList();
    for (const QString& path : recent) {
        QAction* a = m_recentMenu->addAction(QFileInfo(path).fileName());
        a->setToolTip(path);
        connect(a, &QAction::triggered, this, [this, path] { openFile(path); });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    for (const QUrl& url : event->mimeData()->urls()) {
        QString f = url.toLocalFile();
        if (f.endsWith(".onnx", Qt::CaseInsensitive) || f.endsWith(".tflite", Qt::CaseInsensitive) || f.endsWith(".yaml", Qt::CaseInsensitive) ||
            isConfigFile(f)) {
            event->acceptProposedAction();
            return;
        }
    }
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty()) openFile(urls.first().toLocalFile());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    QMainWindow::closeEvent(event);
}

}  // namespace qs
