#include "treerec/experiment/method.h"

#include <algorithm>
#include <map>
#include <utility>

#include "treerec/experiment/method_list.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

// Where the default is a float, an integer is accepted too (`lr_decay = 1`); where it is an
// integer, a float is not.
bool same_kind(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number() && b.is_number()) return !(a.is_number_float() && b.is_number_integer());
  return a.type() == b.type();
}

const std::map<std::string, ExperimentMethod>& registry() {
  static const std::map<std::string, ExperimentMethod> methods = [] {
    std::map<std::string, ExperimentMethod> m;
    for (ExperimentMethod& info : builtin_methods()) {
      std::string name = info.method.name;
      if (!m.emplace(name, std::move(info)).second)
        fail("method '", name, "' is listed twice in builtin_methods() (experiment/method_list.h)");
    }
    for (const Method& known : all_methods())
      if (!m.count(known.name)) fail("method '", known.name, "' has no runner in builtin_methods()");
    return m;
  }();
  return methods;
}

}  // namespace

std::vector<const ExperimentMethod*> experiment_methods() {
  std::vector<const ExperimentMethod*> out;
  for (const auto& [name, info] : registry()) out.push_back(&info);
  return out;
}

const ExperimentMethod& experiment_method(const std::string& name) {
  auto it = registry().find(name);
  if (it == registry().end()) {
    method_named(name);  // throws, listing the names
    fail("method '", name, "' has no runner");
  }
  return it->second;
}

std::string training_stopped(const std::string& method, const std::string& checkpoint) {
  if (checkpoint.empty()) return cat("while training ", method, ", which had no work folder for a checkpoint");
  return cat("while training ", method, ": its checkpoint ", checkpoint,
             " is kept, and running the experiment again continues it");
}

nlohmann::json method_settings(const ExperimentMethod& method, const nlohmann::json& config) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& p : method.params) out[p.name] = p.default_value;
  if (config.is_null()) return out;
  TR_CHECK(config.is_object(), "settings of method '", method.method.name, "' must be a table/object");
  for (const auto& item : config.items()) {
    const std::string key = item.key();  // a plain variable: lambdas cannot capture bindings in clang 14
    const nlohmann::json& value = item.value();
    auto it = std::find_if(method.params.begin(), method.params.end(),
                           [&](const MethodParam& p) { return p.name == key; });
    if (it == method.params.end()) {
      std::string names;
      for (const auto& p : method.params) names += (names.empty() ? "" : ", ") + p.name;
      fail("method '", method.method.name, "' has no setting '", key, "'; its settings are: ",
           names.empty() ? std::string("(none)") : names);
    }
    if (it->check) {
      it->check(value, "methods." + method.method.name + "." + key);
      out[key] = value;
      continue;
    }
    TR_CHECK(same_kind(value, it->default_value), "method '", method.method.name, "' setting '", key,
             "' must be of the type of its default ", it->default_value.dump(), ", got ",
             value.dump());
    out[key] = value;
  }
  return out;
}

}  // namespace treerec
