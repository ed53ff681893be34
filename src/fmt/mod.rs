//! The formatter: one canonical layout, every comment kept in place,
//! idempotent, and the same syntax tree (modulo spans) after formatting.

use crate::span::Span;
use crate::syntax::ast::*;
use crate::syntax::quote;

/// Lines longer than this are broken at `or` (conditions) and before
/// modifiers.
const WIDTH: usize = 90;

#[derive(Debug, Default)]
struct Line {
    text: String,
    indent: usize,
    /// Source offsets of the first and last token on the line.
    first: Option<usize>,
    last: Option<usize>,
    trailing: Option<String>,
    /// A comment on a line of its own.
    comment: bool,
}

#[derive(Default)]
struct Printer {
    lines: Vec<Line>,
}

impl Printer {
    fn line(&mut self, indent: usize) {
        self.lines.push(Line {
            indent,
            ..Line::default()
        });
    }

    fn blank(&mut self) {
        if self
            .lines
            .last()
            .is_some_and(|l| !l.text.is_empty() || l.trailing.is_some())
        {
            self.lines.push(Line::default());
        }
    }

    fn push(&mut self, text: &str, span: Option<Span>) {
        if self.lines.is_empty() {
            self.line(0);
        }
        if let Some(l) = self.lines.last_mut() {
            l.text.push_str(text);
            if let Some(s) = span {
                l.first = Some(l.first.map_or(s.start, |f| f.min(s.start)));
                l.last = Some(l.last.map_or(s.end, |e| e.max(s.end)));
            }
        }
    }

    fn tok(&mut self, text: &str, span: Span) {
        self.push(text, Some(span));
    }
}

/// Format a policy file. None when it has syntax errors (then it is left
/// as it is).
pub fn format_source(text: &str) -> Option<String> {
    let (ast, diags) = crate::syntax::parse(0, text);
    if !diags.is_empty() || ast.stmts.iter().any(|s| matches!(s.kind, StmtKind::Error)) {
        return None;
    }
    let formatted = format_ast(&ast, text);
    // a file written with Windows line endings keeps them: `fmt --check`
    // in CI should not fail on every such file
    let crlf = text
        .find('\n')
        .is_some_and(|i| i > 0 && text.as_bytes().get(i - 1) == Some(&b'\r'));
    Some(if crlf {
        formatted.replace('\n', "\r\n")
    } else {
        formatted
    })
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn has_blank_line(text: &str) -> bool {
    let mut newlines = 0;
    for c in text.chars() {
        if c == '\n' {
            newlines += 1;
            if newlines >= 2 {
                return true;
            }
        } else if !c.is_whitespace() {
            newlines = 0;
        }
    }
    false
}

/// The source between two statements without its comment lines, to see
/// whether the author left a blank line.
fn gap_without_comments(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn format_ast(ast: &Ast, src: &str) -> String {
    let mut p = Printer::default();
    let stmts = &ast.stmts;
    let mut prev_end: Option<usize> = None;
    let mut prev_kind: Option<&StmtKind> = None;
    let mut i = 0;
    while i < stmts.len() {
        let Some(stmt) = stmts.get(i) else { break };
        let paragraph = matches!(
            stmt.kind,
            StmtKind::Rule(_) | StmtKind::Example(_) | StmtKind::Automation { .. }
        ) || prev_kind.is_some_and(|k| {
            matches!(
                k,
                StmtKind::Rule(_) | StmtKind::Example(_) | StmtKind::Automation { .. }
            ) || std::mem::discriminant(k) != std::mem::discriminant(&stmt.kind)
        });
        if let Some(end) = prev_end {
            let gap = src.get(end..stmt.span.start).unwrap_or("");
            if paragraph || has_blank_line(&gap_without_comments(gap)) || has_blank_line(gap) {
                p.blank();
            }
        }
        // runs of queues are aligned on their names
        if let StmtKind::Queue { .. } = stmt.kind {
            let mut j = i;
            let mut run = Vec::new();
            let mut slas = Vec::new();
            while let Some(StmtKind::Queue { name, sla, .. }) = stmts.get(j).map(|s| &s.kind) {
                if j > i {
                    let gap = src
                        .get(
                            stmts.get(j - 1).map_or(0, |s| s.span.end)
                                ..stmts.get(j).map_or(0, |s| s.span.start),
                        )
                        .unwrap_or("");
                    if has_blank_line(gap) {
                        break;
                    }
                }
                run.push(width(&quote(&name.value)));
                slas.push(sla.as_ref().map_or(0, |l| width(&l.text)));
                j += 1;
            }
            let pad = (
                run.iter().copied().max().unwrap_or(0),
                slas.iter().copied().max().unwrap_or(0),
            );
            for k in i..j {
                if let Some(s) = stmts.get(k) {
                    statement(&mut p, s, pad);
                    prev_end = Some(s.span.end);
                    prev_kind = Some(&s.kind);
                }
            }
            i = j;
            continue;
        }
        statement(&mut p, stmt, (0, 0));
        prev_end = Some(stmt.span.end);
        prev_kind = Some(&stmt.kind);
        i += 1;
    }
    place_comments(&mut p, &ast.comments, src);
    render(&p)
}

fn place_comments(p: &mut Printer, comments: &[Comment], src: &str) {
    for c in comments {
        let at = c.span.start;
        let own_line = |indent: usize| Line {
            text: format!("#{}", c.text),
            indent,
            first: Some(at),
            last: Some(c.span.end),
            trailing: None,
            comment: true,
        };
        // a comment in a statement whose lines the layout joins (`when a #
        // why` / `or b`) would end up after code that came after it: it goes
        // on its own line above the joined line, where the next formatting
        // leaves it, still in or just above its statement
        let inside = p.lines.iter().position(|l| {
            !l.comment && l.first.is_some_and(|f| f < at) && l.last.is_some_and(|e| e > at)
        });
        if let Some(idx) = inside {
            let indent = p.lines.get(idx).map_or(0, |l| l.indent);
            p.lines.insert(idx, own_line(indent));
            continue;
        }
        if c.trailing {
            // the code line holding the last token before the comment, if no
            // other comment ends it already (two source lines joined)
            let idx = p
                .lines
                .iter()
                .rposition(|l| !l.comment && l.last.is_some_and(|e| e <= at));
            if let Some(l) = idx.and_then(|i| p.lines.get_mut(i)) {
                if l.trailing.is_none() {
                    l.trailing = Some(format!("#{}", c.text));
                    continue;
                }
            }
        }
        // an own-line comment goes before the first line whose tokens come
        // after it, at that line's indentation
        let idx = p.lines.iter().position(|l| l.first.is_some_and(|f| f > at));
        match idx {
            Some(idx) => {
                let indent = p.lines.get(idx).map_or(0, |l| l.indent);
                // a blank line between a comment and what follows is kept
                let next = p.lines.get(idx).and_then(|l| l.first).unwrap_or(c.span.end);
                if has_blank_line(src.get(c.span.end..next).unwrap_or("")) {
                    p.lines.insert(idx, Line::default());
                }
                p.lines.insert(idx, own_line(indent));
            }
            None => p.lines.push(own_line(0)),
        }
    }
}

fn render(p: &Printer) -> String {
    // align trailing comments of consecutive lines
    let mut out = String::new();
    let lines = &p.lines;
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        while lines
            .get(j)
            .is_some_and(|l| l.trailing.is_some() && !l.text.is_empty())
        {
            j += 1;
        }
        if j > i + 1 {
            let col = lines
                .get(i..j)
                .unwrap_or(&[])
                .iter()
                .map(|l| l.indent + width(&l.text))
                .max()
                .unwrap_or(0);
            for l in lines.get(i..j).unwrap_or(&[]) {
                let code = format!("{}{}", " ".repeat(l.indent), l.text);
                let pad = col - (l.indent + width(&l.text)) + 2;
                out.push_str(&format!(
                    "{code}{}{}\n",
                    " ".repeat(pad),
                    l.trailing.as_deref().unwrap_or("")
                ));
            }
            i = j;
            continue;
        }
        if let Some(l) = lines.get(i) {
            let mut s = format!("{}{}", " ".repeat(l.indent), l.text);
            if let Some(t) = &l.trailing {
                if !l.text.is_empty() {
                    s.push_str("  ");
                } else {
                    s = " ".repeat(l.indent);
                }
                s.push_str(t);
            }
            out.push_str(s.trim_end());
            out.push('\n');
        }
        i += 1;
    }
    // no blank lines at the start or the end
    let trimmed = out.trim_matches('\n');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}\n")
    }
}

/// Identifiers as written, joined.
fn names(v: &[Ident], sep: &str) -> String {
    v.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(sep)
}

fn type_text(t: &TypeExpr) -> String {
    let range = |lo: &Option<Literal>, hi: &Option<Literal>| match (lo, hi) {
        (None, _) => String::new(),
        (Some(l), None) => format!(" {}..", l.text),
        (Some(l), Some(h)) => format!(" {}..{}", l.text, h.text),
    };
    match t {
        TypeExpr::Enum(v) => format!("enum {{ {} }}", names(v, ", ")),
        TypeExpr::Level(v) => format!("level {{ {} }}", names(v, " < ")),
        TypeExpr::Set(v) => format!("set {{ {} }}", names(v, ", ")),
        TypeExpr::Number(lo, hi) => format!("number{}", range(lo, hi)),
        TypeExpr::Int(lo, hi) => format!("int{}", range(lo, hi)),
        TypeExpr::Bool => "bool".into(),
        TypeExpr::Text => "text".into(),
    }
}

fn action_text(a: &Action) -> String {
    match &a.queue {
        Some(q) => format!("{} {}", a.kind.as_str(), quote(&q.value)),
        None => a.kind.as_str().to_string(),
    }
}

fn modifier_text(m: &Modifier) -> String {
    match m {
        Modifier::Priority(p, _) => format!("priority {}", p.name),
        Modifier::Tag(t, _) => format!("tag {}", quote(&t.value)),
        Modifier::Note(n, _) => format!("note {}", quote(&n.value)),
        Modifier::Attach(items, _) => format!("attach {}", names(items, ", ")),
    }
}

/// A literal as the formatter writes it: strings quoted canonically.
fn lit_text(l: &Literal) -> String {
    match &l.kind {
        LitKind::Str(v) => quote(v),
        _ => l.text.clone(),
    }
}

fn lit_list(v: &[Literal]) -> String {
    v.iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn cond_text(c: &Cond) -> String {
    match c {
        Cond::Or(parts, _) => parts.iter().map(cond_text).collect::<Vec<_>>().join(" or "),
        Cond::And(parts, _) => parts
            .iter()
            .map(cond_text)
            .collect::<Vec<_>>()
            .join(" and "),
        Cond::Not(inner, _) => format!("not {}", cond_text(inner)),
        Cond::Group(inner, _) => format!("({})", cond_text(inner)),
        Cond::Atom(a) => atom_text(a),
    }
}

fn atom_text(a: &Atom) -> String {
    let f = &a.field.name;
    match &a.test {
        Test::Truthy => f.clone(),
        Test::Cmp(op, l) => format!("{f} {} {}", op.as_str(), l.text),
        Test::In(v) => format!("{f} in {{ {} }}", lit_list(v)),
        Test::NotIn(v) => format!("{f} not in {{ {} }}", lit_list(v)),
        Test::Has(l) => format!("{f} has {}", l.text),
        Test::HasAny(v) => format!("{f} has any {{ {} }}", lit_list(v)),
        Test::HasAll(v) => format!("{f} has all {{ {} }}", lit_list(v)),
        Test::Matches(l) => format!("{f} matches {}", lit_text(l)),
        Test::Contains(l) => format!("{f} contains {}", lit_text(l)),
        Test::IsMissing => format!("{f} is missing"),
        Test::IsPresent => format!("{f} is present"),
    }
}

/// Print a condition, breaking at top-level `or` when it is too long.
/// `col` is the column where the condition starts.
fn condition(p: &mut Printer, c: &Cond, col: usize) {
    let one_line = cond_text(c);
    let parts: Vec<&Cond> = match c {
        Cond::Or(parts, _) if col + width(&one_line) > WIDTH => parts.iter().collect(),
        _ => vec![c],
    };
    if parts.len() == 1 {
        // spread the tokens' spans over the line: the atoms' spans
        for a in c.atoms() {
            p.push("", Some(a.span));
        }
        p.push(&one_line, Some(c.span()));
        return;
    }
    // pack the `or` branches greedily, breaking before an `or` that would
    // pass the width; continuation lines start under the first operand
    let mut used = col;
    for (k, part) in parts.iter().enumerate() {
        let text = cond_text(part);
        if k > 0 {
            if used + 4 + width(&text) > WIDTH {
                p.line(col);
                p.push("or ", None);
                used = col + 3;
            } else {
                p.push(" or ", None);
                used += 4;
            }
        }
        p.push(&text, Some(part.span()));
        used += width(&text);
    }
}

fn modifiers_inline(mods: &[Modifier]) -> String {
    mods.iter()
        .map(|m| format!(" {}", modifier_text(m)))
        .collect()
}

/// `then ACTION MODIFIERS`, with the modifiers on their own lines when
/// the line would be too long.
fn then_line(p: &mut Printer, keyword: &str, a: &Action, mods: &[Modifier], indent: usize) {
    let inline = format!("{keyword} {}{}", action_text(a), modifiers_inline(mods));
    p.tok(&format!("{keyword} {}", action_text(a)), a.span);
    if indent + width(&inline) <= WIDTH {
        for m in mods {
            p.tok(&format!(" {}", modifier_text(m)), m.span());
        }
    } else {
        for m in mods {
            p.line(indent + keyword.len() + 1);
            p.tok(&modifier_text(m), m.span());
        }
    }
}

fn statement(p: &mut Printer, stmt: &Stmt, queue_pad: (usize, usize)) {
    match &stmt.kind {
        StmtKind::Policy(name) => {
            p.line(0);
            p.tok(&format!("policy {}", quote(&name.value)), stmt.span);
        }
        StmtKind::Field { name, ty, .. } => {
            p.line(0);
            let one = format!("field {}: {}", name.name, type_text(ty));
            let values = match ty {
                TypeExpr::Enum(v) | TypeExpr::Set(v) | TypeExpr::Level(v)
                    if width(&one) > WIDTH =>
                {
                    Some(v)
                }
                _ => None,
            };
            let Some(values) = values else {
                p.tok(&one, stmt.span);
                return;
            };
            // a long list of values: one indented paragraph, packed
            let (kw, sep) = match ty {
                TypeExpr::Enum(_) => ("enum", ","),
                TypeExpr::Set(_) => ("set", ","),
                _ => ("level", " <"),
            };
            p.tok(&format!("field {}: {kw} {{", name.name), name.span);
            p.line(2);
            let mut used = 2;
            let n = values.len();
            for (k, v) in values.iter().enumerate() {
                let text = if k + 1 < n {
                    format!("{}{sep}", v.name)
                } else {
                    v.name.clone()
                };
                if used > 2 && used + 1 + width(&text) > WIDTH {
                    p.line(2);
                    used = 2;
                } else if used > 2 {
                    p.push(" ", None);
                    used += 1;
                }
                p.tok(&text, v.span);
                used += width(&text);
            }
            p.line(0);
            p.tok(
                "}",
                Span::new(0, stmt.span.end.saturating_sub(1), stmt.span.end),
            );
        }
        StmtKind::Let { name, value } => {
            p.line(0);
            p.tok(&format!("let {} = {}", name.name, value.text), stmt.span);
        }
        StmtKind::Queue {
            name,
            sla,
            description,
        } => {
            p.line(0);
            let q = quote(&name.value);
            let mut s = format!("queue {q}");
            if sla.is_some() || description.is_some() {
                s.push_str(&" ".repeat(queue_pad.0.saturating_sub(width(&q))));
            }
            if let Some(l) = sla {
                s.push_str(&format!(" sla {}", l.text));
                if description.is_some() {
                    s.push_str(&" ".repeat(queue_pad.1.saturating_sub(width(&l.text))));
                }
            } else if description.is_some() && queue_pad.1 > 0 {
                s.push_str(&" ".repeat(queue_pad.1 + 5));
            }
            if let Some(d) = description {
                s.push_str(&format!(" {}", quote(&d.value)));
            }
            p.tok(&s, stmt.span);
        }
        StmtKind::Ticket(items) => {
            p.line(0);
            p.tok(
                &format!("ticket requires {}", names(items, ", ")),
                stmt.span,
            );
        }
        StmtKind::Automation { field, entries } => {
            p.line(0);
            p.tok(
                &format!("automation by {} {{", field.name),
                Span::new(0, stmt.span.start, field.span.end + 1),
            );
            let lhs: Vec<String> = entries
                .iter()
                .map(|e| {
                    if e.otherwise {
                        "otherwise".to_string()
                    } else {
                        e.values
                            .iter()
                            .map(|v| v.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                })
                .collect();
            let pad = lhs.iter().map(|s| width(s)).max().unwrap_or(0);
            for (e, l) in entries.iter().zip(&lhs) {
                p.line(2);
                p.tok(
                    &format!(
                        "{l}{} => {}",
                        " ".repeat(pad - width(l)),
                        action_text(&e.action)
                    ),
                    e.span,
                );
            }
            p.line(0);
            p.tok(
                "}",
                Span::new(0, stmt.span.end.saturating_sub(1), stmt.span.end),
            );
        }
        StmtKind::Rule(r) => {
            let indent = if r.name.is_some() { 2 } else { 0 };
            if let Some(n) = &r.name {
                p.line(0);
                p.tok(&format!("rule {}", quote(&n.value)), n.span);
            }
            let cond = cond_text(&r.cond);
            let one = format!(
                "when {cond} then {}{}",
                action_text(&r.action),
                modifiers_inline(&r.modifiers)
            );
            p.line(indent);
            p.tok("when ", r.when_span);
            if r.name.is_none() && width(&one) <= WIDTH {
                condition(p, &r.cond, 5);
                p.push(" ", None);
                then_line(p, "then", &r.action, &r.modifiers, 0);
                return;
            }
            condition(p, &r.cond, indent + 5);
            p.line(indent);
            then_line(p, "then", &r.action, &r.modifiers, indent);
        }
        StmtKind::Example(e) => {
            p.line(0);
            p.tok(&format!("example {} {{", quote(&e.name.value)), e.name.span);
            let facts: Vec<(String, Span)> = e
                .facts
                .iter()
                .map(|(f, v)| {
                    let value = match v {
                        ExampleValue::Lit(l) => l.text.clone(),
                        ExampleValue::Set(items, _) if items.is_empty() => "{}".to_string(),
                        ExampleValue::Set(items, _) => format!("{{ {} }}", names(items, ", ")),
                    };
                    (format!("{} = {value}", f.name), f.span.to(v.span()))
                })
                .collect();
            let joined = facts
                .iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            if !facts.is_empty() {
                if 2 + width(&joined) <= WIDTH {
                    p.line(2);
                    for (k, (s, span)) in facts.iter().enumerate() {
                        p.tok(&if k == 0 { s.clone() } else { format!(", {s}") }, *span);
                    }
                } else {
                    // pack facts greedily, a comma after each but the last
                    let n = facts.len();
                    p.line(2);
                    let mut used = 2;
                    for (k, (s, span)) in facts.iter().enumerate() {
                        let text = if k + 1 < n {
                            format!("{s},")
                        } else {
                            s.clone()
                        };
                        if used > 2 && used + 1 + width(&text) > WIDTH {
                            p.line(2);
                            used = 2;
                        } else if used > 2 {
                            p.push(" ", None);
                            used += 1;
                        }
                        p.tok(&text, *span);
                        used += width(&text);
                    }
                }
            }
            p.line(0);
            p.push("} ", None);
            then_line(p, "expect", &e.expect, &e.modifiers, 2);
        }
        StmtKind::Error => {}
    }
}
