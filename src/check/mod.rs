//! The checker: names, types, ranges and the simple warnings of SPEC 2.6.
//! It turns the syntax trees of a policy's files into a `Model`.

pub mod interval;
pub mod model;
mod rules;

use crate::diag::{list_words, suggest, Code, Diagnostic};
use crate::span::{SourceFile, Span};
use crate::syntax::ast::*;
use interval::fmt_num;
use model::*;
use std::collections::{HashMap, HashSet};

/// Check the parsed files of one policy (in name order). Returns the model
/// (best effort, also when there are errors) and the diagnostics.
pub fn check(files: &[SourceFile], asts: &[Ast]) -> (Model, Vec<Diagnostic>) {
    let mut c = Checker {
        files,
        model: Model::default(),
        diags: Vec::new(),
        lets: HashMap::new(),
        let_used: HashSet::new(),
        queue_used: HashSet::new(),
        field_used: HashSet::new(),
        multi_file: files.len() > 1,
        broken: Broken::default(),
        suggested: HashSet::new(),
        in_examples: HashSet::new(),
        let_other_fields: HashMap::new(),
        let_fixes: Vec::new(),
    };
    let stmts: Vec<&Stmt> = asts.iter().flat_map(|a| a.stmts.iter()).collect();
    c.broken = Broken::scan(files, &stmts);
    c.declarations(&stmts);
    c.automation(&stmts);
    c.rules(&stmts);
    c.keep_let_fixes_that_change_nothing_else();
    c.examples(&stmts);
    c.unused(&stmts);
    c.model.sources = files
        .iter()
        .map(|f| std::sync::Arc::from(f.text.as_str()))
        .collect();
    (c.model, c.diags)
}

struct LetInfo {
    value: Literal,
    span: Span,
}

/// What statements that did not parse declare and mention: their names
/// must not cause a second message (one root cause, one message).
#[derive(Default)]
struct Broken {
    /// `field NAME` / `let NAME` / `queue "NAME"` at the start of a broken statement.
    declared: HashSet<String>,
    /// Every word and quoted string inside broken statements.
    mentioned: HashSet<String>,
}

impl Broken {
    fn scan(files: &[SourceFile], stmts: &[&Stmt]) -> Broken {
        let mut b = Broken::default();
        for s in stmts {
            if !matches!(s.kind, StmtKind::Error) {
                continue;
            }
            let Some(f) = files.get(s.span.file as usize) else {
                continue;
            };
            let text = f.slice(s.span);
            let words: Vec<&str> = text
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .filter(|w| !w.is_empty())
                .collect();
            if let [kw, name, ..] = words.as_slice() {
                if matches!(*kw, "field" | "let" | "queue") {
                    b.declared.insert((*name).to_string());
                }
            }
            b.mentioned.extend(words.iter().map(|w| w.to_string()));
        }
        b
    }
}

struct Checker<'a> {
    files: &'a [SourceFile],
    model: Model,
    diags: Vec<Diagnostic>,
    lets: HashMap<String, LetInfo>,
    let_used: HashSet<String>,
    queue_used: HashSet<String>,
    field_used: HashSet<usize>,
    multi_file: bool,
    broken: Broken,
    /// Per `let`: the fields other than `0..1` numbers it is compared with.
    let_other_fields: HashMap<String, Vec<String>>,
    /// `out-of-range` diagnostics (by index) whose fix rewrites a `let`.
    let_fixes: Vec<(usize, String)>,
    /// Names offered as "did you mean": a typo must not also make the
    /// right name `unused`.
    suggested: HashSet<String>,
    /// Fields and queues that `example` blocks name (removing them would
    /// break the example).
    in_examples: HashSet<String>,
}

/// A literal after `let` names are resolved, with the span to blame.
struct Resolved {
    lit: Literal,
    /// The span where it is used (the let name when reached through a let).
    span: Span,
    via_let: Option<String>,
}

impl Resolved {
    /// ` (the value of `x`)` when reached through a `let`, to follow the
    /// quoted literal in a message.
    fn via_note(&self) -> String {
        self.via_let
            .as_ref()
            .map(|l| format!(" (the value of `{l}`)"))
            .unwrap_or_default()
    }
}

impl<'a> Checker<'a> {
    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Rewriting `let t = 30` as `30%` would also change what `t` means
    /// for another field it is compared with: no fix then, and the help
    /// says why.
    fn keep_let_fixes_that_change_nothing_else(&mut self) {
        for (i, l) in std::mem::take(&mut self.let_fixes) {
            let Some(others) = self.let_other_fields.get(&l) else {
                continue;
            };
            let Some(d) = self.diags.get_mut(i) else {
                continue;
            };
            d.fixes.clear();
            let mut others = others.clone();
            others.dedup();
            let help = d.help.take().unwrap_or_default();
            d.help = Some(format!(
                "{help} `{l}` is also compared with {}, so give this comparison a `let` of its own",
                others
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }

    fn line_of(&self, span: Span) -> usize {
        self.files
            .get(span.file as usize)
            .map_or(0, |f| f.line_col(span.start).0)
    }

    /// Where an earlier declaration is, seen from a later one: `on line 6`
    /// in the same file, ``at `policy-a.handover:6` `` in another.
    fn where_first(&self, first: Span, later: Span) -> String {
        let line = self.line_of(first);
        if first.file == later.file {
            return format!("on line {line}");
        }
        let base = self
            .files
            .get(first.file as usize)
            .map(SourceFile::base_name)
            .unwrap_or_default();
        format!("at `{base}:{line}`")
    }

    /// The first line of a statement, for "the rule's first line" spans.
    fn first_line(&self, span: Span) -> Span {
        let Some(f) = self.files.get(span.file as usize) else {
            return span;
        };
        let text = f.slice(span);
        let end = text.find('\n').map_or(span.end, |i| span.start + i);
        let trimmed = f
            .text
            .get(span.start..end)
            .map_or(0, |t| t.trim_end().len());
        Span::new(span.file, span.start, span.start + trimmed)
    }

    fn declarations(&mut self, stmts: &[&Stmt]) {
        let mut policy_seen: Option<Span> = None;
        let mut queue_names: HashMap<String, Span> = HashMap::new();
        for stmt in stmts {
            match &stmt.kind {
                StmtKind::Policy(name) => {
                    if let Some(first) = policy_seen {
                        self.push(
                            Diagnostic::new(
                                Code::Duplicate,
                                stmt.span,
                                "a policy can be named only once",
                            )
                            .with_related(first, "the policy is named here")
                            .with_help(format!(
                                "the policy is already named {}; remove this `policy` line",
                                self.where_first(first, stmt.span)
                            )),
                        );
                    } else {
                        policy_seen = Some(stmt.span);
                        self.model.name = Some(name.value.clone());
                    }
                }
                StmtKind::Field { name, ty, .. } => self.field(stmt, name, ty),
                StmtKind::Queue {
                    name,
                    sla,
                    description,
                } => {
                    if let Some(first) = queue_names.get(&name.value) {
                        let first = *first;
                        self.push(
                            Diagnostic::new(
                                Code::Duplicate,
                                name.span,
                                format!("queue `{}` is declared twice", name.value),
                            )
                            .with_related(first, "first declared here")
                            .with_help(format!(
                                "the first is declared {}; remove one of the declarations, or give this queue another name",
                                self.where_first(first, name.span)
                            )),
                        );
                        continue;
                    }
                    queue_names.insert(name.value.clone(), name.span);
                    let sla_minutes = sla.as_ref().and_then(|l| match l.kind {
                        LitKind::Duration(m) => Some(m),
                        _ => None,
                    });
                    self.model.queues.push(Queue {
                        name: name.value.clone(),
                        sla_minutes,
                        description: description.as_ref().map(|d| d.value.clone()),
                        span: name.span,
                        doc: stmt.doc.clone(),
                    });
                }
                _ => {}
            }
        }
        // lets after fields, so that a let named like a field is caught
        // wherever the two are declared
        for stmt in stmts {
            if let StmtKind::Let { name, value } = &stmt.kind {
                self.let_decl(name, value);
            }
        }
        self.resolve_let_chains();
        for stmt in stmts {
            if let StmtKind::Ticket(items) = &stmt.kind {
                for item in items {
                    if self.context_item(item) && !self.model.ticket.contains(&item.name) {
                        self.model.ticket.push(item.name.clone());
                    }
                }
            }
        }
    }

    fn field(&mut self, stmt: &Stmt, name: &Ident, ty: &TypeExpr) {
        if let Some(i) = self.model.field(&name.name) {
            let first = self.model.fields.get(i).map_or(name.span, |f| f.span);
            self.push(
                Diagnostic::new(
                    Code::Duplicate,
                    name.span,
                    format!("field `{}` is declared twice", name.name),
                )
                .with_related(first, "first declared here")
                .with_help(format!(
                    "the first is declared {}; remove one of the declarations, or rename this field",
                    self.where_first(first, name.span)
                )),
            );
            return;
        }
        let values_of = |this: &mut Self, items: &[Ident]| -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            let mut seen: HashSet<&str> = HashSet::new();
            let mut prev_end: Option<usize> = None;
            for v in items {
                let removal = Span::new(v.span.file, prev_end.unwrap_or(v.span.start), v.span.end);
                prev_end = Some(v.span.end);
                if !seen.insert(v.name.as_str()) {
                    this.push(
                        Diagnostic::new(
                            Code::Duplicate,
                            v.span,
                            format!("value `{}` appears twice in field `{}`", v.name, name.name),
                        )
                        .with_help("remove the second one")
                        .with_fix("remove the repeated value", removal, ""),
                    );
                } else {
                    out.push(v.name.clone());
                }
            }
            out
        };
        let ty = match ty {
            TypeExpr::Enum(v) => FieldType::Enum(values_of(self, v)),
            TypeExpr::Level(v) => FieldType::Level(values_of(self, v)),
            TypeExpr::Set(v) => FieldType::Set(values_of(self, v)),
            TypeExpr::Number(lo, hi) | TypeExpr::Int(lo, hi) => {
                let bound = |this: &mut Self, l: &Option<Literal>| -> Option<f64> {
                    let l = l.as_ref()?;
                    match l.kind {
                        LitKind::Number(v) | LitKind::Percent(v) | LitKind::Duration(v) => Some(v),
                        _ => {
                            this.push(Diagnostic::new(
                                Code::TypeMismatch,
                                l.span,
                                format!("a range bound must be a number, found `{}`", l.text),
                            ));
                            None
                        }
                    }
                };
                let lo_v = bound(self, lo);
                let hi_v = bound(self, hi);
                if let (Some(a), Some(b)) = (lo_v, hi_v) {
                    if a > b {
                        if let Some(h) = hi {
                            self.push(
                                Diagnostic::new(
                                    Code::OutOfRange,
                                    h.span,
                                    format!(
                                        "the range `{}..{}` is empty: its end is below its start",
                                        fmt_num(a),
                                        fmt_num(b)
                                    ),
                                )
                                .with_help("write the smaller bound first"),
                            );
                        }
                    }
                }
                if matches!(ty, TypeExpr::Int(..)) {
                    FieldType::Int { lo: lo_v, hi: hi_v }
                } else {
                    FieldType::Number { lo: lo_v, hi: hi_v }
                }
            }
            TypeExpr::Bool => FieldType::Bool,
            TypeExpr::Text => FieldType::Text,
        };
        self.model.fields.push(Field {
            name: name.name.clone(),
            ty,
            span: name.span,
            decl_span: stmt.span,
            doc: stmt.doc.clone(),
            read: false,
        });
    }

    fn let_decl(&mut self, name: &Ident, value: &Literal) {
        if let Some(prev) = self.lets.get(&name.name) {
            let first = prev.span;
            self.push(
                Diagnostic::new(
                    Code::Duplicate,
                    name.span,
                    format!("`{}` is defined twice", name.name),
                )
                .with_related(first, "first defined here")
                .with_help(format!(
                    "the first is defined {}; remove one of the definitions, or rename this one",
                    self.where_first(first, name.span)
                )),
            );
            return;
        }
        // the diagnostic goes on the later of the two declarations (SPEC
        // 2.6), which may be the field when the `let` comes first
        let later = |fs: Span| (name.span.file, name.span.start) > (fs.file, fs.start);
        if let Some(f) = self.model.field(&name.name) {
            let fs = self.model.fields.get(f).map_or(name.span, |f| f.span);
            let d = if later(fs) {
                Diagnostic::new(
                    Code::Duplicate,
                    name.span,
                    format!("`{}` is already the name of a field", name.name),
                )
                .with_related(fs, "the field is declared here")
                .with_help(format!(
                    "the field is declared {}; give the threshold a name of its own, such as `min_{}`",
                    self.where_first(fs, name.span),
                    name.name
                ))
            } else {
                Diagnostic::new(
                    Code::Duplicate,
                    fs,
                    format!("`{}` is already the name of a threshold (`let`)", name.name),
                )
                .with_related(name.span, "the threshold is declared here")
                .with_help(format!(
                    "the threshold is declared {}; give the field or the threshold another name",
                    self.where_first(name.span, fs)
                ))
            };
            self.push(d);
            return;
        }
        if let Some(f) = self
            .model
            .fields
            .iter()
            .find(|f| f.ty.values().contains(&name.name))
        {
            let fs = f.span;
            let d = if later(fs) {
                Diagnostic::new(
                    Code::Duplicate,
                    name.span,
                    format!("`{}` is already a value of field `{}`", name.name, f.name),
                )
                .with_related(fs, "the field is declared here")
                .with_help(format!(
                    "the field is declared {}; give the threshold another name, so that a bare name means one thing",
                    self.where_first(fs, name.span)
                ))
            } else {
                Diagnostic::new(
                    Code::Duplicate,
                    fs,
                    format!(
                        "field `{}` has a value `{}`, already the name of a threshold (`let`)",
                        f.name, name.name
                    ),
                )
                .with_related(name.span, "the threshold is declared here")
                .with_help(format!(
                    "the threshold is declared {}; rename the value or the threshold, so that a bare name means one thing",
                    self.where_first(name.span, fs)
                ))
            };
            self.push(d);
            return;
        }
        if let LitKind::Name(n) = &value.kind {
            if self.lets.contains_key(n) {
                self.let_used.insert(n.clone());
            }
        }
        self.lets.insert(
            name.name.clone(),
            LetInfo {
                value: value.clone(),
                span: name.span,
            },
        );
        self.model.lets.push(LetM {
            name: name.name.clone(),
            span: name.span,
        });
    }

    /// `let b = a` with `let a = 1`: a let name is a literal too (SPEC
    /// 2.2), so `b` takes `a`'s value, in whatever order they are declared.
    /// A cycle (`let a = b`, `let b = a`) has no value: reported once, at
    /// the first of its lets, and its lets are then not reported again.
    fn resolve_let_chains(&mut self) {
        // in declaration order, so that a cycle is reported at its first let
        let names: Vec<String> = self.model.lets.iter().map(|l| l.name.clone()).collect();
        let mut reported: HashSet<String> = HashSet::new();
        for name in names {
            let mut seen = vec![name.clone()];
            let mut value = match self.lets.get(&name) {
                Some(l) => l.value.clone(),
                None => continue,
            };
            while let LitKind::Name(n) = &value.kind {
                let Some(next) = self.lets.get(n) else { break };
                // a let another let is set to is used
                self.let_used.insert(n.clone());
                if seen.contains(n) {
                    seen.push(n.clone());
                    break;
                }
                seen.push(n.clone());
                value = next.value.clone();
            }
            let (last, before) = match seen.split_last() {
                Some((l, b)) => (l.clone(), b),
                None => continue,
            };
            if before.contains(&last) {
                if seen.iter().any(|s| reported.contains(s)) {
                    continue;
                }
                let start = last;
                let from = seen.iter().position(|s| *s == start).unwrap_or(0);
                let ring: Vec<String> = seen
                    .get(from..)
                    .unwrap_or_default()
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect();
                let span = self.lets.get(&start).map(|l| l.span);
                if let Some(span) = span {
                    self.push(
                        Diagnostic::new(
                            Code::UnknownValue,
                            span,
                            format!(
                                "these lets are set to each other, so none has a value: {}",
                                ring.join(" → ")
                            ),
                        )
                        .with_help(format!(
                            "set one of them to a value, such as `let {start} = 0.5`"
                        )),
                    );
                }
                for s in seen {
                    self.broken.declared.insert(s.clone());
                    reported.insert(s);
                }
                continue;
            }
            if let Some(l) = self.lets.get_mut(&name) {
                // keep where the let is declared; take the value at the end of the chain
                l.value = Literal {
                    span: l.value.span,
                    ..value
                };
            }
        }
    }

    /// A `ticket requires` or `attach` item: a context item or a field.
    fn context_item(&mut self, item: &Ident) -> bool {
        if CONTEXT_ITEMS.contains(&item.name.as_str()) {
            return true;
        }
        if let Some(f) = self.model.field(&item.name) {
            self.field_used.insert(f);
            return true;
        }
        let candidates: Vec<&str> = CONTEXT_ITEMS
            .iter()
            .copied()
            .chain(self.model.fields.iter().map(|f| f.name.as_str()))
            .collect();
        let mut d = Diagnostic::new(
            Code::UnknownField,
            item.span,
            format!("unknown ticket item `{}`", item.name),
        );
        match suggest(&item.name, candidates.iter().copied()) {
            Some(s) => {
                self.suggested.insert(s.to_string());
                d = d
                    .with_help(format!("did you mean `{s}`?"))
                    .with_change_to(item.span, s);
            }
            None => {
                d = d.with_help(format!(
                    "a ticket can carry {} or any declared field",
                    list_words(CONTEXT_ITEMS)
                ));
            }
        }
        self.push(d);
        false
    }

    fn unknown_field(&mut self, id: &Ident) {
        if self.broken.declared.contains(&id.name) {
            return;
        }
        let names: Vec<String> = self.model.fields.iter().map(|f| f.name.clone()).collect();
        let mut d = Diagnostic::new(
            Code::UnknownField,
            id.span,
            format!("unknown field `{}`", id.name),
        );
        match suggest(&id.name, names.iter().map(String::as_str)) {
            Some(s) => {
                self.suggested.insert(s.to_string());
                d = d
                    .with_help(format!("did you mean `{s}`?"))
                    .with_change_to(id.span, s);
            }
            None if names.is_empty() => {
                d = d.with_help(format!("declare it first: `field {}: ...`", id.name));
            }
            None => {
                d = d.with_help(format!(
                    "declare it with `field {}: TYPE`; the declared fields are {}",
                    id.name,
                    list_words(&names)
                ));
            }
        }
        self.push(d);
    }

    fn resolve_field(&mut self, id: &Ident) -> Option<usize> {
        match self.model.field(&id.name) {
            Some(f) => Some(f),
            None => {
                self.unknown_field(id);
                None
            }
        }
    }

    fn check_queue(&mut self, q: &Str) {
        if self.model.queue(&q.value).is_some() {
            self.queue_used.insert(q.value.clone());
            return;
        }
        if self.broken.declared.contains(&q.value) {
            return;
        }
        let names: Vec<String> = self.model.queues.iter().map(|q| q.name.clone()).collect();
        let mut d = Diagnostic::new(
            Code::UnknownQueue,
            q.span,
            format!("unknown queue `{}`", q.value),
        );
        match suggest(&q.value, names.iter().map(String::as_str)) {
            Some(s) => {
                self.suggested.insert(s.to_string());
                d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                    format!("change to `\"{s}\"`"),
                    q.span,
                    crate::syntax::quote(s),
                );
            }
            None if names.is_empty() => {
                d = d.with_help(format!("declare it: `queue \"{}\"`", q.value));
            }
            None => {
                let known = match names.as_slice() {
                    [one] => format!("`{one}`"),
                    _ => format!(
                        "one of {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                d = d.with_help(format!(
                    "declare it with `queue \"{}\"`, or use {known}",
                    q.value
                ));
            }
        }
        self.push(d);
    }

    /// Check an action in a rule or automation entry; returns the model.
    fn action(&mut self, a: &Action, require_queue: bool) -> ActionM {
        if let Some(q) = &a.queue {
            if a.kind == ActionKind::Answer {
                // unreachable by the grammar, kept for safety
            } else {
                self.check_queue(q);
            }
        } else if require_queue && matches!(a.kind, ActionKind::Route | ActionKind::Human) {
            let example = self.model.queues.first().map(|q| q.name.clone());
            let mut d = Diagnostic::new(
                Code::MissingQueue,
                a.span,
                format!("`{}` needs a queue", a.kind.as_str()),
            );
            d = match example {
                Some(q) => d
                    .with_help(format!(
                        "name the queue that takes the conversation: `{} \"{}\"`",
                        a.kind.as_str(),
                        q
                    ))
                    .with_fix(
                        format!("hand over to `{q}`"),
                        Span::new(a.span.file, a.span.end, a.span.end),
                        format!(" {}", crate::syntax::quote(&q)),
                    ),
                None => d.with_help(format!(
                    "declare a queue (`queue \"support\" sla 4h`) and name it: `{} \"support\"`",
                    a.kind.as_str()
                )),
            };
            self.push(d);
        }
        ActionM {
            kind: a.kind,
            queue: a.queue.as_ref().map(|q| q.value.clone()),
        }
    }

    fn automation(&mut self, stmts: &[&Stmt]) {
        let mut seen: Option<Span> = None;
        for stmt in stmts {
            let StmtKind::Automation { field, entries } = &stmt.kind else {
                continue;
            };
            let head = self.first_line(stmt.span);
            if let Some(first) = seen {
                self.push(
                    Diagnostic::new(
                        Code::Duplicate,
                        head,
                        "a policy can have only one `automation` block",
                    )
                    .with_related(first, "the first block")
                    .with_help(format!(
                        "merge the entries into the first block, which starts {}",
                        self.where_first(first, head)
                    )),
                );
                // its queues count as used: one root cause, one message
                for e in entries {
                    if let Some(q) = &e.action.queue {
                        if self.model.queue(&q.value).is_some() {
                            self.queue_used.insert(q.value.clone());
                        }
                    }
                }
                continue;
            }
            seen = Some(head);
            let Some(fi) = self.resolve_field(field) else {
                for e in entries {
                    self.action(&e.action, true);
                }
                continue;
            };
            self.field_used.insert(fi);
            let ty = self
                .model
                .fields
                .get(fi)
                .map(|f| f.ty.clone())
                .unwrap_or(FieldType::Text);
            let values = match &ty {
                FieldType::Enum(v) | FieldType::Level(v) => v.clone(),
                other => {
                    self.push(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            field.span,
                            format!(
                                "`automation by` needs an enum or level field, and `{}` is {}",
                                field.name,
                                other.a_kind()
                            ),
                        )
                        .with_help("pick the `enum` or `level` field that sorts conversations into categories"),
                    );
                    for e in entries {
                        self.action(&e.action, true);
                    }
                    continue;
                }
            };
            if let Some(f) = self.model.fields.get_mut(fi) {
                f.read = true;
            }
            let mut by_value: Vec<Option<ActionM>> = vec![None; values.len()];
            let mut otherwise: Option<ActionM> = None;
            let mut value_spans: HashMap<String, Span> = HashMap::new();
            for e in entries {
                let act = self.action(&e.action, true);
                if e.otherwise {
                    if otherwise.is_some() {
                        self.push(
                            Diagnostic::new(
                                Code::Duplicate,
                                e.span,
                                "`otherwise` appears twice in the automation block",
                            )
                            .with_help("keep one `otherwise` entry"),
                        );
                    } else {
                        otherwise = Some(act);
                    }
                    continue;
                }
                for v in &e.values {
                    match values.iter().position(|x| *x == v.name) {
                        Some(i) => {
                            if let Some(prev) = value_spans.get(&v.name) {
                                let prev = *prev;
                                self.push(
                                    Diagnostic::new(
                                        Code::Duplicate,
                                        v.span,
                                        format!("`{}` already has an automation entry", v.name),
                                    )
                                    .with_related(prev, "its first entry")
                                    .with_help("keep one entry per value"),
                                );
                            } else {
                                value_spans.insert(v.name.clone(), v.span);
                                if let Some(slot) = by_value.get_mut(i) {
                                    *slot = Some(act.clone());
                                }
                            }
                        }
                        None => self.unknown_value(v.span, &v.name, fi),
                    }
                }
            }
            if otherwise.is_none() {
                let uncovered: Vec<String> = values
                    .iter()
                    .zip(&by_value)
                    .filter(|(_, a)| a.is_none())
                    .map(|(v, _)| v.clone())
                    .collect();
                if !uncovered.is_empty() {
                    let insert_at = entries.last().map_or(head.end, |e| e.span.end);
                    let entry_text = format!("\n  {} => answer", uncovered.join(", "));
                    self.push(
                        Diagnostic::new(
                            Code::UncoveredValues,
                            head,
                            format!(
                                "the automation block leaves {} of `{}` to the `answer` fallback",
                                list_words(&uncovered).replace(" or ", " and "),
                                field.name
                            ),
                        )
                        .with_help(format!(
                            "add an entry for {}, or an `otherwise => ACTION` line, so the choice is explicit",
                            if uncovered.len() == 1 { list_words(&uncovered) } else { "each of them".to_string() }
                        ))
                        .with_fix(
                            "add the missing entries",
                            Span::new(head.file, insert_at, insert_at),
                            entry_text,
                        )
                        .with_fix(
                            "add `otherwise => answer`",
                            Span::new(head.file, insert_at, insert_at),
                            "\n  otherwise => answer",
                        ),
                    );
                }
            }
            let fallback = otherwise.clone().unwrap_or_else(ActionM::answer);
            self.model.automation = Some(AutomationM {
                field: fi,
                listed: by_value.iter().map(Option::is_some).collect(),
                by_value: by_value
                    .into_iter()
                    .map(|a| a.unwrap_or_else(|| fallback.clone()))
                    .collect(),
                otherwise: fallback,
                span: head,
            });
        }
    }

    fn unknown_value(&mut self, span: Span, name: &str, field: usize) {
        let Some(f) = self.model.fields.get(field) else {
            return;
        };
        let values = f.ty.values().to_vec();
        let fname = f.name.clone();
        let mut d = Diagnostic::new(
            Code::UnknownValue,
            span,
            format!("`{name}` is not a value of `{fname}`"),
        );
        match suggest(name, values.iter().map(String::as_str)) {
            Some(s) => {
                d = d
                    .with_help(format!("did you mean `{s}`?"))
                    .with_change_to(span, s);
            }
            None => {
                d = d.with_help(format!("`{fname}` takes {}", list_words(&values)));
            }
        }
        self.push(d);
    }

    /// Follow a bare name to its `let`, once.
    fn resolve_lit(&mut self, lit: &Literal, field_values: &[String]) -> Resolved {
        if let LitKind::Name(n) = &lit.kind {
            if !field_values.contains(n) {
                if let Some(info) = self.lets.get(n) {
                    let value = info.value.clone();
                    self.let_used.insert(n.clone());
                    return Resolved {
                        lit: value,
                        span: lit.span,
                        via_let: Some(n.clone()),
                    };
                }
            }
        }
        Resolved {
            lit: lit.clone(),
            span: lit.span,
            via_let: None,
        }
    }
}
