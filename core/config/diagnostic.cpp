#include "config/diagnostic.h"

namespace qs {

std::string Diagnostic::toString() const
{
    std::string s = file.empty() ? std::string("<config>") : file;
    if (line > 0) s += ":" + std::to_string(line);
    s += severity == Severity::Error ? ": error: " : severity == Severity::Warning ? ": warning: " : ": note: ";
    if (!section.empty() || !key.empty()) {
        if (!section.empty()) s += "[" + section + "] ";
        if (!key.empty()) s += key + ": ";
    }
    s += message;
    if (!fix.empty()) s += "; " + fix;
    return s;
}

bool hasErrors(const Diagnostics& d)
{
    for (const Diagnostic& x : d)
        if (x.severity == Diagnostic::Severity::Error) return true;
    return false;
}

}  // namespace qs
