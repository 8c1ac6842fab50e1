#include "graph/tensor.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace qs {

namespace {
std::shared_ptr<uint8_t> allocate(size_t bytes)
{
    size_t rounded = (bytes + 63) / 64 * 64;
    if (rounded == 0) rounded = 64;
    auto* p = static_cast<uint8_t*>(std::aligned_alloc(64, rounded));
    if (!p) throw std::bad_alloc();
    std::memset(p, 0, rounded);
    return std::shared_ptr<uint8_t>(p, [](uint8_t* q) { std::free(q); });
}

template <typename Out, typename Fn> std::vector<Out> convert(const Tensor& t, Fn cast)
{
    std::vector<Out> out(size_t(t.count()));
    const void* p = t.raw();
    auto each = [&](auto* src) {
        for (size_t i = 0; i < out.size(); ++i) out[i] = cast(src[i]);
    };
    switch (t.type()) {
    case DataType::Float32: each(static_cast<const float*>(p)); break;
    case DataType::Float64: each(static_cast<const double*>(p)); break;
    case DataType::Float16:
        for (size_t i = 0; i < out.size(); ++i) out[i] = cast(halfToFloat(static_cast<const uint16_t*>(p)[i]));
        break;
    case DataType::Int8:
    case DataType::Int4: each(static_cast<const int8_t*>(p)); break;
    case DataType::UInt8:
    case DataType::UInt4:
    case DataType::Bool: each(static_cast<const uint8_t*>(p)); break;
    case DataType::Int16: each(static_cast<const int16_t*>(p)); break;
    case DataType::UInt16: each(static_cast<const uint16_t*>(p)); break;
    case DataType::Int32: each(static_cast<const int32_t*>(p)); break;
    case DataType::UInt32: each(static_cast<const uint32_t*>(p)); break;
    case DataType::Int64: each(static_cast<const int64_t*>(p)); break;
    case DataType::UInt64: each(static_cast<const uint64_t*>(p)); break;
    default: throw std::runtime_error("cannot convert a " + std::string(dataTypeName(t.type())) + " tensor to numbers");
    }
    return out;
}
// x as the integer type T: NaN and infinities become 0, values beyond T's range its nearest bound (a plain cast of
// an out-of-range float is undefined behaviour, and files hold any bits).
template <class T>
T saturatingCast(double x)
{
    if (!std::isfinite(x)) return T(0);
    if (x >= double(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    if (x <= double(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    return T(x);
}
}  // namespace

Tensor::Tensor(DataType type, Shape shape) : m_type(type), m_shape(std::move(shape))
{
    m_count = elementCount(m_shape);
    if (m_count < 0) throw std::runtime_error("tensor shape " + shapeToString(m_shape) + " is not static");
    m_storage = allocate(byteSize());
}

Tensor Tensor::view(DataType type, Shape shape, std::shared_ptr<uint8_t> storage)
{
    Tensor t;
    t.m_type = type;
    t.m_shape = std::move(shape);
    t.m_count = elementCount(t.m_shape);
    t.m_storage = std::move(storage);
    return t;
}

Tensor Tensor::reshaped(Shape shape) const
{
    if (elementCount(shape) != m_count)
        throw std::runtime_error("cannot reshape " + shapeToString(m_shape) + " to " + shapeToString(shape));
    Tensor t = *this;
    t.m_shape = std::move(shape);
    return t;
}

Tensor Tensor::clone() const
{
    Tensor t(m_type, m_shape);
    if (m_storage) std::memcpy(t.raw(), raw(), byteSize());
    return t;
}

std::vector<float> Tensor::toFloat() const
{
    return convert<float>(*this, [](auto v) { return static_cast<float>(v); });
}

std::vector<int64_t> Tensor::toInt64() const
{
    return convert<int64_t>(*this, [](auto v) {
        if constexpr (std::is_floating_point_v<decltype(v)>) return saturatingCast<int64_t>(double(v));
        else return static_cast<int64_t>(v);
    });
}

Tensor Tensor::convertedTo(DataType type) const
{
    Tensor out(type, m_shape);
    auto fill = [&](auto* y) {
        using T = std::remove_pointer_t<decltype(y)>;
        if (m_type == DataType::Int64 || m_type == DataType::UInt64) {
            auto v = toInt64();
            for (size_t i = 0; i < v.size(); ++i) y[i] = T(v[i]);
            return;
        }
        std::vector<double> v = convert<double>(*this, [](auto x) { return double(x); });
        for (size_t i = 0; i < v.size(); ++i) {
            if constexpr (std::is_integral_v<T>) y[i] = saturatingCast<T>(v[i]);
            else y[i] = T(v[i]);
        }
    };
    switch (type) {
    case DataType::Float32: fill(out.data<float>()); break;
    case DataType::Float64: fill(out.data<double>()); break;
    case DataType::Int64: fill(out.data<int64_t>()); break;
    case DataType::UInt64: fill(out.data<uint64_t>()); break;
    case DataType::Int32: fill(out.data<int32_t>()); break;
    case DataType::UInt32: fill(out.data<uint32_t>()); break;
    case DataType::Int16: fill(out.data<int16_t>()); break;
    case DataType::UInt16: fill(out.data<uint16_t>()); break;
    case DataType::Int8: fill(out.data<int8_t>()); break;
    case DataType::UInt8: fill(out.data<uint8_t>()); break;
    case DataType::Bool: {
        auto v = toFloat();
        for (size_t i = 0; i < v.size(); ++i) out.data<uint8_t>()[i] = v[i] != 0.f;
        break;
    }
    case DataType::Float16: {
        auto v = toFloat();
        for (size_t i = 0; i < v.size(); ++i) out.data<uint16_t>()[i] = floatToHalf(v[i]);
        break;
    }
    default: throw std::runtime_error("cannot convert to " + std::string(dataTypeName(type)));
    }
    return out;
}

Tensor Tensor::fromFloat(std::span<const float> values, Shape shape)
{
    Tensor t(DataType::Float32, std::move(shape));
    if (size_t(t.count()) != values.size()) throw std::runtime_error("value count does not match shape");
    std::memcpy(t.raw(), values.data(), values.size_bytes());
    return t;
}

Tensor Tensor::fromInt64(std::span<const int64_t> values, Shape shape)
{
    Tensor t(DataType::Int64, std::move(shape));
    if (size_t(t.count()) != values.size()) throw std::runtime_error("value count does not match shape");
    std::memcpy(t.raw(), values.data(), values.size_bytes());
    return t;
}

float halfToFloat(uint16_t h)
{
    uint32_t sign = uint32_t(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            int e = -1;
            do {
                ++e;
                mant <<= 1;
            } while (!(mant & 0x400));
            bits = sign | uint32_t(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | mant << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

uint16_t floatToHalf(float f)
{
    uint32_t x;
    std::memcpy(&x, &f, 4);
    uint16_t sign = uint16_t((x >> 16) & 0x8000);
    int32_t exp = int32_t((x >> 23) & 0xff) - 127 + 15;
    uint32_t mant = x & 0x7fffff;
    if (((x >> 23) & 0xff) == 0xff) return uint16_t(sign | 0x7c00 | (mant ? 0x200 : 0));
    if (exp >= 31) return uint16_t(sign | 0x7c00);
    if (exp <= 0) {
        if (exp < -10) return sign;
        mant |= 0x800000;
        uint32_t shift = uint32_t(14 - exp);
        uint32_t half = mant >> shift;
        uint32_t rem = mant & ((1u << shift) - 1);
        uint32_t mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1))) ++half;
        return uint16_t(sign | half);
    }
    uint32_t half = uint32_t(exp) << 10 | mant >> 13;
    uint32_t rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) ++half;
    return uint16_t(sign | half);
}

std::vector<float> dequantize(const Tensor& q, const QuantParams& p)
{
    auto v = q.toFloat();
    const Shape& s = q.shape();
    int64_t channels = int64_t(p.scale.size()), inner = 1;
    if (channels > 1 && p.axis >= 0)
        for (size_t d = size_t(p.axis) + 1; d < s.size(); ++d) inner *= s[d];
    for (size_t i = 0; i < v.size(); ++i) {
        size_t c = channels > 1 ? size_t((int64_t(i) / inner) % channels) : 0;
        float zp = c < p.zeroPoint.size() ? float(p.zeroPoint[c]) : 0.f;
        v[i] = (v[i] - zp) * p.scale[c];
    }
    return v;
}

void unpackInt4(const uint8_t* packed, Tensor& t)
{
    int8_t* dst = t.data<int8_t>();
    const bool isSigned = t.type() == DataType::Int4;
    for (size_t i = 0; i < size_t(t.count()); ++i) {
        int v = (packed[i / 2] >> (i % 2 ? 4 : 0)) & 0x0F;
        dst[i] = int8_t(isSigned && v >= 8 ? v - 16 : v);
    }
}

}  // namespace qs
