//! Every place a name is declared or used: fields, values, lets and queues.

use crate::check::model::Model;
use crate::span::{SourceFile, Span};
use crate::syntax::ast::*;

/// A named thing of the policy.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symbol {
    Field(String),
    /// A value of a field: (field, value).
    Value(String, String),
    Let(String),
    Queue(String),
}

impl Symbol {
    pub fn name(&self) -> &str {
        match self {
            Symbol::Field(n) | Symbol::Let(n) | Symbol::Queue(n) | Symbol::Value(_, n) => n,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            Symbol::Field(_) => "field",
            Symbol::Value(..) => "value",
            Symbol::Let(_) => "threshold",
            Symbol::Queue(_) => "queue",
        }
    }
}

/// One occurrence of a symbol. A queue's span includes the quotes.
#[derive(Clone, Debug, PartialEq)]
pub struct Occurrence {
    pub symbol: Symbol,
    pub span: Span,
    pub decl: bool,
}

/// All occurrences, sorted by file and position.
#[derive(Clone, Debug, Default)]
pub struct Index {
    pub occurrences: Vec<Occurrence>,
}

impl Index {
    pub fn build(files: &[SourceFile], asts: &[Ast], model: &Model) -> Index {
        let mut b = Builder {
            files,
            model,
            lets: asts
                .iter()
                .flat_map(|a| a.stmts.iter())
                .filter_map(|s| match &s.kind {
                    StmtKind::Let { name, .. } => Some(name.name.clone()),
                    _ => None,
                })
                .collect(),
            out: Vec::new(),
        };
        for ast in asts {
            for stmt in &ast.stmts {
                b.stmt(stmt);
            }
        }
        let mut occurrences = b.out;
        occurrences.sort_by_key(|o| (o.span.file, o.span.start, o.span.end));
        Index { occurrences }
    }

    /// The occurrence at a byte offset of a file: one that contains it,
    /// else one that ends right there (the cursor just after a word).
    pub fn at(&self, file: u32, offset: usize) -> Option<&Occurrence> {
        let i = self
            .occurrences
            .partition_point(|o| (o.span.file, o.span.start) <= (file, offset));
        let candidates = self.occurrences.get(..i).unwrap_or(&[]);
        let mut best: Option<&Occurrence> = None;
        for o in candidates.iter().rev().take(8) {
            if o.span.file != file {
                break;
            }
            if o.span.start <= offset && offset < o.span.end {
                return Some(o);
            }
            if o.span.end == offset && best.is_none() {
                best = Some(o);
            }
        }
        best
    }

    pub fn of(&self, symbol: &Symbol) -> impl Iterator<Item = &Occurrence> + '_ {
        let symbol = symbol.clone();
        self.occurrences.iter().filter(move |o| o.symbol == symbol)
    }

    /// The declaration of a symbol (the first one when it is declared twice).
    pub fn declaration(&self, symbol: &Symbol) -> Option<&Occurrence> {
        self.of(symbol).find(|o| o.decl)
    }

    pub fn in_file(&self, file: u32) -> impl Iterator<Item = &Occurrence> + '_ {
        let lo = self.occurrences.partition_point(|o| o.span.file < file);
        self.occurrences
            .get(lo..)
            .unwrap_or(&[])
            .iter()
            .take_while(move |o| o.span.file == file)
    }
}

struct Builder<'m> {
    files: &'m [SourceFile],
    model: &'m Model,
    lets: Vec<String>,
    out: Vec<Occurrence>,
}

impl Builder<'_> {
    fn push(&mut self, symbol: Symbol, span: Span, decl: bool) {
        self.out.push(Occurrence { symbol, span, decl });
    }

    /// A string's span, quotes included, from the text itself.
    fn str_span(&self, s: Span) -> Span {
        string_span(self.files, s)
    }

    fn field_values(&self, field: &str) -> &[String] {
        self.model
            .field(field)
            .and_then(|i| self.model.fields.get(i))
            .map_or(&[], |f| f.ty.values())
    }

    fn field_ref(&mut self, id: &Ident) {
        if self.model.field(&id.name).is_some() {
            self.push(Symbol::Field(id.name.clone()), id.span, false);
        }
    }

    /// A bare name used where a literal of `field` goes: a value of the
    /// field, else a let.
    fn name_ref(&mut self, field: Option<&str>, name: &str, span: Span) {
        if let Some(f) = field {
            if self.field_values(f).iter().any(|v| v == name) {
                self.push(Symbol::Value(f.to_string(), name.to_string()), span, false);
                return;
            }
        }
        if self.lets.iter().any(|l| l == name) {
            self.push(Symbol::Let(name.to_string()), span, false);
            return;
        }
        if field.is_none() {
            // a let naming a value: the value of the one field that has it
            let owners: Vec<&str> = self
                .model
                .fields
                .iter()
                .filter(|f| f.ty.values().iter().any(|v| v == name))
                .map(|f| f.name.as_str())
                .collect();
            if let [only] = owners.as_slice() {
                self.push(
                    Symbol::Value(only.to_string(), name.to_string()),
                    span,
                    false,
                );
            }
        }
    }

    fn literal(&mut self, field: Option<&str>, lit: &Literal) {
        if let LitKind::Name(n) = &lit.kind {
            self.name_ref(field, n, lit.span);
        }
    }

    fn queue_ref(&mut self, q: &Str) {
        if self.model.queue(&q.value).is_some() {
            let span = self.str_span(q.span);
            self.push(Symbol::Queue(q.value.clone()), span, false);
        }
    }

    fn action(&mut self, a: &Action) {
        if let Some(q) = &a.queue {
            self.queue_ref(q);
        }
    }

    fn modifiers(&mut self, mods: &[Modifier]) {
        for m in mods {
            if let Modifier::Attach(items, _) = m {
                for i in items {
                    self.field_ref(i);
                }
            }
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Field { name, ty, .. } => {
                self.push(Symbol::Field(name.name.clone()), name.span, true);
                if let TypeExpr::Enum(vs) | TypeExpr::Level(vs) | TypeExpr::Set(vs) = ty {
                    for v in vs {
                        self.push(
                            Symbol::Value(name.name.clone(), v.name.clone()),
                            v.span,
                            true,
                        );
                    }
                }
            }
            StmtKind::Let { name, value } => {
                self.push(Symbol::Let(name.name.clone()), name.span, true);
                self.literal(None, value);
            }
            StmtKind::Queue { name, .. } => {
                let span = self.str_span(name.span);
                self.push(Symbol::Queue(name.value.clone()), span, true);
            }
            StmtKind::Ticket(items) => {
                for i in items {
                    self.field_ref(i);
                }
            }
            StmtKind::Automation { field, entries } => {
                self.field_ref(field);
                for e in entries {
                    for v in &e.values {
                        self.name_ref(Some(&field.name), &v.name, v.span);
                    }
                    self.action(&e.action);
                }
            }
            StmtKind::Rule(r) => {
                for atom in r.cond.atoms() {
                    self.atom(atom);
                }
                self.action(&r.action);
                self.modifiers(&r.modifiers);
            }
            StmtKind::Example(e) => {
                for (f, v) in &e.facts {
                    self.field_ref(f);
                    match v {
                        ExampleValue::Lit(l) => self.literal(Some(&f.name), l),
                        ExampleValue::Set(items, _) => {
                            for i in items {
                                self.name_ref(Some(&f.name), &i.name, i.span);
                            }
                        }
                    }
                }
                self.action(&e.expect);
                self.modifiers(&e.modifiers);
            }
            StmtKind::Policy(_) | StmtKind::Error => {}
        }
    }

    fn atom(&mut self, a: &Atom) {
        self.field_ref(&a.field);
        let f = Some(a.field.name.as_str());
        match &a.test {
            Test::Cmp(_, l) | Test::Has(l) | Test::Matches(l) | Test::Contains(l) => {
                self.literal(f, l)
            }
            Test::In(ls) | Test::NotIn(ls) | Test::HasAny(ls) | Test::HasAll(ls) => {
                for l in ls {
                    self.literal(f, l);
                }
            }
            Test::Truthy | Test::IsMissing | Test::IsPresent => {}
        }
    }
}

/// The span of the string literal that starts at `s.start`, closing quote
/// included, as the text has it (the syntax tree's string spans may stop
/// before the closing quote).
pub fn string_span(files: &[SourceFile], s: Span) -> Span {
    let Some(f) = files.get(s.file as usize) else {
        return s;
    };
    let line_end = f
        .text
        .get(s.start..)
        .and_then(|t| t.find('\n'))
        .map_or(f.text.len(), |i| s.start + i);
    match super::lexer::tokens(&f.text, s.start, line_end).first() {
        Some(t) if t.start == s.start && t.is_str() => Span::new(s.file, s.start, t.end.max(s.end)),
        _ => s,
    }
}
