//! Analysis of the decision table: exact answers about what a policy can
//! do (the table-based warnings of SPEC 2.6), each with concrete facts.
//!
//! Every column's domain is split into finitely many atoms (see
//! [`space`]), rows become boxes, and questions become box arithmetic.

pub mod diff;
pub mod space;

use crate::check::model::{ActionM, Model, RuleM};
use crate::diag::{Code, Diagnostic};
use crate::syntax::ast::ActionKind;
use crate::table::{conjoin, dnf, nnf, Table};
use rayon::prelude::*;
use space::{bit, intersect, is_zero, meets, set, subtract_all, Region, Space};

/// Past this many boxes a question is left unanswered rather than slow.
const LIMIT: usize = 20_000;

/// A policy laid out in its atom space.
pub struct Layout<'a> {
    pub model: &'a Model,
    pub space: Space,
    /// Per rule, the boxes of its rows.
    pub rule_regions: Vec<Vec<Region>>,
    /// Per action, the region where the baseline is not stricter.
    pub baseline_ok: Vec<Region>,
    /// Rules reading a column the space cannot represent exactly.
    pub approximate: Vec<bool>,
}

impl<'a> Layout<'a> {
    pub fn new(model: &'a Model, table: &Table) -> Layout<'a> {
        let space = Space::build(&[(model, table)]);
        let mut rule_regions = vec![Vec::new(); model.rules.len()];
        for row in &table.rows {
            if let Some(v) = rule_regions.get_mut(row.rule) {
                let r = space.row_region(model, &row.cells);
                if !r.iter().any(is_zero) {
                    v.push(r);
                }
            }
        }
        let approximate = model
            .rules
            .iter()
            .enumerate()
            .map(|(ri, _)| {
                table.rows.iter().filter(|r| r.rule == ri).any(|r| {
                    r.cells.iter().any(|(fi, _)| {
                        model
                            .fields
                            .get(*fi)
                            .and_then(|f| space.col(&f.name))
                            .and_then(|c| space.cols.get(c))
                            .is_some_and(|c| c.approximate)
                    })
                })
            })
            .collect();
        let baseline_ok = ActionKind::ALL
            .iter()
            .map(|a| baseline_region(model, &space, *a))
            .collect();
        Layout {
            model,
            space,
            rule_regions,
            baseline_ok,
            approximate,
        }
    }

    fn baseline_ok(&self, a: ActionKind) -> Option<&Region> {
        self.baseline_ok.get(a as usize)
    }

    /// Does rule `b` beat rule `a` wherever both match?
    pub fn beats(&self, b: usize, a: usize) -> bool {
        let (Some(rb), Some(ra)) = (self.model.rules.get(b), self.model.rules.get(a)) else {
            return false;
        };
        rb.action.kind > ra.action.kind
            || (rb.action.kind == ra.action.kind
                && (rb.priority > ra.priority || (rb.priority == ra.priority && b < a)))
    }

    /// Where rule `ri` is the winner; None when too complex to say.
    pub fn winning_region(&self, ri: usize) -> Option<Vec<Region>> {
        let rule = self.model.rules.get(ri)?;
        let ok = self.baseline_ok(rule.action.kind)?;
        let start: Vec<Region> = self
            .rule_regions
            .get(ri)?
            .iter()
            .filter_map(|r| intersect(r, ok))
            .collect();
        // only the boxes that meet this rule's can take anything away
        let mut beaters: Vec<&Region> = (0..self.model.rules.len())
            .filter(|&b| b != ri && self.beats(b, ri))
            .flat_map(|b| self.rule_regions.get(b).into_iter().flatten())
            .filter(|r| start.iter().any(|s| meets(s, r)))
            .collect();
        // the largest boxes first: they cut away the most and leave the
        // fewest fragments for the others (the region is the same)
        beaters.sort_by(|x, y| volume(y).total_cmp(&volume(x)));
        subtract_all(start, &beaters, LIMIT)
    }
}

/// How many atom combinations a box holds (as a float: it can be huge).
fn volume(r: &Region) -> f64 {
    r.iter().map(|c| space::count(c) as f64).product()
}

/// The automation atoms whose baseline is not stricter than `a`.
fn baseline_region(model: &Model, space: &Space, a: ActionKind) -> Region {
    let mut r = space.full();
    let Some(auto) = &model.automation else {
        return r;
    };
    let Some(field) = model.fields.get(auto.field) else {
        return r;
    };
    let Some(ci) = space.col(&field.name) else {
        return r;
    };
    let Some(col) = space.cols.get(ci) else {
        return r;
    };
    let mut b = vec![0u64; col.atoms.len().div_ceil(64)];
    for (ai, rep) in col.atoms.iter().enumerate() {
        let base: &ActionM = match rep
            .as_str()
            .and_then(|v| field.ty.values().iter().position(|x| x == v))
        {
            Some(i) => auto.by_value.get(i).unwrap_or(&auto.otherwise),
            None => &auto.otherwise,
        };
        if base.kind <= a {
            set(&mut b, ai);
        }
    }
    if let Some(slot) = r.get_mut(ci) {
        *slot = b;
    }
    r
}

fn why_beats(model: &Model, b: &RuleM, a: &RuleM) -> String {
    if b.action.kind > a.action.kind {
        format!("`{}` ({}, stricter)", b.name, b.action.kind.as_str())
    } else if b.priority > a.priority {
        format!("`{}` (priority {}, higher)", b.name, b.priority.as_str())
    } else {
        let _ = model;
        format!("`{}` (same action and priority, earlier)", b.name)
    }
}

pub fn warnings(model: &Model, table: &Table) -> Vec<Diagnostic> {
    let layout = Layout::new(model, table);
    let mut out = Vec::new();
    let n = model.rules.len();

    // Each phase asks one question per rule (or per pair), independently:
    // the rules are spread over the cores and the answers kept in order.
    // unsatisfiable conditions and branches; always-true conditions
    let per_rule: Vec<(bool, Vec<Diagnostic>)> = (0..n)
        .into_par_iter()
        .map(|ri| satisfiability(&layout, ri))
        .collect();
    let mut unsat = Vec::with_capacity(n);
    for (u, d) in per_rule {
        unsat.push(u);
        out.extend(d);
    }

    // shadowed rules
    let per_rule: Vec<Option<Diagnostic>> = (0..n)
        .into_par_iter()
        .map(|ri| shadowing(&layout, ri, &unsat))
        .collect();
    let shadowed: Vec<bool> = per_rule.iter().map(Option::is_some).collect();
    out.extend(per_rule.into_iter().flatten());

    // ambiguous routes
    let per_rule: Vec<Vec<Diagnostic>> = (0..n)
        .into_par_iter()
        .map(|ai| ambiguities(&layout, ai, &shadowed))
        .collect();
    out.extend(per_rule.into_iter().flatten());
    out
}

/// Is rule `ri` unsatisfiable (then the diagnostic), are some of its
/// branches, does it always hold?
fn satisfiability(layout: &Layout<'_>, ri: usize) -> (bool, Vec<Diagnostic>) {
    let model = layout.model;
    let mut out = Vec::new();
    let Some(rule) = model.rules.get(ri) else {
        return (false, out);
    };
    let exact = !layout.approximate.get(ri).copied().unwrap_or(true);
    let regions = layout
        .rule_regions
        .get(ri)
        .map_or(&[][..], |v| v.as_slice());
    if regions.is_empty() {
        out.push(unsatisfiable(
            model,
            layout,
            rule,
            rule.cond_span,
            &rule.cond,
            true,
        ));
        return (true, out);
    }
    if rule.branches.len() > 1 {
        for (span, branch) in &rule.branches {
            let rows = dnf(model, &nnf(model, branch, false));
            let any = rows.iter().any(|cells| {
                let r = layout.space.row_region(model, cells);
                !r.iter().any(is_zero)
            });
            if !any {
                out.push(unsatisfiable(model, layout, rule, *span, branch, false));
            }
        }
    }
    if exact {
        let rest = subtract_all(
            vec![layout.space.full()],
            &regions.iter().collect::<Vec<_>>(),
            LIMIT,
        );
        if rest.is_some_and(|r| r.is_empty()) {
            out.push(
                Diagnostic::new(
                    Code::AlwaysTrue,
                    rule.cond_span,
                    format!("the condition of rule `{}` holds for every conversation, missing facts included", rule.name),
                )
                .with_help(format!(
                    "every conversation gets `{}` or stricter: if that is meant, say so in the automation block; otherwise narrow the condition",
                    rule.action.describe()
                ))
                .with_example(serde_json::json!({})),
            );
        }
    }
    (false, out)
}

/// Rule `ri` never decides: the diagnostic naming who takes its place.
fn shadowing(layout: &Layout<'_>, ri: usize, unsat: &[bool]) -> Option<Diagnostic> {
    let model = layout.model;
    let rule = model.rules.get(ri)?;
    if unsat.get(ri).copied().unwrap_or(true) {
        return None;
    }
    let win = layout.winning_region(ri)?;
    if !win.is_empty() {
        return None;
    }
    // it is beaten wherever it matches: by whom?
    let mine: Vec<&Region> = layout
        .rule_regions
        .get(ri)
        .map(|v| v.iter().collect())
        .unwrap_or_default();
    // name the rules that take its place: one that does it alone if
    // there is one, else all that overlap it
    let mut alone = Vec::new();
    let mut overlapping = Vec::new();
    for (bi, b) in model.rules.iter().enumerate() {
        if bi == ri || !layout.beats(bi, ri) {
            continue;
        }
        let theirs: Vec<&Region> = layout
            .rule_regions
            .get(bi)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        if !mine
            .iter()
            .any(|m| theirs.iter().any(|rb| intersect(m, rb).is_some()))
        {
            continue;
        }
        overlapping.push(why_beats(model, b, rule));
        let start: Vec<Region> = mine
            .iter()
            .filter_map(|m| {
                layout
                    .baseline_ok(rule.action.kind)
                    .and_then(|ok| intersect(m, ok))
            })
            .collect();
        if subtract_all(start, &theirs, LIMIT).is_some_and(|r| r.is_empty()) {
            alone.push(why_beats(model, b, rule));
        }
    }
    let ok_region: Vec<Region> = mine
        .iter()
        .filter_map(|m| {
            layout
                .baseline_ok(rule.action.kind)
                .and_then(|ok| intersect(m, ok))
        })
        .collect();
    let base_stricter = layout.baseline_ok(rule.action.kind).is_some_and(|ok| {
        mine.iter()
            .any(|m| intersect(m, ok).is_none_or(|x| x != **m))
    });
    let takers: Vec<String> = if ok_region.is_empty() {
        vec!["the automation baseline (stricter)".to_string()]
    } else if let Some(a) = alone.into_iter().next() {
        vec![a]
    } else {
        let mut t = overlapping;
        if base_stricter {
            t.push("the automation baseline (stricter)".to_string());
        }
        t
    };
    let example = mine.first().map(|m| layout.space.witness(m));
    let mut d = Diagnostic::new(
        Code::ShadowedRule,
        rule.span,
        format!(
            "rule `{}` never decides: wherever it matches, {} wins instead",
            rule.name,
            join_takers(&takers)
        ),
    )
    .with_help(shadow_help(&takers));
    if let Some(ex) = example {
        d = d.with_example(ex);
    }
    Some(d)
}

/// The later rules that route like rule `ai` to another queue on some
/// facts where nothing stronger wins.
fn ambiguities(layout: &Layout<'_>, ai: usize, shadowed: &[bool]) -> Vec<Diagnostic> {
    let model = layout.model;
    let mut out = Vec::new();
    if let Some(a) = model.rules.get(ai) {
        for (bi, b) in model.rules.iter().enumerate().skip(ai + 1) {
            if a.action.kind != b.action.kind
                || a.priority != b.priority
                || a.action.queue == b.action.queue
                || a.action.kind == ActionKind::Answer
                || shadowed.get(ai).copied().unwrap_or(true)
                || shadowed.get(bi).copied().unwrap_or(true)
            {
                continue;
            }
            if layout.approximate.get(ai).copied().unwrap_or(true)
                || layout.approximate.get(bi).copied().unwrap_or(true)
            {
                continue;
            }
            let Some(ok) = layout.baseline_ok(a.action.kind) else {
                continue;
            };
            let mut both = Vec::new();
            for ra in layout.rule_regions.get(ai).into_iter().flatten() {
                for rb in layout.rule_regions.get(bi).into_iter().flatten() {
                    if !meets(ra, rb) {
                        continue;
                    }
                    if let Some(x) = intersect(ra, rb).and_then(|x| intersect(&x, ok)) {
                        both.push(x);
                    }
                }
            }
            if both.is_empty() {
                continue;
            }
            let mut stronger: Vec<&Region> = model
                .rules
                .iter()
                .enumerate()
                .filter(|(ci, c)| {
                    *ci != ai
                        && *ci != bi
                        && (c.action.kind > a.action.kind
                            || (c.action.kind == a.action.kind && c.priority > a.priority))
                })
                .flat_map(|(ci, _)| layout.rule_regions.get(ci).into_iter().flatten())
                .filter(|r| both.iter().any(|s| meets(s, r)))
                .collect();
            stronger.sort_by(|x, y| volume(y).total_cmp(&volume(x)));
            let Some(rest) = subtract_all(both, &stronger, LIMIT) else {
                continue;
            };
            let Some(point) = rest.first() else { continue };
            let q = |r: &RuleM| {
                r.action
                    .queue
                    .as_ref()
                    .map_or("no queue".to_string(), |q| format!("\"{q}\""))
            };
            out.push(
                Diagnostic::new(
                    Code::AmbiguousRoute,
                    b.span,
                    format!(
                        "rules `{}` and `{}` can both match with the same action `{}` and priority {}, but send to different queues ({} and {}); only their order in the file decides",
                        a.name,
                        b.name,
                        a.action.kind.as_str(),
                        a.priority.as_str(),
                        q(a),
                        q(b)
                    ),
                )
                .with_related(a.span, "the earlier rule, which wins today")
                .with_help("give one of them a higher priority, or make their conditions exclusive, so the queue does not depend on file order")
                .with_example(layout.space.witness(point)),
            );
        }
    }
    out
}

fn shadow_help(takers: &[String]) -> String {
    if takers.iter().all(|t| t.contains("automation baseline")) {
        return "the automation block already gives these conversations a stricter action: change this rule's action, or the automation entry, or remove the rule".to_string();
    }
    let stricter = takers
        .iter()
        .any(|t| t.contains("stricter") && !t.contains("automation baseline"));
    let higher = takers.iter().any(|t| t.contains("higher"));
    let earlier = takers.iter().any(|t| t.contains("earlier"));
    let mut ways = Vec::new();
    if stricter {
        ways.push("a stricter action can only be beaten by an equally strict one: change this rule's action, or narrow the stricter rule");
    }
    if higher {
        ways.push("raise this rule's priority above the other's");
    }
    if earlier {
        ways.push(
            "move it above the rule with the same action and priority, or raise its priority",
        );
    }
    ways.push("or remove it if it is no longer needed");
    ways.join("; ")
}

fn join_takers(t: &[String]) -> String {
    match t.len() {
        0 => "another rule".into(),
        1 => t.first().cloned().unwrap_or_default(),
        n => format!(
            "{} or {}",
            t.get(..n - 1).unwrap_or(&[]).join(", "),
            t.get(n - 1).cloned().unwrap_or_default()
        ),
    }
}

fn unsatisfiable(
    model: &Model,
    layout: &Layout<'_>,
    rule: &RuleM,
    span: crate::span::Span,
    cond: &crate::check::model::CondM,
    whole: bool,
) -> Diagnostic {
    // find the fields whose constraints contradict: conjoin the literals of
    // the first conjunction field by field and report the empty ones
    let mut culprits: Vec<String> = Vec::new();
    let n = nnf(model, cond, false);
    let mut conj: Vec<Vec<(usize, crate::check::model::Cell)>> = vec![Vec::new()];
    collect_conj(&n, &mut conj);
    for lits in conj.iter().take(1) {
        let mut acc: Vec<(usize, crate::check::model::Cell)> = Vec::new();
        for l in lits {
            let single = [l.clone()];
            match conjoin(model, &acc, &single) {
                Some(next) => {
                    let r = layout.space.row_region(model, &next);
                    if let Some((ci, _)) = r.iter().enumerate().find(|(_, b)| is_zero(b)) {
                        if let Some(c) = layout.space.cols.get(ci) {
                            if !culprits.contains(&c.name) {
                                culprits.push(c.name.clone());
                            }
                        }
                    }
                    acc = next;
                }
                None => {
                    if let Some(f) = model.fields.get(l.0) {
                        if !culprits.contains(&f.name) {
                            culprits.push(f.name.clone());
                        }
                    }
                }
            }
        }
    }
    let what = if whole {
        format!("the condition of rule `{}` can never hold", rule.name)
    } else {
        format!("this `or` branch of rule `{}` can never hold", rule.name)
    };
    let atoms = cond_atoms(cond);
    let help = if culprits.is_empty() {
        "no facts satisfy it given the declared values and ranges: check the comparisons"
            .to_string()
    } else if atoms <= 1 {
        format!(
            "no value of {} can satisfy this comparison, given the declared values and range",
            crate::diag::list_words(&culprits).replace(" or ", " and ")
        )
    } else {
        format!(
            "no value of {} satisfies these comparisons together (given the declared values and ranges)",
            crate::diag::list_words(&culprits).replace(" or ", " and ")
        )
    };
    let _ = bit;
    Diagnostic::new(Code::Unsatisfiable, span, what).with_help(help)
}

fn cond_atoms(c: &crate::check::model::CondM) -> usize {
    use crate::check::model::CondM;
    match c {
        CondM::Or(p) | CondM::And(p) => p.iter().map(cond_atoms).sum(),
        CondM::Not(x) => cond_atoms(x),
        CondM::Atom(_) => 1,
    }
}

/// The literals of the first conjunction of an NNF (for explanations).
fn collect_conj(n: &crate::table::Nnf, out: &mut Vec<Vec<(usize, crate::check::model::Cell)>>) {
    use crate::table::Nnf;
    match n {
        Nnf::Lit(f, c) => {
            if let Some(first) = out.first_mut() {
                first.push((*f, c.clone()));
            }
        }
        Nnf::And(parts) => parts.iter().for_each(|p| collect_conj(p, out)),
        Nnf::Or(parts) => {
            if let Some(p) = parts.first() {
                collect_conj(p, out);
            }
        }
    }
}
