#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "calibration/tensorstats.h"
#include "graph/graph.h"
#include "quant/quantplan.h"
#include "session/progress.h"

namespace qs {

/** One row of a round_*.csv report: a tensor's distribution, float (Origin) or dequantized (Dequant). */
struct TensorRow {
    std::string nodeName, nodeType, tensorName;
    std::string inOut;       // In or Out
    std::string dataType;    // Origin or Dequant
    std::string tensorType;  // Activation or Weight
    double min = 0, q1 = 0, median = 0, q3 = 0, max = 0, mean = 0, var = 0, sparsity = 0, clip = 0, cosine = 1;
};

// return the cosine similarity of a and b: 1 when both are all zeros, 0 when only one is or the sizes differ; the
// pointer form first clamps a to [lo, hi] (a tensor as its readers see it: QuantPlan::liveRanges)
double cosineSimilarity(const std::vector<float>& a, const std::vector<float>& b);
double cosineSimilarity(const float* a, const float* b, size_t n, float lo = -INFINITY, float hi = INFINITY);
// A model's output cosine over samples (outputs[i][o] against reference[i][o]: sample i, output o): per output the mean
// of each sample's cosine, or, for an output of fewer than 8 values a sample (a score, a two-class softmax), whose
// per-sample cosine is 1 whenever the signs agree, the cosine of all samples' values together; then the mean over
// the outputs. 0 when the two do not have the same samples and outputs.
double outputCosine(const std::vector<std::vector<std::vector<float>>>& outputs, const std::vector<std::vector<std::vector<float>>>& reference);
// The same samples and outputs scored by the mean of log10(1 - cosine) (floored at 1e-12) instead of the cosine: a
// sample whose output is 10x closer to float counts the same whether it started at 0.9 or at 0.999, where the mean
// cosine is decided by the worst samples. Lower is better; 0 when the two do not have the same samples and outputs.
double outputLogError(const std::vector<std::vector<std::vector<float>>>& outputs, const std::vector<std::vector<std::vector<float>>>& reference);
// s as one CSV cell: quoted (with quotes doubled) when it holds a comma, a quote or a line break
std::string csvCell(const std::string& s);

// Distribution rows of every activation and quantized weight, comparing the float graph with the quantized one on
// one input. Tensors are matched by name (the quantized export keeps them); each tensor's statistics are computed
// once however many nodes read it, on up to threads threads. summaries false: only the cosine and clip rate (the
// distribution columns stay 0), which is what the GUI's re-plans show, at a fraction of the cost.
std::vector<TensorRow> compareTensors(const Graph& floatGraph, const Graph& quantGraph, const QuantPlan& plan,
                                      const std::map<std::string, Tensor>& inputs, int threads = 1, bool summaries = true);

// Every float tensor of one run of graph on inputs (unfused, so that every node's output is there), by name: the float
// side of compareTensors, which a re-plan can keep (the float graph and the input do not change when only the plan does).
using TensorValues = std::map<std::string, std::vector<float>>;
TensorValues runTensors(const Graph& graph, const std::map<std::string, Tensor>& inputs, int threads = 1);
// compareTensors with the float graph's tensors computed before on the same inputs (runTensors(floatGraph, inputs)):
// runs only the quantized graph, whose outputs go to quantOutputs when given.
std::vector<TensorRow> compareTensors(const Graph& floatGraph, const TensorValues& floatValues, const Graph& quantGraph,
                                      const QuantPlan& plan, const std::map<std::string, Tensor>& inputs, int threads = 1,
                                      bool summaries = true, std::vector<Tensor>* quantOutputs = nullptr);

/** A tensor's calibration histogram next to the same values after quantize-dequantize with its parameters,
 *  estimated from the histogram alone (no inference): what the GUI redraws at once when a plan changes. */
struct HistogramComparison {
    std::vector<double> centers;          // bin centers
    std::vector<double> original, dequantized;  // counts per bin
    double lo = 0, hi = 0;                // the representable range [(-128 - zp) s, (127 - zp) s]
    double clipRate = 0;                  // fraction of values more than half a step outside [lo, hi]
    double cosine = 1;                    // estimated cosine similarity of the tensor before and after
};
// bins: how many bins to merge the statistics' histogram into (over its observed range); live: the tensor's
// QuantPlan::liveRanges interval (nothing is clipped on its finite sides; the cosine is against the float values
// clamped to it)
HistogramComparison compareHistogram(const TensorStats& stats, const QuantParams& params, int bins = 128,
                                     std::pair<double, double> live = {-INFINITY, INFINITY});

// Writes MindSpore Lite's debug reports into dir (created): output_summary.csv, round_<i>.csv for each of the
// rounds (calibration samples) and quant_param.csv. sample(i) returns the inputs of round i.
void writeDebugReports(const std::string& dir, const Graph& floatGraph, const Graph& quantGraph, const QuantPlan& plan,
                       size_t rounds, const std::function<std::map<std::string, Tensor>(size_t)>& sample,
                       const ProgressSink& progress = {}, const CancelToken* cancel = nullptr, int threads = 1);

}  // namespace qs
