#pragma once
#include <string>

#include "formats/modelloader.h"

namespace qs {

// Parses a TFLite flatbuffer (after the flatbuffers verifier) into the IR. Spatial ops keep TFLite's NHWC layout
// (attribute layout=NHWC) so that the graph can be written back as TFLite unchanged.
LoadResult readTflite(const std::string& bytes, const std::string& path, const LoadOptions& options);

// Maps the IR's element types to TFLite's TensorType codes and back; -1 / Undefined where there is no match.
int tfliteFromDataType(DataType type);
DataType dataTypeFromTflite(int code);

}  // namespace qs
