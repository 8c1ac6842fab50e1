#pragma once
#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace qs {

struct LoadOptions {
    // Overrides of input shapes, like converter_lite's --inputShape="name:1,3,48,192;name2:...".
    std::map<std::string, Shape> inputShapes;
    // Run the ONNX checker and ONNX shape inference (libonnx). Their findings are reported as warnings.
    bool runOnnxChecker = true;
};

struct LoadResult {
    Graph graph;
    std::vector<std::string> warnings;
};

// Loads an ONNX or TFLite model, detected by content (TFLite's "TFL3" identifier) and then by extension.
// Throws InputError with a message naming the file and what is wrong.
LoadResult loadModel(const std::string& path, const LoadOptions& options = {});

// Same as loadModel, from bytes already in memory; path is used for messages and to find external data.
LoadResult loadModelFromBytes(const std::string& bytes, const std::string& path, const LoadOptions& options = {});

// Parses "name:1,3,224,224;other:1,10" into a map. Throws InputError on malformed text.
std::map<std::string, Shape> parseInputShapes(const std::string& text);

// Reads a whole file; throws InputError naming the file when it cannot be read.
std::string readFileBytes(const std::string& path, size_t maxBytes = size_t(4) << 30);

}  // namespace qs
