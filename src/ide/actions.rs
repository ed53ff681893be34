//! Diagnostics of one file and the quick fixes the checker computed.

use super::Analysis;
use crate::diag::{Diagnostic, Edit};
use crate::span::Span;

/// The diagnostics whose primary span is in this file.
pub fn diagnostics(a: &Analysis, file: u32) -> Vec<&Diagnostic> {
    a.checked
        .diagnostics
        .iter()
        .filter(|d| d.span.file == file)
        .collect()
}

/// A quick fix: a diagnostic's `Fix`, ready to apply.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeAction {
    pub title: String,
    pub diagnostic: Diagnostic,
    pub edits: Vec<Edit>,
    /// The only fix of its diagnostic.
    pub preferred: bool,
}

/// The fixes of the diagnostics of this file that touch `range`.
pub fn code_actions(a: &Analysis, file: u32, range: Span) -> Vec<CodeAction> {
    let mut out = Vec::new();
    for d in diagnostics(a, file) {
        let touches = d.span.start <= range.end && range.start <= d.span.end;
        if !touches {
            continue;
        }
        for f in &d.fixes {
            out.push(CodeAction {
                title: f.title.clone(),
                diagnostic: d.clone(),
                edits: f.edits.iter().map(|e| whole_string(a, e)).collect(),
                preferred: d.fixes.len() == 1,
            });
        }
    }
    out
}

/// An edit that replaces a string literal with a string literal replaces
/// it whole, closing quote included.
fn whole_string(a: &Analysis, e: &Edit) -> Edit {
    let starts_quoted = a
        .file(e.span.file)
        .is_some_and(|f| f.slice(e.span).starts_with('"'));
    if starts_quoted && e.text.starts_with('"') {
        Edit {
            span: super::index::string_span(&a.checked.files, e.span),
            text: e.text.clone(),
        }
    } else {
        e.clone()
    }
}
