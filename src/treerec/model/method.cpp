#include "treerec/model/method.h"

#include <algorithm>
#include <vector>

#include "treerec/util/error.h"

namespace treerec {
namespace {

Method preference(std::string name, std::string title, std::string help, Representation r,
                  bool trainable = true) {
  return {.name = std::move(name), .title = std::move(title), .help = std::move(help),
          .model = ModelKind::preference, .representation = r, .trainable = trainable};
}

std::vector<Method> catalogue() {
  std::vector<Method> m = {
      preference("tdm", "TDM", "TDM (docs/ALGORITHMS.md §9): the category tree, leaf-item behaviour features, no tree learning",
                 Representation::tdm),
      preference("jtm-hi", "JTM-HI", "JTM-HI (docs/ALGORITHMS.md §4, §9): a behaviour table per level, the category tree",
                 Representation::jtm_hi),
      preference("jtm-h", "JTM-H", "JTM-H (docs/ALGORITHMS.md §4, §9): behaviours as their ancestors at the scored level, the "
                          "category tree",
                 Representation::jtm_h),
      preference("dnn", "DNN", "DNN (docs/ALGORITHMS.md §9): the TDM network without a tree: corpus negatives, brute-force "
                        "retrieval",
                 Representation::tdm),
      preference("hsm", "HSM", "HSM (docs/ALGORITHMS.md §9): the tree model trained with each positive's sibling as negative, "
                        "beam search by path probability",
                 Representation::tdm),
      preference("jtm", "JTM", "JTM (docs/ALGORITHMS.md §8): JTM-H trained jointly with tree learning (Algorithm 2), best "
                        "round by validation recall@200",
                 Representation::jtm_h, false),
      preference("tdm-kmeans", "TDM (k-means tree)", "TDM with its tree re-clustered by balanced 2-means on the leaf embeddings after every "
                               "round (docs/ALGORITHMS.md §3)",
                 Representation::tdm, false),
      preference("jtm-h-same-epochs", "JTM-H (jtm's epochs)",
                 "JTM-H on the category tree, trained in jtm's rounds with jtm's epochs (up to its best round), warm "
                 "started the same way: jtm without tree learning, so the difference is the learned tree "
                 "(docs/ALGORITHMS.md §8)",
                 Representation::jtm_h, false),
      {.name = "popular",
       .title = "Most popular",
       .help = "Most popular (not in the papers): every user gets the items most frequent in train users' "
               "sequences, ties by item id; the floor a trained method must beat"},
      {.name = "itemcf",
       .title = "Item-CF",
       .help = "Item-CF (docs/ALGORITHMS.md §9): cosine item-item similarity from train users' co-occurrences, top K "
               "neighbours per item, score = sum of the user's items' weights",
       .model = ModelKind::itemcf},
      {.name = "youtube",
       .title = "YouTube product-DNN",
       .help = "YouTube product-DNN (docs/ALGORITHMS.md §9): window means through an MLP 128-64-24, inner product "
               "with item embeddings, sampled softmax, exact top-M (HNSW recall reported)",
       .model = ModelKind::youtube},
  };
  for (Method& x : m) {
    if (x.name == "dnn") x.brute_force = true;
    if (x.name == "hsm") x.hsm = true;
  }
  std::sort(m.begin(), m.end(), [](const Method& a, const Method& b) { return a.name < b.name; });
  return m;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::span<const Method> all_methods() {
  static const std::vector<Method> methods = catalogue();
  return methods;
}

std::vector<std::string> method_names(const std::function<bool(const Method&)>& keep) {
  std::vector<std::string> out;
  for (const Method& m : all_methods())
    if (!keep || keep(m)) out.push_back(m.name);
  return out;
}

const Method& method_named(const std::string& name) {
  for (const Method& m : all_methods())
    if (m.name == name) return m;
  fail("unknown method '", name, "'; expected one of: ", joined(method_names()));
}

const Method& training_method(const std::string& name) {
  for (const Method& m : all_methods())
    if (m.name == name && m.trainable) return m;
  fail("unknown training method '", name, "'; expected one of: ", joined(method_names([](const Method& x) { return x.trainable; })));
}

}  // namespace treerec
