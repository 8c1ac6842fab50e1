#include "calibration/probe.h"

#include <algorithm>
#include <exception>
#include <random>

#include "quant/optypes.h"
#include "runtime/interpreter.h"

namespace qs {

ProbeStatistics probeStatistics(const Graph& g, const ImagePreprocess* pre)
{
    ProbeStatistics out;
    const bool channelsLast = g.info.format == "tflite";
    std::mt19937 rng(20261122);
    std::uniform_real_distribution<float> unit(-1.f, 1.f);
    std::map<std::string, Tensor> inputs;
    for (int i : g.inputs) {
        const Value& v = g.values[size_t(i)];
        if (v.constant) continue;
        if (v.type != DataType::Float32) {
            out.why = "input '" + v.name + "' is " + std::string(dataTypeName(v.type)) + ", not float32";
            return out;
        }
        Shape shape = v.shape;
        if (!shape.empty() && shape[0] < 0) shape[0] = 1;
        if (!isStatic(shape)) {
            out.why = "input '" + v.name + "' has a dynamic shape " + shapeToString(v.shape) + ": set --inputShape to probe it";
            return out;
        }
        Tensor t(DataType::Float32, shape);
        float* x = t.data<float>();
        // the channel of element k: axis 1 (NCHW) or the last axis (NHWC)
        const int64_t channels = shape.size() >= 2 ? (channelsLast ? shape.back() : shape[1]) : 1;
        int64_t inner = 1;
        if (!channelsLast)
            for (size_t d = 2; d < shape.size(); ++d) inner *= shape[d];
        for (int64_t k = 0; k < t.count(); ++k) {
            x[k] = unit(rng);
            if (!pre) continue;
            size_t c = size_t(channelsLast ? k % channels : (k / inner) % channels);
            float mean = pre->mean.empty() ? 0.f : pre->mean[std::min(c, pre->mean.size() - 1)];
            float std = pre->std.empty() ? 1.f : pre->std[std::min(c, pre->std.size() - 1)];
            x[k] = (127.5f * (x[k] + 1.f) - mean) / std;
        }
        inputs[v.name] = std::move(t);
    }
    const std::vector<char> read = weightedOpInputs(g);
    try {
        Interpreter interp(g, {1, true, false});
        interp.run(inputs, [&](int, int value, const Tensor& t) {
            if (read[size_t(value)] && t.type() == DataType::Float32) out.stats[g.values[size_t(value)].name].add(t.data<float>(), t.shape(), channelsLast);
        });
    } catch (const std::exception& e) {  // an op the runtime lacks, the memory budget...: the rounding does without
        out.stats.clear();
        out.why = e.what();
    }
    return out;
}

}  // namespace qs
