#include "calibration/imagepreprocess.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>

#include "formats/modelloader.h"
#include "graph/error.h"
#include "util/memorybudget.h"

namespace qs {

Tensor loadImageTensor(const std::string& path, const ImagePreprocess& pre, const Shape& inputShape, bool nchw)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw InputError(path + ": image file not found");
    return imageTensorFromBytes(readFileBytes(path, size_t(1) << 30), path, pre, inputShape, nchw);
}

namespace {
// The formats a calibration image may have, by signature. OpenCV would also try DICOM, OpenEXR, JPEG 2000, Sun
// raster and more; Debian's GDCM aborts the process on some malformed DICOM input, so only these are decoded.
bool knownImageSignature(const std::string& b)
{
    auto starts = [&](const char* magic, size_t n, size_t at = 0) { return b.size() >= at + n && b.compare(at, n, magic, n) == 0; };
    return starts("\xFF\xD8\xFF", 3) || starts("\x89PNG\r\n\x1A\n", 8) || starts("BM", 2) ||
           (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6') || starts("II*\0", 4) || starts("MM\0*", 4) ||
           (starts("RIFF", 4) && starts("WEBP", 4, 8));
}
}  // namespace

Tensor imageTensorFromBytes(const std::string& bytes, const std::string& path, const ImagePreprocess& pre, const Shape& inputShape, bool nchw)
{
    if (!knownImageSignature(bytes))
        throw InputError(path + ": not a JPEG, PNG, BMP, PPM/PGM, TIFF or WebP image (set input_type=BIN for raw tensors)");
    cv::Mat encoded(1, int(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
    cv::Mat img;
    try {
        img = cv::imdecode(encoded, pre.format == ImagePreprocess::Format::GRAY ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    } catch (const cv::Exception& e) {
        throw InputError(path + ": cannot decode the image: " + e.msg);
    }
    if (img.empty()) throw InputError(path + ": cannot decode the image (corrupted or truncated)");
    if (pre.format == ImagePreprocess::Format::RGB) cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
    if (pre.resizeWidth > 0 && pre.resizeHeight > 0) {
        int interp = pre.resizeMethod == ImagePreprocess::Resize::Nearest ? cv::INTER_NEAREST
                     : pre.resizeMethod == ImagePreprocess::Resize::Cubic ? cv::INTER_CUBIC
                                                                          : cv::INTER_LINEAR;
        checkMemoryBudget((long double)pre.resizeWidth * pre.resizeHeight * img.channels(),
                          path + ": resize to " + std::to_string(pre.resizeWidth) + "x" + std::to_string(pre.resizeHeight));
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
    float mean[3], sd[3];
    for (int k = 0; k < c; ++k) {
        mean[k] = k < int(pre.mean.size()) ? pre.mean[size_t(k)] : (pre.mean.size() == 1 ? pre.mean[0] : 0.f);
        sd[k] = k < int(pre.std.size()) ? pre.std[size_t(k)] : (pre.std.size() == 1 ? pre.std[0] : 1.f);
    }
    const int64_t plane = int64_t(h) * w;
    for (int y = 0; y < img.rows; ++y) {
        const uint8_t* row = img.ptr<uint8_t>(y);
        if (nchw) {
            for (int k = 0; k < c; ++k) {
                float* dst = out + k * plane + int64_t(y) * w;
                for (int x = 0; x < img.cols; ++x) dst[x] = (float(row[x * c + k]) - mean[k]) / sd[k];
            }
        } else {
            float* dst = out + int64_t(y) * w * c;
            for (int x = 0; x < img.cols * c; ++x) dst[x] = (float(row[x]) - mean[x % c]) / sd[x % c];
        }
    }
    return t;
}

}  // namespace qs
