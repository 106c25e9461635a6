#include "treerec/experiment/experiment_config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "treerec/experiment/method.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

namespace fs = std::filesystem;

const char* const kSections[] = {"dataset", "generate"};

// Arrays must hold elements of the kind of the default's first element (strings for `run`,
// integers for `seeds`, arrays of strings for `pairs`).
bool same_kind(const nlohmann::json& value, const nlohmann::json& default_value) {
  if (value.is_number() && default_value.is_number())
    return !(value.is_number_float() && default_value.is_number_integer());
  if (value.type() != default_value.type()) return false;
  if (value.is_array() && !default_value.empty())
    return std::all_of(value.begin(), value.end(), [&](const auto& v) { return same_kind(v, default_value[0]); });
  return true;
}

std::string kinds_name(const nlohmann::json& default_value) {  // plural
  if (default_value.is_number_integer()) return "integers";
  if (default_value.is_number()) return "numbers";
  if (default_value.is_boolean()) return "booleans";
  if (default_value.is_array())
    return default_value.empty() ? "arrays" : "arrays of " + kinds_name(default_value[0]);
  return "strings";
}

std::string kind_name(const nlohmann::json& default_value) {
  if (default_value.is_number_integer()) return "an integer";
  if (default_value.is_number()) return "a number";
  if (default_value.is_boolean()) return "true or false";
  if (default_value.is_array()) return default_value.empty() ? "an array" : "an array of " + kinds_name(default_value[0]);
  return "a string";
}

// Checks a number and, inside an array, every number of it.
bool negative(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>() < 0;
  return value.is_array() && std::any_of(value.begin(), value.end(), [](const auto& v) { return negative(v); });
}

const ConfigParam* find_param(const std::string& key) {
  for (const auto& p : experiment_params())
    if (p.key == key) return &p;
  return nullptr;
}

std::string known_keys(const std::string& section) {
  std::string out;
  for (const auto& p : experiment_params()) {
    const auto dot = p.key.find('.');
    const std::string sec = dot == std::string::npos ? "" : p.key.substr(0, dot);
    if (sec == section) out += (out.empty() ? "" : ", ") + p.key;
  }
  if (section.empty()) out += ", [dataset], [generate], [methods.<name>]";
  return out;
}

// Checks one table of experiment-level keys (the top level or a section) into `values`.
void check_keys(const ConfigDocument& doc, const nlohmann::json& table, const std::string& section,
                nlohmann::json& values) {
  for (const auto& [key, value] : table.items()) {
    const std::string full = section.empty() ? key : section + "." + key;
    if (section.empty() && key == "methods") continue;  // checked by check_methods
    const bool is_section = section.empty() && std::find(std::begin(kSections), std::end(kSections), key) !=
                                                   std::end(kSections);
    if (is_section) {
      if (!value.is_object()) fail(doc.where(full), ": '", full, "' must be a table ([", full, "])");
      check_keys(doc, value, full, values);
      continue;
    }
    const ConfigParam* p = find_param(full);
    if (p == nullptr)
      fail(doc.where(full), ": unknown key '", full, "'",
           full == "seed" ? " (the seeds are a list: seeds = [1, 2, 3])" : "", "; the keys ",
           section.empty() ? "at the top" : "of [" + section + "]", " are: ", known_keys(section),
           " (treerec experiment --help-config lists them all)");
    if (!same_kind(value, p->default_value))
      fail(doc.where(full), ": '", full, "' must be ", kind_name(p->default_value), ", got ", value.dump());
    if (negative(value))
      fail(doc.where(full), ": '", full, "' must not be negative, got ", value.dump());
    values[full] = value;
  }
}

void check_methods(const ConfigDocument& doc, const nlohmann::json& methods,
                   std::map<std::string, nlohmann::json>& out) {
  if (!methods.is_object()) fail(doc.where("methods"), ": 'methods' must be a table of [methods.<name>] tables");
  for (const auto& [name, table] : methods.items()) {
    const std::string key = "methods." + name;
    const ExperimentMethod* method = nullptr;
    try {
      method = &experiment_method(name);
    } catch (const Error& e) {
      fail(doc.where(key), ": [", key, "]: ", e.what());
    }
    if (!table.is_object()) fail(doc.where(key), ": '", key, "' must be a table ([", key, "])");
    // One key at a time, so that an error names the key's own line.
    for (const auto& [setting, value] : table.items()) {
      try {
        method_settings(*method, nlohmann::json{{setting, value}});
      } catch (const Error& e) {
        fail(doc.where(key + "." + setting), ": ", e.what());
      }
    }
    out[name] = method_settings(*method, table);
  }
}

std::string resolve_path(const std::string& path, const std::string& config_path) {
  // Absolute, so that the report and --print-config name the file wherever they are read.
  if (path.empty()) return path;
  const fs::path p = fs::path(path).is_absolute() || config_path.empty() ? fs::path(path)
                                                                          : fs::path(config_path).parent_path() / path;
  return fs::absolute(p).lexically_normal().string();
}

std::uint32_t as_u32(const nlohmann::json& v, const ConfigDocument& doc, const std::string& key) {
  const auto x = v.get<std::int64_t>();
  if (x > 0xFFFFFFFFll) fail(doc.where(key), ": '", key, "' is too large: ", x);
  return static_cast<std::uint32_t>(x);
}



// The config keys [section] name = default of a parameter table.
template <typename O>
void add_section(std::vector<ConfigParam>& out, const std::string& section, const ParamTable<O>& table,
                 const std::string& help_prefix = "") {
  for (const auto& e : table.entries())
    if (e.spec.config)
      out.push_back({section + "." + e.spec.name, param_config_json(table.default_value(e.spec.name)),
                     help_prefix + param_help(e.spec)});
}

// Sets `o` from the config's values of the table's keys, checked by the table; errors name the
// key and its line.
template <typename O>
void read_section(const ConfigDocument& doc, const nlohmann::json& values, const std::string& section,
                  const ParamTable<O>& table, O& o) {
  for (const auto& e : table.entries()) {
    if (!e.spec.config) continue;
    const std::string key = section + "." + e.spec.name;
    try {
      table.set_json(o, e.spec.name, values.at(key), config_names(section + "."));
    } catch (const Error& err) {
      fail(doc.where(key), ": ", err.what());
    }
  }
}

// `reference` and `pairs` name registered methods (whether run or not).
void check_method_name(const ConfigDocument& doc, const std::string& key, const std::string& name) {
  try {
    experiment_method(name);
  } catch (const Error& e) {
    fail(doc.where(key), ": ", key, ": ", e.what());
  }
}

}  // namespace

const std::vector<ConfigParam>& experiment_params() {
  static const std::vector<ConfigParam> params = [] {
    std::vector<ConfigParam> p = {
      {"name", "", "title of the report"},
      {"run", paper_methods(), "the methods to run and compare, in this order"},
      {"seeds", nlohmann::json::array({1}),
       "every method runs once per seed (its training's initialisation, sample order and negatives, and "
       "the validation users); the report gives means and 95 % intervals over them"},
      {"threads", 0, "worker threads (0 = all cores); results do not depend on it"},
      {"top", 200, "M: items retrieved per user; recall@M is reported for M = 10, 20, ..., top"},
      {"eval_users", 0,
       "test users measured: a fixed random sample of N, the same for every method and seed (0 = all test users)"},
      {"monitor_users", 1000,
       "validation users measured after every epoch and tree-learning round, for early stopping: a seeded "
       "sample per seed, all of them when fewer (0 = none)"},
      {"reference", "jtm-h",
       "the method every other one is compared with in the table of paired differences in recall@top "
       "(skipped when it is not run)"},
      {"pairs", nlohmann::json::array({nlohmann::json::array({"jtm", "jtm-h"}),
                                       nlohmann::json::array({"jtm", "jtm-h-same-epochs"}),
                                       nlohmann::json::array({"dnn", "popular"})}),
       "more [a, b] pairs for the table of paired differences (a pair with a method not run is skipped)"},
      {"dataset.source", "log", "where the data comes from: file (a prepared dataset), log (a raw "
       "behaviour log, prepared once into DIR/dataset.trec) or generated (the built-in generator)"},
      {"dataset.path", "", "source = file: the dataset file; source = log: the behaviour log"},
  };
    add_section(p, "dataset", read_params());
    add_section(p, "dataset", prepare_params());
    add_section(p, "generate", generator_params(), "source = generated: ");
    return p;
  }();
  return params;
}

const std::vector<std::string>& paper_methods() {
  static const std::vector<std::string> names = {"popular", "itemcf", "youtube", "hsm",
                                                 "tdm",     "tdm-kmeans", "dnn", "jtm-hi",
                                                 "jtm-h",   "jtm",     "jtm-h-same-epochs"};
  return names;
}

ExperimentConfig experiment_config(const ConfigDocument& doc) {
  ExperimentConfig c;
  c.path = doc.path;
  c.values = nlohmann::json::object();
  for (const auto& p : experiment_params()) c.values[p.key] = p.default_value;
  check_keys(doc, doc.root, "", c.values);
  std::map<std::string, nlohmann::json> configured;
  if (doc.root.contains("methods")) check_methods(doc, doc.root["methods"], configured);

  const auto& v = c.values;
  c.name = v["name"].get<std::string>();
  std::set<std::string> seen;
  for (const auto& m : v["run"]) {
    const std::string name = m.get<std::string>();
    try {
      experiment_method(name);
    } catch (const Error& e) {
      fail(doc.where("run"), ": run: ", e.what());
    }
    if (!seen.insert(name).second) fail(doc.where("run"), ": run: method '", name, "' is listed twice");
    c.methods.push_back(name);
    auto it = configured.find(name);
    c.method_settings[name] = it != configured.end() ? it->second : method_settings(experiment_method(name), nullptr);
  }
  if (c.methods.empty()) fail(doc.where("run"), ": run: list at least one method");
  c.seeds.clear();
  for (const auto& seed : v["seeds"]) {
    const auto x = seed.get<std::uint64_t>();
    if (std::find(c.seeds.begin(), c.seeds.end(), x) != c.seeds.end())
      fail(doc.where("seeds"), ": seeds: seed ", x, " is listed twice");
    c.seeds.push_back(x);
  }
  if (c.seeds.empty()) fail(doc.where("seeds"), ": seeds: list at least one seed");
  c.reference = v["reference"].get<std::string>();
  check_method_name(doc, "reference", c.reference);
  for (const auto& pair : v["pairs"]) {
    if (pair.size() != 2)
      fail(doc.where("pairs"), ": pairs: each pair is [a, b], two method names; got ", pair.dump());
    const std::string a = pair[0].get<std::string>(), b = pair[1].get<std::string>();
    check_method_name(doc, "pairs", a);
    check_method_name(doc, "pairs", b);
    if (a == b) fail(doc.where("pairs"), ": pairs: [\"", a, "\", \"", b, "\"] compares a method with itself");
    c.pairs.emplace_back(a, b);
  }
  c.threads = static_cast<int>(as_u32(v["threads"], doc, "threads"));
  c.top = as_u32(v["top"], doc, "top");
  if (c.top == 0) fail(doc.where("top"), ": 'top' must be at least 1");
  c.eval_users = as_u32(v["eval_users"], doc, "eval_users");
  c.monitor_users = as_u32(v["monitor_users"], doc, "monitor_users");

  c.source = v["dataset.source"].get<std::string>();
  if (c.source != "file" && c.source != "log" && c.source != "generated")
    fail(doc.where("dataset.source"), ": 'dataset.source' must be \"file\", \"log\" or \"generated\", got \"",
         c.source, "\"");
  c.dataset_path = resolve_path(v["dataset.path"].get<std::string>(), doc.path);
  if (c.source != "generated" && c.dataset_path.empty())
    fail(doc.where("dataset"), ": 'dataset.path' is required when dataset.source is \"", c.source, "\"");
  if (c.source != "generated" && !fs::exists(c.dataset_path))
    fail(doc.where("dataset.path"), ": dataset.path: no such file: ", c.dataset_path);

  read_section(doc, v, "dataset", read_params(), c.read);
  c.format = log_format_name(c.read.format);
  c.read.input = c.dataset_path;
  c.read.side_file = resolve_path(c.read.side_file, doc.path);
  c.read.threads = c.threads;
  read_section(doc, v, "dataset", prepare_params(), c.prepare);
  c.prepare.threads = c.threads;

  read_section(doc, v, "generate", generator_params(), c.generate);
  c.generate.threads = c.threads;
  if (c.source == "generated") {
    try {
      validate_generator_options(c.generate, config_names("generate."));
    } catch (const Error& e) {
      fail(doc.where("generate"), ": [generate]: ", e.what());
    }
  }
  c.values["dataset.path"] = c.dataset_path;
  c.values["dataset.side_file"] = c.read.side_file;
  return c;
}

ExperimentConfig load_experiment_config(const std::string& path) {
  return experiment_config(read_config_document(path));
}

nlohmann::json ExperimentConfig::to_json() const {
  nlohmann::json methods_json = nlohmann::json::object();
  for (const auto& [method, settings] : method_settings) methods_json[method] = settings;
  return {{"file", path}, {"experiment", values}, {"methods", methods_json}};
}

nlohmann::json ExperimentConfig::dataset_identity() const {
  nlohmann::json id = nlohmann::json::object();
  for (const auto& [key, value] : values.items())
    if (key.rfind("dataset.", 0) == 0 || (source == "generated" && key.rfind("generate.", 0) == 0))
      id[key] = value;
  return id;
}

std::string describe_config(const ExperimentConfig* config) {
  std::string out;
  std::string section = "";
  for (const auto& p : experiment_params()) {
    const auto dot = p.key.find('.');
    const std::string sec = dot == std::string::npos ? "" : p.key.substr(0, dot);
    const std::string key = dot == std::string::npos ? p.key : p.key.substr(dot + 1);
    if (sec != section) {
      out += "\n[" + sec + "]\n";
      section = sec;
    }
    const nlohmann::json& value = config ? config->values.at(p.key) : p.default_value;
    out += "# " + p.help + " (default " + p.default_value.dump() + ")\n" + key + " = " + value.dump() + "\n";
  }
  for (const ExperimentMethod* m : experiment_methods()) {
    const nlohmann::json* settings = nullptr;
    if (config) {
      auto it = config->method_settings.find(m->method.name);
      if (it == config->method_settings.end()) continue;
      settings = &it->second;
    }
    out += "\n# " + m->method.help + "\n[methods." + m->method.name + "]\n";
    for (const auto& p : m->params)
      out += "# " + p.help + " (default " + p.default_value.dump() + ")\n" + p.name + " = " +
             (settings ? settings->at(p.name) : p.default_value).dump() + "\n";
  }
  return out;
}

}  // namespace treerec
