//! Parsing: text to syntax tree, one statement at a time so that a broken
//! statement costs one diagnostic and the rest of the file still parses.

pub mod ast;
pub mod cache;
pub mod lex;
mod words;

use crate::diag::{Code, Diagnostic};
use crate::span::Span;
use ast::*;
use pest::iterators::Pair;
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/handover.pest"]
struct Grammar;

/// Parse one file. Never fails: what does not parse becomes `syntax`
/// diagnostics and `StmtKind::Error` statements.
pub fn parse(file: u32, text: &str) -> (Ast, Vec<Diagnostic>) {
    parse_with(file, text, true)
}

/// [`parse`] without the statement cache, whatever the process turned on:
/// what a cached parse must agree with (tests and fuzzing).
pub fn parse_fresh(file: u32, text: &str) -> (Ast, Vec<Diagnostic>) {
    parse_with(file, text, false)
}

/// [`parse`], with the statement cache (when the process turned it on) or
/// without it.
fn parse_with(file: u32, text: &str, use_cache: bool) -> (Ast, Vec<Diagnostic>) {
    let mut ast = Ast {
        stmts: Vec::new(),
        comments: lex::comments(file, text),
    };
    let mut diags = Vec::new();
    let unterminated = lex::unterminated_strings(text);
    let chunks: Vec<(usize, usize)> = lex::split(text);
    let one = |&(start, end): &(usize, usize)| {
        let chunk = text.get(start..end).unwrap_or("");
        let cached = use_cache
            .then(|| {
                cache::parsed(chunk, || {
                    let here: Vec<usize> = unterminated
                        .iter()
                        .filter(|&&q| q >= start && q < end)
                        .map(|q| q - start)
                        .collect();
                    parse_chunk(0, chunk, 0, chunk.len(), &here)
                })
            })
            .flatten();
        match cached {
            Some((mut stmts, mut diags)) => {
                use cache::Relocate;
                stmts.relocate(file, start);
                diags.relocate(file, start);
                (stmts, diags)
            }
            None => parse_chunk(file, text, start, end, &unterminated),
        }
    };
    // Statements parse independently: a large file is spread over the
    // cores (results keep the file's order); a small one is not worth it.
    let parts: Vec<(Vec<Stmt>, Vec<Diagnostic>)> = if chunks.len() >= PARALLEL_FROM {
        use rayon::prelude::*;
        chunks.par_iter().map(one).collect()
    } else {
        chunks.iter().map(one).collect()
    };
    for (stmts, d) in parts {
        ast.stmts.extend(stmts);
        diags.extend(d);
    }
    attach_docs(&mut ast, text);
    // a lone carriage return (classic Mac OS line endings) is not a line
    // break here, while editors show one: a file whose first line is a
    // comment would otherwise read as one long comment, silently empty
    let bytes = text.as_bytes();
    if let Some(at) = bytes
        .iter()
        .enumerate()
        .position(|(i, b)| *b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
    {
        diags.push(
            Diagnostic::new(
                crate::diag::Code::Syntax,
                Span::new(file, at, at + 1),
                "a lone carriage return (`\\r`) is not a line break",
            )
            .with_help("save the file with Unix (`\\n`) or Windows (`\\r\\n`) line endings"),
        );
        diags.sort_by_key(|d| (d.span.start, d.span.end));
    }
    (ast, diags)
}

/// Statements from which parsing runs in parallel.
const PARALLEL_FROM: usize = 512;

/// One statement of the splitter: usually one statement, more when a line
/// in it turns out to start a statement of its own.
fn parse_chunk(
    file: u32,
    text: &str,
    start: usize,
    end: usize,
    unterminated: &[usize],
) -> (Vec<Stmt>, Vec<Diagnostic>) {
    let mut stmts = Vec::new();
    let mut diags = Vec::new();
    let mut queue = vec![(start, end)];
    while let Some((start, end)) = queue.pop() {
        let chunk = text.get(start..end).unwrap_or("");
        if lex::code_is_blank(chunk) {
            continue;
        }
        let trimmed_end = start + chunk.trim_end().len();
        let stmt_span = Span::new(file, start, trimmed_end);
        if let Some(&q) = unterminated.iter().find(|&&q| q >= start && q < end) {
            diags.push(
                Diagnostic::new(
                    Code::Syntax,
                    Span::new(file, q, line_end(text, q)),
                    "unterminated string: a string must end with `\"` on the same line",
                )
                .with_help("close the string with `\"`; write `\\n` for a line break inside it"),
            );
            stmts.push(error_stmt(stmt_span));
            continue;
        }
        let (depth, at) = lex::nesting(chunk);
        if depth > lex::MAX_NESTING {
            diags.push(
                Diagnostic::new(
                    Code::Syntax,
                    Span::new(file, start + at, start + at + 1),
                    format!(
                        "this condition nests {} levels deep; at most {} are allowed",
                        depth,
                        lex::MAX_NESTING
                    ),
                )
                .with_help(
                    "split the rule into several rules, or remove redundant parentheses and `not`s",
                ),
            );
            stmts.push(error_stmt(stmt_span));
            continue;
        }
        match Grammar::parse(Rule::statement_file, chunk) {
            Ok(mut pairs) => {
                let mut b = Builder {
                    file,
                    base: start,
                    chunk,
                    diags: &mut diags,
                };
                let decl = pairs.next().and_then(|p| p.into_inner().next());
                let span = decl.as_ref().map_or(stmt_span, |d| b.span(d));
                let stmt = decl.map(|p| b.statement(p)).unwrap_or(StmtKind::Error);
                stmts.push(Stmt {
                    kind: stmt,
                    span,
                    doc: None,
                });
            }
            Err(err) => {
                let pos = match err.location {
                    pest::error::InputLocation::Pos(p) => p,
                    pest::error::InputLocation::Span((p, _)) => p,
                };
                // The error is at the first word of a later line: the lines
                // above may be a whole statement and this line a stray one
                // (a misspelled keyword). Split there and try both halves.
                let line_start = chunk
                    .get(..pos)
                    .map_or(0, |s| s.rfind('\n').map_or(0, |i| i + 1));
                let only_space_before = chunk
                    .get(line_start..pos)
                    .is_some_and(|s| s.trim().is_empty());
                if line_start > 0
                    && only_space_before
                    && !lex::code_is_blank(chunk.get(..line_start).unwrap_or(""))
                    && Grammar::parse(Rule::statement_file, chunk.get(..line_start).unwrap_or(""))
                        .is_ok()
                {
                    queue.push((start + line_start, end));
                    queue.push((start, start + line_start));
                    continue;
                }
                diags.push(words::syntax_diagnostic(file, start, chunk, pos, &err));
                stmts.push(error_stmt(stmt_span));
            }
        }
    }
    (stmts, diags)
}

fn error_stmt(span: Span) -> Stmt {
    Stmt {
        kind: StmtKind::Error,
        span,
        doc: None,
    }
}

fn line_end(text: &str, from: usize) -> usize {
    text.get(from..)
        .and_then(|s| s.find('\n'))
        .map_or(text.len(), |i| from + i)
}

/// `##` lines directly above a statement (no blank line between) document
/// it, and so does a `##` at the end of its first line.
fn attach_docs(ast: &mut Ast, text: &str) {
    let file_lines: Vec<&str> = text.split('\n').collect();
    let mut line_starts = vec![0usize];
    line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let line_of = |off: usize| match line_starts.binary_search(&off) {
        Ok(l) => l,
        Err(l) => l.saturating_sub(1),
    };
    let mut trailing_docs: std::collections::HashMap<usize, Vec<String>> =
        std::collections::HashMap::new();
    for c in &ast.comments {
        if c.trailing && c.is_doc() {
            trailing_docs
                .entry(line_of(c.span.start))
                .or_default()
                .push(c.text.trim_start_matches('#').trim().to_string());
        }
    }
    for stmt in &mut ast.stmts {
        let first_line = line_of(stmt.span.start);
        let mut docs: Vec<String> = Vec::new();
        let mut l = first_line;
        while l > 0 {
            l -= 1;
            let t = file_lines.get(l).map_or("", |s| s.trim());
            if let Some(d) = t.strip_prefix("##") {
                docs.push(d.trim().to_string());
            } else {
                break;
            }
        }
        docs.reverse();
        if let Some(t) = trailing_docs.get(&first_line) {
            docs.extend(t.iter().cloned());
        }
        if !docs.is_empty() {
            stmt.doc = Some(docs.join("\n"));
        }
    }
}

struct Builder<'d> {
    file: u32,
    base: usize,
    chunk: &'d str,
    diags: &'d mut Vec<Diagnostic>,
}

fn children(p: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    p.into_inner()
}

impl Builder<'_> {
    /// The pair's span, ending at its last token: pest lets a rule's span
    /// run over the whitespace and comments skipped before an optional
    /// part that did not match.
    fn span(&self, p: &Pair<'_, Rule>) -> Span {
        let s = p.as_span();
        // follow the last child down to the last token: a string is a
        // token of its own (its closing quote is not a pair). `next_back`
        // jumps to the last child without building the others (`tokens()`
        // would be cheaper still, but checks the whole queue in debug
        // builds, which makes it quadratic there).
        let mut end = s.end();
        let mut cur = p.clone();
        while cur.as_rule() != Rule::string {
            match cur.clone().into_inner().next_back() {
                Some(last) => {
                    end = last.as_span().end();
                    cur = last;
                }
                None => break,
            }
        }
        Span::new(self.file, self.base + s.start(), self.base + end)
    }

    fn ident(&self, p: Pair<'_, Rule>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    fn idents(&self, p: Pair<'_, Rule>) -> Vec<Ident> {
        children(p)
            .filter(|c| c.as_rule() == Rule::ident)
            .map(|c| self.ident(c))
            .collect()
    }

    fn string(&self, p: Pair<'_, Rule>) -> Str {
        let span = self.span(&p);
        let body = children(p).next().map_or("", |b| b.as_str());
        Str {
            value: unescape(body),
            span,
        }
    }

    fn numeric(&mut self, p: Pair<'_, Rule>) -> Literal {
        let span = self.span(&p);
        let text = p.as_str().to_string();
        let kind = match parse_numeric(&text) {
            Ok(k) => k,
            Err(msg) => {
                self.diags.push(
                    Diagnostic::new(Code::Syntax, span, msg).with_help(
                        "write a number (`3`, `0.6`), a percentage (`60%`) or a duration such as `30m`, `2h`, `1d` or `1h30m`",
                    ),
                );
                LitKind::Number(0.0)
            }
        };
        Literal { kind, text, span }
    }

    fn literal(&mut self, p: Pair<'_, Rule>) -> Literal {
        let span = self.span(&p);
        match children(p).next() {
            Some(inner) => self.literal_token(inner),
            None => Literal {
                kind: LitKind::Number(0.0),
                text: String::new(),
                span,
            },
        }
    }

    /// A literal from its token: a string, a number, `true`/`false` or a name.
    fn literal_token(&mut self, inner: Pair<'_, Rule>) -> Literal {
        let span = self.span(&inner);
        match inner.as_rule() {
            Rule::string => {
                let s = self.string(inner);
                Literal {
                    text: quote(&s.value),
                    kind: LitKind::Str(s.value),
                    span,
                }
            }
            Rule::numeric => self.numeric(inner),
            Rule::kw_true => Literal {
                kind: LitKind::Bool(true),
                text: "true".into(),
                span,
            },
            Rule::kw_false => Literal {
                kind: LitKind::Bool(false),
                text: "false".into(),
                span,
            },
            _ => Literal {
                kind: LitKind::Name(inner.as_str().to_string()),
                text: inner.as_str().to_string(),
                span,
            },
        }
    }

    fn literals(&mut self, p: Pair<'_, Rule>) -> Vec<Literal> {
        children(p)
            .filter(|c| c.as_rule() == Rule::literal)
            .map(|c| self.literal(c))
            .collect()
    }

    fn statement(&mut self, p: Pair<'_, Rule>) -> StmtKind {
        let rule = p.as_rule();
        let span = self.span(&p);
        let mut it = children(p).filter(|c| !is_punct(c.as_rule()));
        match rule {
            Rule::policy_decl => {
                it.next();
                match it.next() {
                    Some(s) => StmtKind::Policy(self.string(s)),
                    None => StmtKind::Error,
                }
            }
            Rule::field_decl => {
                it.next();
                let (Some(name), Some(ty)) = (it.next(), it.next()) else {
                    return StmtKind::Error;
                };
                let name = self.ident(name);
                let ty_span = self.span(&ty);
                let ty = self.type_expr(ty);
                StmtKind::Field { name, ty, ty_span }
            }
            Rule::let_decl => {
                it.next();
                let (Some(name), Some(lit)) = (it.next(), it.next()) else {
                    return StmtKind::Error;
                };
                StmtKind::Let {
                    name: self.ident(name),
                    value: self.literal(lit),
                }
            }
            Rule::queue_decl => {
                it.next();
                let Some(name) = it.next() else {
                    return StmtKind::Error;
                };
                let name = self.string(name);
                let mut sla = None;
                let mut description = None;
                for c in it {
                    match c.as_rule() {
                        Rule::numeric => sla = Some(self.numeric(c)),
                        Rule::queue_desc => {
                            description = children(c).next().map(|s| self.string(s));
                        }
                        _ => {}
                    }
                }
                if let Some(l) = &sla {
                    // a malformed numeric was already reported by `numeric`
                    if !matches!(l.kind, LitKind::Duration(_)) && parse_numeric(&l.text).is_ok() {
                        self.diags.push(
                            Diagnostic::new(
                                Code::Syntax,
                                l.span,
                                format!("expected a duration after `sla`, found `{}`", l.text),
                            )
                            .with_help(words::sla_without_unit(&l.text)),
                        );
                    }
                }
                StmtKind::Queue {
                    name,
                    sla,
                    description,
                }
            }
            Rule::ticket_decl => {
                let items = it
                    .find(|c| c.as_rule() == Rule::ident_list)
                    .map(|l| self.idents(l))
                    .unwrap_or_default();
                StmtKind::Ticket(items)
            }
            Rule::automation_decl => {
                let mut field = None;
                let mut entries = Vec::new();
                for c in it {
                    match c.as_rule() {
                        Rule::ident => field = Some(self.ident(c)),
                        Rule::auto_entry => {
                            if let Some(e) = self.auto_entry(c) {
                                entries.push(e);
                            }
                        }
                        _ => {}
                    }
                }
                // one entry per line
                for w in entries.windows(2) {
                    if let [a, b] = w {
                        if a.action.span.end <= b.span.start
                            && !self.newline_between(a.span.end, b.span.start)
                        {
                            self.diags.push(
                                Diagnostic::new(
                                    Code::Syntax,
                                    b.span,
                                    "expected a new line before the next automation entry",
                                )
                                .with_help(
                                    "write each `VALUES => ACTION` entry on a line of its own",
                                ),
                            );
                        }
                    }
                }
                match field {
                    Some(field) => StmtKind::Automation { field, entries },
                    None => StmtKind::Error,
                }
            }
            Rule::rule_decl => {
                let mut name = None;
                let mut when_span = span;
                let mut cond = None;
                let mut action = None;
                let mut modifiers = Vec::new();
                for c in it {
                    match c.as_rule() {
                        Rule::string => name = Some(self.string(c)),
                        Rule::kw_when => when_span = self.span(&c),
                        Rule::condition => cond = Some(self.condition(c)),
                        Rule::action => action = Some(self.action(c)),
                        Rule::priority_mod | Rule::tag_mod | Rule::note_mod | Rule::attach_mod => {
                            if let Some(m) = self.modifier(c) {
                                modifiers.push(m);
                            }
                        }
                        _ => {}
                    }
                }
                match (cond, action) {
                    (Some(cond), Some(action)) => StmtKind::Rule(RuleDecl {
                        name,
                        when_span,
                        cond,
                        action,
                        modifiers,
                        span,
                    }),
                    _ => StmtKind::Error,
                }
            }
            Rule::example_decl => {
                let mut name = None;
                let mut facts = Vec::new();
                let mut expect = None;
                let mut modifiers = Vec::new();
                for c in it {
                    match c.as_rule() {
                        Rule::string => name = Some(self.string(c)),
                        Rule::example_fact => {
                            let mut fc = children(c).filter(|x| !is_punct(x.as_rule()));
                            if let (Some(f), Some(v)) = (fc.next(), fc.next()) {
                                let f = self.ident(f);
                                let v = if v.as_rule() == Rule::value_set {
                                    let vs = self.span(&v);
                                    let items = children(v)
                                        .find(|x| x.as_rule() == Rule::ident_list)
                                        .map(|l| self.idents(l))
                                        .unwrap_or_default();
                                    ExampleValue::Set(items, vs)
                                } else {
                                    ExampleValue::Lit(self.literal(v))
                                };
                                facts.push((f, v));
                            }
                        }
                        Rule::action => expect = Some(self.action(c)),
                        Rule::priority_mod | Rule::tag_mod | Rule::note_mod | Rule::attach_mod => {
                            if let Some(m) = self.modifier(c) {
                                modifiers.push(m);
                            }
                        }
                        _ => {}
                    }
                }
                match (name, expect) {
                    (Some(name), Some(expect)) => StmtKind::Example(Example {
                        name,
                        facts,
                        expect,
                        modifiers,
                        span,
                    }),
                    _ => StmtKind::Error,
                }
            }
            _ => StmtKind::Error,
        }
    }

    /// Whether a line break separates two file offsets of this chunk.
    fn newline_between(&self, a: usize, b: usize) -> bool {
        self.chunk
            .get(a.saturating_sub(self.base)..b.saturating_sub(self.base))
            .is_some_and(|s| s.contains('\n'))
    }

    fn type_expr(&mut self, p: Pair<'_, Rule>) -> TypeExpr {
        let rule = p.as_rule();
        let mut it = children(p).filter(|c| !is_punct(c.as_rule()));
        it.next(); // the type keyword
        match rule {
            Rule::enum_type | Rule::set_type => {
                let items = it
                    .find(|c| c.as_rule() == Rule::ident_list)
                    .map(|l| self.idents(l))
                    .unwrap_or_default();
                if rule == Rule::enum_type {
                    TypeExpr::Enum(items)
                } else {
                    TypeExpr::Set(items)
                }
            }
            Rule::level_type => TypeExpr::Level(
                it.filter(|c| c.as_rule() == Rule::ident)
                    .map(|c| self.ident(c))
                    .collect(),
            ),
            Rule::number_type | Rule::int_type => {
                let (lo, hi) = match it.next() {
                    Some(r) => {
                        let mut nums = children(r).filter(|c| c.as_rule() == Rule::numeric);
                        let lo = nums.next().map(|n| self.numeric(n));
                        let hi = nums.next().map(|n| self.numeric(n));
                        (lo, hi)
                    }
                    None => (None, None),
                };
                if rule == Rule::number_type {
                    TypeExpr::Number(lo, hi)
                } else {
                    TypeExpr::Int(lo, hi)
                }
            }
            Rule::bool_type => TypeExpr::Bool,
            _ => TypeExpr::Text,
        }
    }

    fn auto_entry(&mut self, p: Pair<'_, Rule>) -> Option<AutoEntry> {
        let span = self.span(&p);
        let mut values = Vec::new();
        let mut otherwise = false;
        let mut action = None;
        for c in children(p) {
            match c.as_rule() {
                Rule::kw_otherwise => otherwise = true,
                Rule::ident_list => values = self.idents(c),
                Rule::action => action = Some(self.action(c)),
                Rule::stray_modifier => {
                    let s = self.span(&c);
                    self.diags.push(
                        Diagnostic::new(
                            Code::Syntax,
                            s,
                            format!("automation entries take no modifiers, found `{}`", first_word_of(c.as_str())),
                        )
                        .with_help("move the priority, tags and attachments into a rule: `when FIELD = VALUE then ACTION ...`"),
                    );
                }
                _ => {}
            }
        }
        Some(AutoEntry {
            values,
            otherwise,
            action: action?,
            span,
        })
    }

    fn action(&mut self, p: Pair<'_, Rule>) -> Action {
        let span = self.span(&p);
        let mut kind = ActionKind::Answer;
        let mut queue = None;
        for c in children(p) {
            match c.as_rule() {
                Rule::kw_answer => kind = ActionKind::Answer,
                Rule::kw_draft => kind = ActionKind::Draft,
                Rule::kw_route => kind = ActionKind::Route,
                Rule::kw_human => kind = ActionKind::Human,
                Rule::string => queue = Some(self.string(c)),
                _ => {}
            }
        }
        Action { kind, queue, span }
    }

    fn modifier(&mut self, p: Pair<'_, Rule>) -> Option<Modifier> {
        let span = self.span(&p);
        let rule = p.as_rule();
        let arg = children(p).nth(1)?;
        Some(match rule {
            Rule::priority_mod => Modifier::Priority(self.ident(arg), span),
            Rule::tag_mod => Modifier::Tag(self.string(arg), span),
            Rule::note_mod => Modifier::Note(self.string(arg), span),
            _ => Modifier::Attach(self.idents(arg), span),
        })
    }

    fn condition(&mut self, p: Pair<'_, Rule>) -> Cond {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::condition | Rule::and_expr => {
                let is_or = p.as_rule() == Rule::condition;
                let mut parts: Vec<Cond> = children(p)
                    .filter(|c| !matches!(c.as_rule(), Rule::kw_or | Rule::kw_and))
                    .map(|c| self.condition(c))
                    .collect();
                if parts.len() == 1 {
                    parts.pop().unwrap_or(Cond::Or(Vec::new(), span))
                } else if is_or {
                    Cond::Or(parts, span)
                } else {
                    Cond::And(parts, span)
                }
            }
            Rule::not_expr => {
                let mut it = children(p);
                let Some(first) = it.next() else {
                    return Cond::And(Vec::new(), span);
                };
                if first.as_rule() == Rule::kw_not {
                    match it.next() {
                        Some(inner) => Cond::Not(Box::new(self.condition(inner)), span),
                        None => Cond::And(Vec::new(), span),
                    }
                } else {
                    self.condition(first)
                }
            }
            Rule::group => {
                let inner = children(p).find(|c| c.as_rule() == Rule::condition);
                match inner {
                    Some(c) => Cond::Group(Box::new(self.condition(c)), span),
                    None => Cond::And(Vec::new(), span),
                }
            }
            Rule::atom => self.atom(p),
            _ => Cond::And(Vec::new(), span),
        }
    }

    fn atom(&mut self, p: Pair<'_, Rule>) -> Cond {
        let span = self.span(&p);
        let mut it = children(p);
        let Some(field) = it.next() else {
            return Cond::And(Vec::new(), span);
        };
        let field = self.ident(field);
        let Some(test) = it.next() else {
            return Cond::Atom(Atom {
                op_span: field.span,
                field,
                test: Test::Truthy,
                span,
            });
        };
        let rule = test.as_rule();
        let test_span = self.span(&test);
        let parts: Vec<Pair<'_, Rule>> = children(test).collect();
        // the operator: everything before the first operand
        let op_end = parts
            .iter()
            .find(|c| matches!(c.as_rule(), Rule::literal | Rule::lbrace | Rule::string))
            .map_or(test_span.end, |c| self.span(c).start);
        // the operator ends at its last non-blank character
        let mut op_end = op_end;
        while op_end > test_span.start
            && self
                .chunk
                .get(op_end - 1 - self.base..op_end - self.base)
                .is_some_and(|c| c.chars().all(char::is_whitespace))
        {
            op_end -= 1;
        }
        let op_span = Span::new(self.file, test_span.start, op_end);
        let list = |b: &mut Self, parts: &[Pair<'_, Rule>]| {
            parts
                .iter()
                .find(|c| c.as_rule() == Rule::literal_list)
                .map(|l| b.literals(l.clone()))
                .unwrap_or_default()
        };
        let t = match rule {
            Rule::cmp_test => {
                let op = match parts.first().map(|c| c.as_str()) {
                    Some("!=") => CmpOp::Ne,
                    Some("<=") => CmpOp::Le,
                    Some(">=") => CmpOp::Ge,
                    Some("<") => CmpOp::Lt,
                    Some(">") => CmpOp::Gt,
                    _ => CmpOp::Eq,
                };
                match parts.iter().find(|c| c.as_rule() == Rule::literal) {
                    Some(l) => Test::Cmp(op, self.literal(l.clone())),
                    None => Test::IsPresent,
                }
            }
            Rule::in_test => Test::In(list(self, &parts)),
            Rule::not_in_test => Test::NotIn(list(self, &parts)),
            Rule::has_any_test => Test::HasAny(list(self, &parts)),
            Rule::has_all_test => Test::HasAll(list(self, &parts)),
            Rule::has_test => match parts.iter().find(|c| c.as_rule() == Rule::literal) {
                Some(l) => Test::Has(self.literal(l.clone())),
                None => Test::IsPresent,
            },
            Rule::matches_test | Rule::contains_test => {
                let s = match parts
                    .iter()
                    .find(|c| matches!(c.as_rule(), Rule::string | Rule::ident))
                {
                    Some(c) => self.literal_token(c.clone()),
                    None => Literal {
                        kind: LitKind::Str(String::new()),
                        text: "\"\"".to_string(),
                        span: test_span,
                    },
                };
                if rule == Rule::matches_test {
                    Test::Matches(s)
                } else {
                    Test::Contains(s)
                }
            }
            Rule::missing_test => Test::IsMissing,
            _ => Test::IsPresent,
        };
        Cond::Atom(Atom {
            field,
            test: t,
            op_span,
            span,
        })
    }
}

fn first_word_of(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or(s)
}

fn is_punct(r: Rule) -> bool {
    matches!(
        r,
        Rule::colon
            | Rule::comma
            | Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::lt
            | Rule::eq
            | Rule::arrow
            | Rule::dotdot
            | Rule::EOI
    )
}

/// Resolve `\"`, `\\` and `\n`; any other backslash stays as written so a
/// regex reads naturally.
pub fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('"') => {
                    out.push('"');
                    chars.next();
                }
                Some('\\') => {
                    out.push('\\');
                    chars.next();
                }
                Some('n') => {
                    out.push('\n');
                    chars.next();
                }
                _ => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Quote a string value the way the language writes it.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\\' => {
                // a backslash stays single unless reading it back would
                // turn it into an escape
                if matches!(chars.peek(), Some('"' | '\\' | 'n' | '\n') | None) {
                    out.push_str("\\\\");
                } else {
                    out.push('\\');
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A number, a percentage or a duration.
pub fn parse_numeric(text: &str) -> Result<LitKind, String> {
    let is_decimal = |s: &str| {
        let s = s.strip_prefix('-').unwrap_or(s);
        let mut parts = s.splitn(2, '.');
        let int = parts.next().unwrap_or("");
        let frac = parts.next();
        !int.is_empty()
            && int.bytes().all(|b| b.is_ascii_digit())
            && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
    };
    if is_decimal(text) {
        return text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(LitKind::Number)
            .ok_or_else(|| format!("the number `{text}` is too large"));
    }
    if let Some(p) = text.strip_suffix('%') {
        if is_decimal(p) {
            return shift_decimal(p)
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(LitKind::Percent)
                .ok_or_else(|| format!("the percentage `{text}` is too large"));
        }
        return Err(format!("malformed percentage `{text}`"));
    }
    // durations: one or more NUMBER UNIT with units d, h, m in that order
    let mut minutes = 0f64;
    let mut rest = text;
    let mut last_rank = 0;
    let mut any = false;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
        let (num, tail) = rest.split_at(digits);
        let mut tail_chars = tail.chars();
        let unit = tail_chars.next();
        let (mult, rank) = match unit {
            Some('d') => (1440.0, 1),
            Some('h') => (60.0, 2),
            Some('m') => (1.0, 3),
            _ => (0.0, 0),
        };
        if digits == 0 || rank == 0 || rank <= last_rank {
            return Err(format!(
                "malformed duration `{text}`: use whole numbers with `d`, `h` or `m`, largest first"
            ));
        }
        let n: f64 = num
            .parse()
            .map_err(|_| format!("malformed duration `{text}`"))?;
        minutes += n * mult;
        last_rank = rank;
        any = true;
        rest = tail_chars.as_str();
    }
    if any {
        Ok(LitKind::Duration(minutes))
    } else {
        Err(format!("malformed number `{text}`"))
    }
}

/// "57" -> "0.57", "-5.5" -> "-0.055": dividing by 100 in decimal, so that
/// `57%` is exactly the decimal 0.57.
fn shift_decimal(p: &str) -> String {
    let (sign, p) = match p.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", p),
    };
    let (int, frac) = p.split_once('.').unwrap_or((p, ""));
    let digits = format!("{int}{frac}");
    let point = int.len() as isize - 2;
    let (i, f) = if point <= 0 {
        (
            "0".to_string(),
            format!("{}{}", "0".repeat((-point) as usize), digits),
        )
    } else {
        let (a, b) = digits.split_at(point as usize);
        (a.to_string(), b.to_string())
    };
    if f.is_empty() {
        format!("{sign}{i}")
    } else {
        format!("{sign}{i}.{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy_files(dir: &std::path::Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                policy_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "handover") {
                out.push(std::fs::read_to_string(&p).unwrap_or_default());
            }
        }
    }

    /// Statements from the cache, moved to their place, are the statements
    /// a fresh parse gives: on every example and fixture policy, cold and
    /// warm, and again after an edit above them shifts every offset.
    #[test]
    fn cached_statements_equal_fresh_ones() {
        cache::enable();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = Vec::new();
        policy_files(&root.join("examples"), &mut texts);
        policy_files(&root.join("tests/fixtures"), &mut texts);
        assert!(texts.len() > 50, "{} policies", texts.len());
        for text in &texts {
            let fresh = parse_with(2, text, false);
            assert_eq!(parse_with(2, text, true), fresh);
            assert_eq!(parse_with(2, text, true), fresh);
            let edited = format!("# an edit\nlet zz = 3\n{text}");
            assert_eq!(parse_with(5, &edited, true), parse_with(5, &edited, false));
        }
    }

    /// A file large enough to be parsed in parallel gives the statements
    /// and diagnostics, in file order, of parsing it one statement at a time.
    #[test]
    fn parallel_parse_keeps_the_file_order() {
        let mut text = String::from("field a: enum { x, y }\nqueue \"q\"\n");
        for i in 0..PARALLEL_FROM + 100 {
            match i % 7 {
                0 => text.push_str(&format!(
                    "rule \"r{i}\"\n  when a = x\n  then route \"q\"\n"
                )),
                // a stray word on its own line: the chunk is split in two
                1 => text.push_str("when a = y then answer\nfrobnicate\n"),
                2 => text.push_str("when a = then answer\n"),
                3 => text.push_str("when a = \"open then answer\n"),
                _ => text.push_str(&format!(
                    "## doc {i}\nwhen a in {{ x, y }} then human \"q\"\n"
                )),
            }
        }
        let (ast, diags) = parse(0, &text);
        let unterminated = lex::unterminated_strings(&text);
        let mut stmts = Vec::new();
        let mut want = Vec::new();
        for (start, end) in lex::split(&text) {
            let (s, d) = parse_chunk(0, &text, start, end, &unterminated);
            stmts.extend(s);
            want.extend(d);
        }
        assert!(lex::split(&text).len() >= PARALLEL_FROM);
        let spans = |v: &[Stmt]| {
            v.iter()
                .map(|s| (s.span, s.kind.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(spans(&ast.stmts), spans(&stmts));
        assert_eq!(diags, want);
        assert!(diags.len() > 100, "the errors are reported");
    }
}
