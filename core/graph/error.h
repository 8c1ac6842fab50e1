#pragma once
#include <stdexcept>
#include <string>

namespace qs {

/** An error caused by user input (a model, a config, a data file): it names the culprit and, where possible,
 *  the fix. The CLI maps it to exit code 2; the GUI shows the message as is. */
class InputError : public std::runtime_error {
public:
    explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

/** Same as InputError, raised when work was cancelled through a CancelToken. */
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace qs
