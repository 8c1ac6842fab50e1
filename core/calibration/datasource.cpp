#include "calibration/datasource.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "config/config.h"
#include "formats/modelloader.h"
#include "graph/error.h"

namespace qs {

namespace fs = std::filesystem;

ImagePreprocess imagePreprocessFromConfig(const IniDocument& c)
{
    const std::string D = "data_preprocess_param";
    ImagePreprocess p;
    std::string f = configValue(c, D, "image_to_format");
    p.format = f == "GRAY" ? ImagePreprocess::Format::GRAY : f == "BGR" ? ImagePreprocess::Format::BGR : ImagePreprocess::Format::RGB;
    if (auto v = parseFloatList(configValue(c, D, "normalize_mean"))) p.mean.assign(v->begin(), v->end());
    if (auto v = parseFloatList(configValue(c, D, "normalize_std"))) p.std.assign(v->begin(), v->end());
    p.resizeWidth = int(parseInt(configValue(c, D, "resize_width")).value_or(0));
    p.resizeHeight = int(parseInt(configValue(c, D, "resize_height")).value_or(0));
    std::string m = configValue(c, D, "resize_method");
    p.resizeMethod = m == "NEAREST" ? ImagePreprocess::Resize::Nearest : m == "CUBIC" ? ImagePreprocess::Resize::Cubic : ImagePreprocess::Resize::Linear;
    p.cropWidth = int(parseInt(configValue(c, D, "center_crop_width")).value_or(0));
    p.cropHeight = int(parseInt(configValue(c, D, "center_crop_height")).value_or(0));
    p.keepAspect = configValue(c, "quantscope_param", "resize_keep_aspect") == "true";
    return p;
}

CalibrationData::CalibrationData(const IniDocument& config, const Graph& graph)
{
    const std::string D = "data_preprocess_param";
    std::string err;
    auto entries = parseCalibratePath(configValue(config, D, "calibrate_path"), &err);
    if (!entries) throw InputError(config.file + ": [" + D + "] calibrate_path: " + (err.empty() ? "not set" : err));
    m_images = configValue(config, D, "input_type") != "BIN";
    m_pre = imagePreprocessFromConfig(config);
    size_t limit = size_t(parseInt(configValue(config, D, "calibrate_size")).value_or(100));
    bool onnx = graph.info.format == "onnx";
    for (int id : graph.inputs) {
        const Value& v = graph.values[id];
        Input in;
        in.name = v.name;
        in.shape = v.shape;
        if (!in.shape.empty() && in.shape[0] < 0) in.shape[0] = 1;
        in.type = v.type;
        in.nchw = onnx;
        std::string dir;
        for (const CalibrateEntry& e : *entries)
            if (e.input == v.name || (e.input.empty() && graph.inputs.size() == 1)) dir = e.dir;
        if (dir.empty())
            throw InputError(config.file + ": [" + D + "] calibrate_path names no folder for model input '" + v.name + "'");
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) throw InputError(config.file + ": [" + D + "] calibrate_path: directory " + dir + " does not exist");
        for (const auto& e : fs::directory_iterator(dir, ec))
            if (e.is_regular_file() && e.path().filename().string()[0] != '.') in.files.push_back(e.path().string());
        std::sort(in.files.begin(), in.files.end());
        if (in.files.empty()) throw InputError(dir + ": the calibration folder for input '" + v.name + "' has no files");
        m_inputs.push_back(std::move(in));
    }
    m_count = limit;
    for (const Input& in : m_inputs) m_count = std::min(m_count, in.files.size());
    for (const Input& in : m_inputs)
        if (in.files.size() != m_inputs[0].files.size() && m_inputs.size() > 1 && in.files.size() < limit)
            throw InputError("calibration folders hold different numbers of files (" + std::to_string(m_inputs[0].files.size()) +
                             " for '" + m_inputs[0].name + "', " + std::to_string(in.files.size()) + " for '" + in.name +
                             "'); files are paired by sorted name, so give each input the same count");
}

std::vector<std::string> CalibrationData::files(size_t i) const
{
    std::vector<std::string> out;
    for (const Input& in : m_inputs) out.push_back(in.files.at(i));
    return out;
}

Tensor binTensorFromBytes(const std::string& bytes, const std::string& file, const std::string& input, DataType type, const Shape& shape)
{
    if (!isStatic(shape)) {
        // One dynamic dimension (a sequence length, say): the file's size gives it, so samples may differ in length.
        const auto dynamic = std::count_if(shape.begin(), shape.end(), [](int64_t d) { return d < 0; });
        size_t rest = elementSize(type);
        for (int64_t d : shape) rest *= d < 0 ? 1 : size_t(d);
        if (dynamic != 1 || rest == 0 || bytes.size() % rest != 0 || bytes.empty())
            throw InputError(file + ": input '" + input + "' has the shape " + shapeToString(shape) + "; " +
                             (dynamic != 1 ? "BIN files can give one dynamic dimension: set the others with --inputShape (e.g. 1,-1)"
                                           : std::to_string(bytes.size()) + " bytes are not a whole number of " + std::to_string(rest) + "-byte slices"));
        Shape known = shape;
        for (int64_t& d : known)
            if (d < 0) d = int64_t(bytes.size() / rest);
        return binTensorFromBytes(bytes, file, input, type, known);
    }
    long double need = (long double)elementSize(type);
    for (int64_t d : shape) need *= (long double)d;
    if ((long double)bytes.size() != need)
        throw InputError(file + ": " + std::to_string(bytes.size()) + " bytes, but input '" + input + "' (" + std::string(dataTypeName(type)) +
                         shapeToString(shape) + ") needs " + std::to_string((unsigned long long)std::min<long double>(need, 1e19L)));
    Tensor t(type, shape);
    std::memcpy(t.raw(), bytes.data(), bytes.size());
    return t;
}

std::map<std::string, Tensor> CalibrationData::sample(size_t i) const
{
    std::map<std::string, Tensor> out;
    for (const Input& in : m_inputs) {
        const std::string& file = in.files.at(i);
        if (m_images) {
            out[in.name] = loadImageTensor(file, m_pre, in.shape, in.nchw);
            continue;
        }
        out[in.name] = binTensorFromBytes(readFileBytes(file, size_t(1) << 32), file, in.name, in.type, in.shape);
    }
    return out;
}

}  // namespace qs
