// The library's folders form layers: a file may include headers of its own folder and of the
// folders below it, never above. The order is declared once, in docs/ARCHITECTURE.md (the
// table under "## Layers", bottom row first); this test reads it from there, so the page and the
// check cannot drift apart, and fails on every #include that points up or into a folder the
// page does not list.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
const fs::path kRoot = TREEREC_SOURCE_DIR;

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Folder -> rank (0 = bottom), from the rows "| `name/` | ..." of the Layers table.
std::map<std::string, int> layers_from_architecture_page() {
  std::istringstream page(read(kRoot / "docs/ARCHITECTURE.md"));
  std::vector<std::string> top_down;
  bool in_section = false;
  for (std::string line; std::getline(page, line);) {
    if (line.rfind("## ", 0) == 0) in_section = line == "## Layers";
    // A row "| `name/` | ...": the folder name between "| `" and "/` |".
    const std::size_t end = line.find("/` |");
    if (in_section && line.rfind("| `", 0) == 0 && end != std::string::npos && end > 3)
      top_down.push_back(line.substr(3, end - 3));
  }
  std::map<std::string, int> rank;
  for (std::size_t i = 0; i < top_down.size(); ++i)
    rank[top_down[i]] = static_cast<int>(top_down.size() - 1 - i);
  return rank;
}

TEST(Architecture, EveryIncludePointsDownTheLayers) {
  const std::map<std::string, int> rank = layers_from_architecture_page();
  ASSERT_GE(rank.size(), 5u) << "docs/ARCHITECTURE.md has no Layers table";
  std::vector<std::string> problems;
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kRoot / "src/treerec")) {
    if (!entry.is_regular_file()) continue;
    const fs::path rel = fs::relative(entry.path(), kRoot / "src/treerec");
    if (std::distance(rel.begin(), rel.end()) < 2) continue;  // version.h and other top files
    const std::string folder = rel.begin()->string();
    const auto own = rank.find(folder);
    if (own == rank.end()) {
      problems.push_back("src/treerec/" + folder + "/ is not in the Layers table");
      continue;
    }
    ++files;
    const std::string text = read(entry.path());
    // Every `#include "treerec/<folder>/...`.
    const std::string directive = "#include \"treerec/";
    for (std::size_t at = text.find(directive); at != std::string::npos; at = text.find(directive, at + 1)) {
      const std::size_t begin = at + directive.size();
      const std::size_t slash = text.find('/', begin);
      const std::size_t line_end = text.find('\n', begin);
      if (slash == std::string::npos || slash > line_end) continue;  // treerec/version.h
      const std::string target = text.substr(begin, slash - begin);
      const std::string what = text.substr(at, line_end - at);
      const auto to = rank.find(target);
      if (to == rank.end())
        problems.push_back("src/treerec/" + rel.string() + " includes " + what + ", a folder not in the table");
      else if (to->second > own->second)
        problems.push_back("src/treerec/" + rel.string() + " (" + folder + ") includes " + what + ", a higher layer");
    }
  }
  EXPECT_GT(files, 50u);
  std::sort(problems.begin(), problems.end());
  problems.erase(std::unique(problems.begin(), problems.end()), problems.end());
  for (const std::string& p : problems) ADD_FAILURE() << p;
}

}  // namespace
