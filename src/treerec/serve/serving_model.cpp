#include "treerec/serve/serving_model.h"

#include <malloc.h>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <unordered_set>

#include "treerec/data/id_map.h"
#include "treerec/io/string_table.h"
#include "treerec/search/model_retrieval.h"
#include "treerec/search/model_scorer.h"
#include "treerec/util/error.h"
#include "treerec/util/hash.h"
#include "treerec/util/timing.h"

namespace treerec {
namespace {

// The XXH3 checksum every treerec file keeps in its header (io/binary_file.h: bytes 40..47 of
// the 64-byte header), read without mapping the file again.
std::uint64_t header_checksum(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char h[48];
  if (!in.read(reinterpret_cast<char*>(h), sizeof h)) fail("cannot read the header of ", path);
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | h[40 + i];
  return v;
}

void append_float(std::string& out, float v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

ServingModel::~ServingModel() = default;

std::shared_ptr<const ServingModel> ServingModel::load(const std::string& model_path, const std::string& tree_path) {
  // Freed memory goes back to the system when a snapshot dies, so that resident memory stays
  // flat across reloads instead of keeping the old model's pages in the allocator.
  std::shared_ptr<ServingModel> m(new ServingModel(), [](ServingModel* p) {
    delete p;
    ::malloc_trim(0);
  });
  m->model_path_ = model_path;
  m->tree_path_ = tree_path;
  // Checksums before and after loading: a file replaced in between would otherwise be served
  // under the other file's version.
  const std::uint64_t model_sum = header_checksum(model_path);
  const std::uint64_t tree_sum = header_checksum(tree_path);
  m->tree_ = Tree::load(tree_path);
  m->trained_ = load_trained_model(model_path);
  if (header_checksum(model_path) != model_sum || header_checksum(tree_path) != tree_sum)
    fail(model_path, " or ", tree_path, " changed while it was being loaded; load again");
  check_model_tree(m->trained_.info, m->tree_, model_path, tree_path);
  m->method_ = training_method(m->trained_.info.method);
  const Representation r = m->trained_.model->config().representation;
  if (r != m->method_.representation)
    fail(model_path, ": method ", m->method_.name, " uses the ", representation_name(m->method_.representation),
         " representation but the model was built with ", representation_name(r));
  m->features_ = HierarchicalPreference(r, m->tree_);
  try {
    check_model_fits(*m->trained_.model, m->features_, m->tree_);
  } catch (const Error& e) {
    fail(model_path, " does not fit ", tree_path, ": ", e.what());
  }

  m->id_names_ = std::make_unique<StringTable>();
  m->ids_ = std::make_unique<IdMap>(m->id_names_.get(), "item ids");
  for (std::uint32_t i = 0; i < m->tree_.num_items(); ++i) {
    bool added = false;
    if (m->ids_->get_or_add(m->tree_.item_id(i), &added) != i || !added)
      fail(tree_path, ": item id '", m->tree_.item_id(i), "' appears twice; raw ids must be distinct");
  }
  m->category_names_ = std::make_unique<StringTable>();
  m->category_ids_ = std::make_unique<IdMap>(m->category_names_.get(), "category ids");
  if (m->tree_.has_categories()) {
    const StringTable& names = m->tree_.category_ids();
    for (std::uint32_t c = 0; c < names.size(); ++c) {
      bool added = false;
      if (m->category_ids_->get_or_add(names[c], &added) != c || !added)
        fail(tree_path, ": category id '", names[c], "' appears twice; raw ids must be distinct");
    }
    m->categories_ = std::make_shared<CategorySummary>(m->tree_, m->tree_.item_categories(),
                                                       static_cast<std::uint32_t>(names.size()));
  } else {
    m->categories_ = std::make_shared<CategorySummary>(m->tree_);
  }
  // What is served, not how the files were made: the same parameters on the same tree give the
  // same version, whatever timings the model file records (identical runs, a resumed one).
  // The categories count too: they decide what a filter returns.
  const std::uint64_t what[5] = {parameters_fingerprint(m->trained_.model->parameters()),
                                 m->tree_.assignment_fingerprint(), m->tree_.fingerprint(),
                                 xxh3(m->method_.name.data(), m->method_.name.size()),
                                 xxh3(m->tree_.item_categories()) ^ item_ids_fingerprint(m->tree_.category_ids())};
  m->version_ = hex64(xxh3(what, sizeof what));
  m->loaded_at_ = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return m;
}

std::uint32_t ServingModel::find_item(std::string_view raw) const {
  const std::uint32_t id = ids_->find(IdKey::of(raw));
  return id == IdMap::kNone ? kUnknown : id;
}

std::uint32_t ServingModel::find_category(std::string_view raw) const {
  const std::uint32_t id = category_ids_->find(IdKey::of(raw));
  return id == IdMap::kNone ? kUnknown : id;
}

namespace {

// The dense ids of a filter's raw category ids; `field` names the list in errors.
std::vector<std::uint32_t> category_ids(const ServingModel& snapshot, const std::vector<std::string>& raw,
                                        const std::string& field) {
  std::vector<std::uint32_t> ids;
  for (const std::string& name : raw) {
    if (!snapshot.tree().has_categories())
      throw RequestError(422, cat(field, ": the tree file ", snapshot.tree_path(),
                                  " holds no item categories (written before they were stored); rebuild it with "
                                  "`treerec tree init` or `treerec tree learn` to filter by category"));
    const std::uint32_t c = snapshot.find_category(name);
    if (c == ServingModel::kUnknown) {
      std::string shown;
      append_json_string(shown, name);
      throw RequestError(422, cat(field, ": the index has no category ", shown));
    }
    ids.push_back(c);
  }
  return ids;
}

}  // namespace

std::vector<Recommendation> recommend(const ServingModel& snapshot, std::span<const RecommendRequest> queries,
                                      const RecommendOptions& options) {
  const std::size_t n = queries.size();
  std::vector<Recommendation> out(n);
  std::vector<std::vector<std::uint32_t>> histories(n), excluded(n);
  std::vector<FilterSpec> specs{FilterSpec{}};  // distinct filters; 0: none
  // (k, filter) -> queries asking for it
  std::map<std::pair<std::uint32_t, std::size_t>, std::vector<std::uint32_t>> groups;
  for (std::size_t q = 0; q < n; ++q) {
    std::unordered_set<std::string_view> reported;
    const auto map_ids = [&](const std::vector<std::string>& raw, std::vector<std::uint32_t>& ids) {
      ids.reserve(raw.size());
      for (const std::string& id : raw) {
        const std::uint32_t item = snapshot.find_item(id);
        if (item != ServingModel::kUnknown) {
          ids.push_back(item);
        } else if (reported.insert(id).second) {
          out[q].unknown.push_back(id);
        }
      }
    };
    map_ids(queries[q].behaviors, histories[q]);
    map_ids(queries[q].exclude, excluded[q]);
    const RawFilter& raw = queries[q].filter;
    const std::string where = n > 1 ? cat("requests[", q, "]: filter.") : std::string("filter.");
    FilterSpec spec;
    spec.categories = category_ids(snapshot, raw.categories, where + "categories");
    spec.exclude_categories = category_ids(snapshot, raw.exclude_categories, where + "exclude_categories");
    map_ids(raw.exclude_items, spec.exclude_items);
    if (!spec.empty()) {
      // The top-level exclusions join the filter's, so that the search counts them when it
      // widens its beam for k passing items (sorted, so equal filters still group together).
      spec.exclude_items.insert(spec.exclude_items.end(), excluded[q].begin(), excluded[q].end());
      std::sort(spec.exclude_items.begin(), spec.exclude_items.end());
      spec.exclude_items.erase(std::unique(spec.exclude_items.begin(), spec.exclude_items.end()),
                               spec.exclude_items.end());
    }
    const std::size_t s = static_cast<std::size_t>(std::find(specs.begin(), specs.end(), spec) - specs.begin());
    if (s == specs.size()) specs.push_back(std::move(spec));
    groups[{queries[q].k, s}].push_back(static_cast<std::uint32_t>(q));
  }

  for (const auto& entry : groups) {
    const std::uint32_t k = entry.first.first;
    const FilterSpec& spec = specs[entry.first.second];
    const std::vector<std::uint32_t>& group = entry.second;  // named: clang 14 lambdas cannot capture bindings
    std::unique_ptr<ItemFilter> filter;
    if (!spec.empty()) filter = std::make_unique<ItemFilter>(snapshot.categories(), spec);
    HistoryLists lists;
    for (const std::uint32_t q : group) lists.add(histories[q]);
    const ExcludeFn exclude = [&](std::uint32_t i) { return std::span<const std::uint32_t>(excluded[group[i]]); };
    RetrievalOptions ro;
    ro.beam = std::max(options.beam, k);
    ro.top = k;
    ro.brute_force = snapshot.method().brute_force;  // dnn has no tree model (ALGORITHMS §9)
    ro.path_sum = snapshot.method().hsm;  // HSM ranks by path probability (ALGORITHMS §6)
    ro.threads = options.threads;
    ro.filter = filter.get();
    const RankedLists ranked =
        retrieve(snapshot.model(), snapshot.features(), snapshot.tree(), lists, ro, exclude);
    for (std::size_t i = 0; i < group.size(); ++i) {
      Recommendation& r = out[group[i]];
      const auto items = ranked.items_of(i);
      const auto scores = ranked.scores_of(i);
      r.items.assign(items.begin(), items.end());
      r.scores.assign(scores.begin(), scores.end());
    }
  }
  return out;
}

namespace {

// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return i + k < s.size() && b(k) >= lo && b(k) <= hi;
  };
  const unsigned c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const bool second = c == 0xE0 ? cont(1, 0xA0) : c == 0xED ? cont(1, 0x80, 0x9F) : cont(1);
    return second && cont(2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const bool second = c == 0xF0 ? cont(1, 0x90) : c == 0xF4 ? cont(1, 0x80, 0x8F) : cont(1);
    return second && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else if (const std::size_t n = utf8_length(s, i); n > 1) {
          out.append(s.data() + i, n);
          i += n;
          continue;
        } else if (n == 0) {
          out += "\\ufffd";  // a byte that is not UTF-8: JSON text must be (RFC 8259)
        } else {
          out += c;
        }
    }
    ++i;
  }
  out += '"';
}

void append_recommendation_fields(std::string& out, const ServingModel& snapshot, const Recommendation& r) {
  out += "\"items\": [";
  for (std::size_t i = 0; i < r.items.size(); ++i) {
    if (i > 0) out += ", ";
    append_json_string(out, snapshot.tree().item_id(r.items[i]));
  }
  out += "], \"scores\": [";
  for (std::size_t i = 0; i < r.scores.size(); ++i) {
    if (i > 0) out += ", ";
    append_float(out, r.scores[i]);
  }
  out += "], \"unknown\": [";
  for (std::size_t i = 0; i < r.unknown.size(); ++i) {
    if (i > 0) out += ", ";
    append_json_string(out, r.unknown[i]);
  }
  out += ']';
}

}  // namespace treerec
