// report.html: one self-contained page (inline CSS, inline SVG charts from svg_chart.h, no
// script and no network) with the experiment's tables and charts. Figures per method are means
// over its finished seeds; the per-epoch and per-round charts and the rounds table show the
// run of the experiment's first seed (MethodSummary::first_run).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "treerec/experiment/experiment_report.h"
#include "treerec/eval/metrics.h"
#include "treerec/experiment/svg_chart.h"

namespace treerec {
namespace {

const char* const kStyle =
    "body{font-family:sans-serif;margin:2em auto;max-width:1200px;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px}"
    "td.n{text-align:right;white-space:nowrap}th{background:#f3f3f3}figure{margin:1.5em 0}.failed{color:#b00}"
    "p.note{color:#555}td.noise{color:#777}td.better{font-weight:bold}"
    "div.charts{display:flex;flex-wrap:wrap;gap:0 1em}div.charts figure{margin:0.5em 0}";

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
std::string td(const std::string& text) { return "<td class=\"n\">" + escape_html(text) + "</td>"; }

// An epoch's validation recall: valid_score, else the recall@top in its validation metrics.
double valid_recall(const nlohmann::json& epoch, std::uint32_t top) {
  const double score = number(epoch, "valid_score");
  if (!std::isnan(score)) return score;
  return epoch.contains("valid") ? number(epoch["valid"], "recall@" + std::to_string(top)) : std::nan("");
}

// The M of an epoch's valid_score: the largest cutoff whose validation recall equals it (the
// joint loop validates at M = 200 whatever the experiment's top); `top` when none does.
std::uint32_t valid_cutoff(const nlohmann::json& history, std::uint32_t top) {
  for (const auto& e : history) {
    const double score = number(e, "valid_score");
    if (std::isnan(score) || !e.contains("valid") || !e["valid"].is_object()) continue;
    std::uint32_t best = 0;
    for (const auto& [key, value] : e["valid"].items())
      if (key.rfind("recall@", 0) == 0 && value.is_number() && value.get<double>() == score)
        best = std::max(best, static_cast<std::uint32_t>(std::stoul(key.substr(7))));
    if (best > 0) return best;
  }
  return top;
}

std::string recall_chart(const ExperimentReport& r) {
  LineChart c;
  c.title = "Recall@M on the test users (mean over seeds)";
  c.x_label = "M (items retrieved)";
  c.y_label = "recall";
  c.y_percent = true;
  for (const auto& m : r.methods) {
    if (!m.any_ok()) continue;
    ChartSeries s{method_title(m.name), {}};
    for (std::uint32_t cut : r.cutoffs)
      if (cut % 10 == 0) s.points.emplace_back(cut, m.metric("recall", cut));
    c.series.push_back(std::move(s));
  }
  return figure(line_chart_svg(c));
}

// One chart of a per-round field (x: the round) or per-epoch field (x: epochs numbered
// consecutively across rounds) of each method's first run. `fields` are (field, series
// suffix) pairs: one series per method and field.
std::string series_chart(const ExperimentReport& r, const std::string& title, const std::string& x_label,
                         const std::string& y_label, bool rounds,
                         const std::vector<std::pair<std::string, std::string>>& fields, bool percent_axis) {
  LineChart c;
  c.title = title;
  c.x_label = x_label;
  c.y_label = y_label;
  c.y_percent = percent_axis;
  c.x_integer = true;
  for (const auto& m : r.methods) {
    const MethodResult* run = m.first_run();
    if (!run) continue;
    const nlohmann::json& rows = rounds ? run->rounds : run->history;
    for (const auto& [field, suffix] : fields) {
      if (rows.empty()) continue;
      const std::string key = field.back() == '@' ? key_with_prefix(rows, field) : field;
      ChartSeries s{method_title(m.name) + suffix, {}};
      for (std::size_t i = 0; i < rows.size(); ++i) {
        double x = rounds ? number(rows[i], "round") : std::nan("");
        if (std::isnan(x)) x = static_cast<double>(i + 1);
        const double y = number(rows[i], key);
        if (!std::isnan(y)) s.points.emplace_back(x, y);
      }
      if (!s.points.empty()) c.series.push_back(std::move(s));
    }
  }
  if (c.series.empty()) return "";
  return figure(line_chart_svg(c));
}

// For each trained method, its validation recall@top by epoch in its first run. Joint
// methods' epochs are numbered consecutively across rounds, with a mark where each round
// starts; other methods mark the epoch early stopping kept.
std::string validation_charts(const ExperimentReport& r) {
  std::string out;
  for (const auto& m : r.methods) {
    const MethodResult* run = m.first_run();
    if (!run) continue;
    LineChart c;
    c.title = method_title(m.name) + ": validation recall@" + std::to_string(valid_cutoff(run->history, r.top)) +
              " by epoch (seed " + std::to_string(run->seed) + ")";
    c.x_label = "epoch";
    c.y_label = "recall";
    c.y_percent = true;
    c.x_integer = true;
    c.width = 560;
    c.height = 280;
    ChartSeries s{method_title(m.name), {}};
    nlohmann::json previous_round;
    bool joint = false;
    for (std::size_t i = 0; i < run->history.size(); ++i) {
      const nlohmann::json& e = run->history[i];
      const double x = static_cast<double>(i + 1);
      const double y = valid_recall(e, r.top);
      if (!std::isnan(y)) s.points.emplace_back(x, y);
      if (e.is_object() && e.contains("round")) {
        joint = true;
        if (!previous_round.is_null() && e["round"] != previous_round)
          c.marks.push_back({x - 0.5, "round " + e["round"].dump()});
        previous_round = e["round"];
      }
    }
    if (s.points.empty()) continue;
    if (!joint && !run->history.empty()) {
      const double best = number(run->history.back(), "best_epoch");
      if (best > 0) c.marks.push_back({best, "best epoch " + std::to_string(static_cast<long long>(best))});
    }
    c.series.push_back(std::move(s));
    out += figure(line_chart_svg(c));
  }
  return out.empty() ? out : "<div class=\"charts\">" + out + "</div>\n";
}

std::string time_chart(const ExperimentReport& r) {
  BarChart c;
  c.title = "Time per method (mean over seeds)";
  c.x_label = "seconds";
  c.parts = {"train", "retrieve"};
  for (const auto& m : r.methods) {
    if (!m.any_ok()) continue;
    c.labels.push_back(method_title(m.name));
    c.values.push_back({m.train_seconds, m.retrieve_seconds});
  }
  return figure(bar_chart_svg(c));
}

// Precision, recall and F at top with their intervals, one row per method.
std::string top_table(const ExperimentReport& r) {
  const std::string at = "@" + std::to_string(r.top);
  std::string out = "<table><tr><th>method</th><th>seeds</th><th>precision" + at + "</th><th>recall" + at +
                    "</th><th>F" + at + "</th><th>recall" + at + ", 95 % over users</th><th>train (s)</th>"
                    "<th>retrieve (s)</th></tr>\n";
  for (const auto& m : r.methods) {
    out += "<tr><td>" + escape_html(method_title(m.name)) + "</td>" +
           td(std::to_string(m.finished_seeds.size()) + "/" + std::to_string(m.runs.size()));
    if (!m.any_ok()) {
      out += "<td class=\"failed\" colspan=\"6\">failed: " + escape_html(m.error()) + "</td></tr>\n";
      continue;
    }
    out += td(percent_interval(m.precision)) + td(percent_interval(m.recall)) + td(percent_interval(m.f1)) +
           td(percent_range(m.recall_users));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f", m.train_seconds);
    out += td(buf);
    std::snprintf(buf, sizeof buf, "%.1f", m.retrieve_seconds);
    out += td(buf) + "</tr>\n";
  }
  return out + "</table>\n";
}

std::string metrics_table(const ExperimentReport& r) {
  std::string out = "<table><tr><th>method</th>";
  for (std::uint32_t cut : kDefaultCutoffs)
    if (cut <= r.top)
      out += "<th>P@" + std::to_string(cut) + "</th><th>R@" + std::to_string(cut) + "</th><th>F@" +
             std::to_string(cut) + "</th>";
  out += "</tr>\n";
  for (const auto& m : r.methods) {
    out += "<tr><td>" + escape_html(method_title(m.name)) + "</td>";
    if (!m.any_ok()) {
      out += "<td class=\"failed\" colspan=\"12\">failed</td></tr>\n";
      continue;
    }
    for (std::uint32_t cut : kDefaultCutoffs)
      if (cut <= r.top)
        for (const char* what : {"precision", "recall", "f1"}) out += td(percent(m.metric(what, cut)));
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string ablation_table(const ExperimentReport& r) {
  const std::string at = "@" + std::to_string(r.top);
  std::string out = "<table><tr><th>method</th><th>tree</th><th>behaviour features</th><th>tree learning</th>"
                    "<th>precision" + at + "</th><th>recall" + at + "</th><th>F" + at + "</th></tr>\n";
  for (const auto& row : ablation_rows(r)) {
    out += "<tr><td>" + escape_html(method_title(row.method)) + "</td><td>" + row.tree + "</td><td>" +
           row.features + "</td><td>" + escape_html(row.learning) + "</td>";
    if (!row.result->any_ok()) {
      out += "<td class=\"failed\" colspan=\"3\">failed</td></tr>\n";
      continue;
    }
    out += td(percent_interval(row.result->precision)) + td(percent_interval(row.result->recall)) +
           td(percent_interval(row.result->f1)) + "</tr>\n";
  }
  return out + "</table>\n";
}

// A half width in percentage points: "0.42 pp".
std::string half_points(double fraction) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f pp", 100 * fraction);
  return buf;
}

std::string differences_table(const ExperimentReport& r) {
  if (r.differences.empty())
    return "<p class=\"note\">None: neither the reference method (" + escape_html(r.reference) +
           ") nor both methods of a pair finished.</p>\n";
  std::string out = "<table><tr><th>A − B</th><th>difference</th><th>95 % over users</th><th>95 % over seeds</th>"
                    "<th>seeds</th><th>verdict</th></tr>\n";
  for (const auto& d : r.differences) {
    out += "<tr><td>" + escape_html(method_title(d.a) + " − " + method_title(d.b)) + "</td>" +
           td(points(d.users.mean)) + td(points_range(d.users.low, d.users.high)) +
           td(d.over_seeds.has_interval() ? "± " + half_points(d.over_seeds.half_width) : "–") +
           td(std::to_string(d.seeds.size())) + "<td class=\"" + (d.within_noise() ? "noise" : "better") + "\">" +
           escape_html(d.verdict(method_title(d.a), method_title(d.b))) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

std::string rounds_table(const ExperimentReport& r) {
  const auto rows = round_rows(r);
  if (rows.empty()) return "";
  auto value = [](const nlohmann::json& j, const char* key, bool as_percent) {
    const double x = number(j, key);
    if (std::isnan(x)) return std::string("–");
    if (as_percent) return percent(x);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f", x);
    return std::string(buf);
  };
  std::string out = "<h2>Tree-learning rounds (seed " + std::to_string(rows.front().seed) + ")</h2>\n"
                    "<p class=\"note\">Epochs: the epoch kept by early stopping / the epochs trained. Algorithm "
                    "2's objective under the round's model: on the round's own tree, on the tree it learned, and on "
                    "the next round's tree (the old one when the never-worse check kept it).</p>\n"
                    "<table><tr><th>method</th><th>round</th><th>epochs</th><th>recall@200</th>"
                    "<th>objective, own tree</th><th>objective, learned tree</th><th>kept old tree</th>"
                    "<th>objective, next tree</th><th>items moved</th></tr>\n";
  for (const auto& row : rows) {
    const nlohmann::json& j = *row.round;
    const auto kept = j.value("kept_old", nlohmann::json());
    out += "<tr><td>" + escape_html(method_title(row.method)) + "</td>" + td(j.value("round", nlohmann::json()).dump()) +
           td(round_epochs(j)) + td(value(j, "recall@200", true)) + td(value(j, "objective_old", false)) +
           td(value(j, "objective_learned", false)) + "<td>" +
           (kept.is_boolean() ? (kept.get<bool>() ? "yes" : "no") : "–") + "</td>" + td(value(j, "objective_new", false)) +
           td(j.value("items_moved", nlohmann::json()).is_number() ? j["items_moved"].dump() : "–") + "</tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace

std::string html_report(const ExperimentReport& r) {
  const auto& d = r.dataset;
  std::string seeds;
  for (auto s : r.seeds) seeds += (seeds.empty() ? "" : ", ") + std::to_string(s);
  const std::string at = "@" + std::to_string(r.top);
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
                    escape_html(r.title) + "</title><style>" + kStyle + "</style></head><body>\n";
  out += "<h1>" + escape_html(r.title) + "</h1>\n<p>Dataset " + escape_html(d.value("input", std::string("?"))) +
         " (" + escape_html(d.value("format", std::string("?"))) + "): " + d["users"].dump() + " users, " +
         d["items"].dump() + " items, " + d["categories"].dump() + " categories, " + d["records"].dump() +
         " records. Measured on " + std::to_string(r.eval_users()) + " test users, M = " + std::to_string(r.top) +
         "; seeds " + seeds + ".</p>\n";
  out += "<h2>Methods at M = " + std::to_string(r.top) + "</h2>\n<p class=\"note\">Mean over seeds ± the half width "
         "of its 95 % interval over seeds (Student's t; none with one seed). Over users: the 95 % bootstrap interval "
         "of the mean recall" + at + " over test users, each user's recall averaged over seeds.</p>\n" + top_table(r);
  out += "<h2>Paired differences in recall" + at + "</h2>\n<p class=\"note\">A minus B on the same test users, in "
         "percentage points: against " + escape_html(method_title(r.reference)) + ", then the pairs of the config. "
         "Over users: the 95 % paired bootstrap interval; <i>within noise</i> when it contains 0. Over seeds: "
         "Student's t on the per-seed differences.</p>\n" + differences_table(r);
  out += "<h2>Every cutoff (means over seeds)</h2>\n" + metrics_table(r);
  out += "<h2>Ablation: TDM / JTM-HI / JTM-H / JTM</h2>\n" + ablation_table(r);
  out += rounds_table(r);
  out += "<h2>Charts</h2>\n" + recall_chart(r);
  out += series_chart(r, "Tree learning: recall per round", "round", "recall", true, {{"recall@", ""}}, true);
  // Algorithm 2's objective under the round's model: on the round's own tree, and on the next
  // round's (the learned tree, or the old one when the never-worse check kept it).
  out += series_chart(r, "Tree learning: objective per round", "round", "objective", true,
                      {{"objective_old", ": own tree"}, {"objective_new", ": next tree"}}, false);
  out += series_chart(r, "Training loss per epoch", "epoch (consecutive across rounds)", "loss", false,
                      {{"loss", ""}}, false);
  out += validation_charts(r);
  out += time_chart(r);
  out += "<p class=\"note\">Written by treerec experiment; the figures, every seed's and every user's, are in "
         "results.json.</p>\n</body></html>\n";
  return out;
}

}  // namespace treerec
