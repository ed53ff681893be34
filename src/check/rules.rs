//! Checking rules, conditions and examples, and the `unused` warnings.

use super::interval::{fmt_num, IntervalSet};
use super::model::*;
use super::{Checker, Resolved};
use crate::diag::{list_words, suggest, Code, Diagnostic};
use crate::span::Span;
use crate::syntax::ast::*;
use std::collections::HashMap;

impl Checker<'_> {
    pub(super) fn rules(&mut self, stmts: &[&Stmt]) {
        let mut names: HashMap<String, Span> = HashMap::new();
        for stmt in stmts {
            let StmtKind::Rule(r) = &stmt.kind else {
                continue;
            };
            let name = match &r.name {
                Some(n) => n.value.clone(),
                None => self
                    .files
                    .get(r.when_span.file as usize)
                    .map(|f| f.unnamed_rule_name(r.when_span.start, self.multi_file))
                    .unwrap_or_default(),
            };
            let name_span = r.name.as_ref().map_or(r.when_span, |n| n.span);
            if let Some(first) = names.get(&name) {
                let first = *first;
                self.push(
                    Diagnostic::new(Code::Duplicate, name_span, format!("rule `{name}` is declared twice"))
                        .with_related(first, "first declared here")
                        .with_help(format!(
                            "the first is declared {}; give each rule a name of its own, as reports and decisions refer to rules by name",
                            self.where_first(first, name_span)
                        )),
                );
            } else {
                names.insert(name.clone(), name_span);
            }
            self.mixed_and_or(&r.cond);
            let cond = self.condition(&r.cond);
            let branches = match &r.cond {
                Cond::Or(parts, _) => parts
                    .iter()
                    .filter_map(|p| {
                        let c = self.condition_quiet(p)?;
                        Some((p.span(), c))
                    })
                    .collect(),
                other => cond
                    .clone()
                    .map(|c| vec![(other.span(), c)])
                    .unwrap_or_default(),
            };
            let action = self.action(&r.action, true);
            let (priority, tags, notes, attach) = self.modifiers(&r.modifiers, true);
            if let Some(cond) = cond {
                self.model.rules.push(RuleM {
                    name,
                    span: self.first_line(stmt.span),
                    decl_span: stmt.span,
                    cond_span: r.cond.span(),
                    cond,
                    branches,
                    action,
                    priority: priority.unwrap_or(Priority::Normal),
                    tags,
                    notes,
                    attach,
                });
            }
        }
    }

    fn modifiers(
        &mut self,
        mods: &[Modifier],
        check_attach: bool,
    ) -> (Option<Priority>, Vec<String>, Vec<String>, Vec<String>) {
        let mut priority: Option<(Priority, Span)> = None;
        let mut tags = Vec::new();
        let mut notes = Vec::new();
        let mut attach = Vec::new();
        for m in mods {
            match m {
                Modifier::Priority(p, span) => {
                    let Some(level) = Priority::parse(&p.name) else {
                        let mut d = Diagnostic::new(
                            Code::UnknownValue,
                            p.span,
                            format!("`{}` is not a priority", p.name),
                        );
                        d = match suggest(&p.name, Priority::NAMES) {
                            Some(s) => d
                                .with_help(format!("did you mean `{s}`? priorities are `low`, `normal`, `high` and `urgent`"))
                                .with_change_to(p.span, s),
                            None => d.with_help("priorities are `low`, `normal`, `high` and `urgent`"),
                        };
                        self.push(d);
                        continue;
                    };
                    if let Some((_, first)) = priority {
                        self.push(
                            Diagnostic::new(
                                Code::Duplicate,
                                *span,
                                "a rule takes `priority` only once",
                            )
                            .with_related(first, "the first `priority`")
                            .with_help("keep one priority"),
                        );
                        continue;
                    }
                    priority = Some((level, *span));
                }
                Modifier::Tag(t, _) => {
                    if !tags.contains(&t.value) {
                        tags.push(t.value.clone());
                    }
                }
                Modifier::Note(n, _) => notes.push(n.value.clone()),
                Modifier::Attach(items, _) => {
                    for item in items {
                        if check_attach && !self.context_item(item) {
                            continue;
                        }
                        if !attach.contains(&item.name) {
                            attach.push(item.name.clone());
                        }
                    }
                }
            }
        }
        (priority.map(|p| p.0), tags, notes, attach)
    }

    fn mixed_and_or(&mut self, c: &Cond) {
        match c {
            Cond::Or(parts, span) => {
                if parts.iter().any(|p| matches!(p, Cond::And(..))) {
                    let d = Diagnostic::new(
                        Code::MixedAndOr,
                        *span,
                        "`and` and `or` are mixed without parentheses",
                    );
                    let mut d = match self.reading(c) {
                        Some(r) => d
                            .with_help_quoting_policy(format!(
                                "this reads as `{r}`; add parentheses to say which you mean"
                            )),
                        _ => d.with_help("`and` binds tighter than `or`: add parentheses to show which is meant, e.g. `(A and B) or C`"),
                    };
                    let edits: Vec<crate::diag::Edit> = parts
                        .iter()
                        .filter(|p| matches!(p, Cond::And(..)))
                        .flat_map(|p| {
                            let s = p.span();
                            [
                                crate::diag::Edit {
                                    span: Span::new(s.file, s.start, s.start),
                                    text: "(".into(),
                                },
                                crate::diag::Edit {
                                    span: Span::new(s.file, s.end, s.end),
                                    text: ")".into(),
                                },
                            ]
                        })
                        .collect();
                    d.fixes.push(crate::diag::Fix {
                        title: "add parentheses around each `and` group".into(),
                        edits,
                    });
                    self.push(d);
                }
                for p in parts {
                    self.mixed_and_or(p);
                }
            }
            Cond::And(parts, _) => {
                for p in parts {
                    self.mixed_and_or(p);
                }
            }
            Cond::Not(inner, _) | Cond::Group(inner, _) => self.mixed_and_or(inner),
            Cond::Atom(_) => {}
        }
    }

    /// How a condition reads, in the user's words: every `and` group
    /// inside an `or` in parentheses (`and` binds tighter). None when it
    /// is longer than a help can quote or a test's text is not at hand.
    fn reading(&self, c: &Cond) -> Option<String> {
        let mut out = String::new();
        self.read_into(c, &mut out)?;
        (out.chars().count() <= crate::diag::POLICY_QUOTE_MAX).then_some(out)
    }

    fn read_into(&self, c: &Cond, out: &mut String) -> Option<()> {
        // stop early on a condition of megabytes
        if out.len() > 4 * crate::diag::POLICY_QUOTE_MAX {
            return None;
        }
        match c {
            Cond::Or(parts, _) | Cond::And(parts, _) => {
                let is_or = matches!(c, Cond::Or(..));
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push_str(if is_or { " or " } else { " and " });
                    }
                    let wrap = is_or && matches!(p, Cond::And(..));
                    if wrap {
                        out.push('(');
                    }
                    self.read_into(p, out)?;
                    if wrap {
                        out.push(')');
                    }
                }
            }
            Cond::Not(inner, _) => {
                out.push_str("not ");
                self.read_into(inner, out)?;
            }
            Cond::Group(inner, _) => {
                out.push('(');
                self.read_into(inner, out)?;
                out.push(')');
            }
            Cond::Atom(a) => {
                let f = self.files.get(a.span.file as usize)?;
                out.push_str(&one_line(f.text.get(a.span.start..a.span.end)?));
            }
        }
        Some(())
    }

    /// Resolve a condition, reporting its problems.
    fn condition(&mut self, c: &Cond) -> Option<CondM> {
        let mut ok = true;
        let m = self.cond_inner(c, &mut ok, true);
        ok.then_some(m)
    }

    /// Resolve again without reporting (for the `or` branches).
    fn condition_quiet(&mut self, c: &Cond) -> Option<CondM> {
        let saved = self.diags.len();
        let mut ok = true;
        let m = self.cond_inner(c, &mut ok, false);
        self.diags.truncate(saved);
        ok.then_some(m)
    }

    fn cond_inner(&mut self, c: &Cond, ok: &mut bool, report: bool) -> CondM {
        match c {
            Cond::Or(parts, _) => CondM::Or(
                parts
                    .iter()
                    .map(|p| self.cond_inner(p, ok, report))
                    .collect(),
            ),
            Cond::And(parts, _) => CondM::And(
                parts
                    .iter()
                    .map(|p| self.cond_inner(p, ok, report))
                    .collect(),
            ),
            Cond::Not(inner, _) => CondM::Not(Box::new(self.cond_inner(inner, ok, report))),
            Cond::Group(inner, _) => self.cond_inner(inner, ok, report),
            Cond::Atom(a) => match self.atom(a, report) {
                Some(m) => CondM::Atom(m),
                None => {
                    *ok = false;
                    CondM::And(Vec::new())
                }
            },
        }
    }

    /// The text after `contains` or `matches`: quoted, or a `let` holding it.
    fn text_arg(&mut self, l: &Literal, op: &str) -> Option<Str> {
        let r = self.resolve_lit(l, &[]);
        match &r.lit.kind {
            LitKind::Str(v) => Some(Str {
                value: v.clone(),
                span: l.span,
            }),
            LitKind::Name(n) if self.broken.declared.contains(n) => None,
            LitKind::Name(n) if r.via_let.is_none() => {
                self.push(
                    Diagnostic::new(
                        Code::UnknownValue,
                        l.span,
                        format!("`{n}` is not a `let`: `{op}` takes text in quotes, or the name of a `let` that holds it"),
                    )
                    .with_help(format!("for the text itself, quote it: `{op} \"{n}\"`"))
                    .with_change_to(l.span, crate::syntax::quote(n)),
                );
                None
            }
            _ => {
                let via = r.via_let.clone().unwrap_or_default();
                self.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        l.span,
                        format!(
                            "`{via}` holds `{}`, not text, and `{op}` takes text",
                            r.lit.text
                        ),
                    )
                    .with_help(format!(
                        "set the `let` to text in quotes, such as `let {via} = \"refund\"`"
                    )),
                );
                None
            }
        }
    }

    fn mismatch(&mut self, span: Span, msg: String, help: &str) -> Option<Cell> {
        self.push(Diagnostic::new(Code::TypeMismatch, span, msg).with_help(help));
        None
    }

    /// `category = refund or billing`: a bare value where a test belongs,
    /// which would read as an unknown field `billing`.
    fn value_as_test(&mut self, a: &Atom) -> bool {
        let name = &a.field.name;
        if !matches!(a.test, Test::Truthy) || self.model.field(name).is_some() {
            return false;
        }
        let mut owners = self
            .model
            .fields
            .iter()
            .filter(|f| !matches!(f.ty, FieldType::Set(_)) && f.ty.values().contains(name));
        let (Some(f), None) = (owners.next(), owners.next()) else {
            return false;
        };
        let fname = f.name.clone();
        let kind = f.ty.kind_name();
        let fixed = format!("{fname} = {name}");
        self.push(
            Diagnostic::new(
                Code::UnknownField,
                a.field.span,
                format!("`{name}` is a value of the {kind} `{fname}`, not a field"),
            )
            .with_help(format!(
                "a test names its field: write `{fixed}`, or `{fname} in {{ ..., {name} }}` for one of several values"
            ))
            .with_change_to(a.field.span, fixed),
        );
        true
    }

    fn atom(&mut self, a: &Atom, mark: bool) -> Option<AtomM> {
        if self.value_as_test(a) {
            return None;
        }
        let Some(fi) = self.resolve_field(&a.field) else {
            // the field is unknown or its declaration broken (reported
            // once): the `let`s the test names are still used
            let lits: Vec<&Literal> = match &a.test {
                Test::Cmp(_, l) | Test::Has(l) | Test::Matches(l) | Test::Contains(l) => vec![l],
                Test::In(v) | Test::NotIn(v) | Test::HasAny(v) | Test::HasAll(v) => {
                    v.iter().collect()
                }
                Test::Truthy | Test::IsMissing | Test::IsPresent => Vec::new(),
            };
            for l in lits {
                if let LitKind::Name(n) = &l.kind {
                    if self.lets.contains_key(n) {
                        self.let_used.insert(n.clone());
                    }
                }
            }
            return None;
        };
        if mark {
            self.field_used.insert(fi);
            if let Some(f) = self.model.fields.get_mut(fi) {
                f.read = true;
            }
        }
        let field = self.model.fields.get(fi)?;
        let ty = field.ty.clone();
        let fname = field.name.clone();
        let a_kind = ty.a_kind();
        let cell = match &a.test {
            Test::IsMissing => Some(Cell::is_missing()),
            Test::IsPresent => Some(Cell::present(Present::all(&ty))),
            Test::Truthy => match ty {
                FieldType::Bool => Some(Cell::present(Present::Values(vec![false, true]))),
                _ => {
                    let example = match &ty {
                        FieldType::Enum(v) | FieldType::Level(v) => {
                            format!("`{fname} = {}`", v.first().map_or("VALUE", |s| s.as_str()))
                        }
                        FieldType::Set(v) => format!(
                            "`{fname} has {}`",
                            v.first().map_or("VALUE", |s| s.as_str())
                        ),
                        FieldType::Text => format!("`{fname} contains \"...\"`"),
                        _ => format!("`{fname} > 0`"),
                    };
                    self.mismatch(
                        a.field.span,
                        format!("`{fname}` is {a_kind} field, not a yes/no fact, so it cannot stand alone as a condition"),
                        &format!("compare it with something, for example {example}"),
                    )
                }
            },
            Test::Cmp(op, lit) => self.cmp(fi, &ty, *op, lit, a.op_span),
            Test::In(lits) | Test::NotIn(lits) => {
                let negated = matches!(a.test, Test::NotIn(_));
                match &ty {
                    FieldType::Enum(v) | FieldType::Level(v) => {
                        let mut mask = vec![false; v.len()];
                        let mut good = true;
                        for l in lits {
                            match self.value_index(fi, l) {
                                Some(i) => {
                                    if let Some(m) = mask.get_mut(i as usize) {
                                        *m = true;
                                    }
                                }
                                None => good = false,
                            }
                        }
                        if negated {
                            mask.iter_mut().for_each(|m| *m = !*m);
                        }
                        good.then(|| Cell::present(Present::Values(mask)))
                    }
                    _ => self.mismatch(
                        a.op_span,
                        format!("`{}` lists values of an enum or level field, and `{fname}` is {a_kind}", if negated { "not in" } else { "in" }),
                        match ty {
                            FieldType::Set(_) => "for a set field use `has any { ... }`",
                            _ => "compare the field with `=`, `<` or `>` instead",
                        },
                    ),
                }
            }
            Test::Has(_) | Test::HasAny(_) | Test::HasAll(_) => match &ty {
                FieldType::Set(_) => {
                    let lits: Vec<&Literal> = match &a.test {
                        Test::Has(l) => vec![l],
                        Test::HasAny(ls) | Test::HasAll(ls) => ls.iter().collect(),
                        _ => Vec::new(),
                    };
                    let mut idx = Vec::new();
                    let mut good = true;
                    for l in lits {
                        match self.value_index(fi, l) {
                            Some(i) => {
                                if !idx.contains(&i) {
                                    idx.push(i);
                                }
                            }
                            None => good = false,
                        }
                    }
                    idx.sort_unstable();
                    let pred = if matches!(a.test, Test::HasAll(_)) {
                        SetPred::HasAll(idx)
                    } else {
                        SetPred::HasAny(idx)
                    };
                    good.then(|| Cell::present(Present::Set(vec![(pred, true)])))
                }
                _ => {
                    let mut d = Diagnostic::new(
                        Code::TypeMismatch,
                        a.op_span,
                        format!("`has` applies to set fields, and `{fname}` is {a_kind}"),
                    )
                    .with_help(match ty {
                        FieldType::Enum(_) | FieldType::Level(_) => {
                            "use `=` or `in { ... }` for a single value"
                        }
                        FieldType::Text => "use `contains \"...\"` or `matches \"...\"` on text",
                        _ => "compare the field with `=`, `<` or `>` instead",
                    });
                    // the operator the author meant is certain here
                    let meant = match (ty, &a.test) {
                        (FieldType::Text, Test::Has(l)) if matches!(l.kind, LitKind::Str(_)) => {
                            Some("contains")
                        }
                        (FieldType::Enum(_) | FieldType::Level(_), Test::Has(_)) => Some("="),
                        _ => None,
                    };
                    if let Some(op) = meant {
                        d = d.with_change_to(a.op_span, op);
                    }
                    self.push(d);
                    None
                }
            },
            Test::Matches(l) | Test::Contains(l) => {
                let is_match = matches!(a.test, Test::Matches(_));
                match ty {
                    FieldType::Text => {
                        let op = if is_match { "matches" } else { "contains" };
                        let s = self.text_arg(l, op)?;
                        if is_match {
                            if let Some(detail) = crate::facts::with_regex(&s.value, |r| {
                                r.err().map(regex_error_line)
                            }) {
                                self.push(
                                    Diagnostic::new(
                                        Code::BadRegex,
                                        s.span,
                                        format!("the pattern `{}` is not a valid regular expression: {detail}", s.value),
                                    )
                                    .with_help(if detail.contains("look-around") || detail.contains("backreference") {
                                        "Rust regex has no look-around or backreferences (it guarantees linear time): split the test into several conditions, e.g. `message matches \"a\" and not message matches \"b\"`"
                                    } else {
                                        "patterns use Rust regex syntax; escape special characters such as `(`, `[` or `.` with a backslash, or use `contains \"...\"` for plain text"
                                    }),
                                );
                                return None;
                            }
                            Some(Cell::present(Present::Text(vec![(
                                TextPred::Matches(s.value.clone()),
                                true,
                            )])))
                        } else {
                            Some(Cell::present(Present::Text(vec![(
                                TextPred::Contains(crate::facts::lower(&s.value)),
                                true,
                            )])))
                        }
                    }
                    _ => self.mismatch(
                        a.op_span,
                        format!(
                            "`{}` applies to text fields, and `{fname}` is {a_kind}",
                            if is_match { "matches" } else { "contains" }
                        ),
                        "compare the field with `=` or `in { ... }` instead",
                    ),
                }
            }
        }?;
        Some(AtomM {
            field: fi,
            cell,
            span: a.span,
        })
    }

    fn cmp(
        &mut self,
        fi: usize,
        ty: &FieldType,
        op: CmpOp,
        lit: &Literal,
        op_span: Span,
    ) -> Option<Cell> {
        let fname = self
            .model
            .fields
            .get(fi)
            .map(|f| f.name.clone())
            .unwrap_or_default();
        let ordering = !matches!(op, CmpOp::Eq | CmpOp::Ne);
        match ty {
            FieldType::Set(_) => {
                let mut d = Diagnostic::new(
                    Code::TypeMismatch,
                    op_span,
                    format!("`{}` does not apply to the set field `{fname}`", op.as_str()),
                )
                .with_help(format!("a set holds several values: use `{fname} has VALUE`, `{fname} has any {{ ... }}` or `{fname} has all {{ ... }}`"));
                // `risk = legal` means "risk has legal"
                if op == CmpOp::Eq && matches!(lit.kind, LitKind::Name(_)) {
                    d = d.with_change_to(op_span, "has");
                }
                self.push(d);
                None
            }
            FieldType::Enum(v) | FieldType::Level(v) => {
                if ordering && matches!(ty, FieldType::Enum(_)) {
                    let help = self.order_on_enum_help(&fname, v, op, lit);
                    // the help quotes whole tests, to be copied: not cut short
                    self.push(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            op_span,
                            format!("`{}` needs an ordered field, and `{fname}` is an enum (its values have no order)", op.as_str()),
                        )
                        .with_help_quoting_policy(help),
                    );
                    return None;
                }
                let i = self.value_index(fi, lit)? as usize;
                let mask: Vec<bool> = (0..v.len())
                    .map(|j| match op {
                        CmpOp::Eq => j == i,
                        CmpOp::Ne => j != i,
                        CmpOp::Lt => j < i,
                        CmpOp::Le => j <= i,
                        CmpOp::Gt => j > i,
                        CmpOp::Ge => j >= i,
                    })
                    .collect();
                Some(Cell::present(Present::Values(mask)))
            }
            FieldType::Bool => {
                if ordering {
                    return self.mismatch(
                        op_span,
                        format!(
                            "`{}` does not apply to the yes/no field `{fname}`",
                            op.as_str()
                        ),
                        &format!("write `{fname}`, `not {fname}` or `{fname} = false`"),
                    );
                }
                let r = self.resolve_lit(lit, &[]);
                let LitKind::Bool(b) = r.lit.kind else {
                    return self.literal_mismatch(&r, &fname, "`true` or `false`");
                };
                let want = if op == CmpOp::Eq { b } else { !b };
                Some(Cell::present(Present::Values(vec![!want, want])))
            }
            FieldType::Number { .. } | FieldType::Int { .. } => {
                let v = self.number(fi, lit)?;
                let mut set = IntervalSet::cmp(op, v);
                if matches!(ty, FieldType::Int { .. }) {
                    set = set.to_integers();
                }
                Some(Cell::present(Present::Num(set)))
            }
            FieldType::Text => {
                if ordering {
                    return self.mismatch(
                        op_span,
                        format!("`{}` does not apply to the text field `{fname}`", op.as_str()),
                        &format!("use `{fname} = \"...\"`, `{fname} contains \"...\"` or `{fname} matches \"...\"`"),
                    );
                }
                let r = self.resolve_lit(lit, &[]);
                let LitKind::Str(s) = &r.lit.kind else {
                    return self.literal_mismatch(&r, &fname, "a quoted string");
                };
                Some(Cell::present(Present::Text(vec![(
                    TextPred::Eq(s.clone()),
                    op == CmpOp::Eq,
                )])))
            }
        }
    }

    /// For `plan >= pro` on an enum: the values the comparison would mean
    /// in the declared order, to list, and the `level` that gives it that
    /// order.
    fn order_on_enum_help(
        &mut self,
        fname: &str,
        values: &[String],
        op: CmpOp,
        lit: &Literal,
    ) -> String {
        let level = format!("`{fname}` as `level {{ {} }}`", values.join(" < "));
        let r = self.resolve_lit(lit, values);
        let at = match &r.lit.kind {
            LitKind::Name(n) => values.iter().position(|v| v == n),
            _ => None,
        };
        let meant: Vec<&str> = match at {
            Some(i) => values
                .iter()
                .enumerate()
                .filter(|(j, _)| match op {
                    CmpOp::Lt => *j < i,
                    CmpOp::Le => *j <= i,
                    CmpOp::Gt => *j > i,
                    CmpOp::Ge => *j >= i,
                    CmpOp::Eq | CmpOp::Ne => false,
                })
                .map(|(_, v)| v.as_str())
                .collect(),
            None => Vec::new(),
        };
        match meant.as_slice() {
            [] => format!("list the values instead: `{fname} in {{ ... }}`, or declare {level}"),
            [one] => format!("compare with the value instead: `{fname} = {one}`; or, if the values are ordered, declare {level}"),
            many => format!(
                "list the values instead: `{fname} in {{ {} }}`; or, if the values are ordered, declare {level}",
                many.join(", ")
            ),
        }
    }

    fn literal_mismatch(&mut self, r: &Resolved, fname: &str, wanted: &str) -> Option<Cell> {
        let via = r
            .via_let
            .as_ref()
            .map(|l| format!(" (through `{l}`)"))
            .unwrap_or_default();
        let msg = format!("`{fname}` takes {wanted}, not `{}`{via}", r.lit.text);
        let help = if wanted == "a quoted string" {
            format!(
                "write the text in quotes: `{fname} = \"{}\"`",
                r.lit.text.trim_matches('"')
            )
        } else {
            format!("compare `{fname}` with {wanted}")
        };
        let mut d = Diagnostic::new(Code::TypeMismatch, r.span, msg).with_help(help);
        // the literal the author meant, where it is certain; through a
        // `let` the literal is not where the mistake shows
        if r.via_let.is_none() {
            let text = r.lit.text.as_str();
            let meant = match (&r.lit.kind, wanted) {
                (LitKind::Name(_), "a quoted string") => Some(crate::syntax::quote(text)),
                (LitKind::Number(v), "`true` or `false`") if *v == 1.0 || *v == 0.0 => {
                    Some((*v == 1.0).to_string())
                }
                (LitKind::Str(s), "`true` or `false`") if s == "true" || s == "false" => {
                    Some(s.clone())
                }
                _ => None,
            };
            if let Some(m) = meant {
                d = d.with_change_to(r.span, m);
            }
        }
        self.push(d);
        None
    }

    /// A named value of an enum, level or set field, by index.
    fn value_index(&mut self, fi: usize, lit: &Literal) -> Option<u32> {
        let field = self.model.fields.get(fi)?;
        let values = field.ty.values().to_vec();
        let fname = field.name.clone();
        let r = self.resolve_lit(lit, &values);
        match &r.lit.kind {
            LitKind::Name(n) => match values.iter().position(|v| v == n) {
                Some(i) => Some(i as u32),
                None => {
                    self.unknown_value(r.span, n, fi);
                    None
                }
            },
            LitKind::Str(s) if values.contains(s) => {
                self.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        r.span,
                        format!(
                            "`{fname}` takes a value name, not the string `{}`",
                            r.lit.text
                        ),
                    )
                    .with_help(format!("write the value without quotes: `{s}`"))
                    .with_fix(format!("write `{s}`"), r.span, s.clone()),
                );
                None
            }
            _ => {
                self.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        r.span,
                        format!("`{fname}` takes one of its values, not `{}`", r.lit.text),
                    )
                    .with_help(format!("`{fname}` takes {}", list_words(&values))),
                );
                None
            }
        }
    }

    /// A number for a number/int field, range-checked.
    fn number(&mut self, fi: usize, lit: &Literal) -> Option<f64> {
        let field = self.model.fields.get(fi)?;
        let fname = field.name.clone();
        let range = field.ty.range().unwrap_or((None, None));
        let r = self.resolve_lit(lit, &[]);
        let v = match &r.lit.kind {
            LitKind::Number(v) | LitKind::Percent(v) | LitKind::Duration(v) => *v,
            LitKind::Name(n) if self.broken.declared.contains(n) => return None,
            LitKind::Name(n) if r.via_let.is_some() => {
                // `let b = zzz` then `n > b`: the fix is in the `let` (a
                // `let` set to another `let` already holds that one's value)
                let via = r.via_let.clone().unwrap_or_default();
                let decl = self.lets.get(&via).map(|l| l.span);
                let mut d = Diagnostic::new(
                    Code::UnknownValue,
                    r.span,
                    format!("`{via}` is set to `{n}`, which is not a number"),
                )
                .with_help(format!(
                    "`{fname}` takes a number: write one, such as `let {via} = 0.5`"
                ));
                if let Some(decl) = decl {
                    d = d.with_related(decl, "set here");
                }
                self.push(d);
                return None;
            }
            LitKind::Name(n) => {
                let lets: Vec<String> = self.model.lets.iter().map(|l| l.name.clone()).collect();
                let mut d = Diagnostic::new(
                    Code::UnknownValue,
                    r.span,
                    format!("`{n}` is neither a number nor a `let` threshold"),
                );
                d = match suggest(n, lets.iter().map(String::as_str)) {
                    Some(s) => {
                        self.suggested.insert(s.to_string());
                        d.with_help(format!("did you mean `{s}`?"))
                            .with_change_to(r.span, s)
                    }
                    // a field's name: fields are compared with numbers, not
                    // with each other (and a `let` cannot take a field's name)
                    None if self.model.field(n).is_some() => {
                        // meant as a use: not also `unused`
                        self.suggested.insert(n.to_string());
                        d.with_help(format!(
                        "`{fname}` is compared with a number, not with another field such as `{n}`: write a number, or a `let` threshold such as `let {fname}_limit = 0.5`"
                    ))
                    }
                    None => d.with_help(format!(
                        "`{fname}` takes a number; define a threshold with `let {n} = 0.5`"
                    )),
                };
                self.push(d);
                return None;
            }
            _ => {
                self.literal_mismatch(&r, &fname, "a number");
                return None;
            }
        };
        if let (LitKind::Duration(minutes), Some((unit, per))) = (&r.lit.kind, unit_of(&fname)) {
            // `days_late >= 5d` compares with 7200: a duration counts in
            // minutes, and nothing else would say the units disagree
            let count = minutes / per;
            let via = r.via_note();
            let mut d = Diagnostic::new(
                Code::TypeMismatch,
                r.span,
                format!(
                    "`{fname}` counts {unit}, but the duration `{}`{via} is {} minutes",
                    r.lit.text,
                    fmt_num(*minutes)
                ),
            );
            let whole = count.fract() == 0.0;
            d = d.with_help(if whole {
                let count = match &r.via_let {
                    Some(l) => format!("let {l} = {}", fmt_num(count)),
                    None => fmt_num(count),
                };
                format!("a duration compared with a number counts in minutes: write the number of {unit}, `{count}`")
            } else {
                format!("a duration compared with a number counts in minutes: write the number of {unit}")
            });
            if whole && r.via_let.is_none() {
                d = d.with_change_to(r.span, fmt_num(count));
            }
            self.push(d);
            return None;
        }
        let below = range.0.is_some_and(|lo| v < lo);
        let above = range.1.is_some_and(|hi| v > hi);
        let is_unit = range.0 == Some(0.0) && range.1 == Some(1.0);
        if let Some(l) = &r.via_let {
            if !is_unit {
                self.let_other_fields
                    .entry(l.clone())
                    .or_default()
                    .push(fname.clone());
            }
        }
        if below || above {
            let range_text = format!(
                "{}..{}",
                range.0.map(fmt_num).unwrap_or_default(),
                range.1.map(fmt_num).unwrap_or_default()
            );
            let via = r.via_note();
            let mut d = Diagnostic::new(
                Code::OutOfRange,
                r.span,
                format!(
                    "`{}`{via} is outside the range of `{fname}` ({range_text})",
                    r.lit.text
                ),
            );
            if is_unit && v > 1.0 && v <= 100.0 && matches!(r.lit.kind, LitKind::Number(_)) {
                let pct = format!("{}%", r.lit.text);
                d = d.with_help(format!("`{fname}` goes from 0 to 1: did you mean `{pct}`?"));
                d = match &r.via_let {
                    None => d.with_change_to(r.span, pct),
                    // the fix is where the number is written: the `let`
                    Some(l) => {
                        self.let_fixes.push((self.diags.len(), l.clone()));
                        d.with_fix(
                            format!("change `let {l} = {}` to `{pct}`", r.lit.text),
                            r.lit.span,
                            pct,
                        )
                    }
                };
            } else {
                d = d.with_help(match range {
                    (Some(lo), Some(hi)) => {
                        format!("use a value between {} and {}", fmt_num(lo), fmt_num(hi))
                    }
                    (Some(lo), None) => format!("use a value of at least {}", fmt_num(lo)),
                    (None, Some(hi)) => format!("use a value of at most {}", fmt_num(hi)),
                    (None, None) => "use a value inside the field's range".to_string(),
                });
            }
            self.push(d);
            return None;
        }
        Some(v)
    }

    pub(super) fn examples(&mut self, stmts: &[&Stmt]) {
        let mut names: HashMap<String, Span> = HashMap::new();
        for stmt in stmts {
            let StmtKind::Example(e) = &stmt.kind else {
                continue;
            };
            if let Some(first) = names.get(&e.name.value) {
                let first = *first;
                self.push(
                    Diagnostic::new(
                        Code::Duplicate,
                        e.name.span,
                        format!("example `{}` is declared twice", e.name.value),
                    )
                    .with_related(first, "first declared here")
                    .with_help(format!(
                        "the first is declared {}; give each example a name of its own",
                        self.where_first(first, e.name.span)
                    )),
                );
                continue;
            }
            names.insert(e.name.value.clone(), e.name.span);
            let mut facts: Vec<(usize, ExampleFact)> = Vec::new();
            let mut good = true;
            self.in_examples
                .extend(e.facts.iter().map(|(f, _)| f.name.clone()));
            if let Some(q) = &e.expect.queue {
                self.in_examples.insert(q.value.clone());
            }
            for (f, v) in &e.facts {
                let Some(fi) = self.resolve_field(f) else {
                    good = false;
                    continue;
                };
                if facts.iter().any(|(x, _)| *x == fi) {
                    self.push(
                        Diagnostic::new(
                            Code::Duplicate,
                            f.span,
                            format!("`{}` is given twice in this example", f.name),
                        )
                        .with_help("give each fact once"),
                    );
                    good = false;
                    continue;
                }
                match self.example_value(fi, v) {
                    Some(x) => facts.push((fi, x)),
                    None => good = false,
                }
            }
            if let Some(q) = &e.expect.queue {
                let used_before = self.queue_used.contains(&q.value);
                self.check_queue(q);
                if !used_before {
                    self.queue_used.remove(&q.value);
                }
            }
            let field_used = self.field_used.clone();
            let (priority, tags, _, attach) = self.modifiers(&e.modifiers, true);
            self.field_used = field_used;
            if good {
                self.model.examples.push(ExampleM {
                    name: e.name.value.clone(),
                    span: self.first_line(stmt.span),
                    facts,
                    expect: e.expect.kind,
                    expect_queue: e.expect.queue.as_ref().map(|q| q.value.clone()),
                    expect_priority: priority,
                    expect_tags: tags,
                    expect_attach: attach,
                });
            }
        }
    }

    fn example_value(&mut self, fi: usize, v: &ExampleValue) -> Option<ExampleFact> {
        let field = self.model.fields.get(fi)?;
        let ty = field.ty.clone();
        let fname = field.name.clone();
        match (v, &ty) {
            (ExampleValue::Set(items, _), FieldType::Set(values)) => {
                let mut out = Vec::new();
                for it in items {
                    match values.iter().position(|x| *x == it.name) {
                        Some(i) => out.push(i as u32),
                        None => {
                            self.unknown_value(it.span, &it.name, fi);
                            return None;
                        }
                    }
                }
                out.sort_unstable();
                out.dedup();
                Some(ExampleFact::Set(out))
            }
            (ExampleValue::Set(_, span), _) => {
                self.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        *span,
                        format!("`{fname}` is {} field, not a set", ty.a_kind()),
                    )
                    .with_help(format!("give a single value: `{fname} = VALUE`")),
                );
                None
            }
            (ExampleValue::Lit(l), FieldType::Set(_)) => {
                let i = self.value_index(fi, l)?;
                let _ = i;
                self.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        l.span,
                        format!("`{fname}` is a set: write its values in braces"),
                    )
                    .with_help(format!("`{fname} = {{ {} }}`", l.text))
                    .with_fix(
                        "wrap in braces",
                        l.span,
                        format!("{{ {} }}", l.text),
                    ),
                );
                None
            }
            (ExampleValue::Lit(l), FieldType::Enum(_) | FieldType::Level(_)) => {
                self.value_index(fi, l).map(ExampleFact::Value)
            }
            (ExampleValue::Lit(l), FieldType::Bool) => {
                let r = self.resolve_lit(l, &[]);
                match r.lit.kind {
                    LitKind::Bool(b) => Some(ExampleFact::Value(b as u32)),
                    _ => {
                        self.literal_mismatch(&r, &fname, "`true` or `false`");
                        None
                    }
                }
            }
            (ExampleValue::Lit(l), FieldType::Number { .. } | FieldType::Int { .. }) => {
                let v = self.number(fi, l)?;
                if matches!(ty, FieldType::Int { .. }) && v.fract() != 0.0 {
                    self.push(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            l.span,
                            format!("`{fname}` is a whole number, not `{}`", l.text),
                        )
                        .with_help("give a whole number"),
                    );
                    return None;
                }
                Some(ExampleFact::Num(v))
            }
            (ExampleValue::Lit(l), FieldType::Text) => {
                let r = self.resolve_lit(l, &[]);
                match &r.lit.kind {
                    LitKind::Str(s) => Some(ExampleFact::Text(s.clone())),
                    _ => {
                        self.literal_mismatch(&r, &fname, "a quoted string");
                        None
                    }
                }
            }
        }
    }

    pub(super) fn unused(&mut self, stmts: &[&Stmt]) {
        for stmt in stmts {
            let (span, what, name) = match &stmt.kind {
                StmtKind::Field { name, .. } => {
                    let Some(fi) = self.model.field(&name.name) else {
                        continue;
                    };
                    if self.field_used.contains(&fi)
                        || self
                            .model
                            .fields
                            .get(fi)
                            .is_some_and(|f| f.span != name.span)
                    {
                        continue;
                    }
                    (name.span, "field", name.name.clone())
                }
                StmtKind::Let { name, .. } => {
                    if self.let_used.contains(&name.name)
                        || !self.model.lets.iter().any(|l| l.span == name.span)
                    {
                        continue;
                    }
                    (name.span, "threshold", name.name.clone())
                }
                StmtKind::Queue { name, .. } => {
                    if self.queue_used.contains(&name.value)
                        || !self.model.queues.iter().any(|q| q.span == name.span)
                    {
                        continue;
                    }
                    (name.span, "queue", name.value.clone())
                }
                _ => continue,
            };
            // used by a statement that did not parse, or the name a typo
            // was meant to be: already reported once
            if self.broken.mentioned.contains(&name) || self.suggested.contains(&name) {
                continue;
            }
            let help = match what {
                "field" => "use it in a rule, the automation block, `attach` or `ticket requires`, or remove it",
                "threshold" => "use it in a condition, or remove it",
                _ => "send conversations to it from a rule or automation entry, or remove it",
            };
            let removal = self.whole_lines(stmt.span);
            let d = Diagnostic::new(Code::Unused, span, format!("{what} `{name}` is never used"))
                .with_help(help);
            // removing a name an example still uses would break the example
            self.push(if self.in_examples.contains(&name) {
                d
            } else {
                d.with_fix(format!("remove the unused {what}"), removal, "")
            });
        }
    }

    /// The span of the lines a statement occupies, with its `##` lines,
    /// newline included.
    fn whole_lines(&self, span: Span) -> Span {
        let Some(f) = self.files.get(span.file as usize) else {
            return span;
        };
        let mut line = f.line_of(span.start);
        // the `##` lines right above document the statement: they go with it
        while line > 0 {
            let above = Span::new(span.file, f.line_start(line - 1), f.line_start(line));
            if !f.slice(above).trim_start().starts_with("##") {
                break;
            }
            line -= 1;
        }
        let start = f.line_start(line);
        let end_line = f.line_of(span.end);
        let end = f.line_start(end_line + 1);
        Span::new(span.file, start, end.max(span.end))
    }
}

/// The unit a field's name says it counts in, other than minutes, and how
/// many minutes one of it is: `days_late` counts days, `hoursOpen` hours.
fn unit_of(name: &str) -> Option<(&'static str, f64)> {
    // words split at `_` and at a capital after a lower-case letter
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' || (c.is_ascii_uppercase() && prev_lower) {
            words.push(std::mem::take(&mut word));
        }
        if c != '_' {
            word.push(c.to_ascii_lowercase());
        }
        prev_lower = c.is_ascii_lowercase();
    }
    words.push(word);
    // a name that also says minutes (`minutes_per_day`, `hr_wait_minutes`)
    // counts minutes; `second` (the ordinal) and `hr` (human resources)
    // are not units
    if words
        .iter()
        .any(|w| matches!(w.as_str(), "minute" | "minutes" | "min" | "mins"))
    {
        return None;
    }
    words.iter().find_map(|w| match w.as_str() {
        "seconds" | "secs" => Some(("seconds", 1.0 / 60.0)),
        "hour" | "hours" | "hrs" => Some(("hours", 60.0)),
        "day" | "days" => Some(("days", 1440.0)),
        "week" | "weeks" => Some(("weeks", 10080.0)),
        "month" | "months" => Some(("months", 43200.0)),
        _ => None,
    })
}

/// The useful last line of a regex error ("error: unclosed group").
fn regex_error_line(e: &regex::Error) -> String {
    let s = e.to_string();
    s.lines()
        .rev()
        .find(|l| l.trim_start().starts_with("error:"))
        .map(|l| {
            l.trim_start()
                .trim_start_matches("error:")
                .trim()
                .to_string()
        })
        .unwrap_or_else(|| s.lines().last().unwrap_or("").to_string())
}
