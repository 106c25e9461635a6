// report.html: one self-contained page (inline CSS, inline SVG charts from svg_chart.h, no
// script and no network) with the experiment's tables and charts.
#include <cmath>

#include "treerec/experiment/experiment_report.h"
#include "treerec/eval/metrics.h"
#include "treerec/experiment/svg_chart.h"

namespace treerec {
namespace {

const char* const kStyle =
    "body{font-family:sans-serif;margin:2em auto;max-width:1200px;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px}"
    "td.n{text-align:right;white-space:nowrap}th{background:#f3f3f3}figure{margin:1.5em 0}.failed{color:#b00}"
    "p.note{color:#555}";

// The number under `key` of a JSON object, or NaN.
double number(const nlohmann::json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return std::nan("");
  return j[key].get<double>();
}

// The first key of a round object that starts with `prefix` ("recall" -> "recall@200").
std::string key_with_prefix(const nlohmann::json& rounds, const std::string& prefix) {
  for (const auto& r : rounds)
    if (r.is_object())
      for (const auto& [k, v] : r.items())
        if (k.rfind(prefix, 0) == 0 && v.is_number()) return k;
  return "";
}

std::string figure(const std::string& svg) { return "<figure>" + svg + "</figure>\n"; }

std::string recall_chart(const ExperimentReport& r) {
  LineChart c;
  c.title = "Recall@M on the test users";
  c.x_label = "M (items retrieved)";
  c.y_label = "recall";
  c.y_percent = true;
  for (const auto& m : r.methods) {
    if (!m.ok) continue;
    ChartSeries s{method_title(m.name), {}};
    for (std::uint32_t cut : r.cutoffs)
      if (cut % 10 == 0) s.points.emplace_back(cut, m.metric("recall", cut));
    c.series.push_back(std::move(s));
  }
  return figure(line_chart_svg(c));
}

// One chart of a per-epoch or per-round field over the methods that report it. `fields` are
// (field, series suffix) pairs: one series per method and field.
std::string series_chart(const ExperimentReport& r, const std::string& title, const std::string& x_label,
                         const std::string& y_label, bool rounds,
                         const std::vector<std::pair<std::string, std::string>>& fields, bool percent_axis) {
  LineChart c;
  c.title = title;
  c.x_label = x_label;
  c.y_label = y_label;
  c.y_percent = percent_axis;
  c.x_integer = true;
  for (const auto& m : r.methods)
    for (const auto& [field, suffix] : fields) {
      const nlohmann::json& rows = rounds ? m.rounds : m.history;
      if (!m.ok || rows.empty()) continue;
      const std::string key = field.back() == '@' ? key_with_prefix(rows, field) : field;
      ChartSeries s{method_title(m.name) + suffix, {}};
      for (std::size_t i = 0; i < rows.size(); ++i) {
        double x = number(rows[i], rounds ? "round" : "epoch");
        if (std::isnan(x)) x = static_cast<double>(i + 1);
        double y = number(rows[i], key);
        if (!rounds && field == "valid")
          y = rows[i].contains("valid") ? number(rows[i]["valid"], "recall@" + std::to_string(r.top)) : std::nan("");
        if (!std::isnan(y)) s.points.emplace_back(x, y);
      }
      if (!s.points.empty()) c.series.push_back(std::move(s));
    }
  if (c.series.empty()) return "";
  return figure(line_chart_svg(c));
}

std::string time_chart(const ExperimentReport& r) {
  BarChart c;
  c.title = "Time per method";
  c.x_label = "seconds";
  c.parts = {"train", "retrieve"};
  for (const auto& m : r.methods) {
    if (!m.ok) continue;
    c.labels.push_back(method_title(m.name));
    c.values.push_back({m.train_seconds, m.retrieve_seconds});
  }
  return figure(bar_chart_svg(c));
}

std::string metrics_table(const ExperimentReport& r) {
  std::string out = "<table><tr><th>method</th>";
  for (std::uint32_t cut : kDefaultCutoffs)
    if (cut <= r.top)
      out += "<th>P@" + std::to_string(cut) + "</th><th>R@" + std::to_string(cut) + "</th><th>F@" +
             std::to_string(cut) + "</th>";
  out += "<th>train (s)</th><th>retrieve (s)</th></tr>\n";
  for (const auto& m : r.methods) {
    out += "<tr><td>" + escape_html(method_title(m.name)) + "</td>";
    if (!m.ok) {
      out += "<td class=\"failed\" colspan=\"14\">failed: " + escape_html(m.error) + "</td></tr>\n";
      continue;
    }
    for (std::uint32_t cut : kDefaultCutoffs)
      if (cut <= r.top)
        for (const char* what : {"precision", "recall", "f1"})
          out += "<td class=\"n\">" + escape_html(percent(m.metric(what, cut))) + "</td>";
    char buf[64];
    std::snprintf(buf, sizeof buf, "<td class=\"n\">%.1f</td><td class=\"n\">%.1f</td>", m.train_seconds,
                  m.retrieve_seconds);
    out += std::string(buf) + "</tr>\n";
  }
  return out + "</table>\n";
}

std::string ablation_table(const ExperimentReport& r) {
  const std::string at = "@" + std::to_string(r.top);
  std::string out = "<table><tr><th>method</th><th>tree</th><th>behaviour features</th><th>tree learning</th>"
                    "<th>precision" + at + "</th><th>recall" + at + "</th><th>F" + at + "</th></tr>\n";
  for (const auto& row : ablation_rows(r)) {
    out += "<tr><td>" + escape_html(method_title(row.method)) + "</td><td>" + row.tree + "</td><td>" +
           row.features + "</td><td>" + row.learning + "</td>";
    if (!row.result->ok) {
      out += "<td class=\"failed\" colspan=\"3\">failed</td></tr>\n";
      continue;
    }
    for (const char* what : {"precision", "recall", "f1"})
      out += "<td class=\"n\">" + escape_html(percent(row.result->metric(what, r.top))) + "</td>";
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace

std::string html_report(const ExperimentReport& r) {
  const auto& d = r.dataset;
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
                    escape_html(r.title) + "</title><style>" + kStyle + "</style></head><body>\n";
  out += "<h1>" + escape_html(r.title) + "</h1>\n<p>Dataset " + escape_html(d.value("input", std::string("?"))) +
         " (" + escape_html(d.value("format", std::string("?"))) + "): " + d["users"].dump() + " users, " +
         d["items"].dump() + " items, " + d["categories"].dump() + " categories, " + d["records"].dump() +
         " records. Measured on " + std::to_string(r.eval_users) + " test users, M = " + std::to_string(r.top) +
         ".</p>\n";
  out += "<h2>Methods</h2>\n" + metrics_table(r);
  out += "<h2>Ablation: TDM / JTM-HI / JTM-H / JTM</h2>\n" + ablation_table(r);
  out += "<h2>Charts</h2>\n" + recall_chart(r);
  out += series_chart(r, "Tree learning: recall per round", "round", "recall", true, {{"recall@", ""}}, true);
  // Algorithm 2's objective under the round's model: on the round's own tree, and on the tree
  // it learned (the next round's).
  out += series_chart(r, "Tree learning: objective per round", "round", "objective", true,
                      {{"objective_old", ": own tree"}, {"objective_new", ": learned tree"}}, false);
  out += series_chart(r, "Training loss per epoch", "epoch", "loss", false, {{"loss", ""}}, false);
  out += series_chart(r, "Validation recall@" + std::to_string(r.top) + " per epoch", "epoch", "recall", false,
                      {{"valid", ""}}, true);
  out += time_chart(r);
  out += "<p class=\"note\">Written by treerec experiment; the figures are in results.json.</p>\n</body></html>\n";
  return out;
}

}  // namespace treerec
