#pragma once
#include <string>
#include <vector>

#include "graph/tensor.h"

namespace qs {

/** Image preprocessing as MindSpore Lite's [data_preprocess_param] describes it: decode, colour format, resize,
 *  center crop, then (x - mean) / std per channel. */
struct ImagePreprocess {
    enum class Format { RGB, BGR, GRAY };
    enum class Resize { Linear, Nearest, Cubic };
    Format format = Format::RGB;
    std::vector<float> mean;  // empty: 0
    std::vector<float> std;   // empty: 1
    int resizeWidth = 0, resizeHeight = 0;  // 0: keep
    Resize resizeMethod = Resize::Linear;
    // true: scale the image, keeping its aspect ratio, until it covers resizeWidth x resizeHeight, then cut that
    // size from its centre; false: stretch it to that size (converter_lite's resize)
    bool keepAspect = false;
    int cropWidth = 0, cropHeight = 0;  // 0: no crop

    int channels() const { return format == Format::GRAY ? 1 : 3; }
};

// Loads an image and returns a float32 tensor shaped like the model input: [1, C, H, W] (nchw) or [1, H, W, C].
// When the preprocessed size differs from the input's H and W, throws InputError naming the file and both sizes.
Tensor loadImageTensor(const std::string& path, const ImagePreprocess& pre, const Shape& inputShape, bool nchw);
// Same, for an encoded image already in memory; path names it in messages.
Tensor imageTensorFromBytes(const std::string& bytes, const std::string& path, const ImagePreprocess& pre, const Shape& inputShape, bool nchw);

}  // namespace qs
