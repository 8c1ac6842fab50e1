#include "calibration/imagepreprocess.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>

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
// The width and height an encoded image declares, read from its header before anything is decoded (so that an
// 800-byte JPEG declaring 60000x60000 pixels is refused by the memory budget instead of decoded). Only these formats
// are accepted: OpenCV would also try DICOM, OpenEXR, JPEG 2000, TIFF, Sun raster and more, and Debian's GDCM aborts
// the process on some malformed DICOM input. nullopt: not one of them, or a header too short to say.
std::optional<std::pair<int64_t, int64_t>> declaredSize(const std::string& b)
{
    auto byte = [&](size_t i) -> int64_t { return i < b.size() ? int64_t(uint8_t(b[i])) : -1; };
    auto be16 = [&](size_t i) { return byte(i) < 0 || byte(i + 1) < 0 ? -1 : byte(i) << 8 | byte(i + 1); };
    auto le16 = [&](size_t i) { return byte(i) < 0 || byte(i + 1) < 0 ? -1 : byte(i + 1) << 8 | byte(i); };
    auto le32 = [&](size_t i) { return le16(i) < 0 || le16(i + 2) < 0 ? -1 : int64_t(int32_t(uint32_t(le16(i + 2) << 16 | le16(i)))); };
    auto starts = [&](const char* magic, size_t n, size_t at = 0) { return b.size() >= at + n && b.compare(at, n, magic, n) == 0; };
    using Size = std::pair<int64_t, int64_t>;
    // Each test matches OpenCV's own signature check for that format exactly, so that a file accepted here is never
    // handed on to a later decoder (GDCM claims anything with "DICM" at offset 128).
    if (starts("\xFF\xD8\xFF", 3)) {  // JPEG: walk the markers to the frame header (SOF0-SOF15 but DHT, JPG and DAC)
        for (size_t i = 2; i + 3 < b.size();) {
            if (byte(i) != 0xFF) {  // extraneous bytes before a marker: libjpeg skips them, and so do we
                ++i;
                continue;
            }
            int64_t m = byte(i + 1);
            if (m == 0xFF) { ++i; continue; }
            if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { i += 2; continue; }
            int64_t len = be16(i + 2);
            if (len < 2) return std::nullopt;
            if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
                int64_t h = be16(i + 5), w = be16(i + 7);
                return h < 0 || w < 0 ? std::nullopt : std::optional<Size>(Size{w, h});
            }
            i += size_t(len) + 2;
        }
        return std::nullopt;
    }
    if (starts("\x89PNG\r\n\x1A\n", 8) && starts("IHDR", 4, 12) && b.size() >= 24)
        return Size{be16(16) << 16 | be16(18), be16(20) << 16 | be16(22)};
    if (starts("BM", 2) && b.size() >= 26) return Size{std::llabs(le32(18)), std::llabs(le32(22))};
    if (b.size() >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6' && std::isspace(uint8_t(b[2]))) {  // PNM: width, height
        size_t i = 2;
        int64_t v[2];
        for (int64_t& x : v) {
            while (i < b.size() && (std::isspace(uint8_t(b[i])) || b[i] == '#')) {
                if (b[i] == '#') while (i < b.size() && b[i] != '\n') ++i;
                else ++i;
            }
            if (i >= b.size() || !std::isdigit(uint8_t(b[i]))) return std::nullopt;
            x = 0;
            for (; i < b.size() && std::isdigit(uint8_t(b[i])); ++i) x = std::min<int64_t>(x * 10 + (b[i] - '0'), int64_t(1) << 40);
        }
        return Size{v[0], v[1]};
    }
    if (starts("RIFF", 4) && starts("WEBP", 4, 8) && b.size() >= 32 && !starts("DICM", 4, 128)) {
        if (starts("VP8 ", 4, 12)) return Size{le16(26) & 0x3FFF, le16(28) & 0x3FFF};
        if (starts("VP8L", 4, 12)) {
            int64_t bits = le32(21) & 0xFFFFFFFFll;
            return Size{(bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
        }
        if (starts("VP8X", 4, 12))
            return Size{(byte(24) | byte(25) << 8 | byte(26) << 16) + 1, (byte(27) | byte(28) << 8 | byte(29) << 16) + 1};
    }
    return std::nullopt;
}
}  // namespace

Tensor imageTensorFromBytes(const std::string& bytes, const std::string& path, const ImagePreprocess& pre, const Shape& inputShape, bool nchw)
{
    auto size = declaredSize(bytes);
    if (!size)
        throw InputError(path + ": not a JPEG, PNG, BMP, PPM/PGM or WebP image, or its header is cut short (set input_type=BIN "
                                "for raw tensors)");
    // decoding, colour conversion and resizing hold about three 8-bit copies of the pixels
    checkMemoryBudget((long double)size->first * (long double)size->second * 9.0L,
                      path + ": decoding a " + std::to_string(size->first) + "x" + std::to_string(size->second) + " image");
    cv::Mat encoded(1, int(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
    cv::Mat img;
    try {
        img = cv::imdecode(encoded, pre.format == ImagePreprocess::Format::GRAY ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    } catch (const cv::Exception& e) {
        throw InputError(path + ": cannot decode the image: " + e.msg);
    }
    if (img.empty()) throw InputError(path + ": cannot decode the image (corrupted or truncated)");
    // OpenCV decodes to BGR; RGB output reads the channels in reverse order below (a permutation commutes with
    // resizing and cropping, so no separate conversion pass over the full-size image is needed)
    const bool reverse = pre.format == ImagePreprocess::Format::RGB && img.channels() == 3;
    if (pre.resizeWidth > 0 && pre.resizeHeight > 0) {
        int interp = pre.resizeMethod == ImagePreprocess::Resize::Nearest ? cv::INTER_NEAREST
                     : pre.resizeMethod == ImagePreprocess::Resize::Cubic ? cv::INTER_CUBIC
                                                                          : cv::INTER_LINEAR;
        checkMemoryBudget((long double)pre.resizeWidth * pre.resizeHeight * img.channels(),
                          path + ": resize to " + std::to_string(pre.resizeWidth) + "x" + std::to_string(pre.resizeHeight));
        if (pre.keepAspect) {
            double scale = std::max(double(pre.resizeWidth) / img.cols, double(pre.resizeHeight) / img.rows);
            int w = std::max(pre.resizeWidth, int(std::lround(img.cols * scale)));
            int h = std::max(pre.resizeHeight, int(std::lround(img.rows * scale)));
            checkMemoryBudget((long double)w * h * img.channels(), path + ": resize to " + std::to_string(w) + "x" + std::to_string(h));
            cv::resize(img, img, cv::Size(w, h), 0, 0, interp);
            img = img(cv::Rect((w - pre.resizeWidth) / 2, (h - pre.resizeHeight) / 2, pre.resizeWidth, pre.resizeHeight)).clone();
        } else {
            cv::resize(img, img, cv::Size(pre.resizeWidth, pre.resizeHeight), 0, 0, interp);
        }
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
    if (nchw) {  // deinterleave first (OpenCV's SIMD split), so that each plane converts in one contiguous loop
        std::vector<cv::Mat> planes;
        cv::split(img, planes);
        for (int k = 0; k < c; ++k) {
            float* dst = out + k * plane;
            for (int y = 0; y < img.rows; ++y, dst += w) {
                const uint8_t* row = planes[size_t(reverse ? c - 1 - k : k)].ptr<uint8_t>(y);
                const float m = mean[k], d = sd[k];
                for (int x = 0; x < img.cols; ++x) dst[x] = (float(row[x]) - m) / d;
            }
        }
        return t;
    }
    for (int y = 0; y < img.rows; ++y) {
        const uint8_t* row = img.ptr<uint8_t>(y);
        float* dst = out + int64_t(y) * w * c;
        for (int x = 0; x < img.cols; ++x)
            for (int k = 0; k < c; ++k) dst[x * c + k] = (float(row[x * c + (reverse ? c - 1 - k : k)]) - mean[k]) / sd[k];
    }
    return t;
}

}  // namespace qs
