//! The outline (document symbols), workspace symbols and folding ranges.

use super::Analysis;
use crate::span::Span;
use crate::syntax::ast::{Stmt, StmtKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SymbolKind {
    Policy,
    Field,
    Value,
    Let,
    Queue,
    Ticket,
    Automation,
    AutomationEntry,
    Rule,
    Example,
}

/// One entry of the outline.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SymbolNode {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole declaration.
    #[serde(skip)]
    pub span: Span,
    /// The name.
    #[serde(skip)]
    pub selection: Span,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<SymbolNode>,
}

fn node(
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    selection: Span,
) -> SymbolNode {
    SymbolNode {
        name,
        detail,
        kind,
        span: if span.file == selection.file {
            span.to(selection)
        } else {
            span
        },
        selection,
        children: Vec::new(),
    }
}

/// The name of a rule as the model gives it (`line N` when unnamed).
pub fn rule_name(a: &Analysis, stmt: &Stmt) -> Option<String> {
    let StmtKind::Rule(r) = &stmt.kind else {
        return None;
    };
    if let Some(m) = a.model().rules.iter().find(|m| m.decl_span == stmt.span) {
        return Some(m.name.clone());
    }
    if let Some(n) = &r.name {
        return Some(n.value.clone());
    }
    let f = a.file(r.when_span.file)?;
    Some(f.unnamed_rule_name(r.when_span.start, a.checked.files.len() > 1))
}

/// The outline of one file: fields (with their values), lets, queues,
/// ticket, automation, rules and examples, in file order.
pub fn document_symbols(a: &Analysis, file: u32) -> Vec<SymbolNode> {
    let Some(ast) = a.checked.asts.get(file as usize) else {
        return Vec::new();
    };
    let str_span = |s: Span| super::index::string_span(&a.checked.files, s);
    let mut out = Vec::new();
    for stmt in &ast.stmts {
        let s = stmt.span;
        match &stmt.kind {
            StmtKind::Policy(name) => out.push(node(
                format!("policy {}", crate::syntax::quote(&name.value)),
                None,
                SymbolKind::Policy,
                s,
                str_span(name.span),
            )),
            StmtKind::Field { name, ty_span, .. } => {
                let model = a.model();
                let detail = model
                    .fields
                    .iter()
                    .find(|f| f.span == name.span)
                    .map(|f| f.ty.describe())
                    .or_else(|| a.file(file).map(|f| f.slice(*ty_span).to_string()));
                let mut n = node(name.name.clone(), detail, SymbolKind::Field, s, name.span);
                if let StmtKind::Field { ty, .. } = &stmt.kind {
                    use crate::syntax::ast::TypeExpr;
                    if let TypeExpr::Enum(vs) | TypeExpr::Level(vs) | TypeExpr::Set(vs) = ty {
                        n.children = vs
                            .iter()
                            .map(|v| node(v.name.clone(), None, SymbolKind::Value, v.span, v.span))
                            .collect();
                    }
                }
                out.push(n);
            }
            StmtKind::Let { name, value } => out.push(node(
                name.name.clone(),
                Some(format!("= {}", value.text)),
                SymbolKind::Let,
                s,
                name.span,
            )),
            StmtKind::Queue {
                name,
                sla,
                description,
            } => {
                let mut d = Vec::new();
                if let Some(l) = sla {
                    d.push(format!("sla {}", l.text));
                }
                if let Some(desc) = description {
                    d.push(desc.value.clone());
                }
                out.push(node(
                    name.value.clone(),
                    (!d.is_empty()).then(|| d.join(" · ")),
                    SymbolKind::Queue,
                    s,
                    str_span(name.span),
                ));
            }
            StmtKind::Ticket(items) => out.push(node(
                "ticket requires".into(),
                Some(
                    items
                        .iter()
                        .map(|i| i.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                SymbolKind::Ticket,
                s,
                Span::new(s.file, s.start, s.start),
            )),
            StmtKind::Automation { field, entries } => {
                let mut n = node(
                    format!("automation by {}", field.name),
                    None,
                    SymbolKind::Automation,
                    s,
                    field.span,
                );
                n.children = entries
                    .iter()
                    .map(|e| {
                        let name = if e.otherwise {
                            "otherwise".to_string()
                        } else {
                            e.values
                                .iter()
                                .map(|v| v.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        };
                        let action = match &e.action.queue {
                            Some(q) => format!(
                                "{} {}",
                                e.action.kind.as_str(),
                                crate::syntax::quote(&q.value)
                            ),
                            None => e.action.kind.as_str().to_string(),
                        };
                        node(
                            name,
                            Some(action),
                            SymbolKind::AutomationEntry,
                            e.span,
                            e.span,
                        )
                    })
                    .collect();
                out.push(n);
            }
            StmtKind::Rule(r) => {
                let name = rule_name(a, stmt).unwrap_or_default();
                let action = match &r.action.queue {
                    Some(q) => format!(
                        "{} {}",
                        r.action.kind.as_str(),
                        crate::syntax::quote(&q.value)
                    ),
                    None => r.action.kind.as_str().to_string(),
                };
                let sel = r.name.as_ref().map_or(r.when_span, |n| str_span(n.span));
                out.push(node(name, Some(action), SymbolKind::Rule, s, sel));
            }
            StmtKind::Example(e) => {
                let action = match &e.expect.queue {
                    Some(q) => format!(
                        "expect {} {}",
                        e.expect.kind.as_str(),
                        crate::syntax::quote(&q.value)
                    ),
                    None => format!("expect {}", e.expect.kind.as_str()),
                };
                out.push(node(
                    e.name.value.clone(),
                    Some(action),
                    SymbolKind::Example,
                    s,
                    str_span(e.name.span),
                ));
            }
            StmtKind::Error => {}
        }
    }
    out
}

/// A workspace symbol: a flattened outline entry with its container.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FlatSymbol {
    pub name: String,
    pub kind: SymbolKind,
    #[serde(skip)]
    pub span: Span,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}

/// Whether every character of the query appears in the name, in order,
/// ignoring case.
fn fuzzy(query: &str, name: &str) -> bool {
    let mut chars = name.chars().flat_map(char::to_lowercase);
    query
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .all(|q| chars.any(|c| c == q))
}

/// The symbols of every file of the policy that match the query.
pub fn workspace_symbols(a: &Analysis, query: &str) -> Vec<FlatSymbol> {
    let mut out = Vec::new();
    for file in 0..a.checked.files.len() as u32 {
        for n in document_symbols(a, file) {
            for c in &n.children {
                if fuzzy(query, &c.name) && c.kind != SymbolKind::AutomationEntry {
                    out.push(FlatSymbol {
                        name: c.name.clone(),
                        kind: c.kind,
                        span: c.selection,
                        container: Some(n.name.clone()),
                    });
                }
            }
            if fuzzy(query, &n.name) {
                out.push(FlatSymbol {
                    name: n.name,
                    kind: n.kind,
                    span: n.selection,
                    container: None,
                });
            }
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FoldKind {
    Region,
    Comment,
}

/// A folding range over 0-based lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Fold {
    pub start_line: usize,
    pub end_line: usize,
    pub kind: FoldKind,
}

/// Statements over several lines, and runs of two or more comment lines.
pub fn folding_ranges(a: &Analysis, file: u32) -> Vec<Fold> {
    let (Some(ast), Some(f)) = (a.checked.asts.get(file as usize), a.file(file)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for stmt in &ast.stmts {
        let start_line = f.line_of(stmt.span.start);
        let end_line = f.line_of(stmt.span.end);
        if end_line > start_line {
            out.push(Fold {
                start_line,
                end_line,
                kind: FoldKind::Region,
            });
        }
    }
    let mut run: Option<(usize, usize)> = None;
    for c in ast.comments.iter().filter(|c| !c.trailing) {
        let line = f.line_of(c.span.start);
        run = match run {
            Some((s, e)) if e + 1 == line => Some((s, line)),
            Some((s, e)) => {
                if e > s {
                    out.push(Fold {
                        start_line: s,
                        end_line: e,
                        kind: FoldKind::Comment,
                    });
                }
                Some((line, line))
            }
            None => Some((line, line)),
        };
    }
    if let Some((s, e)) = run {
        if e > s {
            out.push(Fold {
                start_line: s,
                end_line: e,
                kind: FoldKind::Comment,
            });
        }
    }
    out.sort_by_key(|f| (f.start_line, f.end_line));
    out
}
