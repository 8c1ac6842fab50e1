#include "formats/modelloader.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "formats/onnx/onnxreader.h"
#include "formats/tflite/tflitereader.h"
#include "graph/error.h"
#include "graph/opregistry.h"
#include "util/memorybudget.h"

namespace qs {

std::string readFileBytes(const std::string& path, size_t maxBytes)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw InputError(path + ": file not found; check the path");
    if (std::filesystem::is_directory(path, ec)) throw InputError(path + ": is a directory, expected a file");
    auto size = std::filesystem::file_size(path, ec);
    if (ec) throw InputError(path + ": cannot read the file size: " + ec.message());
    if (size > maxBytes)
        throw InputError(path + ": file is " + std::to_string(size) + " bytes, more than the limit of " +
                         std::to_string(maxBytes));
    checkMemoryBudget((long double)size, path + ": reading the file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path + ": cannot open the file for reading (permissions?)");
    std::string bytes(size, '\0');
    in.read(bytes.data(), std::streamsize(size));
    if (size_t(in.gcount()) != size) throw InputError(path + ": short read; the file changed while reading");
    return bytes;
}

LoadResult loadModel(const std::string& path, const LoadOptions& options)
{
    return loadModelFromBytes(readFileBytes(path), path, options);
}

LoadResult loadModelFromBytes(const std::string& bytes, const std::string& path, const LoadOptions& options)
{
    if (bytes.empty()) throw InputError(path + ": the file is empty; expected an ONNX or TFLite model");
    bool tflite = bytes.size() >= 8 && bytes.compare(4, 4, "TFL3") == 0;
    std::string ext = std::filesystem::path(path).extension().string();
    if (!tflite && ext == ".tflite")
        throw InputError(path + ": not a TFLite model (the 'TFL3' file identifier is missing); the file may be "
                                "truncated or of another format");
    LoadResult result = tflite ? readTflite(bytes, path, options) : readOnnx(bytes, path, options);
    Graph& g = result.graph;
    for (const auto& [name, shape] : options.inputShapes) {
        int id = g.findValue(name);
        bool isInput = id >= 0 && std::find(g.inputs.begin(), g.inputs.end(), id) != g.inputs.end();
        if (!isInput) {
            std::string names = g.inputNames();
            throw InputError(path + ": --inputShape names '" + name + "', which is not an input of the model (inputs: " +
                             names + ")");
        }
        Value& v = g.values[id];
        if (!v.shape.empty() && v.shape.size() != shape.size())
            throw InputError(path + ": --inputShape gives " + std::to_string(shape.size()) + " dims for input '" + name +
                             "', which has rank " + std::to_string(v.shape.size()));
        v.shape = shape;
    }
    if (!options.inputShapes.empty()) {
        // Re-infer shapes downstream of the overridden inputs.
        for (Value& v : g.values)
            if (v.producer >= 0) v.shape.clear();
    }
    inferGraphShapes(g);
    return result;
}

std::map<std::string, Shape> parseInputShapes(const std::string& text)
{
    std::map<std::string, Shape> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ';')) {
        if (item.empty()) continue;
        auto colon = item.rfind(':');
        if (colon == std::string::npos || colon == 0)
            throw InputError("--inputShape: '" + item + "' must look like name:1,3,224,224");
        Shape shape;
        std::stringstream dims(item.substr(colon + 1));
        std::string d;
        while (std::getline(dims, d, ',')) {
            try {
                size_t used = 0;
                long long v = std::stoll(d, &used);
                if (used != d.size() || (v <= 0 && v != -1)) throw std::invalid_argument(d);
                shape.push_back(v);  // -1 keeps the dimension dynamic (BIN calibration files then give it)
            } catch (const std::exception&) {
                throw InputError("--inputShape: dimension '" + d + "' of '" + item + "' is not a positive integer (or -1: dynamic)");
            }
        }
        out[item.substr(0, colon)] = shape;
    }
    return out;
}

}  // namespace qs
