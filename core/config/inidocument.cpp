#include "config/inidocument.h"

#include <algorithm>

namespace qs {

std::string trim(const std::string& s)
{
    size_t a = s.find_first_not_of(" \t\r\f\v");
    if (a == std::string::npos) return {};
    size_t b = s.find_last_not_of(" \t\r\f\v");
    return s.substr(a, b - a + 1);
}

IniDocument IniDocument::parse(const std::string& text, const std::string& file, Diagnostics& diagnostics)
{
    IniDocument doc;
    doc.file = file;
    doc.m_crlf = text.find("\r\n") != std::string::npos;
    doc.m_finalNewline = text.empty() || text.back() == '\n';
    std::string section;
    size_t pos = 0;
    int number = 0;
    auto diag = [&](const std::string& msg, const std::string& fix) {
        diagnostics.push_back({Diagnostic::Severity::Error, file, number, section, "", msg, fix});
    };
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        Line line;
        line.text = text.substr(pos, end - pos);
        if (!line.text.empty() && line.text.back() == '\r') line.text.pop_back();
        pos = end + 1;
        ++number;
        if (number == 1 && line.text.rfind("\xEF\xBB\xBF", 0) == 0) line.text.erase(0, 3);  // UTF-8 BOM
        std::string t = trim(line.text);
        if (t.empty()) {
            line.kind = Line::Kind::Blank;
        } else if (t[0] == '#' || t[0] == ';') {
            line.kind = Line::Kind::Comment;
        } else if (t[0] == '[') {
            if (t.back() != ']' || t.size() < 3) {
                line.kind = Line::Kind::Invalid;
                diag("malformed section header '" + t + "'", "write it as [section_name]");
            } else {
                line.kind = Line::Kind::Section;
                section = trim(t.substr(1, t.size() - 2));
                line.section = section;
            }
        } else {
            size_t eq = line.text.find('=');
            if (eq == std::string::npos) {
                line.kind = Line::Kind::Invalid;
                diag("expected key=value or [section], got '" + t + "'", "add '=' and a value, or comment the line out with #");
            } else {
                line.kind = Line::Kind::Entry;
                line.section = section;
                line.key = trim(line.text.substr(0, eq));
                size_t v = line.text.find_first_not_of(" \t", eq + 1);
                if (v == std::string::npos) v = line.text.size();
                line.value = trim(line.text.substr(v));
                line.valueStart = v;
                line.valueLength = line.text.size() - v;
                if (line.key.empty()) diag("a value without a key", "write key=value");
            }
        }
        doc.m_lines.push_back(std::move(line));
    }
    return doc;
}

std::string IniDocument::toString() const
{
    std::string out;
    const char* nl = m_crlf ? "\r\n" : "\n";
    for (size_t i = 0; i < m_lines.size(); ++i) {
        out += m_lines[i].text;
        if (i + 1 < m_lines.size() || m_finalNewline) out += nl;
    }
    return out;
}

std::optional<std::string> IniDocument::get(const std::string& section, const std::string& key) const
{
    std::optional<std::string> v;
    for (const Line& l : m_lines)
        if (l.kind == Line::Kind::Entry && l.section == section && l.key == key) v = l.value;
    return v;
}

int IniDocument::lineOf(const std::string& section, const std::string& key) const
{
    int found = 0;
    for (size_t i = 0; i < m_lines.size(); ++i)
        if (m_lines[i].kind == Line::Kind::Entry && m_lines[i].section == section && m_lines[i].key == key) found = int(i) + 1;
    return found;
}

int IniDocument::reportedLine(const std::string& section, const std::string& key) const
{
    const int at = lineOf(section, key);
    return at > 0 && m_lines[size_t(at - 1)].movedFrom > 0 ? m_lines[size_t(at - 1)].movedFrom : at;
}

void IniDocument::setMovedFrom(const std::string& section, const std::string& key, int line)
{
    if (const int at = lineOf(section, key); at > 0) m_lines[size_t(at - 1)].movedFrom = line;
}

int IniDocument::sectionLine(const std::string& section) const
{
    for (size_t i = 0; i < m_lines.size(); ++i)
        if (m_lines[i].kind == Line::Kind::Section && m_lines[i].section == section) return int(i) + 1;
    return 0;
}

bool IniDocument::hasSection(const std::string& section) const { return sectionLine(section) > 0; }

void IniDocument::set(const std::string& section, const std::string& key, const std::string& value)
{
    int at = lineOf(section, key);
    if (at > 0) {
        Line& l = m_lines[size_t(at - 1)];
        l.text.replace(l.valueStart, l.valueLength, value);
        l.valueLength = value.size();
        l.value = value;
        return;
    }
    // Append after the section's last non-blank line, creating the section at the end when missing.
    size_t insertAt = m_lines.size();
    if (!hasSection(section)) {
        if (!m_lines.empty() && m_lines.back().kind != Line::Kind::Blank) m_lines.push_back({});
        Line header;
        header.kind = Line::Kind::Section;
        header.text = "[" + section + "]";
        header.section = section;
        m_lines.push_back(header);
        insertAt = m_lines.size();
    } else {
        size_t start = size_t(sectionLine(section));
        size_t i = start;
        while (i < m_lines.size() && m_lines[i].kind != Line::Kind::Section) ++i;
        insertAt = i;
        while (insertAt > start && m_lines[insertAt - 1].kind == Line::Kind::Blank) --insertAt;
    }
    Line l;
    l.kind = Line::Kind::Entry;
    l.section = section;
    l.key = key;
    l.value = value;
    l.text = key + "=" + value;
    l.valueStart = key.size() + 1;
    l.valueLength = value.size();
    m_lines.insert(m_lines.begin() + long(insertAt), l);
}

void IniDocument::appendComment(const std::string& section, const std::string& comment)
{
    set(section, "\x01", "");  // reserve the position, then turn it into the comment line
    for (Line& l : m_lines)
        if (l.kind == Line::Kind::Entry && l.key == "\x01") {
            l = {};
            l.kind = Line::Kind::Comment;
            l.text = "# " + comment;
            l.section = section;
        }
}

void IniDocument::remove(const std::string& section, const std::string& key)
{
    m_lines.erase(std::remove_if(m_lines.begin(), m_lines.end(),
                                 [&](const Line& l) { return l.kind == Line::Kind::Entry && l.section == section && l.key == key; }),
                  m_lines.end());
}

std::vector<std::string> IniDocument::sections() const
{
    std::vector<std::string> out;
    for (const Line& l : m_lines)
        if (l.kind == Line::Kind::Section && std::find(out.begin(), out.end(), l.section) == out.end()) out.push_back(l.section);
    return out;
}

std::vector<std::pair<std::string, std::string>> IniDocument::entries(const std::string& section) const
{
    std::vector<std::pair<std::string, std::string>> out;
    for (const Line& l : m_lines)
        if (l.kind == Line::Kind::Entry && l.section == section) out.emplace_back(l.key, l.value);
    return out;
}

}  // namespace qs
