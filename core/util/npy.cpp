#include "util/npy.h"

#include <cstring>
#include <regex>

#include "formats/modelloader.h"
#include "graph/error.h"

namespace qs {

namespace {
struct Descr {
    const char* text;
    DataType type;
};
constexpr Descr kDescr[] = {{"<f4", DataType::Float32}, {"<f2", DataType::Float16}, {"<f8", DataType::Float64},
                            {"|i1", DataType::Int8},    {"|u1", DataType::UInt8},   {"<i2", DataType::Int16},
                            {"<u2", DataType::UInt16},  {"<i4", DataType::Int32},   {"<u4", DataType::UInt32},
                            {"<i8", DataType::Int64},   {"<u8", DataType::UInt64},  {"|b1", DataType::Bool}};
}  // namespace

std::string npyFileStem(std::string name)
{
    for (char& c : name)
        if (c == '/' || c == '\\' || c == ':') c = '_';
    return name;
}

Tensor readNpy(const std::string& path) { return parseNpy(readFileBytes(path), path); }

Tensor parseNpy(const std::string& bytes, const std::string& path)
{
    auto fail = [&](const std::string& msg) { return InputError(path + ": " + msg); };
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
        throw fail("not a .npy file (the \\x93NUMPY magic is missing); save arrays with numpy.save");
    int major = uint8_t(bytes[6]);
    size_t headerLen, offset;
    if (major == 1) {
        headerLen = uint8_t(bytes[8]) | size_t(uint8_t(bytes[9])) << 8;
        offset = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) throw fail("truncated .npy header");
        headerLen = uint8_t(bytes[8]) | size_t(uint8_t(bytes[9])) << 8 | size_t(uint8_t(bytes[10])) << 16 |
                    size_t(uint8_t(bytes[11])) << 24;
        offset = 12;
    } else {
        throw fail(".npy format version " + std::to_string(major) + " is not supported");
    }
    if (offset + headerLen > bytes.size()) throw fail("truncated .npy header");
    std::string header = bytes.substr(offset, headerLen);
    std::smatch m;
    if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'"))) throw fail("the .npy header has no 'descr'");
    std::string descr = m[1];
    if (descr.size() == 3 && descr[0] == '=') descr[0] = '<';
    DataType type = DataType::Undefined;
    for (const auto& d : kDescr)
        if (descr == d.text || (descr[0] == '<' && descr.substr(1) == std::string(d.text).substr(1) && d.text[0] == '|'))
            type = d.type;
    if (type == DataType::Undefined)
        throw fail("element type '" + descr + "' is not supported (use little-endian float32, int64, ...)");
    if (std::regex_search(header, std::regex("'fortran_order'\\s*:\\s*True")))
        throw fail("Fortran-ordered arrays are not supported; save with numpy.ascontiguousarray");
    if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)"))) throw fail("the .npy header has no 'shape'");
    Shape shape;
    std::string dims = m[1];
    std::regex num("\\d+");
    for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it) {
        std::string d = it->str();
        if (d.size() > 12) throw fail("dimension " + d + " is too large");
        shape.push_back(std::stoll(d));
    }
    long double count = 1;
    for (int64_t d : shape) count *= (long double)d;
    size_t dataBytes = bytes.size() - offset - headerLen;
    if (count * (long double)elementSize(type) != (long double)dataBytes)
        throw fail("the header declares " + std::string(dataTypeName(type)) + shapeToString(shape) + " but the file holds " +
                   std::to_string(dataBytes) + " data bytes (truncated?)");
    Tensor t(type, shape);
    std::memcpy(t.raw(), bytes.data() + offset + headerLen, dataBytes);
    return t;
}

std::string npyBytes(const Tensor& t)
{
    const char* descr = nullptr;
    for (const auto& d : kDescr)
        if (d.type == t.type()) descr = d.text;
    if (!descr) throw std::runtime_error("cannot write " + std::string(dataTypeName(t.type())) + " as .npy");
    std::string shape;
    for (size_t i = 0; i < t.shape().size(); ++i) shape += (i ? ", " : "") + std::to_string(t.shape()[i]);
    if (t.shape().size() == 1) shape += ",";  // a 1-tuple keeps its comma: (3,)
    std::string header = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (" + shape + "), }";
    size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::string out = "\x93NUMPY";
    out += char(1);
    out += char(0);
    out += char(header.size() & 0xff);
    out += char(header.size() >> 8);
    out += header;
    out.append(static_cast<const char*>(t.raw()), t.byteSize());
    return out;
}

}  // namespace qs
