// Retrieval speed (issue 3, ALGORITHMS §6): layer-wise beam search with a JTM-H model on a large
// tree, against brute-force scoring of every item with the same model. Queries are synthetic
// like the PyTorch peer's: 69 behaviours drawn uniformly from the items. The model is freshly
// initialised: the work of a search does not depend on the weights.
//
//   build/search_bench DATASET TREE [--method jtm-h] [--queries 200] [--beam 200] [--top 200]
//                      [--threads 2] [--brute-queries 4] [--reps 3] [--seed 1] [--filter-share 0]
//
// --filter-share F (0 < F < 1): also the single-query latency with a filter (search/item_filter.h)
// that allows a hashed F of the categories, beside the unfiltered one in the same run, and the
// filter's build time.
//
// Prints: the median single-query latency on one thread (each query its own retrieve() call,
// as a server answers it), queries/s of one batched call on --threads threads (median of
// --reps), nodes scored per query, brute force's time per query on --threads threads and the
// brute-force / beam-search cost ratio (time and scores), and the peak RSS.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "treerec/data/dataset.h"
#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/preference_model.h"
#include "treerec/search/item_filter.h"
#include "treerec/search/model_retrieval.h"
#include "treerec/search/model_scorer.h"
#include "treerec/model/model_file.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"
#include "treerec/util/random.h"
#include "treerec/util/blas.h"

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU time of the calling thread: on a loaded machine it shows the work, not the waiting.
double thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double mean_scored(const treerec::RankedLists& lists) {
  double s = 0;
  for (auto n : lists.scored) s += static_cast<double>(n);
  return s / static_cast<double>(lists.scored.size());
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 3) {
    std::fprintf(stderr, "usage: search_bench DATASET TREE [--method M] [--queries Q] [--beam K] "
                         "[--top M] [--threads T] [--brute-queries B] [--reps R] [--seed S]\n");
    return 2;
  }
  std::string method_name = "jtm-h";
  std::uint32_t queries = 200, beam = 200, top = 200, brute_queries = 4;
  int threads = 2, reps = 3;
  std::uint64_t seed = 1;
  std::size_t scratch_mb = 0;  // 0: RetrievalOptions' default
  double filter_share = 0;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    const auto u32 = [&] { return static_cast<std::uint32_t>(std::stoul(value)); };
    if (flag == "--method") method_name = value;
    else if (flag == "--queries") queries = u32();
    else if (flag == "--beam") beam = u32();
    else if (flag == "--top") top = u32();
    else if (flag == "--threads") threads = std::stoi(value);
    else if (flag == "--brute-queries") brute_queries = u32();
    else if (flag == "--reps") reps = std::stoi(value);
    else if (flag == "--seed") seed = std::stoull(value);
    else if (flag == "--scratch-mb") scratch_mb = std::stoul(value);
    else if (flag == "--filter-share") filter_share = std::stod(value);
    else treerec::fail("unknown option ", flag);
  }
  treerec::set_default_threads(threads);
  treerec::use_single_threaded_blas();
  const auto dataset = treerec::Dataset::load(argv[1]);
  const auto tree = treerec::Tree::load(argv[2]);
  const auto method = treerec::training_method(method_name);
  const treerec::HierarchicalPreference features(method.representation, tree);
  treerec::ModelConfig config;
  config.representation = method.representation;
  config.behavior_rows = features.num_rows();
  config.node_rows = tree.num_nodes();
  const auto model = treerec::PreferenceModel::create(config, seed);

  treerec::Rng rng(treerec::mix_seed(seed, 7));
  treerec::HistoryLists histories;
  std::vector<std::uint32_t> history(69);
  for (std::uint32_t q = 0; q < queries; ++q) {
    for (auto& item : history) item = static_cast<std::uint32_t>(rng.uniform(tree.num_items()));
    histories.add(history);
  }
  treerec::RetrievalOptions options;
  options.beam = beam;
  options.top = top;
  if (scratch_mb > 0) options.scratch_bytes = scratch_mb << 20;

  // One query per call on one thread: the latency a server sees.
  options.threads = 1;
  std::vector<double> latency, cpu;
  for (std::uint32_t q = 0; q < queries; ++q) {
    treerec::HistoryLists one;
    one.add(histories.history(q));
    const double t0 = now(), c0 = thread_cpu();
    const auto lists = treerec::retrieve(*model, features, tree, one, options);
    latency.push_back(now() - t0);
    cpu.push_back(thread_cpu() - c0);
  }
  if (filter_share > 0) {  // the same queries again, with and without a filter, alternating
    treerec::FilterSpec spec;
    for (std::uint32_t c = 0; c < dataset.num_categories(); ++c)
      if (static_cast<double>((std::uint64_t{c} * 2654435761u) % 1000) < filter_share * 1000) spec.categories.push_back(c);
    const double f0 = now();
    const auto summary =
        std::make_shared<const treerec::CategorySummary>(tree, dataset.item_categories(), dataset.num_categories());
    const double build = now() - f0;
    std::vector<double> plain, filtered;
    double passing = 0;
    for (std::uint32_t q = 0; q < queries; ++q) {
      treerec::HistoryLists one;
      one.add(histories.history(q));
      for (const bool with : {false, true}) {
        const double t0 = now();
        std::optional<treerec::ItemFilter> filter;  // made per query, as the server does
        if (with) filter.emplace(summary, spec);
        options.filter = with ? &*filter : nullptr;
        const auto lists = treerec::retrieve(*model, features, tree, one, options);
        (with ? filtered : plain).push_back(now() - t0);
        if (with) passing = static_cast<double>(filter->passing());
      }
    }
    options.filter = nullptr;
    std::printf("filter: %.1f%% of the items pass (%zu categories); category summary built in %.1f ms; latency "
                "median %.3f ms filtered (the filter made per query) against %.3f ms unfiltered (1 thread)\n",
                100.0 * passing / tree.num_items(), spec.categories.size(), build * 1e3, median(filtered) * 1e3,
                median(plain) * 1e3);
  }
  // The whole batch on `threads` threads.
  options.threads = threads;
  std::vector<double> batch_times;
  double beam_scored = 0;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now();
    const auto lists = treerec::retrieve(*model, features, tree, histories, options);
    batch_times.push_back(now() - t0);
    beam_scored = mean_scored(lists);
  }
  const double qps = queries / median(batch_times);
  // Brute force on the first few queries.
  treerec::HistoryLists few;
  for (std::uint32_t q = 0; q < std::min(brute_queries, queries); ++q) few.add(histories.history(q));
  options.brute_force = true;
  const double t0 = now();
  const auto brute = treerec::retrieve(*model, features, tree, few, options);
  const double brute_per_query = (now() - t0) / static_cast<double>(few.size());
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("BLAS kernels %s\n", treerec::blas_kernels().c_str());
  std::printf("method %s, %u items, %u levels, k %u, M %u, %u queries\n", method_name.c_str(),
              tree.num_items(), tree.max_level(), beam, top, queries);
  std::printf("beam_latency_ms_1thread median %.3f (thread CPU %.3f)\n", median(latency) * 1e3,
              median(cpu) * 1e3);
  std::printf("beam nodes scored per query %.0f\n", beam_scored);
  if (few.size() > 0)  // --brute-queries 0 skips it
    std::printf("brute force %.1f ms/query on %d threads (%.0f items scored); cost ratio "
                "brute/beam: time %.0fx, scores %.0fx\n",
                brute_per_query * 1e3, threads, mean_scored(brute), brute_per_query * qps,
                mean_scored(brute) / beam_scored);
  std::printf("peak_rss_mb=%.0f\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
  std::printf("beam_queries_per_sec=%.1f\n", qps);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "search_bench: %s\n", e.what());
  return 1;
}
