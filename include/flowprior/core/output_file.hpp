#pragma once
// Writing output files so that nothing a user types can destroy what is not ours to replace (issue 19). Every
// writer of flowprior goes through these functions:
// - a symbolic link is followed: its target is written and the link stays a link;
// - an existing regular file is replaced atomically (a temporary file in the same folder, fsync, rename), and the
//   new file keeps the old one's mode (and, as root, its owner);
// - a read-only file (no write bit, or not writable by us) is refused: the rename would bypass the protection the
//   user asked for, so the user has to make it writable or pick another name;
// - character devices and FIFOs (/dev/null, /dev/full, /dev/stdout, a pipe) are written directly and never
//   replaced; directories, block devices and sockets are refused;
// - temporary names are short (".fp" + 8 hex digits + ".tmp"), so a file name near NAME_MAX still works;
// - every failure names the file and gives the operating system's reason (strerror).
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace flowprior {

struct OutputTarget {
  std::string path;    // where the bytes go: the given path with its final symlinks followed
  bool exists = false;
  bool direct = false;  // a character device or FIFO: written in place, never replaced
  unsigned mode = 0;    // permission bits of the existing file
};

// Follows symlinks of the last component and checks the target (see above). Throws Error naming `path`.
// need_regular_file: the writer needs a seekable regular file (HDF5); a device or FIFO is then refused too.
OutputTarget prepare_output(const std::string& path, bool need_regular_file = false);

// The whole file at once: atomically replaced (regular files) or written in place (devices, FIFOs).
void write_output_file(const std::string& path, const std::string& contents);

// For writers that need a file name (HDF5, binary checkpoints): `write(temp)` creates and fills the file `temp`
// (any previous content there may be truncated); it is then fsynced and renamed onto `path` with the old mode.
// On failure the temporary file is removed. Devices and FIFOs are refused.
void write_output_with(const std::string& path, const std::function<void(const std::string& temp)>& write);

// Error if the output `output` (given as option `output_option`) names the same file as any of `others`
// (pairs of option name and path: the command's inputs and its other outputs). Same inode for existing files,
// same absolute normalised path (symlinks resolved) otherwise. Character devices (/dev/null) may be shared.
void require_distinct_output(const std::string& output_option, const std::string& output,
                             const std::vector<std::pair<std::string, std::string>>& others);

// "strerror(errno)" of the calling thread, for error messages.
std::string os_reason(int error_number);

}  // namespace flowprior
