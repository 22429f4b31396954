#include "flowprior/core/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "flowprior/core/error.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& path, const std::string& what, int error_number) {
  throw Error(ErrorContext{.file = path}, what + ": " + os_reason(error_number));
}

std::string folder_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

std::string octal_mode(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777u);
  return buf;
}

// A new, empty file next to `target` with a short random name (O_EXCL: never an existing file). The name is short
// so that a target name near NAME_MAX still gets a temporary file; the mode is 0666 minus the umask, as for any
// new file. Returns the open descriptor; `temp` receives the name.
int create_temporary(const std::string& target, std::string& temp) {
  const std::string folder = folder_of(target);
  std::random_device entropy;  // per call: no shared state between threads or writers
  for (int attempt = 0; attempt < 100; ++attempt) {
    char name[32];
    std::snprintf(name, sizeof name, ".fp%08x.tmp", static_cast<unsigned>(entropy()));
    temp = (fs::path(folder) / name).string();
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    if (errno != EEXIST) fail(target, "cannot create a temporary file in the folder '" + folder + "'", errno);
  }
  fail(target, "cannot create a temporary file in the folder '" + folder + "'", EEXIST);
}

void write_all(int fd, const std::string& contents, const std::string& path) {
  const char* p = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "write failed", errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

// Gives the finished temporary file the old file's mode (and owner, as root), makes it durable and moves it onto
// the target; the folder is synced so the rename survives a crash.
void install(const std::string& temp, const OutputTarget& target) {
  const int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(target.path, "cannot reopen the temporary file '" + temp + "'", errno);
  if (target.exists) {
    struct stat old {};
    if (::stat(target.path.c_str(), &old) == 0) {
      if (::geteuid() == 0 && ::fchown(fd, old.st_uid, old.st_gid) != 0) {
        // keeping the owner is best effort (e.g. a file system without owners)
      }
      if (::fchmod(fd, old.st_mode & 07777u) != 0) {
        const int e = errno;
        ::close(fd);
        fail(target.path, "cannot give the new file the mode of the old one", e);
      }
    }
  }
  if (::fsync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    fail(target.path, "fsync failed", e);
  }
  ::close(fd);
  if (std::rename(temp.c_str(), target.path.c_str()) != 0)
    fail(target.path, "cannot move the temporary file '" + temp + "' into place", errno);
  const int dir = ::open(folder_of(target.path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);  // best effort: some file systems refuse fsync on folders
    ::close(dir);
  }
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  std::error_code ea, eb;
  const fs::path ca = fs::weakly_canonical(fs::absolute(a), ea);
  const fs::path cb = fs::weakly_canonical(fs::absolute(b), eb);
  return !ea && !eb && ca == cb;
}

}  // namespace

std::string os_reason(int error_number) {
  char buf[256];
  // GNU strerror_r returns the message (possibly not in buf); thread-safe unlike strerror.
  return ::strerror_r(error_number, buf, sizeof buf);
}

OutputTarget prepare_output(const std::string& path, bool need_regular_file) {
  if (path.empty()) throw Error("empty output file name");
  OutputTarget t;
  t.path = path;
  struct stat st {};
  // Streams: a device or pipe reached through any links (/dev/stdout -> /proc/self/fd/1 -> pipe:[N] is not a path
  // that can be followed by hand), and the stream names themselves even when they lead to a regular file (the
  // shell's redirection): written in place, appended, never replaced.
  const bool stream_name = path == "/dev/stdout" || path == "/dev/stderr" || path.rfind("/dev/fd/", 0) == 0 ||
                           path.rfind("/proc/self/fd/", 0) == 0;
  if (::stat(path.c_str(), &st) == 0 &&
      (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || (stream_name && S_ISREG(st.st_mode)))) {
    if (need_regular_file)
      throw Error(ErrorContext{.file = path},
                  "is a device, pipe or stream, not a regular file (this output needs a regular file); nothing "
                  "written");
    t.exists = true;
    t.direct = true;
    t.mode = st.st_mode & 07777u;
    return t;
  }
  for (int hops = 0;; ++hops) {
    if (::lstat(t.path.c_str(), &st) != 0) {
      if (errno == ENOENT) return t;  // a new file (also: a dangling link, whose target is created)
      fail(path, "cannot inspect the output file", errno);
    }
    if (!S_ISLNK(st.st_mode)) break;
    if (hops >= 40) fail(path, "cannot follow the symbolic link", ELOOP);
    std::error_code ec;
    const fs::path link = fs::read_symlink(t.path, ec);
    if (ec) fail(path, "cannot read the symbolic link", ec.value());
    t.path = link.is_absolute() ? link.string() : (fs::path(folder_of(t.path)) / link).string();
  }
  t.exists = true;
  t.mode = st.st_mode & 07777u;
  const std::string shown = t.path == path ? path : path + " (-> " + t.path + ")";
  if (S_ISREG(st.st_mode)) {
    if ((st.st_mode & 0222u) == 0)
      throw Error(ErrorContext{.file = shown}, "the output file is read-only (mode " + octal_mode(st.st_mode) +
                                                   "): not replaced; make it writable or write elsewhere");
    if (::access(t.path.c_str(), W_OK) != 0)
      fail(shown, "the output file is not writable by this user: not replaced", errno);
    return t;
  }
  if (S_ISDIR(st.st_mode)) throw Error(ErrorContext{.file = shown}, "is a folder, not a file");
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
    if (need_regular_file)
      throw Error(ErrorContext{.file = shown},
                  "is a device or pipe, not a regular file (this output needs a regular file); nothing written");
    t.direct = true;
    return t;
  }
  throw Error(ErrorContext{.file = shown},
              "is not a regular file (block device or socket); refusing to write to it");
}

void write_output_file(const std::string& path, const std::string& contents) {
  const OutputTarget target = prepare_output(path);
  if (target.direct) {
    // O_TRUNC is meaningless for devices and FIFOs; nothing is created or replaced.
    // O_APPEND: a stream redirected to a regular file (`> f`, `>> f`) keeps what is already in it.
    const int fd = ::open(target.path.c_str(), O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) fail(path, "cannot open for writing", errno);
    try {
      write_all(fd, contents, path);
    } catch (...) {
      ::close(fd);
      throw;
    }
    if (::close(fd) != 0) fail(path, "write failed", errno);
    return;
  }
  std::string temp;
  int fd = create_temporary(target.path, temp);
  try {
    write_all(fd, contents, path);
    const int closed = ::close(fd);
    fd = -1;  // closed even when close() reports an error: never close a number another thread may reuse
    if (closed != 0) fail(path, "write failed", errno);
    install(temp, target);
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
}

void write_output_with(const std::string& path, const std::function<void(const std::string&)>& write) {
  const OutputTarget target = prepare_output(path, /*need_regular_file=*/true);
  std::string temp;
  const int fd = create_temporary(target.path, temp);
  ::close(fd);
  try {
    write(temp);
    install(temp, target);
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
}

void require_distinct_output(const std::string& output_option, const std::string& output,
                             const std::vector<std::pair<std::string, std::string>>& others) {
  if (output.empty() || output == "-") return;
  struct stat st {};
  if (::stat(output.c_str(), &st) == 0 && S_ISCHR(st.st_mode)) return;  // /dev/null may take several outputs
  for (const auto& [option, other] : others) {
    if (other.empty() || other == "-") continue;
    if (same_file(output, other))
      throw Error(ErrorContext{.file = output, .parameter = output_option},
                  "is the same file as " + option + " " + other +
                      "; writing it would destroy that file: choose another output file");
  }
}

}  // namespace flowprior
