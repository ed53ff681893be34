//! Compilation to a decision table: one row per disjunct of a rule's
//! condition (negations pushed to the atoms), one column per field, each
//! cell the set of facts it accepts. The hit policy is DMN *Priority* over
//! answer < draft < route < human, with the automation block as baseline.

use crate::check::model::{Cell, CondM, Model};
use crate::diag::{Code, Diagnostic};

pub mod render;

/// A rule expanding into more rows than this is refused (`too-complex`).
pub const MAX_ROWS_PER_RULE: usize = 4096;

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Index of the rule in `Model::rules`.
    pub rule: usize,
    /// The constrained columns, by field index, in field order.
    pub cells: Vec<(usize, Cell)>,
}

impl Row {
    pub fn cell(&self, field: usize) -> Option<&Cell> {
        self.cells.iter().find(|(f, _)| *f == field).map(|(_, c)| c)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Rows in rule order; a rule's rows are contiguous.
    pub rows: Vec<Row>,
}

/// A condition in negation normal form.
#[derive(Clone, Debug)]
pub enum Nnf {
    Or(Vec<Nnf>),
    And(Vec<Nnf>),
    Lit(usize, Cell),
}

pub fn nnf(model: &Model, c: &CondM, negate: bool) -> Nnf {
    match c {
        CondM::Or(parts) | CondM::And(parts) => {
            let is_or = matches!(c, CondM::Or(_)) != negate;
            let parts = parts.iter().map(|p| nnf(model, p, negate)).collect();
            if is_or {
                Nnf::Or(parts)
            } else {
                Nnf::And(parts)
            }
        }
        CondM::Not(inner) => nnf(model, inner, !negate),
        CondM::Atom(a) => {
            let cell = if negate {
                match model.fields.get(a.field) {
                    Some(f) => a.cell.negate(&f.ty),
                    None => a.cell.clone(),
                }
            } else {
                a.cell.clone()
            };
            Nnf::Lit(a.field, cell)
        }
    }
}

/// How many rows the expansion would produce (saturating).
pub fn dnf_size(n: &Nnf) -> usize {
    match n {
        Nnf::Or(parts) => parts
            .iter()
            .fold(0usize, |a, p| a.saturating_add(dnf_size(p))),
        Nnf::And(parts) => parts
            .iter()
            .fold(1usize, |a, p| a.saturating_mul(dnf_size(p))),
        Nnf::Lit(..) => 1,
    }
}

/// Conjunctions of cells; a conjunction with an empty cell is dropped.
pub fn dnf(model: &Model, n: &Nnf) -> Vec<Vec<(usize, Cell)>> {
    match n {
        Nnf::Lit(f, c) => {
            if c.missing || c.present.is_some() {
                vec![vec![(*f, c.clone())]]
            } else {
                Vec::new()
            }
        }
        Nnf::Or(parts) => parts.iter().flat_map(|p| dnf(model, p)).collect(),
        Nnf::And(parts) => {
            let mut acc: Vec<Vec<(usize, Cell)>> = vec![Vec::new()];
            for p in parts {
                let rhs = dnf(model, p);
                let mut next = Vec::with_capacity(acc.len() * rhs.len());
                for a in &acc {
                    for b in &rhs {
                        if let Some(row) = conjoin(model, a, b) {
                            next.push(row);
                        }
                    }
                }
                acc = next;
                if acc.is_empty() {
                    break;
                }
            }
            acc
        }
    }
}

/// Intersect two conjunctions column by column; None when a column
/// becomes empty.
pub fn conjoin(
    model: &Model,
    a: &[(usize, Cell)],
    b: &[(usize, Cell)],
) -> Option<Vec<(usize, Cell)>> {
    let mut out: Vec<(usize, Cell)> = a.to_vec();
    for (f, c) in b {
        match out.iter_mut().find(|(g, _)| g == f) {
            Some((_, existing)) => {
                let ty = &model.fields.get(*f)?.ty;
                let merged = existing.intersect(c, ty);
                if !merged.missing && merged.present.is_none() {
                    return None;
                }
                *existing = merged;
            }
            None => out.push((*f, c.clone())),
        }
    }
    out.sort_by_key(|(f, _)| *f);
    Some(out)
}

/// Compile a checked policy without errors into its table. Rules that are
/// too complex are reported and left out.
pub fn compile(model: &Model) -> (Table, Vec<Diagnostic>) {
    let mut rows = Vec::new();
    let mut diags = Vec::new();
    for (ri, rule) in model.rules.iter().enumerate() {
        let n = nnf(model, &rule.cond, false);
        let size = dnf_size(&n);
        if size > MAX_ROWS_PER_RULE {
            diags.push(
                Diagnostic::new(
                    Code::TooComplex,
                    rule.cond_span,
                    format!(
                        "rule `{}` expands into {} decision-table rows; at most {} are allowed",
                        rule.name,
                        if size == usize::MAX { "too many".to_string() } else { size.to_string() },
                        MAX_ROWS_PER_RULE
                    ),
                )
                .with_help("each `or` inside an `and` multiplies the rows: split the rule into several simpler rules, or replace `or`s over one field with `in { ... }`, `has any { ... }` or one `matches` pattern"),
            );
            continue;
        }
        for cells in dnf(model, &n) {
            let cells = cells
                .into_iter()
                .filter(|(f, c)| model.fields.get(*f).is_some_and(|fd| !c.is_any(&fd.ty)))
                .collect();
            rows.push(Row { rule: ri, cells });
        }
    }
    (Table { rows }, diags)
}
