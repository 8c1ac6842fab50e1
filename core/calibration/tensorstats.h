#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

namespace qs {

/** Streaming statistics of one tensor over all calibration samples, in fixed memory: exact min and max; mean,
 *  variance, zero count and a histogram from a bounded, evenly strided subsample of each tensor. The histogram
 *  covers a symmetric range [-R, R] that widens (re-binning its counts) when a larger magnitude arrives. Memory
 *  does not grow with the number of samples. */
class TensorStats {
public:
    static constexpr int kBins = 4096;

    // Mean, variance, sparsity and the histogram (which shapes KL and the percentile methods) come from a
    // deterministic strided subsample of about this many elements per tensor and sample (4096 unless set), so that
    // their cost stays bounded while the extremes stay exact.
    void setSampleSize(int64_t elements) { m_sampleSize = elements; }
    // the sample size for a calibration run of n samples: 2^18 elements per tensor in all, 2048 to 16384 per sample
    static int64_t sampleSizeFor(size_t n) { return std::clamp<int64_t>((int64_t(1) << 18) / int64_t(std::max<size_t>(n, 1)), 2048, 16384); }

    struct Extremes {  // of one sample: min and max of the finite values, and how many were NaN or Inf
        float min, max;
        int64_t nonFinite;
    };
    // One sample's contribution, computed without changing the statistics (so that the pass over the data can run on
    // one thread while apply() runs on another): exact extremes, per-channel sums and the strided subsample.
    struct Scan {
        Extremes extremes{0.f, 0.f, 0};
        int64_t count = 0;               // elements
        std::vector<double> channelSum;  // per channel (non-finite where the channel holds NaN/Inf); empty: none
        std::vector<float> samples;      // the subsample for histogram and moments
    };
    Scan scan(const float* data, int64_t n) const;
    // Also keeps per-channel sums for bias correction: along axis 1 (NCHW activations, [N, K] matrices), or along
    // the last axis with channelsLast (NHWC activations of TFLite models).
    Scan scan(const float* data, const std::vector<int64_t>& shape, bool channelsLast = false) const;
    // Same as scan(data, shape, channelsLast), for a tensor stored channel-blocked as oneDNN keeps convolution outputs
    // (nChw8c, nChw16c): memory [N][ceil(C / block)][spatial][block], lanes past C ignored. shape is the logical
    // shape ([N, C, spatial...], or [N, spatial..., C] with channelsLast). Extremes, counts and channel sums are those
    // of the plain tensor; the histogram takes as many samples, read in memory order (the same elements as the
    // plain tensor's only when the layout is plain, or when C is not a multiple of block).
    Scan scanBlocked(const float* data, const std::vector<int64_t>& shape, int64_t block, bool channelsLast = false) const;
    // Adds a sample's scan. Channel sums count when they have as many channels as the first sample's.
    void apply(const Scan& s);

    void add(const float* data, int64_t n) { apply(scan(data, n)); }
    void add(const float* data, const std::vector<int64_t>& shape, bool channelsLast = false) { apply(scan(data, shape, channelsLast)); }
    void addBlocked(const float* data, const std::vector<int64_t>& shape, int64_t block, bool channelsLast = false)
    {
        apply(scanBlocked(data, shape, block, channelsLast));
    }
    // return the mean of each channel (empty when the tensor has rank < 2)
    std::vector<double> channelMeans() const;

    double min() const { return m_min; }
    double max() const { return m_max; }
    // mean, variance and sparsity are estimated from the histogram's subsample; min and max are exact
    double mean() const { return m_histCount ? m_sum / double(m_histCount) : 0.0; }
    double variance() const;
    int64_t count() const { return m_count; }
    int64_t samples() const { return m_samples; }
    double meanSampleMin() const { return m_samples ? m_sumSampleMin / double(m_samples) : 0.0; }
    double meanSampleMax() const { return m_samples ? m_sumSampleMax / double(m_samples) : 0.0; }
    double sparsity() const { return m_histCount ? double(m_zeros) / double(m_histCount) : 0.0; }
    int64_t nonFinite() const { return m_nonFinite; }
    double range() const { return m_range; }  // R: the histogram covers [-R, R]
    const std::vector<int64_t>& histogram() const { return m_hist; }
    double binWidth() const { return 2.0 * m_range / kBins; }
    // return the value below which fraction q of the elements lie (from the histogram)
    double quantile(double q) const;
    // return the magnitude below which fraction q of the elements' |x| lie (from the histogram)
    double absQuantile(double q) const;
    // return the fraction of elements outside [lo, hi] (from the histogram)
    double clipRate(double lo, double hi) const;

private:
    void widen(double magnitude);
    // fills s from data[0, n) and its extremes e: finite extremes, the subsample (stride coprime with period)
    void finishScan(Scan& s, const float* data, int64_t n, const Extremes& e, int64_t period) const;
    // records one sample's extremes and count; false when it holds no finite value
    bool addExtremes(const Extremes& e, int64_t n);
    // adds the sampled elements of one sample to the histogram and moments
    void addSampled(const float* values, int64_t count, bool checkFinite);

    std::vector<int64_t> m_hist;
    int64_t m_histCount = 0;  // elements in the histogram (a subsample of large tensors)
    std::vector<double> m_channelSum;
    int64_t m_channelCount = 0;
    double m_range = 0.0;
    double m_min = 0.0, m_max = 0.0, m_sum = 0.0, m_sumSq = 0.0;
    double m_sumSampleMin = 0.0, m_sumSampleMax = 0.0;
    int64_t m_count = 0, m_zeros = 0, m_samples = 0, m_nonFinite = 0;
    int64_t m_sampleSize = 4096;
};

}  // namespace qs
