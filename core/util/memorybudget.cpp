#include "util/memorybudget.h"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "graph/error.h"

namespace qs {

namespace {

size_t defaultBudget()
{
    if (const char* env = std::getenv("QUANTSCOPE_MEMORY_BUDGET"))
        if (auto b = parseByteSize(env)) return *b;
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return size_t(8) << 30;
    return size_t(pages) / 4 * 3 * size_t(page);
}

std::atomic<size_t>& budget()
{
    static std::atomic<size_t> b{defaultBudget()};
    return b;
}

}  // namespace

size_t memoryBudget() { return budget().load(std::memory_order_relaxed); }

void setMemoryBudget(size_t bytes) { budget().store(bytes, std::memory_order_relaxed); }

std::optional<size_t> parseByteSize(const std::string& text)
{
    const char* s = text.c_str();
    char* end = nullptr;
    double v = std::strtod(s, &end);
    if (end == s || !std::isfinite(v) || v <= 0) return std::nullopt;
    std::string unit;
    for (; *end; ++end)
        if (!std::isspace(static_cast<unsigned char>(*end))) unit += char(std::toupper(static_cast<unsigned char>(*end)));
    if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();
    if (unit.size() == 2 && unit[1] == 'I') unit.pop_back();  // KiB, MiB, GiB
    double scale = unit.empty() || unit == "B" ? 1.0 : unit == "K" ? 0x1p10 : unit == "M" ? 0x1p20 : unit == "G" ? 0x1p30 : unit == "T" ? 0x1p40 : 0;
    if (scale == 0 || v * scale < 1 || v * scale > 0x1p62) return std::nullopt;
    return size_t(v * scale);
}

std::string formatBytes(double bytes)
{
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024 && u < 6) {
        bytes /= 1024;
        ++u;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    return buf;
}

void checkMemoryBudget(long double bytes, const std::string& what)
{
    size_t b = memoryBudget();
    if (bytes <= (long double)b) return;
    throw InputError(what + " needs " + formatBytes(double(std::min<long double>(bytes, 1e30L))) +
                     ", more than the memory budget of " + formatBytes(double(b)) +
                     " (raise it with --memory-budget or QUANTSCOPE_MEMORY_BUDGET if the machine has the memory)");
}

}  // namespace qs
