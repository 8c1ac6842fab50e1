#include "util/serialexecutor.h"

namespace qs {

SerialExecutor::SerialExecutor() : m_thread([this] { work(); }) {}

SerialExecutor::~SerialExecutor()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
        m_tasks.clear();
    }
    m_changed.notify_one();
    m_thread.join();
}

void SerialExecutor::work()
{
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_changed.wait(lock, [&] { return m_stop || !m_tasks.empty(); });
            if (m_stop) return;
            task = std::move(m_tasks.front());
            m_tasks.pop_front();
        }
        task();  // a packaged_task: its exception goes to its future
    }
}

}  // namespace qs
