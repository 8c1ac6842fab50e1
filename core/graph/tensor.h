#pragma once
#include <cstring>
#include <memory>
#include <span>
#include <string>

#include "graph/datatype.h"

namespace qs {

/** A dense row-major tensor. Copies share storage (cheap, like a handle); clone() copies the bytes.
 *  Storage is 64-byte aligned so that vector kernels may use aligned loads. */
class Tensor {
public:
    Tensor() = default;
    Tensor(DataType type, Shape shape);  // zero-filled
    // A tensor over existing storage (at least byteSize() bytes), shared with other views.
    static Tensor view(DataType type, Shape shape, std::shared_ptr<uint8_t> storage);

    DataType type() const { return m_type; }
    const Shape& shape() const { return m_shape; }
    int64_t count() const { return m_count; }
    size_t byteSize() const { return size_t(m_count) * elementSize(m_type); }
    bool empty() const { return !m_storage; }

    void* raw() { return m_storage.get(); }
    const void* raw() const { return m_storage.get(); }
    template <typename T> T* data() { return static_cast<T*>(raw()); }
    template <typename T> const T* data() const { return static_cast<const T*>(raw()); }
    template <typename T> std::span<const T> values() const { return {data<T>(), size_t(m_count)}; }

    // Reinterprets the same bytes with another shape of equal element count.
    Tensor reshaped(Shape shape) const;
    Tensor clone() const;

    // return the elements converted to float (any numeric type)
    std::vector<float> toFloat() const;
    // return the elements converted to int64 (integer or float types)
    std::vector<int64_t> toInt64() const;

    // return a copy with elements converted to type (numeric types, float16 and bool); NaN/Inf become 0 for integers
    Tensor convertedTo(DataType type) const;

    static Tensor fromFloat(std::span<const float> values, Shape shape);
    static Tensor fromInt64(std::span<const int64_t> values, Shape shape);
    static Tensor scalarFloat(float v) { return fromFloat(std::span<const float>(&v, 1), {}); }

private:
    DataType m_type = DataType::Undefined;
    Shape m_shape;
    int64_t m_count = 0;
    std::shared_ptr<uint8_t> m_storage;
};

// return q's values as floats: (q - zero point) * scale, per channel along params.axis when there are several scales
std::vector<float> dequantize(const Tensor& q, const QuantParams& params);
// Fills t (Int4 or UInt4, one value per int8) from 4-bit values packed two a byte, element 2k in the low nibble
// (the ONNX and TFLite layout). packed holds (t.count() + 1) / 2 bytes.
void unpackInt4(const uint8_t* packed, Tensor& t);

float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);

}  // namespace qs
