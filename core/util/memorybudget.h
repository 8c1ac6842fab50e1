#pragma once
#include <cstddef>
#include <optional>
#include <string>

namespace qs {

/** The most memory one piece of work may claim before Quantscope refuses it: a model file read into memory, one
 *  tensor it declares, the interpreter's activation buffers for one input shape. Checked before allocating, so a
 *  hostile or mistaken model fails with a message instead of exhausting the machine.
 *  Default: 3/4 of physical memory. QUANTSCOPE_MEMORY_BUDGET (read once, e.g. "512M", "8G" or bytes) or
 *  setMemoryBudget (the CLI's --memory-budget) override it. */
size_t memoryBudget();
void setMemoryBudget(size_t bytes);

// "1073741824", "512K", "512M", "8G", "1.5G" (binary units; case-insensitive, optional trailing "B"); nullopt if malformed
std::optional<size_t> parseByteSize(const std::string& text);
// e.g. "1.5 GiB"
std::string formatBytes(double bytes);

// Throws InputError "<what> needs <n>, more than the memory budget of <budget> (...how to raise it)" when bytes exceeds
// the budget. bytes is a long double so that products of dims from a file cannot overflow before the check.
void checkMemoryBudget(long double bytes, const std::string& what);

}  // namespace qs
