//! Analysis of the decision table: exact answers about what a policy can
//! do (the table-based warnings of SPEC 2.6), each with concrete facts.
//!
//! Every column's domain is split into finitely many atoms (see
//! [`space`]), rows become boxes, and questions become box arithmetic.

pub mod diff;
pub mod space;

use crate::check::interval::fmt_num;
use crate::check::model::{ActionM, Model, RuleM};
use crate::diag::{Code, Diagnostic};
use crate::syntax::ast::ActionKind;
use crate::table::{conjoin, dnf, nnf, Table};
use rayon::prelude::*;
use space::{intersect, is_zero, meets, set, subtract_all, Region, Space};

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
                        "rules `{}` and `{}` can both match with the same action `{}` and priority {}, but send to different queues ({} and {}); only their order in the policy decides",
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
        // moving it above a rule with another queue only swaps which one
        // is shadowed (and is then `ambiguous-route`)
        ways.push(
            "raise its priority so that it decides where both match; moving it above the other rule only helps when both send to the same queue",
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
    let what = if whole {
        format!("the condition of rule `{}` can never hold", rule.name)
    } else {
        format!("this `or` branch of rule `{}` can never hold", rule.name)
    };
    let d = Diagnostic::new(Code::Unsatisfiable, span, what);
    match contradiction_help(model, cond) {
        Some(help) => d.with_help_quoting_policy(help),
        None => d.with_help(generic_unsatisfiable_help(model, layout, cond)),
    }
}

/// The help when the contradicting tests cannot be told: the fields
/// whose tests contradict.
fn generic_unsatisfiable_help(
    model: &Model,
    layout: &Layout<'_>,
    cond: &crate::check::model::CondM,
) -> String {
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
    let atoms = cond_atoms(cond);
    if culprits.is_empty() {
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
    }
}

/// Past this many tests in a condition, the contradicting ones are not
/// looked for (the help names the fields instead).
const MAX_TESTS: usize = 64;
/// Past this many ways (`or` alternatives) to satisfy a condition, the
/// contradicting tests of each are not looked for.
const MAX_WAYS: usize = 8;
/// At most this many sets of contradicting tests are quoted.
const MAX_CORES: usize = 4;

/// One test of a condition, as a fact must pass it: where it is written,
/// whether a `not` turns it around, and the facts it accepts then.
struct TestLit {
    span: crate::span::Span,
    negated: bool,
    field: usize,
    cell: crate::check::model::Cell,
}

fn test_lit(model: &Model, a: &crate::check::model::AtomM, negated: bool) -> TestLit {
    let cell = match model.fields.get(a.field) {
        Some(f) if negated => a.cell.negate(&f.ty),
        _ => a.cell.clone(),
    };
    TestLit {
        span: a.span,
        negated,
        field: a.field,
        cell,
    }
}

/// The tests every fact satisfying `c` must pass: those joined to the
/// whole by `and` only, once `not` is pushed inward.
fn required_tests(
    model: &Model,
    c: &crate::check::model::CondM,
    negate: bool,
    out: &mut Vec<TestLit>,
) {
    use crate::check::model::CondM;
    if out.len() > MAX_TESTS {
        return;
    }
    match c {
        CondM::And(parts) | CondM::Or(parts) => {
            let is_and = matches!(c, CondM::And(_)) != negate;
            if is_and || parts.len() == 1 {
                for p in parts {
                    required_tests(model, p, negate, out);
                }
            }
        }
        CondM::Not(inner) => required_tests(model, inner, !negate, out),
        CondM::Atom(a) => out.push(test_lit(model, a, negate)),
    }
}

/// The ways to satisfy `c`, each the tests (indexes into `tests`) that
/// must all pass; None past [`MAX_WAYS`] ways or [`MAX_TESTS`] tests.
fn ways(
    model: &Model,
    c: &crate::check::model::CondM,
    negate: bool,
    tests: &mut Vec<TestLit>,
) -> Option<Vec<Vec<usize>>> {
    use crate::check::model::CondM;
    match c {
        CondM::Atom(a) => {
            if tests.len() >= MAX_TESTS {
                return None;
            }
            let i = tests.len();
            tests.push(test_lit(model, a, negate));
            Some(vec![vec![i]])
        }
        CondM::Not(inner) => ways(model, inner, !negate, tests),
        CondM::And(parts) | CondM::Or(parts) => {
            let is_and = matches!(c, CondM::And(_)) != negate;
            let mut acc: Vec<Vec<usize>> = if is_and { vec![Vec::new()] } else { Vec::new() };
            for p in parts {
                let rows = ways(model, p, negate, tests)?;
                if is_and {
                    if acc.len().saturating_mul(rows.len()) > MAX_WAYS {
                        return None;
                    }
                    let mut next = Vec::with_capacity(acc.len() * rows.len());
                    for a in &acc {
                        for b in &rows {
                            let mut r = a.clone();
                            r.extend(b);
                            next.push(r);
                        }
                    }
                    acc = next;
                } else {
                    acc.extend(rows);
                    if acc.len() > MAX_WAYS {
                        return None;
                    }
                }
            }
            Some(acc)
        }
    }
}

/// The atoms each test accepts, in a space built for these tests alone
/// (so that every field they read has a column, with their thresholds):
/// per test, its column and its atoms; None for a test on a column the
/// space cannot represent exactly.
fn test_atoms(model: &Model, tests: &[TestLit]) -> Vec<Option<(usize, space::Bits)>> {
    let table = Table {
        rows: tests
            .iter()
            .map(|t| crate::table::Row {
                rule: 0,
                cells: vec![(t.field, t.cell.clone())],
            })
            .collect(),
    };
    let sp = Space::build(&[(model, &table)]);
    tests
        .iter()
        .map(|t| {
            let name = &model.fields.get(t.field)?.name;
            let ci = sp.col(name)?;
            let col = sp.cols.get(ci)?;
            if col.approximate {
                return None;
            }
            Some((ci, sp.cell_atoms(model, t.field, ci, &t.cell)))
        })
        .collect()
}

/// The fewest of the `candidates` tests that no fact passes together
/// (always tests of one field: fields are independent), in source order.
fn smallest_core(
    atoms: &[Option<(usize, space::Bits)>],
    candidates: &[usize],
) -> Option<Vec<usize>> {
    let bits = |i: usize| atoms.get(i).and_then(|a| a.as_ref());
    let mut columns: Vec<usize> = Vec::new();
    for &i in candidates {
        if let Some((ci, _)) = bits(i) {
            if !columns.contains(ci) {
                columns.push(*ci);
            }
        }
    }
    let mut best: Option<Vec<usize>> = None;
    for ci in columns {
        let group: Vec<(usize, &space::Bits)> = candidates
            .iter()
            .filter_map(|&i| bits(i).filter(|(c, _)| *c == ci).map(|(_, b)| (i, b)))
            .collect();
        let core = column_core(&group);
        if let Some(core) = core {
            if best.as_ref().is_none_or(|b| core.len() < b.len()) {
                best = Some(core);
            }
        }
    }
    best
}

/// The fewest tests of one column that no value passes together: one, else
/// a pair, else a minimal set found by adding tests until nothing is left.
fn column_core(group: &[(usize, &space::Bits)]) -> Option<Vec<usize>> {
    if let Some((i, _)) = group.iter().find(|(_, b)| is_zero(b)) {
        return Some(vec![*i]);
    }
    for (k, (i, a)) in group.iter().enumerate() {
        for (j, b) in group.iter().skip(k + 1) {
            if is_zero(&space::and(a, b)) {
                return Some(vec![*i, *j]);
            }
        }
    }
    // add the tests in order until nothing passes them all: the last one
    // added is needed; again from the first with the needed ones kept,
    // until the needed ones alone contradict (each needed one is needed
    // with the others, so the set is minimal)
    let meet = |acc: Option<space::Bits>, b: &space::Bits| match acc {
        None => b.clone(),
        Some(x) => space::and(&x, b),
    };
    let mut core: Vec<usize> = Vec::new();
    // one round per needed test, and one to see that they contradict
    for _ in 0..=group.len() {
        let mut acc: Option<space::Bits> = None;
        for (_, b) in group.iter().filter(|(i, _)| core.contains(i)) {
            acc = Some(meet(acc, b));
        }
        if acc.as_ref().is_some_and(is_zero) {
            core.sort_unstable();
            return Some(core);
        }
        let mut needed = None;
        for (i, b) in group.iter().filter(|(i, _)| !core.contains(i)) {
            let next = meet(acc, b);
            if is_zero(&next) {
                needed = Some(*i);
                break;
            }
            acc = Some(next);
        }
        core.push(needed?);
    }
    None
}

/// A test as the user wrote it, in backticks (with `not` when a `not`
/// around it turns it around).
fn quote_test(model: &Model, t: &TestLit) -> Option<String> {
    let text = model.quote(t.span)?;
    Some(if t.negated {
        format!("`not {text}`")
    } else {
        format!("`{text}`")
    })
}

/// "`a`", "`a` and `b`", "`a`, `b` and `c`".
fn and_list(items: &[String]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {}", rest.join(", "), last),
    }
}

/// Why no fact satisfies a condition, quoting the fewest tests that
/// contradict; None when they cannot be told cheaply.
fn contradiction_help(model: &Model, cond: &crate::check::model::CondM) -> Option<String> {
    // tests that every match needs: one set of contradicting tests
    // explains the whole condition
    let mut required = Vec::new();
    required_tests(model, cond, false, &mut required);
    if !required.is_empty() && required.len() <= MAX_TESTS {
        let atoms = test_atoms(model, &required);
        let all: Vec<usize> = (0..required.len()).collect();
        if let Some(core) = smallest_core(&atoms, &all) {
            return describe_core(model, &required, &core, true);
        }
    }
    // otherwise each way to satisfy it (each `or` alternative) has its own
    let mut tests = Vec::new();
    let rows = ways(model, cond, false, &mut tests)?;
    let atoms = test_atoms(model, &tests);
    let mut cores: Vec<Vec<usize>> = Vec::new();
    for row in &rows {
        let core = smallest_core(&atoms, row)?;
        if !cores.contains(&core) {
            cores.push(core);
        }
    }
    match cores.as_slice() {
        [] => None,
        [one] => describe_core(model, &tests, one, true),
        many if many.len() <= MAX_CORES => {
            let parts = many
                .iter()
                .map(|c| describe_core(model, &tests, c, false))
                .collect::<Option<Vec<String>>>()?;
            Some(parts.join("; "))
        }
        _ => None,
    }
}

/// "`a` and `b` cannot both hold", with why when `why`.
fn describe_core(model: &Model, tests: &[TestLit], core: &[usize], why: bool) -> Option<String> {
    use crate::check::model::{FieldType, Present};
    let picked: Vec<&TestLit> = core.iter().filter_map(|&i| tests.get(i)).collect();
    let quoted = picked
        .iter()
        .map(|t| quote_test(model, t))
        .collect::<Option<Vec<String>>>()?;
    let first = picked.first()?;
    let field = model.fields.get(first.field)?;
    let f = &field.name;
    let (claim, reason) = match picked.as_slice() {
        [_] => {
            let declared = match field.ty.range() {
                Some((lo, hi)) => format!(
                    "range `{}..{}`",
                    lo.map(fmt_num).unwrap_or_default(),
                    hi.map(fmt_num).unwrap_or_default()
                ),
                None if matches!(field.ty, FieldType::Level(_)) => "levels".to_string(),
                None => "values".to_string(),
            };
            (
                format!("{} can never hold", and_list(&quoted)),
                format!(
                    "no value of `{f}` satisfies this comparison, given its declared {declared}"
                ),
            )
        }
        [a, b] => {
            let missing_only = |t: &TestLit| t.cell.missing && t.cell.present.is_none();
            let one_value = |t: &TestLit| match &t.cell.present {
                Some(Present::Values(v)) if !t.cell.missing => {
                    let mut on = v.iter().enumerate().filter(|(_, x)| **x).map(|(i, _)| i);
                    match (on.next(), on.next()) {
                        (Some(i), None) => field.ty.values().get(i).cloned(),
                        _ => None,
                    }
                }
                _ => None,
            };
            let reason = if missing_only(a) || missing_only(b) {
                format!("a missing `{f}` fails every test but `is missing`")
            } else if let (FieldType::Enum(_), Some(x), Some(y)) =
                (&field.ty, one_value(a), one_value(b))
            {
                format!("`{f}` has one value at a time; to accept either, write `{f} in {{ {x}, {y} }}`")
            } else if matches!(field.ty, FieldType::Int { .. }) {
                format!("no value of `{f}`, a whole number, satisfies both")
            } else {
                format!("no value of `{f}` satisfies both")
            };
            (format!("{} cannot both hold", and_list(&quoted)), reason)
        }
        _ => (
            format!("{} cannot all hold", and_list(&quoted)),
            if matches!(field.ty, FieldType::Int { .. }) {
                format!("no value of `{f}`, a whole number, satisfies all of them")
            } else {
                format!("no value of `{f}` satisfies all of them")
            },
        ),
    };
    Some(if why {
        format!("{claim}: {reason}")
    } else {
        claim
    })
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
