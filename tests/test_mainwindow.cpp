// The real main window, offscreen: opens the sample model on a worker thread, filters nodes, reports a broken
// file without blocking, and switches to Chinese.
#include <QApplication>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "language.h"
#include "mainwindow.h"
#include "testdata.h"

using namespace qs;

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName("QuantscopeTest");
        QCoreApplication::setApplicationName("test_mainwindow");
        Language::apply("en");
    }

    void testOpenModelShowsNodes()
    {
        MainWindow w;
        w.show();
        QSignalSpy loaded(&w, &MainWindow::modelLoaded);
        w.openModel(QString::fromStdString(test::modelPath("mobilenet_v1_0.25_224.tflite")));
        QVERIFY(w.isLoading());
        QVERIFY(loaded.wait(20000));
        auto* table = w.findChild<QTableWidget*>();
        QCOMPARE(table->rowCount(), 31);
        QCOMPARE(table->item(0, 2)->text(), QString("CONV_2D"));
        // Ctrl+F filter
        auto* filter = w.findChild<QLineEdit*>();
        QTest::keyClicks(filter, "depthwise");
        int visible = 0;
        for (int r = 0; r < table->rowCount(); ++r) visible += !table->isRowHidden(r);
        QCOMPARE(visible, 13);
        QVERIFY(w.windowTitle().startsWith("mobilenet_v1_0.25_224.tflite"));
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
        QVERIFY(failed.wait(10000));
        QVERIFY(failed.first().first().toString().contains("broken.onnx: not a valid ONNX model"));
        auto* box = w.findChild<QMessageBox*>("loadErrorBox");
        QVERIFY(box && box->isVisible());
        box->close();
    }

    void testSwitchToChinese()
    {
        MainWindow w;
        w.show();
        QCOMPARE(w.menuBar()->actions().first()->text(), QString("&File"));
        QCOMPARE(Language::apply("zh_CN"), QString("zh_CN"));
        QCoreApplication::processEvents();
        QCOMPARE(w.menuBar()->actions().first()->text(), QString::fromUtf8("文件(&F)"));
        Language::apply("en");
        QCoreApplication::processEvents();
        QCOMPARE(w.menuBar()->actions().first()->text(), QString("&File"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_mainwindow.moc"
