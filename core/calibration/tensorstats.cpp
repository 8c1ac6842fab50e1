#include "calibration/tensorstats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "util/simd.h"

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

// Lane-wise min, max and sum over rows of B floats (rows * B contiguous), W lanes starting at p: four independent
// accumulators per lane, in registers, so that no min, max or add waits for the one before (one accumulator per lane
// ran 4-6 times slower, bound by the adds' latency).
template <int W>
[[gnu::always_inline]] inline void reduceLanes(const float* __restrict p, int64_t rows, int64_t B, float* __restrict lo,
                                               float* __restrict hi, float* __restrict acc)
{
    constexpr int U = 4;
    float l[U][W], h[U][W], a[U][W];
    for (int u = 0; u < U; ++u)
        for (int k = 0; k < W; ++k) l[u][k] = lo[k], h[u][k] = hi[k], a[u][k] = 0.f;
    int64_t r = 0;
    for (; r + U <= rows; r += U, p += U * B)
        for (int u = 0; u < U; ++u)
            for (int k = 0; k < W; ++k) {
                float x = p[u * B + k];
                l[u][k] = std::min(l[u][k], x);
                h[u][k] = std::max(h[u][k], x);
                a[u][k] += x;
            }
    for (; r < rows; ++r, p += B)
        for (int k = 0; k < W; ++k) {
            l[0][k] = std::min(l[0][k], p[k]);
            h[0][k] = std::max(h[0][k], p[k]);
            a[0][k] += p[k];
        }
    for (int k = 0; k < W; ++k) {
        lo[k] = std::min(std::min(l[0][k], l[1][k]), std::min(l[2][k], l[3][k]));
        hi[k] = std::max(std::max(h[0][k], h[1][k]), std::max(h[2][k], h[3][k]));
        acc[k] += (a[0][k] + a[1][k]) + (a[2][k] + a[3][k]);
    }
}

// Lane-wise min, max and sum over rows of B floats (rows * B contiguous), into lo, hi and acc (B each). NaN never
// wins a min or max here; it makes its lane's sum NaN, which is how callers notice it. Also built for AVX2 and
// AVX-512, chosen at run time (see util/simd.h).
QS_SIMD_CLONES
void reduceRows(const float* __restrict p, int64_t rows, int64_t B, float* __restrict lo, float* __restrict hi, float* __restrict acc)
{
    int64_t l0 = 0;
    for (; l0 + 16 <= B; l0 += 16) reduceLanes<16>(p + l0, rows, B, lo + l0, hi + l0, acc + l0);
    if (l0 + 8 <= B) reduceLanes<8>(p + l0, rows, B, lo + l0, hi + l0, acc + l0), l0 += 8;
    for (; l0 < B; ++l0) reduceLanes<1>(p + l0, rows, B, lo + l0, hi + l0, acc + l0);
}

// Exact extremes of every element in one pass, and with sum the sum of the elements. NaN and Inf are counted (a
// second pass, only when the sum is not finite), and when there are any the caller recomputes the extremes without them.
Extremes extremes(const float* data, int64_t n, double* sum = nullptr)
{
    constexpr int64_t W = 16, kRows = 64;  // rows of 16 floats; float lane sums over 64 rows at a time
    float lo[W], hi[W], acc[W];
    std::fill(lo, lo + W, INFINITY);
    std::fill(hi, hi + W, -INFINITY);
    std::fill(acc, acc + W, 0.f);
    Extremes e{INFINITY, -INFINITY, 0};
    double total = 0;
    const int64_t rows = n / W;
    for (int64_t r0 = 0; r0 < rows; r0 += kRows) {
        reduceRows(data + r0 * W, std::min(kRows, rows - r0), W, lo, hi, acc);
        for (int64_t k = 0; k < W; ++k) total += acc[k], acc[k] = 0.f;
    }
    for (int64_t k = 0; k < W; ++k) e.min = std::min(e.min, lo[k]), e.max = std::max(e.max, hi[k]);
    for (int64_t i = rows * W; i < n; ++i) e.min = std::min(e.min, data[i]), e.max = std::max(e.max, data[i]), total += data[i];
    if (!std::isfinite(total))
        for (int64_t i = 0; i < n; ++i) e.nonFinite += !(std::fabs(data[i]) <= std::numeric_limits<float>::max());
    if (sum) *sum = total;
    return e;
}
}  // namespace

TensorStats::Scan TensorStats::scan(const float* data, int64_t n) const
{
    Scan s;
    if (n > 0) finishScan(s, data, n, extremes(data, n), 1);
    return s;
}

namespace {
// period: the length of the innermost dimension in memory (W for NCHW, C for NHWC and channel blocks). A stride
// sharing a factor with it would sample some columns or channels only (stride 24 over 8 channels in NHWC sees
// channel 0 alone, and KL then clips every other channel), so the stride is made coprime with it.
int64_t sampleStride(int64_t n, int64_t period, int64_t samples)
{
    int64_t stride = std::max<int64_t>(1, n / std::max<int64_t>(samples, 1));
    while (stride > 1 && period > 1 && std::gcd(stride, period) != 1) ++stride;
    return stride;
}
// return every stride-th element of data[0, n)
std::vector<float> gatherStrided(const float* data, int64_t n, int64_t stride)
{
    std::vector<float> out(size_t((n + stride - 1) / stride));
    for (int64_t k = 0, i = 0; k < n; k += stride, ++i) out[size_t(i)] = data[k];
    return out;
}
}  // namespace

bool TensorStats::addExtremes(const Extremes& e, int64_t n)
{
    m_nonFinite += e.nonFinite;
    if (e.nonFinite == n) return false;
    if (m_count == 0) {
        m_min = e.min;
        m_max = e.max;
    } else {
        m_min = std::min<double>(m_min, e.min);
        m_max = std::max<double>(m_max, e.max);
    }
    m_sumSampleMin += e.min;
    m_sumSampleMax += e.max;
    ++m_samples;
    m_count += n - e.nonFinite;
    widen(std::max(std::fabs(double(e.min)), std::fabs(double(e.max))));
    return true;
}

void TensorStats::addSampled(const float* values, int64_t count, bool checkFinite)
{
    const float scale = float(kBins / (2 * m_range)), offset = float(m_range);
    // Local accumulators (the histogram's int64 stores would otherwise force members through memory), four of each
    // so that the additions do not wait on one another.
    int64_t taken = 0, zeros = 0;
    double sum[4] = {0, 0, 0, 0}, sumSq[4] = {0, 0, 0, 0};
    int64_t* hist = m_hist.data();
    auto take = [&](float v, int lane) {
        int bin = int((v + offset) * scale);
        ++hist[std::clamp(bin, 0, kBins - 1)];
        sum[lane] += v;
        sumSq[lane] += double(v) * v;
        zeros += v == 0.f;
    };
    int64_t k = 0;
    if (!checkFinite) {
        for (; k + 4 <= count; k += 4)
            for (int lane = 0; lane < 4; ++lane) take(values[k + lane], lane);
        taken = k;
    }
    for (; k < count; ++k)
        if (!checkFinite || std::isfinite(values[k])) take(values[k], 0), ++taken;
    m_histCount += taken;
    m_zeros += zeros;
    m_sum += (sum[0] + sum[1]) + (sum[2] + sum[3]);
    m_sumSq += (sumSq[0] + sumSq[1]) + (sumSq[2] + sumSq[3]);
}

void TensorStats::finishScan(Scan& s, const float* data, int64_t n, const Extremes& e, int64_t period) const
{
    s.count = n;
    s.extremes = e;
    if (e.nonFinite) {
        s.extremes.min = INFINITY, s.extremes.max = -INFINITY;
        for (int64_t k = 0; k < n; ++k)
            if (std::isfinite(data[k])) s.extremes.min = std::min(s.extremes.min, data[k]), s.extremes.max = std::max(s.extremes.max, data[k]);
    }
    if (e.nonFinite == n) return;
    s.samples = gatherStrided(data, n, sampleStride(n, period, m_sampleSize));
}

void TensorStats::apply(const Scan& s)
{
    if (s.count <= 0) return;
    // channel sums, unless the shape changed since the first sample (its sums are kept); a channel holding NaN or Inf
    // has a non-finite sum and says nothing useful
    const size_t C = s.channelSum.size();
    if (C && (m_channelSum.empty() || m_channelSum.size() == C)) {
        if (m_channelSum.empty()) m_channelSum.assign(C, 0.0);
        for (size_t c = 0; c < C; ++c)
            if (std::isfinite(s.channelSum[c])) m_channelSum[c] += s.channelSum[c];
        m_channelCount += s.count / int64_t(C);
    }
    if (!addExtremes(s.extremes, s.count)) return;
    addSampled(s.samples.data(), int64_t(s.samples.size()), s.extremes.nonFinite != 0);
}

TensorStats::Scan TensorStats::scanBlocked(const float* data, const std::vector<int64_t>& shape, int64_t B, bool channelsLast) const
{
    Scan out;
    if (shape.size() < 2 || B <= 0) return out;
    int64_t N = shape[0], C = channelsLast ? shape.back() : shape[1];
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    if (n <= 0 || N <= 0 || C <= 0) return out;
    const int64_t S = n / (N * C), Cb = (C + B - 1) / B;
    out.count = n;
    out.channelSum.assign(size_t(C), 0.0);
    // Extremes and channel sums, block by block: B lanes side by side vectorize. A lane holding NaN or Inf ends
    // with a non-finite sum; only then is its block scanned again element by element.
    Extremes all{INFINITY, -INFINITY, 0};
    const size_t lanes = static_cast<size_t>(B);
    std::vector<float> lo(lanes), hi(lanes), acc(lanes);
    std::vector<double> laneSum(lanes);
    for (int64_t b = 0; b < N; ++b)
        for (int64_t cb = 0; cb < Cb; ++cb) {
            const float* p = data + (b * Cb + cb) * S * B;
            const int64_t valid = std::min(B, C - cb * B);
            for (int64_t l = 0; l < B; ++l) lo[size_t(l)] = INFINITY, hi[size_t(l)] = -INFINITY, acc[size_t(l)] = 0.f, laneSum[size_t(l)] = 0.0;
            for (int64_t s0 = 0; s0 < S; s0 += 64) {
                reduceRows(p + s0 * B, std::min(S, s0 + 64) - s0, B, lo.data(), hi.data(), acc.data());
                for (int64_t l = 0; l < B; ++l) laneSum[size_t(l)] += acc[size_t(l)], acc[size_t(l)] = 0.f;
            }
            for (int64_t l = 0; l < valid; ++l) {
                out.channelSum[size_t(cb * B + l)] += laneSum[size_t(l)];  // non-finite when the lane holds NaN/Inf
                if (std::isfinite(laneSum[size_t(l)])) {
                    all.min = std::min(all.min, lo[size_t(l)]);
                    all.max = std::max(all.max, hi[size_t(l)]);
                    continue;
                }
                for (int64_t sp = 0; sp < S; ++sp) {
                    float x = p[sp * B + l];
                    if (!std::isfinite(x)) ++all.nonFinite;
                    else all.min = std::min(all.min, x), all.max = std::max(all.max, x);
                }
            }
        }
    out.extremes = all;
    if (all.nonFinite == n) return out;
    // Without padded lanes the histogram samples the buffer as it lies (every stride-th element in memory order: the
    // same count, other elements than a plain copy's, read sequentially). With padding, walk the logical index with
    // counters (n, c, s) in NCHW order or (n, s, c) in NHWC order and map each to its blocked address.
    if (C % B == 0) {
        out.samples = gatherStrided(data, n, sampleStride(n, B, m_sampleSize));
        return out;
    }
    const int64_t stride = sampleStride(n, shape.back(), m_sampleSize);
    int64_t bn = 0, c = 0, sp = 0;
    const int64_t inner = channelsLast ? C : S, outer = channelsLast ? S : C;  // fastest, then next
    int64_t& fast = channelsLast ? c : sp;
    int64_t& slow = channelsLast ? sp : c;
    const int64_t addFast = stride % inner, addSlow = (stride / inner) % outer, addN = stride / (inner * outer);
    std::vector<int64_t> channelOffset(static_cast<size_t>(C));  // where channel c's lane starts, without a division per sample
    for (int64_t k = 0; k < C; ++k) channelOffset[size_t(k)] = (k / B) * S * B + k % B;
    const int64_t batchStride = Cb * S * B;
    std::vector<float>& picked = out.samples;
    picked.reserve(size_t((n + stride - 1) / stride));
    for (int64_t k = 0; k < n; k += stride) {
        picked.push_back(data[bn * batchStride + channelOffset[size_t(c)] + sp * B]);
        fast += addFast;
        slow += addSlow;
        bn += addN;
        if (fast >= inner) fast -= inner, ++slow;
        if (slow >= outer) slow -= outer, ++bn;
    }
    return out;
}

TensorStats::Scan TensorStats::scan(const float* data, const std::vector<int64_t>& shape, bool channelsLast) const
{
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    int64_t C = shape.size() >= 2 ? (channelsLast ? shape.back() : shape[1]) : 0;
    if (n == 0 || C <= 0) return scan(data, n);  // no channels
    if (channelsLast) return scanBlocked(data, shape, C, true);  // NHWC is one block of all C channels
    // NCHW: one pass over each channel's plane gives its sum and the tensor's extremes together.
    Scan s;
    s.channelSum.assign(size_t(C), 0.0);
    int64_t inner = n / (shape[0] * C);
    Extremes all{INFINITY, -INFINITY, 0};
    for (int64_t b = 0; b < shape[0]; ++b)
        for (int64_t c = 0; c < C; ++c) {
            double sum = 0;
            Extremes e = extremes(data + (b * C + c) * inner, inner, &sum);
            all.min = std::min(all.min, e.min);
            all.max = std::max(all.max, e.max);
            all.nonFinite += e.nonFinite;
            s.channelSum[size_t(c)] += sum;
        }
    finishScan(s, data, n, all, shape.back());
    return s;
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
