// Charts as inline SVG for the experiment's HTML report: a line chart (one polyline per
// series, x and y axes with round ticks, a legend) and a horizontal bar chart with stacked
// parts. Pure functions of their input: no script, no fonts beyond the page's, no network.
#pragma once

#include <string>
#include <vector>

namespace treerec {

struct ChartSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), drawn in this order
};

// A labelled vertical dashed line across the plot, e.g. where a tree-learning round starts.
struct ChartMark {
  double x = 0;
  std::string label;
};

struct LineChart {
  std::string title, x_label, y_label;
  std::vector<ChartSeries> series;
  std::vector<ChartMark> marks;  // drawn when inside the x axis' range
  bool y_percent = false;  // y values are fractions shown as percentages on the axis
  bool x_integer = false;  // x values are counts (epochs, rounds): ticks on whole numbers only
  int width = 700, height = 360;
};

struct BarChart {
  std::string title, x_label;
  std::vector<std::string> labels;            // one bar per label, top to bottom
  std::vector<std::string> parts;             // names of the stacked parts (legend)
  std::vector<std::vector<double>> values;    // values[bar][part] >= 0
  int width = 700;
};

// Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten, about
// `target` of them; the first tick <= lo and the last >= hi. lo == hi is widened.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

// The color of series i (a fixed palette, repeated).
const char* chart_color(std::size_t i);

// Escapes &, <, >, " and ' for HTML and SVG text.
std::string escape_html(const std::string& text);

// An <svg> element. The plot area is [75, width - 190] x [30, height - 45] (legend on the
// right); x and y map linearly from the first to the last tick of nice_ticks over the data.
// A chart without points says "no data" instead. Marks are dashed lines with their label at
// the top of the plot, just right of the line (left of it when it would leave the plot).
std::string line_chart_svg(const LineChart& chart);
std::string bar_chart_svg(const BarChart& chart);

}  // namespace treerec
