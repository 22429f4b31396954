#include "flowprior/core/thread_pool.hpp"

#include <algorithm>

#include "flowprior/core/error.hpp"
#include "flowprior/core/log.hpp"

namespace flowprior {

int ThreadPool::resolve(int threads) {
  if (threads > 0) return threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

int ThreadPool::cap(int threads, const std::string& source) {
  if (threads < 0)
    throw Error(ErrorContext{.parameter = source}, "must be 0 (all hardware threads) or a positive number of threads, "
                                                   "got " + std::to_string(threads));
  const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (threads <= hardware) return threads;
  warn(source + ": " + std::to_string(threads) + " threads requested but this machine has " +
       std::to_string(hardware) + " hardware threads; using " + std::to_string(hardware));
  return hardware;
}

ThreadPool::ThreadPool(int threads) {
  const int n = resolve(threads);
  for (int i = 1; i < n; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::run_tasks() {
  // Called with the lock NOT held; grabs task indices one at a time.
  for (;;) {
    std::size_t i;
    const std::function<void(std::size_t)>* fn;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (next_ >= n_tasks_) return;
      i = next_++;
      fn = task_;
    }
    try {
      (*fn)(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      errors_[i] = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (++finished_ == n_tasks_) done_.notify_all();
    }
  }
}

void ThreadPool::worker_loop() {
  std::size_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    run_tasks();
  }
}

void ThreadPool::parallel_for(std::size_t n_tasks, const std::function<void(std::size_t)>& task) {
  if (n_tasks == 0) return;
  if (workers_.empty() || n_tasks == 1) {
    for (std::size_t i = 0; i < n_tasks; ++i) task(i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = &task;
    n_tasks_ = n_tasks;
    next_ = 0;
    finished_ = 0;
    errors_.assign(n_tasks, nullptr);
    ++generation_;
  }
  wake_.notify_all();
  run_tasks();
  std::vector<std::exception_ptr> errors;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return finished_ == n_tasks_; });
    task_ = nullptr;
    n_tasks_ = 0;
    errors.swap(errors_);
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

std::vector<ChunkRange> fixed_chunks(std::size_t n, std::size_t chunk) {
  std::vector<ChunkRange> out;
  if (chunk == 0) chunk = 1;
  for (std::size_t b = 0; b < n; b += chunk) out.push_back({b, std::min(n, b + chunk)});
  return out;
}

}  // namespace flowprior
