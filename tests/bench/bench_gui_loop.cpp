// The interactive loop as the GUI runs it (issue #16): ppocr_v4_det at 640x640 with full int8 on the 12 text images,
// opened in a real MainWindow (offscreen). After the first Run, a skip is ticked on a different weighted node each
// round and the time until the re-planned, re-measured results are in (runFinished: the output cosine over 4 samples
// too) is taken, with the event loop's worst gap meanwhile (a 10 ms timer), the time until the table shows the new
// plan's estimates (from the calibration histograms), the time until it shows the tensors measured on the first
// sample (rowsMeasured: with bias correction first those of the plan as built, then those of the corrected plan,
// "refined") The replan timer's 250 ms debounce is part of all of them. For scale, the
// same run's float pass of one image in Quantscope's interpreter. Prints JSON: median of the rounds.
// Usage: QT_QPA_PLATFORM=offscreen bench_gui_loop [DATA_DIR] [ROUNDS] [BIAS_CORRECTION: true|false, default true]
#include <QApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "config/config.h"
#include "mainwindow.h"
#include "projectdocument.h"
#include "resultsview.h"
#include "runtime/interpreter.h"

using namespace qs;

namespace {
double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}
}  // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    const std::string data = argc > 1 ? argv[1] : QUANTSCOPE_DATA_DIR;
    const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
    const std::string biasCorrection = argc > 3 ? argv[3] : "true";
    MainWindow w;
    w.show();
    ProjectDocument* doc = w.document();
    QSignalSpy loaded(&w, &MainWindow::modelLoaded);
    w.openModel(QString::fromStdString(data + "/models/ppocr_v4_det.onnx"));
    if (!loaded.wait(60000)) return std::fprintf(stderr, "ppocr_v4_det did not load\n"), 1;
    const std::string input = doc->graph()->values[size_t(doc->graph()->inputs[0])].name;
    Diagnostics d;
    doc->replaceConfig(parseConfig("[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=8\n[data_preprocess_param]\ncalibrate_path=" + input +
                                       ":" + data + "/images/text\ncalibrate_size=12\ninput_type=IMAGE\nimage_to_format=RGB\n"
                                       "normalize_mean=[123.675,116.28,103.53]\nnormalize_std=[58.395,57.12,57.375]\n"
                                       "resize_width=640\nresize_height=640\n[full_quant_param]\nactivation_quant_method=MAX_MIN\n"
                                       "per_channel=true\nbias_correction=" + biasCorrection + "\n",
                                   "bench.ini", d),
                       "bench");
    if (!doc->valid()) return std::fprintf(stderr, "the bench config is invalid\n"), 1;

    QSignalSpy finished(&w, &MainWindow::runFinished);
    QElapsedTimer clock;
    clock.start();
    w.run();
    if (!finished.wait(600000) || !finished.first().first().toBool()) return std::fprintf(stderr, "the first run failed\n"), 1;
    const double firstRunMs = double(clock.elapsed());

    // the float pass for scale (the session is the GUI thread's: no job runs)
    double floatMs = 0;
    {
        Interpreter f(doc->session()->graph());
        auto sample = doc->session()->calibrationSample(0);
        f.run(sample);
        QElapsedTimer t;
        t.start();
        f.run(sample);
        floatMs = double(t.nsecsElapsed()) / 1e6;
    }

    std::vector<std::string> weighted;
    for (const std::string& n : doc->plan()->quantizedNodes) weighted.push_back(n);
    std::vector<double> toggleMs, estimateMs, rowsMs, refinedRowsMs, gaps;
    for (int r = 0; r < rounds && size_t(r) < weighted.size(); ++r) {
        qint64 last = 0, worstGap = 0;
        QElapsedTimer loop;
        QTimer tick;
        QObject::connect(&tick, &QTimer::timeout, [&] {
            const qint64 now = loop.elapsed();
            worstGap = std::max(worstGap, now - last);
            last = now;
        });
        finished.clear();
        double estimated = -1, rows = -1, refinedRows = -1;
        auto estimate = QObject::connect(doc, &ProjectDocument::planEstimated, [&] {
            if (estimated < 0) estimated = double(loop.elapsed());
        });
        auto measured = QObject::connect(doc, &ProjectDocument::rowsMeasured, [&](auto, bool refined) {
            if (rows < 0) rows = double(loop.elapsed());
            if (refined && refinedRows < 0) refinedRows = double(loop.elapsed());
        });
        loop.start();
        tick.start(10);
        doc->setSkip(QString::fromStdString(weighted[size_t(r) * weighted.size() / size_t(rounds)]), true);
        if (!finished.wait(600000) || !finished.first().first().toBool()) return std::fprintf(stderr, "a re-plan failed\n"), 1;
        toggleMs.push_back(double(loop.elapsed()));
        QObject::disconnect(estimate);
        QObject::disconnect(measured);
        estimateMs.push_back(estimated);
        rowsMs.push_back(rows);
        refinedRowsMs.push_back(refinedRows);
        tick.stop();
        gaps.push_back(double(worstGap));
    }
    std::printf("{\"model\":\"ppocr_v4_det.onnx\",\"calibration_images\":12,\"bias_correction\":%s,\"first_run_ms\":%.0f,\"float_pass_ms\":%.1f,"
                "\"skip_to_estimates_ms_median\":%.0f,\"skip_to_measured_tensors_ms_median\":%.0f,\"skip_to_refined_tensors_ms_median\":%.0f,\"skip_to_measured_ms_median\":%.0f,\"skip_in_float_passes\":%.2f,\"worst_event_gap_ms_median\":%.0f,\"rounds\":%zu,"
                "\"table_rows\":%d}\n",
                biasCorrection.c_str(), firstRunMs, floatMs, median(estimateMs), median(rowsMs), median(refinedRowsMs), median(toggleMs), median(toggleMs) / floatMs, median(gaps), toggleMs.size(), w.results()->rowCount());
    return 0;
}
