#pragma once
#include <iosfwd>

namespace qs {

// The whole quantscope-cli: parses arguments and runs a command. return the process exit code:
// 0 success, 1 findings (validate), 2 bad input or usage, 3 internal error.
int runCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace qs
