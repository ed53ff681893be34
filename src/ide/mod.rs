//! Editor features as plain functions over the document text and the checked policy.
//!
//! Everything here is synchronous and works on byte offsets and
//! [`Span`]s; the language server (`crate::lsp`) only converts positions
//! and protocol types. Build an [`Analysis`] from a policy's source files
//! (the documents of one directory), then ask it for completions, hovers,
//! definitions and so on. No function panics, whatever the text or offset.

pub mod actions;
pub mod completion;
pub mod format;
pub mod hover;
pub mod index;
pub mod lens;
pub mod lexer;
pub mod navigate;
pub mod semantic;
pub mod symbols;

use crate::check::model::FieldType;
use crate::eval::Evaluator;
use crate::facts::Facts;
use crate::policy::Checked;
use crate::span::{SourceFile, Span};
use crate::syntax::ast::{LitKind, Literal, StmtKind};
use std::sync::OnceLock;

pub use actions::{code_actions, diagnostics, CodeAction};
pub use completion::{completions, Completion, CompletionKind};
pub use format::format_edits;
pub use hover::hover;
pub use index::{Index, Occurrence, Symbol};
pub use lens::{code_lenses, ConversationStats, Lens};
pub use navigate::{definition, highlights, prepare_rename, references, rename, RenameError};
pub use semantic::{semantic_tokens, TokenType};
pub use symbols::{
    document_symbols, folding_ranges, workspace_symbols, Fold, FoldKind, SymbolKind, SymbolNode,
};

/// A `let` as written: its name and literal.
#[derive(Clone, Debug)]
pub struct LetDef {
    pub name: String,
    pub span: Span,
    pub value: Literal,
}

/// What running one `example` gave.
#[derive(Clone, Debug, PartialEq)]
pub struct ExampleOutcome {
    /// Index into `Model::examples`.
    pub example: usize,
    pub passed: bool,
    /// How the decision differs from the expectation (empty: passed).
    pub failures: Vec<String>,
    /// The decision, as `route "q" priority high`.
    pub got: String,
    /// Indexes of the rules that matched.
    pub matched: Vec<usize>,
    /// The winning rule.
    pub winner: Option<usize>,
}

/// A checked policy plus what the editor features need about it.
pub struct Analysis {
    pub checked: Checked,
    pub index: Index,
    pub lets: Vec<LetDef>,
    evaluator: OnceLock<Option<Evaluator>>,
    examples: OnceLock<Vec<ExampleOutcome>>,
    /// The table-based warnings are in (or cannot be computed).
    complete: bool,
}

impl std::fmt::Debug for Analysis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analysis")
            .field("checked", &self.checked)
            .finish()
    }
}

impl Analysis {
    /// Parse, check, compile, analyse and index a policy's files (in name
    /// order): every diagnostic `handover check` reports.
    pub fn new(files: Vec<SourceFile>) -> Analysis {
        Self::from_checked(Checked::from_sources(files))
    }

    /// Like [`Analysis::new`] without the table-based warnings
    /// (`unsatisfiable`, `always-true`, `shadowed-rule`, `ambiguous-route`),
    /// which can take long on a large policy: add them with
    /// [`Analysis::completed`].
    pub fn quick(files: Vec<SourceFile>) -> Analysis {
        let checked = Checked::build(files, false);
        let mut a = Self::from_checked(checked);
        a.complete = a.checked.table.is_none();
        a
    }

    /// Whether every diagnostic is in (see [`Analysis::quick`]).
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// This analysis with the table-based warnings added; None when it
    /// already has them or the policy did not compile.
    pub fn completed(&self) -> Option<Analysis> {
        if self.complete {
            return None;
        }
        let table = self.checked.table.as_ref()?;
        let mut diagnostics = self.checked.diagnostics.clone();
        diagnostics.extend(crate::analyze::warnings(&self.checked.model, table));
        diagnostics.sort_by_key(|d| (d.span.file, d.span.start, d.span.end));
        Some(Analysis {
            checked: Checked {
                files: self.checked.files.clone(),
                asts: self.checked.asts.clone(),
                model: self.checked.model.clone(),
                diagnostics,
                table: Some(table.clone()),
            },
            index: self.index.clone(),
            lets: self.lets.clone(),
            evaluator: OnceLock::new(),
            examples: OnceLock::new(),
            complete: true,
        })
    }

    /// A one-file policy.
    pub fn single(name: &str, text: &str) -> Analysis {
        Self::new(vec![SourceFile::new(name, text)])
    }

    pub fn from_checked(checked: Checked) -> Analysis {
        let index = Index::build(&checked.files, &checked.asts, &checked.model);
        let lets = checked
            .asts
            .iter()
            .flat_map(|a| a.stmts.iter())
            .filter_map(|s| match &s.kind {
                StmtKind::Let { name, value } => Some(LetDef {
                    name: name.name.clone(),
                    span: name.span,
                    value: value.clone(),
                }),
                _ => None,
            })
            .collect();
        Analysis {
            checked,
            index,
            lets,
            evaluator: OnceLock::new(),
            examples: OnceLock::new(),
            complete: true,
        }
    }

    pub fn file(&self, file: u32) -> Option<&SourceFile> {
        self.checked.files.get(file as usize)
    }

    pub fn text(&self, file: u32) -> &str {
        self.file(file).map_or("", |f| f.text.as_str())
    }

    pub fn model(&self) -> &crate::Model {
        &self.checked.model
    }

    /// The evaluator over the compiled table, when the policy has no errors.
    pub fn evaluator(&self) -> Option<&Evaluator> {
        self.evaluator
            .get_or_init(|| {
                let table = self.checked.table.as_ref()?;
                if self.checked.has_errors() {
                    return None;
                }
                Some(Evaluator::new(&self.checked.model, table))
            })
            .as_ref()
    }

    /// Decide one set of facts: (matched rules, decision summary).
    pub fn decide(&self, facts: &Facts) -> Option<crate::Decision<'_>> {
        let ev = self.evaluator()?;
        let mut matched = Vec::new();
        ev.matched_rules(facts, &mut matched);
        Some(crate::eval::resolve(&self.checked.model, facts, matched))
    }

    /// Every example's outcome (empty when the policy has errors).
    pub fn examples(&self) -> &[ExampleOutcome] {
        self.examples.get_or_init(|| run_examples(self))
    }

    /// The value of a let as written, followed through lets (at most a few).
    pub fn let_value(&self, name: &str) -> Option<&Literal> {
        let mut lit = &self.lets.iter().find(|l| l.name == name)?.value;
        for _ in 0..8 {
            match &lit.kind {
                LitKind::Name(n) => match self.lets.iter().find(|l| &l.name == n) {
                    Some(next) => lit = &next.value,
                    None => return Some(lit),
                },
                _ => return Some(lit),
            }
        }
        Some(lit)
    }
}

fn run_examples(a: &Analysis) -> Vec<ExampleOutcome> {
    let model = &a.checked.model;
    if a.evaluator().is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, ex) in model.examples.iter().enumerate() {
        let facts = crate::testing::example_facts(model, ex);
        let Some(d) = a.decide(&facts) else { continue };
        let failures = crate::testing::mismatches(ex, &d);
        out.push(ExampleOutcome {
            example: i,
            passed: failures.is_empty(),
            got: describe_decision(&d),
            failures,
            matched: d.matched_index.clone(),
            winner: d.rule_index,
        });
    }
    out
}

/// `route "q" priority high` (the parts an `expect` can name).
pub fn describe_decision(d: &crate::Decision<'_>) -> String {
    let mut s = d.action.as_str().to_string();
    if let Some(q) = d.queue {
        s.push(' ');
        s.push_str(&crate::syntax::quote(q));
    }
    if let Some(p) = d.priority {
        s.push_str(" priority ");
        s.push_str(p.as_str());
    }
    for t in &d.tags {
        s.push_str(" tag ");
        s.push_str(&crate::syntax::quote(t));
    }
    s
}

/// Minutes as `1h30m`.
pub fn fmt_minutes(m: f64) -> String {
    if !(m.is_finite() && m >= 0.0) || m.fract() != 0.0 {
        return format!("{m} minutes");
    }
    let mut m = m as u64;
    if m == 0 {
        return "0m".into();
    }
    let mut s = String::new();
    for (unit, size) in [("d", 1440), ("h", 60), ("m", 1)] {
        if m >= size {
            s.push_str(&format!("{}{}", m / size, unit));
            m %= size;
        }
    }
    s
}

/// The kind of literal a let holds, to know where it fits.
pub fn literal_fits(lit: &Literal, ty: &FieldType) -> bool {
    match (&lit.kind, ty) {
        (
            LitKind::Number(_) | LitKind::Percent(_) | LitKind::Duration(_),
            FieldType::Number { .. },
        ) => true,
        (
            LitKind::Number(v) | LitKind::Percent(v) | LitKind::Duration(v),
            FieldType::Int { .. },
        ) => v.fract() == 0.0,
        (LitKind::Str(_), FieldType::Text) => true,
        (LitKind::Bool(_), FieldType::Bool) => true,
        (LitKind::Name(n), FieldType::Enum(vs) | FieldType::Level(vs) | FieldType::Set(vs)) => {
            vs.contains(n)
        }
        _ => false,
    }
}
