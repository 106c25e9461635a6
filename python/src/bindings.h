// The C++ half of the Python module (`treerec._treerec`): thin bindings over the treerec
// library, with the GIL released around every long computation. The Python half
// (python/treerec/) turns DataFrames and raw ids into the arrays these take, and back.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "treerec/baselines/item_cf.h"
#include "treerec/baselines/youtube_trainer.h"
#include "treerec/data/dataset.h"
#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/method.h"
#include "treerec/model/model_file.h"
#include "treerec/search/item_filter.h"
#include "treerec/train/trainer.h"
#include "treerec/tree/tree.h"
#include "treerec/util/params.h"

namespace treerec::python {

namespace py = pybind11;

// JSON in and out through Python's json module (parameters, statistics, histories).
py::object to_python(const nlohmann::json& j);
nlohmann::json from_python(const py::handle& value);

// A vector handed to numpy without a copy: the array owns it.
template <typename T>
py::array_t<T> as_array(std::vector<T>&& v) {
  auto* owned = new std::vector<T>(std::move(v));
  py::capsule release(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(static_cast<py::ssize_t>(owned->size()), owned->data(), release);
}

// Keyword parameters set through the parameter tables (util/params.h), so they have the names,
// defaults, ranges and errors of the CLI's flags and the configs' keys. Each key goes to the
// first table that declares it; `renames` gives a table's parameter another keyword (jtm's
// tree_seed is tree learning's seed, as its --tree-seed flag), which is then its only name.
// Throws Error listing the valid names for any other key.
class ParamSetter {
 public:
  using Renames = std::vector<std::pair<std::string, std::string>>;  // {keyword, the table's name}
  template <typename O>
  ParamSetter& add(const ParamTable<O>& table, O& options, Renames renames = {}) {
    tables_.push_back({&table, std::move(renames), [&table, &options](const std::string& name, const nlohmann::json& v) {
                         table.set_json(options, name, v, plain_names());
                       }});
    return *this;
  }
  void apply(const py::dict& params) const;

 private:
  struct Table {
    const ParamTableBase* table;
    Renames renames;
    std::function<void(const std::string&, const nlohmann::json&)> set;
    // The table's name for `keyword`, or "" when the table does not take it.
    std::string name_of(const std::string& keyword) const;
  };
  std::vector<Table> tables_;
};

// A trained model with the dataset (and for a tree method or dnn, the tree) it retrieves on:
// a preference model (trained, features), or an Item-CF or YouTube model.
struct Model {
  std::shared_ptr<const Dataset> dataset;
  std::shared_ptr<const Tree> tree;  // null for itemcf and youtube
  Method method;
  TrainedModel trained;
  HierarchicalPreference features;
  std::shared_ptr<const ItemCf> itemcf;
  std::shared_ptr<const TrainedYoutube> youtube;
  // Built by the first filtered retrieve, with the GIL held, and kept: a tree's summary costs
  // O(items x levels) (search/item_filter.h).
  mutable std::shared_ptr<const CategorySummary> category_summary;
};
// `tree` may be null for an Item-CF or YouTube model file.
std::shared_ptr<Model> load_model(const std::string& path, std::shared_ptr<const Dataset> dataset,
                                  std::shared_ptr<const Tree> tree);

// Calls `fn` with the GIL held at most every `seconds` (and always when `force`), then runs
// Python's signal handlers: an exception they or `fn` raise (KeyboardInterrupt on Ctrl-C) is
// kept, `on_error` is called, and rethrow() raises it once the GIL-free work has returned.
class PythonCallback {
 public:
  PythonCallback(py::object fn, double seconds, std::function<void()> on_error);
  void operator()(const nlohmann::json& event, bool force = false);
  bool failed() const { return error_ != nullptr; }
  // Issues a Python UserWarning (GIL taken); an error it raises (warnings turned into errors) is kept.
  void warn(const std::string& message);
  void rethrow();  // GIL held

 private:
  py::object fn_;
  double seconds_;
  std::function<void()> on_error_;
  double last_ = -1;
  std::shared_ptr<py::error_already_set> error_;
};

// The progress event of a training batch: {"event": "batch", "epoch", "epochs", "done",
// "samples", "loss", "samples_per_second"} (epochs 1-based).
nlohmann::json batch_event(const TrainProgress& p);

// Thrown from a library callback after Python raised, to unwind a run that has no stop request;
// the PythonCallback that kept the exception raises it once the run has returned.
struct Interrupted {};

void bind_data(py::module_& m);
void bind_models(py::module_& m);
void bind_runs(py::module_& m);

}  // namespace treerec::python
