// Files for the serving benchmark (bench/serve_bench.sh) in seconds instead of a training run:
// a balanced tree of N items with raw ids "0" .. "N-1" (the category tree of ALGORITHMS §3 with one
// category, so items sit in id order) and a freshly initialised model of a method saved as a
// trained model for it. The cost of a search does not depend on the weights.
//
//   build/serve_bench_files OUT_DIR [--items 1477922] [--method jtm-h] [--model dnn] [--seed 1]
//
// Writes OUT_DIR/bench.tree and OUT_DIR/bench.trm.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "treerec/io/string_table.h"
#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/preference_model.h"
#include "treerec/model/model_file.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"

int main(int argc, char** argv) try {
  if (argc < 2) {
    std::fprintf(stderr, "usage: serve_bench_files OUT_DIR [--items N] [--method M] [--model dnn|attention] [--seed S]\n");
    return 2;
  }
  const std::string out = argv[1];
  std::uint32_t items = 1477922;
  std::string method_name = "jtm-h", kind = "dnn";
  std::uint64_t seed = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--items") items = static_cast<std::uint32_t>(std::stoul(value));
    else if (flag == "--method") method_name = value;
    else if (flag == "--model") kind = value;
    else if (flag == "--seed") seed = std::stoull(value);
    else treerec::fail("unknown option ", flag);
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::filesystem::create_directories(out);
  treerec::StringTable ids;
  for (std::uint32_t i = 0; i < items; ++i) ids.add(std::to_string(i));
  const std::vector<std::uint32_t> category(items, 0);
  const treerec::Tree tree = treerec::build_category_tree(category, ids);
  tree.save(out + "/bench.tree");

  const treerec::Method method = treerec::training_method(method_name);
  treerec::ModelConfig config;
  config.kind = kind;
  config.representation = method.representation;
  config.behavior_rows = treerec::HierarchicalPreference(method.representation, tree).num_rows();
  config.node_rows = tree.num_nodes();
  const auto model = treerec::PreferenceModel::create(config, seed);
  treerec::TrainingInfo info;
  info.method = method.name;
  info.tree_fingerprint = tree.fingerprint();
  info.tree_items = tree.num_items();
  info.tree_levels = tree.max_level();
  info.options = {{"seed", seed}, {"note", "untrained: serving benchmark"}};
  treerec::save_trained_model(out + "/bench.trm", *model, info);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "serve_bench_files: %u items, %u levels, %s %s model -> %s/bench.{tree,trm} in %.1f s\n",
               items, tree.max_level(), method.name.c_str(), kind.c_str(), out.c_str(), secs);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "serve_bench_files: %s\n", e.what());
  return 1;
}
