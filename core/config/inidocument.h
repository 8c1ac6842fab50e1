#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/diagnostic.h"

namespace qs {

/** An INI file kept line by line, so that writing it back preserves comments, blank lines, order and spacing.
 *  Lines: "[section]", "key=value" (any spacing around '='), comments starting with '#' or ';', blanks. */
class IniDocument {
public:
    struct Line {
        enum class Kind { Blank, Comment, Section, Entry, Invalid };
        Kind kind = Kind::Blank;
        std::string text;     // the line as written (without the line break)
        std::string section;  // the section it belongs to (Entry), or opens (Section)
        std::string key;
        std::string value;    // trimmed
        size_t valueStart = 0, valueLength = 0;  // where value sits in text (for in-place edits)
        int movedFrom = 0;  // the 1-based line it was read from, when it was moved from there (0: not moved)
    };

    // Parses text. Syntax problems become diagnostics (error) naming file and line; parsing never throws.
    static IniDocument parse(const std::string& text, const std::string& file, Diagnostics& diagnostics);

    // return the text; identical to what parse() read when nothing was changed
    std::string toString() const;

    // return the value of the last occurrence of key in section
    std::optional<std::string> get(const std::string& section, const std::string& key) const;
    // return the 1-based line of the last occurrence, or 0
    int lineOf(const std::string& section, const std::string& key) const;
    int sectionLine(const std::string& section) const;
    // return the line to name in a diagnostic about the last occurrence: where it was read from (movedFrom), else lineOf
    int reportedLine(const std::string& section, const std::string& key) const;
    // Records that the last occurrence of key in section was read from line (see Line::movedFrom).
    void setMovedFrom(const std::string& section, const std::string& key, int line);
    bool hasSection(const std::string& section) const;
    // Sets key in place (keeping the line's spacing), or appends it to the section, creating the section.
    void set(const std::string& section, const std::string& key, const std::string& value);
    void remove(const std::string& section, const std::string& key);
    std::vector<std::string> sections() const;
    // return (key, value) of every entry in section, in file order
    std::vector<std::pair<std::string, std::string>> entries(const std::string& section) const;
    const std::vector<Line>& lines() const { return m_lines; }
    void appendComment(const std::string& section, const std::string& comment);

    std::string file;

private:
    std::vector<Line> m_lines;
    bool m_crlf = false;
    bool m_finalNewline = true;
};

std::string trim(const std::string& s);

}  // namespace qs
