#pragma once
#include <optional>
#include <string>
#include <vector>

#include "graph/tensor.h"

namespace qs {

/** Task metrics of a quantized model's outputs against the float model's, for outputs that are not class scores
 *  (where the output cosine says little about what the model is used for). */
struct TaskMetrics {
    // Probability maps (an output [N, 1, H, W], [N, H, W, 1] or [N, H, W] with H, W >= 8 whose float values lie in
    // [0, 1]: DB text detectors, segmentation masks): the IoU of the masks p > 0.3 (DB's threshold), per sample and
    // map, averaged; a sample where neither side has a pixel above counts 1.
    std::optional<double> maskIoU;
    // Detections (an output [N, K, 4 + ...] of boxes beside one [N, K, C] of scores, K >= 16, the same N and K): the
    // F1 of the anchors whose score passes 0.5 (the best of classes 1.. when C > 1; a sigmoid first where the float
    // scores leave [0, 1]), an anchor counting as matched when both sides detect it with boxes of IoU >= 0.5; 1 when
    // neither detects anything. Boxes are corners (x1, y1, x2, y2), or centre and size when more than a quarter of their
    // first two values are negative (offsets from anchors).
    std::optional<double> boxMatch;
    bool empty() const { return !maskIoU && !boxMatch; }
};

// outputs and reference: per sample, per output, the values; shapes: the outputs' shapes (of one sample).
TaskMetrics taskMetrics(const std::vector<Shape>& shapes, const std::vector<std::vector<std::vector<float>>>& outputs,
                        const std::vector<std::vector<std::vector<float>>>& reference);

// "mask IoU 0.931, box match 0.880" (the metrics present), or "".
std::string describeTaskMetrics(const TaskMetrics& m);

}  // namespace qs
