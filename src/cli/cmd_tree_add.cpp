// `treerec tree add-items`: new items into an existing tree and model without a rebuild
// (learn/add_items.h). Registered after `tree` and added to its subcommands.
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "cli/param_flags.h"
#include "treerec/io/output_paths.h"
#include "treerec/learn/add_items.h"
#include "treerec/model/method.h"
#include "treerec/model/model_file.h"
#include "treerec/util/error.h"
#include "treerec/util/hash.h"
#include "treerec/util/parallel.h"
#include "treerec/util/random.h"
#include "treerec/util/timing.h"

namespace treerec::cli {
namespace {

struct AddOpts {
  std::string tree, dataset, model, out, model_out;
  TreeLearnOptions scoring;  // max_samples_per_item and seed: how A_c is sampled, as in tree learning
  bool json = false;
};

void run_add(AddOpts& o) {
  check_outputs_are_not_inputs({{"--out", o.out}, {"--model-out", o.model_out}},
                               {{"tree", o.tree}, {"--dataset", o.dataset}, {"--model", o.model}});
  set_default_threads(o.scoring.threads);
  const auto t0 = std::chrono::steady_clock::now();
  const Dataset dataset = Dataset::load(o.dataset);
  const Tree tree = Tree::load(o.tree);
  const TrainedModel trained = load_trained_model(o.model);
  const HierarchicalPreference features = trained_model_features(trained, tree, o.model, o.tree);
  const Method& method = training_method(trained.info.method);
  if (method.brute_force)
    fail(o.model, ": method ", trained.info.method, " scores items without a tree; add-items places items with a "
         "tree model (tdm, jtm-hi or jtm-h); retrain ", trained.info.method, " on the new dataset instead");
  // HSM ranks by path probability: a new leaf that starts from its parent's row takes half of
  // the probability of the old item beside it, so old items' ranks would change.
  if (method.hsm)
    fail(o.model, ": method hsm ranks items by path probability, which a new sibling would split; add-items "
         "places items with tdm, jtm-hi or jtm-h models; retrain hsm on the new dataset instead");
  AddItemsResult r;
  try {
    r = add_items(dataset, tree, *trained.model, features, o.scoring);
  } catch (const Error& e) {
    fail("--dataset ", o.dataset, " and tree ", o.tree, ": ", e.what());
  }
  // Both outputs are made before either is written, so an error leaves neither.
  std::unique_ptr<PreferenceModel> model;
  if (!o.model_out.empty())
    model = extend_model(*trained.model, tree, r.tree, mix_seed(o.scoring.seed, 0x61646469ull));
  r.tree.save(o.out);
  nlohmann::json j = {{"old_items", r.old_items},
                      {"new_items", r.tree.num_items() - r.old_items},
                      {"by_samples", r.by_samples},
                      {"by_category", r.by_category},
                      {"by_room", r.by_room},
                      {"levels", r.tree.max_level()},
                      {"levels_added", r.levels_added},
                      {"rows_scored", r.rows_scored}};
  if (model) {
    TrainingInfo info = trained.info;
    info.tree_fingerprint = r.tree.fingerprint();
    info.tree_items = r.tree.num_items();
    info.tree_levels = r.tree.max_level();
    info.options["tree"] = o.out;
    info.options["tree_assignment_xxh3"] = hex64(r.tree.assignment_fingerprint());
    info.options["add_items"] = {{"model", o.model}, {"tree", o.tree}, {"dataset", o.dataset}};
    save_trained_model(o.model_out, *model, info);
  }
  j["seconds"] = seconds_since(t0);
  std::fprintf(stderr,
               "tree add-items: %u new items after the %u of %s: %u placed by their samples' scores, %u beside "
               "their category, %u by room; %u levels (%u added); wrote %s%s%s in %.2f s\n",
               r.tree.num_items() - r.old_items, r.old_items, o.tree.c_str(), r.by_samples, r.by_category, r.by_room,
               r.tree.max_level(), r.levels_added, o.out.c_str(), o.model_out.empty() ? "" : " and ",
               o.model_out.c_str(), j["seconds"].get<double>());
  if (o.json) std::printf("%s\n", j.dump(2).c_str());
}

const Command kCmd(42, [](CLI::App& app) {
  CLI::App* tree = app.get_subcommand("tree");
  auto o = std::make_shared<AddOpts>();
  auto* add = tree->add_subcommand(
      "add-items", "place a dataset's new items in an existing tree (and model) without a rebuild");
  add->add_option("tree", o->tree, "the tree file to extend (the model's)")->required();
  add->add_option("--dataset", o->dataset,
                  "the new log's dataset, prepared with `treerec prepare --extend` on the tree's dataset")
      ->required();
  add->add_option("--model", o->model, "the model trained on TREE (tdm, jtm-hi or jtm-h): scores where items go")
      ->required();
  add->add_option("--out,-o", o->out, "tree file to write, holding every item of the dataset")->required();
  add->add_option("--model-out", o->model_out,
                  "also write the model with rows for the new tree: new nodes start from their parent's row "
                  "(serve it as is, or fine-tune it with `treerec train --init-model`)");
  add_param_flags(add, learn_params(), o->scoring, {"max_samples_per_item", "seed", "threads"});
  add->add_flag("--json", o->json, "also print a JSON summary on stdout");
  add->callback([o] { run_add(*o); });
});

}  // namespace
}  // namespace treerec::cli
