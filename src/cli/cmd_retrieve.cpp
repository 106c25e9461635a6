// `treerec retrieve`: the top M items of each user by a trained model (ALGORITHMS §6), as JSON lines
// that speak raw ids: {"user": "<id>", "items": ["<id>", ...], "scores": [...]}, best first.
// A user's query is its evaluation features (ALGORITHMS §2.6: the last up to 69 items of the first
// half of its sequence), so the lists are the ones `treerec evaluate` measures.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cli/baseline_commands.h"
#include "cli/command.h"
#include "cli/filter_flags.h"
#include "cli/param_flags.h"
#include "cli/model_inputs.h"
#include "treerec/io/output_paths.h"
#include "treerec/baselines/model_kind.h"
#include "treerec/io/atomic_file.h"
#include "treerec/search/model_retrieval.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"

namespace treerec::cli {
namespace {

struct Opts {
  std::string dataset;
  std::string model;
  std::string tree;
  std::string out;
  std::string split = "valid";
  std::string users;  // file of raw user ids, one per line
  RetrievalOptions retrieval;  // beam and top
  bool brute_force = false;
  int threads = 0;
  BaselineRetrieveOpts baseline;
  FilterFlags filter;
};

// The dense ids of the raw user ids in `path`, one per line, in file order (blank lines and
// surrounding spaces ignored; repeats kept). Throws Error naming the line of an unknown id.
std::vector<std::uint32_t> read_users(const std::string& path, const Dataset& dataset,
                                      const std::string& dataset_path) {
  std::ifstream in(path);
  if (!in) fail("cannot open the user list ", path);
  std::unordered_map<std::string_view, std::uint32_t> by_raw;
  by_raw.reserve(dataset.num_users());
  for (std::uint32_t u = 0; u < dataset.num_users(); ++u) by_raw.emplace(dataset.user_id(u), u);
  std::vector<std::uint32_t> users;
  std::string line;
  for (std::uint64_t number = 1; std::getline(in, line); ++number) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    const auto last = line.find_last_not_of(" \t\r");
    const std::string_view id = std::string_view(line).substr(first, last - first + 1);
    const auto it = by_raw.find(id);
    if (it == by_raw.end())
      fail(path, " line ", number, ": unknown user id '", id, "' (not a user of ", dataset_path, ")");
    users.push_back(it->second);
  }
  if (in.bad()) fail("cannot read the user list ", path);
  if (users.empty()) fail(path, " lists no user");
  return users;
}

void append_float(std::string& s, float v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

// The users of --users, or of --split.
std::vector<std::uint32_t> query_users(const Opts& o, const Dataset& dataset) {
  if (!o.users.empty()) return read_users(o.users, dataset, o.dataset);
  const Split split = o.split == "test" ? Split::test : Split::valid;
  const auto s = dataset.users(split);
  if (s.empty()) fail(o.dataset, " has no ", split_name(split), " users; give a user list with --users");
  return {s.begin(), s.end()};
}

void write_lists(const std::string& path, const Dataset& dataset, std::span<const std::uint32_t> users,
                 const RankedLists& lists);

void run(const Opts& o) {
  check_outputs_are_not_inputs({{"--out", o.out}}, {{"dataset", o.dataset}, {"--model", o.model}, {"--tree", o.tree},
                                                    {"--users", o.users}});
  const auto t0 = std::chrono::steady_clock::now();
  set_default_threads(o.threads);
  if (model_file_kind(o.model) != ModelKind::preference) {  // itemcf, youtube: no tree
    if (!o.filter.empty())
      fail("--categories, --exclude-categories and --exclude-items filter inside beam search or brute force: they "
           "apply to tree models and dnn, not to itemcf or youtube");
    const Dataset dataset = Dataset::load(o.dataset);
    const std::vector<std::uint32_t> users = query_users(o, dataset);
    const BaselineLists b = retrieve_baseline(o.model, dataset, o.dataset, users, o.retrieval.top, o.threads, o.baseline);
    write_lists(o.out, dataset, users, b.lists);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "retrieve: %zu users, method %s, %s, top %u, %.2f s -> %s\n", users.size(), b.method.c_str(),
                 b.retrieval.c_str(), o.retrieval.top, secs, o.out.c_str());
    return;
  }
  if (o.tree.empty()) fail(o.model, " is a tree model: retrieve needs --tree");
  const ModelInputs in = ModelInputs::load(o.dataset, o.model, o.tree);
  const std::vector<std::uint32_t> users = query_users(o, in.dataset);

  const EvalUserHistories histories(in.dataset, users);
  RetrievalOptions ro;
  ro.beam = o.retrieval.beam;
  ro.top = o.retrieval.top;
  ro.brute_force = o.brute_force || in.method.brute_force;  // dnn has no tree model (ALGORITHMS §9)
  ro.path_sum = in.method.hsm;
  ro.threads = o.threads;
  note_short_beam(ro.brute_force, ro.beam, ro.top);
  const auto filter = make_filter(o.filter, in.dataset, in.tree);
  ro.filter = filter.get();
  const RankedLists lists = retrieve(*in.trained.model, in.features, in.tree, histories, ro);
  write_lists(o.out, in.dataset, users, lists);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "retrieve: %zu users, method %s, %s, top %u, %.2f s -> %s\n", users.size(),
               in.method.name.c_str(), ro.brute_force ? "brute force" : cat("beam k = ", o.retrieval.beam).c_str(),
               o.retrieval.top, secs, o.out.c_str());
}

// JSON lines in raw ids (see the top of this file).
void write_lists(const std::string& path, const Dataset& dataset, std::span<const std::uint32_t> users,
                 const RankedLists& lists) {
  AtomicFile out(path);
  std::string buf;
  for (std::size_t q = 0; q < users.size(); ++q) {
    buf += "{\"user\": ";
    buf += nlohmann::json(std::string(dataset.user_id(users[q]))).dump();
    buf += ", \"items\": [";
    const auto items = lists.items_of(q);
    const auto scores = lists.scores_of(q);
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) buf += ", ";
      buf += nlohmann::json(std::string(dataset.item_id(items[i]))).dump();
    }
    buf += "], \"scores\": [";
    for (std::size_t i = 0; i < scores.size(); ++i) {
      if (i > 0) buf += ", ";
      append_float(buf, scores[i]);
    }
    buf += "]}\n";
    if (buf.size() >= (1u << 20)) {
      out.write(buf);
      buf.clear();
    }
  }
  out.write(buf);
  out.commit();
}

const Command kCmd(60, [](CLI::App& app) {
  auto* cmd = app.add_subcommand("retrieve", "the top M items of each user by a trained model, as JSON lines");
  auto opts = std::make_shared<Opts>();
  cmd->add_option("dataset", opts->dataset, "prepared dataset file (from `treerec prepare`)")->required();
  cmd->add_option("--model", opts->model, "trained model file (from `treerec train`)")->required();
  cmd->add_option("--tree", opts->tree, "the tree file the model was trained with (not for itemcf, youtube)");
  cmd->add_option("--out,-o", opts->out, "JSON lines file to write")->required();
  auto* split = cmd->add_option("--split", opts->split, "users to retrieve for, unless --users is given")
                    ->check(CLI::IsMember({"valid", "test"}))
                    ->capture_default_str();
  cmd->add_option("--users", opts->users,
                  "file of raw user ids, one per line (any users of the dataset), instead of --split")
      ->excludes(split);
  add_param_flags(cmd, retrieval_params(), opts->retrieval, {"top", "beam"});
  cmd->add_flag("--brute-force", opts->brute_force, "score every item instead of beam search (always so for dnn)");
  add_filter_flags(*cmd, opts->filter);
  add_baseline_retrieve_options(cmd, opts->baseline);
  add_threads_option(cmd, opts->threads);
  cmd->callback([opts] { run(*opts); });
});

}  // namespace
}  // namespace treerec::cli
