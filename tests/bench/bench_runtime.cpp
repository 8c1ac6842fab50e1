// Float inference latency of Quantscope's runtime on the shared models, 1 and 2 threads. Writes the real-image
// input it used to OUTDIR/<model>.npy so that run_benchmarks.mjs can time ONNX Runtime on the same tensor.
// Usage: bench_runtime OUTDIR [REPEATS]      prints one JSON object per line
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "formats/modelloader.h"
#include "runtime/interpreter.h"
#include "testdata.h"
#include "util/atomicfile.h"
#include "util/npy.h"

using namespace qs;

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_runtime OUTDIR [REPEATS]\n");
        return 2;
    }
    std::string outDir = argv[1];
    int repeats = argc > 2 ? std::atoi(argv[2]) : 20;
    struct Case {
        std::string file, image;
        ImagePreprocess pre;
        Shape shape;
    };
    auto mobilenet = test::imagenetPreprocess();
    std::vector<Case> cases = {
        {"mobilenet_v1_0.25_224.onnx", "imagenet-sample/n01443537_goldfish.jpg", mobilenet, {1, 3, 224, 224}},
        {"mobilenet_v2_1.0_224_dq.onnx", "imagenet-sample/n01443537_goldfish.jpg", mobilenet, {1, 3, 224, 224}},
        {"ppocr_v4_det.onnx", "text/scenetext01.jpg", test::pre({123.675f, 116.28f, 103.53f}, {58.395f, 57.12f, 57.375f}, 640, 640),
         {1, 3, 640, 640}},
    };
    for (const Case& c : cases) {
        LoadResult m = loadModel(test::modelPath(c.file));
        std::string input = m.graph.values[m.graph.inputs[0]].name;
        Tensor x = loadImageTensor(test::imagePath(c.image), c.pre, c.shape, true);
        writeFileAtomic(outDir + "/" + c.file + ".npy", npyBytes(x));
        for (int threads : {1, 2}) {
            Interpreter interp(m.graph, {threads, true, false});
            int reps = c.file.rfind("ppocr", 0) == 0 ? std::max(3, repeats / 4) : repeats;
            for (int i = 0; i < 3; ++i) interp.run({{input, x}});
            std::vector<double> ms;
            for (int i = 0; i < reps; ++i) {
                auto t0 = std::chrono::steady_clock::now();
                interp.run({{input, x}});
                ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
            }
            std::sort(ms.begin(), ms.end());
            std::printf("{\"model\":\"%s\",\"input\":\"%s\",\"threads\":%d,\"runs\":%d,\"min_ms\":%.3f,\"median_ms\":%.3f}\n",
                        c.file.c_str(), input.c_str(), threads, reps, ms.front(), ms[ms.size() / 2]);
            std::fflush(stdout);
        }
    }
    return 0;
}
