#include "flowprior/workflow/run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>

#include "flowprior/core/error.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/core/output_file.hpp"

namespace flowprior {
namespace {

std::string read_all(int fd) {
  std::string text;
  char buf[512];
  if (::lseek(fd, 0, SEEK_SET) < 0) return text;
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

long pid_in(const std::string& text) {
  const auto at = text.find("pid ");
  return at == std::string::npos ? 0 : std::strtol(text.c_str() + at + 4, nullptr, 10);
}

}  // namespace

RunLock::RunLock(const std::string& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) throw Error(ErrorContext{.file = folder}, "cannot create the run folder: " + ec.message());
  const std::string path = (std::filesystem::path(folder) / ".flowprior.lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(ErrorContext{.file = path}, "cannot open the run folder's lock file: " + os_reason(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    const std::string holder = read_all(fd_);
    ::close(fd_);
    fd_ = -1;
    if (e == EWOULDBLOCK)
      throw Error(ErrorContext{.file = folder},
                  "the run folder is in use by another flowprior run (" + (holder.empty() ? "pid unknown" : holder) +
                      "); wait for it to finish, or give this run another --out folder");
    throw Error(ErrorContext{.file = path}, "cannot lock the run folder: " + os_reason(e));
  }
  // Locked. Text left in the file means the previous run never released it: it was killed.
  const std::string previous = read_all(fd_);
  stale_pid_ = previous.empty() ? 0 : std::max(1L, pid_in(previous));
  if (stale_pid_ != 0)
    status("run folder " + folder + ": the previous run (" + previous +
           ") ended without releasing its lock (killed?); taking it over");
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const std::time_t now = std::time(nullptr);
  char when[64] = {};
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
  const std::string me = "pid " + std::to_string(::getpid()) + " on " + host + ", started " + when + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size()))
    warn("run folder " + folder + ": cannot record this run in the lock file: " + os_reason(errno));
}

RunLock::~RunLock() {
  if (fd_ < 0) return;
  // Emptied, not removed: removing a locked file lets a waiting process lock a file nobody else sees.
  if (::ftruncate(fd_, 0) != 0) {
    // the lock is dropped anyway when fd_ closes; a stale text only causes a status line next time
  }
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

}  // namespace flowprior
