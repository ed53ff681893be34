//! The HTML report: one self-contained file (inline CSS and SVG, no
//! scripts, no network), readable offline and printable.

use super::report::{case_outcome, id_text, lower_is_better, SCALAR_KPIS};
use serde_json::Value as Json;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// A horizontal bar chart: one bar (or two stacked series) per label.
fn bars(id: &str, title: &str, rows: &[(String, Vec<f64>)], series: &[(&str, &str)]) -> String {
    let max = rows
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0f64, f64::max)
        .max(1.0);
    let row_h = 22.0 * series.len() as f64 + 8.0;
    let label_w = 190.0;
    let bar_w = 420.0;
    let height = rows.len() as f64 * row_h + 30.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%">"#,
        esc(title),
        label_w + bar_w + 80.0,
        height
    );
    for (i, (label, values)) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        svg.push_str(&format!(
            r#"<text x="{}" y="{}" text-anchor="end" class="lbl">{}</text>"#,
            label_w - 8.0,
            y + 15.0,
            esc(label)
        ));
        for (s, (v, (_, colour))) in values.iter().zip(series).enumerate() {
            let w = (v / max * bar_w).max(if *v > 0.0 { 1.0 } else { 0.0 });
            let by = y + s as f64 * 22.0;
            svg.push_str(&format!(
                r#"<rect class="bar" x="{label_w}" y="{by}" width="{w:.1}" height="18" fill="{colour}"><title>{}: {}</title></rect><text x="{:.1}" y="{}" class="val">{}</text>"#,
                esc(label),
                v,
                label_w + w + 6.0,
                by + 14.0,
                v
            ));
        }
    }
    if series.len() > 1 {
        let y = rows.len() as f64 * row_h + 20.0;
        let mut x = label_w;
        for (name, colour) in series {
            svg.push_str(&format!(
                r#"<rect x="{x}" y="{}" width="12" height="12" fill="{colour}"/><text x="{}" y="{y}" class="lbl">{}</text>"#,
                y - 10.0,
                x + 16.0,
                esc(name)
            ));
            x += 110.0;
        }
    }
    svg.push_str("</svg>");
    format!(
        r#"<figure class="chart" data-chart="{id}"><figcaption>{}</figcaption>{svg}</figure>"#,
        esc(title)
    )
}

fn obj_rows(v: Option<&Json>) -> Vec<(String, Vec<f64>)> {
    match v {
        Some(Json::Object(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), vec![v.as_f64().unwrap_or(0.0)]))
            .collect(),
        _ => Vec::new(),
    }
}

pub fn render(report: &Json) -> String {
    let name = report
        .get("policy")
        .and_then(Json::as_str)
        .unwrap_or("policy");
    let conv = report
        .get("conversations")
        .and_then(Json::as_u64)
        .unwrap_or(0);
    let mut body = String::new();
    body.push_str(&format!(
        "<header><h1>Escalation report: {}</h1><p>{} conversations replayed",
        esc(name),
        conv
    ));
    let errs = report
        .get("errors")
        .and_then(Json::as_array)
        .map_or(0, Vec::len);
    if errs > 0 {
        body.push_str(&format!(", {errs} line(s) left out (listed at the end)"));
    }
    body.push_str(".</p></header>");

    body.push_str(r#"<section class="cards">"#);
    let labels = [
        (
            "precision",
            "Escalation precision",
            "escalated and expected ÷ escalated",
        ),
        (
            "missed",
            "Missed escalations",
            "expected but not escalated ÷ expected",
        ),
        ("automation", "Answered by the AI", "answered alone ÷ all"),
        (
            "completeness",
            "Complete tickets",
            "tickets with every attach item",
        ),
        (
            "routing",
            "Right queue",
            "expected queue ÷ escalations naming one",
        ),
    ];
    for (k, label, def) in labels {
        debug_assert!(SCALAR_KPIS.contains(&k));
        let v = report.pointer(&format!("/kpis/{k}")).and_then(Json::as_f64);
        let mut delta = String::new();
        if let Some(old) = report.pointer(&format!("/baseline/kpis/{k}")) {
            let o = old.as_f64();
            if let (Some(o), Some(n)) = (o, v) {
                let d = (n - o) * 100.0;
                let good = if lower_is_better(k) {
                    d <= 0.0
                } else {
                    d >= 0.0
                };
                delta = format!(
                    r#"<div class="delta {}">{:+.1} pts (was {})</div>"#,
                    if good { "good" } else { "bad" },
                    d,
                    pct(Some(o))
                );
            }
        }
        body.push_str(&format!(
            r#"<div class="kpi" data-kpi="{k}"><div class="name">{label}</div><div class="value">{}</div>{delta}<div class="def">{def}</div></div>"#,
            pct(v)
        ));
    }
    body.push_str("</section>");

    // confusion matrix
    let c = report.get("confusion");
    let g = |k: &str| c.and_then(|c| c.get(k)).and_then(Json::as_u64).unwrap_or(0);
    body.push_str(&format!(
        r#"<figure class="chart" data-chart="confusion"><figcaption>Confusion matrix (conversations with an expected outcome)</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 420 200" width="420" role="img" aria-label="confusion matrix">
<text x="205" y="22" class="lbl" text-anchor="middle">expected: escalate</text><text x="340" y="22" class="lbl" text-anchor="middle">expected: AI answers</text>
<rect x="140" y="30" width="130" height="70" class="tp"/><text x="205" y="72" text-anchor="middle" class="big">{}</text>
<rect x="275" y="30" width="130" height="70" class="fp"/><text x="340" y="72" text-anchor="middle" class="big">{}</text>
<rect x="140" y="105" width="130" height="70" class="fn"/><text x="205" y="147" text-anchor="middle" class="big">{}</text>
<rect x="275" y="105" width="130" height="70" class="tn"/><text x="340" y="147" text-anchor="middle" class="big">{}</text>
<text x="130" y="70" text-anchor="end" class="lbl">escalated</text><text x="130" y="145" text-anchor="end" class="lbl">not escalated</text>
</svg></figure>"#,
        g("true_positive"),
        g("false_positive"),
        g("false_negative"),
        g("true_negative")
    ));

    body.push_str(&bars(
        "queue-load",
        "Load per queue",
        &obj_rows(report.get("queue_load")),
        &[("conversations", "#4169e1")],
    ));
    let rules: Vec<(String, Vec<f64>)> = match report.get("rule_stats") {
        Some(Json::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    vec![
                        v.get("matched").and_then(Json::as_f64).unwrap_or(0.0),
                        v.get("won").and_then(Json::as_f64).unwrap_or(0.0),
                    ],
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    body.push_str(&bars(
        "rule-activity",
        "Rule activity",
        &rules,
        &[("matched", "#9db4f0"), ("won", "#1f3fa8")],
    ));
    body.push_str(&bars(
        "handoff-turns",
        "Customer turn of the handoff (0: decided without customer turns)",
        &obj_rows(report.get("handoff_turns")),
        &[("handoffs", "#c0392b")],
    ));
    match report.pointer("/baseline/kpis/gaps") {
        Some(was @ Json::Object(_)) => {
            let now = report.pointer("/kpis/gaps");
            let value = |m: Option<&Json>, k: &str| {
                m.and_then(|m| m.get(k))
                    .and_then(Json::as_f64)
                    .unwrap_or(0.0)
            };
            let rows: Vec<(String, Vec<f64>)> = super::report::keys_of_both(now, Some(was))
                .into_iter()
                .map(|k| (k.clone(), vec![value(now, k), value(Some(was), k)]))
                .collect();
            body.push_str(&bars(
                "gaps",
                "Conversations per tag",
                &rows,
                &[("conversations", "#8e44ad"), ("earlier", "#d7bde2")],
            ));
        }
        _ => body.push_str(&bars(
            "gaps",
            "Conversations per tag",
            &obj_rows(report.pointer("/kpis/gaps")),
            &[("conversations", "#8e44ad")],
        )),
    }

    let mut tables = String::new();
    if let Some(now @ Json::Object(m)) = report.pointer("/kpis/resolution") {
        let was_json = report.pointer("/baseline/kpis/resolution");
        let was = was_json.and_then(Json::as_object);
        let minutes = |v: Option<&Json>| {
            v.and_then(Json::as_f64)
                .map_or("—".into(), |x| format!("{x:.1}"))
        };
        tables.push_str("<h2>Median minutes to resolution after handoff</h2><table><tr><th>queue</th><th>minutes</th>");
        if was.is_some() {
            tables.push_str("<th>earlier</th>");
        }
        tables.push_str("</tr>");
        for k in super::report::keys_of_both(Some(now), was_json) {
            tables.push_str(&format!(
                "<tr><td>{}</td><td>{}</td>",
                esc(k),
                minutes(m.get(k))
            ));
            if let Some(w) = was {
                tables.push_str(&format!("<td>{}</td>", minutes(w.get(k))));
            }
            tables.push_str("</tr>");
        }
        tables.push_str("</table>");
    }
    for (key, title) in [
        ("rules_never_matched", "Rules that never matched"),
        ("rules_never_won", "Rules that never decided"),
    ] {
        if let Some(Json::Array(a)) = report.get(key) {
            if !a.is_empty() {
                tables.push_str(&format!("<h2>{title}</h2><ul>"));
                for n in a.iter().filter_map(Json::as_str) {
                    tables.push_str(&format!("<li>{}</li>", esc(n)));
                }
                tables.push_str("</ul>");
            }
        }
    }
    if let Some(Json::Array(slow)) = report.get("slowest_handoffs") {
        if !slow.is_empty() {
            tables.push_str(
                "<h2>Slowest to hand off</h2><table><tr><th>line</th><th>id</th><th>turn</th></tr>",
            );
            for x in slow {
                tables.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    x.get("line").and_then(Json::as_u64).unwrap_or(0),
                    esc(&id_text(x.get("id"))),
                    x.get("handoff_turn").and_then(Json::as_u64).unwrap_or(0)
                ));
            }
            tables.push_str("</table>");
        }
    }
    cases_table(&mut tables, report);
    if let Some(Json::Array(errs)) = report.get("errors") {
        if !errs.is_empty() {
            tables.push_str("<h2>Lines left out</h2><table><tr><th>line</th><th>reason</th></tr>");
            for e in errs.iter().take(500) {
                tables.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td></tr>",
                    e.get("line").and_then(Json::as_u64).unwrap_or(0),
                    esc(e.get("error").and_then(Json::as_str).unwrap_or(""))
                ));
            }
            tables.push_str("</table>");
        }
    }
    body.push_str(&format!("<section class=\"tables\">{tables}</section>"));

    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>handover report: {}</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1000px;color:#1d2330;padding:0 1rem}}
h1{{font-size:1.6rem;margin-bottom:.2rem}} h2{{font-size:1.1rem;margin-top:1.6rem}}
.cards{{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:.8rem;margin:1.2rem 0}}
.kpi{{border:1px solid #d7dbe4;border-radius:10px;padding:.8rem 1rem;background:#f8f9fc}}
.kpi .name{{font-size:.85rem;color:#4a5266}} .kpi .value{{font-size:1.8rem;font-weight:650}}
.kpi .def{{font-size:.72rem;color:#6b7385}} .delta.good{{color:#1e7d32}} .delta.bad{{color:#b3261e}}
figure.chart{{margin:1.4rem 0;border-top:1px solid #e3e6ee;padding-top:.6rem}} figcaption{{font-weight:600;margin-bottom:.4rem}}
svg .lbl{{font-size:12px;fill:#39404f}} svg .val{{font-size:11px;fill:#39404f}} svg .big{{font-size:26px;font-weight:650;fill:#fff}}
svg .tp{{fill:#2e7d32}} svg .tn{{fill:#607d8b}} svg .fp{{fill:#ef6c00}} svg .fn{{fill:#c62828}}
table{{border-collapse:collapse}} td,th{{border-bottom:1px solid #e3e6ee;padding:.25rem .8rem;text-align:left}}
</style></head><body>
{body}
<footer><p style="color:#6b7385;font-size:.8rem">Made by handover {} — KPI definitions: docs/simulate-report.md</p></footer>
</body></html>
"#,
        esc(name),
        env!("CARGO_PKG_VERSION")
    )
}

/// The first conversations behind each kind of miss, one table.
fn cases_table(tables: &mut String, report: &Json) {
    let mut rows = String::new();
    for (kind, count, first) in super::report::case_lists(report) {
        for (i, c) in first.iter().enumerate() {
            let label = if i == 0 {
                format!("{} ({count})", kind.replace('_', " "))
            } else {
                String::new()
            };
            rows.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&label),
                c.get("line").and_then(Json::as_u64).unwrap_or(0),
                esc(&id_text(c.get("id"))),
                esc(&case_outcome(c))
            ));
        }
    }
    if !rows.is_empty() {
        tables.push_str("<h2>Conversations behind the misses</h2><table><tr><th>miss</th><th>line</th><th>id</th><th>decision</th></tr>");
        tables.push_str(&rows);
        tables.push_str("</table>");
    }
}
