// treerec train from the command line: a model with its training record, refusals, and a run
// killed with SIGKILL, or stopped by --max-batches, that --resume completes with exactly the
// uninterrupted run's model.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>

#include "test_util.h"
#include "train/synthetic.h"
#include "treerec/model/model_file.h"

extern char** environ;

namespace treerec {
namespace {

using test::run_cli;
using test::TempDir;

using test::contains;

// The planted files, and a `treerec train` command line on them.
struct Files : test::PlantedFiles {
  std::string train(const std::string& out, const std::string& extra) const {
    return "train " + data + " --tree " + tree + " --out " + out + " " + extra;
  }
};

bool same_parameters(const PreferenceModel& a, const PreferenceModel& b) {
  const Parameters &p = a.parameters(), &q = b.parameters();
  if (p.dense != q.dense || p.tables.size() != q.tables.size()) return false;
  for (std::size_t t = 0; t < p.tables.size(); ++t)
    if (std::memcmp(p.tables[t].values.data(), q.tables[t].values.data(),
                    std::min(p.tables[t].values.size(), q.tables[t].values.size()) * sizeof(float)) != 0 ||
        p.tables[t].values.size() != q.tables[t].values.size())
      return false;
  return true;
}

TEST(TrainCli, TrainsAndWritesTheModelWithItsRecord) {
  const Files f;
  const std::string out = f.dir.file("m.trm");
  const auto r = run_cli(f.train(out, "--method jtm-h --epochs 2 --batch-size 32 --negatives 10 --embedding-dim 4 "
                                      "--threads 1 --valid-users 3"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(contains(r.err, "epoch 1/2: loss")) << r.err;
  EXPECT_TRUE(contains(r.err, "epoch 2/2: loss")) << r.err;
  EXPECT_TRUE(contains(r.err, "wrote " + out)) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out + ".ckpt"));
  const TrainedModel m = load_trained_model(out);
  EXPECT_EQ(m.info.method, "jtm-h");
  EXPECT_EQ(m.model->config().representation, Representation::jtm_h);
  EXPECT_EQ(m.model->config().embedding_dim, 4u);
  EXPECT_EQ(m.info.options.at("dataset"), f.data);
  EXPECT_EQ(m.info.options.at("tree"), f.tree);
  EXPECT_EQ(m.info.options.at("valid_users"), 3);
  EXPECT_EQ(m.info.options.at("negatives"), 10);
  ASSERT_EQ(m.info.history.size(), 2u);
  EXPECT_TRUE(m.info.history[0].contains("valid")) << m.info.history[0].dump();
  EXPECT_LT(m.info.history[1].at("loss").get<double>(), m.info.history[0].at("loss").get<double>());
}

TEST(TrainCli, RefusesBadCombinations) {
  const Files f;
  const std::string out = f.dir.file("m.trm");
  auto r = run_cli(f.train(out, "--method dnn --layer-negatives 1,1,1,1,1,1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "--layer-negatives applies to the tree methods")) << r.err;
  r = run_cli(f.train(out, "--method tdm --layer-negatives 1,2"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "expected 6 counts")) << r.err;
  r = run_cli(f.train(out, "--method bogus"));
  EXPECT_NE(r.status, 0);

  // Flags the method does not read are refused, not ignored: youtube has no checkpoints, so
  // --max-batches trained a whole run before session 20.
  const std::string no_tree = "train " + f.data + " --out " + out + " ";
  r = run_cli(no_tree + "--method youtube --epochs 1 --max-batches 3");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "--max-batches does not apply to --method youtube; it takes --embedding-dim --epochs"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "--threads --valid-users")) << r.err;
  r = run_cli(f.train(out, "--method youtube"));
  EXPECT_TRUE(contains(r.err, "--tree does not apply to --method youtube")) << r.err;
  r = run_cli(no_tree + "--method itemcf --epochs 2");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "--epochs does not apply to --method itemcf; it takes --threads --neighbours "
                              "--max-history")) << r.err;
  r = run_cli(f.train(out, "--method tdm --neighbours 10"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "--neighbours does not apply to --method tdm (it is an itemcf parameter)")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));

  // A tree of another corpus.
  const std::string other_tree = f.dir.file("other.tree");
  StringTable ids;
  for (const char* s : {"x", "y", "z"}) ids.add(s);
  build_category_tree(std::vector<std::uint32_t>{0, 0, 1}, ids).save(other_tree);
  r = run_cli("train " + f.data + " --tree " + other_tree + " --method tdm --out " + out);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, f.data)) << r.err;

  // A checkpoint left by an earlier run: only --resume may touch it, and it must be one.
  test::write_file(out + ".ckpt", "not a checkpoint");
  r = run_cli(f.train(out, "--method tdm"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "--resume")) << r.err;
  r = run_cli(f.train(out, "--method tdm --resume"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, out + ".ckpt")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

// Starts the CLI in the background with stdout and stderr sent to `log`.
pid_t spawn_cli(const std::string& args, const std::string& log) {
  std::vector<std::string> words{TREEREC_CLI_PATH};
  std::istringstream in(args);
  for (std::string w; in >> w;) words.push_back(w);
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

TEST(TrainCli, KilledRunResumesToTheUninterruptedModel) {
  const Files f;
  const std::string flags = "--method tdm --epochs 5 --batch-size 16 --negatives 10 --embedding-dim 4 --valid-users 0 "
                            "--checkpoint-every 1";
  const std::string reference = f.dir.file("ref.trm");
  const auto r = run_cli(f.train(reference, flags + " --threads 1"));
  ASSERT_EQ(r.status, 0) << r.err;

  const std::string out = f.dir.file("m.trm");
  const pid_t pid = spawn_cli(f.train(out, flags + " --threads 2"), f.dir.file("log"));
  ASSERT_GT(pid, 0);
  // Kill it as soon as it has written a checkpoint (after its first batch; it has ~100 more).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!std::filesystem::exists(out + ".ckpt") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << test::read_file(f.dir.file("log"));
  ASSERT_TRUE(std::filesystem::exists(out + ".ckpt"));
  ASSERT_FALSE(std::filesystem::exists(out));

  const auto resumed = run_cli(f.train(out, flags + " --threads 1 --resume"));
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_TRUE(contains(resumed.err, "resuming " + out + ".ckpt")) << resumed.err;
  EXPECT_FALSE(std::filesystem::exists(out + ".ckpt"));
  const TrainedModel a = load_trained_model(reference), b = load_trained_model(out);
  EXPECT_TRUE(same_parameters(*a.model, *b.model));
  ASSERT_EQ(b.info.history.size(), 5u);
  for (std::size_t e = 0; e < 5; ++e) EXPECT_EQ(a.info.history[e].at("loss"), b.info.history[e].at("loss"));
}

// SIGTERM (a scheduler's preemption, `kill`) stops the run at its next batch: it writes the
// checkpoint, says so, and exits with 128 + 15; --resume then ends with the uninterrupted model.
TEST(TrainCli, SigtermSavesTheRunAndResumeFinishesIt) {
  const Files f;
  // 40 epochs (about half a second) so that the signal surely arrives mid-run.
  const std::string flags = "--method tdm --epochs 40 --batch-size 16 --negatives 10 --embedding-dim 4 --valid-users 0 "
                            "--checkpoint-every 100000";
  const std::string reference = f.dir.file("ref.trm");
  ASSERT_EQ(run_cli(f.train(reference, flags + " --threads 1")).status, 0);

  const std::string out = f.dir.file("m.trm");
  const pid_t pid = spawn_cli(f.train(out, flags + " --threads 1"), f.dir.file("log"));
  ASSERT_GT(pid, 0);
  // Once training has started (its first line), signal; no checkpoint is due before then.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!contains(test::read_file(f.dir.file("log")), "training tdm") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const std::string log = test::read_file(f.dir.file("log"));
  ASSERT_TRUE(WIFEXITED(status)) << log;
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM) << log;
  EXPECT_TRUE(contains(log, "stopped by SIGTERM at batch")) << log;
  EXPECT_TRUE(contains(log, "continue it with --resume")) << log;
  ASSERT_TRUE(std::filesystem::exists(out + ".ckpt")) << log;
  EXPECT_FALSE(std::filesystem::exists(out));

  const auto resumed = run_cli(f.train(out, flags + " --threads 1 --resume"));
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  const TrainedModel a = load_trained_model(reference), b = load_trained_model(out);
  EXPECT_TRUE(same_parameters(*a.model, *b.model));
}

// --max-batches stops a run and leaves its checkpoint (no model: the run is not done); --resume
// then finishes it with the uninterrupted run's model. Before session 20 the command wrote the
// partial model and deleted the checkpoint.
TEST(TrainCli, MaxBatchesLeavesTheCheckpointThatResumeFinishes) {
  const Files f;
  const std::string flags = "--method tdm --epochs 2 --batch-size 16 --negatives 10 --embedding-dim 4 --valid-users 0 "
                            "--threads 1";
  const std::string reference = f.dir.file("ref.trm");
  ASSERT_EQ(run_cli(f.train(reference, flags)).status, 0);

  const std::string out = f.dir.file("m.trm");
  const auto stopped = run_cli(f.train(out, flags + " --max-batches 3"));
  ASSERT_EQ(stopped.status, 0) << stopped.err;
  EXPECT_TRUE(contains(stopped.err, "stopped after 3 batches")) << stopped.err;
  EXPECT_TRUE(contains(stopped.err, "--resume")) << stopped.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  ASSERT_TRUE(std::filesystem::exists(out + ".ckpt"));

  const auto resumed = run_cli(f.train(out, flags + " --resume"));
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_FALSE(std::filesystem::exists(out + ".ckpt"));
  const TrainedModel a = load_trained_model(reference), b = load_trained_model(out);
  EXPECT_TRUE(same_parameters(*a.model, *b.model));
  EXPECT_EQ(b.info.history.size(), 2u);
}

}  // namespace
}  // namespace treerec
