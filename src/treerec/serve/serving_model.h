// What the retrieval service serves: one immutable snapshot of a trained model and its tree
// (docs/SERVING.md). A request takes a shared_ptr to the current snapshot and keeps it until it
// has answered, so a reload can swap in a new snapshot while requests in flight finish on the
// old one, which is freed when its last request lets go.
//
// Raw ids both ways come from the tree file, which stores each item's raw id (tree/tree.h):
// no dataset is needed to serve.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/preference_model.h"
#include "treerec/search/item_filter.h"
#include "treerec/serve/request.h"
#include "treerec/model/model_file.h"
#include "treerec/tree/tree.h"

namespace treerec {

class IdMap;
class StringTable;

class ServingModel {
 public:
  static constexpr std::uint32_t kUnknown = 0xFFFFFFFFu;

  // Loads and checks the pair as `treerec retrieve` does: the model was trained on this tree
  // (check_model_tree), its representation is its method's, its tables fit the tree
  // (check_model_fits). Throws Error naming the files otherwise. The result never changes.
  static std::shared_ptr<const ServingModel> load(const std::string& model_path, const std::string& tree_path);
  ~ServingModel();
  ServingModel(const ServingModel&) = delete;
  ServingModel& operator=(const ServingModel&) = delete;

  const PreferenceModel& model() const { return *trained_.model; }
  const TrainingInfo& info() const { return trained_.info; }
  const Method& method() const { return method_; }
  const Tree& tree() const { return tree_; }
  const HierarchicalPreference& features() const { return features_; }
  const std::string& model_path() const { return model_path_; }
  const std::string& tree_path() const { return tree_path_; }

  // The dense item id of a raw id, or kUnknown. Thread-safe.
  std::uint32_t find_item(std::string_view raw) const;
  // The dense category id of a raw category id (the tree file's), or kUnknown. Thread-safe.
  std::uint32_t find_category(std::string_view raw) const;
  // How many items of each category lie below each node: a request's filter counts with it.
  // A tree file without categories puts every item in one, so only items can be filtered.
  const std::shared_ptr<const CategorySummary>& categories() const { return categories_; }

  // Identifies the files' contents: 16 hex digits hashing the checksums in the two files'
  // headers (io/binary_file.h), so the same files always give the same version and any
  // change gives another.
  const std::string& version() const { return version_; }
  // When the snapshot was loaded, in seconds since the Unix epoch.
  double loaded_at() const { return loaded_at_; }

 private:
  ServingModel() = default;
  std::string model_path_, tree_path_;
  Tree tree_;
  TrainedModel trained_;
  Method method_;
  HierarchicalPreference features_;
  std::unique_ptr<StringTable> id_names_;
  std::unique_ptr<IdMap> ids_;
  std::unique_ptr<StringTable> category_names_;
  std::unique_ptr<IdMap> category_ids_;
  std::shared_ptr<const CategorySummary> categories_;
  std::string version_;
  double loaded_at_ = 0;
};

// The answer to one query: items best first with their scores (the model's logits, an
// increasing function of p̂(n | u), as `treerec retrieve` writes them), and the raw ids of the
// request that the tree does not hold (behaviours first, then excluded ids; each once).
struct Recommendation {
  std::vector<std::uint32_t> items;
  std::vector<float> scores;
  std::vector<std::string> unknown;
};

struct RecommendOptions {
  std::uint32_t beam = 200;  // beam width k of the search: max(beam, the request's k) is used
  int threads = 1;           // retrieval threads for this call
};

// Answers the queries with `snapshot` (ALGORITHMS §6): unknown item ids are dropped from the
// histories, exclusions and filters and reported; behaviours are given oldest first, as the model
// expects. A query's filter applies inside the search. Beam search, or brute force when the
// model's method is dnn. Queries asking for the same k with the same filter are searched
// together. Throws RequestError(422) for a category the tree file does not hold (or for any
// category when it holds none), Error only if retrieval itself fails.
std::vector<Recommendation> recommend(const ServingModel& snapshot, std::span<const RecommendRequest> queries,
                                      const RecommendOptions& options);

// The JSON fields of one answer, without braces: "items": [raw ids], "scores": [...],
// "unknown": [raw ids].
void append_recommendation_fields(std::string& out, const ServingModel& snapshot, const Recommendation& r);
// Appends `s` as a JSON string literal (quotes, backslashes and control characters escaped).
void append_json_string(std::string& out, std::string_view s);

}  // namespace treerec
