// Builds a BehaviorLog by hand for the tests: raw ids are numbered in order of first
// appearance, as the real readers do. The tests' hand-made datasets start here: dataset()
// prepares the log with every user kept and in the training split (all_train()).
#pragma once

#include <map>
#include <string>

#include "treerec/data/behavior_log.h"
#include "treerec/data/dataset.h"

namespace treerec::test {

// Keeps users with at least `min_records` records, all of them train users (no validation or
// test split).
inline PrepareOptions all_train(std::uint32_t min_records = 1) {
  PrepareOptions o;
  o.min_records = min_records;
  o.valid_users = UserCount{0};
  o.test_users = UserCount{0};
  return o;
}

class LogBuilder {
 public:
  LogBuilder& add(const std::string& user, const std::string& item, const std::string& category,
                  std::int64_t time, const std::string& behavior = "pv") {
    log_.user.push_back(id(users_, log_.user_ids, user));
    const auto known = items_.size();
    const std::uint32_t it = id(items_, log_.item_ids, item);
    if (items_.size() > known) log_.item_category.push_back(id(categories_, log_.category_ids, category));
    log_.item.push_back(it);
    log_.time.push_back(time);
    log_.behavior.push_back(static_cast<std::uint8_t>(id(types_, log_.behavior_types, behavior)));
    ++log_.lines_read;
    return *this;
  }
  BehaviorLog log() const { return log_; }
  // The log prepared with `options` (default: every user, all train users).
  Dataset dataset(const PrepareOptions& options = all_train()) const { return Dataset::build(log(), options); }

 private:
  static std::uint32_t id(std::map<std::string, std::uint32_t>& map, StringTable& table, const std::string& raw) {
    const auto [pos, inserted] = map.emplace(raw, static_cast<std::uint32_t>(table.size()));
    if (inserted) table.add(raw);
    return pos->second;
  }
  BehaviorLog log_;
  std::map<std::string, std::uint32_t> users_, items_, categories_, types_;
};

}  // namespace treerec::test
