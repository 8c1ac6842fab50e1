#pragma once
// quantscope-cli run in-process, as the tests drive it: the arguments after the program name, what it printed, and
// its exit code. --memory-budget sets a process-wide budget; it is restored after each call.
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "util/memorybudget.h"

namespace qs::test {

struct CliResult {
    int code;
    std::string out, err;
};

inline CliResult cli(std::vector<std::string> args)
{
    args.insert(args.begin(), "quantscope-cli");
    std::vector<const char*> argv;
    for (auto& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    const size_t budget = memoryBudget();
    int code = runCli(int(argv.size()), argv.data(), out, err);
    setMemoryBudget(budget);
    return {code, out.str(), err.str()};
}

}  // namespace qs::test
