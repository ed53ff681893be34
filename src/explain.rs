//! Why a decision came out as it did: each rule's conditions against the
//! facts, and why the winner won.

use crate::check::model::{CondM, Model};
use crate::eval::Decision;
use crate::facts::{value_json, Facts};
use crate::span::SourceFile;
use crate::syntax::ast::ActionKind;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct ConditionTrace {
    /// The condition as written.
    pub condition: String,
    pub field: String,
    /// The fact's value, or null when missing.
    pub value: serde_json::Value,
    /// "true", "false" or "missing" (false because the fact is missing).
    pub result: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct RuleTrace {
    pub rule: String,
    pub matched: bool,
    pub action: String,
    pub priority: &'static str,
    pub conditions: Vec<ConditionTrace>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    /// The automation baseline and what set it.
    pub baseline: String,
    pub rules: Vec<RuleTrace>,
    pub why: String,
}

/// The atoms of a condition, each with whether a `not` applies to it
/// directly (`not e in { a }`): that one is shown and judged negated. An
/// atom inside a negated group (`not (a and b)`) is shown as it is.
fn atoms<'a>(c: &'a CondM, out: &mut Vec<(&'a crate::check::model::AtomM, bool)>) {
    match c {
        CondM::Or(p) | CondM::And(p) => p.iter().for_each(|x| atoms(x, out)),
        CondM::Not(x) => match x.as_ref() {
            CondM::Atom(a) => out.push((a, true)),
            other => atoms(other, out),
        },
        CondM::Atom(a) => out.push((a, false)),
    }
}

pub fn explain(
    model: &Model,
    files: &[SourceFile],
    facts: &Facts,
    d: &Decision<'_>,
) -> Explanation {
    let mut rules = Vec::new();
    for (ri, r) in model.rules.iter().enumerate() {
        let mut list = Vec::new();
        atoms(&r.cond, &mut list);
        let conditions = list
            .into_iter()
            .map(|(a, negated)| {
                let text = files
                    .get(a.span.file as usize)
                    .map(|f| {
                        f.slice(a.span)
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .unwrap_or_default();
                let field = model.fields.get(a.field);
                let v = facts.get(a.field);
                let holds = a.cell.accepts(v);
                let result = match v {
                    // `not` of a test on a missing fact is true
                    _ if negated => {
                        if holds {
                            "false"
                        } else {
                            "true"
                        }
                    }
                    None if !a.cell.missing => "missing",
                    _ if holds => "true",
                    _ => "false",
                };
                ConditionTrace {
                    condition: if negated { format!("not {text}") } else { text },
                    field: field.map(|f| f.name.clone()).unwrap_or_default(),
                    value: match (v, field) {
                        (Some(v), Some(f)) => value_json(&f.ty, v),
                        _ => serde_json::Value::Null,
                    },
                    result,
                }
            })
            .collect();
        rules.push(RuleTrace {
            rule: r.name.clone(),
            matched: d.matched_index.contains(&ri),
            action: r.action.describe(),
            priority: r.priority.as_str(),
            conditions,
        });
    }
    let base = crate::eval::baseline(model, facts);
    let baseline = match (&model.automation, base) {
        (Some(a), Some(b)) => {
            let fname = model.fields.get(a.field).map_or("", |f| f.name.as_str());
            match facts
                .get(a.field)
                .and_then(|v| model.fields.get(a.field).map(|f| value_json(&f.ty, v)))
            {
                Some(v) => format!("{} (automation for `{fname}` = {v})", b.describe()),
                None => format!(
                    "{} (automation `otherwise`: `{fname}` is missing)",
                    b.describe()
                ),
            }
        }
        _ => "answer (no automation block)".to_string(),
    };
    let why = why(model, d, base.map_or(ActionKind::Answer, |b| b.kind));
    Explanation {
        baseline,
        rules,
        why,
    }
}

fn why(model: &Model, d: &Decision<'_>, base: ActionKind) -> String {
    let Some(w) = d
        .rule_index
        .and_then(|i| model.rules.get(i).map(|r| (i, r)))
    else {
        return if d.matched.is_empty() {
            format!(
                "no rule matched, so the baseline `{}` decides",
                base.as_str()
            )
        } else {
            format!(
                "no matched rule is stricter than the baseline `{}`, so the baseline decides",
                base.as_str()
            )
        };
    };
    let (wi, wr) = w;
    let mut reasons = Vec::new();
    let weaker: Vec<&str> = d
        .matched_index
        .iter()
        .filter_map(|&i| model.rules.get(i))
        .filter(|r| r.action.kind < wr.action.kind)
        .map(|r| r.name.as_str())
        .collect();
    if !weaker.is_empty() || base < wr.action.kind {
        let mut s = format!("`{}` is stricter than", wr.action.kind.as_str());
        if base < wr.action.kind {
            s.push_str(&format!(" the baseline `{}`", base.as_str()));
        }
        if !weaker.is_empty() {
            if base < wr.action.kind {
                s.push_str(" and");
            }
            s.push_str(&format!(
                " {}",
                crate::diag::list_words(&weaker).replace(" or ", " and ")
            ));
        }
        reasons.push(s);
    }
    let same: Vec<&crate::check::model::RuleM> = d
        .matched_index
        .iter()
        .filter(|&&i| i != wi)
        .filter_map(|&i| model.rules.get(i))
        .filter(|r| r.action.kind == wr.action.kind)
        .collect();
    let lower: Vec<&str> = same
        .iter()
        .filter(|r| r.priority < wr.priority)
        .map(|r| r.name.as_str())
        .collect();
    let tied: Vec<&str> = same
        .iter()
        .filter(|r| r.priority == wr.priority)
        .map(|r| r.name.as_str())
        .collect();
    if !lower.is_empty() {
        reasons.push(format!(
            "priority {} is higher than that of {}",
            wr.priority.as_str(),
            crate::diag::list_words(&lower).replace(" or ", " and ")
        ));
    }
    if !tied.is_empty() {
        reasons.push(format!(
            "it comes earlier in the file than {} (same action and priority)",
            crate::diag::list_words(&tied).replace(" or ", " and ")
        ));
    }
    if reasons.is_empty() {
        format!(
            "`{}` is the only matched rule with the decision's action",
            wr.name
        )
    } else {
        format!("`{}` wins: {}", wr.name, reasons.join("; "))
    }
}
