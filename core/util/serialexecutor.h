#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

namespace qs {

/** One worker thread that runs submitted tasks in submission order; each task's result (or exception) arrives
 *  through its future. Destruction drops the tasks not yet started and waits for the running one, so a task may
 *  refer to objects that outlive the executor. */
class SerialExecutor {
public:
    SerialExecutor();
    ~SerialExecutor();
    SerialExecutor(const SerialExecutor&) = delete;
    SerialExecutor& operator=(const SerialExecutor&) = delete;

    template <typename F> auto submit(F f) -> std::future<decltype(f())>
    {
        auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
        auto result = task->get_future();
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_tasks.push_back([task] { (*task)(); });
        }
        m_changed.notify_one();
        return result;
    }

private:
    void work();

    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<std::function<void()>> m_tasks;
    bool m_stop = false;
    std::thread m_thread;  // last: starts once the members it uses exist
};

}  // namespace qs
