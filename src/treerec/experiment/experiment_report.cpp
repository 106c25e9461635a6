#include "treerec/experiment/experiment_report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "treerec/eval/metrics.h"
#include "treerec/io/atomic_file.h"

namespace treerec {
namespace {

std::string fixed(double x, int digits) {
  if (!std::isfinite(x)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
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
  static const std::map<std::string, std::string> titles = {
      {"itemcf", "Item-CF"}, {"youtube", "YouTube product-DNN"}, {"hsm", "HSM"},
      {"tdm", "TDM"},        {"tdm-kmeans", "TDM (k-means tree)"}, {"dnn", "DNN"},
      {"jtm-hi", "JTM-HI"},  {"jtm-h", "JTM-H"},                 {"jtm", "JTM"}};
  auto it = titles.find(name);
  return it == titles.end() ? name : it->second;
}

std::string percent(double fraction) {
  return std::isfinite(fraction) ? fixed(100 * fraction, 2) + " %" : "–";
}

std::string results_csv(const ExperimentReport& r) {
  std::string out = "method,status";
  for (std::uint32_t m : kDefaultCutoffs)
    out += ",precision@" + std::to_string(m) + ",recall@" + std::to_string(m) + ",f1@" + std::to_string(m);
  out += ",train_seconds,retrieve_seconds,error\n";
  for (const auto& m : r.methods) {
    out += csv_field(m.name) + "," + (m.ok ? "ok" : "failed");
    for (std::uint32_t c : kDefaultCutoffs)
      for (const char* what : {"precision", "recall", "f1"}) {
        out += ',';
        out += fixed(m.metric(what, c), 6);
      }
    for (double seconds : {m.train_seconds, m.retrieve_seconds}) {
      out += ',';
      if (m.ok) out += fixed(seconds, 3);
    }
    out += ',';
    out += csv_field(m.error);
    out += '\n';
  }
  return out;
}

std::string summary_markdown(const ExperimentReport& r) {
  const std::string at = "@" + std::to_string(r.top);
  const auto& d = r.dataset;
  std::string out = "# " + r.title + "\n\n";
  out += "Dataset: " + d.value("input", std::string("?")) + " (" + d.value("format", std::string("?")) + "): " +
         d["users"].dump() + " users, " + d["items"].dump() + " items, " + d["categories"].dump() + " categories, " +
         d["records"].dump() + " records; " + d["train_users"].dump() + " train, " + d["valid_users"].dump() +
         " validation and " + d["test_users"].dump() + " test users. Measured on " + std::to_string(r.eval_users) +
         " test users with M = " + std::to_string(r.top) + " items retrieved per user (SPEC §10).\n\n";

  out += "## Table 1: methods by precision, recall and F" + at + "\n\n";
  out += "| method | precision" + at + " | recall" + at + " | F" + at + " | train (s) | retrieve (s) |\n";
  out += "|---|---:|---:|---:|---:|---:|\n";
  for (const auto& m : r.methods) {
    if (!m.ok) {
      out += "| " + cell(method_title(m.name)) + " | failed | | | | |\n";
      continue;
    }
    out += "| " + cell(method_title(m.name)) + " | " + percent(m.metric("precision", r.top)) + " | " +
           percent(m.metric("recall", r.top)) + " | " + percent(m.metric("f1", r.top)) + " | " +
           fixed(m.train_seconds, 1) + " | " + fixed(m.retrieve_seconds, 1) + " |\n";
  }

  out += "\n## Table 2: the tree model's ablation (TDM / JTM-HI / JTM-H" +
         std::string(r.find("jtm") ? " / JTM" : "") + ")\n\n";
  out += "| method | tree | behaviour features | tree learning | precision" + at + " | recall" + at + " | F" + at +
         " |\n|---|---|---|---|---:|---:|---:|\n";
  for (const auto& row : ablation_rows(r)) {
    const MethodResult* m = row.result;
    out += "| " + method_title(row.method) + " | " + row.tree + " | " + row.features + " | " + row.learning + " | ";
    out += m->ok ? percent(m->metric("precision", r.top)) + " | " + percent(m->metric("recall", r.top)) + " | " +
                       percent(m->metric("f1", r.top)) + " |\n"
                 : std::string("failed | | |\n");
  }

  std::string notes;
  for (const auto& m : r.methods) {
    if (!m.ok) notes += "- " + method_title(m.name) + " failed: " + cell(m.error) + "\n";
    else if (m.reused) notes += "- " + method_title(m.name) + ": result of an earlier run, reused (same settings).\n";
  }
  for (const auto& row : kAblation)
    if (!r.find(row.method)) notes += std::string("- ") + method_title(row.method) + " was not run.\n";
  if (!notes.empty()) out += "\n## Notes\n\n" + notes;
  out += "\nFull figures: results.json (every cutoff, per-epoch history, per-round tables), results.csv, "
         "report.html.\n";
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
  write_text_atomically((d / "summary.md").string(), summary_markdown(report));
  write_text_atomically((d / "report.html").string(), html_report(report));
}

}  // namespace treerec
