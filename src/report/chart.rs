// Charts as SVG text made on the server: no script, no chart library, no CDN; they print and
// scale. Each chart carries a title and a description for screen readers, and the pages show the
// same figures in a table beside it. Colours are fixed here so a saved SVG looks the same.

use crate::render::escape_html as esc;

const THIS: &str = "#1f4e5f";
const LAST: &str = "#9bb7c2";
const TARGET: &str = "#c77700";
const TEXT: &str = "#1a1a1a";
const GRID: &str = "#d0d7dc";

/// One series of a bar chart: its legend and one value per category.
pub struct Series<'a> {
    pub label: &'a str,
    pub values: Vec<i64>,
}

/// A round upper bound for an axis and its step: 0–137 becomes 0–150 by 50.
fn axis(max: i64) -> (i64, i64) {
    let max = max.max(1);
    let raw = max as f64 / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
        .max(1.0)
        .ceil() as i64;
    (step * ((max + step - 1) / step), step)
}

fn open(w: u32, h: u32, id: &str, title: &str, desc: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" class=\"chart\" font-family=\"system-ui, sans-serif\" font-size=\"12\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        esc(title),
        esc(desc)
    )
}

/// Vertical bars, one group per category (the months), one bar per series (last year, this
/// year).
pub fn grouped_bars(id: &str, title: &str, desc: &str, categories: &[String], series: &[Series]) -> String {
    let (w, h, left, bottom, top) = (720u32, 260u32, 48.0, 40.0, 28.0);
    let plot_w = f64::from(w) - left - 8.0;
    let plot_h = f64::from(h) - bottom - top;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0);
    let (top_value, step) = axis(max);
    let y = |v: i64| top + plot_h - plot_h * v as f64 / top_value as f64;
    let mut s = open(w, h, id, title, desc);
    let mut v = 0;
    while v <= top_value {
        s += &format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{GRID}\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{TEXT}\">{v}</text>",
            f64::from(w) - 8.0,
            left - 6.0,
            y(v) + 4.0,
            y = y(v)
        );
        v += step;
    }
    let n = categories.len().max(1) as f64;
    let group = plot_w / n;
    let bar = (group * 0.8 / series.len().max(1) as f64).min(28.0);
    let colours = [LAST, THIS, TARGET];
    for (i, cat) in categories.iter().enumerate() {
        let x0 = left + group * i as f64 + (group - bar * series.len() as f64) / 2.0;
        for (k, ser) in series.iter().enumerate() {
            let val = ser.values.get(i).copied().unwrap_or(0);
            let (x, yy) = (x0 + bar * k as f64, y(val));
            s += &format!(
                "<rect x=\"{x:.1}\" y=\"{yy:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {}</title></rect>",
                bar - 1.0,
                top + plot_h - yy,
                colours[k % colours.len()],
                esc(&format!("{} {cat}", ser.label)),
                val
            );
        }
        s += &format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{TEXT}\">{}</text>",
            left + group * (i as f64 + 0.5),
            top + plot_h + 16.0,
            esc(cat)
        );
    }
    s += &legend(
        series
            .iter()
            .enumerate()
            .map(|(k, s)| (s.label, colours[k % colours.len()])),
        left,
        14.0,
    );
    s + "</svg>"
}

fn legend<'a>(items: impl Iterator<Item = (&'a str, &'a str)>, mut x: f64, y: f64) -> String {
    let mut s = String::new();
    for (label, colour) in items {
        s += &format!(
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"{TEXT}\">{}</text>",
            y - 10.0,
            x + 16.0,
            y,
            esc(label)
        );
        x += 24.0 + 7.0 * label.chars().count() as f64;
    }
    s
}

/// Horizontal bars with their values: visitor types, purposes, schools, objects.
pub fn hbars(id: &str, title: &str, desc: &str, rows: &[(String, i64)]) -> String {
    let row_h = 24.0;
    let (w, label_w) = (720.0, 260.0);
    let h = row_h * rows.len().max(1) as f64 + 8.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let mut s = open(w as u32, h as u32, id, title, desc);
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let len = (w - label_w - 70.0) * *v as f64 / max;
        let shown: String = if label.chars().count() > 38 {
            label.chars().take(37).chain(['…']).collect()
        } else {
            label.clone()
        };
        s += &format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{TEXT}\">{}</text><rect x=\"{label_w}\" y=\"{:.1}\" width=\"{len:.1}\" height=\"{:.1}\" fill=\"{THIS}\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"{TEXT}\">{v}</text>",
            label_w - 8.0,
            y + 15.0,
            esc(&shown),
            y + 3.0,
            row_h - 6.0,
            label_w + len + 6.0,
            y + 15.0,
        );
    }
    s + "</svg>"
}

/// Last year's and this year's study visitors as two bars, with the band this year must reach
/// to meet the province's target (its lower and upper growth bound over last year).
pub fn against_target(
    id: &str,
    title: &str,
    desc: &str,
    (last_label, last): (&str, i64),
    (this_label, this): (&str, i64),
    target: Option<(&str, i64, i64)>,
) -> String {
    let (w, h, left, top, bottom) = (360.0, 240.0, 48.0, 28.0, 36.0);
    let plot_h = h - top - bottom;
    let max = [last, this, target.map(|t| t.2).unwrap_or(0)]
        .into_iter()
        .max()
        .unwrap_or(0);
    let (top_value, step) = axis(max);
    let y = |v: i64| top + plot_h - plot_h * v as f64 / top_value as f64;
    // A small chart: drawn at its own size, not stretched across the page.
    let mut s = open(w as u32, h as u32, id, title, desc).replacen(
        "class=\"chart\"",
        "class=\"chart chart-small\"",
        1,
    );
    let mut v = 0;
    while v <= top_value {
        s += &format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"{GRID}\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{TEXT}\">{v}</text>",
            w - 8.0,
            left - 6.0,
            y(v) + 4.0,
            yy = y(v)
        );
        v += step;
    }
    for (i, (label, val, colour)) in [(last_label, last, LAST), (this_label, this, THIS)]
        .into_iter()
        .enumerate()
    {
        let x = left + 30.0 + 130.0 * i as f64;
        s += &format!(
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"80\" height=\"{:.1}\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{TEXT}\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{TEXT}\" font-weight=\"bold\">{val}</text>",
            y(val),
            top + plot_h - y(val),
            x + 40.0,
            top + plot_h + 16.0,
            esc(label),
            x + 40.0,
            y(val) - 4.0,
        );
    }
    if let Some((label, lo, hi)) = target {
        let x = left + 20.0 + 130.0;
        let (y_hi, y_lo) = (y(hi), y(lo));
        s += &format!(
            "<rect x=\"{x:.1}\" y=\"{y_hi:.1}\" width=\"100\" height=\"{:.1}\" fill=\"{TARGET}\" fill-opacity=\"0.25\" stroke=\"{TARGET}\" stroke-dasharray=\"4 3\"/><line x1=\"{x:.1}\" x2=\"{:.1}\" y1=\"{y_lo:.1}\" y2=\"{y_lo:.1}\" stroke=\"{TARGET}\" stroke-width=\"2\"/>",
            (y_lo - y_hi).max(2.0),
            x + 100.0,
        );
        s += &legend([(label, TARGET)].into_iter(), left, 14.0);
    }
    s + "</svg>"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_round() {
        assert_eq!(axis(137), (150, 50));
        assert_eq!(axis(0), (1, 1));
        assert_eq!(axis(4), (4, 1));
        assert_eq!(axis(1000), (1000, 250));
    }

    #[test]
    fn charts_escape_labels_and_scale_bars() {
        let svg = hbars("t", "A <b>", "d", &[("Trường <x>".into(), 10), ("B".into(), 5)]);
        assert!(svg.contains("A &lt;b&gt;") && svg.contains("Trường &lt;x&gt;"));
        assert!(!svg.contains("<b>") && !svg.contains("<x>"));
        let w = |svg: &str, n: usize| -> f64 {
            let part = svg.split("<rect").nth(n).unwrap();
            part.split("width=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        assert!(
            (w(&svg, 1) - 2.0 * w(&svg, 2)).abs() < 0.2,
            "bars proportional to values"
        );
        let g = grouped_bars(
            "m",
            "t",
            "d",
            &["01".into(), "02".into()],
            &[
                Series {
                    label: "2025",
                    values: vec![1, 2],
                },
                Series {
                    label: "2026",
                    values: vec![3, 0],
                },
            ],
        );
        assert_eq!(g.matches("<rect").count(), 4 + 2, "4 bars and 2 legend keys");
    }
}
