#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

/** Element types of the IR. The numbering is our own; readers and writers map to their format. */
enum class DataType : uint8_t {
    Undefined,
    Float32,
    Float16,
    Float64,
    Int8,
    UInt8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Bool,
    String,
    Int4,
    UInt4,
    BFloat16,
};

// return the size in bytes of one element (sub-byte types report 1; they are stored one per byte in memory)
size_t elementSize(DataType type);
std::string_view dataTypeName(DataType type);

/** A shape; -1 marks a dimension unknown until run time. */
using Shape = std::vector<int64_t>;

// return the element count, or -1 when a dimension is unknown
int64_t elementCount(const Shape& shape);
std::string shapeToString(const Shape& shape);
bool isStatic(const Shape& shape);

/** Quantization parameters of one tensor: per tensor (axis < 0, one scale) or per channel along axis. */
struct QuantParams {
    std::vector<float> scale;
    std::vector<int32_t> zeroPoint;
    int axis = -1;
    int bits = 8;
    float min = 0.f;
    float max = 0.f;
    bool empty() const { return scale.empty(); }
    // the signed integer range of an activation's `bits` (int8: -128..127, int16: -32768..32767)
    int64_t qmin() const { return -(int64_t(1) << (bits - 1)); }
    int64_t qmax() const { return (int64_t(1) << (bits - 1)) - 1; }
};

}  // namespace qs

namespace qs {
// ONNX TensorProto.DataType numbering, kept here (no protobuf needed) because Cast's 'to' attribute uses it.
DataType dataTypeFromOnnx(int onnxType);
int onnxFromDataType(DataType type);
}  // namespace qs
