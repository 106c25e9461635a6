#include "treerec/experiment/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace treerec {
namespace {

constexpr double kLeft = 75, kRight = 190, kTop = 30, kBottom = 45;

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", x);
  return buf;
}

std::string tick_label(double v, bool percent) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g%s", percent ? v * 100 : v, percent ? "%" : "");
  return buf;
}

std::string text(double x, double y, const std::string& s, const char* anchor, const char* extra = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\"" + extra + ">" +
         escape_html(s) + "</text>";
}

std::string open_svg(int width, int height, const std::string& title) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
         std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
         "\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"" + escape_html(title) + "\">" +
         "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>" + text(width / 2.0, 18, title, "middle", " font-weight=\"bold\"");
}

std::string legend(const std::vector<std::string>& names, double x, double y) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const double yy = y + 18.0 * static_cast<double>(i);
    out += "<rect x=\"" + num(x) + "\" y=\"" + num(yy - 9) + "\" width=\"12\" height=\"12\" fill=\"" +
           chart_color(i) + "\"/>" + text(x + 18, yy + 1, names[i], "start");
  }
  return out;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 5.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> ticks;
  const double first = std::floor(lo / step + 1e-9) * step;
  for (double t = first; ticks.empty() || ticks.back() < hi - 1e-9 * step; t += step)
    ticks.push_back(std::abs(t) < 1e-12 * step ? 0.0 : t);
  if (ticks.size() == 1) ticks.push_back(ticks[0] + step);
  return ticks;
}

const char* chart_color(std::size_t i) {
  static const char* const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                       "#8c564b", "#e377c2", "#7f7f7f", "#17becf", "#bcbd22"};
  return colors[i % (sizeof colors / sizeof colors[0])];
}

std::string escape_html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string line_chart_svg(const LineChart& c) {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  std::vector<std::string> names;
  for (const auto& s : c.series) {
    names.push_back(s.name);
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      x0 = std::min(x0, x);
      x1 = std::max(x1, x);
      y0 = std::min(y0, y);
      y1 = std::max(y1, y);
    }
  }
  std::string out = open_svg(c.width, c.height, c.title);
  if (!std::isfinite(x0)) return out + text(c.width / 2.0, c.height / 2.0, "no data", "middle") + "</svg>";
  auto xt = nice_ticks(x0, x1);
  const auto yt = nice_ticks(std::min(y0, c.y_percent ? 0.0 : y0), y1);
  if (c.x_integer && xt.size() > 1 && xt[1] - xt[0] < 1) {  // a step below 1: one tick per whole number
    xt.clear();
    for (double t = std::floor(x0); xt.empty() || xt.back() < x1; t += 1) xt.push_back(t);
    if (xt.size() == 1) xt.push_back(xt[0] + 1);
  }
  const double left = kLeft, right = c.width - kRight, top = kTop, bottom = c.height - kBottom;
  auto px = [&](double x) { return left + (x - xt.front()) / (xt.back() - xt.front()) * (right - left); };
  auto py = [&](double y) { return bottom - (y - yt.front()) / (yt.back() - yt.front()) * (bottom - top); };
  for (double t : yt)
    out += "<line x1=\"" + num(left) + "\" x2=\"" + num(right) + "\" y1=\"" + num(py(t)) + "\" y2=\"" + num(py(t)) +
           "\" stroke=\"#ddd\"/>" + text(left - 6, py(t) + 4, tick_label(t, c.y_percent), "end");
  for (double t : xt)
    out += "<line x1=\"" + num(px(t)) + "\" x2=\"" + num(px(t)) + "\" y1=\"" + num(bottom) + "\" y2=\"" +
           num(bottom + 5) + "\" stroke=\"#333\"/>" + text(px(t), bottom + 18, tick_label(t, false), "middle");
  out += "<rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(right - left) + "\" height=\"" +
         num(bottom - top) + "\" fill=\"none\" stroke=\"#333\"/>";
  for (const ChartMark& m : c.marks) {
    if (!(m.x >= xt.front() && m.x <= xt.back())) continue;
    out += "<line class=\"mark\" x1=\"" + num(px(m.x)) + "\" x2=\"" + num(px(m.x)) + "\" y1=\"" + num(top) +
           "\" y2=\"" + num(bottom) + "\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>" +
           // Right of the line, or left of it when the label would leave the plot.
           (px(m.x) + 3 + 6.0 * static_cast<double>(m.label.size()) <= right
                ? text(px(m.x) + 3, top + 12, m.label, "start", " font-size=\"10\" fill=\"#555\"")
                : text(px(m.x) - 3, top + 12, m.label, "end", " font-size=\"10\" fill=\"#555\""));
  }
  out += text((left + right) / 2, c.height - 8.0, c.x_label, "middle");
  out += text(12, (top + bottom) / 2, c.y_label, "middle",
              (" transform=\"rotate(-90 12 " + num((top + bottom) / 2) + ")\"").c_str());
  for (std::size_t i = 0; i < c.series.size(); ++i) {
    std::string pts;
    for (const auto& [x, y] : c.series[i].points)
      if (std::isfinite(x) && std::isfinite(y)) {
        if (!pts.empty()) pts += ' ';
        pts += num(px(x));
        pts += ',';
        pts += num(py(y));
      }
    if (pts.empty()) continue;
    out += "<polyline class=\"series\" fill=\"none\" stroke-width=\"2\" stroke=\"" + std::string(chart_color(i)) +
           "\" points=\"" + pts + "\"><title>" + escape_html(c.series[i].name) + "</title></polyline>";
    if (c.series[i].points.size() == 1)  // a lone point would be invisible as a line
      out += "<circle cx=\"" + pts.substr(0, pts.find(',')) + "\" cy=\"" + pts.substr(pts.find(',') + 1) +
             "\" r=\"3\" fill=\"" + chart_color(i) + "\"/>";
  }
  return out + legend(names, right + 15, top + 10) + "</svg>";
}

std::string bar_chart_svg(const BarChart& c) {
  const double bar = 22, gap = 8;
  const int height = static_cast<int>(kTop + 10 + static_cast<double>(c.labels.size()) * (bar + gap) + kBottom);
  std::string out = open_svg(c.width, height, c.title);
  double most = 0;
  for (const auto& row : c.values) {
    double sum = 0;
    for (double v : row) sum += std::max(0.0, v);
    most = std::max(most, sum);
  }
  if (c.labels.empty()) return out + text(c.width / 2.0, height / 2.0, "no data", "middle") + "</svg>";
  const auto xt = nice_ticks(0, most > 0 ? most : 1);
  const double left = 160, right = c.width - kRight, top = kTop + 10, bottom = height - kBottom;
  auto px = [&](double x) { return left + x / xt.back() * (right - left); };
  for (double t : xt)
    out += "<line x1=\"" + num(px(t)) + "\" x2=\"" + num(px(t)) + "\" y1=\"" + num(top - 5) + "\" y2=\"" +
           num(bottom) + "\" stroke=\"#ddd\"/>" + text(px(t), bottom + 16, tick_label(t, false), "middle");
  for (std::size_t b = 0; b < c.labels.size(); ++b) {
    const double y = top + static_cast<double>(b) * (bar + gap);
    out += text(left - 6, y + bar / 2 + 4, c.labels[b], "end");
    double at = 0;
    for (std::size_t p = 0; p < c.values[b].size(); ++p) {
      const double v = std::max(0.0, c.values[b][p]);
      out += "<rect class=\"bar\" x=\"" + num(px(at)) + "\" y=\"" + num(y) + "\" width=\"" + num(px(at + v) - px(at)) +
             "\" height=\"" + num(bar) + "\" fill=\"" + chart_color(p) + "\"><title>" + escape_html(c.labels[b]) +
             (p < c.parts.size() ? std::string(" ") + escape_html(c.parts[p]) : std::string()) + ": " + tick_label(v, false) +
             "</title></rect>";
      at += v;
    }
  }
  out += text((left + right) / 2, height - 8.0, c.x_label, "middle");
  return out + legend(c.parts, right + 15, top + 10) + "</svg>";
}

}  // namespace treerec
