//! `pvb report html`: one self-contained HTML page (no network, no scripts) with a chart of the
//! waiting-list length over time, a chart of each region's budget (allocated, reserved,
//! consumed), and the tables.
//!
//! It is not a web application: the page is static, with inline SVG charts and CSS.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use pvb::projection::{Filter, Projection, Projections};
use pvb_core::{ClientId, Date, Event, Money, Position, ProviderId, RegionId};

use crate::logs::LogSpec;
use crate::report;
use crate::Failure;

/// The waiting-list length per day: every listing counted from its choice date until the day it
/// ends (care started, choice or indication withdrawn).
#[derive(Default)]
pub struct Timeline {
    listed: HashMap<(ClientId, ProviderId), Date>,
    by_client: HashMap<ClientId, Vec<ProviderId>>,
    diff: BTreeMap<Date, i64>,
}

impl Timeline {
    fn end(&mut self, client: &ClientId, provider: ProviderId, on: Date) {
        if let Some(since) = self.listed.remove(&(client.clone(), provider)) {
            *self.diff.entry(on.max(since)).or_default() -= 1;
        }
    }

    fn end_all(&mut self, client: &ClientId, on: Date) {
        for provider in self.by_client.remove(client).unwrap_or_default() {
            self.end(client, provider, on);
        }
    }

    /// `(day, places on lists at the end of that day)` for every day from the first listing to
    /// `until`.
    pub fn series(&self, until: Date) -> Vec<(Date, i64)> {
        let Some((&first, _)) = self.diff.iter().next() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut level = 0;
        let mut day = first;
        let mut changes = self.diff.iter().peekable();
        while day <= until {
            while let Some((&d, &delta)) = changes.peek() {
                if d > day {
                    break;
                }
                level += delta;
                changes.next();
            }
            out.push((day, level));
            match day.next_day() {
                Some(next) => day = next,
                None => break,
            }
        }
        out
    }
}

impl Projection for Timeline {
    fn apply(&mut self, _position: Position, event: &Event) {
        match event {
            Event::ProviderChosen(e) => {
                let key = (e.client.clone(), e.provider);
                if let std::collections::hash_map::Entry::Vacant(slot) = self.listed.entry(key) {
                    slot.insert(e.on);
                    self.by_client
                        .entry(e.client.clone())
                        .or_default()
                        .push(e.provider);
                    *self.diff.entry(e.on).or_default() += 1;
                }
            }
            Event::ChoiceWithdrawn(e) => {
                self.end(&e.client, e.provider, e.on);
                if let Some(list) = self.by_client.get_mut(&e.client) {
                    list.retain(|p| *p != e.provider);
                }
            }
            Event::CareStarted(e) => self.end_all(&e.client, e.on),
            Event::IndicationWithdrawn(e) => self.end_all(&e.client, e.on),
            _ => {}
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn line_chart(series: &[(Date, i64)]) -> String {
    let (w, h, pad) = (900.0, 260.0, 40.0);
    let max = series.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let n = series.len().max(2) as f64 - 1.0;
    let mut points = String::new();
    for (i, (_, v)) in series.iter().enumerate() {
        let x = pad + (w - 2.0 * pad) * i as f64 / n;
        let y = h - pad - (h - 2.0 * pad) * (*v as f64) / max;
        let _ = write!(points, "{x:.1},{y:.1} ");
    }
    let first = series
        .first()
        .map(|(d, _)| d.to_string())
        .unwrap_or_default();
    let last = series
        .last()
        .map(|(d, _)| d.to_string())
        .unwrap_or_default();
    format!(
        r##"<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="waiting-list length over time">
<line x1="{pad}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/><line x1="{pad}" y1="{pad}" x2="{pad}" y2="{b}" stroke="#999"/>
<polyline fill="none" stroke="#1f6feb" stroke-width="2" points="{points}"/>
<text x="{pad}" y="{tb}" font-size="12">{first}</text><text x="{r}" y="{tb}" font-size="12" text-anchor="end">{last}</text>
<text x="{lx}" y="{pad}" font-size="12" text-anchor="end">{max}</text><text x="{lx}" y="{b}" font-size="12" text-anchor="end">0</text>
</svg>"##,
        b = h - pad,
        r = w - pad,
        tb = h - pad + 16.0,
        lx = pad - 4.0,
        max = max as i64,
    )
}

fn bar_chart(rows: &[(RegionId, [Money; 3])]) -> String {
    let (w, pad, row_h) = (900.0, 60.0, 42.0);
    let h = pad + row_h * rows.len() as f64 + 20.0;
    let max = rows
        .iter()
        .flat_map(|(_, v)| v.iter().map(|m| m.cents()))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let colors = ["#1f6feb", "#d29922", "#2da44e"];
    let mut body = String::new();
    for (i, (region, values)) in rows.iter().enumerate() {
        let y0 = 20.0 + row_h * i as f64;
        let _ = write!(
            body,
            r#"<text x="{x}" y="{y}" font-size="12" text-anchor="end">{region}</text>"#,
            x = pad - 6.0,
            y = y0 + 22.0
        );
        for (j, value) in values.iter().enumerate() {
            let width = (w - pad - 20.0) * value.cents().max(0) as f64 / max;
            let _ = write!(
                body,
                r#"<rect x="{pad}" y="{y:.1}" width="{width:.1}" height="11" fill="{c}"><title>{region} {name}: {value}</title></rect>"#,
                y = y0 + 4.0 + 12.0 * j as f64,
                c = colors[j],
                name = ["allocated", "reserved", "consumed"][j],
            );
        }
    }
    format!(
        r#"<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="budget per region">{body}</svg>
<p class="legend"><span style="color:{}">&#9632; allocated</span> <span style="color:{}">&#9632; reserved</span> <span style="color:{}">&#9632; consumed</span></p>"#,
        colors[0], colors[1], colors[2]
    )
}

fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for h in header {
        // Column names are the CSV's; a page shows them with spaces.
        let _ = write!(out, "<th>{}</th>", escape(&h.replace('_', " ")));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", escape(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// The page for the log at `spec` under `filter`.
pub fn page(spec: &LogSpec, projections: &Projections, filter: Filter) -> Result<String, Failure> {
    let mut log = spec.open_existing()?;
    let timeline = pvb::replay_log(&mut log, filter, Timeline::default())
        .map_err(|e| Failure::new(format!("log {}: {e}", spec.describe())))?
        .into_extra();
    let date = projections.reference_date();
    let series = date.map(|d| timeline.series(d)).unwrap_or_default();
    let budget_rows = projections.budget_rows();
    let year = budget_rows.iter().map(|r| r.year).max();
    let mut per_region: BTreeMap<RegionId, [Money; 3]> = BTreeMap::new();
    for r in budget_rows.iter().filter(|r| Some(r.year) == year) {
        let slot = per_region.entry(r.region).or_insert([Money::ZERO; 3]);
        for (i, m) in [r.allocated, r.reserved, r.consumed]
            .into_iter()
            .enumerate()
        {
            slot[i] = slot[i].checked_add(m).unwrap_or(slot[i]);
        }
    }
    let per_region: Vec<(RegionId, [Money; 3])> = per_region.into_iter().collect();
    let regions = projections.region_waiting();
    let region_cells: Vec<Vec<String>> = regions.iter().map(report::region_cells).collect();
    let budget_cells: Vec<Vec<String>> = budget_rows
        .iter()
        .map(|r| report::budget_cells(r, |m| m.to_string()))
        .collect();
    let when = match (date, filter.known_at) {
        (Some(d), Some(p)) => format!("at the end of {d}, as known at log position {p}"),
        (Some(d), None) => format!("at the end of {d}"),
        (None, _) => "for an empty log".to_owned(),
    };
    Ok(format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>pvb report: {log}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}}table{{border-collapse:collapse;font-size:13px;margin:1em 0}}
th,td{{border:1px solid #ddd;padding:3px 8px;text-align:right}}th{{background:#f3f3f3}}td:first-child,th:first-child{{text-align:left}}
h2{{margin-top:2em}}.legend span{{margin-right:1.5em}}</style></head><body>
<h1>pvb report</h1><p>Log <code>{log}</code>, {when}. Amounts in euros.</p>
<h2>Waiting-list length</h2><p>Places on waiting lists at the end of each day.</p>{line}
<h2>Budget per region{year}</h2><p>Per funding region: allocated to providers, reserved for clients in care, consumed by deliveries.</p>{bars}
<h2>Waiting per region</h2>{regions}
<h2>Budgets per provider</h2>{budgets}
</body></html>
"#,
        log = escape(&spec.describe()),
        line = line_chart(&series),
        year = year.map(|y| format!(" ({y})")).unwrap_or_default(),
        bars = bar_chart(&per_region),
        regions = table(&report::REGION_HEADER, &region_cells),
        budgets = table(&report::BUDGET_HEADER, &budget_cells),
    ))
}
