// One JTM tree-learning pass (ALGORITHMS §7, Algorithm 2) at Amazon Books scale by default: 1,477,922
// items (l_max = 21), about 8M training samples, gap d = 7, JTM-H features, the DNN model of
// ALGORITHMS §4 (embedding 24, 128-64-24), 2 threads. Reports the scoring and assignment times, node
// scores per second and the forward GFLOP/s achieved.
//
//   build/tree_learn_bench [--items 1477922] [--samples 8000000] [--gap 7] [--threads 2]
//                          [--method jtm-h] [--assign exact] [--lookahead 4]
//                          [--max-samples-per-item 0]
//
// The data is synthetic and built in memory (no files): users of 30 records each (25 samples
// per user), every item used at least once, each user's items drawn near a per-user centre so
// that items have neighbours; categories of 560 items (Amazon Books' ratio) give the initial
// tree. The model is freshly initialised: the cost of a pass does not depend on its training.
// Under mpirun (bench/mpi_bench.sh) every rank builds the same data and the pass is split among
// them (docs/DISTRIBUTED.md); each rank reports the bytes it sent.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "treerec/data/dataset.h"
#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/preference_model.h"
#include "treerec/model/model_file.h"
#include "treerec/learn/tree_learner.h"
#include "treerec/util/distributed.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"
#include "treerec/util/random.h"

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

treerec::Dataset synthetic_dataset(std::uint64_t items, std::uint64_t samples) {
  constexpr std::uint64_t kPerUser = 30;  // 25 samples per user (ALGORITHMS §2.5: targets from seq[5])
  const std::uint64_t users = std::max<std::uint64_t>(1, (samples + kPerUser - 6) / (kPerUser - 5));
  TR_CHECK(users * kPerUser >= items, "--samples ", samples, " is too few to use all ", items, " items");
  treerec::BehaviorLog log;
  log.behavior_types.add("pv");
  const std::uint64_t categories = std::max<std::uint64_t>(1, items / 560);
  for (std::uint64_t k = 0; k < categories; ++k) log.category_ids.add(std::to_string(k));
  log.item_ids.reserve(items, items * 8);
  log.user_ids.reserve(users, users * 7);
  const std::uint64_t records = users * kPerUser;
  log.user.reserve(records);
  log.item.reserve(records);
  log.time.reserve(records);
  log.behavior.reserve(records);
  // Items get dense ids in order of first appearance: record r < items uses item r, so ids
  // match raw ids; later records draw near the user's centre.
  for (std::uint64_t i = 0; i < items; ++i) {
    log.item_ids.add(std::to_string(i));
    log.item_category.push_back(static_cast<std::uint32_t>(treerec::mix_seed(7, i) % categories));
  }
  std::uint64_t r = 0;
  for (std::uint64_t u = 0; u < users; ++u) {
    log.user_ids.add(std::to_string(u));
    treerec::Rng rng(treerec::mix_seed(1, u));
    const std::uint64_t centre = rng.uniform(items);
    for (std::uint64_t k = 0; k < kPerUser; ++k, ++r) {
      const std::uint64_t item = r < items ? r : (centre + rng.uniform(4096)) % items;
      log.user.push_back(static_cast<std::uint32_t>(u));
      log.item.push_back(static_cast<std::uint32_t>(item));
      log.time.push_back(static_cast<std::int64_t>(k));
      log.behavior.push_back(0);
    }
  }
  log.lines_read = records;
  treerec::PrepareOptions options;
  options.valid_users = treerec::UserCount{0};
  options.test_users = treerec::UserCount{0};
  return treerec::Dataset::build(std::move(log), options);
}

}  // namespace

int main(int argc, char** argv) try {
  treerec::dist::init(&argc, &argv);
  if (!treerec::dist::root() && !std::freopen("/dev/null", "w", stdout)) return 1;
  std::uint64_t items = 1477922, samples = 8000000;
  std::string method = "jtm-h", assign = "exact";
  treerec::TreeLearnOptions options;
  options.threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--items") items = std::stoull(value);
    else if (flag == "--samples") samples = std::stoull(value);
    else if (flag == "--gap") options.gap = static_cast<std::uint32_t>(std::stoul(value));
    else if (flag == "--threads") options.threads = std::stoi(value);
    else if (flag == "--method") method = value;
    else if (flag == "--assign") assign = value;
    else if (flag == "--lookahead") options.lookahead = static_cast<std::uint32_t>(std::stoul(value));
    else if (flag == "--max-samples-per-item") options.max_samples_per_item = static_cast<std::uint32_t>(std::stoul(value));
    else treerec::fail("unknown option ", flag);
  }
  if (argc % 2 == 0) treerec::fail("every option needs a value");
  treerec::set_default_threads(options.threads);
  options.assign = treerec::parse_assign_method(assign);
  const treerec::Method m = treerec::training_method(method);
  TR_CHECK(!m.brute_force, "tree learning needs a tree method (tdm, jtm-hi, jtm-h)");

  double t0 = now();
  const treerec::Dataset dataset = synthetic_dataset(items, samples);
  const treerec::Tree tree = treerec::build_category_tree(dataset.item_categories(), dataset.item_ids());
  const treerec::HierarchicalPreference features(m.representation, tree);
  treerec::ModelConfig config;
  config.representation = m.representation;
  config.behavior_rows = features.num_rows();
  config.node_rows = tree.num_nodes();
  const auto model = treerec::PreferenceModel::create(config, 1);
  std::printf("setup %.1f s: %u items, l_max %u, %llu train samples, %s, gap %u, %s, %d threads\n", now() - t0,
              tree.num_items(), tree.max_level(), static_cast<unsigned long long>(dataset.num_train_samples()),
              method.c_str(), options.gap, assign.c_str(), options.threads);

  options.log = [](const std::string& line) { std::printf("  %s\n", line.c_str()); };
  t0 = now();
  const treerec::TreeLearnResult r = treerec::learn_tree(dataset, tree, *model, features, options);
  const double total = now() - t0;

  // Forward FLOPs (model/dnn_model.h, E = 24, 128-64-24; a multiply-add is 2): 25,648 per node
  // row and 61,440 per group (the user half of the first layer), counted by learn_tree.
  const double flops = static_cast<double>(r.node_scores) * 25648.0 + static_cast<double>(r.groups) * 61440.0;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("tree learning pass: %.2f s (scoring %.2f s, assignment %.2f s)\n", total, r.scoring_seconds,
              r.assign_seconds);
  std::printf("node scores %llu (%.1f per sample), %.3g node scores/s in scoring\n",
              static_cast<unsigned long long>(r.node_scores),
              static_cast<double>(r.node_scores) / static_cast<double>(std::max<std::uint64_t>(1, r.samples)),
              static_cast<double>(r.node_scores) / r.scoring_seconds);
  std::printf("forward GFLOP/s %.1f (%.3g GFLOP)\n", flops / r.scoring_seconds / 1e9, flops / 1e9);
  std::printf("objective old %.6g, learned %.6g (%s); items moved at the leaves %llu\n", r.objective_old,
              r.objective_learned, r.kept_old ? "lower: the old tree is kept" : "kept",
              static_cast<unsigned long long>(r.moved_per_level.back()));
  std::printf("peak_rss_mb=%.0f\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
  if (treerec::dist::size() > 1) {
    const double mine[2] = {static_cast<double>(treerec::dist::bytes_sent()), treerec::dist::communication_seconds()};
    const auto all = treerec::dist::allgather<double>(mine);
    for (int k = 0; k < treerec::dist::size(); ++k)
      std::printf("rank %d: sent_bytes=%.0f mpi_seconds=%.2f\n", k, all[2 * k], all[2 * k + 1]);
  }
  treerec::dist::finalize();
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "tree_learn_bench: %s\n", e.what());
  treerec::dist::abort_job(1);
  return 1;
}
