//! Charts with plotters, as SVG: saved next to a run's metrics, included by the book, and shown inline in
//! Jupyter notebooks (evcxr displays any value with an `evcxr_display` method).

use anyhow::{Context, Result};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::ops::Range;
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
}

impl Series {
    /// A solid line.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
            dashed: false,
            markers: false,
        }
    }

    /// Points drawn as dots only, e.g. where a run turned or diverged.
    pub fn points(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
            dashed: false,
            markers: true,
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
        }
    }
}

/// A finished chart: SVG text.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    svg: String,
}

impl Figure {
    /// The SVG document.
    pub fn svg(&self) -> &str {
        &self.svg
    }

    /// Write the SVG to `path`.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::run::write_atomic(path, self.svg.as_bytes())
    }

    /// Show the chart inline in a Jupyter notebook running the evcxr kernel.
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

/// A chart whose axes are both plain numbers.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Render one titled chart over `x × y` to SVG text; `draw` fills in the mesh and the series.
fn render(
    title: &str,
    x: Range<f64>,
    y: Range<f64>,
    draw: impl FnOnce(&mut Chart) -> Result<()>,
) -> Result<Figure> {
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
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
        root.present().context("cannot render the chart")?;
    }
    Ok(Figure { svg })
}

// ANCHOR: line_chart
/// A line chart of several series sharing axes, e.g. the train and validation loss of two models.
pub fn line_chart(title: &str, x_label: &str, y_label: &str, series: &[Series]) -> Result<Figure> {
    let ((x0, x1), (y0, y1)) = bounds(series);
    render(title, x0..x1, y0..y1, |chart| {
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .light_line_style(WHITE)
            .draw()?;
        for (i, s) in series.iter().enumerate() {
            let style = ShapeStyle::from(color(i)).stroke_width(2);
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
    })
}
// ANCHOR_END: line_chart

/// An axis tick: whole numbers without decimals (`200`, not `200.0`), others with up to three decimals.
fn tick(v: &f64) -> String {
    if v.fract().abs() < 1e-9 && v.abs() < 1e15 {
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
/// (e.g. a temperature), heights in `values[series][category]`.
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
        * 1.1;
    let n = categories.len();
    let label = |x: &f64| {
        let i = x.round();
        let on_tick = (x - i).abs() < 1e-6 && i >= 0.0;
        if on_tick {
            categories
                .get(i as usize)
                .map(|c| token_label(c))
                .unwrap_or_default()
        } else {
            String::new()
        }
    };
    render(title, -0.5..(n as f64 - 0.5), 0.0..y_max, |chart| {
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
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
        }
        Ok(())
    })
}
