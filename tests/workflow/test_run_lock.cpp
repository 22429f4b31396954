// One run per folder (workflow/run_lock.hpp, issue 19): a second lock on a busy folder fails naming the holder's
// pid; a lock left by a killed process is taken over and recognised.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "flowprior/core/error.hpp"
#include "flowprior/workflow/run_lock.hpp"

using namespace flowprior;
namespace fs = std::filesystem;

TEST(RunLock, BusyFolderNamesTheOtherProcessAndStaleLocksAreTakenOver) {
  const fs::path dir = fs::temp_directory_path() / ("flowprior_lock_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // holds the lock until told, then dies without releasing it (as a SIGKILLed run would)
    RunLock* lock = new RunLock(dir.string());
    (void)lock;
    char c = 1;
    if (::write(ready[1], &c, 1) != 1) ::_exit(2);
    if (::read(release[0], &c, 1) != 1) ::_exit(3);
    ::_exit(0);  // no destructor: the file still names this process
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  try {
    RunLock second(dir.string());
    FAIL() << "a busy folder was locked twice";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pid " + std::to_string(child)), std::string::npos) << e.what();
  }
  ASSERT_EQ(::write(release[1], &c, 1), 1);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  {
    RunLock after(dir.string());  // the kernel dropped the dead process's lock
    EXPECT_EQ(after.stale_pid(), static_cast<long>(child));
  }
  RunLock clean(dir.string());  // released properly: nothing stale
  EXPECT_EQ(clean.stale_pid(), 0);
  fs::remove_all(dir);
}
