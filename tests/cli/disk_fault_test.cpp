// A full or failing disk (ENOSPC on write, EIO on fsync, injected with the LD_PRELOAD shim of
// tests/io/fault_inject.cpp) during a command's write: the command fails with an error naming
// the file and the system's reason, the old file stays as it was, no temporary file is left,
// and a training run resumes from the last checkpoint that was written whole.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "test_util.h"
#include "train/synthetic.h"
#include "treerec/model/model_file.h"
#include "treerec/model/parameters.h"

namespace treerec {
namespace {

using test::contains;
using test::run_cli;

// Runs the CLI with the shim preloaded and TREEREC_FAULT=fault (plus one more variable).
test::CliResult run_with_fault(const std::string& args, const char* fault, const char* var, const char* value) {
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string old_asan = asan != nullptr ? asan : "";
  // The sanitizer build's runtime wants to come first; the shim has no sanitizer in it.
  ::setenv("ASAN_OPTIONS", (old_asan.empty() ? "" : old_asan + ":").append("verify_asan_link_order=0").c_str(), 1);
  ::setenv("LD_PRELOAD", TREEREC_FAULT_INJECT_PATH, 1);
  ::setenv("TREEREC_FAULT", fault, 1);
  ::setenv(var, value, 1);
  const auto r = run_cli(args);
  ::unsetenv("LD_PRELOAD");
  ::unsetenv("TREEREC_FAULT");
  ::unsetenv(var);
  if (old_asan.empty()) ::unsetenv("ASAN_OPTIONS");
  else ::setenv("ASAN_OPTIONS", old_asan.c_str(), 1);
  return r;
}

int temporaries(const std::filesystem::path& dir) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) ++n;
  return n;
}

TEST(DiskFaults, FullDiskKeepsTheOldFile) {
  const test::PlantedFiles f;
  const std::string before = test::read_file(f.tree);
  const auto r = run_with_fault("tree init " + f.data + " --out " + f.tree, "ENOSPC", "TREEREC_FAULT_AFTER", "100");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(contains(r.err, f.tree)) << r.err;
  EXPECT_TRUE(contains(r.err, "No space left on device")) << r.err;
  EXPECT_EQ(test::read_file(f.tree), before);
  EXPECT_EQ(temporaries(f.dir.path()), 0);
  // Without the fault, the same command works.
  EXPECT_EQ(run_cli("tree init " + f.data + " --out " + f.tree).status, 0);
}

TEST(DiskFaults, FailedCheckpointSyncKeepsTheLastWholeOneAndResumes) {
  const test::PlantedFiles f;
  const std::string flags = " --method tdm --epochs 2 --batch-size 16 --negatives 10 --embedding-dim 4 "
                            "--valid-users 0 --patience 0 --threads 1 --checkpoint-every 1";
  const std::string ref = f.dir.file("ref.trm"), out = f.dir.file("m.trm");
  ASSERT_EQ(run_cli("train " + f.data + " --tree " + f.tree + " --out " + ref + flags).status, 0);
  // The third checkpoint's fsync fails: the run stops there with the error.
  const auto r = run_with_fault("train " + f.data + " --tree " + f.tree + " --out " + out + flags, "EIO",
                                "TREEREC_FAULT_SKIP", "2");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(contains(r.err, out + ".ckpt")) << r.err;
  EXPECT_TRUE(contains(r.err, "Input/output error")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  ASSERT_TRUE(std::filesystem::exists(out + ".ckpt"));  // the second, whole
  EXPECT_EQ(temporaries(f.dir.path()), 0);
  const auto resumed = run_cli("train " + f.data + " --tree " + f.tree + " --out " + out + flags + " --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_EQ(parameters_fingerprint(load_trained_model(out).model->parameters()),
            parameters_fingerprint(load_trained_model(ref).model->parameters()));
}

}  // namespace
}  // namespace treerec
