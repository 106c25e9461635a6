#include "treerec/tree/tree.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <utility>

#include "treerec/io/binary_file.h"
#include "treerec/util/error.h"
#include "treerec/util/hash.h"

namespace treerec {

namespace {
constexpr std::string_view kMagic = "TRECTREE";
constexpr std::uint32_t kFormatVersion = 1;
// Dense node indices are u32 and a full tree has fewer than 2 |C| + l_max nodes.
constexpr std::uint64_t kMaxItems = std::uint64_t{1} << 31;

StringTable owned_copy(const StringTable& t) {
  StringTable out;
  out.reserve(t.size(), t.bytes().size());
  for (std::size_t i = 0; i < t.size(); ++i) out.add(t[i]);
  return out;
}
}  // namespace

std::uint32_t max_level_for(std::uint64_t items) {
  TR_CHECK(items > 0, "a tree needs at least one item");
  std::uint32_t l = 1;  // at least 1 (see the header)
  while ((std::uint64_t{1} << l) < items) ++l;
  return l;
}

std::uint64_t Tree::assignment_fingerprint() const { return xxh3(leaves()); }

std::uint64_t item_ids_fingerprint(const StringTable& item_ids) {
  Xxh3Stream hash;
  for (std::size_t i = 0; i < item_ids.size(); ++i) {
    const std::string_view id = item_ids[i];
    const std::uint64_t n = id.size();
    hash.update(&n, sizeof n);
    hash.update(id.data(), id.size());
  }
  return hash.digest();
}

Tree::Tree(std::vector<Code> item_leaf, std::uint32_t max_level, const StringTable& item_ids)
    : max_level_(max_level), item_leaf_(std::move(item_leaf)), item_ids_(owned_copy(item_ids)) {
  index_nodes();
}

// Validates the assignment and builds the node index in O(|C| + 2^l_max): leaves are marked in
// the code table (which also finds two items on one leaf), the leaf level is read off in code
// order, and each level above is its children's distinct parents.
void Tree::index_nodes() {
  const std::uint64_t n = item_leaf_.size();
  if (n == 0) fail("a tree needs at least one item");
  if (n >= kMaxItems) fail("a tree holds at most ", kMaxItems - 1, " items, got ", n);
  if (item_ids_.size() != n)
    fail("a tree of ", n, " items needs ", n, " raw item ids, got ", item_ids_.size());
  const std::uint32_t want = max_level_for(n);
  if (max_level_ != want)
    fail("a tree of ", n, " items has l_max = ceil(log2 ", n, ") = ", want, ", got ", max_level_);
  const std::uint32_t L = max_level_;
  const Code first = level_first_code(L), end = level_first_code(L + 1);

  code_index_.assign(end, kEmpty);
  for (std::uint32_t i = 0; i < n; ++i) {
    const Code c = item_leaf_[i];
    if (c < first || c >= end)
      fail("item ", i, " (", item_ids_[i], ") is on node ", c, " at level ",
           c == ~Code{0} ? 64 : code_level(c), ", expected a leaf at level ", L, " (codes ", first,
           " to ", end - 1, ")");
    if (code_index_[c] != kEmpty) {
      const std::uint32_t j = code_index_[c];
      fail("items ", j, " (", item_ids_[j], ") and ", i, " (", item_ids_[i],
           ") are both on leaf ", c, ": the assignment must be injective");
    }
    code_index_[c] = i;
  }

  // Per level, bottom-up; concatenated top-down afterwards.
  std::vector<std::vector<Code>> levels(L + 1);
  leaf_item_.clear();
  leaf_item_.reserve(n);
  levels[L].reserve(n);
  for (Code c = first; c < end; ++c) {
    if (code_index_[c] == kEmpty) continue;
    levels[L].push_back(c);
    leaf_item_.push_back(code_index_[c]);
  }
  for (std::uint32_t l = L; l-- > 0;) {
    auto& up = levels[l];
    up.reserve(levels[l + 1].size() / 2 + 1);
    for (Code c : levels[l + 1]) {
      const Code p = parent_code(c);
      if (up.empty() || up.back() != p) up.push_back(p);
    }
  }

  nodes_.clear();
  nodes_.reserve(2 * n + L);
  level_start_.assign(L + 2, 0);
  for (std::uint32_t l = 0; l <= L; ++l) {
    level_start_[l] = nodes_.size();
    nodes_.insert(nodes_.end(), levels[l].begin(), levels[l].end());
  }
  level_start_[L + 1] = nodes_.size();
  for (std::uint64_t i = 0; i < nodes_.size(); ++i)
    code_index_[nodes_[i]] = static_cast<std::uint32_t>(i);
  fingerprint_ = item_ids_fingerprint(item_ids_);
}

std::span<const Code> Tree::level_nodes(std::uint32_t level) const {
  TR_CHECK(level <= max_level_, "level ", level, " is beyond the leaves (l_max ", max_level_, ")");
  return std::span<const Code>(nodes_).subspan(level_start_[level],
                                               level_start_[level + 1] - level_start_[level]);
}

std::int64_t Tree::item_at(Code leaf) const {
  const std::int64_t index = node_index(leaf);
  if (index < 0 || code_level(leaf) != max_level_) return -1;
  return leaf_item_[static_cast<std::uint64_t>(index) - level_start_[max_level_]];
}

void Tree::path(std::uint32_t item, std::span<Code> codes) const {
  TR_CHECK(codes.size() == max_level_, "a path has l_max = ", max_level_, " codes, got room for ",
           codes.size());
  Code c = item_leaf_[item];
  for (std::uint32_t j = max_level_; j >= 1; --j) {
    codes[j - 1] = c;
    c = parent_code(c);
  }
}

void Tree::check_items(const StringTable& item_ids, std::string_view source) const {
  if (item_ids.size() != num_items())
    fail("the tree (", num_items(), " items, built from another dataset) does not fit ", source,
         " (", item_ids.size(), " items): build the tree from this dataset with `treerec tree init`");
  if (item_ids_fingerprint(item_ids) != fingerprint_)
    fail("the tree's items differ from those of ", source, " (same count ", num_items(),
         ", other ids or order): build the tree from this dataset with `treerec tree init`");
}

std::span<const std::uint32_t> Tree::item_categories() const {
  if (!categories_) return {};
  return categories_->of_item;
}

const StringTable& Tree::category_ids() const {
  static const StringTable none;
  return categories_ ? categories_->ids : none;
}

void Tree::set_categories(std::span<const std::uint32_t> item_category, const StringTable& category_ids) {
  if (item_category.size() != num_items())
    fail("the tree holds ", num_items(), " items but ", item_category.size(), " item categories were given");
  for (std::size_t i = 0; i < item_category.size(); ++i)
    if (item_category[i] >= category_ids.size())
      fail("item ", i, " (", item_id(static_cast<std::uint32_t>(i)), ") has category ", item_category[i],
           ", not below the number of categories ", category_ids.size());
  auto c = std::make_shared<Categories>();
  c->of_item.assign(item_category.begin(), item_category.end());
  c->ids = owned_copy(category_ids);
  categories_ = std::move(c);
}

void Tree::save(const std::string& path) const {
  TR_CHECK(!item_leaf_.empty(), "cannot save an empty tree to ", path);
  BinaryWriter w(path, kMagic, kFormatVersion);
  w.add("leaf", item_leaf_);
  w.add_strings("item_ids", item_ids_);
  if (categories_) {
    w.add("item_category", categories_->of_item);
    w.add_strings("category_ids", categories_->ids);
  }
  w.add_json("meta", nlohmann::json{
                         {"l_max", max_level_},
                         {"items", num_items()},
                         {"nodes", num_nodes()},
                         {"builder", builder_},
                         {"categories", category_ids().size()},
                         {"dataset", {{"items", num_items()}, {"item_ids_xxh3", hex64(fingerprint_)}}},
                     });
  w.commit();
}

Tree Tree::load(const std::string& path) {
  auto file = std::make_shared<const BinaryReader>(path, kMagic, "tree", kFormatVersion);
  Tree t;
  try {
    const nlohmann::json meta = file->json("meta");
    const auto leaves = file->get<Code>("leaf");
    t.item_ids_ = file->strings("item_ids");
    const auto items = meta.at("items").get<std::uint64_t>();
    t.max_level_ = meta.at("l_max").get<std::uint32_t>();
    t.builder_ = meta.at("builder").get<std::string>();
    const std::string want_fp = meta.at("dataset").at("item_ids_xxh3").get<std::string>();
    if (leaves.size() != items)
      fail("section leaf holds ", leaves.size(), " codes, the meta says ", items, " items");
    t.item_leaf_.assign(leaves.begin(), leaves.end());
    t.file_ = std::move(file);
    t.index_nodes();
    if (hex64(t.fingerprint_) != want_fp)
      fail("the item ids hash to ", hex64(t.fingerprint_), ", the meta says ", want_fp);
    if (t.file_->has("item_category") != t.file_->has("category_ids.off"))
      fail("the sections item_category and category_ids come together; only one is present");
    if (t.file_->has("item_category")) {
      const StringTable ids = t.file_->strings("category_ids");
      if (meta.contains("categories") && meta.at("categories").get<std::uint64_t>() != ids.size())
        fail("section category_ids holds ", ids.size(), " ids, the meta says ", meta.at("categories"));
      t.set_categories(t.file_->get<std::uint32_t>("item_category"), ids);
    } else if (meta.value("categories", std::uint64_t{0}) != 0) {
      fail("the meta says ", meta.at("categories"), " categories but the file has no section item_category");
    }
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": damaged tree file: bad meta: ", e.what());
  } catch (const Error& e) {
    if (std::string_view(e.what()).starts_with(path)) throw;
    fail(path, ": invalid tree file: ", e.what());
  }
  return t;
}

}  // namespace treerec
