// The module `treerec._treerec`: errors, JSON conversion, parameter tables, callbacks.
#include <algorithm>
#include <chrono>

#include "bindings.h"
#include "treerec/util/error.h"
#include "treerec/version.h"

namespace treerec::python {

py::object to_python(const nlohmann::json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

nlohmann::json from_python(const py::handle& value) {
  const std::string text = py::str(py::module_::import("json").attr("dumps")(value));
  return nlohmann::json::parse(text);
}

std::string ParamSetter::Table::name_of(const std::string& keyword) const {
  for (const auto& [k, name] : renames) {
    if (k == keyword) return name;
    if (name == keyword) return "";  // renamed: reachable only by its keyword
  }
  return table->has(keyword) ? keyword : "";
}

void ParamSetter::apply(const py::dict& params) const {
  for (const auto& [k, v] : params) {
    const std::string keyword = py::str(k);
    const auto owner = std::find_if(tables_.begin(), tables_.end(),
                                    [&](const Table& t) { return !t.name_of(keyword).empty(); });
    if (owner == tables_.end()) {
      std::vector<std::string> names;
      for (const Table& t : tables_)
        for (const auto& e : t.table->entries()) {
          std::string n = e.spec.name;
          for (const auto& [kw, name] : t.renames)
            if (name == n) n = kw;
          if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
        }
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      fail("unknown parameter '", keyword, "'; expected one of: ", list);
    }
    owner->set(owner->name_of(keyword), from_python(v));
  }
}

nlohmann::json batch_event(const TrainProgress& p) {
  return {{"event", "batch"},
          {"epoch", p.epoch + 1},
          {"epochs", p.epochs},
          {"done", p.epoch_samples_done},
          {"samples", p.epoch_samples},
          {"loss", p.loss},
          {"samples_per_second", p.samples_per_second}};
}

PythonCallback::PythonCallback(py::object fn, double seconds, std::function<void()> on_error)
    : fn_(std::move(fn)), seconds_(seconds), on_error_(std::move(on_error)) {}

void PythonCallback::operator()(const nlohmann::json& event, bool force) {
  if (error_) return;
  const double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  if (!force && last_ >= 0 && now - last_ < seconds_) return;
  last_ = now;
  py::gil_scoped_acquire gil;
  try {
    if (!fn_.is_none()) fn_(to_python(event));
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  } catch (py::error_already_set& e) {
    error_ = std::make_shared<py::error_already_set>(std::move(e));
    if (on_error_) on_error_();
  }
}

void PythonCallback::warn(const std::string& message) {
  if (error_) return;
  py::gil_scoped_acquire gil;
  if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), 1) != 0) {
    error_ = std::make_shared<py::error_already_set>();
    if (on_error_) on_error_();
  }
}

void PythonCallback::rethrow() {
  if (!error_) return;
  auto e = std::move(error_);
  e->restore();
  throw py::error_already_set();
}

}  // namespace treerec::python

PYBIND11_MODULE(_treerec, m) {
  namespace py = pybind11;
  using namespace treerec::python;
  m.doc() = "treerec's C++ core (use the `treerec` package, not this module)";
  m.attr("__version__") = std::string(treerec::kVersion);
  static py::exception<treerec::Error> error(m, "Error", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const treerec::Error& e) {
      error(e.what());
    }
  });
  bind_data(m);
  bind_models(m);
  bind_runs(m);
}
