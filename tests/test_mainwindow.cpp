// The real main window, offscreen: opens the sample model on a worker thread, filters nodes, reports a broken
// file without blocking, validates settings live, runs quantization in the background (the event loop stays
// responsive), skips a node and sees the plan follow without calibrating again, exports the model and the INI
// and checks that quantscope-cli replays the INI to the same model, and switches to Chinese.
#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QSignalSpy>
#include <QLabel>
#include <QListWidget>
#include <QSettings>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QUndoStack>
#include <QTemporaryDir>
#include <QtTest>

#include <QMenu>
#include <QPushButton>
#include <QSpinBox>
#include <cstdlib>
#include <sstream>

#include <qcustomplot.h>

#include "cli/cli.h"
#include "formats/modelloader.h"
#include "graphminimap.h"
#include "graphview.h"
#include "language.h"
#include "config/config.h"
#include "config/project.h"
#include "mainwindow.h"
#include "quantizejob.h"
#include "resultsview.h"
#include "sensitivityview.h"
#include "settingseditor.h"
#include "testdata.h"
#include "util/atomicfile.h"

using namespace qs;

namespace {
// Waits scale with QUANTSCOPE_TEST_TIMEOUT_SCALE (the thread-sanitizer build runs 10-20x slower).
int waitMs(int ms)
{
    const char* scale = std::getenv("QUANTSCOPE_TEST_TIMEOUT_SCALE");
    return scale && std::atoi(scale) > 1 ? ms * std::atoi(scale) : ms;
}

// opens the embedded sample in w; return whether it loaded in time
bool openSample(MainWindow& w)
{
    QSignalSpy loaded(&w, &MainWindow::modelLoaded);
    w.openSample();
    return loaded.wait(waitMs(20000));
}
// The sample's config with another model: opens the sample, then model, and puts the sample's config back
bool openWithSampleConfig(MainWindow& w, const QString& model)
{
    if (!openSample(w)) return false;
    const std::string config = w.document()->config().toString();
    QSignalSpy loaded(&w, &MainWindow::modelLoaded);
    w.openModel(model);
    if (!loaded.wait(waitMs(20000))) return false;
    Diagnostics diagnostics;
    w.document()->replaceConfig(parseConfig(config, "sample.ini", diagnostics), "sample config");
    return true;
}
}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName("QuantscopeTest");
        QCoreApplication::setApplicationName("test_mainwindow");
        Language::apply("en");
    }

    void testProjectOpensFromItsPath()
    {
        // What `quantscope det.quantscope.yaml` (the MIME association) and a dropped project do: open the project's
        // model with its config, not try to read the YAML as a model.
        QTemporaryDir dir;
        Project p;
        p.model = test::modelPath("mobilenet_v1_0.25_224.tflite");
        p.configText = "[common_quant_param]\nquant_type=WEIGHT_QUANT\nbit_num=6\n";
        const std::string path = dir.filePath("mobilenet.quantscope.yaml").toStdString();
        saveProject(p, path);
        MainWindow w;
        w.show();
        QSignalSpy loaded(&w, &MainWindow::modelLoaded);
        w.openFile(QString::fromStdString(path));
        QVERIFY(loaded.wait(waitMs(20000)));
        QVERIFY(w.windowTitle().startsWith("mobilenet_v1_0.25_224.tflite"));
        QCOMPARE(QString::fromStdString(configValue(w.document()->config(), "common_quant_param", "bit_num")), QString("6"));
        QCOMPARE(QString::fromStdString(configValue(w.document()->config(), "common_quant_param", "quant_type")), QString("WEIGHT_QUANT"));
    }

    void testOpenModelShowsNodes()
    {
        MainWindow w;
        w.show();
        QSignalSpy loaded(&w, &MainWindow::modelLoaded);
        w.openModel(QString::fromStdString(test::modelPath("mobilenet_v1_0.25_224.tflite")));
        QVERIFY(w.document()->isLoading());
        QVERIFY(loaded.wait(waitMs(20000)));
        auto* table = w.findChild<QTableWidget*>("nodesTable");
        QCOMPARE(table->rowCount(), 31);
        QCOMPARE(table->item(0, 2)->text(), QString("CONV_2D"));
        // the graph is laid out off the GUI thread, one box per node
        if (w.graphView()->nodeItemCount() == 0) QVERIFY(QSignalSpy(w.graphView(), &GraphView::laidOut).wait(waitMs(10000)));
        QCOMPARE(w.graphView()->nodeItemCount(), 31);
        // 31 nodes in a column do not fit: the overview in the corner frames the top, and a click near its bottom
        // moves the view there
        auto* minimap = w.graphView()->findChild<GraphMinimap*>("graphMinimap");
        QVERIFY(minimap && minimap->isVisible());
        QVERIFY(w.graphView()->viewport()->geometry().contains(minimap->geometry()));
        const QRectF top = minimap->frame();
        QVERIFY(top.height() > 0 && top.height() < minimap->height());
        const QPoint bottom(minimap->width() / 2, minimap->height() - 8);
        QTest::mouseClick(minimap, Qt::LeftButton, {}, bottom);
        const QRectF moved = minimap->frame();
        QVERIFY2(moved.top() > top.bottom(), qPrintable(QString("frame %1 -> %2").arg(top.top()).arg(moved.top())));
        QVERIFY(std::abs(w.graphView()->mapToScene(w.graphView()->viewport()->rect().center()).y() - minimap->toScene(bottom).y()) <
                    w.graphView()->mapToScene(w.graphView()->viewport()->rect()).boundingRect().height() / 2 + 1);
        // Ctrl+F filter
        auto* filter = w.findChild<QLineEdit*>("nodeFilter");
        QTest::keyClicks(filter, "depthwise");
        int visible = 0;
        for (int r = 0; r < table->rowCount(); ++r) visible += !table->isRowHidden(r);
        QCOMPARE(visible, 13);
        QVERIFY(w.windowTitle().startsWith("mobilenet_v1_0.25_224.tflite"));
        // a node's properties go with its model when another one opens
        emit w.graphView()->nodeClicked(table->item(0, 1)->text());
        auto* props = w.findChild<QTreeWidget*>("properties");
        QVERIFY(props->topLevelItemCount() > 0);
        w.openModel(QString::fromStdString(test::modelPath("resnet8_cifar10.onnx")));
        QVERIFY(loaded.wait(waitMs(20000)));
        QCOMPARE(props->topLevelItemCount(), 0);
    }

    void testLoopBodyOpensInTheGraph()
    {
        // ONNX's own Loop node test (Debian's libonnx-testdata): the body opens by double-click or context menu,
        // its nodes laid out and clickable, Backspace returns.
        const QString model = "/usr/share/libonnx-testdata/data/node/test_loop11/model.onnx";
        QVERIFY2(QFileInfo::exists(model), "libonnx-testdata is not installed: run installer/install-deps.sh");
        MainWindow w;
        w.show();
        QSignalSpy loaded(&w, &MainWindow::modelLoaded);
        w.openModel(model);
        QVERIFY(loaded.wait(waitMs(20000)));
        GraphView* view = w.graphView();
        QSignalSpy laidOut(view, &GraphView::laidOut);
        if (view->nodeItemCount() == 0) QVERIFY(laidOut.wait(waitMs(10000)));
        const Graph* g = w.document()->graph();
        QVERIFY(g);
        const Node* loop = nullptr;
        for (const Node& n : g->nodes)
            if (n.opType == "Loop") loop = &n;
        QVERIFY(loop && loop->attr("body") && loop->attr("body")->g);
        const Graph& body = *loop->attr("body")->g;
        QVERIFY(!body.nodes.empty());
        QCOMPARE(view->nodeItemCount(), int(g->nodes.size()));
        QVERIFY(view->location().isEmpty());
        laidOut.clear();
        QVERIFY(view->openSubgraph(QString::fromStdString(loop->name)));
        QVERIFY(laidOut.wait(waitMs(10000)));
        QCOMPARE(view->nodeItemCount(), int(body.nodes.size()));
        QCOMPARE(view->location(), QString::fromStdString(loop->name + " / body"));
        QVERIFY(view->findChild<QWidget*>("subgraphBar")->isVisible());
        // a body node's properties
        emit view->nodeClicked(QString::fromStdString(body.nodes[0].name));
        auto* props = w.findChild<QTreeWidget*>("properties");
        QVERIFY(props->topLevelItemCount() >= 3);
        QCOMPARE(props->topLevelItem(0)->text(1), QString::fromStdString(body.nodes[0].name));
        laidOut.clear();
        QTest::keyClick(view, Qt::Key_Backspace);
        QVERIFY(laidOut.wait(waitMs(10000)));
        QCOMPARE(view->nodeItemCount(), int(g->nodes.size()));
        QVERIFY(view->location().isEmpty());
        QVERIFY(!view->findChild<QWidget*>("subgraphBar")->isVisible());
        // a plan's rows and colours reach the body's nodes: the results list them, the graph colours them by name
        const Node* floatNode = nullptr;
        for (const Node& n : body.nodes)
            if (!floatNode && !n.outputs.empty() && body.values[size_t(n.outputs[0])].type == DataType::Float32) floatNode = &n;
        QVERIFY(floatNode);
        QuantPlan plan;
        QuantParams p;
        p.scale = {0.05f};
        p.zeroPoint = {0};
        plan.activations[body.values[size_t(floatNode->outputs[0])].name] = p;
        w.results()->setPlan(*g, plan, {});
        QCOMPARE(w.results()->rowCount(), 1);
        QCOMPARE(w.results()->describeNode(floatNode->name).size(), 1);
        QVERIFY(w.results()->nodeCosine().count(floatNode->name));
    }

    void testBrokenFileReportsErrorWithoutBlocking()
    {
        QTemporaryDir dir;
        QString path = dir.filePath("broken.onnx");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not a model");
        f.close();
        MainWindow w;
        w.show();
        QSignalSpy failed(&w, &MainWindow::loadFailed);
        w.openModel(path);
        QVERIFY(failed.wait(waitMs(10000)));
        QVERIFY(failed.first().first().toString().contains("broken.onnx: not a valid ONNX model"));
        auto* box = w.findChild<QMessageBox*>("loadErrorBox");
        QVERIFY(box && box->isVisible());
        box->close();
    }

    void testSampleWorkflow()
    {
        MainWindow w;
        w.show();
        QVERIFY(openSample(w));
        auto* runAction = w.findChildren<QAction*>().at(0);
        for (QAction* a : w.findChildren<QAction*>())
            if (a->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_R)) runAction = a;
        QVERIFY2(w.document()->valid(), "the sample's settings should be valid");
        QVERIFY(runAction->isEnabled());

        // An invalid value: marked, explained, and Run is disabled until it is fixed.
        auto* size = qobject_cast<QLineEdit*>(w.settings()->editorFor("data_preprocess_param", "calibrate_size"));
        QVERIFY(size);
        size->setText("0");
        QMetaObject::invokeMethod(size, "editingFinished");
        QVERIFY(!w.document()->valid());
        QVERIFY(!runAction->isEnabled());
        auto* problems = w.findChild<QListWidget*>("settingsProblems");
        QVERIFY(problems->item(0)->text().contains("calibrate_size"));
        w.document()->undoStack()->undo();  // back to 5
        QVERIFY(w.document()->valid());
        QVERIFY(runAction->isEnabled());

        // Esc cancels a run at once; nothing is planned, and the next run calibrates afresh.
        QSignalSpy finished(&w, &MainWindow::runFinished);
        w.run();
        w.cancelRun();
        QVERIFY(finished.wait(waitMs(60000)));
        QCOMPARE(finished.first().first().toBool(), false);
        QVERIFY(w.document()->session()->plan().quantizedNodes.empty());
        finished.clear();
        // ... and half-way through calibration (after the second photo): same outcome, nothing half-written.
        auto* job = w.findChild<QuantizeJob*>();
        QVERIFY(job);
        auto stopAtTwo = connect(job, &QuantizeJob::progress, &w, [&](int done, int, const QString& stage) {
            if (stage == "calibrate" && done >= 2) w.cancelRun();
        });
        w.run();
        QVERIFY(finished.wait(waitMs(60000)));
        disconnect(stopAtTwo);
        QCOMPARE(finished.first().first().toBool(), false);
        QVERIFY(w.document()->session()->plan().quantizedNodes.empty());
        finished.clear();

        // Run in the background; the event loop keeps ticking every 10 ms meanwhile.
        QElapsedTimer clock;
        qint64 last = 0, worstGap = 0;
        QTimer tick;
        QObject::connect(&tick, &QTimer::timeout, [&] {
            qint64 now = clock.elapsed();
            worstGap = std::max(worstGap, now - last);
            last = now;
        });
        clock.start();
        tick.start(10);
        w.run();
        QVERIFY(w.document()->isRunning());
        QVERIFY(finished.wait(waitMs(60000)));
        tick.stop();
        QCOMPARE(finished.first().first().toBool(), true);
        qInfo("event loop: worst gap %lld ms during the run", worstGap);
        QVERIFY(worstGap < waitMs(100));
        QVERIFY(w.results()->rowCount() > 20);
        // the graph's error colours have a legend with this run's range: its worst node's cosine on the left
        auto* legend = w.graphView()->findChild<QWidget*>("cosineLegend");
        QVERIFY(legend && legend->isVisible());
        const auto& nodeCosine = w.results()->nodeCosine();
        QVERIFY(!nodeCosine.empty());
        // the red end at the 5th percentile of the nodes' cosines, "<=" when some are below it
        std::vector<double> sorted;
        for (const auto& [n, c] : nodeCosine) sorted.push_back(c);
        std::sort(sorted.begin(), sorted.end());
        const double red = sorted[size_t(0.05 * double(sorted.size() - 1))];
        QCOMPARE(w.graphView()->findChild<QLabel*>("legendWorst")->text(),
                 (sorted.front() < red ? QString::fromUtf8("\u2264 ") : QString()) + QString::number(red, 'f', 4));
        // the first calibration photo, preprocessed, previews under the settings
        auto* thumb = w.findChild<QLabel*>("calibrationThumbnail");
        QVERIFY(thumb && !thumb->pixmap().isNull());

        // Suggest skips ranks the weighted nodes by the output reached with each kept float (core's rankSensitivity,
        // trial plans simulated in memory): the session's plan stays as it was.
        const size_t int8Nodes = w.document()->session()->plan().quantizedNodes.size();
        finished.clear();
        w.suggestSkips();
        QVERIFY(finished.wait(waitMs(120000)));
        // ... into the Sensitivity tab, a list sorted best first; no modal box
        QVERIFY(!w.findChild<QMessageBox*>("suggestBox"));
        auto* ranking = w.findChild<QTableWidget*>("sensitivityTable");
        QVERIFY(ranking && ranking->isVisible());
        QVERIFY(ranking->rowCount() >= 2);
        QCOMPARE(ranking->item(0, 0)->text(), QString("1"));
        QVERIFY(ranking->item(0, 3)->data(Qt::DisplayRole).toDouble() >= ranking->item(1, 3)->data(Qt::DisplayRole).toDouble());
        QCOMPARE(w.document()->session()->plan().quantizedNodes.size(), int8Nodes);
        // Skip Top k: the k best into skip_quant_node in one undo step, re-planned from the same statistics
        const QStringList top2 = w.sensitivity()->topNodes(2);
        QCOMPARE(top2.size(), 2);
        QCOMPARE(top2.first(), ranking->item(0, 1)->text());
        w.findChild<QSpinBox*>("sensitivityTopK")->setValue(2);
        finished.clear();
        QTest::mouseClick(w.findChild<QPushButton*>("sensitivitySkipTop"), Qt::LeftButton);
        QVERIFY(finished.wait(waitMs(60000)));
        QVERIFY(w.document()->isSkipped(top2[0]) && w.document()->isSkipped(top2[1]));
        QVERIFY(w.document()->session()->plan().skippedNodes.count(top2[1].toStdString()));
        finished.clear();
        w.document()->undoStack()->undo();
        QVERIFY(!w.document()->isSkipped(top2[0]) && !w.document()->isSkipped(top2[1]));
        QVERIFY(finished.wait(waitMs(60000)));
        const size_t calibrated = w.document()->session()->calibrationSamples();
        const double convMin = w.document()->session()->statistics().begin()->second.min();

        // Skip a node: the plan follows from the same statistics (no new calibration), and undo brings it back.
        const std::string node = *w.document()->session()->plan().quantizedNodes.begin();
        finished.clear();
        w.document()->setSkip(QString::fromStdString(node), true);
        QVERIFY(finished.wait(waitMs(60000)));
        QVERIFY(w.document()->session()->plan().skippedNodes.count(node));
        QVERIFY(!w.document()->session()->plan().quantizedNodes.count(node));
        QCOMPARE(w.document()->session()->calibrationSamples(), calibrated);
        QCOMPARE(w.document()->session()->statistics().begin()->second.min(), convMin);
        finished.clear();
        w.document()->undoStack()->undo();
        QVERIFY(finished.wait(waitMs(60000)));
        QVERIFY(w.document()->session()->plan().quantizedNodes.count(node));
        finished.clear();
        w.document()->undoStack()->redo();
        QVERIFY(finished.wait(waitMs(60000)));

        // A node click, a skip tick and Esc while a run is in progress: the properties come from the last finished
        // run's plan (the session's is the worker's meanwhile), the tick edits the document (its re-plan waits for
        // the run), and Esc ends the run. (The thread-sanitizer build runs this too.)
        const QString nodeName = QString::fromStdString(node);
        finished.clear();
        w.run();
        QVERIFY(w.document()->isRunning());
        emit w.graphView()->nodeClicked(nodeName);
        QVERIFY(!w.findChild<QTreeWidget*>("properties")->findItems("Quantization", Qt::MatchExactly).isEmpty());
        QVERIFY(w.document()->isSkipped(nodeName));
        emit w.graphView()->skipRequested(nodeName);
        QVERIFY(!w.document()->isSkipped(nodeName));
        w.cancelRun();
        QVERIFY(finished.wait(waitMs(60000)));
        w.document()->undoStack()->undo();  // the tick: the node is skipped again
        QVERIFY(w.document()->isSkipped(nodeName));
        finished.clear();
        w.run();  // after a cancel the statistics are collected afresh
        QVERIFY(finished.wait(waitMs(60000)));
        QCOMPARE(finished.first().first().toBool(), true);
        QTest::qWait(400);  // a re-plan the edits queued during the run starts, and ends
        QTRY_VERIFY_WITH_TIMEOUT(!w.document()->isRunning(), waitMs(60000));
        QVERIFY(w.document()->session()->plan().skippedNodes.count(node));

        // Clicking a node in the graph shows its properties, quantization included.
        emit w.graphView()->nodeClicked(QString::fromStdString(node));
        auto* props = w.findChild<QTreeWidget*>("properties");
        QVERIFY(props->topLevelItemCount() >= 4);
        QVERIFY(!props->findItems("Quantization", Qt::MatchExactly).isEmpty());

        // Export the model and the INI; the CLI replays the INI to the same bytes.
        QTemporaryDir dir;
        QString model = dir.filePath("gui.tflite"), ini = dir.filePath("gui.ini");
        QCOMPARE(w.document()->exportModel(model), QString());
        QCOMPARE(w.document()->exportConfig(ini), QString());
        QVERIFY(QFileInfo(model).size() > 100000);
        std::string cliOut = dir.filePath("cli.tflite").toStdString();
        std::string a1 = "--fmk=TFLITE", a2 = "--modelFile=" + w.document()->session()->modelPath(), a3 = "--outputFile=" + cliOut,
                    a4 = "--configFile=" + ini.toStdString();
        const char* argv[] = {"quantscope-cli", "convert", a1.c_str(), a2.c_str(), a3.c_str(), a4.c_str()};
        std::ostringstream out, err;
        QCOMPARE(runCli(6, argv, out, err), 0);
        QCOMPARE(readFileBytes(cliOut), readFileBytes(model.toStdString()));
        QVERIFY(QString::fromStdString(readFileBytes(ini.toStdString())).contains(QString::fromStdString("skip_quant_node=" + node)));
        // ... and so does the project, through convert --project
        const QString project = dir.filePath("gui.quantscope.yaml");
        QCOMPARE(w.saveProject(project), QString());
        std::string p1 = "--project=" + project.toStdString(), p2 = "--outputFile=" + dir.filePath("project.tflite").toStdString();
        const char* argvProject[] = {"quantscope-cli", "convert", p1.c_str(), p2.c_str()};
        std::ostringstream out2, err2;
        QCOMPARE(runCli(4, argvProject, out2, err2), 0);
        QCOMPARE(readFileBytes(dir.filePath("project.tflite").toStdString()), readFileBytes(model.toStdString()));

        // An accuracy target: Run searches (core's searchTargetCosine) before quantizing; its choice lands in the
        // document (skip_quant_node, the target removed) as one undo step, and its path is shown. Re-plans after an
        // edit do not search.
        finished.clear();
        w.document()->edit("quantscope_param", "target_cosine", "0.000001");
        QVERIFY(finished.wait(waitMs(60000)));
        QVERIFY(!w.findChild<QMessageBox*>("targetBox"));
        finished.clear();
        w.run();
        QVERIFY(finished.wait(waitMs(60000)));
        QCOMPARE(finished.first().first().toBool(), true);
        auto* target = w.findChild<QMessageBox*>("targetBox");
        QVERIFY(target);
        QVERIFY2(target->text().contains("no node raised"), qPrintable(target->text()));
        target->close();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        QVERIFY(!w.document()->config().get("quantscope_param", "target_cosine"));
        QCOMPARE(w.document()->config().get("common_quant_param", "skip_quant_node").value_or(""), node);
        finished.clear();
        w.document()->undoStack()->undo();
        QCOMPARE(w.document()->config().get("quantscope_param", "target_cosine").value_or(""), std::string("0.000001"));
        QVERIFY(finished.wait(waitMs(60000)));
        QVERIFY(!w.findChild<QMessageBox*>("targetBox"));
    }

    void testOpenConfigShowsProblemsAndKeepsComments()
    {
        MainWindow w;
        w.show();
        QVERIFY(openSample(w));
        QTemporaryDir dir;
        const std::string ini = dir.filePath("ci.ini").toStdString();
        const std::string text = "# the CI's config\n[common_quant_param]\nquant_type=WEIGHT_QUANT\nbit_num=17  \n; keep this\n";
        writeFileAtomic(ini, text);
        QCOMPARE(w.openConfig(QString::fromStdString(ini)), QString());
        QVERIFY(!w.document()->valid());
        auto* problems = w.findChild<QListWidget*>("settingsProblems");
        QVERIFY(problems && problems->count() >= 1);
        QVERIFY2(problems->item(0)->text().contains("bit_num=17 is out of range [0, 16]"), qPrintable(problems->item(0)->text()));
        const QString out = dir.filePath("back.ini");
        QCOMPARE(w.document()->exportConfig(out), QString());
        QCOMPARE(readFileBytes(out.toStdString()), text);  // comments, order and spacing as read
        w.document()->undoStack()->undo();  // the sample's settings again
        QVERIFY(w.document()->valid());
        QCOMPARE(w.openConfig(dir.filePath("missing.ini")).isEmpty(), false);
    }

    void testSecondRunBesideTheFirstAndViewStateInTheProject()
    {
        // A skip re-plans: the results show the new run's cosine with the run before's beside it (a "Before" column,
        // dots on the chart, "was" in the status). The project saved then reopens on the same tab, filter and node,
        // and recent files offer the project, not its model.
        QTemporaryDir dir;
        MainWindow w;
        w.show();
        QVERIFY(openSample(w));
        QSignalSpy finished(&w, &MainWindow::runFinished);
        w.run();
        QVERIFY(finished.wait(waitMs(120000)));
        QVERIFY(finished.first().first().toBool());
        QVERIFY(w.document()->lastRun() && !w.document()->previousRun());
        const std::vector<TensorRow> first = w.document()->lastRun()->rows;
        const auto* header = w.results()->findChild<QTableWidget*>("resultsTable");
        QVERIFY(header);
        QVERIFY(header->isColumnHidden(2));  // no run before the first
        const std::string node = *w.document()->plan()->quantizedNodes.rbegin();
        finished.clear();
        // the re-plan shows its plan's estimates first (before bias correction, export and measurement)
        QSignalSpy estimated(w.document(), &ProjectDocument::planEstimated);
        QSignalSpy measuredTensors(w.document(), &ProjectDocument::rowsMeasured);
        w.document()->setSkip(QString::fromStdString(node), true);
        QVERIFY(finished.wait(waitMs(120000)));
        QVERIFY(finished.first().first().toBool());
        QCOMPARE(estimated.count(), 1);
        // then the tensors measured on the first sample, before the outputs over the samples: first those of the plan
        // as built (bias correction is on: its measured pass comes after), then the run's own rows
        QCOMPARE(measuredTensors.count(), 2);
        QCOMPARE(measuredTensors.at(0).at(1).toBool(), false);
        QCOMPARE(measuredTensors.at(1).at(1).toBool(), true);
        const auto built = measuredTensors.at(0).at(0).value<std::shared_ptr<const std::vector<TensorRow>>>();
        const auto early = measuredTensors.at(1).at(0).value<std::shared_ptr<const std::vector<TensorRow>>>();
        QVERIFY(built && early && w.document()->lastRun());
        QCOMPARE(built->size(), early->size());
        size_t differ = 0;
        for (size_t i = 0; i < built->size(); ++i) {
            QCOMPARE((*built)[i].tensorName, (*early)[i].tensorName);
            QVERIFY((*built)[i].cosine >= -1 && (*built)[i].cosine <= 1.000001);  // fails on NaN
            differ += (*built)[i].cosine != (*early)[i].cosine;
        }
        QVERIFY(differ > 0);  // the biases corrected on the samples change what the convolutions compute
        QCOMPARE(early->size(), w.document()->lastRun()->rows.size());
        for (size_t i = 0; i < early->size(); ++i) QCOMPARE((*early)[i].cosine, w.document()->lastRun()->rows[i].cosine);
        const auto estimate = estimated.first().first().value<std::shared_ptr<const QuantPlan>>();
        QVERIFY(estimate && estimate->skippedNodes.count(node));
        QVERIFY(w.document()->previousRun());
        QCOMPARE(w.document()->previousRun()->rows.size(), first.size());
        // the re-plan compared with the float tensors the first run kept: the same rows as a comparison from scratch
        {
            const Session* s = w.document()->session();
            const auto fresh = compareTensors(s->graph(), s->quantizedGraph(), s->plan(), s->calibrationSample(0), 2, false);
            const auto& rows = w.document()->lastRun()->rows;
            QCOMPARE(rows.size(), fresh.size());
            for (size_t i = 0; i < rows.size(); ++i) {
                QCOMPARE(rows[i].tensorName, fresh[i].tensorName);
                QVERIFY2(std::abs(rows[i].cosine - fresh[i].cosine) < 1e-9, rows[i].tensorName.c_str());
                QVERIFY2(std::abs(rows[i].clip - fresh[i].clip) < 1e-12, rows[i].tensorName.c_str());
            }
        }
        QVERIFY(!header->isColumnHidden(2));
        int compared = 0;
        for (const TensorRow& r : first)
            if (r.dataType == "Dequant" && r.inOut == "Out" && r.tensorType == "Activation") {
                QCOMPARE(w.results()->baselineCosine(r.tensorName), r.cosine);
                ++compared;
            }
        QVERIFY(compared > 10);
        auto* status = w.findChild<QLabel*>("runStatus");
        QVERIFY(status);
        QVERIFY2(status->text().contains(", was "), qPrintable(status->text()));

        // view state: the results tab, a filter, a node shown in the properties
        auto* tabs = w.findChild<QTabWidget*>();
        QVERIFY(tabs);
        tabs->setCurrentIndex(2);
        auto* filter = w.findChild<QLineEdit*>("nodeFilter");
        QVERIFY(filter);
        filter->setText("Conv2d_1");
        const QString shown = QString::fromStdString(*w.document()->plan()->quantizedNodes.begin());
        w.graphView()->selectNode(shown.toStdString());
        emit w.graphView()->nodeClicked(shown);
        const QString path = dir.filePath("sample.quantscope.yaml");
        QCOMPARE(w.saveProject(path), QString());
        const QString model = w.document()->modelPath();
        QVERIFY2(!w.saveProject(model).isEmpty(), "a project must never overwrite its model");
        QCOMPARE(QSettings().value("recentFiles").toStringList().value(0), QFileInfo(path).absoluteFilePath());

        MainWindow again;
        again.show();
        QSignalSpy loaded(&again, &MainWindow::modelLoaded);
        again.openFile(path);
        QVERIFY(loaded.wait(waitMs(20000)));
        QCOMPARE(again.document()->projectPath(), QFileInfo(path).absoluteFilePath());
        QCOMPARE(again.document()->config().toString(), w.document()->config().toString());
        QVERIFY(again.document()->isSkipped(QString::fromStdString(node)));
        QCOMPARE(again.findChild<QTabWidget*>()->currentIndex(), 2);
        QCOMPARE(again.findChild<QLineEdit*>("nodeFilter")->text(), QString("Conv2d_1"));
        auto* properties = again.findChild<QTreeWidget*>("properties");
        QVERIFY(properties && properties->topLevelItemCount() > 0);
        QCOMPARE(properties->topLevelItem(0)->text(1), shown);
    }

    void testAnalysisStandsWhenTheExportFails()
    {
        // The TFLite writer re-reads the source file: replaced on disk after loading, the export fails ("the model
        // changed since it was loaded"). The run still shows what it measured, says why nothing can be exported, and
        // refuses the export.
        QTemporaryDir dir;
        const QString model = dir.filePath("m.tflite");
        QVERIFY(QFile::copy(QString::fromStdString(test::modelPath("mobilenet_v1_0.25_224.tflite")), model));
        MainWindow w;
        w.show();
        QVERIFY(openWithSampleConfig(w, model));
        QSignalSpy finished(&w, &MainWindow::runFinished);
        w.run();
        QVERIFY(finished.wait(waitMs(120000)));
        QVERIFY(finished.first().first().toBool());
        QCOMPARE(w.document()->exportModel(dir.filePath("ok.tflite")), QString());
        // the file changes under the open model
        QVERIFY(QFile::remove(model));
        QVERIFY(QFile::copy(QString::fromStdString(test::modelPath("resnet8_cifar10.tflite")), model));
        finished.clear();
        w.document()->setSkip(QString::fromStdString(*w.document()->session()->plan().quantizedNodes.begin()), true);
        QVERIFY(finished.wait(waitMs(120000)));
        QVERIFY(finished.first().first().toBool());
        auto* status = w.findChild<QLabel*>("runStatus");
        QVERIFY(status);
        QVERIFY2(status->text().contains("not exported:") && status->text().contains("the model changed since it was loaded"),
                 qPrintable(status->text()));
        QVERIFY2(status->text().contains("output cosine"), qPrintable(status->text()));  // measured all the same
        QVERIFY(w.results()->rowCount() > 20);
        const QString refused = w.document()->exportModel(dir.filePath("stale.tflite"));
        QVERIFY2(refused.contains("could not be exported"), qPrintable(refused));
        QVERIFY(!QFileInfo::exists(dir.filePath("stale.tflite")));
    }

    void testInt16ActivationsFromTheGraph()
    {
        // 16-bit Activations from a node's context menu: int16_activation_node (one undo step), a badge, a re-plan
        // whose node reads and writes int16 tensors, an exported model that carries them, and a project that keeps
        // the choice when it is saved and reopened.
        MainWindow w;
        w.show();
        // the sample's config with its ONNX twin (TFLite has no per-node int16)
        QVERIFY(openWithSampleConfig(w, QString::fromStdString(test::modelPath("mobilenet_v1_0.25_224.onnx"))));
        QCOMPARE(configValue(w.document()->config(), "common_quant_param", "quant_type"), std::string("FULL_QUANT"));
        QSignalSpy finished(&w, &MainWindow::runFinished);
        w.run();
        QVERIFY(finished.wait(waitMs(120000)));
        QVERIFY(finished.first().first().toBool());
        const Graph& g = w.document()->session()->graph();
        std::string conv;
        for (const Node& n : g.nodes)
            if (n.opType == "Conv" && conv.empty() && w.document()->session()->plan().quantizedNodes.count(n.name) && g.nodes[0].name != n.name) conv = n.name;
        QVERIFY(!conv.empty());
        const QString node = QString::fromStdString(conv);
        const std::string input = g.values[size_t(g.nodes[size_t(g.findNode(conv))].inputs.at(0))].name;
        QCOMPARE(w.document()->session()->plan().activations.at(input).bits, 8);
        QMenu menu;
        emit w.graphView()->nodeMenuRequested(node, &menu);
        QAction* wide = menu.findChild<QAction*>("int16Action");
        QVERIFY2(wide && wide->isCheckable() && !wide->isChecked(), "no unchecked 16-bit Activations in the node's menu");
        finished.clear();
        wide->trigger();
        QVERIFY(w.document()->isInt16(node));
        QCOMPARE(w.graphView()->badge(conv), QString("A16"));
        QVERIFY(finished.wait(waitMs(120000)));
        QVERIFY(finished.first().first().toBool());
        QCOMPARE(w.document()->session()->plan().activations.at(input).bits, 16);
        QTemporaryDir dir;
        const QString ini = dir.filePath("int16.ini"), project = dir.filePath("int16.quantscope.yaml"), model = dir.filePath("int16.onnx");
        QCOMPARE(w.document()->exportConfig(ini), QString());
        QVERIFY(QString::fromStdString(readFileBytes(ini.toStdString())).contains("int16_activation_node=" + node + "\n"));
        QCOMPARE(w.document()->exportModel(model), QString());
        const Graph exported = loadModel(model.toStdString()).graph;
        size_t int16Quantize = 0;
        for (const Node& n : exported.nodes)
            int16Quantize += n.opType == "QuantizeLinear" && n.outputs.size() == 1 && exported.values[size_t(n.outputs[0])].type == DataType::Int16;
        QCOMPARE(int16Quantize, size_t(2));  // the node's input and output
        QCOMPARE(w.saveProject(project), QString());
        {
            MainWindow again;
            QSignalSpy loaded(&again, &MainWindow::modelLoaded);
            again.openFile(project);
            QVERIFY(loaded.wait(waitMs(20000)));
            QVERIFY(again.document()->isInt16(node));
            QCOMPARE(again.graphView()->badge(conv), QString("A16"));
        }
        w.document()->undoStack()->undo();
        QVERIFY(!w.document()->isInt16(node));
        QCOMPARE(w.graphView()->badge(conv), QString());
        QVERIFY(finished.wait(waitMs(120000)));
    }

    void testResultsCompareTheRescaledWeights()
    {
        // With cross_layer_equalization the plan quantizes the equalized weights: the results table compares those with
        // their dequantized values (per-channel int8: cosine above 0.999), not the loaded model's (against those an
        // equalized convolution of ResNet-8 read 0.981).
        MainWindow w;
        w.show();
        QSignalSpy loaded(&w, &MainWindow::modelLoaded);
        w.openModel(QString::fromStdString(test::modelPath("resnet8_cifar10.onnx")));
        QVERIFY(loaded.wait(waitMs(20000)));
        QTemporaryDir dir;
        std::vector<std::string> images;
        for (int i = 0; i < 8; ++i) images.push_back("airplane_000" + std::to_string(i) + ".jpg");
        const std::string calib = test::linkFiles(images, test::imagePath("cifar10"), dir.filePath("calib").toStdString());
        Diagnostics d;
        w.document()->replaceConfig(parseConfig("[common_quant_param]\nquant_type=FULL_QUANT\n" +
                                                    test::calibrationSection(calib, 8, test::pre({0.f}, {1.f}, 32, 32)) +
                                                    "[full_quant_param]\nper_channel=true\n[quantscope_param]\ncross_layer_equalization=true\n",
                                                "cle.ini", d),
                                    "CLE config");
        QVERIFY(d.empty());
        QVERIFY(w.document()->valid());
        QSignalSpy finished(&w, &MainWindow::runFinished);
        w.run();
        QVERIFY(finished.wait(waitMs(120000)));
        QVERIFY(finished.first().first().toBool());
        QCOMPARE(w.document()->session()->plan().equalizedPairs, size_t(3));
        auto* table = w.results()->findChild<QTableWidget*>();
        QVERIFY(table);
        int weights = 0;
        for (int r = 0; r < table->rowCount(); ++r) {
            const QTableWidgetItem* tensor = table->item(r, 6);  // ColTensor
            if (!tensor || !tensor->text().endsWith(" (weight)")) continue;
            const double cosine = table->item(r, 1)->text().toDouble();  // ColCosine
            QVERIFY2(cosine > 0.999, qPrintable(tensor->text() + ": cosine " + table->item(r, 1)->text()));
            ++weights;
        }
        QCOMPARE(weights, 10);  // ResNet-8: nine convolutions (two of them 1x1 shortcuts) and the classifier
    }

    void testWeightQuantShowsEachNodesWeights()
    {
        // Weight quantization from the GUI: a quantized node's properties give its weights' bits and container, and
        // what their rounding kept each channel's mean output on.
        MainWindow w;
        w.show();
        QVERIFY(openSample(w));
        auto* type = qobject_cast<QComboBox*>(w.settings()->editorFor("common_quant_param", "quant_type"));
        QVERIFY(type);
        type->setCurrentText("WEIGHT_QUANT");
        QVERIFY(w.document()->valid());
        // the sections weight quantization does not read are folded away
        auto* tree = w.findChild<QTreeWidget*>("settingsTree");
        QVERIFY(tree);
        auto section = [&](const QString& name) -> QTreeWidgetItem* {
            for (int i = 0; i < tree->topLevelItemCount(); ++i)
                if (tree->topLevelItem(i)->text(0) == "[" + name + "]") return tree->topLevelItem(i);
            return nullptr;
        };
        QVERIFY(section("full_quant_param") && section("weight_quant_param") && section("mixed_bit_weight_quant_param"));
        QVERIFY(!section("full_quant_param")->isExpanded());
        QCOMPARE(section("full_quant_param")->text(1), QString("not read with quant_type=WEIGHT_QUANT"));
        QVERIFY(!section("mixed_bit_weight_quant_param")->isExpanded());  // bit_num is not 0
        QVERIFY(section("weight_quant_param")->isExpanded());
        QVERIFY(section("common_quant_param")->isExpanded());
        QSignalSpy finished(&w, &MainWindow::runFinished);
        w.run();
        QVERIFY(finished.wait(waitMs(120000)));
        QVERIFY(finished.first().first().toBool());
        const QuantPlan& plan = w.document()->session()->plan();
        QCOMPARE(plan.quantType, std::string("WEIGHT_QUANT"));
        QVERIFY(!plan.quantizedNodes.empty());
        emit w.graphView()->nodeClicked(QString::fromStdString(*plan.quantizedNodes.begin()));
        auto* props = w.findChild<QTreeWidget*>("properties");
        auto weights = props->findItems("Weights", Qt::MatchExactly | Qt::MatchRecursive);
        QVERIFY(!weights.isEmpty());
        QVERIFY2(weights.first()->text(1).startsWith("8 bits, int8"), qPrintable(weights.first()->text(1)));
        auto rounding = props->findItems("Rounding", Qt::MatchExactly | Qt::MatchRecursive);
        QVERIFY(!rounding.isEmpty());
        QVERIFY(rounding.first()->text(1).endsWith(QString::fromStdString(plan.roundingData)));

        // A per-node choice from the graph's context menu: Weight Bits > 4 goes into [quantscope_param]
        // node_weight_bits (one undo step), re-plans, shows as a badge, and survives a project's save and reopen.
        const QString node = QString::fromStdString(*plan.quantizedNodes.begin());
        QMenu menu;
        emit w.graphView()->nodeMenuRequested(node, &menu);
        QAction* four = nullptr;
        for (QAction* a : menu.actions())
            if (a->menu() && a->text() == "Weight Bits")
                for (QAction* b : a->menu()->actions())
                    if (b->text() == "4") four = b;
        QVERIFY2(four, "no Weight Bits > 4 in the node's menu");
        QVERIFY(!four->isChecked());
        finished.clear();
        four->trigger();
        QCOMPARE(w.document()->nodeChoice(node, "node_weight_bits"), QString("4"));
        QCOMPARE(w.graphView()->badge(node.toStdString()), QString("W4"));
        QVERIFY(finished.wait(waitMs(120000)));
        QVERIFY(finished.first().first().toBool());
        emit w.graphView()->nodeClicked(node);
        weights = props->findItems("Weights", Qt::MatchExactly | Qt::MatchRecursive);
        QVERIFY(!weights.isEmpty());
        QVERIFY2(weights.first()->text(1).startsWith("4 bits"), qPrintable(weights.first()->text(1)));
        QTemporaryDir dir;
        const QString ini = dir.filePath("choices.ini"), project = dir.filePath("choices.quantscope.yaml");
        QCOMPARE(w.document()->exportConfig(ini), QString());
        QVERIFY(QString::fromStdString(readFileBytes(ini.toStdString())).contains("node_weight_bits=" + node + ":4"));
        QCOMPARE(w.saveProject(project), QString());
        {
            MainWindow again;
            QSignalSpy loaded(&again, &MainWindow::modelLoaded);
            again.openFile(project);
            QVERIFY(loaded.wait(waitMs(20000)));
            QCOMPARE(again.document()->nodeChoice(node, "node_weight_bits"), QString("4"));
            QCOMPARE(again.graphView()->badge(node.toStdString()), QString("W4"));
        }
        w.document()->undoStack()->undo();
        QCOMPARE(w.document()->nodeChoice(node, "node_weight_bits"), QString());
        QCOMPARE(w.graphView()->badge(node.toStdString()), QString());
        QVERIFY(finished.wait(waitMs(120000)));

        // the panel follows a language switch
        Language::apply("zh_CN");
        QCoreApplication::processEvents();
        QVERIFY(!props->findItems(QString::fromUtf8("权重"), Qt::MatchExactly | Qt::MatchRecursive).isEmpty());
        Language::apply("en");
        QCoreApplication::processEvents();
        QVERIFY(!props->findItems("Weights", Qt::MatchExactly | Qt::MatchRecursive).isEmpty());
    }

    void testSwitchToChinese()
    {
        MainWindow w;
        w.show();
        QCOMPARE(w.menuBar()->actions().first()->text(), QString("&File"));
        QCOMPARE(Language::apply("zh_CN"), QString("zh_CN"));
        QCoreApplication::processEvents();
        QCOMPARE(w.menuBar()->actions().first()->text(), QString::fromUtf8("文件(&F)"));
        // the charts' legends too, without waiting for a redraw
        auto* layers = w.results()->findChild<QCustomPlot*>("layerChart");
        QVERIFY(layers && layers->plottableCount() >= 2);
        QCOMPARE(layers->plottable(0)->name(), QString::fromUtf8("本次运行"));
        QCOMPARE(layers->plottable(1)->name(), QString::fromUtf8("最差"));
        Language::apply("en");
        QCoreApplication::processEvents();
        QCOMPARE(w.menuBar()->actions().first()->text(), QString("&File"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_mainwindow.moc"
