//! Context-aware completion. The context comes from the tokens of the
//! statement before the cursor (which may well be broken), the names from
//! the checked model of the rest of the policy.

use super::lexer::{self, Tok, TokKind};
use super::{literal_fits, Analysis};
use crate::check::model::{FieldType, Priority, CONTEXT_ITEMS};
use crate::span::Span;
use crate::syntax::ast::ActionKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CompletionKind {
    Field,
    Value,
    Let,
    Queue,
    Keyword,
    Operator,
    Action,
    Priority,
    ContextItem,
    Type,
    Snippet,
}

/// One completion item. `replace` is the text it replaces (the partly
/// typed word, or an empty span at the cursor).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    pub insert_text: String,
    /// `insert_text` is an LSP snippet (`$1`, `${1:name}`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub snippet: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_text: Option<String>,
    pub sort_text: String,
    #[serde(skip)]
    pub replace: Span,
}

/// Completions at a byte offset of a file of the analysis.
pub fn completions(a: &Analysis, file: u32, offset: usize) -> Vec<Completion> {
    let text = a.text(file);
    let offset = lexer::clamp(text, offset);
    let line_start = text
        .get(..offset)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    // inside a comment: nothing
    let line_toks = lexer::tokens(text, line_start, offset);
    if line_toks
        .iter()
        .any(|t| t.kind == TokKind::Comment && t.start < offset)
    {
        return Vec::new();
    }
    let start = statement_start(text, offset);
    let mut toks: Vec<Tok> = lexer::tokens(text, start, offset)
        .into_iter()
        .filter(|t| t.kind != TokKind::Comment)
        .collect();
    // the word being typed
    let mut prefix: Option<Tok> = None;
    if let Some(last) = toks.last().copied() {
        let typing = last.end == offset
            && matches!(
                last.kind,
                TokKind::Ident | TokKind::Number | TokKind::Str { terminated: false }
            );
        if typing {
            prefix = Some(last);
            toks.pop();
        } else if last.end == offset && last.kind == (TokKind::Str { terminated: true }) {
            // right after a closed string: nothing to add to it
            return Vec::new();
        }
    }
    if prefix.is_some_and(|p| p.kind == TokKind::Number) {
        return Vec::new();
    }
    let replace = match prefix {
        Some(p) if p.is_str() => {
            let end = lexer::tokens(text, p.start, line_end(text, p.start))
                .first()
                .map_or(offset, |t| t.end.max(offset));
            Span::new(file, p.start, end)
        }
        Some(p) => Span::new(file, p.start, lexer::word_at(text, offset).1.max(offset)),
        None => Span::new(file, offset, offset),
    };
    let mut c = Ctx {
        a,
        text,
        replace,
        out: Vec::new(),
    };
    c.statement(&toks, offset);
    // a word at the very start of a line may begin a new statement
    let word_start = prefix.map_or(offset, |p| p.start);
    let at_line_start = text
        .get(line_start..word_start)
        .is_some_and(|s| s.trim().is_empty());
    if at_line_start && !toks.is_empty() && !c.inside_braces(&toks) {
        // unindented: most likely a new statement, so those come first
        let unindented = line_start == word_start;
        c.top_level(if unindented { "." } else { "9" });
    }
    let mut out = c.out;
    if let Some(p) = prefix {
        if p.is_str() {
            out.retain(|i| i.kind == CompletionKind::Queue);
            for i in &mut out {
                i.filter_text = Some(i.insert_text.clone());
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|i| seen.insert((i.label.clone(), i.insert_text.clone())));
    out
}

fn line_end(text: &str, from: usize) -> usize {
    text.get(from..)
        .and_then(|s| s.find('\n'))
        .map_or(text.len(), |i| from + i)
}

/// Where the statement holding `offset` starts: the last line, at or
/// before the cursor, that opens a statement (as the parser cuts them).
fn statement_start(text: &str, offset: usize) -> usize {
    let before = text.get(..offset).unwrap_or("");
    crate::syntax::lex::split(before)
        .last()
        .map_or(0, |&(s, _)| s)
}

struct Ctx<'a> {
    a: &'a Analysis,
    text: &'a str,
    replace: Span,
    out: Vec<Completion>,
}

const STATEMENT_SNIPPETS: &[(&str, &str, &str)] = &[
    (
        "rule",
        "rule \"${1:name}\"\n  when ${2:condition}\n  then ${3|answer,draft,route,human|}",
        "a named rule: when CONDITION then ACTION",
    ),
    (
        "when",
        "when ${1:condition} then ${2|answer,draft,route,human|}",
        "an unnamed rule (named `line N`)",
    ),
    ("queue", "queue \"${1:name}\" sla ${2:4h}", "a human queue with its SLA"),
    (
        "field",
        "field ${1:name}: ${2|enum { },level { < },set { },number 0..1,int 0..,bool,text|}",
        "a fact the support system provides",
    ),
    (
        "automation",
        "automation by ${1:category} {\n  ${2:values} => ${3|answer,draft,route,human|}\n  otherwise => ${4:answer}\n}",
        "the baseline action per value of an enum or level field",
    ),
    (
        "example",
        "example \"${1:name}\" {\n  ${2:field} = ${3:value}\n} expect ${4|answer,draft,route,human|}",
        "an executable example, run by `handover test`",
    ),
    ("let", "let ${1:name} = ${2:0.5}", "a named threshold"),
    ("ticket", "ticket requires ${1:question}", "context every handoff ticket must carry"),
    ("policy", "policy \"${1:name}\"", "the policy's name"),
];

impl<'a> Ctx<'a> {
    fn t(&self, tok: &Tok) -> &'a str {
        tok.text(self.text)
    }

    fn is(&self, tok: Option<&Tok>, word: &str) -> bool {
        tok.is_some_and(|t| self.t(t) == word)
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        label: impl Into<String>,
        kind: CompletionKind,
        detail: Option<String>,
        documentation: Option<String>,
        insert: impl Into<String>,
        snippet: bool,
        sort: String,
    ) {
        self.out.push(Completion {
            label: label.into(),
            kind,
            detail,
            documentation,
            insert_text: insert.into(),
            snippet,
            filter_text: None,
            sort_text: sort,
            replace: self.replace,
        });
    }

    fn keyword(&mut self, word: &str, detail: &str) {
        let n = self.out.len();
        self.push(
            word,
            CompletionKind::Keyword,
            Some(detail.to_string()),
            None,
            word,
            false,
            format!("1{n:04}"),
        );
    }

    fn snippet(&mut self, label: &str, kind: CompletionKind, body: &str, detail: &str) {
        let n = self.out.len();
        self.push(
            label,
            kind,
            Some(detail.to_string()),
            None,
            body,
            body.contains('$'),
            format!("1{n:04}"),
        );
    }

    /// Whether the cursor is inside an open `{` of the statement.
    fn inside_braces(&self, toks: &[Tok]) -> bool {
        let mut depth = 0i32;
        for t in toks {
            match self.t(t) {
                "{" => depth += 1,
                "}" => depth -= 1,
                _ => {}
            }
        }
        depth > 0
    }

    fn top_level(&mut self, sort: &str) {
        for (kw, body, detail) in STATEMENT_SNIPPETS {
            let n = self.out.len();
            self.push(
                *kw,
                CompletionKind::Snippet,
                Some(detail.to_string()),
                None,
                *body,
                true,
                format!("{sort}{n:04}"),
            );
        }
    }

    fn statement(&mut self, toks: &[Tok], offset: usize) {
        let Some(first) = toks.first() else {
            self.top_level("0");
            return;
        };
        match self.t(first) {
            "policy" => {}
            "let" => {
                if toks.len() == 3 && self.is(toks.get(2), "=") {
                    self.let_values();
                }
            }
            "field" => self.field_decl(toks),
            "queue" => {
                if toks.len() == 2 && toks.get(1).is_some_and(|t| t.is_str()) {
                    self.keyword("sla", "the time to first response, e.g. `sla 4h`");
                }
            }
            "ticket" => {
                if toks.len() == 1 {
                    self.keyword("requires", "ticket requires ITEM, ...");
                } else {
                    let listed: Vec<&str> = toks.iter().skip(2).map(|t| self.t(t)).collect();
                    if toks.len() == 2 || self.is(toks.last(), ",") {
                        self.ticket_items(
                            &listed.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                        );
                    }
                }
            }
            "automation" => self.automation(toks, offset),
            "rule" | "when" => self.rule(toks),
            "example" => self.example(toks),
            _ => self.top_level("0"),
        }
    }

    fn field_decl(&mut self, toks: &[Tok]) {
        // field NAME : TYPE
        if toks.len() == 3 && self.is(toks.get(2), ":") {
            let types: [(&str, &str, &str); 7] = [
                ("enum", "enum { ${1:a}, ${2:b} }", "unordered values"),
                ("level", "level { ${1:low} < ${2:high} }", "ordered values"),
                (
                    "set",
                    "set { ${1:a}, ${2:b} }",
                    "the fact is a list of these values",
                ),
                (
                    "number",
                    "number ${1:0..1}",
                    "a number, optionally with a range",
                ),
                (
                    "int",
                    "int ${1:0..}",
                    "a whole number, optionally with a range",
                ),
                ("bool", "bool", "yes or no"),
                (
                    "text",
                    "text",
                    "free text, matched with `contains` or `matches`",
                ),
            ];
            for (label, body, detail) in types {
                self.snippet(label, CompletionKind::Type, body, detail);
            }
        }
    }

    fn ticket_items(&mut self, listed: &[String]) {
        for item in CONTEXT_ITEMS {
            if listed.iter().any(|l| l == item) {
                continue;
            }
            let n = self.out.len();
            self.push(
                *item,
                CompletionKind::ContextItem,
                Some("ticket context item".into()),
                None,
                *item,
                false,
                format!("1{n:04}"),
            );
        }
        self.fields(|_| true, listed);
    }

    fn fields(&mut self, keep: impl Fn(&FieldType) -> bool, exclude: &[String]) {
        let model = self.a.model();
        let mut items = Vec::new();
        for (i, f) in model.fields.iter().enumerate() {
            if !keep(&f.ty) || exclude.contains(&f.name) {
                continue;
            }
            items.push(Completion {
                label: f.name.clone(),
                kind: CompletionKind::Field,
                detail: Some(f.ty.describe()),
                documentation: f.doc.clone(),
                insert_text: f.name.clone(),
                snippet: false,
                filter_text: None,
                sort_text: format!("0{i:04}"),
                replace: self.replace,
            });
        }
        self.out.extend(items);
    }

    fn field_type(&self, name: &str) -> Option<&FieldType> {
        let m = self.a.model();
        m.field(name).and_then(|i| m.fields.get(i)).map(|f| &f.ty)
    }

    /// The values of a field (levels in order), without `exclude`.
    fn values(&mut self, field: &str, exclude: &[String]) {
        let Some(ty) = self.field_type(field).cloned() else {
            return;
        };
        let values = ty.values();
        let n = values.len();
        for (i, v) in values.iter().enumerate() {
            if exclude.contains(v) {
                continue;
            }
            let detail = match &ty {
                FieldType::Level(_) => format!("level {} of {n} of `{field}`", i + 1),
                _ => format!("value of `{field}`"),
            };
            self.push(
                v.clone(),
                CompletionKind::Value,
                Some(detail),
                None,
                v.clone(),
                false,
                format!("0{i:04}"),
            );
        }
    }

    /// What a `let` can stand for besides a number or text: each declared
    /// value name once, with the fields that have it, and `true`/`false`.
    fn let_values(&mut self) {
        let model = self.a.model();
        let mut names: Vec<(String, Vec<String>)> = Vec::new();
        for f in &model.fields {
            for v in f.ty.values() {
                match names.iter_mut().find(|(n, _)| n == v) {
                    Some((_, owners)) => owners.push(f.name.clone()),
                    None => names.push((v.clone(), vec![f.name.clone()])),
                }
            }
        }
        for (i, (v, owners)) in names.into_iter().enumerate() {
            let detail = format!(
                "value of {}",
                crate::diag::list_words(&owners).replace(" or ", " and ")
            );
            self.push(
                v.clone(),
                CompletionKind::Value,
                Some(detail),
                None,
                v,
                false,
                format!("0{i:04}"),
            );
        }
        for b in ["true", "false"] {
            self.push(
                b.to_string(),
                CompletionKind::Keyword,
                Some("for a bool field".to_string()),
                None,
                b.to_string(),
                false,
                format!("1{b}"),
            );
        }
    }

    /// The lets whose value fits a literal of the field's type.
    fn lets_for(&mut self, field: &str) {
        let Some(ty) = self.field_type(field).cloned() else {
            return;
        };
        let mut items = Vec::new();
        for l in &self.a.lets {
            let Some(v) = self.a.let_value(&l.name) else {
                continue;
            };
            if literal_fits(v, &ty) {
                items.push((l.name.clone(), format!("let {} = {}", l.name, l.value.text)));
            }
        }
        for (name, detail) in items {
            let n = self.out.len();
            self.push(
                name.clone(),
                CompletionKind::Let,
                Some(detail),
                None,
                name,
                false,
                format!("0{n:04}"),
            );
        }
    }

    fn queues(&mut self) {
        let model = self.a.model();
        let mut items = Vec::new();
        for (i, q) in model.queues.iter().enumerate() {
            let mut detail = Vec::new();
            if let Some(m) = q.sla_minutes {
                detail.push(format!("SLA {}", super::fmt_minutes(m)));
            }
            if let Some(d) = &q.description {
                detail.push(d.clone());
            }
            let quoted = crate::syntax::quote(&q.name);
            items.push(Completion {
                label: quoted.clone(),
                kind: CompletionKind::Queue,
                detail: (!detail.is_empty()).then(|| detail.join(" · ")),
                documentation: q.doc.clone(),
                insert_text: quoted,
                snippet: false,
                filter_text: Some(q.name.clone()),
                sort_text: format!("0{i:04}"),
                replace: self.replace,
            });
        }
        self.out.extend(items);
    }

    fn actions(&mut self) {
        for k in ActionKind::ALL {
            let detail = match k {
                ActionKind::Answer => "the AI answers by itself",
                ActionKind::Draft => "the AI drafts, a human approves",
                ActionKind::Route => "hand off to a queue with context",
                ActionKind::Human => "human-only: the AI summarises and gives no instruction",
            };
            let n = self.out.len();
            self.push(
                k.as_str(),
                CompletionKind::Action,
                Some(detail.into()),
                None,
                k.as_str(),
                false,
                format!("0{n:04}"),
            );
        }
    }

    fn modifiers(&mut self) {
        self.keyword(
            "priority",
            "priority low|normal|high|urgent (default normal)",
        );
        self.keyword("tag", "tag \"text\": a tag on the decision");
        self.keyword("note", "note \"text for the agent\"");
        self.keyword("attach", "attach ITEM, ...: context the ticket must carry");
    }

    fn priorities(&mut self) {
        for (i, p) in Priority::NAMES.iter().enumerate() {
            self.push(
                *p,
                CompletionKind::Priority,
                Some(format!("priority {} of 4", i + 1)),
                None,
                *p,
                false,
                format!("0{i:04}"),
            );
        }
    }

    fn automation(&mut self, toks: &[Tok], offset: usize) {
        match toks.len() {
            1 => return self.keyword("by", "automation by FIELD { ... }"),
            2 if self.is(toks.get(1), "by") => {
                return self.fields(
                    |t| matches!(t, FieldType::Enum(_) | FieldType::Level(_)),
                    &[],
                );
            }
            _ => {}
        }
        let Some(open) = toks.iter().position(|t| self.t(t) == "{") else {
            return;
        };
        if toks.iter().skip(open).any(|t| self.t(t) == "}") {
            return;
        }
        let field = toks
            .get(2)
            .map(|t| self.t(t).to_string())
            .unwrap_or_default();
        let body = toks.get(open + 1..).unwrap_or(&[]);
        let line_start = self
            .text
            .get(..offset)
            .and_then(|s| s.rfind('\n'))
            .map_or(0, |i| i + 1);
        let entry: Vec<Tok> = body
            .iter()
            .filter(|t| t.start >= line_start)
            .copied()
            .collect();
        if let Some(arrow) = entry.iter().position(|t| self.t(t) == "=>") {
            return self.action_part(entry.get(arrow + 1..).unwrap_or(&[]), false, false);
        }
        if entry.is_empty() || self.is(entry.last(), ",") {
            let used: Vec<String> = body
                .iter()
                .filter(|t| t.is_ident())
                .map(|t| self.t(t).to_string())
                .collect();
            self.values(&field, &used);
            if entry.is_empty() {
                self.keyword("otherwise", "the action for every other value");
            }
        } else if entry.last().is_some_and(|t| t.is_ident()) {
            self.snippet("=>", CompletionKind::Operator, "=> ", "VALUES => ACTION");
        }
    }

    fn rule(&mut self, toks: &[Tok]) {
        let Some(when) = toks.iter().position(|t| self.t(t) == "when") else {
            if toks.len() == 2 && toks.get(1).is_some_and(|t| t.is_str()) {
                self.keyword("when", "when CONDITION then ACTION");
            }
            return;
        };
        let rest = toks.get(when + 1..).unwrap_or(&[]);
        match rest.iter().position(|t| self.t(t) == "then") {
            Some(then) => self.action_part(rest.get(then + 1..).unwrap_or(&[]), true, false),
            None => self.condition(rest),
        }
    }

    fn example(&mut self, toks: &[Tok]) {
        let Some(open) = toks.iter().position(|t| self.t(t) == "{") else {
            return;
        };
        let close = toks
            .iter()
            .skip(open + 1)
            .position(|t| self.t(t) == "}" && !self.set_brace(toks, open, t.start))
            .map(|i| i + open + 1);
        match close {
            None => self.example_facts(toks.get(open + 1..).unwrap_or(&[])),
            Some(close) => {
                let after = toks.get(close + 1..).unwrap_or(&[]);
                match after.first() {
                    None => self.keyword("expect", "expect ACTION [MODIFIERS]"),
                    Some(t) if self.t(t) == "expect" => {
                        self.action_part(after.get(1..).unwrap_or(&[]), true, true)
                    }
                    Some(_) => {}
                }
            }
        }
    }

    /// Whether the `}` at `at` closes a set value (`F = { a, b }`) inside
    /// the example's braces rather than the facts block.
    fn set_brace(&self, toks: &[Tok], open: usize, at: usize) -> bool {
        let mut depth = 0i32;
        for t in toks.iter().skip(open + 1) {
            if t.start >= at {
                break;
            }
            match self.t(t) {
                "{" => depth += 1,
                "}" => depth -= 1,
                _ => {}
            }
        }
        depth > 0
    }

    fn example_facts(&mut self, body: &[Tok]) {
        // split the facts at top-level commas
        let mut depth = 0i32;
        let mut current: Vec<Tok> = Vec::new();
        let mut given: Vec<String> = Vec::new();
        for t in body {
            let s = self.t(t);
            match s {
                "{" => depth += 1,
                "}" => depth -= 1,
                _ => {}
            }
            if s == "," && depth == 0 {
                if let Some(f) = current.first() {
                    given.push(self.t(f).to_string());
                }
                current.clear();
            } else {
                current.push(*t);
            }
        }
        match current.as_slice() {
            [] => self.fields(|_| true, &given),
            [f] if f.is_ident() => {
                self.snippet("=", CompletionKind::Operator, "= ", "FIELD = VALUE")
            }
            [f, eq] if self.t(eq) == "=" => {
                let field = self.t(f).to_string();
                match self.field_type(&field) {
                    Some(FieldType::Set(_)) => {
                        self.snippet(
                            "{ }",
                            CompletionKind::Operator,
                            "{ $1 }",
                            "the set's values",
                        );
                    }
                    Some(FieldType::Bool) => {
                        self.keyword("true", "yes");
                        self.keyword("false", "no");
                    }
                    _ => {}
                }
                self.values(&field, &[]);
                self.lets_for(&field);
            }
            [f, eq, open, rest @ ..]
                if self.t(eq) == "="
                    && self.t(open) == "{"
                    && (rest.is_empty() || self.is(rest.last(), ",")) =>
            {
                let listed: Vec<String> = rest
                    .iter()
                    .filter(|t| t.is_ident())
                    .map(|t| self.t(t).to_string())
                    .collect();
                let field = self.t(f).to_string();
                self.values(&field, &listed);
            }
            _ => {}
        }
    }

    /// After `then`, `expect` or `=>`: the action, its queue, modifiers.
    fn action_part(&mut self, toks: &[Tok], modifiers: bool, example: bool) {
        let Some(first) = toks.first() else {
            return self.actions();
        };
        let kind = self.t(first);
        let mut i = 1;
        if matches!(kind, "route" | "human" | "draft") {
            match toks.get(1) {
                None => {
                    self.queues();
                    if modifiers && (kind == "draft" || example) {
                        self.modifiers();
                    }
                    return;
                }
                Some(t) if t.is_str() => i = 2,
                Some(_) => {}
            }
        } else if kind != "answer" {
            return;
        }
        if !modifiers {
            return;
        }
        // walk the modifiers
        let mut state = "mod";
        let mut attached: Vec<String> = Vec::new();
        while let Some(t) = toks.get(i) {
            let s = self.t(t);
            state = match (state, s) {
                ("mod" | "attach-item", "priority") => "priority",
                ("mod" | "attach-item", "tag" | "note") => "string",
                ("mod" | "attach-item", "attach") => {
                    attached.clear();
                    "attach"
                }
                ("priority", _) | ("string", _) => "mod",
                ("attach", _) if t.is_ident() => {
                    attached.push(s.to_string());
                    "attach-item"
                }
                ("attach-item", ",") => "attach",
                _ => "unknown",
            };
            i += 1;
        }
        match state {
            "mod" | "attach-item" => self.modifiers(),
            "priority" => self.priorities(),
            "attach" => self.ticket_items(&attached),
            _ => {}
        }
    }

    fn condition(&mut self, toks: &[Tok]) {
        let mut s = Cond::Operand;
        for t in toks {
            let w = self.t(t);
            s = match (s, w) {
                (Cond::Operand | Cond::Field(_) | Cond::Done | Cond::Unknown, "and" | "or") => {
                    Cond::Operand
                }
                (Cond::Operand, "not" | "(") => Cond::Operand,
                (Cond::Operand, _) if t.is_ident() => Cond::Field(w.to_string()),
                (Cond::Field(f), "=" | "!=" | "<" | "<=" | ">" | ">=") => Cond::Op(f),
                (Cond::Field(f), "in") | (Cond::NotIn(f), "in") => Cond::In(f),
                (Cond::Field(f), "not") => Cond::NotIn(f),
                (Cond::Field(f), "has") => Cond::Has(f),
                (Cond::Field(f), "matches" | "contains") => Cond::TextOp(f),
                (Cond::Field(_), "is") => Cond::Is,
                (Cond::Field(_) | Cond::Done, ")") => Cond::Done,
                (Cond::Op(_), _) if t.is_literal() => Cond::Done,
                (Cond::In(f) | Cond::HasAnyAll(f), "{") => Cond::List(f, Vec::new()),
                (Cond::Has(f), "any" | "all") => Cond::HasAnyAll(f),
                (Cond::Has(_), _) if t.is_literal() => Cond::Done,
                (Cond::List(f, mut l), _) if t.is_literal() => {
                    l.push(w.to_string());
                    Cond::ListItem(f, l)
                }
                (Cond::ListItem(f, l), ",") => Cond::List(f, l),
                (Cond::ListItem(..) | Cond::List(..), "}") => Cond::Done,
                (Cond::Is, "missing" | "present") => Cond::Done,
                (Cond::TextOp(_), _) if t.is_str() || t.is_ident() => Cond::Done,
                _ => Cond::Unknown,
            };
        }
        match s {
            Cond::Operand => {
                self.fields(|_| true, &[]);
                self.keyword("not", "negates the next condition");
            }
            Cond::Field(f) => self.operators(&f),
            Cond::Op(f) => {
                if let Some(FieldType::Bool) = self.field_type(&f) {
                    self.keyword("true", "yes");
                    self.keyword("false", "no");
                }
                self.values(&f, &[]);
                self.lets_for(&f);
            }
            Cond::NotIn(_) => self.snippet(
                "in",
                CompletionKind::Operator,
                "in { $1 }",
                "not in { VALUES }",
            ),
            Cond::In(_) | Cond::HasAnyAll(_) => {
                self.snippet("{ }", CompletionKind::Operator, "{ $1 }", "the values")
            }
            Cond::Has(f) => {
                self.snippet(
                    "any",
                    CompletionKind::Operator,
                    "any { $1 }",
                    "has any { VALUES }: at least one of them",
                );
                self.snippet(
                    "all",
                    CompletionKind::Operator,
                    "all { $1 }",
                    "has all { VALUES }: every one of them",
                );
                self.values(&f, &[]);
            }
            Cond::List(f, listed) => {
                self.values(&f, &listed);
                self.lets_for(&f);
            }
            Cond::Is => {
                self.keyword("missing", "the fact is absent or null");
                self.keyword("present", "the fact is there");
            }
            Cond::Done => self.connectives(),
            Cond::TextOp(f) => self.lets_for(&f),
            Cond::ListItem(..) | Cond::Unknown => {}
        }
    }

    fn connectives(&mut self) {
        self.keyword("and", "both conditions");
        self.keyword("or", "either condition");
        self.keyword("then", "then ACTION [MODIFIERS]");
    }

    fn operators(&mut self, field: &str) {
        let Some(ty) = self.field_type(field).cloned() else {
            // not a declared field (yet): the generic operators
            for op in ["=", "!=", "<", ">", "in", "has", "is"] {
                self.keyword(op, "operator");
            }
            return;
        };
        let cmp = |c: &mut Self, ops: &[&str]| {
            for op in ops {
                c.snippet(
                    op,
                    CompletionKind::Operator,
                    &format!("{op} "),
                    &format!("{field} {op} VALUE"),
                );
            }
        };
        match &ty {
            FieldType::Enum(_) => {
                cmp(self, &["=", "!="]);
                self.snippet(
                    "in",
                    CompletionKind::Operator,
                    "in { $1 }",
                    "one of the listed values",
                );
                self.snippet(
                    "not in",
                    CompletionKind::Operator,
                    "not in { $1 }",
                    "none of the listed values",
                );
            }
            FieldType::Level(_) => {
                cmp(self, &["=", "!=", "<", "<=", ">", ">="]);
                self.snippet(
                    "in",
                    CompletionKind::Operator,
                    "in { $1 }",
                    "one of the listed values",
                );
                self.snippet(
                    "not in",
                    CompletionKind::Operator,
                    "not in { $1 }",
                    "none of the listed values",
                );
            }
            FieldType::Set(_) => {
                self.snippet(
                    "has",
                    CompletionKind::Operator,
                    "has ",
                    "the set holds the value",
                );
                self.snippet(
                    "has any",
                    CompletionKind::Operator,
                    "has any { $1 }",
                    "the set holds one of them",
                );
                self.snippet(
                    "has all",
                    CompletionKind::Operator,
                    "has all { $1 }",
                    "the set holds all of them",
                );
            }
            FieldType::Number { .. } | FieldType::Int { .. } => {
                cmp(self, &["=", "!=", "<", "<=", ">", ">="])
            }
            FieldType::Bool => {
                self.connectives();
                cmp(self, &["=", "!="]);
            }
            FieldType::Text => {
                cmp(self, &["=", "!="]);
                self.snippet(
                    "contains",
                    CompletionKind::Operator,
                    "contains \"$1\"",
                    "case-insensitive substring",
                );
                self.snippet(
                    "matches",
                    CompletionKind::Operator,
                    "matches \"$1\"",
                    "regular expression search",
                );
            }
        }
        self.snippet(
            "is missing",
            CompletionKind::Operator,
            "is missing",
            "the fact is absent or null",
        );
        self.snippet(
            "is present",
            CompletionKind::Operator,
            "is present",
            "the fact is there",
        );
    }
}

/// Where the cursor is in a condition, after reading the tokens before it.
#[derive(Clone, PartialEq)]
enum Cond {
    /// A field, `not` or `(` comes next.
    Operand,
    /// After a field name: an operator.
    Field(String),
    /// After `F =` (or another comparison): a value.
    Op(String),
    /// After `F not`: `in`.
    NotIn(String),
    /// After `F in` / `F not in`: `{`.
    In(String),
    /// After `F has`: `any`, `all` or a value.
    Has(String),
    /// After `F has any` / `F has all`: `{`.
    HasAnyAll(String),
    /// Inside `{ ... }` where a value goes: the field and the values listed.
    List(String, Vec<String>),
    /// After a value of a list.
    ListItem(String, Vec<String>),
    /// After `F is`.
    Is,
    /// After `F matches` / `F contains`: a string, or a `let` holding one.
    TextOp(String),
    /// After a whole atom: `and`, `or`, `then`.
    Done,
    Unknown,
}
