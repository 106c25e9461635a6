#include "treerec/io/output_paths.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"

namespace treerec {
namespace {

using test::error_of;

TEST(OutputPaths, AnOutputThatIsAnInputIsRefusedByPathLinkOrInode) {
  test::TempDir dir;
  const std::string log = dir.file("log.csv");
  test::write_file(log, "u,i\n");
  std::filesystem::create_directories(dir.file("sub"));
  std::filesystem::create_symlink(log, dir.file("link.csv"));
  std::filesystem::create_hard_link(log, dir.file("hard.csv"));
  for (const std::string& same : {log, dir.file("sub/../log.csv"), dir.file("link.csv"), dir.file("hard.csv")}) {
    const std::string e = error_of([&] { check_outputs_are_not_inputs({{"--out", same}}, {{"--input", log}}); });
    EXPECT_NE(e.find("--out " + same + " is also --input (" + log + "): an output never replaces an input"),
              std::string::npos)
        << e;
  }
  // Different files, a missing output, empty paths and a missing input pass.
  EXPECT_NO_THROW(check_outputs_are_not_inputs({{"--out", dir.file("new.trd")}, {"--truth", ""}},
                                               {{"--input", log}, {"--side-file", ""}, {"--tree", dir.file("none")}}));
  // Two outputs on one file.
  EXPECT_NE(error_of([&] {
              check_outputs_are_not_inputs({{"--out", dir.file("a.csv")}, {"--truth", dir.file("sub/../a.csv")}}, {});
            }).find("--out and --truth are the same file"),
            std::string::npos);
}

}  // namespace
}  // namespace treerec
