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

namespace {
struct Moments {
    double min, max, sum, sumSq;
    int64_t zeros;
};

// Exact moments in one vectorisable pass (sixteen independent float lanes within 4096-element blocks, folded into
// double totals after each block). NaN/Inf poison the lane sums, which the caller takes as the sign to go down
// its slow path.
Moments moments(const float* data, int64_t n)
{
    constexpr int L = 16;
    float lo[L], hi[L];
    double sum[L] = {}, sq[L] = {};
    int64_t zeros[L] = {};
    for (int l = 0; l < L; ++l) lo[l] = hi[l] = data[0];
    int64_t i = 0;
    for (; i + L <= n;) {
        float bs[L] = {}, bq[L] = {};
        int32_t bz[L] = {};
        int64_t end = std::min(n - (n - i) % L, i + 4096);
        for (; i < end; i += L)
            for (int l = 0; l < L; ++l) {
                float v = data[i + l];
                lo[l] = v < lo[l] ? v : lo[l];
                hi[l] = v > hi[l] ? v : hi[l];
                bs[l] += v;
                bq[l] += v * v;
                bz[l] += v == 0.f;
            }
        for (int l = 0; l < L; ++l) {
            sum[l] += bs[l];
            sq[l] += bq[l];
            zeros[l] += bz[l];
        }
    }
    for (; i < n; ++i) {
        float v = data[i];
        lo[0] = std::min(lo[0], v);
        hi[0] = std::max(hi[0], v);
        sum[0] += v;
        sq[0] += double(v) * v;
        zeros[0] += v == 0.f;
    }
    Moments m{lo[0], hi[0], 0, 0, 0};
    for (int l = 0; l < L; ++l) {
        m.min = std::min(m.min, double(lo[l]));
        m.max = std::max(m.max, double(hi[l]));
        m.sum += sum[l];
        m.sumSq += sq[l];
        m.zeros += zeros[l];
    }
    return m;
}
}  // namespace

void TensorStats::add(const float* data, int64_t n)
{
    if (n <= 0) return;
    Moments m = moments(data, n);
    double tMin = m.min, tMax = m.max, tSum = m.sum, tSq = m.sumSq;
    int64_t tZeros = m.zeros, bad = 0;
    if (!std::isfinite(tSum) || !std::isfinite(tSq) || !std::isfinite(tMin) || !std::isfinite(tMax)) {
        tMin = INFINITY, tMax = -INFINITY, tSum = 0, tSq = 0, tZeros = 0;
        for (int64_t k = 0; k < n; ++k) {
            float v = data[k];
            if (!std::isfinite(v)) {
                ++bad;
                continue;
            }
            tMin = std::min(tMin, double(v));
            tMax = std::max(tMax, double(v));
            tSum += v;
            tSq += double(v) * v;
            tZeros += v == 0.f;
        }
    }
    m_nonFinite += bad;
    if (bad == n) return;
    if (m_count == 0) {
        m_min = tMin;
        m_max = tMax;
    } else {
        m_min = std::min(m_min, tMin);
        m_max = std::max(m_max, tMax);
    }
    m_sumSampleMin += tMin;
    m_sumSampleMax += tMax;
    ++m_samples;
    m_sum += tSum;
    m_sumSq += tSq;
    m_count += n - bad;
    m_zeros += tZeros;
    widen(std::max(std::fabs(tMin), std::fabs(tMax)));
    // The histogram shapes ranges (KL, percentiles); a deterministic subsample of at most kHistSample elements per
    // tensor and sample keeps its cost bounded while min and max above stay exact.
    constexpr int64_t kHistSample = 1 << 13;
    int64_t stride = std::max<int64_t>(1, n / kHistSample);
    double scale = kBins / (2 * m_range);
    for (int64_t k = 0; k < n; k += stride) {
        float v = data[k];
        if (!std::isfinite(v)) continue;
        int bin = int((double(v) + m_range) * scale);
        ++m_hist[size_t(std::clamp(bin, 0, kBins - 1))];
        ++m_histCount;
    }
}

void TensorStats::add(const float* data, const std::vector<int64_t>& shape, bool channelsLast)
{
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    add(data, n);
    if (shape.size() < 2 || n == 0) return;
    int64_t C = channelsLast ? shape.back() : shape[1];
    if (C <= 0) return;
    if (m_channelSum.empty()) m_channelSum.assign(size_t(C), 0.0);
    if (m_channelSum.size() != size_t(C)) return;  // shape changed between samples: keep the first layout
    if (channelsLast) {
        // rows of C channels: accumulate in float per row block, in double across blocks
        std::vector<float> block(size_t(C), 0.f);
        int64_t rows = n / C;
        for (int64_t r = 0; r < rows; ++r) {
            const float* p = data + r * C;
            for (int64_t c = 0; c < C; ++c) block[size_t(c)] += p[c];
            if ((r + 1) % 64 == 0 || r + 1 == rows) {
                for (int64_t c = 0; c < C; ++c) {
                    if (std::isfinite(block[size_t(c)])) m_channelSum[size_t(c)] += block[size_t(c)];
                    block[size_t(c)] = 0.f;
                }
            }
        }
        m_channelCount += rows;
        return;
    }
    int64_t N = shape[0], inner = n / (N * C);
    for (int64_t b = 0; b < N; ++b)
        for (int64_t c = 0; c < C; ++c) {
            const float* p = data + (b * C + c) * inner;
            float lanes[8] = {};
            int64_t k = 0;
            for (; k + 8 <= inner; k += 8)
                for (int l = 0; l < 8; ++l) lanes[l] += p[k + l];
            double acc = 0;
            for (; k < inner; ++k) acc += p[k];
            for (float v : lanes) acc += v;
            if (std::isfinite(acc)) m_channelSum[size_t(c)] += acc;  // a channel with NaN/Inf says nothing useful
        }
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
    if (!m_histCount || m_hist.empty()) return 0.0;
    if (q <= 0) return m_min;
    if (q >= 1) return m_max;
    double target = q * double(m_histCount), acc = 0;
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

double TensorStats::absQuantile(double q) const
{
    double top = std::max(std::fabs(m_min), std::fabs(m_max));
    if (!m_histCount || m_hist.empty() || q >= 1) return top;
    // Fold the signed histogram onto magnitudes: bin b and its mirror kBins-1-b hold the same |x| range.
    double target = q * double(m_histCount), acc = 0, w = binWidth();
    for (int b = kBins / 2; b < kBins; ++b) {
        double c = double(m_hist[size_t(b)] + m_hist[size_t(kBins - 1 - b)]);
        if (acc + c >= target && c > 0) return std::min(top, (b - kBins / 2 + (target - acc) / c) * w);
        acc += c;
    }
    return top;
}

double TensorStats::clipRate(double lo, double hi) const
{
    if (!m_histCount || m_hist.empty()) return 0.0;
    double w = binWidth(), outside = 0;
    for (int b = 0; b < kBins; ++b) {
        double a = -m_range + b * w, z = a + w;
        double c = double(m_hist[size_t(b)]);
        if (z <= lo || a >= hi) outside += c;
        else if (a < lo) outside += c * (lo - a) / w;
        else if (z > hi) outside += c * (z - hi) / w;
    }
    return outside / double(m_histCount);
}

}  // namespace qs
