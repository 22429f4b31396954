#pragma once
// One `flowprior run` per run folder (issue 19): two runs on one folder wrote the same temporary names and mixed
// their results under one settings file. The lock is an flock(2) on RUN_DIR/.flowprior.lock, held while the
// object lives; the kernel drops it when the process ends in any way (SIGKILL included), so a lock left by a
// killed run is never in the way: it is recognised (the file still names the old process) and taken over.
#include <string>

namespace flowprior {

class RunLock {
 public:
  // Creates the folder if needed and takes the lock; Error naming the folder and the other process (pid, host,
  // start time) if another run holds it.
  explicit RunLock(const std::string& folder);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  // The pid recorded by a run that ended without releasing the lock (killed), else 0.
  long stale_pid() const { return stale_pid_; }

 private:
  int fd_ = -1;
  long stale_pid_ = 0;
};

}  // namespace flowprior
