// The report's SVG charts: round ticks, points mapped onto known axes, escaping.
#include <gtest/gtest.h>

#include "treerec/experiment/svg_chart.h"

namespace treerec {
namespace {

void expect_ticks(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << i;
}

TEST(SvgChart, NiceTicks) {
  expect_ticks(nice_ticks(0, 1), {0, 0.2, 0.4, 0.6, 0.8, 1});
  expect_ticks(nice_ticks(10, 200), {0, 50, 100, 150, 200});
  expect_ticks(nice_ticks(3, 97, 4), {0, 50, 100});   // step 23.5 rounds up to 50
  expect_ticks(nice_ticks(0.004, 0.0123), {0.004, 0.006, 0.008, 0.01, 0.012, 0.014});
  const auto t = nice_ticks(5, 5);  // a single value is widened
  EXPECT_LT(t.front(), 5);
  EXPECT_GT(t.back(), 5);
}

TEST(SvgChart, LinePointsLandOnTheAxes) {
  LineChart c;
  c.title = "T";
  c.width = 525;   // plot x: [75, 335]
  c.height = 275;  // plot y: [30, 230]
  c.series = {{"a", {{0, 0}, {100, 1}}}, {"b<&>", {{50, 0.5}}}};
  const std::string svg = line_chart_svg(c);
  // x ticks 0..100, y ticks 0..1: (0,0) -> (75,230); (100,1) -> (335,30); (50,0.5) -> (205,130).
  EXPECT_NE(svg.find("points=\"75.0,230.0 335.0,30.0\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("points=\"205.0,130.0\""), std::string::npos);
  EXPECT_NE(svg.find("<circle cx=\"205.0\" cy=\"130.0\""), std::string::npos);  // a lone point stays visible
  EXPECT_NE(svg.find("b&lt;&amp;&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("b<&>"), std::string::npos);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find(">100</text>"), std::string::npos);  // the last x tick label
  EXPECT_EQ(svg.find("class=\"mark\""), std::string::npos);
  c.marks = {{50, "round 2"}, {150, "outside"}};
  const std::string marked = line_chart_svg(c);
  EXPECT_NE(marked.find("<line class=\"mark\" x1=\"205.0\" x2=\"205.0\" y1=\"30.0\" y2=\"230.0\""), std::string::npos)
      << marked;
  EXPECT_NE(marked.find(">round 2</text>"), std::string::npos);
  EXPECT_EQ(marked.find("outside"), std::string::npos);  // beyond the last x tick
  c.marks = {{100, "best epoch"}};  // at the right edge: the label goes left of the line
  EXPECT_NE(line_chart_svg(c).find("<text x=\"332.0\" y=\"42.0\" text-anchor=\"end\""), std::string::npos);
}

TEST(SvgChart, CountAxisTicksOnWholeNumbers) {
  LineChart c;
  c.series = {{"r", {{1, 0.5}, {2, 0.6}, {3, 0.7}}}};
  EXPECT_NE(line_chart_svg(c).find(">1.5</text>"), std::string::npos);  // nice_ticks' step of 0.5
  c.x_integer = true;
  const std::string svg = line_chart_svg(c);
  EXPECT_EQ(svg.find(">1.5</text>"), std::string::npos) << svg;
  EXPECT_EQ(svg.find(">2.5</text>"), std::string::npos);
  for (const char* tick : {">1</text>", ">2</text>", ">3</text>"}) EXPECT_NE(svg.find(tick), std::string::npos) << tick;
}

TEST(SvgChart, PercentAxisAndEmptyChart) {
  LineChart c;
  c.y_percent = true;
  c.series = {{"r", {{10, 0.05}, {20, 0.1}}}};
  EXPECT_NE(line_chart_svg(c).find(">10%</text>"), std::string::npos);
  LineChart empty;
  empty.series = {{"nothing", {}}};
  EXPECT_NE(line_chart_svg(empty).find("no data"), std::string::npos);
}

TEST(SvgChart, StackedBarsScaleToTheLongest) {
  BarChart c;
  c.width = 500;  // bars from x = 160 to 310: 150 px for the axis 0..10
  c.labels = {"a", "b"};
  c.parts = {"train", "retrieve"};
  c.values = {{6, 4}, {2, 0}};
  const std::string svg = bar_chart_svg(c);
  EXPECT_NE(svg.find("x=\"160.0\" y=\"40.0\" width=\"90.0\""), std::string::npos) << svg;   // a train: 6
  EXPECT_NE(svg.find("x=\"250.0\" y=\"40.0\" width=\"60.0\""), std::string::npos);          // a retrieve: 4
  EXPECT_NE(svg.find("x=\"160.0\" y=\"70.0\" width=\"30.0\""), std::string::npos);          // b train: 2
  EXPECT_NE(svg.find("<title>a retrieve: 4</title>"), std::string::npos);
}

}  // namespace
}  // namespace treerec
