#pragma once
// Where the shared real models and images live, and how each model's input is made from a real image
// (origin and preprocessing as ../shared/data/README.md lists them).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "calibration/imagepreprocess.h"

namespace qs::test {

inline std::string dataDir()
{
    const char* env = std::getenv("QUANTSCOPE_DATA");
    return env && *env ? env : QUANTSCOPE_DATA_DIR;
}
// return true when the CPU has VNNI (AVX512_VNNI or AVX_VNNI). Without it, ONNX Runtime's int8 products add pairs
// of uint8 x int8 in 16 bits, which 8-bit weights can overflow: tests comparing its output with Quantscope's
// simulation export with [quantscope_param] reduce_range there (7-bit weights, as ONNX Runtime's own quantizer).
inline bool cpuHasVnni()
{
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line))
        if (line.rfind("flags", 0) == 0) return line.find(" avx512_vnni") != std::string::npos || line.find(" avx_vnni") != std::string::npos;
    return false;
}

inline std::string modelPath(const std::string& file) { return dataDir() + "/models/" + file; }
inline std::string imagePath(const std::string& rel) { return dataDir() + "/images/" + rel; }

inline std::vector<std::string> readList(const std::string& path)
{
    std::vector<std::string> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

// return file -> class index from a labels.tsv (header row first; column counts from 0)
inline std::map<std::string, int> readLabels(const std::string& tsv, int column)
{
    std::map<std::string, int> out;
    auto lines = readList(tsv);
    for (size_t i = 1; i < lines.size(); ++i) {
        std::stringstream ss(lines[i]);
        std::vector<std::string> cols;
        for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
        out[cols.at(0)] = std::stoi(cols.at(size_t(column)));
    }
    return out;
}

// Makes dir hold symbolic links to the listed files of folder (a calibration folder made from calib.txt, which
// keeps the images in shared/ and out of the project). return dir.
inline std::string linkFiles(const std::vector<std::string>& files, const std::string& folder, const std::string& dir)
{
    std::filesystem::create_directories(dir);
    for (const std::string& f : files)
        std::filesystem::create_symlink(std::filesystem::absolute(std::filesystem::path(folder) / f), std::filesystem::path(dir) / f);
    return dir;
}

/** How to feed one shared model a real image. */
struct ModelCase {
    std::string file;
    std::string image;  // relative to images/
    bool nchw = true;
    ImagePreprocess pre;
    Shape shape;  // the concrete input shape to run with
};

inline ImagePreprocess pre(std::vector<float> mean, std::vector<float> std, int rw = 0, int rh = 0, int cw = 0, int ch = 0,
                           ImagePreprocess::Format f = ImagePreprocess::Format::RGB)
{
    ImagePreprocess p;
    p.format = f;
    p.mean = std::move(mean);
    p.std = std::move(std);
    p.resizeWidth = rw;
    p.resizeHeight = rh;
    p.cropWidth = cw;
    p.cropHeight = ch;
    return p;
}

// The shared ImageNet images (shorter side 256) as MobileNet expects them: RGB, (x - 127.5) / 127.5, crop 224.
inline ImagePreprocess imagenetPreprocess() { return pre({127.5f}, {127.5f}, 0, 0, 224, 224); }

// return a [data_preprocess_param] section that calibrates on the IMAGE files of calibDir with preprocessing p
// (single mean/std values are repeated per channel, as the config requires)
inline std::string calibrationSection(const std::string& calibDir, int size, const ImagePreprocess& p)
{
    auto list = [&](const std::vector<float>& v) {
        std::string s = "[";
        for (int c = 0; c < p.channels(); ++c) s += (c ? "," : "") + std::to_string(v.size() == 1 ? v[0] : v.at(size_t(c)));
        return s + "]";
    };
    std::string ini = "[data_preprocess_param]\ncalibrate_path=" + calibDir + "\ncalibrate_size=" + std::to_string(size) +
                      "\ninput_type=IMAGE\nimage_to_format=" + (p.format == ImagePreprocess::Format::GRAY ? "GRAY" : "RGB") + "\n";
    if (!p.mean.empty()) ini += "normalize_mean=" + list(p.mean) + "\n";
    if (!p.std.empty()) ini += "normalize_std=" + list(p.std) + "\n";
    if (p.resizeWidth) ini += "resize_width=" + std::to_string(p.resizeWidth) + "\nresize_height=" + std::to_string(p.resizeHeight) + "\n";
    if (p.cropWidth) ini += "center_crop_width=" + std::to_string(p.cropWidth) + "\ncenter_crop_height=" + std::to_string(p.cropHeight) + "\n";
    return ini;
}

inline std::vector<ModelCase> onnxModelCases()
{
    auto mobilenet = imagenetPreprocess();
    return {
        {"mobilenet_v1_0.25_224.onnx", "imagenet-sample/n01443537_goldfish.jpg", true, mobilenet, {1, 3, 224, 224}},
        {"mobilenet_v2_1.0_224_dq.onnx", "imagenet-sample/n01443537_goldfish.jpg", true, mobilenet, {1, 3, 224, 224}},
        {"resnet8_cifar10.onnx", "cifar10/airplane_0000.jpg", true, pre({0.f}, {1.f}), {1, 3, 32, 32}},
        {"vww_96.onnx", "photos/grace_hopper.jpg", true, pre({0.f}, {255.f}, 96, 96), {1, 3, 96, 96}},
        {"ppocr_mobile_v2_cls.onnx", "text/scenetext_word01.jpg", true, pre({127.5f}, {127.5f}, 192, 48), {1, 3, 48, 192}},
        {"ppocr_v4_det.onnx", "text/scenetext01.jpg", true,
         pre({123.675f, 116.28f, 103.53f}, {58.395f, 57.12f, 57.375f}, 320, 320), {1, 3, 320, 320}},
        {"ultraface_rfb_320.onnx", "photos/face.jpg", true, pre({127.f}, {128.f}, 320, 240), {1, 3, 240, 320}},
        {"mnist.onnx", "text/scenetext_word02.jpg", true, pre({0.f}, {1.f}, 28, 28, 0, 0, ImagePreprocess::Format::GRAY),
         {1, 1, 28, 28}},
    };
}

}  // namespace qs::test
