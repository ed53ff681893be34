//! Go to definition, find references, document highlight and rename, for
//! fields, values, lets and queues.

use super::index::{Occurrence, Symbol};
use super::lexer;
use super::Analysis;
use crate::check::model::CONTEXT_ITEMS;
use crate::diag::Edit;
use crate::span::Span;

/// Why a rename was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameError(pub String);

impl std::fmt::Display for RenameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RenameError {}

fn at(a: &Analysis, file: u32, offset: usize) -> Option<&Occurrence> {
    a.index.at(file, lexer::clamp(a.text(file), offset))
}

/// The declaration of the name at the offset.
pub fn definition(a: &Analysis, file: u32, offset: usize) -> Option<Span> {
    let o = at(a, file, offset)?;
    a.index.declaration(&o.symbol).map(|d| d.span)
}

/// Every occurrence of the name at the offset, in every file of the policy.
pub fn references(a: &Analysis, file: u32, offset: usize, include_declaration: bool) -> Vec<Span> {
    let Some(o) = at(a, file, offset) else {
        return Vec::new();
    };
    a.index
        .of(&o.symbol)
        .filter(|x| include_declaration || !x.decl)
        .map(|x| x.span)
        .collect()
}

/// The occurrences of the name at the offset in this file: (span, is the
/// declaration).
pub fn highlights(a: &Analysis, file: u32, offset: usize) -> Vec<(Span, bool)> {
    let Some(o) = at(a, file, offset) else {
        return Vec::new();
    };
    let sym = o.symbol.clone();
    a.index
        .in_file(file)
        .filter(|x| x.symbol == sym)
        .map(|x| (x.span, x.decl))
        .collect()
}

/// The name's span as the user edits it (a queue without its quotes) and
/// its current text.
fn edit_span(o: &Occurrence) -> Span {
    match o.symbol {
        Symbol::Queue(_) if o.span.len() >= 2 => {
            Span::new(o.span.file, o.span.start + 1, o.span.end - 1)
        }
        _ => o.span,
    }
}

/// What can be renamed at the offset: its span and current name.
pub fn prepare_rename(
    a: &Analysis,
    file: u32,
    offset: usize,
) -> Result<(Span, String), RenameError> {
    let o = at(a, file, offset).ok_or_else(|| {
        RenameError("only fields, values, thresholds (`let`) and queues can be renamed".into())
    })?;
    // what `rename` would refuse whatever the new name, refused up front
    rename(a, file, offset, o.symbol.name())?;
    Ok((edit_span(o), o.symbol.name().to_string()))
}

/// Words that cannot name a field, value or let.
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "has",
    "is",
    "when",
    "then",
    "true",
    "false",
    "policy",
    "field",
    "let",
    "queue",
    "ticket",
    "automation",
    "rule",
    "example",
    "otherwise",
];

/// Rename the name at the offset everywhere; refuses a new name that is
/// not an identifier (a queue: not a one-line string) or that clashes.
pub fn rename(
    a: &Analysis,
    file: u32,
    offset: usize,
    new_name: &str,
) -> Result<Vec<Edit>, RenameError> {
    let o = at(a, file, offset).ok_or_else(|| {
        RenameError("only fields, values, thresholds (`let`) and queues can be renamed".into())
    })?;
    let sym = o.symbol.clone();
    let model = a.model();
    let clash = |what: &str| Err(RenameError(format!("`{new_name}` is already {what}")));
    if sym.name() != new_name {
        match &sym {
            Symbol::Queue(_) => {
                if new_name.trim().is_empty() || new_name.chars().any(|c| c.is_control()) {
                    return Err(RenameError(
                        "a queue name is a non-empty string on one line".into(),
                    ));
                }
                if model.queue(new_name).is_some() {
                    return clash("a queue");
                }
            }
            _ => {
                if !lexer::is_identifier(new_name) {
                    return Err(RenameError(format!(
                        "`{new_name}` is not a name: use letters, digits and `_`, starting with a letter or `_`"
                    )));
                }
                if KEYWORDS.contains(&new_name) {
                    return Err(RenameError(format!("`{new_name}` is a keyword")));
                }
                let is_field = model.field(new_name).is_some();
                let is_let = a.lets.iter().any(|l| l.name == new_name);
                match &sym {
                    Symbol::Field(_) => {
                        if is_field {
                            return clash("a field");
                        }
                        if is_let {
                            return clash("a threshold (`let`)");
                        }
                        if CONTEXT_ITEMS.contains(&new_name) {
                            return clash("a ticket context item");
                        }
                    }
                    Symbol::Value(field, _) => {
                        let taken = model
                            .field(field)
                            .and_then(|i| model.fields.get(i))
                            .is_some_and(|f| f.ty.values().iter().any(|v| v == new_name));
                        if taken {
                            return clash(&format!("a value of `{field}`"));
                        }
                        if is_let {
                            return clash("a threshold (`let`)");
                        }
                    }
                    Symbol::Let(_) => {
                        if is_let {
                            return clash("a threshold (`let`)");
                        }
                        if is_field {
                            return clash("a field");
                        }
                        if let Some(f) = model
                            .fields
                            .iter()
                            .find(|f| f.ty.values().iter().any(|v| v == new_name))
                        {
                            return clash(&format!("a value of `{}`", f.name));
                        }
                    }
                    Symbol::Queue(_) => {}
                }
            }
        }
    }
    if let Some((file, line)) = use_in_broken_statement(a, &sym) {
        return Err(RenameError(format!(
            "`{}` is also written on line {line}{file}, in a statement that does not parse, which rename cannot see: fix that statement first",
            sym.name()
        )));
    }
    if let Symbol::Value(field, value) = &sym {
        let renamed: Vec<Span> = a.index.of(&sym).map(|x| x.span).collect();
        let shared = a.lets.iter().find(|l| {
            matches!(&l.value.kind, crate::syntax::ast::LitKind::Name(n) if n == value)
                && !renamed.contains(&l.value.span)
        });
        if let Some(l) = shared {
            return Err(RenameError(format!(
                "`let {} = {value}` stands for `{value}` of more than one field, so renaming the value of `{field}` alone would break it: give that `let` the value you mean first",
                l.name
            )));
        }
    }
    let text = match sym {
        Symbol::Queue(_) => crate::syntax::quote(new_name),
        _ => new_name.to_string(),
    };
    Ok(a.index
        .of(&sym)
        .map(|x| Edit {
            span: x.span,
            text: text.clone(),
        })
        .collect())
}

/// The first line (1-based) of a statement with a syntax error that
/// writes the symbol's name (with ` of FILE` in a policy of several
/// files): a use that the index cannot see.
fn use_in_broken_statement(a: &Analysis, sym: &Symbol) -> Option<(String, usize)> {
    for (fi, ast) in a.checked.asts.iter().enumerate() {
        let f = a.checked.files.get(fi)?;
        for stmt in &ast.stmts {
            if !matches!(stmt.kind, crate::syntax::ast::StmtKind::Error) {
                continue;
            }
            let hit = lexer::tokens(&f.text, stmt.span.start, stmt.span.end)
                .iter()
                .any(|t| match sym {
                    Symbol::Queue(q) => {
                        let raw = t.text(&f.text);
                        let body = raw
                            .strip_prefix('"')
                            .map(|b| b.strip_suffix('"').unwrap_or(b));
                        t.is_str() && body.is_some_and(|b| crate::syntax::unescape(b) == *q)
                    }
                    _ => t.is_ident() && t.text(&f.text) == sym.name(),
                });
            if hit {
                let file = if a.checked.files.len() > 1 {
                    format!(" of `{}`", f.base_name())
                } else {
                    String::new()
                };
                return Some((file, f.line_of(stmt.span.start) + 1));
            }
        }
    }
    None
}
