#include "calibration/imagepreprocess.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>

#include "graph/error.h"

namespace qs {

Tensor loadImageTensor(const std::string& path, const ImagePreprocess& pre, const Shape& inputShape, bool nchw)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw InputError(path + ": image file not found");
    cv::Mat img = cv::imread(path, pre.format == ImagePreprocess::Format::GRAY ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    if (img.empty()) throw InputError(path + ": cannot decode the image (not a JPEG/PNG/BMP, or corrupted)");
    if (pre.format == ImagePreprocess::Format::RGB) cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
    if (pre.resizeWidth > 0 && pre.resizeHeight > 0) {
        int interp = pre.resizeMethod == ImagePreprocess::Resize::Nearest ? cv::INTER_NEAREST
                     : pre.resizeMethod == ImagePreprocess::Resize::Cubic ? cv::INTER_CUBIC
                                                                          : cv::INTER_LINEAR;
        cv::resize(img, img, cv::Size(pre.resizeWidth, pre.resizeHeight), 0, 0, interp);
    }
    if (pre.cropWidth > 0 && pre.cropHeight > 0) {
        if (pre.cropWidth > img.cols || pre.cropHeight > img.rows)
            throw InputError(path + ": center crop " + std::to_string(pre.cropWidth) + "x" + std::to_string(pre.cropHeight) +
                             " is larger than the image (" + std::to_string(img.cols) + "x" + std::to_string(img.rows) + ")");
        int x = (img.cols - pre.cropWidth) / 2, y = (img.rows - pre.cropHeight) / 2;
        img = img(cv::Rect(x, y, pre.cropWidth, pre.cropHeight)).clone();
    }
    int c = pre.channels();
    if (inputShape.size() != 4) throw InputError(path + ": the model input " + shapeToString(inputShape) + " is not an image (rank 4)");
    int64_t h = nchw ? inputShape[2] : inputShape[1];
    int64_t w = nchw ? inputShape[3] : inputShape[2];
    int64_t ch = nchw ? inputShape[1] : inputShape[3];
    if (h < 0) h = img.rows;
    if (w < 0) w = img.cols;
    if (ch >= 0 && ch != c)
        throw InputError(path + ": preprocessing yields " + std::to_string(c) + " channel(s) but the model input has " + std::to_string(ch) +
                         " (check image_to_format)");
    if (img.rows != h || img.cols != w)
        throw InputError(path + ": preprocessed image is " + std::to_string(img.cols) + "x" + std::to_string(img.rows) +
                         " but the model input needs " + std::to_string(w) + "x" + std::to_string(h) +
                         " (set resize_width/resize_height or center_crop_width/center_crop_height)");
    Tensor t(DataType::Float32, nchw ? Shape{1, c, h, w} : Shape{1, h, w, c});
    float* out = t.data<float>();
    for (int y = 0; y < img.rows; ++y) {
        const uint8_t* row = img.ptr<uint8_t>(y);
        for (int x = 0; x < img.cols; ++x)
            for (int k = 0; k < c; ++k) {
                float m = k < int(pre.mean.size()) ? pre.mean[size_t(k)] : (pre.mean.size() == 1 ? pre.mean[0] : 0.f);
                float s = k < int(pre.std.size()) ? pre.std[size_t(k)] : (pre.std.size() == 1 ? pre.std[0] : 1.f);
                float v = (float(row[x * c + k]) - m) / s;
                if (nchw) out[(int64_t(k) * h + y) * w + x] = v;
                else out[(int64_t(y) * w + x) * c + k] = v;
            }
    }
    return t;
}

}  // namespace qs
