#pragma once
#include <string>

#include "formats/modelloader.h"

namespace qs {

// Parses an ONNX model from bytes. path is used for messages and for external data lookup.
LoadResult readOnnx(const std::string& bytes, const std::string& path, const LoadOptions& options);

// Reads one serialised onnx.TensorProto (the .pb files of ONNX's backend test data).
Tensor readOnnxTensorFile(const std::string& path);

}  // namespace qs
