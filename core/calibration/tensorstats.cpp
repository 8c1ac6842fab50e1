#include "calibration/tensorstats.h"

#include <algorithm>
#include <cmath>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
using Extremes = TensorStats::Extremes;

// Exact extremes of every element in one pass (SSE: four lanes, two accumulators); NaN and Inf are counted, and
// when there are any the caller recomputes the extremes without them.
// sum: when given, also the sum of the elements (float lanes; NaN/Inf make it non-finite)
Extremes extremes(const float* data, int64_t n, double* sum = nullptr)
{
    Extremes e{data[0], data[0], 0};
    int64_t i = 0;
    double total = 0;
#if defined(__SSE2__)
    __m128 lo0 = _mm_set1_ps(data[0]), hi0 = lo0, lo1 = lo0, hi1 = lo0, s0 = _mm_setzero_ps(), s1 = s0;
    const __m128 absMask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff)), top = _mm_set1_ps(std::numeric_limits<float>::max());
    for (; i + 8 <= n; i += 8) {
        __m128 a = _mm_loadu_ps(data + i), b = _mm_loadu_ps(data + i + 4);
        lo0 = _mm_min_ps(lo0, a), hi0 = _mm_max_ps(hi0, a);
        lo1 = _mm_min_ps(lo1, b), hi1 = _mm_max_ps(hi1, b);
        if (sum) s0 = _mm_add_ps(s0, a), s1 = _mm_add_ps(s1, b);
        // not (|x| <= FLT_MAX): Inf, and NaN (unordered)
        int bad = _mm_movemask_ps(_mm_cmpnle_ps(_mm_and_ps(a, absMask), top)) | (_mm_movemask_ps(_mm_cmpnle_ps(_mm_and_ps(b, absMask), top)) << 4);
        if (bad) e.nonFinite += __builtin_popcount(unsigned(bad));
    }
    alignas(16) float l[4], h[4], t[4];
    _mm_store_ps(l, _mm_min_ps(lo0, lo1));
    _mm_store_ps(h, _mm_max_ps(hi0, hi1));
    _mm_store_ps(t, _mm_add_ps(s0, s1));
    for (int k = 0; k < 4; ++k) e.min = std::min(e.min, l[k]), e.max = std::max(e.max, h[k]), total += t[k];
#endif
    for (; i < n; ++i) {
        float v = data[i];
        e.min = std::min(e.min, v);
        e.max = std::max(e.max, v);
        e.nonFinite += !(std::fabs(v) <= std::numeric_limits<float>::max());
        total += v;
    }
    if (sum) *sum = total;
    return e;
}
}  // namespace

void TensorStats::add(const float* data, int64_t n)
{
    if (n > 0) addScanned(data, n, extremes(data, n));
}

void TensorStats::addScanned(const float* data, int64_t n, const Extremes& e)
{
    double tMin = e.min, tMax = e.max;
    if (e.nonFinite) {
        tMin = INFINITY, tMax = -INFINITY;
        for (int64_t k = 0; k < n; ++k)
            if (std::isfinite(data[k])) tMin = std::min(tMin, double(data[k])), tMax = std::max(tMax, double(data[k]));
    }
    m_nonFinite += e.nonFinite;
    if (e.nonFinite == n) return;
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
    m_count += n - e.nonFinite;
    widen(std::max(std::fabs(tMin), std::fabs(tMax)));
    // Mean, variance, sparsity and the histogram (which shapes KL and the percentile methods) come from a
    // deterministic strided subsample of at most kSample elements per tensor and sample: their cost stays bounded
    // while the extremes above stay exact.
    constexpr int64_t kSample = 1 << 13;
    int64_t stride = std::max<int64_t>(1, n / kSample);
    const double scale = kBins / (2 * m_range), offset = m_range;
    // local accumulators: the histogram's int64 stores would otherwise force the members through memory each step
    int64_t count = 0, zeros = 0;
    double sum = 0, sumSq = 0;
    int64_t* hist = m_hist.data();
    auto take = [&](float v) {
        int bin = int((double(v) + offset) * scale);
        ++hist[std::clamp(bin, 0, kBins - 1)];
        ++count;
        sum += v;
        sumSq += double(v) * v;
        zeros += v == 0.f;
    };
    if (e.nonFinite) {
        for (int64_t k = 0; k < n; k += stride)
            if (std::isfinite(data[k])) take(data[k]);
    } else {
        for (int64_t k = 0; k < n; k += stride) take(data[k]);
    }
    m_histCount += count;
    m_zeros += zeros;
    m_sum += sum;
    m_sumSq += sumSq;
}

void TensorStats::add(const float* data, const std::vector<int64_t>& shape, bool channelsLast)
{
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    int64_t C = shape.size() >= 2 ? (channelsLast ? shape.back() : shape[1]) : 0;
    if (n == 0 || C <= 0 || (!m_channelSum.empty() && m_channelSum.size() != size_t(C))) {
        add(data, n);  // no channels, or the shape changed between samples: keep the first layout's sums
        return;
    }
    if (m_channelSum.empty()) m_channelSum.assign(size_t(C), 0.0);
    if (channelsLast) {
        add(data, n);
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
    // NCHW: one pass over each channel's plane gives its sum and the tensor's extremes together.
    int64_t inner = n / (shape[0] * C);
    Extremes all{data[0], data[0], 0};
    for (int64_t b = 0; b < shape[0]; ++b)
        for (int64_t c = 0; c < C; ++c) {
            double sum = 0;
            Extremes e = extremes(data + (b * C + c) * inner, inner, &sum);
            all.min = std::min(all.min, e.min);
            all.max = std::max(all.max, e.max);
            all.nonFinite += e.nonFinite;
            if (std::isfinite(sum)) m_channelSum[size_t(c)] += sum;  // a channel with NaN/Inf says nothing useful
        }
    m_channelCount += n / C;
    addScanned(data, n, all);
}

std::vector<double> TensorStats::channelMeans() const
{
    std::vector<double> m = m_channelSum;
    for (double& v : m) v = m_channelCount ? v / double(m_channelCount) : 0.0;
    return m;
}

double TensorStats::variance() const
{
    if (!m_histCount) return 0.0;
    double m = mean();
    return std::max(0.0, m_sumSq / double(m_histCount) - m * m);
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
    // The exact extremes settle a side without the histogram: nothing lies below lo when lo <= min (ReLU outputs
    // with lo = 0 would otherwise count the zeros sharing a bin with slightly negative edges as clipped).
    bool below = lo > m_min, above = hi < m_max;
    double w = binWidth(), outside = 0;
    for (int b = 0; b < kBins; ++b) {
        double a = -m_range + b * w, z = a + w;
        double c = double(m_hist[size_t(b)]);
        if ((below && z <= lo) || (above && a >= hi)) outside += c;
        else if (below && a < lo) outside += c * (lo - a) / w;
        else if (above && z > hi) outside += c * (z - hi) / w;
    }
    return outside / double(m_histCount);
}

}  // namespace qs
