//! Why a decision came out as it did: each rule's conditions against the
//! facts, and why the winner won.

use crate::check::model::{AtomM, CondM, Model};
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
    /// How many negated groups (`not (…)`) hold this test; a group's own
    /// line comes first, with an empty `field`.
    #[serde(skip_serializing_if = "is_zero")]
    pub depth: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
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

/// One line of a rule's trace: a test, or a negated group (`not (a or b)`)
/// whose tests follow it one level deeper.
enum Entry<'a> {
    Atom(&'a AtomM, bool),
    Group(&'a CondM),
}

/// The tests of a condition in order, each with whether a `not` applies to
/// it directly (`not e in { a }`): that one is shown and judged negated. A
/// negated group comes first as a whole, judged with its `not`, so that no
/// line reads as the opposite of what decided.
fn entries<'a>(c: &'a CondM, depth: usize, out: &mut Vec<(Entry<'a>, usize)>) {
    match c {
        CondM::Or(p) | CondM::And(p) => p.iter().for_each(|x| entries(x, depth, out)),
        CondM::Not(x) => match x.as_ref() {
            CondM::Atom(a) => out.push((Entry::Atom(a, true), depth)),
            inner => {
                out.push((Entry::Group(c), depth));
                entries(inner, depth + 1, out);
            }
        },
        CondM::Atom(a) => out.push((Entry::Atom(a, false), depth)),
    }
}

fn atom_text(files: &[SourceFile], a: &AtomM) -> String {
    files
        .get(a.span.file as usize)
        .map(|f| {
            f.slice(a.span)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// A condition written back from its tests' own words.
fn render(files: &[SourceFile], c: &CondM) -> String {
    match c {
        CondM::Atom(a) => atom_text(files, a),
        CondM::Not(x) => match x.as_ref() {
            CondM::Atom(a) => format!("not {}", atom_text(files, a)),
            inner => format!("not ({})", render(files, inner)),
        },
        CondM::And(p) => p
            .iter()
            .map(|x| match x {
                CondM::Or(_) => format!("({})", render(files, x)),
                _ => render(files, x),
            })
            .collect::<Vec<_>>()
            .join(" and "),
        CondM::Or(p) => p
            .iter()
            .map(|x| render(files, x))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn holds(c: &CondM, facts: &Facts) -> bool {
    match c {
        CondM::Atom(a) => a.cell.accepts(facts.get(a.field)),
        CondM::Not(x) => !holds(x, facts),
        CondM::And(p) => p.iter().all(|x| holds(x, facts)),
        CondM::Or(p) => p.iter().any(|x| holds(x, facts)),
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
        entries(&r.cond, 0, &mut list);
        let conditions = list
            .into_iter()
            .map(|(entry, depth)| match entry {
                Entry::Group(g) => ConditionTrace {
                    condition: render(files, g),
                    field: String::new(),
                    value: serde_json::Value::Null,
                    result: if holds(g, facts) { "true" } else { "false" },
                    depth,
                },
                Entry::Atom(a, negated) => {
                    let text = atom_text(files, a);
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
                        depth,
                    }
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
            let value = facts.get(a.field).and_then(|v| {
                let f = model.fields.get(a.field)?;
                let listed = match v {
                    crate::facts::Value::Index(i) => a.listed.get(*i as usize).copied(),
                    _ => None,
                };
                Some((value_json(&f.ty, v), listed.unwrap_or(true)))
            });
            match value {
                Some((v, true)) => format!("{} (automation for `{fname}` = {v})", b.describe()),
                Some((v, false)) => format!(
                    "{} (automation `otherwise`: no entry for `{fname}` = {v})",
                    b.describe()
                ),
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
            "it comes earlier in the policy than {} (same action and priority)",
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
