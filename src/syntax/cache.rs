//! The editor reparses a whole file on every keystroke, but an edit
//! changes one statement: the others come back from this cache, keyed by
//! their text, parsed once at offset 0 and moved to where they are now.
//! Only the language server turns it on; `check` parses each file once.

use super::ast::*;
use crate::diag::Diagnostic;
use crate::span::Span;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

type Parsed = (Vec<Stmt>, Vec<Diagnostic>);

struct Cache {
    entries: HashMap<String, Parsed>,
    bytes: usize,
}

/// Past this much statement text the cache starts afresh: an editor
/// session's statements fit many times over, and the parsed statements
/// (some twenty times the text) stay under a hundred megabytes.
const MAX_BYTES: usize = 4 << 20;

static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();

/// Turn the statement cache on for this process.
pub fn enable() {
    CACHE.get_or_init(|| {
        Mutex::new(Cache {
            entries: HashMap::new(),
            bytes: 0,
        })
    });
}

/// The statements and diagnostics of `chunk` (a statement's text, starting
/// at a line start) at offset 0 of file 0, when the cache is on.
pub(super) fn parsed(chunk: &str, parse: impl FnOnce() -> Parsed) -> Option<Parsed> {
    let cache = CACHE.get()?;
    if let Ok(c) = cache.lock() {
        if let Some(hit) = c.entries.get(chunk) {
            return Some(hit.clone());
        }
    }
    let fresh = parse();
    if let Ok(mut c) = cache.lock() {
        if c.bytes + chunk.len() > MAX_BYTES {
            c.entries.clear();
            c.bytes = 0;
        }
        c.bytes += chunk.len();
        c.entries.insert(chunk.to_string(), fresh.clone());
    }
    Some(fresh)
}

/// Moves spans from offset 0 of file 0 to `delta` in `file`.
pub(super) trait Relocate {
    fn relocate(&mut self, file: u32, delta: usize);
}

impl Relocate for Span {
    fn relocate(&mut self, file: u32, delta: usize) {
        self.file = file;
        self.start += delta;
        self.end += delta;
    }
}

impl<T: Relocate> Relocate for Vec<T> {
    fn relocate(&mut self, file: u32, delta: usize) {
        self.iter_mut().for_each(|x| x.relocate(file, delta));
    }
}

impl<T: Relocate> Relocate for Option<T> {
    fn relocate(&mut self, file: u32, delta: usize) {
        if let Some(x) = self {
            x.relocate(file, delta);
        }
    }
}

impl Relocate for Ident {
    fn relocate(&mut self, file: u32, delta: usize) {
        self.span.relocate(file, delta);
    }
}

impl Relocate for Str {
    fn relocate(&mut self, file: u32, delta: usize) {
        self.span.relocate(file, delta);
    }
}

impl Relocate for Literal {
    fn relocate(&mut self, file: u32, delta: usize) {
        self.span.relocate(file, delta);
    }
}

impl Relocate for TypeExpr {
    fn relocate(&mut self, file: u32, delta: usize) {
        match self {
            TypeExpr::Enum(v) | TypeExpr::Level(v) | TypeExpr::Set(v) => v.relocate(file, delta),
            TypeExpr::Number(a, b) | TypeExpr::Int(a, b) => {
                a.relocate(file, delta);
                b.relocate(file, delta);
            }
            TypeExpr::Bool | TypeExpr::Text => {}
        }
    }
}

impl Relocate for Action {
    fn relocate(&mut self, file: u32, delta: usize) {
        self.queue.relocate(file, delta);
        self.span.relocate(file, delta);
    }
}

impl Relocate for Modifier {
    fn relocate(&mut self, file: u32, delta: usize) {
        match self {
            Modifier::Priority(i, s) => {
                i.relocate(file, delta);
                s.relocate(file, delta);
            }
            Modifier::Tag(t, s) | Modifier::Note(t, s) => {
                t.relocate(file, delta);
                s.relocate(file, delta);
            }
            Modifier::Attach(v, s) => {
                v.relocate(file, delta);
                s.relocate(file, delta);
            }
        }
    }
}

impl Relocate for Test {
    fn relocate(&mut self, file: u32, delta: usize) {
        match self {
            Test::Cmp(_, l) | Test::Has(l) => l.relocate(file, delta),
            Test::In(v) | Test::NotIn(v) | Test::HasAny(v) | Test::HasAll(v) => {
                v.relocate(file, delta)
            }
            Test::Matches(s) | Test::Contains(s) => s.relocate(file, delta),
            Test::Truthy | Test::IsMissing | Test::IsPresent => {}
        }
    }
}

impl Relocate for Atom {
    fn relocate(&mut self, file: u32, delta: usize) {
        self.field.relocate(file, delta);
        self.test.relocate(file, delta);
        self.op_span.relocate(file, delta);
        self.span.relocate(file, delta);
    }
}

impl Relocate for Cond {
    fn relocate(&mut self, file: u32, delta: usize) {
        // iterative: a condition may nest as deep as the parser allows
        let mut stack = vec![self];
        while let Some(c) = stack.pop() {
            match c {
                Cond::Or(cs, s) | Cond::And(cs, s) => {
                    s.relocate(file, delta);
                    stack.extend(cs.iter_mut());
                }
                Cond::Not(inner, s) | Cond::Group(inner, s) => {
                    s.relocate(file, delta);
                    stack.push(inner);
                }
                Cond::Atom(a) => a.relocate(file, delta),
            }
        }
    }
}

impl Relocate for ExampleValue {
    fn relocate(&mut self, file: u32, delta: usize) {
        match self {
            ExampleValue::Lit(l) => l.relocate(file, delta),
            ExampleValue::Set(v, s) => {
                v.relocate(file, delta);
                s.relocate(file, delta);
            }
        }
    }
}

impl Relocate for AutoEntry {
    fn relocate(&mut self, file: u32, delta: usize) {
        self.values.relocate(file, delta);
        self.action.relocate(file, delta);
        self.span.relocate(file, delta);
    }
}

impl Relocate for Stmt {
    fn relocate(&mut self, file: u32, delta: usize) {
        self.span.relocate(file, delta);
        match &mut self.kind {
            StmtKind::Policy(s) => s.relocate(file, delta),
            StmtKind::Field { name, ty, ty_span } => {
                name.relocate(file, delta);
                ty.relocate(file, delta);
                ty_span.relocate(file, delta);
            }
            StmtKind::Let { name, value } => {
                name.relocate(file, delta);
                value.relocate(file, delta);
            }
            StmtKind::Queue {
                name,
                sla,
                description,
            } => {
                name.relocate(file, delta);
                sla.relocate(file, delta);
                description.relocate(file, delta);
            }
            StmtKind::Ticket(v) => v.relocate(file, delta),
            StmtKind::Automation { field, entries } => {
                field.relocate(file, delta);
                entries.relocate(file, delta);
            }
            StmtKind::Rule(r) => {
                r.name.relocate(file, delta);
                r.when_span.relocate(file, delta);
                r.cond.relocate(file, delta);
                r.action.relocate(file, delta);
                r.modifiers.relocate(file, delta);
                r.span.relocate(file, delta);
            }
            StmtKind::Example(e) => {
                e.name.relocate(file, delta);
                for (name, value) in &mut e.facts {
                    name.relocate(file, delta);
                    value.relocate(file, delta);
                }
                e.expect.relocate(file, delta);
                e.modifiers.relocate(file, delta);
                e.span.relocate(file, delta);
            }
            StmtKind::Error => {}
        }
    }
}

impl Relocate for Diagnostic {
    fn relocate(&mut self, file: u32, delta: usize) {
        self.span.relocate(file, delta);
        for (s, _) in &mut self.related {
            s.relocate(file, delta);
        }
        for fix in &mut self.fixes {
            for edit in &mut fix.edits {
                edit.span.relocate(file, delta);
            }
        }
    }
}
