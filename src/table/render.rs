//! The decision table in four forms: stable JSON (docs/table-format.md),
//! a terminal grid, Markdown and CSV.

use super::Table;
use crate::check::interval::{fmt_num, IntervalSet};
use crate::check::model::{ActionM, Cell, FieldType, Model, Present, SetPred, TextPred};
use serde_json::{json, Value as Json};

pub const FORMAT_VERSION: &str = "handover-table/1";

fn num(v: f64) -> Json {
    if v.is_infinite() {
        Json::Null
    } else if v.fract() == 0.0 && v.abs() < 9e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

fn names(ty: &FieldType, idx: &[u32]) -> Vec<String> {
    idx.iter()
        .filter_map(|i| ty.values().get(*i as usize).cloned())
        .collect()
}

fn discrete_names(ty: &FieldType, mask: &[bool]) -> Vec<String> {
    mask.iter()
        .enumerate()
        .filter(|(_, b)| **b)
        .map(|(i, _)| match ty {
            FieldType::Bool => (i == 1).to_string(),
            _ => ty.values().get(i).cloned().unwrap_or_default(),
        })
        .collect()
}

pub fn cell_json(ty: &FieldType, c: &Cell) -> Json {
    let mut o = serde_json::Map::new();
    o.insert("missing".into(), json!(c.missing));
    match &c.present {
        None => {
            o.insert("present".into(), json!(false));
        }
        Some(Present::Values(mask)) => {
            o.insert("present".into(), json!(true));
            o.insert("values".into(), json!(discrete_names(ty, mask)));
        }
        Some(Present::Num(s)) => {
            o.insert("present".into(), json!(true));
            o.insert(
                "intervals".into(),
                Json::Array(
                    s.parts
                        .iter()
                        .map(|p| {
                            json!({
                                "min": num(p.lo.value), "min_inclusive": p.lo.inclusive,
                                "max": num(p.hi.value), "max_inclusive": p.hi.inclusive,
                            })
                        })
                        .collect(),
                ),
            );
        }
        Some(Present::Set(cl)) => {
            o.insert("present".into(), json!(true));
            o.insert(
                "clauses".into(),
                Json::Array(
                    cl.iter()
                        .map(|(p, want)| match p {
                            SetPred::HasAny(v) => json!({"has_any": names(ty, v), "expect": want}),
                            SetPred::HasAll(v) => json!({"has_all": names(ty, v), "expect": want}),
                        })
                        .collect(),
                ),
            );
        }
        Some(Present::Text(cl)) => {
            o.insert("present".into(), json!(true));
            o.insert(
                "clauses".into(),
                Json::Array(
                    cl.iter()
                        .map(|(p, want)| match p {
                            TextPred::Eq(s) => json!({"equals": s, "expect": want}),
                            TextPred::Matches(s) => json!({"matches": s, "expect": want}),
                            TextPred::Contains(s) => json!({"contains": s, "expect": want}),
                        })
                        .collect(),
                ),
            );
        }
    }
    Json::Object(o)
}

fn action_json(a: &ActionM) -> Json {
    json!({"action": a.kind.as_str(), "queue": a.queue})
}

pub fn to_json(model: &Model, table: &Table) -> Json {
    let fields: Vec<Json> = model
        .fields
        .iter()
        .map(|f| {
            let mut o = json!({"name": f.name, "type": f.ty.kind_name()});
            if let Some(m) = o.as_object_mut() {
                match &f.ty {
                    FieldType::Enum(v) | FieldType::Level(v) | FieldType::Set(v) => {
                        m.insert("values".into(), json!(v));
                    }
                    FieldType::Number { lo, hi } | FieldType::Int { lo, hi } => {
                        m.insert("min".into(), lo.map_or(Json::Null, num));
                        m.insert("max".into(), hi.map_or(Json::Null, num));
                    }
                    _ => {}
                }
                m.insert("read".into(), json!(f.read));
            }
            o
        })
        .collect();
    let baseline = model.automation.as_ref().map(|a| {
        let fname = model.fields.get(a.field).map_or("", |f| f.name.as_str());
        let values = model
            .fields
            .get(a.field)
            .map(|f| f.ty.values().to_vec())
            .unwrap_or_default();
        let mut by_value = serde_json::Map::new();
        for (v, act) in values.iter().zip(&a.by_value) {
            by_value.insert(v.clone(), action_json(act));
        }
        json!({"field": fname, "by_value": by_value, "otherwise": action_json(&a.otherwise)})
    });
    let rules: Vec<Json> = model
        .rules
        .iter()
        .map(|r| {
            json!({
                "name": r.name, "action": r.action.kind.as_str(), "queue": r.action.queue,
                "priority": r.priority.as_str(), "tags": r.tags, "notes": r.notes, "attach": r.attach,
            })
        })
        .collect();
    let rows: Vec<Json> = table
        .rows
        .iter()
        .map(|row| {
            let mut cells = serde_json::Map::new();
            for (fi, c) in &row.cells {
                if let Some(f) = model.fields.get(*fi) {
                    cells.insert(f.name.clone(), cell_json(&f.ty, c));
                }
            }
            json!({"rule": row.rule, "cells": cells})
        })
        .collect();
    json!({
        "format": FORMAT_VERSION,
        "policy": model.name,
        "hit_policy": "priority",
        "action_order": ["answer", "draft", "route", "human"],
        "priority_order": ["low", "normal", "high", "urgent"],
        "fields": fields,
        "ticket": model.ticket,
        "baseline": baseline,
        "rules": rules,
        "rows": rows,
    })
}

fn interval_text(s: &IntervalSet) -> String {
    let parts: Vec<String> = s
        .parts
        .iter()
        .map(|p| {
            let (lo, hi) = (p.lo.value, p.hi.value);
            match (lo.is_infinite(), hi.is_infinite()) {
                (true, true) => "any".to_string(),
                (true, false) => format!(
                    "{} {}",
                    if p.hi.inclusive { "<=" } else { "<" },
                    fmt_num(hi)
                ),
                (false, true) => format!(
                    "{} {}",
                    if p.lo.inclusive { ">=" } else { ">" },
                    fmt_num(lo)
                ),
                (false, false) if lo == hi => format!("= {}", fmt_num(lo)),
                _ => format!(
                    "{}{}, {}{}",
                    if p.lo.inclusive { "[" } else { "(" },
                    fmt_num(lo),
                    fmt_num(hi),
                    if p.hi.inclusive { "]" } else { ")" }
                ),
            }
        })
        .collect();
    parts.join(" or ")
}

/// A cell as a short readable condition.
pub fn cell_text(ty: &FieldType, c: &Cell) -> String {
    let present = match &c.present {
        None => None,
        Some(Present::Values(mask)) => {
            let on = discrete_names(ty, mask);
            let off: Vec<String> = discrete_names(ty, &mask.iter().map(|b| !b).collect::<Vec<_>>());
            Some(if on.len() == 1 {
                on.join("")
            } else if off.len() == 1 && on.len() > 2 {
                format!("not {}", off.join(""))
            } else {
                format!("{{{}}}", on.join(", "))
            })
        }
        Some(Present::Num(s)) => Some(interval_text(s)),
        Some(Present::Set(cl)) => Some(if cl.is_empty() {
            "present".to_string()
        } else {
            cl.iter()
                .map(|(p, want)| {
                    let (k, v) = match p {
                        SetPred::HasAny(v) => ("has any", v),
                        SetPred::HasAll(v) => ("has all", v),
                    };
                    let n = names(ty, v);
                    let body = if n.len() == 1 {
                        format!("has {}", n.join(""))
                    } else {
                        format!("{k} {{{}}}", n.join(", "))
                    };
                    if *want {
                        body
                    } else {
                        format!("not {body}")
                    }
                })
                .collect::<Vec<_>>()
                .join(" and ")
        }),
        Some(Present::Text(cl)) => Some(if cl.is_empty() {
            "present".to_string()
        } else {
            cl.iter()
                .map(|(p, want)| {
                    let body = p.text();
                    if *want {
                        body
                    } else {
                        format!("not {body}")
                    }
                })
                .collect::<Vec<_>>()
                .join(" and ")
        }),
    };
    match (c.missing, present) {
        (true, None) => "missing".into(),
        (true, Some(p)) => format!("{p} or missing"),
        (false, Some(p)) => p,
        (false, None) => "never".into(),
    }
}

/// Header and rows of the grid (shared by table, Markdown and CSV).
pub fn grid(model: &Model, table: &Table) -> (Vec<String>, Vec<Vec<String>>) {
    let used: Vec<usize> = (0..model.fields.len())
        .filter(|fi| table.rows.iter().any(|r| r.cell(*fi).is_some()))
        .collect();
    let mut header = vec!["#".to_string(), "rule".to_string()];
    header.extend(
        used.iter()
            .filter_map(|fi| model.fields.get(*fi).map(|f| f.name.clone())),
    );
    header.extend(["action", "queue", "priority", "tags", "attach"].map(String::from));
    let mut rows = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        let Some(rule) = model.rules.get(row.rule) else {
            continue;
        };
        let mut cells = vec![(i + 1).to_string(), rule.name.clone()];
        for fi in &used {
            let text = match (row.cell(*fi), model.fields.get(*fi)) {
                (Some(c), Some(f)) => cell_text(&f.ty, c),
                _ => "-".into(),
            };
            cells.push(text);
        }
        cells.push(rule.action.kind.as_str().into());
        cells.push(rule.action.queue.clone().unwrap_or_else(|| "-".into()));
        cells.push(rule.priority.as_str().into());
        cells.push(if rule.tags.is_empty() {
            "-".into()
        } else {
            rule.tags.join(", ")
        });
        cells.push(if rule.attach.is_empty() {
            "-".into()
        } else {
            rule.attach.join(", ")
        });
        rows.push(cells);
    }
    (header, rows)
}

fn baseline_lines(model: &Model) -> Vec<String> {
    let Some(a) = &model.automation else {
        return vec!["baseline: answer (no automation block)".into()];
    };
    let Some(f) = model.fields.get(a.field) else {
        return Vec::new();
    };
    let mut out = vec![format!(
        "baseline by `{}` (rules can only make it stricter):",
        f.name
    )];
    for (v, act) in f.ty.values().iter().zip(&a.by_value) {
        out.push(format!("  {v} => {}", act.describe()));
    }
    out.push(format!("  missing => {}", a.otherwise.describe()));
    out
}

/// Columns a cell takes in a terminal: wide characters (CJK, emoji) take
/// two, combining marks none.
fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// A cell as the terminal and Markdown show it: control characters (a
/// `\n` written in a rule name, an escape sequence) escaped.
fn shown(s: &str) -> String {
    crate::diag::printable(s).into_owned()
}

/// The rules that have no row: their condition can never hold (`check`
/// says `unsatisfiable`), so no facts reach them. A reader of the table
/// looks for every rule.
fn rules_without_rows(model: &Model, table: &Table) -> Option<String> {
    let names: Vec<String> = model
        .rules
        .iter()
        .enumerate()
        .filter(|(ri, _)| !table.rows.iter().any(|r| r.rule == *ri))
        .map(|(_, r)| format!("`{}`", shown(&r.name)))
        .collect();
    (!names.is_empty()).then(|| {
        format!(
            "no row (the condition can never hold; `handover check` says why): {}",
            names.join(", ")
        )
    })
}

fn rows_text(n: usize) -> String {
    format!("{n} row{}", if n == 1 { "" } else { "s" })
}

pub fn to_terminal(model: &Model, table: &Table) -> String {
    let (header, rows) = grid(model, table);
    let header: Vec<String> = header.iter().map(|c| shown(c)).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| shown(c)).collect())
        .collect();
    let mut w: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(x) = w.get_mut(i) {
                *x = (*x).max(width(c));
            }
        }
    }
    let line = |l: &str, m: &str, r: &str| {
        let mut s = l.to_string();
        for (i, x) in w.iter().enumerate() {
            s.push_str(&"─".repeat(x + 2));
            s.push_str(if i + 1 == w.len() { r } else { m });
        }
        s
    };
    let fmt_row = |cells: &[String]| {
        let mut s = "│".to_string();
        for (c, x) in cells.iter().zip(&w) {
            s.push_str(&format!(" {c}{} │", " ".repeat(x.saturating_sub(width(c)))));
        }
        s
    };
    let mut out = format!(
        "{} — hit policy: priority (answer < draft < route < human; then priority; then file order), {}\n",
        shown(model.name.as_deref().unwrap_or("policy")),
        rows_text(rows.len())
    );
    out.push_str(&line("┌", "┬", "┐"));
    out.push('\n');
    out.push_str(&fmt_row(&header));
    out.push('\n');
    out.push_str(&line("├", "┼", "┤"));
    out.push('\n');
    for r in &rows {
        out.push_str(&fmt_row(r));
        out.push('\n');
    }
    out.push_str(&line("└", "┴", "┘"));
    out.push('\n');
    if let Some(l) = rules_without_rows(model, table) {
        out.push_str(&l);
        out.push('\n');
    }
    for l in baseline_lines(model) {
        out.push_str(&shown(&l));
        out.push('\n');
    }
    out
}

/// Markdown text that renders as written: every character GitHub's
/// Markdown could read as markup is escaped with a backslash (a pattern's
/// `\d` stays `\d`, `*` no emphasis, `<b>` no HTML), control characters
/// as in [`shown`].
fn markdown_text(s: &str) -> String {
    let s = shown(s);
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let next = chars.get(i + 1).copied();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let markup = match c {
            '\\' | '`' | '*' | '|' | '[' | ']' | '~' => true,
            // emphasis only at a word's edge (`repeat_contacts` is plain)
            '_' => !(word(prev) && word(next)),
            // an HTML tag, an entity
            '<' => next.is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')),
            '&' => next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '#'),
            _ => false,
        };
        if markup {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub fn to_markdown(model: &Model, table: &Table) -> String {
    let (header, rows) = grid(model, table);
    let esc = markdown_text;
    let mut out = format!(
        "### Decision table: {}\n\nHit policy: **priority** (answer < draft < route < human; then priority; then file order).\n\n",
        esc(model.name.as_deref().unwrap_or("policy"))
    );
    out.push_str(&format!(
        "| {} |\n",
        header
            .iter()
            .map(|h| esc(h))
            .collect::<Vec<_>>()
            .join(" | ")
    ));
    out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
    for r in &rows {
        out.push_str(&format!(
            "| {} |\n",
            r.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | ")
        ));
    }
    out.push('\n');
    if let Some(l) = rules_without_rows(model, table) {
        out.push_str(&format!("{l}\n\n"));
    }
    for l in baseline_lines(model) {
        out.push_str(&format!("{}\n", shown(&l).replacen("  ", "- ", 1)));
    }
    out
}

pub fn to_csv(model: &Model, table: &Table) -> String {
    let (header, rows) = grid(model, table);
    let field = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    for r in std::iter::once(&header).chain(rows.iter()) {
        out.push_str(&r.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    // the automation baseline, as the other formats show it: one row per
    // value (and `missing`), `#` being `baseline` and the rule column the
    // value it applies to
    if let Some(a) = &model.automation {
        let name = model.fields.get(a.field).map_or("", |f| f.name.as_str());
        let values = model
            .fields
            .get(a.field)
            .map(|f| f.ty.values())
            .unwrap_or(&[]);
        let entries = values
            .iter()
            .map(|v| format!("{name} = {v}"))
            .zip(&a.by_value)
            .chain(std::iter::once((
                format!("{name} is missing"),
                &a.otherwise,
            )));
        for (when, act) in entries {
            let mut cells = vec!["baseline".to_string(), when];
            cells.extend(std::iter::repeat_n(
                "-".to_string(),
                header.len().saturating_sub(7),
            ));
            cells.push(act.kind.as_str().to_string());
            cells.push(act.queue.clone().unwrap_or_else(|| "-".into()));
            cells.push(
                if act.kind == crate::ActionKind::Answer {
                    "-"
                } else {
                    "normal"
                }
                .to_string(),
            );
            cells.extend(["-".to_string(), "-".to_string()]);
            out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
    }
    out
}
