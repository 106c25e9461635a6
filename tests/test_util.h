// Helpers shared by the tests: scratch directories, the shared real-data folder, running the CLI.
#pragma once

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "treerec/util/error.h"

namespace treerec::test {

// A fresh directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "treerec";
    for (char& c : name)
      if (c == '/') c = '_';
    path_ = std::filesystem::temp_directory_path() /
            ("treerec-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// ../shared/data beside the checkout (TREEREC_DATA_DIR overrides); empty if absent.
inline std::string shared_data_dir() {
  if (const char* env = std::getenv("TREEREC_DATA_DIR")) return env;
  const std::filesystem::path p = std::filesystem::path(TREEREC_SOURCE_DIR) / ".." / "shared" / "data";
  return std::filesystem::is_directory(p) ? std::filesystem::canonical(p).string() : std::string();
}

#define TREEREC_REQUIRE_SHARED_DATA(var)                                            \
  const std::string var = ::treerec::test::shared_data_dir();                       \
  if (var.empty()) GTEST_SKIP() << "../shared/data is absent: real-data test skipped"

// Whether `text` holds `fragment` (CLI output and error messages in assertions).
// The message of the treerec::Error that f() throws, or "" when it throws none.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

inline bool contains(const std::string& text, const std::string& fragment) {
  return text.find(fragment) != std::string::npos;
}

struct CliResult {
  int status;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs the treerec CLI with `args` (a shell-quoted string).
inline CliResult run_cli(const std::string& args) {
  static int counter = 0;
  const auto dir = std::filesystem::temp_directory_path();
  const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(counter++);
  const std::string out = (dir / ("treerec-cli-out-" + tag)).string();
  const std::string err = (dir / ("treerec-cli-err-" + tag)).string();
  const std::string cmd = std::string(TREEREC_CLI_PATH) + " " + args + " >" + out + " 2>" + err;
  const int rc = std::system(cmd.c_str());
  CliResult r{WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_file(out), read_file(err)};
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

}  // namespace treerec::test
