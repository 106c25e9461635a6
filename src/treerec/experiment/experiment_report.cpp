#include "treerec/experiment/experiment_report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "treerec/eval/metrics.h"
#include "treerec/io/atomic_file.h"
#include "treerec/model/method.h"

namespace treerec {
namespace {

std::string fixed(double x, int digits) {
  if (!std::isfinite(x)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

// Appends ",value" (appending in two steps: GCC 12 warns wrongly about "," + std::string).
void add_field(std::string& out, const std::string& value) {
  out += ',';
  out += value;
}

// Two decimals with a sign: "+0.42", "-1.20", "0.00".
std::string signed_fixed(double x) {
  const std::string s = fixed(x, 2);
  return s == "0.00" || s == "-0.00" ? "0.00" : (x > 0 ? "+" : "") + s;
}

// Markdown table cells must not contain '|' or line breaks.
std::string cell(std::string s) {
  for (char& c : s)
    if (c == '|' || c == '\n' || c == '\r') c = ' ';
  return s;
}

// CSV fields are quoted when they hold a comma, a quote or a line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

const AblationRow kAblation[] = {
    {"tdm", "category", "leaf items (TDM)", "no", nullptr},
    {"jtm-hi", "category", "a table per level (HI)", "no", nullptr},
    {"jtm-h", "category", "ancestors per level (H)", "no", nullptr},
    {"jtm", "learned", "ancestors per level (H)", "yes (Algorithm 2)", nullptr},
    {"jtm-h-same-epochs", "category", "ancestors per level (H)", "no (jtm's rounds and epochs)", nullptr},
};

}  // namespace

std::vector<AblationRow> ablation_rows(const ExperimentReport& report) {
  std::vector<AblationRow> rows;
  for (AblationRow row : kAblation) {
    row.result = report.find(row.method);
    if (row.result) rows.push_back(row);
  }
  return rows;
}

std::string method_title(const std::string& name) {
  for (const Method& m : all_methods())
    if (m.name == name) return m.title;
  return name;  // a method of a test's own
}

std::string percent(double fraction) {
  return std::isfinite(fraction) ? fixed(100 * fraction, 2) + " %" : "–";
}

std::string percent_interval(const SeedInterval& s) {
  if (s.n == 0 || !std::isfinite(s.mean)) return "–";
  if (!s.has_interval()) return fixed(100 * s.mean, 2) + " %";
  return fixed(100 * s.mean, 2) + " ± " + fixed(100 * s.half_width, 2) + " %";
}

std::string percent_range(const BootstrapInterval& b) {
  if (b.n == 0 || !std::isfinite(b.low)) return "–";
  return "[" + fixed(100 * b.low, 2) + ", " + fixed(100 * b.high, 2) + "] %";
}

std::string points(double difference) {
  return std::isfinite(difference) ? signed_fixed(100 * difference) + " pp" : "–";
}

std::string points_range(double low, double high) {
  if (!std::isfinite(low) || !std::isfinite(high)) return "–";
  return "[" + signed_fixed(100 * low) + ", " + signed_fixed(100 * high) + "] pp";
}

std::vector<RoundRow> round_rows(const ExperimentReport& report) {
  std::vector<RoundRow> rows;
  for (const MethodSummary& m : report.methods) {
    const MethodResult* run = m.first_run();
    if (!run) continue;
    for (const auto& round : run->rounds)
      if (round.is_object()) rows.push_back({m.name, run->seed, &round});
  }
  return rows;
}

std::string round_epochs(const nlohmann::json& round) {
  const auto epochs = round.value("epochs", nlohmann::json());
  if (!epochs.is_number()) return "–";
  const auto best = round.value("best_epoch", nlohmann::json());
  return (best.is_number() && best.get<double>() > 0 ? best.dump() + "/" : std::string()) + epochs.dump();
}

std::string results_csv(const ExperimentReport& r) {
  const std::string at = "@" + std::to_string(r.top);
  std::string out = "method,status,seeds,finished_seeds";
  for (std::uint32_t m : kDefaultCutoffs)
    out += ",precision@" + std::to_string(m) + ",recall@" + std::to_string(m) + ",f1@" + std::to_string(m);
  out += ",precision" + at + "_seeds_half_width,recall" + at + "_seeds_half_width,f1" + at + "_seeds_half_width";
  out += ",recall" + at + "_users_low,recall" + at + "_users_high";
  out += ",train_seconds,retrieve_seconds,error\n";
  for (const auto& m : r.methods) {
    out += csv_field(m.name);
    add_field(out, m.ok() ? "ok" : "failed");
    add_field(out, std::to_string(m.runs.size()));
    add_field(out, std::to_string(m.finished_seeds.size()));
    for (std::uint32_t c : kDefaultCutoffs)
      for (const char* what : {"precision", "recall", "f1"}) add_field(out, fixed(m.metric(what, c), 6));
    for (const SeedInterval* s : {&m.precision, &m.recall, &m.f1})
      add_field(out, s->has_interval() ? fixed(s->half_width, 6) : std::string());
    const bool any = m.any_ok();
    add_field(out, any ? fixed(m.recall_users.low, 6) : std::string());
    add_field(out, any ? fixed(m.recall_users.high, 6) : std::string());
    for (double seconds : {m.train_seconds, m.retrieve_seconds}) add_field(out, any ? fixed(seconds, 3) : std::string());
    add_field(out, csv_field(m.error()));
    out += '\n';
  }
  return out;
}

std::string differences_csv(const ExperimentReport& r) {
  std::string out = "a,b,against_reference,seeds,difference,users_low,users_high,seeds_half_width,verdict\n";
  for (const auto& d : r.differences) {
    std::string seeds;
    for (auto s : d.seeds) {
      if (!seeds.empty()) seeds += ' ';
      seeds += std::to_string(s);
    }
    out += csv_field(d.a);
    add_field(out, csv_field(d.b));
    add_field(out, d.against_reference ? "true" : "false");
    add_field(out, seeds);
    for (double x : {d.users.mean, d.users.low, d.users.high}) add_field(out, fixed(x, 6));
    add_field(out, d.over_seeds.has_interval() ? fixed(d.over_seeds.half_width, 6) : std::string());
    add_field(out, csv_field(d.verdict(d.a, d.b)));
    out += '\n';
  }
  return out;
}

namespace {

std::string seeds_text(const ExperimentReport& r) {
  std::string out;
  for (auto s : r.seeds) out += (out.empty() ? "" : ", ") + std::to_string(s);
  return out;
}

std::string json_number(const nlohmann::json& round, const char* key, bool as_percent) {
  const auto v = round.value(key, nlohmann::json());
  if (!v.is_number()) return "–";
  return as_percent ? percent(v.get<double>()) : fixed(v.get<double>(), 1);
}

}  // namespace

std::string summary_markdown(const ExperimentReport& r) {
  const std::string at = "@" + std::to_string(r.top);
  const auto& d = r.dataset;
  const std::size_t n_seeds = r.seeds.size();
  std::string out = "# " + r.title + "\n\n";
  out += "Dataset: " + d.value("input", std::string("?")) + " (" + d.value("format", std::string("?")) + "): " +
         d["users"].dump() + " users, " + d["items"].dump() + " items, " + d["categories"].dump() + " categories, " +
         d["records"].dump() + " records; " + d["train_users"].dump() + " train, " + d["valid_users"].dump() +
         " validation and " + d["test_users"].dump() + " test users. Measured on " + std::to_string(r.eval_users()) +
         " test users with M = " + std::to_string(r.top) + " items retrieved per user (docs/ALGORITHMS.md §10), " +
         std::to_string(n_seeds) + " seed(s): " + seeds_text(r) + ".\n\n";

  out += "## Table 1: methods by precision, recall and F" + at + "\n\n";
  out += "Mean over seeds ± the half width of its 95 % interval over seeds (Student's t; none with one seed). "
         "Users: the 95 % bootstrap interval over test users of the mean recall" + at +
         " (each user's recall averaged over seeds).\n\n";
  out += "| method | seeds | precision" + at + " | recall" + at + " | F" + at + " | recall" + at +
         ", users | train (s) | retrieve (s) |\n";
  out += "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& m : r.methods) {
    const std::string seeds = std::to_string(m.finished_seeds.size()) + "/" + std::to_string(m.runs.size());
    if (!m.any_ok()) {
      out += "| " + cell(method_title(m.name)) + " | " + seeds + " | failed | | | | | |\n";
      continue;
    }
    out += "| " + cell(method_title(m.name)) + " | " + seeds + " | " + percent_interval(m.precision) + " | " +
           percent_interval(m.recall) + " | " + percent_interval(m.f1) + " | " + percent_range(m.recall_users) +
           " | " + fixed(m.train_seconds, 1) + " | " + fixed(m.retrieve_seconds, 1) + " |\n";
  }

  out += "\n## Table 2: the tree model's ablation (TDM / JTM-HI / JTM-H" +
         std::string(r.find("jtm") ? " / JTM" : "") + ")\n\n";
  out += "| method | tree | behaviour features | tree learning | precision" + at + " | recall" + at + " | F" + at +
         " |\n|---|---|---|---|---:|---:|---:|\n";
  for (const auto& row : ablation_rows(r)) {
    const MethodSummary* m = row.result;
    out += "| " + method_title(row.method) + " | " + row.tree + " | " + row.features + " | " + row.learning + " | ";
    out += m->any_ok() ? percent_interval(m->precision) + " | " + percent_interval(m->recall) + " | " +
                             percent_interval(m->f1) + " |\n"
                       : std::string("failed | | |\n");
  }

  out += "\n## Table 3: paired differences in recall" + at + "\n\n";
  if (r.differences.empty()) {
    out += "None: neither the reference method (" + r.reference + ") nor both methods of a pair finished.\n";
  } else {
    out += "recall" + at + " of A minus that of B on the same test users, in percentage points. Users: the 95 % "
           "paired bootstrap interval (each user's recall averaged over the seeds both finished); *within noise* "
           "when it contains 0. Seeds: the 95 % Student's t interval of the per-seed differences.\n\n";
    out += "| A − B | difference | 95 % over users | 95 % over seeds | seeds | verdict |\n";
    out += "|---|---:|---:|---:|---:|---|\n";
    for (const auto& diff : r.differences)
      out += "| " + cell(method_title(diff.a)) + " − " + cell(method_title(diff.b)) + " | " + points(diff.users.mean) +
             " | " + points_range(diff.users.low, diff.users.high) + " | " +
             (diff.over_seeds.has_interval() ? "± " + fixed(100 * diff.over_seeds.half_width, 2) + " pp" : "–") +
             " | " + std::to_string(diff.seeds.size()) + " | " +
             cell(diff.verdict(method_title(diff.a), method_title(diff.b))) + " |\n";
  }

  out += "\n## Table 4: how much of the lists is the most-popular list\n\n";
  out += "Mean over seeds of: the share of a user's top " + std::to_string(r.top) + " that is the most-popular top " +
         std::to_string(r.top) + " (averaged over users; 1 for the popular list itself), and the share of all items "
         "that some user's list holds. A trained method near the floor's overlap learned little beyond popularity "
         "(docs/TRAINING.md).\n\n| method | popular overlap | coverage |\n|---|---:|---:|\n";
  for (const auto& m : r.methods) {
    double overlap = 0, coverage = 0;
    int n = 0;
    for (const MethodResult& run : m.runs)
      if (run.ok && run.popular_overlap >= 0) {
        overlap += run.popular_overlap;
        coverage += run.coverage;
        ++n;
      }
    out += "| " + cell(method_title(m.name)) + " | " + (n ? fixed(overlap / n, 3) : "–") + " | " +
           (n ? percent(coverage / n) : "–") + " |\n";
  }

  const auto rounds = round_rows(r);
  if (!rounds.empty()) {
    out += "\n## Tree-learning rounds (seed " + std::to_string(rounds.front().seed) + ")\n\n";
    out += "Epochs: the epoch kept (early stopping) / the epochs trained. Algorithm 2's objective under the round's "
           "model: on the round's own tree, on the tree it learned, and on the next round's tree (the old one when "
           "the never-worse check kept it).\n\n";
    out += "| method | round | epochs | recall@200 | objective, own tree | objective, learned tree | kept old tree | "
           "objective, next tree | items moved |\n|---|---:|---:|---:|---:|---:|---|---:|---:|\n";
    for (const auto& row : rounds) {
      const nlohmann::json& j = *row.round;
      const auto kept = j.value("kept_old", nlohmann::json());
      out += "| " + cell(method_title(row.method)) + " | " + j.value("round", nlohmann::json()).dump() + " | " +
             round_epochs(j) + " | " + json_number(j, "recall@200", true) + " | " +
             json_number(j, "objective_old", false) + " | " + json_number(j, "objective_learned", false) + " | " +
             (kept.is_boolean() ? (kept.get<bool>() ? "yes" : "no") : "–") + " | " +
             json_number(j, "objective_new", false) + " | " +
             (j.value("items_moved", nlohmann::json()).is_number() ? j["items_moved"].dump() : "–") + " |\n";
    }
  }

  std::string notes;
  for (const auto& m : r.methods) {
    if (!m.ok()) notes += "- " + method_title(m.name) + " failed: " + cell(m.error()) + "\n";
    else if (m.reused()) notes += "- " + method_title(m.name) + ": results of an earlier run, reused (same settings).\n";
  }
  for (const auto& row : kAblation)
    if (!r.find(row.method) && std::string(row.method) != "jtm-h-same-epochs") notes += std::string("- ") + method_title(row.method) + " was not run.\n";
  if (!r.find(r.reference)) notes += "- The reference method " + method_title(r.reference) + " was not run.\n";
  if (!notes.empty()) out += "\n## Notes\n\n" + notes;
  out += "\nFull figures: results.json (every cutoff and seed, per-user values, per-epoch history, per-round tables), "
         "results.csv, differences.csv, report.html.\n";
  return out;
}

void write_text_atomically(const std::string& path, std::string_view text) {
  AtomicFile f(path);
  f.write(text);
  f.commit();
}

void write_report(const ExperimentReport& report, const std::string& dir) {
  const std::filesystem::path d(dir);
  write_text_atomically((d / "results.json").string(), report.to_json().dump(2) + "\n");
  write_text_atomically((d / "results.csv").string(), results_csv(report));
  write_text_atomically((d / "differences.csv").string(), differences_csv(report));
  write_text_atomically((d / "summary.md").string(), summary_markdown(report));
  write_text_atomically((d / "report.html").string(), html_report(report));
}

}  // namespace treerec
