#pragma once
// A small fixed pool of worker threads. parallel_for runs tasks 0..n-1 and returns when all are done; the caller
// decides the task split (fixed chunks), so the work and its random streams never depend on the thread count.
// With one thread everything runs inline on the caller. An exception in a task is re-thrown by parallel_for
// (the one of the lowest task index, so the message is deterministic too).
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace flowprior {

class ThreadPool {
 public:
  explicit ThreadPool(int threads = 1);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  void parallel_for(std::size_t n_tasks, const std::function<void(std::size_t)>& task);

  // threads <= 0 means "all hardware threads".
  static int resolve(int threads);
  // A user's thread request (`source` names the option or key): negative is an Error; more than the hardware
  // threads is capped to them with a warning (issue 19: 100000 threads exhausted the machine's processes; results
  // never depend on the thread count, so the cap changes only the speed).
  static int cap(int threads, const std::string& source);

 private:
  void worker_loop();
  void run_tasks();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::size_t n_tasks_ = 0;
  std::size_t next_ = 0;
  std::size_t finished_ = 0;
  std::size_t generation_ = 0;
  bool stop_ = false;
  std::vector<std::exception_ptr> errors_;
};

// Fixed chunking of n rows into pieces of at most `chunk` rows: [begin, end) of chunk k.
struct ChunkRange {
  std::size_t begin;
  std::size_t end;
};
std::vector<ChunkRange> fixed_chunks(std::size_t n, std::size_t chunk);

}  // namespace flowprior
