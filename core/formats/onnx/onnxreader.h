#pragma once
#include <string>

#include "formats/modelloader.h"

namespace qs {

// Parses an ONNX model from bytes. path is used for messages and for external data lookup.
LoadResult readOnnx(const std::string& bytes, const std::string& path, const LoadOptions& options);

}  // namespace qs
