// Every shared ONNX model, fed a real image, gives the same outputs in Quantscope's runtime as in ONNX Runtime
// (npm onnxruntime-node, run in the same test): max |difference| <= 1e-4 of the output's range.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>

#include "formats/modelloader.h"
#include "runtime/interpreter.h"
#include "testdata.h"
#include "util/atomicfile.h"
#include "util/npy.h"

using namespace qs;

class TestOrtParity : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QVERIFY2(std::filesystem::exists(std::string(QUANTSCOPE_INTEROP_DIR) + "/node_modules/onnxruntime-node"),
                 "onnxruntime-node is not installed: run installer/install-deps.sh");
    }

    void testMatchesOnnxRuntime_data()
    {
        QTest::addColumn<int>("index");
        auto cases = test::onnxModelCases();
        for (size_t i = 0; i < cases.size(); ++i) QTest::newRow(cases[i].file.c_str()) << int(i);
    }

    void testMatchesOnnxRuntime()
    {
        QFETCH(int, index);
        test::ModelCase mc = test::onnxModelCases()[size_t(index)];
        LoadResult model = loadModel(test::modelPath(mc.file));
        const Graph& g = model.graph;
        std::string inputName = g.values[g.inputs[0]].name;
        Tensor input = loadImageTensor(test::imagePath(mc.image), mc.pre, mc.shape, mc.nchw);

        QTemporaryDir dir;
        std::string inFile = dir.filePath("input.npy").toStdString();
        writeFileAtomic(inFile, npyBytes(input));
        QProcess node;
        node.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        node.start("node", {QString(QUANTSCOPE_INTEROP_DIR) + "/ort_run.mjs", QString::fromStdString(test::modelPath(mc.file)),
                            dir.path(), QString::fromStdString(inputName + "=" + inFile)});
        QVERIFY(node.waitForFinished(300000));
        QCOMPARE(node.exitCode(), 0);

        Interpreter interp(g, {2, true, false});
        std::vector<Tensor> ours = interp.run({{inputName, input}});
        QCOMPARE(ours.size(), g.outputs.size());
        for (size_t o = 0; o < ours.size(); ++o) {
            std::string name = npyFileStem(g.values[g.outputs[o]].name);
            Tensor ref = readNpy(dir.filePath(QString::fromStdString(name + ".npy")).toStdString());
            QCOMPARE(ours[o].count(), ref.count());
            auto a = ours[o].toFloat(), b = ref.toFloat();
            float lo = *std::min_element(b.begin(), b.end()), hi = *std::max_element(b.begin(), b.end());
            QCOMPARE(a.size(), b.size());
            float maxDiff = 0;
            for (size_t i = 0; i < a.size(); ++i)
                if (const float d = std::fabs(a[i] - b[i]); !(d <= maxDiff)) maxDiff = d;  // a NaN sticks and fails below
            float range = std::max(hi - lo, 1e-12f);
            qInfo("%s output %s: max |diff| %.3g, range %.3g, relative %.3g", mc.file.c_str(), name.c_str(), maxDiff, range,
                  maxDiff / range);
            QVERIFY2(maxDiff / range <= 1e-4f, qPrintable(QString("relative difference %1 > 1e-4").arg(maxDiff / range)));
        }
    }
};

QTEST_GUILESS_MAIN(TestOrtParity)
#include "test_ortparity.moc"
