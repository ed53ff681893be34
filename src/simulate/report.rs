//! The simulation report: JSON (documented in docs/simulate-report.md)
//! and the terminal view.

use super::{ratio, Totals, CASE_KINDS};
use crate::diag::printable;
use crate::Model;
use serde_json::{json, Map, Value as Json};

/// The KPIs that are single numbers, in report order.
pub const SCALAR_KPIS: &[&str] = &[
    "precision",
    "missed",
    "automation",
    "completeness",
    "routing",
];

/// Lower is better for these; higher for the others.
pub fn lower_is_better(kpi: &str) -> bool {
    kpi == "missed"
}

pub fn build(model: &Model, t: &Totals) -> Json {
    let mut resolution = Map::new();
    for (q, m) in &t.resolution {
        resolution.insert(q.clone(), json!(m.get()));
    }
    // the `missing-knowledge` tags first (`missing-knowledge` itself and
    // narrower ones such as `missing-knowledge:refunds`), then by count,
    // then by name
    let gap = |tag: &str| tag.starts_with("missing-knowledge");
    let mut gaps: Vec<(&String, &usize)> = t.gaps.iter().collect();
    gaps.sort_by(|a, b| {
        gap(b.0)
            .cmp(&gap(a.0))
            .then(b.1.cmp(a.1))
            .then(a.0.cmp(b.0))
    });
    let mut gaps_obj = Map::new();
    for (k, v) in gaps {
        gaps_obj.insert(k.clone(), json!(v));
    }
    let mut rule_stats = Map::new();
    let mut never_matched = Vec::new();
    let mut never_won = Vec::new();
    for (r, (m, w)) in model.rules.iter().zip(&t.rule_stats) {
        rule_stats.insert(r.name.clone(), json!({"matched": m, "won": w}));
        if *m == 0 {
            never_matched.push(r.name.clone());
        }
        if *w == 0 {
            never_won.push(r.name.clone());
        }
    }
    let mut turns = Map::new();
    for (k, v) in &t.handoff_turns {
        turns.insert(k.to_string(), json!(v));
    }
    let mut report = json!({
        "policy": model.name,
        "lines": t.lines,
        "conversations": t.conversations,
        "errors": t.errors,
        "kpis": {
            "precision": ratio(t.tp, t.tp + t.fp),
            "missed": ratio(t.fn_, t.tp + t.fn_),
            "automation": ratio(t.answered, t.conversations),
            "completeness": ratio(t.complete, t.tickets),
            "routing": ratio(t.routed_correctly, t.routed_with_expected_queue),
            "resolution": resolution,
            "gaps": gaps_obj,
        },
        "confusion": {
            "true_positive": t.tp,
            "false_positive": t.fp,
            "false_negative": t.fn_,
            "true_negative": t.tn,
        },
        "actions": t.actions,
        "escalated": t.escalated,
        "tickets": {"total": t.tickets, "complete": t.complete},
        "queue_load": t.queue_load,
        "rule_stats": rule_stats,
        "rules_never_matched": never_matched,
        "rules_never_won": never_won,
        "handoff_turns": turns,
        "slowest_handoffs": t.slowest.iter().map(|(turn, id, line)| json!({"id": id, "line": line, "handoff_turn": turn})).collect::<Vec<_>>(),
        "cases": cases(t),
    });
    if let (Some(results), Some(o)) = (&t.results, report.as_object_mut()) {
        o.insert("results".into(), Json::Array(results.clone()));
    }
    report
}

/// Each kind of miss: how many, and the first conversations of it.
fn cases(t: &Totals) -> Json {
    let counts = [
        t.fp,
        t.fn_,
        t.tickets.saturating_sub(t.complete),
        t.routed_with_expected_queue
            .saturating_sub(t.routed_correctly),
    ];
    let mut out = Map::new();
    for (kind, count) in CASE_KINDS.into_iter().zip(counts) {
        let first = t.cases.get(kind).cloned().unwrap_or_default();
        out.insert(kind.into(), json!({"count": count, "first": first}));
    }
    Json::Object(out)
}

/// What is wrong with an earlier report's `kpis`, if anything: each share
/// is a number or null, `resolution` and `gaps` objects of numbers.
pub fn bad_baseline_kpi(earlier: &Json) -> Option<String> {
    let kpis = earlier.get("kpis")?;
    let Some(kpis) = kpis.as_object() else {
        return Some("`kpis` is not an object".to_string());
    };
    for k in SCALAR_KPIS {
        match kpis.get(*k) {
            None | Some(Json::Null) | Some(Json::Number(_)) => {}
            Some(other) => return Some(format!("`kpis.{k}` is {other}, not a number")),
        }
    }
    for k in ["resolution", "gaps"] {
        match kpis.get(k) {
            None | Some(Json::Null) => {}
            Some(Json::Object(m)) => {
                if let Some((key, v)) = m.iter().find(|(_, v)| !(v.is_number() || v.is_null())) {
                    return Some(format!("`kpis.{k}.{key}` is {v}, not a number"));
                }
            }
            Some(other) => return Some(format!("`kpis.{k}` is {other}, not an object")),
        }
    }
    None
}

/// The keys of a figure by key (per queue, per tag) in this report, then
/// those only the earlier report has.
pub fn keys_of_both<'a>(now: Option<&'a Json>, was: Option<&'a Json>) -> Vec<&'a String> {
    let now = now.and_then(Json::as_object);
    let mut keys: Vec<&String> = now.into_iter().flat_map(|m| m.keys()).collect();
    for key in was
        .and_then(Json::as_object)
        .into_iter()
        .flat_map(|m| m.keys())
    {
        if now.is_none_or(|m| !m.contains_key(key)) {
            keys.push(key);
        }
    }
    keys
}

/// Put an earlier report's KPIs beside this one's: `baseline` holds the
/// earlier figures and `change` the differences.
pub fn add_baseline(report: &mut Json, earlier: &Json) {
    let mut base = Map::new();
    let mut change = Map::new();
    for k in SCALAR_KPIS {
        let old = earlier
            .pointer(&format!("/kpis/{k}"))
            .cloned()
            .unwrap_or(Json::Null);
        let new = report.pointer(&format!("/kpis/{k}")).and_then(Json::as_f64);
        change.insert(
            k.to_string(),
            match (old.as_f64(), new) {
                (Some(o), Some(n)) => json!(n - o),
                _ => Json::Null,
            },
        );
        base.insert(k.to_string(), old);
    }
    // the figures per queue and per tag, key by key over both reports
    for k in ["resolution", "gaps"] {
        let old = earlier.pointer(&format!("/kpis/{k}"));
        let new = report.pointer(&format!("/kpis/{k}"));
        let by_key: Map<String, Json> = keys_of_both(new, old)
            .into_iter()
            .map(|key| {
                let d = if k == "gaps" {
                    // a count: a tag one report lacks tagged no conversation
                    let count = |m: Option<&Json>| {
                        m.and_then(|m| m.get(key))
                            .and_then(Json::as_f64)
                            .unwrap_or(0.0)
                    };
                    let d = count(new) - count(old);
                    if d.fract() == 0.0 && d.abs() < 9.0e15 {
                        json!(d as i64)
                    } else {
                        json!(d)
                    }
                } else {
                    let o = old.and_then(|m| m.get(key)).and_then(Json::as_f64);
                    let n = new.and_then(|m| m.get(key)).and_then(Json::as_f64);
                    match (o, n) {
                        (Some(o), Some(n)) => json!(n - o),
                        _ => Json::Null,
                    }
                };
                (key.clone(), d)
            })
            .collect();
        change.insert(k.to_string(), Json::Object(by_key));
        base.insert(k.to_string(), old.cloned().unwrap_or(Json::Null));
    }
    if let Some(o) = report.as_object_mut() {
        o.insert(
            "baseline".into(),
            json!({"kpis": base, "conversations": earlier.get("conversations").cloned().unwrap_or(Json::Null)}),
        );
        o.insert("change".into(), Json::Object(change));
    }
}

/// A CI gate: `precision=0.9` with `under` (fail below) or over.
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    pub kpi: String,
    pub limit: f64,
    pub under: bool,
}

impl std::str::FromStr for Gate {
    type Err = String;
    fn from_str(s: &str) -> Result<Gate, String> {
        let (k, v) = s
            .split_once('=')
            .ok_or_else(|| format!("expected KPI=NUMBER such as `precision=0.9`, found `{s}`"))?;
        let k = k.trim();
        if !SCALAR_KPIS.contains(&k) {
            return Err(format!(
                "unknown KPI `{k}`: use one of {}",
                SCALAR_KPIS.join(", ")
            ));
        }
        let v: f64 = v
            .trim()
            .trim_end_matches('%')
            .parse()
            .map_err(|_| format!("`{v}` is not a number"))?;
        let v = if s.trim_end().ends_with('%') {
            v / 100.0
        } else {
            v
        };
        if v.is_nan() {
            return Err(format!("`{}` is not a number", v_text(s)));
        }
        // every gated KPI is a share: `precision=90` means 90%, and as a
        // share it would never pass; suggest the percentage only when it
        // is one
        if !(0.0..=1.0).contains(&v) {
            let percent = if s.trim_end().ends_with('%') {
                v * 100.0
            } else {
                v
            };
            return Err(
                if (0.0..=100.0).contains(&percent) && !s.trim_end().ends_with('%') {
                    format!(
                        "`{k}` is a share between 0 and 1: write `{k}={}` or `{k}={}%`",
                        percent / 100.0,
                        percent
                    )
                } else {
                    format!(
                        "`{k}` is a share between 0 and 1 (0% to 100%), found `{}`",
                        v_text(s)
                    )
                },
            );
        }
        Ok(Gate {
            kpi: k.to_string(),
            limit: v,
            under: true,
        })
    }
}

/// The value part of `KPI=VALUE`, as written.
fn v_text(s: &str) -> &str {
    s.split_once('=').map_or(s, |(_, v)| v.trim())
}

/// The gates that fail, as messages.
pub fn failed_gates(report: &Json, gates: &[Gate]) -> Vec<String> {
    let mut out = Vec::new();
    for g in gates {
        let v = report
            .pointer(&format!("/kpis/{}", g.kpi))
            .and_then(Json::as_f64);
        match v {
            None => out.push(format!(
                "`{}` has no value (no conversation counts towards it), so `--fail-{} {}={}` cannot pass",
                g.kpi,
                if g.under { "under" } else { "over" },
                g.kpi,
                g.limit
            )),
            Some(v) if g.under && v < g.limit => out.push(format!(
                "`{}` is {}, under the required {}",
                g.kpi,
                share(v),
                share(g.limit)
            )),
            Some(v) if !g.under && v > g.limit => out.push(format!(
                "`{}` is {}, over the allowed {}",
                g.kpi,
                share(v),
                share(g.limit)
            )),
            _ => {}
        }
    }
    out
}

/// A share as a percentage precise enough to compare with a gate
/// (`89.994%`, `90%`).
fn share(v: f64) -> String {
    let s = format!("{:.3}", v * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// The terminal view of a report.
pub fn human(report: &Json, colour: bool) -> String {
    let bold = |s: &str| {
        if colour {
            format!("\x1b[1m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut s = String::new();
    let name = report
        .get("policy")
        .and_then(Json::as_str)
        .unwrap_or("policy");
    let conv = report
        .get("conversations")
        .and_then(Json::as_u64)
        .unwrap_or(0);
    let errors = report
        .get("errors")
        .and_then(Json::as_array)
        .map_or(0, Vec::len);
    s.push_str(&bold(&format!(
        "simulation of `{}` over {conv} conversation{}",
        printable(name),
        if conv == 1 { "" } else { "s" }
    )));
    if errors > 0 {
        s.push_str(&format!(" ({errors} line(s) left out, listed below)"));
    }
    s.push_str("\n\n");
    s.push_str(&bold("KPIs\n"));
    let has_base = report.get("baseline").is_some();
    let labels = [
        (
            "precision",
            "escalation precision",
            "escalated and expected / escalated",
        ),
        (
            "missed",
            "missed escalations",
            "expected but not escalated / expected",
        ),
        ("automation", "answered by the AI", "answered alone / all"),
        (
            "completeness",
            "complete tickets",
            "tickets carrying every attach item",
        ),
        (
            "routing",
            "routed to the right queue",
            "expected queue / escalations naming one",
        ),
    ];
    for (k, label, def) in labels {
        let v = report.pointer(&format!("/kpis/{k}")).and_then(Json::as_f64);
        let mut line = format!("  {label:<26} {:>7}", pct(v));
        if has_base {
            let old = report
                .pointer(&format!("/baseline/kpis/{k}"))
                .and_then(Json::as_f64);
            let delta = match (old, v) {
                (Some(o), Some(n)) => {
                    let d = (n - o) * 100.0;
                    let better = if lower_is_better(k) { d < 0.0 } else { d > 0.0 };
                    // in words: an arrow up for a drop in `missed` reads
                    // as a rise
                    if d.abs() < 1e-9 {
                        "unchanged".to_string()
                    } else {
                        format!("{d:+.1} pts, {}", if better { "better" } else { "worse" })
                    }
                }
                _ => "".into(),
            };
            line.push_str(&format!("   was {:>7}  {delta:<17}", pct(old)));
        }
        line.push_str(&format!("   ({def})\n"));
        s.push_str(&line);
    }
    if let Some(c) = report.get("confusion") {
        let g = |k: &str| c.get(k).and_then(Json::as_u64).unwrap_or(0);
        s.push_str(&format!(
            "\n{}                  expected escalate   expected AI\n  escalated        {:>17}   {:>11}\n  not escalated    {:>17}   {:>11}\n",
            bold("confusion matrix\n"),
            g("true_positive"),
            g("false_positive"),
            g("false_negative"),
            g("true_negative")
        ));
    }
    // a table of figures by key; with a baseline, each beside the earlier
    // one, and the keys only the earlier report had
    let table = |s: &mut String,
                 title: &str,
                 obj: Option<&Json>,
                 was: Option<&Json>,
                 fmt_v: &dyn Fn(&Json) -> String| {
        let keys = keys_of_both(obj, was);
        if keys.is_empty() {
            return;
        }
        s.push_str(&format!("\n{}\n", bold(title)));
        let now = obj.and_then(Json::as_object);
        let was = was.and_then(Json::as_object);
        for k in keys {
            let v = now.and_then(|m| m.get(k)).map_or("—".to_string(), fmt_v);
            let shown = printable(k);
            match was {
                Some(w) => s.push_str(&format!(
                    "  {shown:<28} {v:>7}   was {}\n",
                    w.get(k).map_or("—".to_string(), fmt_v)
                )),
                None => s.push_str(&format!("  {shown:<28} {v}\n")),
            }
        }
    };
    table(
        &mut s,
        "load per queue",
        report.get("queue_load"),
        None,
        &|v| v.to_string(),
    );
    table(
        &mut s,
        "median minutes to resolution after handoff",
        report.pointer("/kpis/resolution"),
        report.pointer("/baseline/kpis/resolution"),
        &|v| v.as_f64().map_or("—".into(), |x| format!("{x:.1}")),
    );
    table(
        &mut s,
        "conversations per tag (knowledge gaps first)",
        report.pointer("/kpis/gaps"),
        report.pointer("/baseline/kpis/gaps"),
        &|v| v.to_string(),
    );
    table(
        &mut s,
        "rules: matched / won",
        report.get("rule_stats"),
        None,
        &|v| {
            format!(
                "{:>6} / {:<6}",
                v.get("matched").and_then(Json::as_u64).unwrap_or(0),
                v.get("won").and_then(Json::as_u64).unwrap_or(0)
            )
        },
    );
    for (key, label) in [
        ("rules_never_matched", "never matched"),
        ("rules_never_won", "never won"),
    ] {
        if let Some(Json::Array(a)) = report.get(key) {
            if !a.is_empty() {
                let names: Vec<String> = a
                    .iter()
                    .filter_map(Json::as_str)
                    .map(|n| format!("`{}`", printable(n)))
                    .collect();
                s.push_str(&format!("  {label}: {}\n", names.join(", ")));
            }
        }
    }
    table(
        &mut s,
        "handoff turn (customer turns before handoff)",
        report.get("handoff_turns"),
        None,
        &|v| v.to_string(),
    );
    if let Some(Json::Array(slow)) = report.get("slowest_handoffs") {
        if !slow.is_empty() {
            s.push_str(&format!(
                "\n{}\n",
                bold("slowest to hand off (worth a look)")
            ));
            for x in slow {
                s.push_str(&format!(
                    "  line {:<6} {:<20} turn {}\n",
                    x.get("line").and_then(Json::as_u64).unwrap_or(0),
                    id_text(x.get("id")),
                    x.get("handoff_turn").and_then(Json::as_u64).unwrap_or(0)
                ));
            }
        }
    }
    human_cases(&mut s, report, &bold);
    if let Some(Json::Array(errs)) = report.get("errors") {
        if !errs.is_empty() {
            s.push_str(&format!("\n{}\n", bold("lines left out")));
            for e in errs.iter().take(50) {
                s.push_str(&format!(
                    "  line {}: {}\n",
                    e.get("line").and_then(Json::as_u64).unwrap_or(0),
                    printable(e.get("error").and_then(Json::as_str).unwrap_or(""))
                ));
            }
            if errs.len() > 50 {
                s.push_str(&format!(
                    "  … and {} more (see --format json)\n",
                    errs.len() - 50
                ));
            }
        }
    }
    s
}

/// The terminal shows this many of each kind of miss (the JSON and HTML
/// reports all that were kept).
const HUMAN_CASES: usize = 5;

/// Each kind of miss of a report's `cases` that has conversations: its
/// name, count and first conversations.
pub fn case_lists(report: &Json) -> Vec<(&'static str, u64, &Vec<Json>)> {
    let Some(cases) = report.get("cases") else {
        return Vec::new();
    };
    CASE_KINDS
        .into_iter()
        .filter_map(|kind| {
            let count = cases
                .pointer(&format!("/{kind}/count"))
                .and_then(Json::as_u64)
                .unwrap_or(0);
            match cases.pointer(&format!("/{kind}/first")) {
                Some(Json::Array(first)) if count > 0 && !first.is_empty() => {
                    Some((kind, count, first))
                }
                _ => None,
            }
        })
        .collect()
}

/// The first conversations behind each kind of miss, to start reading.
fn human_cases(s: &mut String, report: &Json, bold: &dyn Fn(&str) -> String) {
    let lists = case_lists(report);
    if !lists.is_empty() {
        s.push_str(&format!(
            "\n{}\n",
            bold("conversations behind the misses (worth a look)")
        ));
    }
    for (kind, count, first) in lists {
        let first = first.get(..HUMAN_CASES).unwrap_or(first);
        let shown = if count as usize > first.len() {
            format!(", the first {}", first.len())
        } else {
            String::new()
        };
        s.push_str(&format!("  {} ({count}{shown})\n", kind.replace('_', " ")));
        for c in first {
            s.push_str(&format!(
                "    line {:<6} {:<20} {}\n",
                c.get("line").and_then(Json::as_u64).unwrap_or(0),
                id_text(c.get("id")),
                case_outcome(c)
            ));
        }
    }
}

pub fn id_text(id: Option<&Json>) -> String {
    id.map(|i| {
        i.as_str()
            .map_or(i.to_string(), |s| printable(s).into_owned())
    })
    .unwrap_or_default()
}

/// What the policy did with a case, and what it lacked: `route "cards" by
/// `lost card`, lacks summary`.
pub fn case_outcome(c: &Json) -> String {
    let mut out = c
        .get("action")
        .and_then(Json::as_str)
        .unwrap_or("?")
        .to_string();
    if let Some(q) = c.get("queue").and_then(Json::as_str) {
        out.push_str(&format!(" \"{}\"", printable(q)));
    }
    if let Some(r) = c.get("rule").and_then(Json::as_str) {
        out.push_str(&format!(" by `{}`", printable(r)));
    }
    if let Some(q) = c.get("expected_queue").and_then(Json::as_str) {
        out.push_str(&format!(", expected \"{}\"", printable(q)));
    }
    if let Some(Json::Array(a)) = c.get("absent") {
        let items: Vec<&str> = a.iter().filter_map(Json::as_str).collect();
        out.push_str(&format!(", lacks {}", crate::diag::printable_list(&items)));
    }
    out
}

#[cfg(test)]
mod gate_tests {
    use super::Gate;

    fn err(s: &str) -> String {
        s.parse::<Gate>().err().unwrap_or_default()
    }

    #[test]
    fn gates_read_shares_and_percentages() {
        assert_eq!(s_limit("precision=0.9"), Some(0.9));
        assert_eq!(s_limit("precision=90%"), Some(0.9));
        // a percentage written without `%` gets the fix that is in range
        assert!(err("missed=5").contains("write `missed=0.05` or `missed=5%`"));
        // nothing in range to suggest
        for bad in ["automation=150%", "automation=-1", "automation=250"] {
            let e = err(bad);
            assert!(
                e.contains("between 0 and 1") && !e.contains("write"),
                "{bad}: {e}"
            );
        }
        assert!(err("automation=NaN").contains("not a number"));
    }

    fn s_limit(s: &str) -> Option<f64> {
        s.parse::<Gate>().ok().map(|g| g.limit)
    }
}
