#pragma once
#include <sstream>
#include <string>
#include <vector>

namespace qs {

/** A minimal streaming JSON writer: enough for machine-readable CLI output. */
class JsonWriter {
public:
    JsonWriter& beginObject() { sep(); m_out << '{'; m_first.push_back(true); return *this; }
    JsonWriter& endObject() { m_out << '}'; m_first.pop_back(); return *this; }
    JsonWriter& beginArray() { sep(); m_out << '['; m_first.push_back(true); return *this; }
    JsonWriter& endArray() { m_out << ']'; m_first.pop_back(); return *this; }
    JsonWriter& key(const std::string& k) { sep(); str(k); m_out << ':'; m_afterKey = true; return *this; }
    JsonWriter& value(const std::string& v) { sep(); str(v); return *this; }
    JsonWriter& value(const char* v) { return value(std::string(v)); }
    JsonWriter& value(double v);
    JsonWriter& value(int64_t v) { sep(); m_out << v; return *this; }
    JsonWriter& value(int v) { return value(int64_t(v)); }
    JsonWriter& value(size_t v) { return value(int64_t(v)); }
    JsonWriter& value(bool v) { sep(); m_out << (v ? "true" : "false"); return *this; }
    std::string str() const { return m_out.str(); }

private:
    void sep()
    {
        if (m_afterKey) { m_afterKey = false; return; }
        if (!m_first.empty()) {
            if (!m_first.back()) m_out << ',';
            m_first.back() = false;
        }
    }
    void str(const std::string& s);
    std::ostringstream m_out;
    std::vector<bool> m_first;
    bool m_afterKey = false;
};

}  // namespace qs
