#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QLineEdit>
#include <QSettings>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QUndoStack>

#include <cstdio>
#include <memory>

#include "language.h"
#include "mainwindow.h"
#include "projectdocument.h"
#include "sensitivityview.h"
#include "settingseditor.h"

namespace {
// --screenshots DIR [FILE]: opens the sample (or FILE: a model or project), runs it, ranks the nodes (Suggest Skips),
// skips the best one and saves the README's screenshots (graph with error colouring, results, sensitivity ranking,
// results before and after the skip, settings with a validation error, the Chinese UI) into DIR, then quits.
void takeScreenshots(qs::MainWindow& w, const QString& dir, const QString& file)
{
    QDir().mkpath(dir);
    auto* tabs = w.findChild<QTabWidget*>();
    auto save = [&w, dir](const QString& name) {
        QApplication::processEvents();
        w.grab().save(dir + "/" + name);
    };
    // a file that does not load or run stops the tool with the reason (instead of waiting for a run that never comes)
    auto fail = [](const QString& why) {
        std::fprintf(stderr, "--screenshots: %s\n", qPrintable(why));
        QApplication::exit(1);
    };
    QObject::connect(&w, &qs::MainWindow::loadFailed, &w, fail);
    QObject::connect(&w, &qs::MainWindow::modelLoaded, &w, [&w, fail](const QString& path) {
        if (!w.document()->valid())
            return fail(path + ": its settings cannot run (a bare model has no calibration data): give a project with a config");
        QTimer::singleShot(300, &w, [&w] { w.run(); });
    });
    auto stage = std::make_shared<int>(0);  // the run, then the ranking; the edits below re-plan and finish again
    QObject::connect(&w, &qs::MainWindow::runFinished, &w, [&w, tabs, save, stage, fail](bool ok) {
        if (!ok) return fail("the run did not finish");
        if (++*stage == 1) {
            tabs->setCurrentIndex(0);
            save("graph.png");
            tabs->setCurrentIndex(2);
            save("results.png");
            w.suggestSkips();
            return;
        }
        if (*stage == 2) {
            save("sensitivity.png");  // Suggest Skips shows its tab
            // the best node to skip, ticked: the re-plan's results beside the first run's
            const auto* ranking = w.sensitivity()->findChild<QTableWidget*>();
            if (ranking && ranking->rowCount() > 0 && ranking->item(0, 1)) {
                w.document()->setSkip(ranking->item(0, 1)->text(), true);
                return;
            }
            ++*stage;
        }
        if (*stage != 3) return;
        tabs->setCurrentIndex(2);
        save("before-after.png");
        auto* size = qobject_cast<QLineEdit*>(w.settings()->editorFor("data_preprocess_param", "calibrate_size"));
        size->setText("0");
        QMetaObject::invokeMethod(size, "editingFinished");
        w.settings()->reveal("data_preprocess_param", "calibrate_size");
        save("settings-error.png");
        w.document()->undoStack()->undo();
        qs::Language::apply("zh_CN");
        QTimer::singleShot(500, &w, [save] {  // let the menus and docks relayout in Chinese first
            save("chinese.png");
            qs::Language::apply("en");
            QApplication::quit();
        });
    }, Qt::QueuedConnection);
    if (file.isEmpty()) w.openSample();
    else w.openFile(file);
}
}  // namespace

int main(int argc, char** argv)
{
    // --help and --version only print: they need no display (a QApplication without one would abort first)
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "--help" || a == "-h" || a == "--help-all" || a == "--version" || a == "-v") {
            qputenv("QT_QPA_PLATFORM", "offscreen");
            break;
        }
    }
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Quantscope");
    QApplication::setApplicationName("Quantscope");
    QApplication::setApplicationVersion(QUANTSCOPE_VERSION);
    qs::Language::apply(QSettings().value("language").toString());

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Interactive post-training quantization of neural networks"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("file", QApplication::translate("main", "An ONNX or TFLite model, or a Quantscope project (.quantscope.yaml), to open."));
    QCommandLineOption sample("sample", QApplication::translate("main", "Open the embedded sample model with its photos set up for calibration."));
    QCommandLineOption shots("screenshots", QApplication::translate("main", "Save the documentation screenshots into <dir> and quit."),
                             QApplication::translate("main", "dir"));
    parser.addOption(sample);
    parser.addOption(shots);
    parser.process(app);

    qs::MainWindow window;
    window.show();
    if (parser.isSet(shots)) takeScreenshots(window, parser.value(shots), parser.positionalArguments().value(0));
    else if (parser.isSet(sample)) window.openSample();
    else if (!parser.positionalArguments().isEmpty()) window.openFile(parser.positionalArguments().first());
    return app.exec();
}
