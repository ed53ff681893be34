//! The checked policy: names resolved to indexes, literals typed, every
//! atom of a condition turned into a cell (the set of facts it accepts).

use super::interval::IntervalSet;
use crate::span::Span;
use crate::syntax::ast::ActionKind;

#[derive(Clone, Debug, PartialEq)]
pub enum FieldType {
    Enum(Vec<String>),
    Level(Vec<String>),
    Set(Vec<String>),
    Number { lo: Option<f64>, hi: Option<f64> },
    Int { lo: Option<f64>, hi: Option<f64> },
    Bool,
    Text,
}

impl FieldType {
    pub fn kind_name(&self) -> &'static str {
        match self {
            FieldType::Enum(_) => "enum",
            FieldType::Level(_) => "level",
            FieldType::Set(_) => "set",
            FieldType::Number { .. } => "number",
            FieldType::Int { .. } => "int",
            FieldType::Bool => "bool",
            FieldType::Text => "text",
        }
    }

    /// The kind with its article: "an enum", "a level", "an int".
    pub fn a_kind(&self) -> String {
        let kind = self.kind_name();
        let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {kind}")
    }

    /// The named values of an enum, level or set.
    pub fn values(&self) -> &[String] {
        match self {
            FieldType::Enum(v) | FieldType::Level(v) | FieldType::Set(v) => v,
            _ => &[],
        }
    }

    /// Values addressable by index: named values, or false/true for bool.
    pub fn discrete_len(&self) -> Option<usize> {
        match self {
            FieldType::Enum(v) | FieldType::Level(v) => Some(v.len()),
            FieldType::Bool => Some(2),
            _ => None,
        }
    }

    pub fn range(&self) -> Option<(Option<f64>, Option<f64>)> {
        match self {
            FieldType::Number { lo, hi } | FieldType::Int { lo, hi } => Some((*lo, *hi)),
            _ => None,
        }
    }

    /// The whole domain of present values for a number/int field.
    pub fn range_set(&self) -> IntervalSet {
        use super::interval::{Bound, Interval};
        match self {
            FieldType::Number { lo, hi } | FieldType::Int { lo, hi } => {
                let s = IntervalSet::from(Interval {
                    lo: Bound {
                        value: lo.unwrap_or(f64::NEG_INFINITY),
                        inclusive: lo.is_some(),
                    },
                    hi: Bound {
                        value: hi.unwrap_or(f64::INFINITY),
                        inclusive: hi.is_some(),
                    },
                });
                if matches!(self, FieldType::Int { .. }) {
                    s.to_integers()
                } else {
                    s
                }
            }
            _ => IntervalSet::all(),
        }
    }

    /// How the type is written in a policy.
    pub fn describe(&self) -> String {
        let range = |lo: &Option<f64>, hi: &Option<f64>| match (lo, hi) {
            (None, None) => String::new(),
            (lo, hi) => format!(
                " {}..{}",
                lo.map(super::interval::fmt_num).unwrap_or_default(),
                hi.map(super::interval::fmt_num).unwrap_or_default()
            ),
        };
        match self {
            FieldType::Enum(v) => format!("enum {{ {} }}", v.join(", ")),
            FieldType::Level(v) => format!("level {{ {} }}", v.join(" < ")),
            FieldType::Set(v) => format!("set {{ {} }}", v.join(", ")),
            FieldType::Number { lo, hi } => format!("number{}", range(lo, hi)),
            FieldType::Int { lo, hi } => format!("int{}", range(lo, hi)),
            FieldType::Bool => "bool".into(),
            FieldType::Text => "text".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub ty: FieldType,
    /// The name in the declaration.
    pub span: Span,
    pub decl_span: Span,
    pub doc: Option<String>,
    /// Read by a condition or as the automation field (SPEC 2.4 `missing`).
    pub read: bool,
}

#[derive(Clone, Debug)]
pub struct Queue {
    pub name: String,
    pub sla_minutes: Option<f64>,
    pub description: Option<String>,
    pub span: Span,
    pub doc: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const NAMES: [&'static str; 4] = ["low", "normal", "high", "urgent"];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        match s {
            "low" => Some(Priority::Low),
            "normal" => Some(Priority::Normal),
            "high" => Some(Priority::High),
            "urgent" => Some(Priority::Urgent),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ActionM {
    pub kind: ActionKind,
    pub queue: Option<String>,
}

impl ActionM {
    pub fn answer() -> ActionM {
        ActionM {
            kind: ActionKind::Answer,
            queue: None,
        }
    }

    pub fn describe(&self) -> String {
        match &self.queue {
            Some(q) => format!("{} {}", self.kind.as_str(), crate::syntax::quote(q)),
            None => self.kind.as_str().to_string(),
        }
    }
}

/// A text predicate, evaluated once per decision for all rows that use it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TextPred {
    Eq(String),
    Matches(String),
    /// Case-insensitive substring.
    Contains(String),
}

impl TextPred {
    /// The test as written after the field's name: `= "x"`, `matches "x"`,
    /// `contains "x"`.
    pub fn text(&self) -> String {
        let q = crate::syntax::quote;
        match self {
            TextPred::Eq(s) => format!("= {}", q(s)),
            TextPred::Matches(s) => format!("matches {}", q(s)),
            TextPred::Contains(s) => format!("contains {}", q(s)),
        }
    }
}

/// A set predicate over the present elements.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SetPred {
    HasAny(Vec<u32>),
    HasAll(Vec<u32>),
}

/// What a cell accepts of a present value.
#[derive(Clone, Debug, PartialEq)]
pub enum Present {
    /// Enum/level value indexes, or bool (0 = false, 1 = true).
    Values(Vec<bool>),
    Num(IntervalSet),
    /// Every clause must hold (a clause: predicate, wanted truth).
    Set(Vec<(SetPred, bool)>),
    Text(Vec<(TextPred, bool)>),
}

/// The facts one column of a row accepts: `missing` when the fact is
/// absent, `present` when it is there (None: no present value).
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub missing: bool,
    pub present: Option<Present>,
}

impl Cell {
    /// Accepts every fact (a column the row does not constrain).
    pub fn any(ty: &FieldType) -> Cell {
        Cell {
            missing: true,
            present: Some(Present::all(ty)),
        }
    }

    pub fn is_missing() -> Cell {
        Cell {
            missing: true,
            present: None,
        }
    }

    pub fn present(p: Present) -> Cell {
        Cell {
            missing: false,
            present: Some(p),
        }
    }

    pub fn negate(&self, ty: &FieldType) -> Cell {
        let present = match &self.present {
            None => Some(Present::all(ty)),
            Some(p) => p.complement(ty),
        };
        Cell {
            missing: !self.missing,
            present,
        }
    }

    pub fn intersect(&self, other: &Cell, ty: &FieldType) -> Cell {
        let present = match (&self.present, &other.present) {
            (Some(a), Some(b)) => a.intersect(b, ty),
            _ => None,
        };
        Cell {
            missing: self.missing && other.missing,
            present,
        }
    }

    pub fn is_any(&self, ty: &FieldType) -> bool {
        self.missing && self.present.as_ref().is_some_and(|p| p.is_all(ty))
    }
}

impl Present {
    pub fn all(ty: &FieldType) -> Present {
        match ty {
            FieldType::Enum(v) | FieldType::Level(v) => Present::Values(vec![true; v.len()]),
            FieldType::Bool => Present::Values(vec![true; 2]),
            FieldType::Number { .. } | FieldType::Int { .. } => Present::Num(IntervalSet::all()),
            FieldType::Set(_) => Present::Set(Vec::new()),
            FieldType::Text => Present::Text(Vec::new()),
        }
    }

    pub fn is_all(&self, ty: &FieldType) -> bool {
        match self {
            Present::Values(v) => v.iter().all(|b| *b),
            Present::Num(s) => s.is_all() || ty.range_set().intersect(s) == ty.range_set(),
            Present::Set(c) => c.is_empty(),
            Present::Text(c) => c.is_empty(),
        }
    }

    /// None when the complement is empty. Set and text complements of more
    /// than one clause are not cells; callers only negate single atoms.
    pub fn complement(&self, ty: &FieldType) -> Option<Present> {
        let p = match self {
            Present::Values(v) => Present::Values(v.iter().map(|b| !b).collect()),
            Present::Num(s) => Present::Num(s.complement()),
            Present::Set(c) => match c.as_slice() {
                [] => return None,
                [(p, want)] => Present::Set(vec![(p.clone(), !want)]),
                _ => return None,
            },
            Present::Text(c) => match c.as_slice() {
                [] => return None,
                [(p, want)] => Present::Text(vec![(p.clone(), !want)]),
                _ => return None,
            },
        };
        (!p.is_empty(ty)).then_some(p)
    }

    pub fn intersect(&self, other: &Present, ty: &FieldType) -> Option<Present> {
        let p = match (self, other) {
            (Present::Values(a), Present::Values(b)) => {
                Present::Values(a.iter().zip(b).map(|(x, y)| *x && *y).collect())
            }
            (Present::Num(a), Present::Num(b)) => Present::Num(a.intersect(b)),
            (Present::Set(a), Present::Set(b)) => {
                let mut c = a.clone();
                for x in b {
                    if !c.contains(x) {
                        c.push(x.clone());
                    }
                }
                Present::Set(c)
            }
            (Present::Text(a), Present::Text(b)) => {
                let mut c = a.clone();
                for x in b {
                    if !c.contains(x) {
                        c.push(x.clone());
                    }
                }
                Present::Text(c)
            }
            _ => return None,
        };
        (!p.is_empty(ty)).then_some(p)
    }

    /// Obviously empty (values and numbers exactly; set and text clauses
    /// only for direct contradictions — the analysis decides the rest).
    pub fn is_empty(&self, ty: &FieldType) -> bool {
        match self {
            Present::Values(v) => !v.iter().any(|b| *b),
            Present::Num(s) => {
                let dom = ty.range_set();
                let s = if matches!(ty, FieldType::Int { .. }) {
                    s.to_integers()
                } else {
                    s.clone()
                };
                dom.intersect(&s).is_empty()
            }
            Present::Set(c) => c.iter().any(|(p, w)| c.contains(&(p.clone(), !w))),
            Present::Text(c) => c.iter().any(|(p, w)| c.contains(&(p.clone(), !w))),
        }
    }
}

/// A resolved condition.
#[derive(Clone, Debug, PartialEq)]
pub enum CondM {
    Or(Vec<CondM>),
    And(Vec<CondM>),
    Not(Box<CondM>),
    Atom(AtomM),
}

#[derive(Clone, Debug, PartialEq)]
pub struct AtomM {
    pub field: usize,
    pub cell: Cell,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct RuleM {
    pub name: String,
    /// The rule's first line (its `rule` or `when` keyword to end of line).
    pub span: Span,
    /// The whole rule.
    pub decl_span: Span,
    pub cond_span: Span,
    pub cond: CondM,
    /// Spans of the source's top-level `or` branches, with their conditions.
    pub branches: Vec<(Span, CondM)>,
    pub action: ActionM,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub notes: Vec<String>,
    pub attach: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExampleFact {
    /// Index into the field's values (or 0/1 for bool).
    Value(u32),
    Num(f64),
    Text(String),
    Set(Vec<u32>),
}

#[derive(Clone, Debug)]
pub struct ExampleM {
    pub name: String,
    pub span: Span,
    pub facts: Vec<(usize, ExampleFact)>,
    pub expect: ActionKind,
    pub expect_queue: Option<String>,
    pub expect_priority: Option<Priority>,
    pub expect_tags: Vec<String>,
    /// `attach` items the example names: each must be in the decision's.
    pub expect_attach: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct AutomationM {
    pub field: usize,
    /// The baseline for each value of the field.
    pub by_value: Vec<ActionM>,
    /// Per value: whether an entry lists it (else `otherwise` applies).
    pub listed: Vec<bool>,
    /// For a missing fact: `otherwise`, else answer.
    pub otherwise: ActionM,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct LetM {
    pub name: String,
    pub span: Span,
}

/// The checked policy.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub name: Option<String>,
    pub fields: Vec<Field>,
    pub queues: Vec<Queue>,
    pub lets: Vec<LetM>,
    pub ticket: Vec<String>,
    pub automation: Option<AutomationM>,
    pub rules: Vec<RuleM>,
    pub examples: Vec<ExampleM>,
    /// The text of each source file, by span file index: what diagnostics
    /// computed later (the analysis) quote. Shared, so a model is cheap to
    /// clone.
    pub sources: Vec<std::sync::Arc<str>>,
}

impl Model {
    pub fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    pub fn queue(&self, name: &str) -> Option<&Queue> {
        self.queues.iter().find(|q| q.name == name)
    }

    pub fn rule(&self, name: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.name == name)
    }

    /// The user's text at a span, on one line (see [`one_line`]); None
    /// when the span is not in the sources.
    pub fn quote(&self, span: Span) -> Option<String> {
        let text = self.sources.get(span.file as usize)?;
        text.get(span.start..span.end).map(one_line)
    }
}

/// A piece of a policy's text as one line, to quote it in a message: as
/// written when it is on one line; otherwise its lines without their
/// comments, trimmed and joined by single spaces.
pub fn one_line(text: &str) -> String {
    if !text.contains('\n') {
        return text.to_string();
    }
    let mut parts: Vec<&str> = Vec::new();
    for line in text.lines() {
        let code = line
            .get(..crate::syntax::lex::split_comment(line).0)
            .unwrap_or(line)
            .trim();
        if !code.is_empty() {
            parts.push(code);
        }
    }
    parts.join(" ")
}

/// Context items a ticket can carry besides declared fields (SPEC 2.5).
pub const CONTEXT_ITEMS: &[&str] = &[
    "question",
    "summary",
    "sources",
    "missing_knowledge",
    "sentiment",
    "history",
    "customer",
];
