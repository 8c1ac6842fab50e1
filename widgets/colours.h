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

}  // namespace qs
