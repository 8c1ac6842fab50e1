// ONNX's own backend node tests (Debian's libonnx-testdata): every test whose operators the runtime claims to
// support is run and compared with ONNX's expected outputs (rtol 1e-3, atol 1e-5). Prints "N passed, M failed".
#include <QtTest>

#include <filesystem>
#include <set>

#include "formats/modelloader.h"
#include "formats/onnx/onnxreader.h"
#include "runtime/interpreter.h"
#include "runtime/kernel.h"

using namespace qs;
namespace fs = std::filesystem;

class TestConformance : public QObject {
    Q_OBJECT
private slots:
    void testBackendNodeSuite()
    {
        fs::path root = "/usr/share/libonnx-testdata/data/node";
        QVERIFY2(fs::is_directory(root), "libonnx-testdata is not installed: run installer/install-deps.sh");
        std::vector<fs::path> dirs;
        for (const auto& e : fs::directory_iterator(root))
            if (e.is_directory()) dirs.push_back(e.path());
        std::sort(dirs.begin(), dirs.end());
        int passed = 0, failed = 0, notClaimed = 0;
        std::vector<std::string> failures;
        for (const fs::path& dir : dirs) {
            std::string name = dir.filename().string();
            LoadResult model;
            try {
                LoadOptions opts;
                opts.runOnnxChecker = false;
                model = loadModel((dir / "model.onnx").string(), opts);
            } catch (const std::exception&) {
                ++notClaimed;  // e.g. sequence or optional types, which no shared model uses
                continue;
            }
            if (!Interpreter::unsupportedNodes(model.graph).empty() || model.graph.nodes.empty()) {
                ++notClaimed;
                continue;
            }
            std::string why;
            try {
                fs::path data = dir / "test_data_set_0";
                std::map<std::string, Tensor> inputs;
                for (size_t i = 0; i < model.graph.inputs.size(); ++i)
                    inputs[model.graph.values[model.graph.inputs[i]].name] =
                        readOnnxTensorFile((data / ("input_" + std::to_string(i) + ".pb")).string());
                Interpreter interp(model.graph, {1, true, false});
                auto outs = interp.run(inputs);
                for (size_t o = 0; o < outs.size() && why.empty(); ++o) {
                    Tensor expect = readOnnxTensorFile((data / ("output_" + std::to_string(o) + ".pb")).string());
                    if (expect.shape() != outs[o].shape()) {
                        why = "output " + std::to_string(o) + " shape " + shapeToString(outs[o].shape()) + " != " + shapeToString(expect.shape());
                        break;
                    }
                    if (expect.type() != outs[o].type()) {
                        why = "output " + std::to_string(o) + " type " + std::string(dataTypeName(outs[o].type())) + " != " +
                              std::string(dataTypeName(expect.type()));
                        break;
                    }
                    auto a = outs[o].toFloat(), b = expect.toFloat();
                    for (size_t i = 0; i < a.size(); ++i) {
                        bool bothNan = std::isnan(a[i]) && std::isnan(b[i]);
                        if (!bothNan && !(std::fabs(a[i] - b[i]) <= 1e-5f + 1e-3f * std::fabs(b[i]))) {
                            why = "output " + std::to_string(o) + "[" + std::to_string(i) + "] = " + std::to_string(a[i]) +
                                  ", expected " + std::to_string(b[i]);
                            break;
                        }
                    }
                }
            } catch (const std::exception& e) {
                why = e.what();
            }
            if (why.empty()) {
                ++passed;
            } else {
                ++failed;
                failures.push_back(name + ": " + why);
            }
        }
        for (const auto& f : failures) qWarning("FAILED %s", f.c_str());
        qInfo("ONNX backend node tests: %d of %zu claimed by the runtime (%d use unsupported ops or types)",
              passed + failed, dirs.size(), notClaimed);
        std::printf("conformance: %d passed, %d failed\n", passed, failed);
        QCOMPARE(failed, 0);
        // Every node test whose operators the runtime claims passes: exactly the README's count for Debian 12's
        // libonnx-testdata (a drop means an op stopped being claimed; a rise, update the README and this number).
        QCOMPARE(passed, 784);
    }
};

QTEST_GUILESS_MAIN(TestConformance)
#include "test_conformance.moc"
