// A file written through AtomicFile is either the old one or the new one, whole, even when the
// writing process is killed at any point: the tests kill a forked writer with SIGKILL before
// and after commit() and look at what is left.
#include "treerec/io/atomic_file.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_whole(const fs::path& p, const std::string& text) {
  AtomicFile f(p.string());
  f.write(text);
  f.commit();
}

// Runs `body` in a forked child that then kills itself with SIGKILL (no destructors, no atexit:
// what a crash or `kill -9` leaves). Returns when the child is gone.
template <typename Body>
void in_child_killed_after(Body body) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    body();
    ::kill(::getpid(), SIGKILL);
    ::_exit(3);  // not reached
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;
}

TEST(AtomicFile, KilledBeforeCommitLeavesTheOldFileWhole) {
  TempDir dir;
  const fs::path target = dir.path() / "out.bin";
  const std::string old_text(100000, 'o');
  write_whole(target, old_text);
  in_child_killed_after([&] {
    AtomicFile f(target.string());
    f.write(std::string(300000, 'n'));  // more than the stdio buffer: bytes reach the temp file
    ::kill(::getpid(), SIGKILL);        // mid-write: the writer's destructor never runs
  });
  EXPECT_EQ(slurp(target), old_text);
  // The killed writer's temporary file may remain beside the target, never in its place.
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (e.path() != target) {
      EXPECT_NE(e.path().filename().string().find(".tmp."), std::string::npos);
    }
  }
}

// The killed writer's temporary file is removed by the next writer of the same target; files of
// live processes, of other targets and other names stay.
TEST(AtomicFile, TheNextWriterRemovesTemporariesOfDeadWriters) {
  TempDir dir;
  const fs::path target = dir.path() / "out.bin";
  write_whole(target, "old");
  in_child_killed_after([&] {
    AtomicFile f(target.string());
    f.write(std::string(300000, 'n'));
    ::kill(::getpid(), SIGKILL);  // before the writer's destructor could remove its file
  });
  const pid_t live = ::getppid();
  for (const std::string& name : std::vector<std::string>{"out.bin.tmp." + std::to_string(live), "out.bin.tmp.x1", "other.bin.tmp.1"})
    write_whole(dir.path() / name, "keep");
  int left = 0;
  for (const auto& e : fs::directory_iterator(dir.path()))
    left += e.path().filename().string().rfind("out.bin.tmp.", 0) == 0;
  ASSERT_EQ(left, 3);  // the killed child's, the live process's, x1
  AtomicFile f(target.string());
  f.write("new");
  f.commit();
  EXPECT_EQ(slurp(target), "new");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path())) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"other.bin.tmp.1", "out.bin", "out.bin.tmp." + std::to_string(live),
                                             "out.bin.tmp.x1"}));
}

TEST(AtomicFile, KilledAfterCommitLeavesTheNewFileWhole) {
  TempDir dir;
  const fs::path target = dir.path() / "out.bin";
  write_whole(target, "old");
  const std::string new_text(300000, 'n');
  in_child_killed_after([&] { write_whole(target, new_text); });
  EXPECT_EQ(slurp(target), new_text);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(AtomicFile, AnErrorBeforeCommitRemovesTheTemporaryFile) {
  TempDir dir;
  const fs::path target = dir.path() / "out.bin";
  write_whole(target, "old");
  try {
    AtomicFile f(target.string());
    f.write(std::string(1000, 'x'));
    fail("stop");  // the writer unwinds without commit()
  } catch (const Error&) {
  }
  EXPECT_EQ(slurp(target), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(AtomicFile, PatchesAndMisuseAreChecked) {
  TempDir dir;
  const fs::path target = dir.path() / "out.bin";
  AtomicFile f(target.string());
  f.write("hello world");
  f.write_at(0, "J", 1);
  EXPECT_THROW(f.write_at(10, "xy", 2), Error);  // past the end
  EXPECT_EQ(f.offset(), 11u);
  f.commit();
  EXPECT_THROW(f.write("more"), Error);
  EXPECT_THROW(f.commit(), Error);
  EXPECT_EQ(slurp(target), "Jello world");
  EXPECT_THROW(AtomicFile((dir.path() / "no" / "such" / "dir").string()), Error);
}

}  // namespace
}  // namespace treerec
