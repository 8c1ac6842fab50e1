#pragma once
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "graph/graph.h"

namespace qs {

/** A quantized constant: integer values plus their parameters (per channel along params.axis, or per tensor). */
struct QuantizedConstant {
    Tensor values;  // the integer values: int8 (up to 8 bits), int16 (9 to 16 bits) or int32 (biases)
    QuantParams params;
    // Weight quantization's correction (bias_correction): dequantized channel c becomes w * correctionVar[c] +
    // correctionMean[c], restoring each channel's mean and spread. Empty when not corrected.
    std::vector<float> correctionVar, correctionMean;
    // The container the exporter stores the values in, and why (shown by convert and in quant_param.csv).
    std::string container;
    int packedBits = 0;  // > 0: stored as that many bit planes (enable_encode), 0: as values.type()
    bool roundedForData = false;  // rounded to keep each channel's mean output on QuantPlan::roundingData
};

/** What learned rounding (round_type=ADAROUND, see adaround.h) did. */
struct LearnedRounding {
    size_t layers = 0;      // nodes whose rounding was optimised
    size_t flipped = 0;     // weights rounded the other way than to nearest
    double errorRatio = 1;  // over all those nodes: output error energy on the data against float, after / before
    std::set<std::string> correctedBiases;  // biases it set to remove the mean error (bias correction leaves them)
};

/** The decisions of a quantization run, keyed by tensor and node names: what the exporters write, the reports
 *  print and the GUI shows. */
struct QuantPlan {
    std::string quantType = "FULL_QUANT";                // FULL_QUANT, WEIGHT_QUANT or DYNAMIC_QUANT
    std::map<std::string, QuantParams> activations;     // tensors that get QuantizeLinear -> DequantizeLinear
    // those of activations whose range stops where their readers stop telling values apart (liveRange: below -3
    // before a HardSwish, say): tensor -> that interval, infinite on a side the range did not reach. Reports compare
    // them with the float tensor clamped to it, and nothing is clipped on a finite side (the values beyond it make no
    // difference to any reader, those before it round to the grid's end).
    std::map<std::string, std::pair<double, double>> liveRanges;
    // return liveRanges' interval for tensor, or the whole line
    std::pair<double, double> liveRange(const std::string& tensor) const
    {
        auto it = liveRanges.find(tensor);
        return it != liveRanges.end() ? it->second : std::pair<double, double>{-INFINITY, INFINITY};
    }
    std::map<std::string, QuantizedConstant> constants;  // weights and biases stored as integers
    std::set<std::string> quantizedNodes;
    // FULL_QUANT: those of quantizedNodes that store int8 weights but compute in float (ONNX recurrent layers)
    std::set<std::string> weightOnlyNodes;
    std::set<std::string> skippedNodes;                  // asked for by skip_quant_node; they stay float
    std::map<std::string, std::string> floatReasons;    // node -> why it stays float (unsupported op, ...)
    // nodes of floatReasons left float by a documented rule the config controls (quantizable_op_type,
    // min_quant_weight_size / min_quant_weight_channel, dynamic quantization's depthwise default): not a surprise
    std::set<std::string> floatByRule;
    std::map<std::string, std::vector<float>> biasCorrection;  // bias tensor -> per-channel amount removed
    // DYNAMIC_QUANT: activations quantized at run time, tensor -> axis (-1: per tensor, else per channel on it)
    std::map<std::string, int> dynamicActivations;
    // WEIGHT_QUANT and DYNAMIC_QUANT: where the input channel means that weight rounding keeps came from
    // ("the calibration data", "a noise probe (no calibration data)"), or why there were none
    std::string roundingData;
    // WEIGHT_QUANT with mixed bits: the init_scale used (auto_tune's choice when tuned)
    double initScale = 0;
    // Cross-layer equalization: the pairs rescaled; and the float constants whose values it or SmoothQuant changed. The
    // exporters store the graph's values of those the plan does not quantize in place of the source's.
    size_t equalizedPairs = 0;
    // activation equalization ([quantscope_param] activation_equalization): the activations rescaled, or why none was
    size_t equalizedActivations = 0;
    std::string activationEqualizationWhy;
    // SmoothQuant ([full_quant_param] smooth_alpha, enable_smooth_shift): the activations smoothed, those also shifted,
    // and why none was when it was asked for and none was
    size_t smoothedTensors = 0, shiftedTensors = 0;
    std::string smoothingWhy;
    std::set<std::string> changedConstants;
    LearnedRounding learnedRounding;
};

}  // namespace qs
