#pragma once
#include <QColor>

#include <algorithm>

namespace qs {

// The colour of a quantization error: cosine 0.99 and below red, 1 green (table cells and graph nodes alike).
inline QColor cosineColour(double cosine, double saturation = 0.6, double value = 0.9)
{
    double t = std::clamp((cosine - 0.99) / 0.01, 0.0, 1.0);
    return QColor::fromHsvF(0.33 * t, saturation, value);
}

// The colour of a node's error relative to a run's range [worst, best]: worst red, best green (the graph's scale, whose
// legend shows the range: a fixed threshold paints every node of a hard model red).
inline QColor relativeCosineColour(double cosine, double worst, double best, double saturation = 0.75, double value = 0.75)
{
    double t = best - worst > 1e-9 ? std::clamp((cosine - worst) / (best - worst), 0.0, 1.0) : 1.0;
    return QColor::fromHsvF(0.33 * t, saturation, value);
}

}  // namespace qs
