//! Hover: what a name, number or rule means, in Markdown.

use super::index::Symbol;
use super::lexer::{self, TokKind};
use super::Analysis;
use crate::check::interval::{fmt_num, IntervalSet};
use crate::check::model::{Cell, FieldType, Present, SetPred, TextPred};
use crate::span::Span;
use crate::syntax::ast::{LitKind, StmtKind};

/// A hover: Markdown text and the span it is about.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Hover {
    pub markdown: String,
    #[serde(skip)]
    pub span: Span,
}

pub fn hover(a: &Analysis, file: u32, offset: usize) -> Option<Hover> {
    let text = a.text(file);
    let offset = lexer::clamp(text, offset);
    if let Some(o) = a.index.at(file, offset) {
        let markdown = symbol(a, &o.symbol)?;
        return Some(Hover {
            markdown,
            span: o.span,
        });
    }
    let line_start = text
        .get(..offset)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = text
        .get(offset..)
        .and_then(|s| s.find('\n'))
        .map_or(text.len(), |i| offset + i);
    let tok = lexer::tokens(text, line_start, line_end)
        .into_iter()
        .find(|t| t.start <= offset && offset < t.end)?;
    let span = Span::new(file, tok.start, tok.end);
    let word = tok.text(text);
    match tok.kind {
        TokKind::Number => {
            let markdown = match crate::syntax::parse_numeric(word).ok()? {
                LitKind::Percent(v) => format!("`{word}` = {}", fmt_num(v)),
                LitKind::Duration(m) => format!(
                    "`{word}` = {} minute{}",
                    fmt_num(m),
                    if m == 1.0 { "" } else { "s" }
                ),
                _ => return None,
            };
            Some(Hover { markdown, span })
        }
        TokKind::Comment | TokKind::Other => None,
        _ => {
            // the rule itself: on `rule`, its name, `when` and `then`
            let on_rule = tok.is_str() || matches!(word, "rule" | "when" | "then");
            if on_rule {
                if let Some(markdown) = rule_at(a, file, offset) {
                    return Some(Hover { markdown, span });
                }
            }
            // a statement being typed does not parse, so its names are not
            // in the index: the declared names still mean what they mean
            if let Some(markdown) = by_name(a, tok.kind, word).and_then(|s| symbol(a, &s)) {
                return Some(Hover { markdown, span });
            }
            let markdown = keyword_doc(word)?;
            Some(Hover {
                markdown: markdown.to_string(),
                span,
            })
        }
    }
}

/// The declared name a token spells: a field, a `let`, a queue (quoted),
/// or the value of exactly one field.
fn by_name(a: &Analysis, kind: TokKind, word: &str) -> Option<Symbol> {
    let model = a.model();
    if let TokKind::Str { terminated: true } = kind {
        let name = word.get(1..word.len().saturating_sub(1))?;
        return model.queue(name).map(|q| Symbol::Queue(q.name.clone()));
    }
    if kind != TokKind::Ident {
        return None;
    }
    if model.field(word).is_some() {
        return Some(Symbol::Field(word.to_string()));
    }
    if a.lets.iter().any(|l| l.name == word) {
        return Some(Symbol::Let(word.to_string()));
    }
    let mut owners = model
        .fields
        .iter()
        .filter(|f| f.ty.values().iter().any(|v| v == word));
    match (owners.next(), owners.next()) {
        (Some(f), None) => Some(Symbol::Value(f.name.clone(), word.to_string())),
        _ => None,
    }
}

fn symbol(a: &Analysis, s: &Symbol) -> Option<String> {
    let model = a.model();
    Some(match s {
        Symbol::Field(name) => {
            let f = model.fields.get(model.field(name)?)?;
            let mut md = format!("**field** `{}`: `{}`", f.name, f.ty.describe());
            if let FieldType::Level(v) = &f.ty {
                md.push_str(&format!(
                    "\n\n{} levels, lowest first: {}",
                    v.len(),
                    v.join(" < ")
                ));
            }
            if let Some(d) = &f.doc {
                md.push_str("\n\n");
                md.push_str(d);
            }
            // counted in the text, so that a rule with an error counts too
            let rules = rules_where(a, |r| {
                a.index.of(s).any(|o| {
                    o.span.file == r.when_span.file
                        && o.span.start >= r.when_span.end
                        && o.span.end <= r.action.span.start
                })
            });
            md.push_str(&format!("\n\nread by {} rule{}", rules, plural(rules)));
            md
        }
        Symbol::Value(field, value) => {
            let f = model.fields.get(model.field(field)?)?;
            let values = f.ty.values();
            let pos = values.iter().position(|v| v == value)?;
            let n = values.len();
            match &f.ty {
                FieldType::Level(_) => {
                    let extreme = if pos + 1 == n {
                        " (the highest)"
                    } else if pos == 0 {
                        " (the lowest)"
                    } else {
                        ""
                    };
                    format!(
                        "**value** `{value}` of level `{field}`: rank {} of {n}{extreme}\n\n`{}`",
                        pos + 1,
                        values.join(" < ")
                    )
                }
                ty => format!(
                    "**value** `{value}` of {} `{field}` (one of {n})\n\n`{}`",
                    ty.kind_name(),
                    ty.describe()
                ),
            }
        }
        Symbol::Let(name) => {
            let l = a.lets.iter().find(|l| &l.name == name)?;
            let mut md = format!("**let** `{}` = `{}`", l.name, l.value.text);
            if let Some(v) = a.let_value(name) {
                match v.kind {
                    LitKind::Percent(x) => md.push_str(&format!(" (= {})", fmt_num(x))),
                    LitKind::Duration(m) => md.push_str(&format!(" (= {} minutes)", fmt_num(m))),
                    _ if v.text != l.value.text => md.push_str(&format!(" (= `{}`)", v.text)),
                    _ => {}
                }
            }
            let uses = a.index.of(s).filter(|o| !o.decl).count();
            md.push_str(&format!("\n\nused {} time{}", uses, plural(uses)));
            md
        }
        Symbol::Queue(name) => {
            let q = model.queue(name)?;
            let mut md = format!("**queue** `{}`", crate::syntax::quote(&q.name));
            match q.sla_minutes {
                Some(m) => md.push_str(&format!(
                    "\n\nSLA: {} ({} minutes)",
                    super::fmt_minutes(m),
                    fmt_num(m)
                )),
                None => md.push_str("\n\nno SLA"),
            }
            if let Some(d) = &q.description {
                md.push_str("\n\n");
                md.push_str(d);
            }
            if let Some(d) = &q.doc {
                md.push_str("\n\n");
                md.push_str(d);
            }
            let rules = rules_where(a, |r| {
                r.action.queue.as_ref().is_some_and(|q| q.value == *name)
            });
            md.push_str(&format!("\n\nnamed by {} rule{}", rules, plural(rules)));
            md
        }
    })
}

/// How many rule statements of the policy's files satisfy `pred`,
/// checked or not.
fn rules_where(a: &Analysis, pred: impl Fn(&crate::syntax::ast::RuleDecl) -> bool) -> usize {
    a.checked
        .asts
        .iter()
        .flat_map(|ast| &ast.stmts)
        .filter(|st| matches!(&st.kind, crate::syntax::ast::StmtKind::Rule(r) if pred(r)))
        .count()
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The index of the model's rule declared by the statement at `offset`.
pub fn rule_index_at(a: &Analysis, file: u32, offset: usize) -> Option<usize> {
    let ast = a.checked.asts.get(file as usize)?;
    let stmt = ast.stmts.iter().find(|s| {
        s.span.start <= offset && offset <= s.span.end && matches!(s.kind, StmtKind::Rule(_))
    })?;
    a.model()
        .rules
        .iter()
        .position(|r| r.decl_span == stmt.span)
}

fn rule_at(a: &Analysis, file: u32, offset: usize) -> Option<String> {
    let ri = rule_index_at(a, file, offset)?;
    Some(rule_markdown(a, ri))
}

/// At most this many rows of a rule are shown on hover.
const MAX_ROWS: usize = 24;

/// A rule: its action, its compiled rows and the examples that exercise it.
pub fn rule_markdown(a: &Analysis, ri: usize) -> String {
    let model = a.model();
    let Some(rule) = model.rules.get(ri) else {
        return String::new();
    };
    let mut md = format!(
        "**rule** `{}` → `{}` priority {}",
        rule.name,
        rule.action.describe(),
        rule.priority.as_str()
    );
    for t in &rule.tags {
        md.push_str(&format!(" tag {}", crate::syntax::quote(t)));
    }
    match &a.checked.table {
        None => md.push_str("\n\nnot compiled: the policy has errors"),
        Some(table) => {
            let rows: Vec<&crate::table::Row> =
                table.rows.iter().filter(|r| r.rule == ri).collect();
            let mut cols: Vec<usize> = rows
                .iter()
                .flat_map(|r| r.cells.iter().map(|(f, _)| *f))
                .collect();
            cols.sort_unstable();
            cols.dedup();
            md.push_str(&format!(
                "\n\ncompiles to {} decision-table row{}",
                rows.len(),
                plural(rows.len())
            ));
            if !rows.is_empty() {
                md.push_str(":\n\n| # |");
                for c in &cols {
                    md.push_str(&format!(
                        " `{}` |",
                        model.fields.get(*c).map_or("?", |f| f.name.as_str())
                    ));
                }
                md.push_str("\n|---|");
                for _ in &cols {
                    md.push_str("---|");
                }
                for (i, r) in rows.iter().enumerate().take(MAX_ROWS) {
                    md.push_str(&format!("\n| {} |", i + 1));
                    for c in &cols {
                        let cell = match (r.cell(*c), model.fields.get(*c)) {
                            (Some(cell), Some(f)) => describe_cell(&f.ty, cell),
                            _ => "–".to_string(),
                        };
                        md.push_str(&format!(" {} |", cell.replace('|', "\\|")));
                    }
                }
                if rows.len() > MAX_ROWS {
                    md.push_str(&format!("\n\n… and {} more rows", rows.len() - MAX_ROWS));
                }
                if cols.is_empty() {
                    md.push_str("\n\n(matches every conversation)");
                }
            }
        }
    }
    let ex: Vec<&super::ExampleOutcome> = a
        .examples()
        .iter()
        .filter(|e| e.matched.contains(&ri))
        .collect();
    if a.evaluator().is_some() {
        let pass = ex.iter().filter(|e| e.passed).count();
        let wins = ex.iter().filter(|e| e.winner == Some(ri)).count();
        md.push_str(&format!(
            "\n\nexercised by {} example{} ({} pass, {} fail; it wins in {})",
            ex.len(),
            plural(ex.len()),
            pass,
            ex.len() - pass,
            wins
        ));
    }
    md
}

fn num_set(s: &IntervalSet) -> String {
    let parts: Vec<String> = s
        .parts
        .iter()
        .map(|iv| {
            let (lo, hi) = (iv.lo, iv.hi);
            if lo.value == hi.value {
                return format!("= {}", fmt_num(lo.value));
            }
            let lo_s = lo.value.is_finite().then(|| {
                format!(
                    "{} {}",
                    if lo.inclusive { "≥" } else { ">" },
                    fmt_num(lo.value)
                )
            });
            let hi_s = hi.value.is_finite().then(|| {
                format!(
                    "{} {}",
                    if hi.inclusive { "≤" } else { "<" },
                    fmt_num(hi.value)
                )
            });
            match (lo_s, hi_s) {
                (Some(l), Some(h)) => format!("{l} and {h}"),
                (Some(l), None) => l,
                (None, Some(h)) => h,
                (None, None) => "any number".into(),
            }
        })
        .collect();
    if parts.is_empty() {
        "no number".into()
    } else {
        parts.join(" or ")
    }
}

fn names(ty: &FieldType, idx: &[u32]) -> String {
    idx.iter()
        .filter_map(|i| ty.values().get(*i as usize).cloned())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A cell in words: `≥ vip`, `in { refund, billing }`, `< 0.55 or missing`.
pub fn describe_cell(ty: &FieldType, cell: &Cell) -> String {
    let present = match &cell.present {
        None => None,
        Some(Present::Values(mask)) => {
            let on: Vec<usize> = mask
                .iter()
                .enumerate()
                .filter(|(_, b)| **b)
                .map(|(i, _)| i)
                .collect();
            Some(match ty {
                FieldType::Bool => match on.as_slice() {
                    [1] => "true".to_string(),
                    [0] => "false".to_string(),
                    _ => "true or false".to_string(),
                },
                _ => {
                    let vals = ty.values();
                    let name = |i: usize| vals.get(i).cloned().unwrap_or_default();
                    let n = mask.len();
                    let contiguous = on.windows(2).all(|w| matches!(w, [a, b] if *b == *a + 1));
                    match on.as_slice() {
                        [] => "nothing".to_string(),
                        [one] => format!("= {}", name(*one)),
                        _ if on.len() == n => "any value".to_string(),
                        [first, .., last]
                            if matches!(ty, FieldType::Level(_)) && contiguous && *first == 0 =>
                        {
                            format!("≤ {}", name(*last))
                        }
                        [first, ..]
                            if matches!(ty, FieldType::Level(_))
                                && contiguous
                                && on.last() == Some(&n.saturating_sub(1)) =>
                        {
                            format!("≥ {}", name(*first))
                        }
                        _ if on.len() * 2 > n && n.saturating_sub(on.len()) == 1 => {
                            let off = (0..n).find(|i| !on.contains(i)).unwrap_or(0);
                            format!("≠ {}", name(off))
                        }
                        _ => format!(
                            "in {{ {} }}",
                            on.iter().map(|i| name(*i)).collect::<Vec<_>>().join(", ")
                        ),
                    }
                }
            })
        }
        Some(Present::Num(s)) => Some(num_set(s)),
        Some(Present::Set(clauses)) => Some(if clauses.is_empty() {
            "present".into()
        } else {
            clauses
                .iter()
                .map(|(p, want)| match (p, want) {
                    (SetPred::HasAny(i), true) => format!("has any {{ {} }}", names(ty, i)),
                    (SetPred::HasAny(i), false) => format!("has none of {{ {} }}", names(ty, i)),
                    (SetPred::HasAll(i), true) => format!("has all {{ {} }}", names(ty, i)),
                    (SetPred::HasAll(i), false) => format!("lacks one of {{ {} }}", names(ty, i)),
                })
                .collect::<Vec<_>>()
                .join(" and ")
        }),
        Some(Present::Text(clauses)) => Some(if clauses.is_empty() {
            "present".into()
        } else {
            clauses
                .iter()
                .map(|(p, want)| {
                    let q = |s: &str| crate::syntax::quote(s);
                    match (p, want) {
                        (TextPred::Eq(s), true) => format!("= {}", q(s)),
                        (TextPred::Eq(s), false) => format!("≠ {}", q(s)),
                        (TextPred::Matches(s), true) => format!("matches {}", q(s)),
                        (TextPred::Matches(s), false) => format!("does not match {}", q(s)),
                        (TextPred::Contains(s), true) => format!("contains {}", q(s)),
                        (TextPred::Contains(s), false) => format!("does not contain {}", q(s)),
                    }
                })
                .collect::<Vec<_>>()
                .join(" and ")
        }),
    };
    match (present, cell.missing) {
        (None, true) => "missing".into(),
        (None, false) => "never".into(),
        (Some(p), true) => format!("{p} or missing"),
        (Some(p), false) => p,
    }
}

/// A short explanation of a keyword.
pub fn keyword_doc(word: &str) -> Option<&'static str> {
    Some(match word {
        "answer" => "**answer**: the AI answers by itself (the least strict action)",
        "draft" => "**draft** [\"queue\"]: the AI drafts, a human approves",
        "route" => "**route** \"queue\": hand off to a queue with context",
        "human" => "**human** \"queue\": human-only; the AI summarises and gives no instruction (the strictest action)",
        "priority" => "**priority** low | normal | high | urgent (default normal): among matched rules with the decision's action, the highest priority wins",
        "low" | "normal" | "high" | "urgent" => "a **priority**: low < normal < high < urgent",
        "tag" => "**tag** \"text\": a tag on the decision; the tags of every matched rule are kept",
        "note" => "**note** \"text\": a note for the agent",
        "attach" => "**attach** ITEM, ...: context the handoff ticket must carry",
        "when" => "**when** CONDITION **then** ACTION: a rule",
        "then" => "**then** ACTION MODIFIERS: what the rule decides",
        "rule" => "**rule** \"name\": names the rule that follows (unnamed rules are named `line N`)",
        "and" => "**and**: both conditions hold (binds tighter than `or`)",
        "or" => "**or**: either condition holds",
        "not" => "**not**: negation (binds tighter than `and`)",
        "in" => "**in** { ... }: the fact is one of the listed values",
        "has" => "**has** VALUE / **has any** { ... } / **has all** { ... }: set membership",
        "any" | "all" => "**has any** { ... }: at least one; **has all** { ... }: every one",
        "matches" => "**matches** \"regex\": unanchored regular-expression search (`(?i)` ignores case)",
        "contains" => "**contains** \"text\": case-insensitive substring",
        "is" | "missing" | "present" => "**is missing** / **is present**: whether the fact is there (a null fact is missing)",
        "field" => "**field** NAME: TYPE: a fact the support system provides",
        "let" => "**let** NAME = LITERAL: a named threshold",
        "queue" => "**queue** \"name\" [sla DURATION] [\"description\"]: a human queue",
        "sla" => "**sla** DURATION: time to first response (`30m`, `2h`, `1d`, `1h30m`)",
        "ticket" | "requires" => "**ticket requires** ITEM, ...: context every handoff ticket must carry",
        "automation" | "by" => "**automation by** FIELD { VALUES => ACTION ... otherwise => ACTION }: the baseline action",
        "otherwise" => "**otherwise**: the automation action for every other value (and a missing fact)",
        "example" | "expect" => "**example** \"name\" { FIELD = VALUE, ... } **expect** ACTION: an executable example",
        "policy" => "**policy** \"name\": the policy's name",
        "enum" => "**enum** { a, b }: unordered values",
        "level" => "**level** { a < b < c }: ordered values",
        "set" => "**set** { a, b }: the fact is a list of these values",
        "number" => "**number** [LO..[HI]]: a number, inclusive range",
        "int" => "**int** [LO..[HI]]: a whole number, inclusive range",
        "bool" => "**bool**: true or false",
        "text" => "**text**: free text, tested with `=`, `contains` or `matches`",
        "true" | "false" => "a **bool** literal",
        _ => return None,
    })
}
