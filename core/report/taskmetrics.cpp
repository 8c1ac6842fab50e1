#include "report/taskmetrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace qs {

namespace {

using Outputs = std::vector<std::vector<std::vector<float>>>;

// whether output o is a probability map: one channel of at least 8 x 8, float values in [0, 1]
bool probabilityMap(const Shape& s, size_t o, const Outputs& reference)
{
    int64_t h = 0, w = 0;
    if (s.size() == 4 && s[1] == 1) h = s[2], w = s[3];
    else if (s.size() == 4 && s[3] == 1) h = s[1], w = s[2];
    else if (s.size() == 3) h = s[1], w = s[2];
    if (h < 8 || w < 8) return false;
    for (const auto& sample : reference)
        for (float v : sample[o])
            if (!(v >= 0.f && v <= 1.f)) return false;
    return true;
}

double maskIoU(const std::vector<float>& a, const std::vector<float>& b)
{
    constexpr float kThreshold = 0.3f;  // DB's binarisation threshold
    size_t both = 0, either = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
        both += a[i] > kThreshold && b[i] > kThreshold;
        either += a[i] > kThreshold || b[i] > kThreshold;
    }
    return either ? double(both) / double(either) : 1.0;
}

double boxIoU(const float* a, const float* b, bool centre)
{
    auto corners = [centre](const float* x, float* c) {
        if (centre) {
            const float w = std::fabs(x[2]), h = std::fabs(x[3]);
            c[0] = x[0] - w / 2, c[1] = x[1] - h / 2, c[2] = x[0] + w / 2, c[3] = x[1] + h / 2;
        } else {
            c[0] = std::min(x[0], x[2]), c[1] = std::min(x[1], x[3]), c[2] = std::max(x[0], x[2]), c[3] = std::max(x[1], x[3]);
        }
    };
    float p[4], q[4];
    corners(a, p);
    corners(b, q);
    const double iw = std::max(0.f, std::min(p[2], q[2]) - std::max(p[0], q[0]));
    const double ih = std::max(0.f, std::min(p[3], q[3]) - std::max(p[1], q[1]));
    const double inter = iw * ih, uni = double(p[2] - p[0]) * (p[3] - p[1]) + double(q[2] - q[0]) * (q[3] - q[1]) - inter;
    return uni > 0 ? inter / uni : (inter == 0 && p[0] == q[0] && p[1] == q[1] ? 1.0 : 0.0);
}

}  // namespace

TaskMetrics taskMetrics(const std::vector<Shape>& shapes, const Outputs& outputs, const Outputs& reference)
{
    TaskMetrics m;
    if (outputs.empty() || outputs.size() != reference.size()) return m;
    const size_t count = shapes.size();
    for (size_t i = 0; i < outputs.size(); ++i) {
        if (outputs[i].size() != count || reference[i].size() != count) return m;
        for (size_t o = 0; o < count; ++o)
            if (outputs[i][o].size() != reference[i][o].size() || int64_t(reference[i][o].size()) != elementCount(shapes[o])) return m;
    }

    double iouSum = 0;
    size_t maps = 0;
    for (size_t o = 0; o < count; ++o) {
        if (!probabilityMap(shapes[o], o, reference)) continue;
        for (size_t i = 0; i < outputs.size(); ++i) iouSum += maskIoU(outputs[i][o], reference[i][o]);
        maps += outputs.size();
    }
    if (maps) m.maskIoU = iouSum / double(maps);

    // detections: the first output of boxes with a scores output of the same anchors
    constexpr int64_t kMinAnchors = 16;
    constexpr float kScore = 0.5f;
    constexpr double kMatch = 0.5;
    for (size_t b = 0; b < count && !m.boxMatch; ++b) {
        const Shape& bs = shapes[b];
        if (bs.size() != 3 || bs[2] < 4 || bs[1] < kMinAnchors) continue;
        for (size_t s = 0; s < count; ++s) {
            const Shape& ss = shapes[s];
            if (s == b || ss.size() != 3 || ss[0] != bs[0] || ss[1] != bs[1] || ss[2] < 1 || ss[2] > 1000) continue;
            const int64_t N = bs[0], K = bs[1], D = bs[2], C = ss[2];
            bool probabilities = true;
            for (const auto& sample : reference)
                for (float v : sample[s]) probabilities = probabilities && v >= 0.f && v <= 1.f;
            auto score = [&](const std::vector<float>& v, int64_t anchor) {
                float best = -INFINITY;
                for (int64_t c = C > 1 ? 1 : 0; c < C; ++c) best = std::max(best, v[size_t(anchor * C + c)]);
                return probabilities ? best : 1.f / (1.f + std::exp(-best));
            };
            // offsets from anchors (centre and size) go negative about half the time; corners only at the image's edge
            size_t negative = 0, values = 0;
            for (const auto& sample : reference)
                for (int64_t a = 0; a < N * K; ++a, values += 2)
                    negative += (sample[b][size_t(a * D)] < 0) + (sample[b][size_t(a * D + 1)] < 0);
            const bool centre = negative * 4 > values;
            size_t matched = 0, detectedF = 0, detectedQ = 0;
            for (size_t i = 0; i < outputs.size(); ++i)
                for (int64_t a = 0; a < N * K; ++a) {
                    const bool f = score(reference[i][s], a) > kScore, q = score(outputs[i][s], a) > kScore;
                    detectedF += f;
                    detectedQ += q;
                    matched += f && q && boxIoU(&reference[i][b][size_t(a * D)], &outputs[i][b][size_t(a * D)], centre) >= kMatch;
                }
            m.boxMatch = detectedF + detectedQ ? 2.0 * double(matched) / double(detectedF + detectedQ) : 1.0;
            break;
        }
    }
    return m;
}

std::string describeTaskMetrics(const TaskMetrics& m)
{
    std::string out;
    char buf[64];
    if (m.maskIoU) {
        std::snprintf(buf, sizeof buf, "mask IoU %.3f", *m.maskIoU);
        out += buf;
    }
    if (m.boxMatch) {
        std::snprintf(buf, sizeof buf, "%sbox match %.3f", out.empty() ? "" : ", ", *m.boxMatch);
        out += buf;
    }
    return out;
}

}  // namespace qs
