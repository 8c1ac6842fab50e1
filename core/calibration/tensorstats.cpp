#include "calibration/tensorstats.h"

#include <algorithm>
#include <cmath>

namespace qs {

void TensorStats::widen(double magnitude)
{
    // Grow by powers of two so that re-binning is rare and merges whole bins.
    double r = m_range > 0 ? m_range : std::max(magnitude, 1e-8);
    while (r < magnitude) r *= 2;
    if (m_hist.empty()) {
        m_hist.assign(kBins, 0);
        m_range = r;
        return;
    }
    if (r == m_range) return;
    std::vector<int64_t> h(kBins, 0);
    double oldW = 2 * m_range / kBins, newW = 2 * r / kBins;
    for (int b = 0; b < kBins; ++b) {
        if (!m_hist[size_t(b)]) continue;
        double center = -m_range + (b + 0.5) * oldW;
        int nb = std::clamp(int((center + r) / newW), 0, kBins - 1);
        h[size_t(nb)] += m_hist[size_t(b)];
    }
    m_hist.swap(h);
    m_range = r;
}

void TensorStats::add(const float* data, int64_t n)
{
    if (n <= 0) return;
    double lo = INFINITY, hi = -INFINITY, sum = 0, sq = 0;
    int64_t zeros = 0, bad = 0;
    for (int64_t i = 0; i < n; ++i) {
        float v = data[i];
        if (!std::isfinite(v)) {
            ++bad;
            continue;
        }
        lo = std::min(lo, double(v));
        hi = std::max(hi, double(v));
        sum += v;
        sq += double(v) * v;
        zeros += v == 0.f;
    }
    m_nonFinite += bad;
    if (bad == n) return;
    if (m_count == 0) {
        m_min = lo;
        m_max = hi;
    } else {
        m_min = std::min(m_min, lo);
        m_max = std::max(m_max, hi);
    }
    m_sumSampleMin += lo;
    m_sumSampleMax += hi;
    ++m_samples;
    m_sum += sum;
    m_sumSq += sq;
    m_count += n - bad;
    m_zeros += zeros;
    widen(std::max(std::fabs(lo), std::fabs(hi)));
    double scale = kBins / (2 * m_range);
    for (int64_t i = 0; i < n; ++i) {
        float v = data[i];
        if (!std::isfinite(v)) continue;
        int b = int((double(v) + m_range) * scale);
        ++m_hist[size_t(std::clamp(b, 0, kBins - 1))];
    }
}

void TensorStats::add(const float* data, const std::vector<int64_t>& shape)
{
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    add(data, n);
    if (shape.size() < 2 || n == 0) return;
    int64_t C = shape[1], inner = n / (shape[0] * C);
    if (m_channelSum.empty()) m_channelSum.assign(size_t(C), 0.0);
    if (m_channelSum.size() != size_t(C)) return;  // shape changed between samples: keep the first layout
    for (int64_t i = 0; i < n; ++i)
        if (std::isfinite(data[i])) m_channelSum[size_t((i / inner) % C)] += data[i];
    m_channelCount += n / C;
}

std::vector<double> TensorStats::channelMeans() const
{
    std::vector<double> m = m_channelSum;
    for (double& v : m) v = m_channelCount ? v / double(m_channelCount) : 0.0;
    return m;
}

double TensorStats::variance() const
{
    if (!m_count) return 0.0;
    double m = mean();
    return std::max(0.0, m_sumSq / double(m_count) - m * m);
}

double TensorStats::quantile(double q) const
{
    if (!m_count || m_hist.empty()) return 0.0;
    if (q <= 0) return m_min;
    if (q >= 1) return m_max;
    double target = q * double(m_count), acc = 0;
    double w = binWidth();
    for (int b = 0; b < kBins; ++b) {
        double c = double(m_hist[size_t(b)]);
        if (acc + c >= target && c > 0) {
            double frac = (target - acc) / c;
            return std::clamp(-m_range + (b + frac) * w, m_min, m_max);
        }
        acc += c;
    }
    return m_max;
}

double TensorStats::clipRate(double lo, double hi) const
{
    if (!m_count || m_hist.empty()) return 0.0;
    double w = binWidth(), outside = 0;
    for (int b = 0; b < kBins; ++b) {
        double a = -m_range + b * w, z = a + w;
        double c = double(m_hist[size_t(b)]);
        if (z <= lo || a >= hi) outside += c;
        else if (a < lo) outside += c * (lo - a) / w;
        else if (z > hi) outside += c * (z - hi) / w;
    }
    return outside / double(m_count);
}

}  // namespace qs
