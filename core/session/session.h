#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>

#include "calibration/probe.h"
#include "calibration/tensorstats.h"
#include "config/inidocument.h"
#include "formats/modelloader.h"
#include "quant/equalization.h"
#include "quant/quantplan.h"
#include "calibration/datasource.h"
#include "session/progress.h"

namespace qs {

/** The one façade the CLI and the GUI drive: load -> calibrate -> quantize -> export.
 *  Each long step takes a progress sink and a cancel token and may run on a worker thread (one at a time).
 *  Calibration statistics are kept, so quantizing again with another method or skip set needs no new pass. */
class Session {
public:
    void load(const std::string& modelPath, const LoadOptions& options = {});
    // The graph that is calibrated, quantized and exported: the loaded one, or its copy rescaled to the same function
    // when the last calibrate() or plan asked for [quantscope_param] cross_layer_equalization or, with FULL_QUANT, for
    // activation equalization ([quantscope_param] activation_equalization) or SmoothQuant ([full_quant_param]
    // smooth_alpha, enable_smooth_shift); the last two take their scales from calibrate()'s data.
    const Graph& graph() const;
    // return what the reader warned about (ONNX checker findings, ...); throws like graph() when nothing is loaded
    const std::vector<std::string>& loadWarnings() const
    {
        graph();
        return m_model->warnings;
    }
    const std::string& modelPath() const { return m_path; }
    // What config asks of the graph that is calibrated ("" for the loaded one as it is: no cross-layer equalization,
    // no SmoothQuant): statistics taken on one such graph do not serve another.
    static std::string graphPreparation(const IniDocument& config);

    // One pass over the calibration data of config ([data_preprocess_param]); collects statistics of every float
    // activation in bounded memory. threads: interpreter threads.
    void calibrate(const IniDocument& config, const ProgressSink& progress = {}, const CancelToken* cancel = nullptr, int threads = 1);
    const std::map<std::string, TensorStats>& statistics() const { return m_stats; }
    size_t calibrationSamples() const { return m_samples; }
    // return calibration sample i's inputs (decoded again); throws when nothing was calibrated
    std::map<std::string, Tensor> calibrationSample(size_t i) const;

    // Builds the plan for the config's quant_type and exports it:
    // FULL_QUANT from the statistics ([full_quant_param]; with bias_correction, each weighted node's mean output
    // shift caused by its weight quantization, (W_q - W) E[x] with per-channel input means from calibration, is
    // removed from its bias, then what its int8 input's rounding adds too, measured on up to 32 calibration samples:
    // correctBiasEmpirically); WEIGHT_QUANT from the weights alone (mixed bits with auto_tune measure the output on
    // the calibration data); DYNAMIC_QUANT ([dynamic_quant_param] quant_strategy) from the weights alone.
    const QuantPlan& quantize(const IniDocument& config, const ProgressSink& progress = {}, const CancelToken* cancel = nullptr);
    // The second half of quantize(): refines plan (from buildPlan with the same config) and exports it; the GUI shows
    // the plan's estimates between the two.
    const QuantPlan& commit(const IniDocument& config, QuantPlan plan, const ProgressSink& progress = {}, const CancelToken* cancel = nullptr);
    const QuantPlan& plan() const { return m_plan; }
    // The plan quantize() starts from, with moreSkips kept float as well; nothing is exported and plan() stays.
    QuantPlan buildPlan(const IniDocument& config, const std::set<std::string>& moreSkips = {}, const ProgressSink& progress = {},
                        const CancelToken* cancel = nullptr);
    // What quantize() does to that plan on the calibration data before exporting it (FULL_QUANT: round_type=ADAROUND,
    // then bias_correction); buildPlan + refinePlan is the plan quantize() exports.
    void refinePlan(const IniDocument& config, QuantPlan& plan, const ProgressSink& progress = {}, const CancelToken* cancel = nullptr) const;
    // whether refinePlan changes a plan of config's (FULL_QUANT with calibration data, learned rounding or bias correction)
    bool refines(const IniDocument& config, const QuantPlan& plan) const;

    // The quantized model as bytes of its format (QDQ ONNX, or int8 TFLite), and the graph Quantscope reads back from them.
    const std::string& exportedBytes() const { return m_exported; }
    const Graph& quantizedGraph() const;
    // MindSpore Lite's debug reports (output_summary.csv, round_*.csv, quant_param.csv) into dir, one round per
    // calibration sample (at most maxRounds).
    void writeReports(const std::string& dir, size_t maxRounds = 100, const ProgressSink& progress = {}, const CancelToken* cancel = nullptr) const;
    // Writes the quantized model atomically; refuses to overwrite the input model.
    void save(const std::string& outputPath) const;
    // Writes the loaded model's file as it is (a conversion without quantization), with the same care as save().
    void saveUnchanged(const std::string& outputPath) const;

private:
    // Makes graph() the loaded graph or its equalized and/or smoothed copy, as config asks. Statistics belong to the
    // graph they were taken on: switching with statistics is refused unless data is given (calibrate(), which takes
    // new ones; smoothing measures its channels on data, again on each calibration).
    void prepareGraph(const IniDocument& config, const CalibrationData* data = nullptr, const ProgressSink& progress = {},
                      const CancelToken* cancel = nullptr, int threads = 1);
    QuantPlan quantizeWeights(const IniDocument& config, const std::set<std::string>& skip, const std::map<std::string, int>& nodeBits,
                              const std::map<std::string, TensorStats>& means, const ProgressSink& progress,
                              const CancelToken* cancel);

    std::string m_path;
    std::shared_ptr<const CalibrationData> m_data;

    std::unique_ptr<LoadResult> m_model;
    // set while cross_layer_equalization, activation_equalization or SmoothQuant is on: the rescaled graph, what was
    // done, and the settings
    struct Prepared {
        Graph graph;
        size_t equalizedPairs = 0, equalizedActivations = 0, smoothedTensors = 0, shiftedTensors = 0;
        std::string activationEqualizationWhy, smoothingWhy;
        std::set<std::string> changed;
    };
    std::shared_ptr<const Prepared> m_prepared;
    std::string m_preparedFor;  // the settings m_prepared was made for ("" when it is not set)
    std::map<std::string, TensorStats> m_stats;
    size_t m_samples = 0;
    int m_threads = 1;  // what calibrate() ran with; bias correction runs with as many
    std::vector<Shape> m_shapes;  // per value id, for the first calibration sample's input shapes
    // the noise probe's statistics (no calibration data) and the input range they were taken for: re-planning with
    // other bits or skips reuses them
    ProbeStatistics m_probe;
    std::string m_probeRange;
    QuantPlan m_plan;
    std::string m_exported;
    std::unique_ptr<LoadResult> m_quantized;
};

}  // namespace qs
