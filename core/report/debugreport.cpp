#include "report/debugreport.h"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "graph/error.h"
#include "quant/optypes.h"
#include "quant/weightquant.h"
#include "runtime/interpreter.h"
#include "util/atomicfile.h"
#include "util/simd.h"

namespace qs {

namespace {

struct Summary {
    double min = 0, q1 = 0, median = 0, q3 = 0, max = 0, mean = 0, var = 0, sparsity = 0;
};

constexpr int kBins = 4096;

// out[i] = the bin of v[i] among kBins over [lo, lo + kBins / scale]
QS_SIMD_CLONES void binsOf(const float* v, size_t n, float lo, float scale, uint16_t* out)
{
    for (size_t i = 0; i < n; ++i) out[i] = uint16_t(std::min(kBins - 1, int((v[i] - lo) * scale)));
}

// The values of v at ranks ks (ascending) into out, exactly, without reordering v: a histogram over [lo, hi] (the
// extremes of v, finite, lo < hi) finds the bin each rank lies in, and only those bins' values are ordered. A bin
// index is monotone in the value, so every value of an earlier bin is no larger. false: the range is too narrow
// for the bins (the caller orders a copy instead).
bool ranksByHistogram(const std::vector<float>& v, float lo, float hi, const size_t (&ks)[3], double (&out)[3])
{
    const float scale = float(kBins) / (hi - lo);
    if (!std::isfinite(scale) || !(scale > 0)) return false;
    thread_local std::vector<uint32_t> counts;
    thread_local std::vector<uint16_t> binOf;  // each value's bin, computed once (in vector registers)
    binOf.resize(v.size());
    binsOf(v.data(), v.size(), lo, scale, binOf.data());
    // Counted in four histograms, one per position mod 4, added after: a run of values in one bin (the zeros after a
    // ReLU) would otherwise make each increment wait for the one before.
    counts.assign(4 * kBins, 0);
    size_t i = 0;
    for (; i + 4 <= binOf.size(); i += 4)
        for (size_t k = 0; k < 4; ++k) ++counts[k * kBins + binOf[i + k]];
    for (; i < binOf.size(); ++i) ++counts[binOf[i]];
    for (size_t b = 0; b < size_t(kBins); ++b) counts[b] += counts[kBins + b] + counts[2 * kBins + b] + counts[3 * kBins + b];
    int bins[3] = {-1, -1, -1};
    size_t within[3] = {0, 0, 0}, below = 0;
    for (int i = 0, j = 0; i < kBins && j < 3; below += counts[size_t(i)], ++i)
        for (; j < 3 && ks[j] < below + counts[size_t(i)]; ++j) bins[j] = i, within[j] = ks[j] - below;
    if (bins[2] < 0) return false;
    thread_local std::vector<float> in[3];
    for (auto& b : in) b.clear();
    for (size_t i = 0; i < v.size(); ++i) {
        const int b = binOf[i];
        for (int j = 0; j < 3; ++j)
            if (b == bins[j]) {
                in[j].push_back(v[i]);
                break;  // the ranks sharing a bin share its values (read from the first such bin below)
            }
    }
    for (int j = 0; j < 3; ++j) {
        int from = j;
        while (from > 0 && bins[from - 1] == bins[j]) --from;
        std::vector<float>& values = in[from];
        std::nth_element(values.begin(), values.begin() + long(within[j]), values.end());
        out[j] = values[within[j]];
    }
    return true;
}

struct Moments {
    double sum = 0, sq = 0;
    size_t zeros = 0;
    float lo = 0, hi = 0;
};

// The sum, sum of squares, zeros and extremes of v[0..n), n > 0, in 16 independent lanes (vector registers; one
// chain of additions would wait on each one's latency).
QS_SIMD_CLONES Moments moments(const float* v, size_t n)
{
    constexpr size_t kLanes = 16;
    double sum[kLanes] = {}, sq[kLanes] = {};
    uint32_t zeros[kLanes] = {};
    float lo[kLanes], hi[kLanes];
    std::fill(lo, lo + kLanes, v[0]);
    std::fill(hi, hi + kLanes, v[0]);
    size_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (size_t k = 0; k < kLanes; ++k) {
            const float x = v[i + k];
            sum[k] += double(x);
            sq[k] += double(x) * double(x);
            zeros[k] += x == 0.f;
            lo[k] = std::min(lo[k], x);
            hi[k] = std::max(hi[k], x);
        }
    for (size_t k = 0; i < n; ++i, ++k) {
        const float x = v[i];
        sum[k] += double(x);
        sq[k] += double(x) * double(x);
        zeros[k] += x == 0.f;
        lo[k] = std::min(lo[k], x);
        hi[k] = std::max(hi[k], x);
    }
    Moments m;
    m.lo = lo[0], m.hi = hi[0];
    for (size_t k = 0; k < kLanes; ++k) {
        m.sum += sum[k], m.sq += sq[k], m.zeros += zeros[k];
        m.lo = std::min(m.lo, lo[k]), m.hi = std::max(m.hi, hi[k]);
    }
    return m;
}

Summary summarize(const std::vector<float>& values)
{
    Summary s;
    if (values.empty()) return s;
    const auto [sum, sq, zeros, lo, hi] = moments(values.data(), values.size());
    const size_t n = values.size();
    s.mean = sum / double(n);
    s.var = std::max(0.0, sq / double(n) - s.mean * s.mean);
    s.sparsity = double(zeros) / double(n);
    s.min = lo;
    s.max = hi;
    const auto k = [&](double q) { return size_t(q * double(n - 1)); };
    const size_t ks[3] = {k(0.25), k(0.5), k(0.75)};
    double q[3];
    // large tensors: the quartiles from a histogram and the few values in their bins (a copy ordered three times
    // cost most of the debug reports' time)
    if (n >= 65536 && std::isfinite(lo) && std::isfinite(hi) && lo < hi && ranksByHistogram(values, lo, hi, ks, q)) {
        s.q1 = q[0], s.median = q[1], s.q3 = q[2];
        return s;
    }
    // the median first; then Q1 among the values below it and Q3 among those above (nth_element leaves them there)
    thread_local std::vector<float> v;  // one buffer per thread, reused (fresh multi-megabyte copies cost page faults)
    v.assign(values.begin(), values.end());
    std::nth_element(v.begin(), v.begin() + long(ks[1]), v.end());
    s.median = v[ks[1]];
    std::nth_element(v.begin(), v.begin() + long(ks[0]), v.begin() + long(ks[1]));
    s.q1 = v[ks[0]];
    std::nth_element(v.begin() + long(ks[1]), v.begin() + long(ks[2]), v.end());
    s.q3 = v[ks[2]];
    return s;
}

// The number of v[0..n) outside [lo, hi].
QS_SIMD_CLONES size_t countOutside(const float* v, size_t n, double lo, double hi)
{
    size_t out = 0;
    for (size_t i = 0; i < n; ++i) out += v[i] < lo || v[i] > hi;
    return out;
}

// The interval outside which the quantization with p clips: more than half a step beyond the grid's ends (closer
// values round to the end as any value rounds); unbounded on a side where the range was cut at the tensor's live
// interval (QuantPlan::liveRanges: what lies beyond makes no difference to its readers).
std::pair<double, double> clipLimits(const QuantParams& p, std::pair<double, double> live)
{
    const double s = p.scale[0], zp = p.zeroPoint.empty() ? 0 : p.zeroPoint[0];
    return {std::isfinite(live.first) ? -INFINITY : (double(p.qmin()) - zp) * s - 0.5 * s,
            std::isfinite(live.second) ? INFINITY : (double(p.qmax()) - zp) * s + 0.5 * s};
}

// The fraction of values the quantization clips (clipLimits).
double clipRate(const float* v, size_t n, const QuantParams& p, std::pair<double, double> live)
{
    if (p.scale.empty() || n == 0 || p.scale.size() != 1) return 0;
    const auto [lo, hi] = clipLimits(p, live);
    return double(countOutside(v, n, lo, hi)) / double(n);
}

TensorRow row(const Node& n, const std::string& tensor, const char* inOut, const char* dataType, const char* tensorType,
              const Summary& s, double clip, double cos)
{
    return {n.name, n.sourceOpType.empty() ? n.opType : n.sourceOpType, tensor, inOut, dataType, tensorType,
            s.min, s.q1, s.median, s.q3, s.max, s.mean, s.var, s.sparsity, clip, cos};
}

// One tensor's two distributions (float and dequantized), its clip rate and cosine: computed once per tensor, however
// many nodes read it.
struct Compared {
    bool weight = false;
    Summary origin, dequant;
    double clip = 0, cosine = 1;
};


std::string number(double v)
{
    std::ostringstream ss;
    ss.precision(9);
    ss << v;
    return ss.str();
}

}  // namespace

std::string csvCell(const std::string& s)
{
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

namespace {
// The dot product of min(max(a, lo), hi) and b and their squared norms over n values, in double: eight independent
// sums of each kind, so that the additions pipeline and vectorise (one chain would wait on each addition's latency).
QS_SIMD_CLONES std::array<double, 3> dotAndNorms(const float* a, const float* b, size_t n, float lo, float hi)
{
    constexpr size_t kLanes = 8;
    double d[kLanes] = {}, x[kLanes] = {}, y[kLanes] = {};
    size_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (size_t k = 0; k < kLanes; ++k) {
            const double p = std::min(std::max(a[i + k], lo), hi), q = b[i + k];
            d[k] += p * q;
            x[k] += p * p;
            y[k] += q * q;
        }
    for (size_t k = 0; i < n; ++i, ++k) {
        const double p = std::min(std::max(a[i], lo), hi), q = b[i];
        d[k] += p * q;
        x[k] += p * p;
        y[k] += q * q;
    }
    std::array<double, 3> s{};
    for (size_t k = 0; k < kLanes; ++k) s[0] += d[k], s[1] += x[k], s[2] += y[k];
    return s;
}
}  // namespace

double cosineSimilarity(const float* a, const float* b, size_t n, float lo, float hi)
{
    if (n == 0) return 0;
    // Large tensors in blocks over the cores (outside a parallel region), added in block order so that the result
    // does not depend on the thread count.
    constexpr size_t kBlock = size_t(1) << 16;
    const size_t blocks = (n + kBlock - 1) / kBlock;
    std::vector<std::array<double, 3>> partial(blocks);
#pragma omp parallel for schedule(static) if (blocks > 1 && !omp_in_parallel())
    for (size_t k = 0; k < blocks; ++k) partial[k] = dotAndNorms(a + k * kBlock, b + k * kBlock, std::min(kBlock, n - k * kBlock), lo, hi);
    double dot = 0, na = 0, nb = 0;
    for (const auto& s : partial) dot += s[0], na += s[1], nb += s[2];
    if (na == 0 && nb == 0) return 1;
    return na == 0 || nb == 0 ? 0 : dot / std::sqrt(na * nb);
}

double cosineSimilarity(const std::vector<float>& a, const std::vector<float>& b)
{
    return a.size() != b.size() ? 0 : cosineSimilarity(a.data(), b.data(), a.size());
}

namespace {
// outputCosine's aggregation with each cosine c scored as f(c)
template <class F>
double outputScore(const std::vector<std::vector<std::vector<float>>>& outputs, const std::vector<std::vector<std::vector<float>>>& reference, F f)
{
    constexpr size_t kSmall = 8;
    if (outputs.empty() || outputs.size() != reference.size()) return 0;
    const size_t count = reference[0].size();
    for (size_t i = 0; i < outputs.size(); ++i)
        if (outputs[i].size() != count || reference[i].size() != count) return 0;
    if (count == 0) return 0;
    double sum = 0;
    for (size_t o = 0; o < count; ++o) {
        if (reference[0][o].size() >= kSmall) {
            double mean = 0;
            for (size_t i = 0; i < outputs.size(); ++i) mean += f(cosineSimilarity(outputs[i][o], reference[i][o]));
            sum += mean / double(outputs.size());
        } else {
            std::vector<float> a, b;
            for (size_t i = 0; i < outputs.size(); ++i) {
                a.insert(a.end(), outputs[i][o].begin(), outputs[i][o].end());
                b.insert(b.end(), reference[i][o].begin(), reference[i][o].end());
            }
            sum += f(cosineSimilarity(a, b));
        }
    }
    return sum / double(count);
}
}  // namespace

double outputCosine(const std::vector<std::vector<std::vector<float>>>& outputs, const std::vector<std::vector<std::vector<float>>>& reference)
{
    return outputScore(outputs, reference, [](double c) { return c; });
}

double outputLogError(const std::vector<std::vector<std::vector<float>>>& outputs, const std::vector<std::vector<std::vector<float>>>& reference)
{
    return outputScore(outputs, reference, [](double c) { return std::log10(std::max(1.0 - c, 1e-12)); });
}

namespace {
using Values = TensorValues;

// Runs run on inputs and copies its float tensors into values (cleared first; the vectors' memory is reused from
// round to round); keep(value index), when given, chooses which.
std::vector<Tensor> collect(Interpreter& run, const std::map<std::string, Tensor>& inputs, Values& values,
                            const std::function<bool(int)>& keep = {})
{
    for (auto& [name, v] : values) v.clear();
    const Graph& g = run.graph();
    // (a value in a blocked layout that is not kept is not copied to row-major for the observer at all)
    const BlockedObserver skip = [&](int, int value, const float*, const Shape&, int64_t) { return keep && !keep(value); };
    return run.run(inputs, [&](int, int value, const Tensor& t) {
        if (t.type() == DataType::Float32 && (!keep || keep(value))) values[g.values[size_t(value)].name].assign(t.data<float>(), t.data<float>() + t.count());
    }, skip);
}

// Per value of the quantized graph qg: the float graph's activation it stands for (its dequantized copy where there
// is one, else the value of the same name), or -1.
std::vector<int> twinsOf(const Graph& fg, const Graph& qg)
{
    std::vector<int> twins(qg.values.size(), -1);
    const std::string suffix = "_dequantized";
    for (size_t k = 0; k < qg.values.size(); ++k) {
        const std::string& name = qg.values[k].name;
        const bool dequantized = name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
        const int f = fg.findValue(dequantized ? name.substr(0, name.size() - suffix.size()) : name);
        if (f >= 0 && !fg.values[size_t(f)].constant && (dequantized || qg.findValue(name + suffix) < 0)) twins[k] = f;
    }
    return twins;
}

// The quantized graph's run in a comparison: fused and in blocked layouts wherever that hides no compared tensor (an
// activation is not folded into the op whose output has a row; a QuantizeLinear/DequantizeLinear pair on it is).
std::unique_ptr<Interpreter> comparedRun(const Graph& fg, const Graph& qg, int threads)
{
    InterpreterOptions o{threads};
    o.fusible = [twins = twinsOf(fg, qg)](const Node& next) { return next.inputs.empty() || next.inputs[0] < 0 || twins[size_t(next.inputs[0])] < 0; };
    return std::make_unique<Interpreter>(qg, std::move(o));
}

// compareTensors with the float graph's tensors computed (f) and the quantized graph's interpreter given (comparedRun):
// the debug reports run many rounds on the same plans, a re-plan compares with the float tensors of the run before.
std::vector<TensorRow> compareRuns(const Graph& fg, const Values& f, Interpreter& quantRun, const QuantPlan& plan,
                                   const std::map<std::string, Tensor>& inputs, int threads, Values& q, bool summaries = true,
                                   std::vector<Tensor>* outputs = nullptr)
{
    // the quantized graph's twin of each float tensor computed (in f)
    const Graph& qg = quantRun.graph();
    std::vector<const std::string*> twinOf(qg.values.size(), nullptr);  // per quantized value: the float tensor's name
    const std::vector<int> twins = twinsOf(fg, qg);
    for (size_t k = 0; k < qg.values.size(); ++k)
        if (twins[k] >= 0)
            if (auto fi = f.find(fg.values[size_t(twins[k])].name); fi != f.end() && !fi->second.empty()) twinOf[k] = &fi->first;
    // Without summaries each activation's cosine and clip rate are taken as the quantized run produces its twin (no
    // copy of the run's tensors); with them the twins are kept for the distributions.
    std::map<std::string, Compared> measured;
    const auto measure = [&](Compared& c, const std::string& name, const float* qv) {
        const auto& fv = f.at(name);
        auto p = plan.activations.find(name);
        const std::pair<double, double> live = plan.liveRange(name);
        c.clip = p == plan.activations.end() ? 0 : clipRate(fv.data(), fv.size(), p->second, live);
        c.cosine = cosineSimilarity(fv.data(), qv, fv.size(), float(live.first), float(live.second));
    };
    if (summaries) {
        auto out = collect(quantRun, inputs, q, [&](int value) { return twinOf[size_t(value)] != nullptr; });
        if (outputs) *outputs = std::move(out);
        for (size_t k = 0; k < qg.values.size(); ++k)
            if (auto qi = twinOf[k] ? q.find(qg.values[k].name) : q.end(); qi != q.end() && qi->second.size() == f.at(*twinOf[k]).size())
                measured[*twinOf[k]];
    } else {
        auto out = quantRun.run(inputs, [&](int, int value, const Tensor& t) {
            if (const std::string* name = twinOf[size_t(value)]; name && t.type() == DataType::Float32 && size_t(t.count()) == f.at(*name).size())
                measure(measured[*name], *name, t.data<float>());
        }, [&](int, int value, const float*, const Shape&, int64_t) { return twinOf[size_t(value)] == nullptr; });
        if (outputs) *outputs = std::move(out);
    }
    // What each row shows, per tensor: the float values and what the quantized graph computed there (a graph input's
    // dequantized twin), or a weight and its dequantized values.
    std::vector<std::string> names;
    std::map<std::string, Compared> compared;
    auto want = [&](int id) {
        if (id < 0) return;
        const Value& v = fg.values[size_t(id)];
        if (compared.count(v.name)) return;
        if (v.constant) {
            auto qc = plan.constants.find(v.name);
            if (qc == plan.constants.end() || qc->second.values.type() != DataType::Int8) return;
            compared[v.name];
        } else {
            auto m = measured.find(v.name);
            if (m == measured.end()) return;
            compared[v.name] = m->second;
        }
        names.push_back(v.name);
    };
    for (const Node& n : fg.nodes) {
        for (int in : n.inputs) want(in);
        for (int out : n.outputs) want(out);
    }
#pragma omp parallel for schedule(dynamic) num_threads(std::max(1, threads))
    for (size_t i = 0; i < names.size(); ++i) {
        Compared& c = compared.at(names[i]);
        const Value& v = fg.values[size_t(fg.findValue(names[i]))];
        if (v.constant) {
            auto orig = v.constant->toFloat();
            auto deq = dequantizeConstant(plan.constants.at(v.name));
            c.weight = true;
            c.cosine = cosineSimilarity(orig, deq);
            if (summaries) {
                c.origin = summarize(std::move(orig));
                c.dequant = summarize(std::move(deq));
            }
        } else if (summaries) {
            auto qi = q.find(v.name + "_dequantized");
            const auto& qv = qi != q.end() && !qi->second.empty() ? qi->second : q.at(v.name);
            measure(c, v.name, qv.data());
            c.origin = summarize(f.at(v.name));
            c.dequant = summarize(qv);
        }
    }
    std::vector<TensorRow> rows;
    for (const Node& n : fg.nodes) {
        auto emit = [&](int id, const char* inOut) {
            if (id < 0) return;
            const std::string& name = fg.values[size_t(id)].name;
            auto c = compared.find(name);
            if (c == compared.end()) return;
            const char* type = c->second.weight ? "Weight" : "Activation";
            rows.push_back(row(n, name, inOut, "Origin", type, c->second.origin, c->second.clip, 1));
            rows.push_back(row(n, name, inOut, "Dequant", type, c->second.dequant, c->second.clip, c->second.cosine));
        };
        for (int in : n.inputs) emit(in, "In");
        for (int out : n.outputs) emit(out, "Out");
    }
    return rows;
}
}  // namespace

TensorValues runTensors(const Graph& graph, const std::map<std::string, Tensor>& inputs, int threads)
{
    Interpreter run(graph, {threads, false, false});
    Values values;
    collect(run, inputs, values);
    return values;
}

std::vector<TensorRow> compareTensors(const Graph& fg, const TensorValues& floatValues, const Graph& qg, const QuantPlan& plan,
                                      const std::map<std::string, Tensor>& inputs, int threads, bool summaries,
                                      std::vector<Tensor>* quantOutputs)
{
    Values q;
    return compareRuns(fg, floatValues, *comparedRun(fg, qg, threads), plan, inputs, threads, q, summaries, quantOutputs);
}

std::vector<TensorRow> compareTensors(const Graph& fg, const Graph& qg, const QuantPlan& plan, const std::map<std::string, Tensor>& inputs,
                                      int threads, bool summaries)
{
    return compareTensors(fg, runTensors(fg, inputs, threads), qg, plan, inputs, threads, summaries);
}

HistogramComparison compareHistogram(const TensorStats& stats, const QuantParams& p, int bins, std::pair<double, double> live)
{
    HistogramComparison h;
    if (p.scale.empty() || stats.histogram().empty() || bins < 1) return h;
    double s = p.scale[0], zp = p.zeroPoint.empty() ? 0 : p.zeroPoint[0];
    h.lo = (p.qmin() - zp) * s;
    h.hi = (p.qmax() - zp) * s;
    const auto [clipLo, clipHi] = clipLimits(p, live);
    h.clipRate = stats.clipRate(clipLo, clipHi);
    double a = std::min(stats.min(), h.lo), b = std::max(stats.max(), h.hi);
    if (!(b > a)) b = a + 1;
    double w = (b - a) / bins;
    h.original.assign(size_t(bins), 0);
    h.dequantized.assign(size_t(bins), 0);
    for (int i = 0; i < bins; ++i) h.centers.push_back(a + (i + 0.5) * w);
    const auto& src = stats.histogram();
    double R = stats.range(), sw = stats.binWidth(), dot = 0, nx = 0, nq = 0;
    auto bin = [&](double x) { return size_t(std::clamp(int((x - a) / w), 0, bins - 1)); };
    for (size_t k = 0; k < src.size(); ++k) {
        if (!src[k]) continue;
        double x = std::clamp(-R + (double(k) + 0.5) * sw, stats.min(), stats.max());
        double q = (std::clamp(std::nearbyint(x / s) + zp, double(p.qmin()), double(p.qmax())) - zp) * s;
        double c = double(src[k]);
        h.original[bin(x)] += c;
        h.dequantized[bin(q)] += c;
        const double seen = std::clamp(x, live.first, live.second);  // as the readers see it
        dot += c * seen * q, nx += c * seen * seen, nq += c * q * q;
    }
    h.cosine = nx > 0 && nq > 0 ? dot / std::sqrt(nx * nq) : 1.0;
    return h;
}

void writeDebugReports(const std::string& dir, const Graph& fg, const Graph& qg, const QuantPlan& plan, size_t rounds,
                       const std::function<std::map<std::string, Tensor>(size_t)>& sample, const ProgressSink& progress,
                       const CancelToken* cancel, int threads)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!std::filesystem::is_directory(dir)) throw InputError("debug_info_save_path: cannot create the folder " + dir);
    std::string summary = "Round,TensorName,CosineSimilarity\n";
    Interpreter floatRun(fg, {threads, false, false});  // planned once, for every round
    auto quantRun = comparedRun(fg, qg, threads);
    Values f, q;
    for (size_t r = 0; r < rounds; ++r) {
        if (cancel) cancel->check();
        if (progress) progress(r, rounds, "debug reports");
        auto inputs = sample(r);
        collect(floatRun, inputs, f);
        std::vector<TensorRow> rows = compareRuns(fg, f, *quantRun, plan, inputs, threads, q);
        std::string csv = "NodeName,NodeType,TensorName,InOutFlag,DataTypeFlag,TensorTypeFlag,Min,Q1,Median,Q3,MAX,Mean,Var,Sparsity,Clip,CosineSimilarity\n";
        for (const TensorRow& t : rows) {
            csv += csvCell(t.nodeName) + "," + csvCell(t.nodeType) + "," + csvCell(t.tensorName) + "," + t.inOut + "," + t.dataType + "," +
                   t.tensorType;
            for (double v : {t.min, t.q1, t.median, t.q3, t.max, t.mean, t.var, t.sparsity, t.clip, t.cosine}) csv += "," + number(v);
            csv += "\n";
        }
        writeFileAtomic(dir + "/round_" + std::to_string(r) + ".csv", csv);
        for (int out : fg.outputs) {
            const std::string& name = fg.values[size_t(out)].name;
            for (const TensorRow& t : rows)
                if (t.tensorName == name && t.dataType == std::string("Dequant") && t.inOut == std::string("Out")) {
                    summary += std::to_string(r) + "," + csvCell(name) + "," + number(t.cosine) + "\n";
                    break;
                }
        }
    }
    if (progress) progress(rounds, rounds, "debug reports");
    writeFileAtomic(dir + "/output_summary.csv", summary);

    std::string params = "NodeName,NodeType,TensorName,ElementsNum,Dims,Scale,ZeroPoint,Bits,CorrectionVar,CorrectionMean\n";
    auto list = [](const auto& v) {
        std::string s;
        for (size_t i = 0; i < v.size(); ++i) s += (i ? ";" : "") + number(double(v[i]));
        return s;
    };
    for (const Node& n : fg.nodes) {
        for (int id : n.inputs) {
            if (id < 0) continue;
            const Value& v = fg.values[size_t(id)];
            const QuantParams* p = nullptr;
            int64_t count = elementCount(v.shape);
            Shape dims = v.shape;
            if (auto c = plan.constants.find(v.name); c != plan.constants.end()) {
                p = &c->second.params;
                dims = c->second.values.shape();
                count = c->second.values.count();
            } else if (auto a = plan.activations.find(v.name); a != plan.activations.end()) {
                p = &a->second;
            }
            if (!p) {
                // weights left float (thresholds, skip_quant_node, unsupported): listed with their float width
                if (v.constant && v.type == DataType::Float32 && isWeighted(fg, n) && n.inputs.size() > 1 && n.inputs[1] == id)
                    params += csvCell(n.name) + "," + csvCell(n.sourceOpType.empty() ? n.opType : n.sourceOpType) + "," +
                              csvCell(v.name) + "," + std::to_string(count) + "," + csvCell(shapeToString(dims)) + ",,,32,,\n";
                continue;
            }
            double corrMean = 0, corrVar = 0;
            if (auto c = plan.constants.find(v.name); c != plan.constants.end() && !c->second.correctionVar.empty()) {
                // weight quantization's per-channel correction, averaged over the channels
                for (size_t k = 0; k < c->second.correctionVar.size(); ++k)
                    corrVar += c->second.correctionVar[k], corrMean += c->second.correctionMean[k];
                corrVar /= double(c->second.correctionVar.size());
                corrMean /= double(c->second.correctionVar.size());
            }
            if (auto bc = plan.biasCorrection.find(v.name); bc != plan.biasCorrection.end() && !bc->second.empty()) {
                for (float x : bc->second) corrMean += x;
                corrMean /= double(bc->second.size());
                for (float x : bc->second) corrVar += (x - corrMean) * (x - corrMean);
                corrVar /= double(bc->second.size());
            }
            params += csvCell(n.name) + "," + csvCell(n.sourceOpType.empty() ? n.opType : n.sourceOpType) + "," + csvCell(v.name) + "," +
                      std::to_string(count) + "," + csvCell(shapeToString(dims)) + "," + csvCell(list(p->scale)) + "," +
                      csvCell(list(p->zeroPoint)) + "," + std::to_string(p->bits) + "," + number(corrVar) + "," + number(corrMean) + "\n";
        }
    }
    writeFileAtomic(dir + "/quant_param.csv", params);
}

}  // namespace qs
