#include "util/json.h"

#include <cmath>
#include <cstdio>

namespace qs {

JsonWriter& JsonWriter::value(double v)
{
    sep();
    if (!std::isfinite(v)) {
        m_out << "null";
    } else {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.9g", v);
        m_out << buf;
    }
    return *this;
}

void JsonWriter::str(const std::string& s)
{
    m_out << '"';
    for (unsigned char c : s) {
        switch (c) {
        case '"': m_out << "\\\""; break;
        case '\\': m_out << "\\\\"; break;
        case '\n': m_out << "\\n"; break;
        case '\t': m_out << "\\t"; break;
        case '\r': m_out << "\\r"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                m_out << buf;
            } else {
                m_out << c;
            }
        }
    }
    m_out << '"';
}

}  // namespace qs
