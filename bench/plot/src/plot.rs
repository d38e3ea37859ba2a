//! The latency plot (`latency.png`): the fraction of wake-ups slower than x
//! (complementary CDF, log-log) of rpoll, cref and timerfd, from the guest's
//! log-binned histograms: the latency test (1 reader) and the scaling test
//! with 8 and 64 readers.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use serde_json::{json, Value};

use crate::{find, num};

const COLORS: [(&str, RGBColor); 3] = [
    ("rpoll", RGBColor(214, 39, 40)),
    ("cref", RGBColor(31, 119, 180)),
    ("timerfd", RGBColor(44, 160, 44)),
];

/// Points (latency in us, fraction of samples at or above it) of the
/// complementary CDF of a sparse histogram `[[bin, count], ...]`.
fn ccdf(hist: &Value, bins_per_decade: f64) -> Vec<(f64, f64)> {
    let bins: Vec<(f64, f64)> = hist
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|b| Some((b.get(0)?.as_f64()?, b.get(1)?.as_f64()?)))
                .collect()
        })
        .unwrap_or_default();
    let total: f64 = bins.iter().map(|b| b.1).sum();
    if total == 0.0 {
        return Vec::new();
    }
    let mut above = total;
    let mut pts = Vec::with_capacity(bins.len() * 2);
    for (bin, count) in bins {
        let lo = 10f64.powf(bin / bins_per_decade) / 1000.0;
        let hi = 10f64.powf((bin + 1.0) / bins_per_decade) / 1000.0;
        pts.push((lo, above / total));
        above -= count;
        // Keep the last point above zero for the log axis.
        pts.push((hi, (above / total).max(0.5 / total)));
    }
    pts
}

/// Draws the plot into `out`; `font` is a TrueType file for the text.
pub fn latency_png(doc: &Value, out: &Path, font: &Path) -> Result<(), String> {
    let bytes = std::fs::read(font).map_err(|e| format!("font {}: {e}", font.display()))?;
    // plotters keeps registered fonts for the life of the program.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    register_font("sans-serif", FontStyle::Normal, bytes)
        .map_err(|_| format!("font {}: not a usable TrueType font", font.display()))?;

    let g = &doc["guest"];
    let bpd = num(g, "/histogram_bins_per_decade").unwrap_or(50.0);
    let hz = |key: &str| 1e6 / num(g, key).unwrap_or(1e6).max(1.0);

    let root = BitMapBackend::new(out, (1500, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let title = format!(
        "Wake-up latency: fraction of wake-ups slower than x{}",
        if g.pointer("/config/quick").and_then(Value::as_bool) == Some(true) {
            " (QUICK run)"
        } else {
            ""
        }
    );
    let root = root
        .titled(&title, ("sans-serif", 22))
        .map_err(|e| e.to_string())?;
    let panels = root.split_evenly((1, 3));

    // One x range for all panels, so they compare at a glance.
    let mut x_max: f64 = 100.0;
    let mut curves = Vec::new();
    let panel_specs = [
        (
            "latency",
            1u64,
            format!(
                "1 reader, {:.0} Hz (test 1)",
                hz("/config/latency_period_us")
            ),
        ),
        (
            "scaling",
            8,
            format!("8 readers, {:.0} Hz", hz("/config/scaling_period_us")),
        ),
        (
            "scaling",
            64,
            format!("64 readers, {:.0} Hz", hz("/config/scaling_period_us")),
        ),
    ];
    for (list, n, caption) in panel_specs {
        let mut per = Vec::new();
        for (mech, color) in COLORS {
            if let Some(e) = find(&g[list], &[("mech", json!(mech)), ("readers", json!(n))]) {
                let pts = ccdf(&e["histogram"], bpd);
                if let Some(last) = pts.last() {
                    x_max = x_max.max(last.0);
                }
                per.push((mech, color, pts));
            }
        }
        curves.push((caption, per));
    }
    let x_max = 10f64.powf(x_max.log10().ceil());

    for (area, (caption, per)) in panels.iter().zip(curves) {
        let mut chart = ChartBuilder::on(area)
            .caption(caption, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((1f64..x_max).log_scale(), (1e-5f64..1.0).log_scale())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("latency (us)")
            .y_desc("fraction slower")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0e}"))
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(|e| e.to_string())?;
        for (mech, color, pts) in per {
            let pts: Vec<(f64, f64)> = pts
                .into_iter()
                .map(|(x, y)| (x.max(1.0), y.max(1e-5)))
                .collect();
            chart
                .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(mech)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ccdf_starts_at_one_and_falls() {
        let h = json!([[200, 3], [250, 1]]);
        let pts = ccdf(&h, 50.0);
        assert_eq!(pts.len(), 4);
        assert!((pts[0].1 - 1.0).abs() < 1e-9);
        assert!((pts[1].1 - 0.25).abs() < 1e-9);
        assert!(pts[3].1 > 0.0 && pts[3].1 < 0.25);
        // Bin 200 starts at 10^4 ns = 10 us.
        assert!((pts[0].0 - 10.0).abs() < 1e-9);
    }
}
