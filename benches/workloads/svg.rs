//! A small dependency-free SVG writer for the charts of BENCHMARKS.md: a line chart
//! (a figure against the worker count, one line per runtime) and a grouped bar chart
//! on a log axis (goro's ratio to each peer, 1 = as fast).
use std::fmt::Write;

/// A runtime's colour in every chart.
pub fn colour(rt: &str) -> &'static str {
    match rt {
        "goro" => "#e4572e",
        "tokio" => "#1f6fb4",
        "smol" => "#3a9d23",
        "go" => "#00a3c7",
        _ => "#777777",
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

struct Doc {
    s: String,
}

impl Doc {
    fn new(w: f64, h: f64) -> Doc {
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
        );
        let _ = write!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
        Doc { s }
    }
    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, width: f64) {
        let _ = write!(
            self.s,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{stroke}" stroke-width="{width}"/>"#
        );
    }
    fn text(&mut self, x: f64, y: f64, anchor: &str, size: f64, t: &str) {
        let _ = write!(
            self.s,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-size="{size}">{}</text>"#,
            esc(t)
        );
    }
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str) {
        let _ = write!(
            self.s,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{fill}"/>"#
        );
    }
    fn circle(&mut self, x: f64, y: f64, fill: &str) {
        let _ = write!(
            self.s,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{fill}"/>"#
        );
    }
    fn legend(&mut self, x: f64, y: f64, names: &[&str]) {
        for (i, n) in names.iter().enumerate() {
            let lx = x + i as f64 * 80.0;
            self.rect(lx, y - 9.0, 12.0, 10.0, colour(n));
            self.text(lx + 16.0, y, "start", 12.0, n);
        }
    }
    fn finish(mut self) -> String {
        self.s.push_str("</svg>\n");
        self.s
    }
}

/// A "nice" axis maximum at or above `v`: 1, 2 or 5 times a power of ten.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|&c| c >= v)
        .unwrap_or(10.0 * p)
}

/// Line chart: x = worker counts (evenly spaced), one series per runtime with its
/// median at each count (`None`: not measured), y from 0.
pub fn line_chart(
    title: &str,
    unit: &str,
    workers: &[usize],
    series: &[(&str, Vec<Option<f64>>)],
) -> String {
    let (w, h) = (520.0, 320.0);
    let (l, r, t, b) = (64.0, 16.0, 48.0, 64.0);
    let (pw, ph) = (w - l - r, h - t - b);
    let ymax = nice_max(
        series
            .iter()
            .flat_map(|(_, v)| v.iter().flatten())
            .fold(0.0, |a: f64, &b| a.max(b)),
    );
    let mut d = Doc::new(w, h);
    d.text(w / 2.0, 20.0, "middle", 14.0, title);
    let x_at = |i: usize| {
        l + if workers.len() > 1 {
            pw * i as f64 / (workers.len() - 1) as f64
        } else {
            pw / 2.0
        }
    };
    let y_at = |v: f64| t + ph - ph * v / ymax;
    for k in 0..=4 {
        let v = ymax * k as f64 / 4.0;
        d.line(l, y_at(v), l + pw, y_at(v), "#dddddd", 1.0);
        d.text(
            l - 6.0,
            y_at(v) + 4.0,
            "end",
            11.0,
            &super::harness::fmt_num(v),
        );
    }
    for (i, wk) in workers.iter().enumerate() {
        d.text(x_at(i), t + ph + 16.0, "middle", 11.0, &wk.to_string());
    }
    d.text(
        l + pw / 2.0,
        t + ph + 32.0,
        "middle",
        12.0,
        "workers (GOMAXPROCS)",
    );
    d.text(14.0, t - 10.0, "start", 11.0, unit);
    d.line(l, t + ph, l + pw, t + ph, "#333333", 1.0);
    for (name, vals) in series {
        let pts: Vec<(f64, f64)> = vals
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (x_at(i), y_at(v))))
            .collect();
        for p in pts.windows(2) {
            d.line(p[0].0, p[0].1, p[1].0, p[1].1, colour(name), 2.0);
        }
        for (x, y) in pts {
            d.circle(x, y, colour(name));
        }
    }
    let names: Vec<&str> = series.iter().map(|(n, _)| *n).collect();
    d.legend(l, h - 10.0, &names);
    d.finish()
}

/// One workload of the ratio chart: its id and goro's ratio to each peer.
pub type Group<'a> = (String, Vec<(&'a str, Option<f64>)>);

/// Grouped bars on a log axis: for each workload, goro's ratio to each peer;
/// a bar goes up when goro is slower (> 1), down when it is faster.
pub fn ratio_chart(title: &str, groups: &[Group]) -> String {
    let (l, r, t, b) = (56.0, 16.0, 52.0, 56.0);
    let gw = 54.0;
    let w = l + r + gw * groups.len().max(1) as f64;
    let h = 340.0;
    let ph = h - t - b;
    let all: Vec<f64> = groups
        .iter()
        .flat_map(|(_, v)| v.iter().filter_map(|(_, x)| *x))
        .collect();
    let ext = all.iter().map(|x| x.log10().abs()).fold(0.0f64, f64::max);
    let lim = ext.ceil().max(1.0); // decades above and below 1
    let y_at = |ratio: f64| t + ph / 2.0 - (ratio.log10() / lim) * (ph / 2.0);
    let mut d = Doc::new(w, h);
    d.text(w / 2.0, 20.0, "middle", 14.0, title);
    let mut k = -lim;
    while k <= lim + 1e-9 {
        for m in [1.0, 2.0, 5.0] {
            let v = 10f64.powf(k) * m;
            if v.log10() > lim + 1e-9 || (m > 1.0 && k >= lim) {
                continue;
            }
            let major = m == 1.0;
            d.line(
                l,
                y_at(v),
                w - r,
                y_at(v),
                if major { "#cccccc" } else { "#eeeeee" },
                1.0,
            );
            let label = if v >= 1.0 {
                format!("{v:.0}x")
            } else {
                format!("{v}x")
            };
            d.text(l - 6.0, y_at(v) + 4.0, "end", 10.0, &label);
        }
        k += 1.0;
    }
    d.line(l, y_at(1.0), w - r, y_at(1.0), "#333333", 1.5);
    for (gi, (name, bars)) in groups.iter().enumerate() {
        let gx = l + gi as f64 * gw;
        let bw = (gw - 12.0) / bars.len().max(1) as f64;
        for (bi, (peer, v)) in bars.iter().enumerate() {
            if let Some(v) = v {
                let (y0, y1) = (y_at(1.0), y_at(*v));
                d.rect(
                    gx + 6.0 + bi as f64 * bw,
                    y0.min(y1),
                    bw - 1.0,
                    (y1 - y0).abs().max(1.0),
                    colour(peer),
                );
            }
        }
        d.text(gx + gw / 2.0, h - b + 16.0, "middle", 11.0, name);
    }
    d.text(
        w / 2.0,
        38.0,
        "middle",
        11.0,
        "goro / peer, log scale: below 1, goro is faster",
    );
    let names: Vec<&str> = groups
        .first()
        .map(|(_, v)| v.iter().map(|(n, _)| *n).collect())
        .unwrap_or_default();
    let legend: Vec<String> = names.iter().map(|n| format!("vs {n}")).collect();
    for (i, n) in names.iter().enumerate() {
        let lx = l + i as f64 * 90.0;
        d.rect(lx, h - 19.0, 12.0, 10.0, colour(n));
        d.text(lx + 16.0, h - 10.0, "start", 12.0, &legend[i]);
    }
    d.finish()
}
