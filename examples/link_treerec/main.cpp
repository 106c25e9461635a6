// Links the installed treerec library from another project: generates a small log, prepares a
// dataset and builds its category tree, all through the library's public headers.
//   link_treerec WORK_DIR
#include <cstdio>
#include <string>

#include "treerec/data/behavior_log.h"
#include "treerec/data/dataset.h"
#include "treerec/data/generator.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"
#include "treerec/version.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: link_treerec WORK_DIR\n");
    return 2;
  }
  try {
    const std::string log = std::string(argv[1]) + "/log.csv";
    treerec::GeneratorOptions g;
    g.items = 500;
    g.users = 100;
    g.records = 5000;
    treerec::generate_behavior_log(g, log);
    treerec::ReadOptions read;
    read.input = log;
    const treerec::Dataset d = treerec::Dataset::build(treerec::read_behavior_log(read), treerec::PrepareOptions{});
    const treerec::Tree tree = treerec::build_category_tree(d.item_categories(), d.item_ids());
    std::printf("treerec %s: %u users, %u items, a category tree of %u levels\n",
                std::string(treerec::kVersion).c_str(), d.num_users(), d.num_items(), tree.max_level());
    return tree.num_items() == d.num_items() ? 0 : 1;
  } catch (const treerec::Error& e) {
    std::fprintf(stderr, "link_treerec: %s\n", e.what());
    return 1;
  }
}
