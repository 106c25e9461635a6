// `treerec tree init|show`: build the initial category tree of a prepared dataset (ALGORITHMS §3),
// and inspect a tree file. `tree learn` and `tree diff` live in cmd_tree_learn.cpp.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "cli/param_flags.h"
#include "treerec/io/output_paths.h"
#include "treerec/data/dataset.h"
#include "treerec/io/atomic_file.h"
#include "treerec/model/model_file.h"
#include "treerec/learn/kmeans_tree.h"
#include "treerec/tree/tree.h"
#include "treerec/util/hash.h"
#include "treerec/util/parallel.h"
#include "treerec/util/error.h"
#include "treerec/util/timing.h"

namespace treerec::cli {
namespace {

struct InitOpts {
  std::string dataset;
  std::string out;
  bool kmeans = false;     // ALGORITHMS §3: balanced 2-means on a trained model's leaf embeddings
  std::string model;       // --kmeans: the trained model
  std::string model_tree;  // --kmeans: the tree it was trained on (default: the one it records)
  KMeansTreeOptions kmeans_options;
};

// ALGORITHMS §3's k-means tree from a trained model's leaf embeddings (learn/kmeans_tree.h).
Tree kmeans_tree(const Dataset& data, const InitOpts& o) {
  if (o.model.empty()) fail("tree init --kmeans needs --model (a trained model of this dataset)");
  const TrainedModel trained = load_trained_model(o.model);
  std::string tree_path = o.model_tree;
  if (tree_path.empty()) {
    const auto& rec = trained.info.options;
    if (!rec.contains("tree") || !rec.at("tree").is_string())
      fail(o.model, " does not record its tree file: give it with --model-tree");
    tree_path = rec.at("tree").get<std::string>();
  }
  const Tree model_tree = Tree::load(tree_path);
  model_tree.check_items(data.item_ids(), o.dataset);
  check_model_tree(trained.info, model_tree, o.model, tree_path);
  KMeansTreeOptions k = o.kmeans_options;
  set_default_threads(k.threads);
  return build_kmeans_tree(leaf_embeddings(*trained.model, model_tree), trained.model->config().embedding_dim,
                           data.item_ids(), k);
}

struct ShowOpts {
  std::string tree;
  bool tsv = false;
  bool json = false;
  std::string output;  // empty: stdout
};

void run_init(const InitOpts& o) {
  check_outputs_are_not_inputs({{"--out", o.out}},
                               {{"dataset", o.dataset}, {"--model", o.model}, {"--model-tree", o.model_tree}});
  const auto t0 = std::chrono::steady_clock::now();
  const Dataset data = Dataset::load(o.dataset);
  Tree tree = o.kmeans ? kmeans_tree(data, o) : build_category_tree(data.item_categories(), data.item_ids());
  tree.set_categories(data.item_categories(), data.category_ids());  // what `serve` filters by
  tree.save(o.out);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "tree init: %s tree of %u items, depth (l_max) %u, %llu non-empty nodes, "
               "%.2f s -> %s\n",
               tree.builder().c_str(), tree.num_items(), tree.max_level(),
               static_cast<unsigned long long>(tree.num_nodes()), secs, o.out.c_str());
}

// Writes the command's result to stdout, or atomically to `path` when one is given.
class Output {
 public:
  explicit Output(const std::string& path) {
    if (!path.empty()) file_ = std::make_unique<AtomicFile>(path);
  }
  void write(std::string_view s) {
    if (file_) {
      file_->write(s);
    } else if (std::fwrite(s.data(), 1, s.size(), stdout) != s.size()) {
      fail("cannot write to stdout");
    }
  }
  void finish() {
    if (file_) file_->commit();
    else if (std::fflush(stdout) != 0) fail("cannot write to stdout");
  }

 private:
  std::unique_ptr<AtomicFile> file_;
};

nlohmann::json summary_json(const Tree& tree, const std::string& path) {
  nlohmann::json levels = nlohmann::json::array();
  for (std::uint32_t l = 0; l <= tree.max_level(); ++l)
    levels.push_back({{"level", l},
                      {"nodes", tree.level_nodes(l).size()},
                      {"capacity", std::uint64_t{1} << l}});
  return {{"file", path},
          {"builder", tree.builder()},
          {"l_max", tree.max_level()},
          {"items", tree.num_items()},
          {"nodes", tree.num_nodes()},
          {"leaf_occupancy",
           static_cast<double>(tree.num_items()) / static_cast<double>(std::uint64_t{1} << tree.max_level())},
          {"item_ids_xxh3", hex64(tree.fingerprint())},
          {"levels", levels}};
}

std::string summary_text(const Tree& tree, const std::string& path) {
  const std::uint64_t leaves = std::uint64_t{1} << tree.max_level();
  std::string s = cat("tree:            ", path, "\n",
                      "builder:         ", tree.builder().empty() ? "-" : tree.builder(), "\n",
                      "depth (l_max):   ", tree.max_level(), "\n",
                      "items:           ", tree.num_items(), "\n",
                      "non-empty nodes: ", tree.num_nodes(), "\n");
  char line[128];
  std::snprintf(line, sizeof line, "leaf occupancy:  %.4f (%u / %llu)\n\n%5s %15s %15s\n",
                static_cast<double>(tree.num_items()) / static_cast<double>(leaves), tree.num_items(),
                static_cast<unsigned long long>(leaves), "level", "non-empty", "capacity");
  s += line;
  for (std::uint32_t l = 0; l <= tree.max_level(); ++l) {
    std::snprintf(line, sizeof line, "%5u %15llu %15llu\n", l,
                  static_cast<unsigned long long>(tree.level_nodes(l).size()),
                  static_cast<unsigned long long>(std::uint64_t{1} << l));
    s += line;
  }
  return s;
}

// code<TAB>level<TAB>item per item, by increasing code, buffered in blocks.
void write_tsv(const Tree& tree, Output& out) {
  std::string buf = "code\tlevel\titem\n";
  char num[24];
  const std::string level = std::to_string(tree.max_level());
  for (std::uint32_t item : tree.items_by_leaf()) {
    const auto r = std::to_chars(num, num + sizeof num, tree.leaf(item));
    buf.append(num, r.ptr);
    buf += '\t';
    buf += level;
    buf += '\t';
    buf += tree.item_id(item);
    buf += '\n';
    if (buf.size() >= (1u << 20)) {
      out.write(buf);
      buf.clear();
    }
  }
  out.write(buf);
}

void run_show(const ShowOpts& o) {
  check_outputs_are_not_inputs({{"--output", o.output}}, {{"tree", o.tree}});
  const Tree tree = Tree::load(o.tree);
  Output out(o.output);
  if (o.tsv) write_tsv(tree, out);
  else if (o.json) out.write(summary_json(tree, o.tree).dump(2) + "\n");
  else out.write(summary_text(tree, o.tree));
  out.finish();
}

const Command kCmd(40, [](CLI::App& app) {
  auto* tree = app.add_subcommand("tree", "build, learn and inspect tree indexes (TRECTREE files)");
  tree->require_subcommand(1);

  auto init_opts = std::make_shared<InitOpts>();
  auto* init = tree->add_subcommand(
      "init", "build the initial tree of a prepared dataset from its item categories (TDM)");
  init->add_option("dataset", init_opts->dataset, "prepared dataset file (from `treerec prepare`)")
      ->required();
  init->add_option("--out,-o", init_opts->out, "tree file to write")->required();
  init->add_flag("--kmeans", init_opts->kmeans,
                 "instead cluster a trained model's leaf embeddings by balanced recursive 2-means (TDM's "
                 "re-clustering)");
  init->add_option("--model", init_opts->model, "--kmeans: the trained model whose leaf embeddings are clustered");
  init->add_option("--model-tree", init_opts->model_tree,
                   "--kmeans: the tree that model was trained on (default: the tree file its training recorded)");
  init->add_option("--seed", init_opts->kmeans_options.seed, "--kmeans: seed of the centroids")->capture_default_str();
  add_param_flags(init, kmeans_params(), init_opts->kmeans_options, {"kmeans_iterations"});
  add_threads_option(init, init_opts->kmeans_options.threads);
  init->callback([init_opts] { run_init(*init_opts); });

  auto show_opts = std::make_shared<ShowOpts>();
  auto* show = tree->add_subcommand(
      "show", "print a tree's depth, items, non-empty nodes per level and leaf occupancy");
  show->add_option("tree", show_opts->tree, "tree file")->required();
  auto* tsv = show->add_flag("--tsv", show_opts->tsv,
                             "instead print code<TAB>level<TAB>item for every item's leaf, by code");
  auto* json = show->add_flag("--json", show_opts->json, "instead print the summary as JSON");
  tsv->excludes(json);
  show->add_option("--output,-o", show_opts->output, "write to this file instead of stdout");
  show->callback([show_opts] { run_show(*show_opts); });
});

}  // namespace
}  // namespace treerec::cli
