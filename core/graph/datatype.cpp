#include "graph/datatype.h"

#include <limits>

namespace qs {

size_t elementSize(DataType type)
{
    switch (type) {
    case DataType::Float32: return 4;
    case DataType::Float16:
    case DataType::BFloat16: return 2;
    case DataType::Float64: return 8;
    case DataType::Int8:
    case DataType::UInt8:
    case DataType::Bool:
    case DataType::Int4:
    case DataType::UInt4: return 1;
    case DataType::Int16:
    case DataType::UInt16: return 2;
    case DataType::Int32:
    case DataType::UInt32: return 4;
    case DataType::Int64:
    case DataType::UInt64: return 8;
    case DataType::String:
    case DataType::Undefined: return 0;
    }
    return 0;
}

std::string_view dataTypeName(DataType type)
{
    switch (type) {
    case DataType::Float32: return "float32";
    case DataType::Float16: return "float16";
    case DataType::Float64: return "float64";
    case DataType::Int8: return "int8";
    case DataType::UInt8: return "uint8";
    case DataType::Int16: return "int16";
    case DataType::UInt16: return "uint16";
    case DataType::Int32: return "int32";
    case DataType::UInt32: return "uint32";
    case DataType::Int64: return "int64";
    case DataType::UInt64: return "uint64";
    case DataType::Bool: return "bool";
    case DataType::String: return "string";
    case DataType::Int4: return "int4";
    case DataType::UInt4: return "uint4";
    case DataType::BFloat16: return "bfloat16";
    case DataType::Undefined: return "undefined";
    }
    return "undefined";
}

int64_t elementCount(const Shape& shape)
{
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0) return -1;
        // dims from a file can multiply past int64: saturate, so that size checks against the file reject them
        if (__builtin_mul_overflow(n, d, &n)) n = std::numeric_limits<int64_t>::max();
    }
    return n;
}

std::string shapeToString(const Shape& shape)
{
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ",";
        s += shape[i] < 0 ? std::string("?") : std::to_string(shape[i]);
    }
    return s + "]";
}

bool isStatic(const Shape& shape)
{
    for (int64_t d : shape)
        if (d < 0) return false;
    return true;
}

}  // namespace qs

namespace qs {
namespace {
struct OnnxTypePair {
    int onnx;
    DataType type;
};
constexpr OnnxTypePair kOnnxTypes[] = {
    {1, DataType::Float32}, {2, DataType::UInt8},   {3, DataType::Int8},   {4, DataType::UInt16},
    {5, DataType::Int16},   {6, DataType::Int32},   {7, DataType::Int64},  {8, DataType::String},
    {9, DataType::Bool},    {10, DataType::Float16}, {11, DataType::Float64}, {12, DataType::UInt32},
    {13, DataType::UInt64}, {16, DataType::BFloat16}, {21, DataType::UInt4},  {22, DataType::Int4},
};
}  // namespace

DataType dataTypeFromOnnx(int onnxType)
{
    for (const auto& p : kOnnxTypes)
        if (p.onnx == onnxType) return p.type;
    return DataType::Undefined;
}

int onnxFromDataType(DataType type)
{
    for (const auto& p : kOnnxTypes)
        if (p.type == type) return p.onnx;
    return 0;
}
}  // namespace qs
