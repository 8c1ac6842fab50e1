// Each shared TFLite model and its ONNX twin, run by Quantscope on the eval image lists, agree on top-1 for every
// image, and reach the float accuracy the data README lists.
#include <QtTest>

#include <map>

#include "formats/modelloader.h"
#include "runtime/interpreter.h"
#include "testdata.h"

using namespace qs;

namespace {
int argmax(const Tensor& t)
{
    auto v = t.toFloat();
    return int(std::max_element(v.begin(), v.end()) - v.begin());
}

}  // namespace

class TestModels : public QObject {
    Q_OBJECT
private slots:
    void testTwinsAgree_data()
    {
        QTest::addColumn<QString>("stem");
        QTest::addColumn<QString>("folder");
        QTest::addColumn<int>("labelColumn");
        QTest::addColumn<double>("baseline");
        QTest::newRow("mobilenet_v1_0.25_224") << "mobilenet_v1_0.25_224" << "imagenet-sample" << 3 << 54.8;
        QTest::newRow("resnet8_cifar10") << "resnet8_cifar10" << "cifar10" << 2 << 76.1;
        QTest::newRow("vww_96") << "vww_96" << "photos" << -1 << -1.0;
    }

    void testTwinsAgree()
    {
        QFETCH(QString, stem);
        QFETCH(QString, folder);
        QFETCH(int, labelColumn);
        QFETCH(double, baseline);
        LoadResult tfl = loadModel(test::modelPath(stem.toStdString() + ".tflite"));
        LoadResult onnx = loadModel(test::modelPath(stem.toStdString() + ".onnx"));
        Interpreter a(tfl.graph, {2, true, false});
        Interpreter b(onnx.graph, {2, true, false});
        std::string dir = test::imagePath(folder.toStdString());
        std::vector<std::string> files;
        std::map<std::string, int> labels;
        ImagePreprocess pre;
        if (stem.startsWith("mobilenet")) {
            pre = test::imagenetPreprocess();
        } else if (stem.startsWith("resnet8")) {
            pre = test::pre({0.f}, {1.f});
        } else {
            pre = test::pre({0.f}, {255.f}, 96, 96);
        }
        if (labelColumn >= 0) {
            files = test::readList(dir + "/eval.txt");
            labels = test::readLabels(dir + "/labels.tsv", labelColumn);
        } else {
            for (const char* f : {"bird.bmp", "burger.jpg", "cat.jpg", "cats_and_dogs.jpg", "dogs.jpg", "face.jpg",
                                  "grace_hopper.jpg", "hot_dog.jpg", "kite_and_cold.jpg", "owl.jpg", "parrot.jpg",
                                  "pets.jpg", "sparrow.jpg", "squat.bmp", "sunflower.bmp"})
                files.push_back(f);
        }
        // the data README's eval lists: 900 ImageNet images, 2,900 CIFAR-10 images; 15 photos otherwise
        QCOMPARE(files.size(), size_t(labelColumn < 0 ? 15 : dir.find("cifar10") != std::string::npos ? 2900 : 900));
        QVERIFY(tfl.graph.inputs.size() == 1 && onnx.graph.inputs.size() == 1);
        const Value& inA = tfl.graph.values[tfl.graph.inputs[0]];
        const Value& inB = onnx.graph.values[onnx.graph.inputs[0]];
        Shape shapeA = inA.shape, shapeB = inB.shape;
        QVERIFY(shapeA.size() == 4 && shapeB.size() == 4);
        shapeA[0] = 1;
        shapeB[0] = 1;
        int agree = 0, correctA = 0, correctB = 0;
        for (const std::string& f : files) {
            Tensor xa = loadImageTensor(dir + "/" + f, pre, shapeA, false);
            Tensor xb = loadImageTensor(dir + "/" + f, pre, shapeB, true);
            int ta = argmax(a.run({{inA.name, xa}})[0]);
            int tb = argmax(b.run({{inB.name, xb}})[0]);
            agree += ta == tb;
            if (labelColumn >= 0) {
                correctA += ta == labels.at(f);
                correctB += tb == labels.at(f);
            }
        }
        double n = double(files.size());
        qInfo("%s: %zu images, top-1 agreement %.2f%%, top-1 TFLite %.2f%%, ONNX %.2f%% (README baseline %.1f%%)",
              qPrintable(stem), files.size(), 100.0 * agree / n, 100.0 * correctA / n, 100.0 * correctB / n, baseline);
        QCOMPARE(agree, int(files.size()));
        if (baseline > 0) QVERIFY2(std::fabs(100.0 * correctB / n - baseline) < 0.15, "accuracy differs from the baseline");
    }

    void testFaceDetectionRuns()
    {
        // float16 weights behind DEQUANTIZE are folded into float weights at load; the detector must find the face.
        LoadResult m = loadModel(test::modelPath("face_detection_short_range.tflite"));
        Interpreter interp(m.graph, {2, true, false});
        Tensor x = loadImageTensor(test::imagePath("photos/face.jpg"), test::pre({127.5f}, {127.5f}, 128, 128),
                                   {1, 128, 128, 3}, false);
        auto out = interp.run({{"input", x}});
        QCOMPARE(out.size(), size_t(2));
        auto scores = out[1].toFloat();
        float best = *std::max_element(scores.begin(), scores.end());
        qInfo("face_detection_short_range: best face logit %.2f", best);
        QVERIFY2(best > 0.f, "no anchor scores a face with probability > 0.5");
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "test_models.moc"
