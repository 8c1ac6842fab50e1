#pragma once
#include <string>

#include "graph/tensor.h"

namespace qs {

// Reads a numpy .npy file (format 1.0-3.0, little-endian, C order). Throws InputError naming the file.
Tensor readNpy(const std::string& path);
// The same from bytes already read; path names them in messages.
Tensor parseNpy(const std::string& bytes, const std::string& path);
// return the file stem for a tensor's .npy file: name with '/', '\\' and ':' replaced by '_' (as quantscope-cli run
// and the interop scripts' safeName do)
std::string npyFileStem(std::string name);
// Serialises a tensor as .npy bytes (format 1.0).
std::string npyBytes(const Tensor& t);

}  // namespace qs
