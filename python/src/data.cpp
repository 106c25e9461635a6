// Datasets and trees: built from arrays of codes (the Python half factorizes the columns),
// prepared from log files, loaded and saved.
#include <algorithm>
#include <limits>

#include "bindings.h"
#include "treerec/data/behavior_log.h"
#include "treerec/io/string_table.h"
#include "treerec/util/error.h"

namespace treerec::python {
namespace {

constexpr std::int64_t kLastTime = 253402300799;  // 9999-12-31T23:59:59Z, as the log readers allow

StringTable table_of(const std::vector<std::string>& names) {
  StringTable t;
  for (const std::string& n : names) t.add(n);
  return t;
}

// Codes of one column: each in [0, names) (the Python half maps a missing value to -1 and
// names the column before it gets here).
std::vector<std::uint32_t> codes_of(const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& a,
                                    std::size_t names, const std::string& column, std::size_t records) {
  if (static_cast<std::size_t>(a.size()) != records)
    fail("column '", column, "' has ", a.size(), " values, expected ", records);
  std::vector<std::uint32_t> out(records);
  const std::int64_t* v = a.data();
  for (std::size_t r = 0; r < records; ++r) {
    if (v[r] < 0 || static_cast<std::uint64_t>(v[r]) >= names)
      fail("column '", column, "' row ", r, ": code ", v[r], " is not one of its ", names, " values");
    out[r] = static_cast<std::uint32_t>(v[r]);
  }
  return out;
}

// The log a CSV reader would produce from these columns (data/behavior_log.h): dense ids in
// order of first appearance, an item's first category, categories numbered in order of first
// appearance as an item's category; without times the input order, without categories one
// category "none", without behaviours one type "event".
BehaviorLog log_of(const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& user,
                   const std::vector<std::string>& user_names,
                   const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& item,
                   const std::vector<std::string>& item_names, const py::object& category,
                   const std::vector<std::string>& category_names, const py::object& time,
                   const py::object& behavior, const std::vector<std::string>& behavior_names,
                   const std::vector<std::string>& columns) {
  const std::size_t n = static_cast<std::size_t>(user.size());
  if (n == 0) fail("no records: the columns are empty");
  BehaviorLog log;
  log.user = codes_of(user, user_names.size(), columns.at(0), n);
  log.item = codes_of(item, item_names.size(), columns.at(1), n);
  log.user_ids = table_of(user_names);
  log.item_ids = table_of(item_names);
  log.lines_read = n;

  log.item_category.assign(item_names.size(), std::numeric_limits<std::uint32_t>::max());
  if (category.is_none()) {
    log.category_ids.add("none");
    std::fill(log.item_category.begin(), log.item_category.end(), 0u);
  } else {
    const auto raw = codes_of(category.cast<py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>>(),
                              category_names.size(), columns.at(2), n);
    std::vector<std::uint32_t> dense(category_names.size(), std::numeric_limits<std::uint32_t>::max());
    for (std::size_t r = 0; r < n; ++r) {
      std::uint32_t& c = log.item_category[log.item[r]];
      if (c != std::numeric_limits<std::uint32_t>::max()) continue;
      std::uint32_t& d = dense[raw[r]];
      if (d == std::numeric_limits<std::uint32_t>::max()) d = log.category_ids.add(category_names[raw[r]]);
      c = d;
    }
  }
  if (time.is_none()) {
    log.time.resize(n);
    for (std::size_t r = 0; r < n; ++r) log.time[r] = static_cast<std::int64_t>(r);
  } else {
    const auto t = time.cast<py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>>();
    if (static_cast<std::size_t>(t.size()) != n)
      fail("column '", columns.at(3), "' has ", t.size(), " values, expected ", n);
    log.time.assign(t.data(), t.data() + n);
    for (std::size_t r = 0; r < n; ++r)
      if (log.time[r] < 0 || log.time[r] > kLastTime)
        fail("column '", columns.at(3), "' row ", r, ": time ", log.time[r],
             " is not a unix time in seconds in [0, ", kLastTime, "]");
  }
  if (behavior.is_none()) {
    log.behavior_types.add("event");
    log.behavior.assign(n, 0);
  } else {
    if (behavior_names.size() > 255) fail("column '", columns.at(4), "' has more than 255 behaviour types");
    const auto b = codes_of(behavior.cast<py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>>(),
                            behavior_names.size(), columns.at(4), n);
    log.behavior_types = table_of(behavior_names);
    log.behavior.resize(n);
    for (std::size_t r = 0; r < n; ++r) log.behavior[r] = static_cast<std::uint8_t>(b[r]);
  }
  return log;
}

py::list strings(const StringTable& t) {
  py::list out(t.size());
  for (std::size_t i = 0; i < t.size(); ++i) out[i] = py::str(t[i].data(), t[i].size());
  return out;
}

Split split_named(const std::string& name) {
  if (name == "train") return Split::train;
  if (name == "valid") return Split::valid;
  if (name == "test") return Split::test;
  fail("unknown split '", name, "'; expected train, valid or test");
}

}  // namespace

void bind_data(py::module_& m) {
  py::class_<Dataset, std::shared_ptr<Dataset>>(m, "Dataset")
      .def_static(
          "from_codes",
          [](const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& user,
             const std::vector<std::string>& user_names,
             const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& item,
             const std::vector<std::string>& item_names, const py::object& category,
             const std::vector<std::string>& category_names, const py::object& time, const py::object& behavior,
             const std::vector<std::string>& behavior_names, const std::vector<std::string>& columns,
             const py::dict& params) {
            PrepareOptions o;
            ParamSetter().add(prepare_params(), o).apply(params);
            BehaviorLog log = log_of(user, user_names, item, item_names, category, category_names, time, behavior,
                                     behavior_names, columns);
            py::gil_scoped_release release;
            DatasetSource source;
            source.input = "(arrays)";
            source.format = "arrays";
            return std::make_shared<Dataset>(Dataset::build(std::move(log), o, source));
          })
      .def_static("prepare",
                  [](const std::string& path, const py::dict& params) {
                    ReadOptions r;
                    PrepareOptions o;
                    ParamSetter().add(read_params(), r).add(prepare_params(), o).apply(params);
                    r.input = path;
                    py::gil_scoped_release release;
                    DatasetSource source;
                    source.input = path;
                    source.format = log_format_name(r.format);
                    source.side_file = r.side_file;
                    return std::make_shared<Dataset>(Dataset::build(read_behavior_log(r), o, source));
                  })
      .def_static("load",
                  [](const std::string& path) {
                    py::gil_scoped_release release;
                    return std::make_shared<Dataset>(Dataset::load(path));
                  })
      .def("save",
           [](const Dataset& d, const std::string& path) {
             py::gil_scoped_release release;
             d.save(path);
           })
      .def_property_readonly("num_users", &Dataset::num_users)
      .def_property_readonly("num_items", &Dataset::num_items)
      .def_property_readonly("num_categories", &Dataset::num_categories)
      .def_property_readonly("num_records", &Dataset::num_records)
      .def_property_readonly("num_train_samples", &Dataset::num_train_samples)
      .def("stats", [](const Dataset& d) { return to_python(dataset_stats(d)); })
      .def("user_ids", [](const Dataset& d) { return strings(d.user_ids()); })
      .def("item_ids", [](const Dataset& d) { return strings(d.item_ids()); })
      .def("item_categories", [](const Dataset& d) {
        const auto c = d.item_categories();
        return as_array(std::vector<std::uint32_t>(c.begin(), c.end()));
      })
      .def("category_ids", [](const Dataset& d) { return strings(d.category_ids()); })
      .def("users", [](const Dataset& d, const std::string& split) {
        const auto u = d.users(split_named(split));
        return as_array(std::vector<std::uint32_t>(u.begin(), u.end()));
      })
      .def("sequence", [](const Dataset& d, std::uint32_t user) {
        if (user >= d.num_users()) fail("user ", user, " out of range (", d.num_users(), " users)");
        const auto s = d.sequence(user);
        return as_array(std::vector<std::uint32_t>(s.begin(), s.end()));
      })
      .def("eval_features", [](const Dataset& d, std::uint32_t user) {
        if (user >= d.num_users()) fail("user ", user, " out of range (", d.num_users(), " users)");
        const auto s = d.eval_features(user);
        return as_array(std::vector<std::uint32_t>(s.begin(), s.end()));
      });

  py::class_<Tree, std::shared_ptr<Tree>>(m, "Tree")
      .def_static("from_categories",
                  [](const Dataset& d) {
                    py::gil_scoped_release release;
                    auto t = std::make_shared<Tree>(build_category_tree(d.item_categories(), d.item_ids()));
                    t->set_categories(d.item_categories(), d.category_ids());
                    return t;
                  })
      .def_static("load",
                  [](const std::string& path) {
                    py::gil_scoped_release release;
                    return std::make_shared<Tree>(Tree::load(path));
                  })
      .def("save",
           [](const Tree& t, const std::string& path) {
             py::gil_scoped_release release;
             t.save(path);
           })
      .def("check_items", [](const Tree& t, const Dataset& d) { t.check_items(d.item_ids(), "the dataset"); })
      .def_property_readonly("num_items", &Tree::num_items)
      .def_property_readonly("levels", [](const Tree& t) { return t.max_level() + 1; })
      .def_property_readonly("num_nodes", &Tree::num_nodes)
      .def_property_readonly("fingerprint", &Tree::fingerprint)
      .def_property_readonly("assignment_fingerprint", &Tree::assignment_fingerprint);
}

}  // namespace treerec::python
