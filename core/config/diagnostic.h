#pragma once
#include <string>
#include <vector>

namespace qs {

/** One finding about a config: where (file, line, section, key), what, and how to fix it. */
struct Diagnostic {
    enum class Severity { Error, Warning, Note };
    Severity severity = Severity::Error;
    std::string file;
    int line = 0;  // 1-based; 0 when the finding is about something missing
    std::string section;
    std::string key;
    std::string message;
    std::string fix;

    // "file:line: error: [section] key: message; fix"
    std::string toString() const;
};

using Diagnostics = std::vector<Diagnostic>;

bool hasErrors(const Diagnostics& d);

}  // namespace qs
