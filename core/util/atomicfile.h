#pragma once
#include <string>

namespace qs {

// Writes bytes to path atomically: a temporary file in the same directory, flushed to disk, then renamed over
// path. Readers see the old file or the new one, never a partial one. Throws InputError on failure.
void writeFileAtomic(const std::string& path, const std::string& bytes);

// Throws InputError when output would overwrite input (same file, also through links).
void refuseOverwrite(const std::string& input, const std::string& output);

}  // namespace qs
