// Calibration cost: time of one statistics pass over N real calibration images (decode and preprocessing
// included) and the process's peak memory. Usage: bench_calib MODEL IMAGE_FOLDER N OUTDIR  (prints JSON)
// Writes OUTDIR/input.npy (one preprocessed image) so that run_calibration_bench.mjs can time ONNX Runtime.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "calibration/datasource.h"
#include "config/config.h"
#include "runtime/interpreter.h"
#include "session/session.h"
#include "testdata.h"
#include "util/atomicfile.h"
#include "util/npy.h"

using namespace qs;
namespace fs = std::filesystem;

int main(int argc, char** argv)
{
    if (argc < 5) {
        std::fprintf(stderr, "usage: bench_calib MODEL IMAGE_FOLDER N OUTDIR\n");
        return 2;
    }
    std::string model = argv[1], folder = argv[2], out = argv[4];
    int n = std::atoi(argv[3]);
    fs::path calib = fs::path(out) / ("calib" + std::to_string(n));
    fs::remove_all(calib);
    fs::create_directories(calib);
    int linked = 0;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(folder))
        if (e.path().extension() == ".jpg") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
        if (linked++ < n) fs::create_symlink(f, calib / f.filename());
    std::string ini = "[common_quant_param]\nquant_type=FULL_QUANT\n" + test::calibrationSection(calib.string(), n, test::imagenetPreprocess());
    Diagnostics d;
    IniDocument config = parseConfig(ini, "bench.ini", d);
    Session s;
    s.load(model);
    writeFileAtomic(out + "/input.npy", npyBytes(loadImageTensor(files[0].string(), imagePreprocessFromConfig(config), {1, 3, 224, 224}, true)));
    auto t0 = std::chrono::steady_clock::now();
    s.calibrate(config, {}, nullptr, 1);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    // Where the time goes (after the peak memory was read; on at most 100 samples): decoding and preprocessing alone, and float inference alone (no observers), 1 thread.
    CalibrationData data(config, s.graph());
    std::vector<std::map<std::string, Tensor>> samples;
    auto t1 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < std::min<size_t>(data.size(), 100); ++i) samples.push_back(data.sample(i));
    double decodeMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
    Interpreter interp(s.graph(), {1});
    interp.run(samples[0]);
    auto t2 = std::chrono::steady_clock::now();
    for (const auto& x : samples) interp.run(x);
    double inferMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t2).count();
    samples.clear();
    std::printf("{\"samples\":%zu,\"calibrate_ms\":%.1f,\"decode_ms\":%.1f,\"infer_ms\":%.1f,\"peak_rss_mb\":%.1f,\"tensors\":%zu}\n",
                s.calibrationSamples(), ms, decodeMs, inferMs, double(ru.ru_maxrss) / 1024.0, s.statistics().size());
    return 0;
}
