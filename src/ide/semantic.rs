//! Semantic tokens: fields, values, queues, lets, keywords, numbers,
//! strings and comments, in file order.

use super::index::Symbol;
use super::lexer::{self, TokKind};
use super::Analysis;
use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenType {
    Keyword,
    Field,
    Value,
    Queue,
    Let,
    Number,
    String,
    Comment,
    Operator,
}

impl TokenType {
    pub const ALL: [TokenType; 9] = [
        TokenType::Keyword,
        TokenType::Field,
        TokenType::Value,
        TokenType::Queue,
        TokenType::Let,
        TokenType::Number,
        TokenType::String,
        TokenType::Comment,
        TokenType::Operator,
    ];

    pub fn index(self) -> u32 {
        Self::ALL.iter().position(|t| *t == self).unwrap_or(0) as u32
    }
}

pub const KEYWORDS: &[&str] = &[
    "policy",
    "field",
    "let",
    "queue",
    "sla",
    "ticket",
    "requires",
    "automation",
    "by",
    "otherwise",
    "rule",
    "when",
    "then",
    "example",
    "expect",
    "enum",
    "level",
    "set",
    "number",
    "int",
    "bool",
    "text",
    "answer",
    "draft",
    "route",
    "human",
    "priority",
    "tag",
    "note",
    "attach",
    "and",
    "or",
    "not",
    "in",
    "has",
    "any",
    "all",
    "matches",
    "contains",
    "is",
    "missing",
    "present",
    "true",
    "false",
    "low",
    "normal",
    "high",
    "urgent",
];

/// Every token worth colouring, in order, none spanning lines.
pub fn semantic_tokens(a: &Analysis, file: u32) -> Vec<(Span, TokenType)> {
    let text = a.text(file);
    let mut occ = a.index.in_file(file).peekable();
    let mut out = Vec::new();
    for t in lexer::tokens(text, 0, text.len()) {
        while occ.peek().is_some_and(|o| o.span.start < t.start) {
            occ.next();
        }
        let sym = occ
            .peek()
            .filter(|o| o.span.start == t.start && o.span.end == t.end)
            .map(|o| &o.symbol);
        let ty = match (t.kind, sym) {
            (_, Some(Symbol::Field(_))) => TokenType::Field,
            (_, Some(Symbol::Value(..))) => TokenType::Value,
            (_, Some(Symbol::Let(_))) => TokenType::Let,
            (_, Some(Symbol::Queue(_))) => TokenType::Queue,
            (TokKind::Ident, None) if KEYWORDS.contains(&t.text(text)) => TokenType::Keyword,
            (TokKind::Ident, None) => continue,
            (TokKind::Number, _) => TokenType::Number,
            (TokKind::Str { .. }, _) => TokenType::String,
            (TokKind::Comment, _) => TokenType::Comment,
            (TokKind::Punct, _) => match t.text(text) {
                "=" | "!=" | "<" | "<=" | ">" | ">=" | "=>" => TokenType::Operator,
                _ => continue,
            },
            (TokKind::Other, _) => continue,
        };
        out.push((Span::new(file, t.start, t.end), ty));
    }
    out
}
