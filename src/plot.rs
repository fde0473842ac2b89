//! Charts with plotters, as SVG: saved next to a run's metrics, included by the book, and shown inline in
//! Jupyter notebooks (evcxr displays any value with an `evcxr_display` method).

use anyhow::{Context, Result};
use plotters::coord::combinators::BindKeyPoints;
use plotters::coord::ranged1d::AsRangedCoord;
use plotters::prelude::*;
use std::path::Path;

/// One line on a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Points `(x, y)` in order of x.
    pub points: Vec<(f64, f64)>,
    /// Draw dashed (for reference lines such as a baseline).
    pub dashed: bool,
    /// Mark every point with a dot (for a few points that matter, such as a turning point).
    pub markers: bool,
    /// Draw in palette colour `i` rather than the series' own position's, so that related lines (a model's
    /// two formats, say) share one colour.
    pub color: Option<usize>,
}

impl Series {
    /// A solid line.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
            dashed: false,
            markers: false,
            color: None,
        }
    }

    /// Points drawn as dots only, e.g. where a run turned or diverged.
    pub fn points(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
            dashed: false,
            markers: true,
            color: None,
        }
    }

    /// The same series, drawn dashed.
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }

    /// A dashed horizontal line at `y` from `x0` to `x1`: a baseline such as the uniform model's ln V.
    pub fn horizontal(label: impl Into<String>, y: f64, x0: f64, x1: f64) -> Self {
        Series {
            label: label.into(),
            points: vec![(x0, y), (x1, y)],
            dashed: true,
            markers: false,
            color: None,
        }
    }

    /// The same series, in palette colour `i` (see [`color`]).
    pub fn colored(mut self, i: usize) -> Self {
        self.color = Some(i);
        self
    }
}

/// A finished chart: SVG text.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    svg: String,
}

/// The fonts a chart with Chinese text names, most wanted first: the common Simplified Chinese faces of
/// Linux, macOS and Windows, then the reader's sans-serif. Named, never shipped: nothing is downloaded.
pub const CJK_FONTS: &str =
    "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif";

impl Figure {
    /// A chart from the SVG plotters drew. A chart with Chinese text names Chinese fonts before the plain
    /// `sans-serif` ([`CJK_FONTS`]), so its characters are drawn by a face made for them wherever one is
    /// installed; a chart without any stays exactly as drawn.
    pub fn from_svg(svg: String) -> Self {
        let svg = if svg.chars().any(crate::generate::is_cjk) {
            svg.replace(
                "font-family=\"sans-serif\"",
                &format!("font-family=\"{CJK_FONTS}\""),
            )
        } else {
            svg
        };
        Figure { svg }
    }

    /// The SVG document.
    pub fn svg(&self) -> &str {
        &self.svg
    }

    /// Write the SVG to `path`.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::run::write_atomic(path, self.svg.as_bytes())
    }

    /// Show the chart inline in a Jupyter notebook running the evcxr kernel. evcxr keeps only a cell's last
    /// display, so show one figure per cell.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT image/svg+xml\n{}\nEVCXR_END_CONTENT",
            self.svg
        );
    }
}

const SIZE: (u32, u32) = (760, 440);

/// The colour of the `i`-th series (a colour-blind-safe palette).
pub fn color(i: usize) -> RGBColor {
    const PALETTE: [RGBColor; 8] = [
        RGBColor(0, 114, 178),
        RGBColor(213, 94, 0),
        RGBColor(0, 158, 115),
        RGBColor(204, 121, 167),
        RGBColor(230, 159, 0),
        RGBColor(86, 180, 233),
        RGBColor(120, 120, 120),
        RGBColor(0, 0, 0),
    ];
    PALETTE[i % PALETTE.len()]
}

fn bounds(series: &[Series]) -> ((f64, f64), (f64, f64)) {
    let points = series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|(x, y)| x.is_finite() && y.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    if x0 > x1 {
        return ((0.0, 1.0), (0.0, 1.0));
    }
    let pad = ((y1 - y0) * 0.05).max(1e-3);
    ((x0, x1.max(x0 + 1e-9)), (y0 - pad, y1 + pad))
}

/// A chart on an SVG backend over coordinates `X × Y` (plain or logarithmic axes of numbers).
type Chart<'a, 'b, X, Y> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<X, Y>>;

/// Render one titled chart over `x × y` to SVG text; `draw` fills in the mesh and the series.
fn render<X, Y>(
    title: &str,
    x: X,
    y: Y,
    legend: SeriesLabelPosition,
    draw: impl FnOnce(&mut Chart<X::CoordDescType, Y::CoordDescType>) -> Result<()>,
) -> Result<Figure>
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
{
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(x, y)?;
        draw(&mut chart)?;
        chart
            .configure_series_labels()
            .position(legend)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
        root.present().context("cannot render the chart")?;
    }
    Ok(Figure::from_svg(svg))
}

// ANCHOR: line_chart
/// A line chart of several series sharing axes, e.g. the train and validation loss of two models.
pub fn line_chart(title: &str, x_label: &str, y_label: &str, series: &[Series]) -> Result<Figure> {
    let ((x0, x1), (y0, y1)) = bounds(series);
    render(
        title,
        x0..x1,
        y0..y1,
        legend_position(series, y0, y1),
        |chart| {
            chart
                .configure_mesh()
                .x_desc(x_label)
                .y_desc(y_label)
                .x_label_formatter(&tick)
                .y_label_formatter(&tick)
                .light_line_style(WHITE)
                .draw()?;
            draw_series(chart, series)
        },
    )
}
// ANCHOR_END: line_chart

/// Where the legend hides the least: the upper right corner, unless most lines end in the upper half of the
/// chart (a rising accuracy curve), then the lower right.
fn legend_position(series: &[Series], y0: f64, y1: f64) -> SeriesLabelPosition {
    let ends: Vec<f64> = series
        .iter()
        .filter_map(|s| s.points.last().map(|p| p.1))
        .collect();
    let high = ends.iter().filter(|&&y| y > (y0 + y1) / 2.0).count();
    if high * 2 > ends.len() {
        SeriesLabelPosition::LowerRight
    } else {
        SeriesLabelPosition::UpperRight
    }
}

/// Draw each series in its colour: a line, a dashed line or dots, with its legend entry.
fn draw_series<X, Y>(chart: &mut Chart<X, Y>, series: &[Series]) -> Result<()>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for (i, s) in series.iter().enumerate() {
        let style = ShapeStyle::from(color(s.color.unwrap_or(i))).stroke_width(2);
        let points = s
            .points
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite());
        let drawn = if s.markers {
            chart.draw_series(points.map(|p| Circle::new(p, 5, style.filled())))?
        } else if s.dashed {
            chart.draw_series(DashedLineSeries::new(points, 6, 4, style))?
        } else {
            chart.draw_series(LineSeries::new(points, style))?
        };
        let drawn = drawn.label(s.label.as_str());
        if s.markers {
            drawn.legend(move |(x, y)| Circle::new((x + 9, y), 5, style.filled()));
        } else {
            drawn.legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        }
    }
    Ok(())
}

/// An axis tick: whole numbers without decimals (`200`, not `200.0`), others with up to three decimals.
fn tick(v: &f64) -> String {
    if v.abs() < 1e-9 {
        "0".into() // not "-0" for a tick a rounding error below zero
    } else if v.fract().abs() < 1e-9 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// How a token is labelled on a chart axis: visible stand-ins for space and newline.
pub fn token_label(token: &str) -> String {
    token.replace(' ', "␣").replace('\n', "⏎")
}

/// A grouped bar chart: one group of bars per category (e.g. a candidate next token), one bar per series
/// (e.g. a temperature), heights in `values[series][category]`. Categories are written as given (pass tokens
/// through [`token_label`] to make spaces and newlines visible).
pub fn bar_chart(
    title: &str,
    y_label: &str,
    categories: &[String],
    series: &[(String, Vec<f64>)],
) -> Result<Figure> {
    let y_max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0, f64::max)
        .max(1e-9)
        * (1.1 + 0.1 * series.len() as f64); // headroom: the legend sits above the bars
    let n = categories.len();
    let label = |x: &f64| {
        let i = x.round();
        let on_tick = (x - i).abs() < 1e-6 && i >= 0.0;
        if on_tick {
            categories.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    render(
        title,
        -0.5..(n as f64 - 0.5),
        0.0..y_max,
        SeriesLabelPosition::UpperRight,
        |chart| {
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(n.max(1) * 2 + 1)
                .x_label_formatter(&label)
                .y_desc(y_label)
                .draw()?;
            let width = 0.8 / series.len().max(1) as f64;
            for (s, (name, values)) in series.iter().enumerate() {
                let c = color(s);
                let bars = values.iter().enumerate().map(move |(i, &v)| {
                    let left = i as f64 - 0.4 + s as f64 * width;
                    Rectangle::new([(left, 0.0), (left + width * 0.95, v)], c.filled())
                });
                chart
                    .draw_series(bars)?
                    .label(name.as_str())
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled())
                    });
            }
            Ok(())
        },
    )
}

/// A tick label on a logarithmic axis, whose ticks are 1, 2 or 5 times a power of ten: `0.005`, `20`,
/// `500k`, `2M`, `10G`, `5T`.
fn log_tick(v: &f64) -> String {
    let plain = |x: f64| format!("{}", (x * 1e6).round() / 1e6);
    match v.abs() {
        a if a >= 1e12 => format!("{}T", plain(v / 1e12)),
        a if a >= 1e9 => format!("{}G", plain(v / 1e9)),
        a if a >= 1e6 => format!("{}M", plain(v / 1e6)),
        a if a >= 1e3 => format!("{}k", plain(v / 1e3)),
        _ => plain(*v),
    }
}

/// Tick values for a logarithmic axis over `lo..hi`: 1, 2 and 5 times the powers of ten inside it (only the
/// powers of ten when that would crowd the axis).
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let within = |v: &f64| (lo..=hi).contains(v);
    let ticks: Vec<f64> = (first..=last)
        .flat_map(|k| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(k)))
        .filter(within)
        .collect();
    if ticks.len() <= 10 {
        ticks
    } else {
        (first..=last)
            .map(|k| 10f64.powi(k))
            .filter(within)
            .collect()
    }
}

/// A line chart with both axes logarithmic, for quantities that grow as powers: forward time against
/// context length, loss against parameters. A power law `y = a·xᵏ` is a straight line of slope `k` here.
/// Points with a coordinate ≤ 0 are left out.
pub fn log_log_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<Figure> {
    let positive: Vec<Series> = series
        .iter()
        .map(|s| Series {
            points: s
                .points
                .iter()
                .copied()
                .filter(|(x, y)| *x > 0.0 && *y > 0.0)
                .collect(),
            ..s.clone()
        })
        .collect();
    let span = |coordinate: fn(&(f64, f64)) -> f64| {
        let values = positive
            .iter()
            .flat_map(|s| s.points.iter().map(coordinate));
        values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)))
    };
    let ((x0, x1), (y0, y1)) = match (span(|p| p.0), span(|p| p.1)) {
        ((x0, x1), (y0, y1)) if x0 <= x1 => ((x0, x1.max(x0 * 1.01)), (y0 / 1.25, y1 * 1.25)),
        _ => ((1.0, 10.0), (1.0, 10.0)), // nothing to draw
    };
    let logged: Vec<Series> = positive
        .iter()
        .map(|s| Series {
            points: s.points.iter().map(|&(x, y)| (x, y.ln())).collect(),
            ..s.clone()
        })
        .collect();
    let legend = legend_position(&logged, y0.ln(), y1.ln()); // "upper half" on the log axis
    render(
        title,
        (x0..x1).log_scale().with_key_points(log_ticks(x0, x1)),
        (y0..y1).log_scale().with_key_points(log_ticks(y0, y1)),
        legend,
        |chart| {
            chart
                .configure_mesh()
                .x_desc(x_label)
                .y_desc(y_label)
                .x_label_formatter(&log_tick)
                .y_label_formatter(&log_tick)
                .light_line_style(WHITE)
                .draw()?;
            draw_series(chart, &positive)
        },
    )
}

// ANCHOR: heatmaps
/// Attention maps as heat maps side by side, one panel per `(title, weights)`: `weights[i][j]` is how much
/// the token in row `i` attends to the token in column `j` (0 white, 1 dark blue). `tokens` label both axes.
pub fn heatmaps(
    title: &str,
    tokens: &[String],
    panels: &[(String, Vec<Vec<f64>>)],
) -> Result<Figure> {
    let cols = panels.len().clamp(1, 2);
    let rows = panels.len().div_ceil(cols).max(1);
    let panel_px = 420u32;
    let mut svg = String::new();
    {
        let size = (panel_px * cols as u32, panel_px * rows as u32 + 40);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(title, ("sans-serif", 20))?;
        let n = tokens.len();
        let label = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 {
                tokens
                    .get(i as usize)
                    .map(|t| token_label(t))
                    .unwrap_or_default()
            } else {
                String::new()
            }
        };
        for (area, (name, weights)) in root.split_evenly((rows, cols)).iter().zip(panels) {
            let span = n as f64 - 0.5;
            let mut chart = ChartBuilder::on(area)
                .caption(name, ("sans-serif", 15))
                .margin(8)
                .x_label_area_size(50)
                .y_label_area_size(60)
                .build_cartesian_2d(-0.5..span, span..-0.5)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(2 * n + 1)
                .y_labels(2 * n + 1)
                .x_label_formatter(&label)
                .y_label_formatter(&label)
                .x_label_style(("sans-serif", 11))
                .y_label_style(("sans-serif", 11))
                .draw()?;
            let cells = weights.iter().enumerate().flat_map(|(i, row)| {
                row.iter().enumerate().map(move |(j, &w)| {
                    let (x, y) = (j as f64, i as f64);
                    let shade = |c: u8| (255.0 - w.clamp(0.0, 1.0) * (255.0 - c as f64)) as u8;
                    let fill = RGBColor(shade(8), shade(48), shade(107));
                    Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], fill.filled())
                })
            });
            chart.draw_series(cells)?;
        }
        root.present().context("cannot render the chart")?;
    }
    Ok(Figure::from_svg(svg))
}
// ANCHOR_END: heatmaps
