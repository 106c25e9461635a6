// One declaration per parameter. An area's options live in a plain struct whose member
// initialisers are the defaults (the only place a default is written); a ParamTable lists, once
// per member, its name, type, valid range, one line of help and whether it changes the trained
// result (and so belongs in the run's identity). From that table come the command-line flags
// (cli/param_flags.h), the experiment config keys, range checks whose errors name the
// parameter the way the user wrote it, the identity and full JSON, and `treerec params`.
//
// Names: one snake_case name per parameter everywhere. The config key is the name; the flag is
// the name with '-' for '_' (learning_rate -> --learning-rate).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace treerec {

enum class ParamType { boolean, integer, count, real, text, counts };

// Bounds of a number, inclusive unless `above` is set (then value > min is required).
struct ParamSpec {
  std::string name{};
  ParamType type = ParamType::count;
  std::string help{};
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool above = false;                // the lower bound is exclusive
  std::vector<std::string> choices{};  // text: the allowed values (empty: any)
  bool identity = true;              // changes the result: part of the run's identity
  bool config = true;                // an experiment config key too (else a flag only)
};

// A value of any parameter type; numbers keep their sign class, so JSON output is exact.
using ParamValue = std::variant<bool, std::int64_t, std::uint64_t, double, std::string, std::vector<std::uint32_t>>;

// How a parameter is named in an error: by its flag, its config key, or its plain name.
using ParamNamer = std::function<std::string(const std::string& name)>;
std::string flag_of(std::string_view name);  // "learning_rate" -> "--learning-rate"
ParamNamer plain_names();
ParamNamer flag_names();
ParamNamer config_names(std::string prefix);  // "methods.jtm." -> "methods.jtm.learning_rate"

// Type-erased table over an options struct (use ParamTable<O> below).
class ParamTableBase {
 public:
  struct Entry {
    ParamSpec spec;
    std::function<ParamValue(const void*)> get;
    std::function<void(void*, const ParamValue&)> set;
  };

  explicit ParamTableBase(std::string area) : area_(std::move(area)) {}
  virtual ~ParamTableBase() = default;
  const std::string& area() const { return area_; }
  const std::vector<Entry>& entries() const { return entries_; }
  // Throws Error (a bug in the caller) when the table has no parameter `name`.
  const Entry& entry(std::string_view name) const;
  bool has(std::string_view name) const;
  // A Markdown table / aligned plain text: every parameter with its flag, type, default (from a
  // default-built options struct), valid values, whether it changes the model, and help.
  virtual std::string markdown() const = 0;
  virtual std::string text() const = 0;

 protected:
  void set_text(void* o, std::string_view name, std::string_view text, const ParamNamer& namer) const;
  void set_json(void* o, std::string_view name, const nlohmann::json& value, const ParamNamer& namer) const;
  void check(const void* o, const ParamNamer& namer) const;
  nlohmann::json to_json(const void* o, bool identity_only) const;
  std::string markdown(const void* defaults) const;
  std::string text(const void* defaults) const;
  void add_entry(Entry e);
  static void store(const Entry& e, void* o, const ParamValue& v, const ParamNamer& namer);

 private:
  std::string area_;
  std::vector<Entry> entries_;
};

// The value of `v` as text: how defaults are shown in help and tables.
std::string param_text(const ParamValue& v);
nlohmann::json param_json(const ParamValue& v);  // exact: what identities record
// As a config writes it: a number from a float field by its shortest decimal (0.001).
nlohmann::json param_config_json(const ParamValue& v);
// "count", "number", ...; the valid values as text (">= 1", "in (0, 1]", "dnn, attention", or
// empty when the type alone decides).
std::string param_type_name(ParamType t);
std::string param_range_text(const ParamSpec& s);
// The help line as flags and config keys show it: the help, then the valid values in brackets
// for numbers.
std::string param_help(const ParamSpec& s);

template <typename O>
class ParamTable : public ParamTableBase {
 public:
  using ParamTableBase::ParamTableBase;

  // Declares the parameter stored in `field` (a member of O or of a base of O).
  template <typename T, typename C>
  ParamTable& add(ParamSpec spec, T C::*field) {
    static_assert(std::is_base_of_v<C, O>);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {  // the field's own range
      spec.min = std::max(spec.min, static_cast<double>(std::numeric_limits<T>::min()));
      spec.max = std::min(spec.max, static_cast<double>(std::numeric_limits<T>::max()));
    }
    add_entry({std::move(spec), [field](const void* o) { return to_value(static_cast<const O*>(o)->*field); },
               [field](void* o, const ParamValue& v) { from_value(v, static_cast<O*>(o)->*field); }});
    return *this;
  }

  // Declares an enum member, written as one of `names` (the spec's type is text, its choices
  // the names).
  template <typename E, typename C>
  ParamTable& add_enum(ParamSpec spec, E C::*field, std::vector<std::pair<std::string, E>> names) {
    static_assert(std::is_base_of_v<C, O> && std::is_enum_v<E>);
    spec.type = ParamType::text;
    spec.choices.clear();
    for (const auto& n : names) spec.choices.push_back(n.first);
    add_entry({std::move(spec),
               [field, names](const void* o) -> ParamValue {
                 for (const auto& [text, value] : names)
                   if (static_cast<const O*>(o)->*field == value) return text;
                 return std::string("?");
               },
               [field, names](void* o, const ParamValue& v) {
                 for (const auto& [text, value] : names)
                   if (std::get<std::string>(v) == text) static_cast<O*>(o)->*field = value;
               }});
    return *this;
  }

  // Declares a parameter stored some other way: `get(const O&)` returns its value as the spec's
  // type, `set(O&, value)` stores one that has passed the type and range checks and may throw
  // Error for a value it cannot take (the table names the parameter in front of the message).
  template <typename Get, typename Set>
  ParamTable& add_via(ParamSpec spec, Get get, Set set) {
    add_entry({std::move(spec), [get](const void* o) -> ParamValue { return get(*static_cast<const O*>(o)); },
               [set](void* o, const ParamValue& v) { set(*static_cast<O*>(o), v); }});
    return *this;
  }

  // Sets parameter `name` from a flag's text / a config value, checking type and range; errors
  // name the parameter through `namer`.
  void set_text(O& o, std::string_view name, std::string_view text, const ParamNamer& namer) const {
    ParamTableBase::set_text(&o, name, text, namer);
  }
  void set_json(O& o, std::string_view name, const nlohmann::json& value, const ParamNamer& namer) const {
    ParamTableBase::set_json(&o, name, value, namer);
  }
  // Throws Error for the first value out of its range.
  void check(const O& o, const ParamNamer& namer) const { ParamTableBase::check(&o, namer); }
  // {name: value} of the identity parameters / of all of them (needs <nlohmann/json.hpp>).
  // (Templates only so that this header needs no more than json_fwd.hpp.)
  template <typename J = nlohmann::json>
  J identity_json(const O& o) const {
    return ParamTableBase::to_json(&o, true);
  }
  template <typename J = nlohmann::json>
  J to_json(const O& o) const {
    return ParamTableBase::to_json(&o, false);
  }
  ParamValue get(const O& o, std::string_view name) const { return entry(name).get(&o); }
  // The default: the value in a default-built O.
  ParamValue default_value(std::string_view name) const {
    const O defaults{};
    return entry(name).get(&defaults);
  }
  // Copies into `o` every parameter of this table that `from` declares too (same names, same
  // types), from `source`.
  template <typename P>
  void copy_from(O& o, const ParamTable<P>& from, const P& source) const {
    for (const Entry& e : entries())
      if (from.has(e.spec.name)) e.set(&o, from.get(source, e.spec.name));
  }
  std::string markdown() const override {
    const O defaults{};
    return ParamTableBase::markdown(&defaults);
  }
  std::string text() const override {
    const O defaults{};
    return ParamTableBase::text(&defaults);
  }

 private:
  template <typename T>
  static ParamValue to_value(const T& x) {
    if constexpr (std::is_same_v<T, bool>) return x;
    else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) return static_cast<std::int64_t>(x);
    else if constexpr (std::is_integral_v<T>) return static_cast<std::uint64_t>(x);
    else if constexpr (std::is_floating_point_v<T>) return static_cast<double>(x);
    else return x;  // std::string, std::vector<std::uint32_t>
  }
  template <typename T>
  static void from_value(const ParamValue& v, T& x) {
    // The table has already checked the type and that the value fits T's range.
    if constexpr (std::is_same_v<T, bool>) x = std::get<bool>(v);
    else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) x = static_cast<T>(std::get<std::int64_t>(v));
    else if constexpr (std::is_integral_v<T>) x = static_cast<T>(std::get<std::uint64_t>(v));
    else if constexpr (std::is_floating_point_v<T>) x = static_cast<T>(std::get<double>(v));
    else x = std::get<T>(v);
  }
};

}  // namespace treerec
