#include "treerec/util/params.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "treerec/util/error.h"

namespace treerec {
namespace {

const char* type_name(ParamType t) {
  switch (t) {
    case ParamType::boolean: return "bool";
    case ParamType::integer: return "integer";
    case ParamType::count: return "count";
    case ParamType::real: return "number";
    case ParamType::text: return "text";
    case ParamType::counts: return "counts";
  }
  return "?";
}

// The shortest decimal that reads back as x; for a value that came from a float field (exactly
// a float), the shortest that reads back as that float: 0.001, not 0.0010000000474974513.
std::string number_text(double x) {
  char buf[64];
  const auto f = static_cast<float>(x);
  const auto r = std::isfinite(x) && static_cast<double>(f) == x ? std::to_chars(buf, buf + sizeof buf, f)
                                                                  : std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

// ">= 1", "> 0", "in (0, 1]", "from 1 to 4096", "dnn, attention", or "" when the type alone
// decides. Help leaves out an upper bound that is only the field's own limit; an error (`full`)
// gives it.
std::string range_text(const ParamSpec& s, bool full = false) {
  if (s.type == ParamType::text) {
    std::string out;
    for (const std::string& c : s.choices) out += (out.empty() ? "" : ", ") + c;
    return out;
  }
  if (s.type != ParamType::integer && s.type != ParamType::count && s.type != ParamType::real) return "";
  const bool has_min = std::isfinite(s.min) && !(s.type == ParamType::count && s.min <= 0 && !s.above);
  const bool has_max = std::isfinite(s.max) && (full || s.max < 2147483647.0);
  if (has_min && has_max) {
    if (s.above) return "in (" + number_text(s.min) + ", " + number_text(s.max) + "]";
    return "from " + number_text(s.min) + " to " + number_text(s.max);
  }
  if (has_min) return (s.above ? "> " : ">= ") + number_text(s.min);
  if (has_max) return "<= " + number_text(s.max);
  return "";
}

// `too_big`: the value is above the maximum, so the error gives it even when help leaves it out.
[[noreturn]] void bad(const ParamNamer& namer, const ParamSpec& s, const std::string& got, bool too_big = false) {
  std::string want;
  switch (s.type) {
    case ParamType::boolean: want = "true or false"; break;
    case ParamType::integer: want = "an integer"; break;
    case ParamType::count: want = "a whole number"; break;
    case ParamType::real: want = "a number"; break;
    case ParamType::text: want = "text"; break;
    case ParamType::counts: want = "a list of whole numbers >= 0 (k1,k2,...)"; break;
  }
  const std::string range = range_text(s, too_big);
  if (!range.empty()) want = s.type == ParamType::text ? "one of " + range : want + " " + range;
  else if (s.type == ParamType::count) want += " >= 0";
  fail(namer(s.name), " ", got, ": expected ", want);
}

void check_value(const ParamSpec& s, const ParamValue& v, const ParamNamer& namer) {
  double x = 0;
  if (const auto* i = std::get_if<std::int64_t>(&v)) x = static_cast<double>(*i);
  else if (const auto* u = std::get_if<std::uint64_t>(&v)) x = static_cast<double>(*u);
  else if (const auto* d = std::get_if<double>(&v)) x = *d;
  else {
    if (const auto* t = std::get_if<std::string>(&v); t && !s.choices.empty()) {
      bool ok = false;
      for (const std::string& c : s.choices) ok = ok || c == *t;
      if (!ok) bad(namer, s, "'" + *t + "'");
    }
    return;
  }
  const bool low = s.above ? !(x > s.min) : !(x >= s.min);
  if (!std::isfinite(x) || low || x > s.max) bad(namer, s, param_text(v), x > s.max);
}

std::vector<std::uint32_t> parse_counts(std::string_view text, const ParamSpec& s, const ParamNamer& namer) {
  std::vector<std::uint32_t> out;
  if (text.empty()) return out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    std::uint32_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + end, value);
    if (ec != std::errc() || ptr != text.data() + end) bad(namer, s, "'" + std::string(text) + "'");
    out.push_back(value);
    start = end + 1;
  }
  return out;
}

// All of `text` as a whole number of type T.
template <typename T>
T whole(const ParamSpec& s, std::string_view text, const ParamNamer& namer) {
  T v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) bad(namer, s, "'" + std::string(text) + "'");
  return v;
}

ParamValue parse(const ParamSpec& s, std::string_view text, const ParamNamer& namer) {
  const std::string quoted = "'" + std::string(text) + "'";
  switch (s.type) {
    case ParamType::boolean:
      if (text == "true" || text == "1") return true;
      if (text == "false" || text == "0") return false;
      bad(namer, s, quoted);
    case ParamType::integer: return whole<std::int64_t>(s, text, namer);
    case ParamType::count: return whole<std::uint64_t>(s, text, namer);
    case ParamType::real: {
      const std::string copy(text);
      char* end = nullptr;
      const double v = std::strtod(copy.c_str(), &end);
      if (copy.empty() || end != copy.c_str() + copy.size() || !std::isfinite(v)) bad(namer, s, quoted);
      return v;
    }
    case ParamType::text: return std::string(text);
    case ParamType::counts: return parse_counts(text, s, namer);
  }
  bad(namer, s, quoted);
}

ParamValue from_json(const ParamSpec& s, const nlohmann::json& j, const ParamNamer& namer) {
  switch (s.type) {
    case ParamType::boolean:
      if (j.is_boolean()) return j.get<bool>();
      break;
    case ParamType::integer:
      if (j.is_number_integer()) return j.get<std::int64_t>();
      break;
    case ParamType::count:
      if (j.is_number_unsigned()) return j.get<std::uint64_t>();
      if (j.is_number_integer()) {
        if (j.get<std::int64_t>() < 0) bad(namer, s, j.dump());
        return static_cast<std::uint64_t>(j.get<std::int64_t>());
      }
      break;
    case ParamType::real:
      if (j.is_number()) return j.get<double>();
      break;
    case ParamType::text:
      if (j.is_string()) return j.get<std::string>();
      break;
    case ParamType::counts:
      if (j.is_string()) return parse_counts(j.get<std::string>(), s, namer);
      if (j.is_array()) {
        std::vector<std::uint32_t> out;
        for (const auto& x : j) {
          if (!x.is_number_integer() || x.get<std::int64_t>() < 0 || x.get<std::int64_t>() > 0xFFFFFFFFll)
            bad(namer, s, j.dump());
          out.push_back(x.get<std::uint32_t>());
        }
        return out;
      }
      break;
  }
  bad(namer, s, j.dump());
}

}  // namespace

std::string flag_of(std::string_view name) {
  std::string f = "--";
  for (char c : name) f += c == '_' ? '-' : c;
  return f;
}

ParamNamer plain_names() {
  return [](const std::string& name) { return name; };
}
ParamNamer flag_names() {
  return [](const std::string& name) { return flag_of(name); };
}
ParamNamer config_names(std::string prefix) {
  return [prefix = std::move(prefix)](const std::string& name) { return prefix + name; };
}

std::string param_text(const ParamValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, double>) return number_text(x);
        else if constexpr (std::is_same_v<T, std::string>) return x;
        else if constexpr (std::is_same_v<T, std::vector<std::uint32_t>>) {
          std::string s;
          for (std::uint32_t k : x) s += (s.empty() ? "" : ",") + std::to_string(k);
          return s;
        } else return std::to_string(x);
      },
      v);
}

nlohmann::json param_json(const ParamValue& v) {
  return std::visit([](const auto& x) { return nlohmann::json(x); }, v);
}

nlohmann::json param_config_json(const ParamValue& v) {
  if (const auto* d = std::get_if<double>(&v)) return std::strtod(number_text(*d).c_str(), nullptr);
  return param_json(v);
}

const ParamTableBase::Entry& ParamTableBase::entry(std::string_view name) const {
  for (const Entry& e : entries_)
    if (e.spec.name == name) return e;
  fail("the ", area_, " parameters have no '", name, "'");
}

bool ParamTableBase::has(std::string_view name) const {
  for (const Entry& e : entries_)
    if (e.spec.name == name) return true;
  return false;
}

void ParamTableBase::add_entry(Entry e) {
  TR_CHECK(!has(e.spec.name), "parameter '", e.spec.name, "' declared twice in the ", area_, " parameters");
  entries_.push_back(std::move(e));
}

void ParamTableBase::store(const Entry& e, void* o, const ParamValue& v, const ParamNamer& namer) {
  try {
    e.set(o, v);
  } catch (const Error& err) {  // a value the field cannot take (add_via)
    fail(namer(e.spec.name), " ", param_text(v), ": ", err.what());
  }
}

void ParamTableBase::set_text(void* o, std::string_view name, std::string_view text, const ParamNamer& namer) const {
  const Entry& e = entry(name);
  const ParamValue v = parse(e.spec, text, namer);
  check_value(e.spec, v, namer);
  store(e, o, v, namer);
}

void ParamTableBase::set_json(void* o, std::string_view name, const nlohmann::json& value,
                              const ParamNamer& namer) const {
  const Entry& e = entry(name);
  const ParamValue v = from_json(e.spec, value, namer);
  check_value(e.spec, v, namer);
  store(e, o, v, namer);
}

void ParamTableBase::check(const void* o, const ParamNamer& namer) const {
  for (const Entry& e : entries_) check_value(e.spec, e.get(o), namer);
}

nlohmann::json ParamTableBase::to_json(const void* o, bool identity_only) const {
  nlohmann::json j = nlohmann::json::object();
  for (const Entry& e : entries_)
    if (e.spec.identity || !identity_only) j[e.spec.name] = param_json(e.get(o));
  return j;
}

std::string ParamTableBase::markdown(const void* defaults) const {
  std::string out = "| parameter (config key) | flag | type | default | valid | changes the model | what it does |\n"
                    "|---|---|---|---|---|---|---|\n";
  for (const Entry& e : entries_) {
    const std::string def = param_text(e.get(defaults));
    out += "| `" + e.spec.name + "` | `" + flag_of(e.spec.name) + "` | " + type_name(e.spec.type) + " | " +
           (def.empty() ? "(empty)" : "`" + def + "`") + " | " + range_text(e.spec) + " | " +
           (e.spec.identity ? "yes" : "no") + " | " + e.spec.help + (e.spec.config ? "" : " (not a config key)") + " |\n";
  }
  return out;
}

std::string ParamTableBase::text(const void* defaults) const {
  std::size_t width = 0;
  for (const Entry& e : entries_) width = std::max(width, flag_of(e.spec.name).size());
  std::string out;
  for (const Entry& e : entries_) {
    const std::string flag = flag_of(e.spec.name);
    const std::string range = range_text(e.spec);
    const std::string def = param_text(e.get(defaults));
    out += "  " + flag + std::string(width + 2 - flag.size(), ' ') + e.spec.help + "\n" + std::string(width + 4, ' ') +
           type_name(e.spec.type) + (range.empty() ? "" : " " + range) + ", default " +
           (def.empty() ? "(empty)" : def) + (e.spec.identity ? "" : "; does not change the model") +
           (e.spec.config ? ", config key " + e.spec.name : "; no config key") + "\n";
  }
  return out;
}

std::string param_type_name(ParamType t) { return type_name(t); }
std::string param_range_text(const ParamSpec& s) { return range_text(s); }

std::string param_help(const ParamSpec& s) {
  const std::string range = range_text(s);
  return range.empty() || s.type == ParamType::text ? s.help : s.help + " (" + range + ")";
}

}  // namespace treerec
