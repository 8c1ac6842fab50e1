#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "graph/error.h"

namespace qs {

/** Cooperative cancellation: the GUI sets it, long work polls it between samples and throws Cancelled. */
class CancelToken {
public:
    void cancel() { m_cancelled = true; }
    bool isCancelled() const { return m_cancelled; }
    void check() const
    {
        if (m_cancelled) throw Cancelled();
    }

private:
    std::atomic<bool> m_cancelled{false};
};

/** Receives (done, total, stage) as long work advances; called on the worker thread. */
using ProgressSink = std::function<void(size_t done, size_t total, const std::string& stage)>;

}  // namespace qs
