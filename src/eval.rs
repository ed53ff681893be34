//! The evaluator: precomputed per-column indexes over the decision table.
//! A decision ANDs one bitset per constrained column, then applies the
//! priority hit policy to the matching rows. The syntax tree is not
//! consulted at run time.

use crate::check::interval;
use crate::check::model::{ActionM, FieldType, Model, Present, Priority, SetPred, TextPred};
use crate::facts::{Facts, Value};
use crate::syntax::ast::ActionKind;
use crate::table::Table;
use serde::Serialize;
use std::cell::RefCell;

type Bits = Vec<u64>;

/// A bitset kept as its non-zero words: the rows that require a set or
/// text predicate are few, so clearing them touches few words.
type Sparse = Vec<(u32, u64)>;

fn sparse(b: &Bits) -> Sparse {
    b.iter()
        .enumerate()
        .filter(|(_, w)| **w != 0)
        .map(|(i, w)| (i as u32, *w))
        .collect()
}

fn and_not_sparse(acc: &mut [u64], s: &Sparse) {
    for (i, w) in s {
        if let Some(a) = acc.get_mut(*i as usize) {
            *a &= !*w;
        }
    }
}

fn bits(n: usize) -> Bits {
    vec![0; n.div_ceil(64)]
}

fn set_bit(b: &mut Bits, i: usize) {
    if let Some(w) = b.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

enum Column {
    /// enum, level, bool: a bitset of rows per value.
    Discrete { by_value: Vec<Bits> },
    /// number, int: sorted boundaries; region 2i is below boundary i (and
    /// above i-1), region 2i+1 is the boundary itself.
    Num {
        bounds: Vec<f64>,
        by_region: Vec<Bits>,
    },
    /// set: rows accepting a present value, and per distinct clause the
    /// rows that require it to be true / false. When the field has few
    /// values, `by_subset` holds the accepting rows of every possible fact
    /// (indexed by the bitmask of its values), so a decision costs one AND
    /// however many rows test the set.
    Set {
        base: Bits,
        clauses: Vec<(SetPred, Sparse, Sparse)>,
        by_subset: Vec<Bits>,
    },
    /// text: like set; the `matches` patterns run as one RegexSet on the
    /// text, the `contains` strings as another on the text in lower case
    /// (what `TextPred::holds`, the explanation and the table format say:
    /// a regex's `(?i)` folds case differently, `İ` and `ς` for one).
    Text {
        base: Bits,
        preds: Vec<(TextPred, Sparse, Sparse)>,
        regex: Option<regex::RegexSet>,
        contains: Option<regex::RegexSet>,
        /// For each pred, its set (`true`: `contains`) and index there.
        regex_index: Vec<Option<(bool, usize)>>,
    },
}

struct ColumnIndex {
    field: usize,
    missing: Bits,
    column: Column,
}

/// What the policy decided for one set of facts (SPEC 2.4). Names borrow
/// from the policy: a decision allocates only its lists.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision<'p> {
    pub action: ActionKind,
    pub queue: Option<&'p str>,
    pub priority: Option<Priority>,
    /// The winning rule's name; None when the baseline decided.
    pub rule: Option<&'p str>,
    pub matched: Vec<&'p str>,
    pub tags: Vec<&'p str>,
    pub attach: Vec<&'p str>,
    pub missing: Vec<&'p str>,
    #[serde(skip)]
    pub rule_index: Option<usize>,
    #[serde(skip)]
    pub matched_index: Vec<usize>,
}

impl Serialize for ActionKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Serialize for Priority {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

pub struct Evaluator {
    columns: Vec<ColumnIndex>,
    row_rule: Vec<usize>,
    words: usize,
    all_rows: Bits,
}

thread_local! {
    static SCRATCH: RefCell<Bits> = const { RefCell::new(Vec::new()) };
}

impl Evaluator {
    pub fn new(model: &Model, table: &Table) -> Evaluator {
        let n = table.rows.len();
        let mut all_rows = bits(n);
        for i in 0..n {
            set_bit(&mut all_rows, i);
        }
        let mut columns = Vec::new();
        for (fi, field) in model.fields.iter().enumerate() {
            if !table.rows.iter().any(|r| r.cell(fi).is_some()) {
                continue;
            }
            let accepts_missing = |r: &crate::table::Row| r.cell(fi).is_none_or(|c| c.missing);
            let mut missing = bits(n);
            for (i, r) in table.rows.iter().enumerate() {
                if accepts_missing(r) {
                    set_bit(&mut missing, i);
                }
            }
            let rows_accepting = |v: &Value| {
                let mut b = bits(n);
                for (i, r) in table.rows.iter().enumerate() {
                    if r.cell(fi).is_none_or(|c| c.accepts(Some(v))) {
                        set_bit(&mut b, i);
                    }
                }
                b
            };
            let column = match &field.ty {
                FieldType::Enum(_) | FieldType::Level(_) | FieldType::Bool => {
                    let k = field.ty.discrete_len().unwrap_or(0);
                    Column::Discrete {
                        by_value: (0..k)
                            .map(|v| rows_accepting(&Value::Index(v as u32)))
                            .collect(),
                    }
                }
                FieldType::Number { .. } | FieldType::Int { .. } => {
                    let mut bounds: Vec<f64> = Vec::new();
                    for r in &table.rows {
                        if let Some(c) = r.cell(fi) {
                            if let Some(Present::Num(s)) = &c.present {
                                for p in &s.parts {
                                    for v in [p.lo.value, p.hi.value] {
                                        if v.is_finite() {
                                            bounds.push(v);
                                        }
                                    }
                                }
                            }
                        }
                    }
                    bounds.sort_by(f64::total_cmp);
                    bounds.dedup();
                    let mut by_region = Vec::with_capacity(bounds.len() * 2 + 1);
                    for i in 0..=bounds.len() {
                        let lo = if i == 0 {
                            None
                        } else {
                            bounds.get(i - 1).copied()
                        };
                        let hi = bounds.get(i).copied();
                        // no value lies in an empty open region: any stand-in does
                        let rep = match (lo, hi) {
                            (None, None) => 0.0,
                            (None, Some(h)) => interval::below(h, false),
                            (Some(l), None) => interval::above(l, false),
                            (Some(l), Some(h)) => interval::between(l, h, false).unwrap_or(l),
                        };
                        by_region.push(rows_accepting(&Value::Num(rep)));
                        if let Some(h) = hi {
                            by_region.push(rows_accepting(&Value::Num(h)));
                        }
                    }
                    Column::Num { bounds, by_region }
                }
                FieldType::Set(values) => {
                    let (base, clauses) = clause_index(table, fi, |p| match p {
                        Present::Set(cl) => Some(cl.as_slice()),
                        _ => None,
                    });
                    let by_subset = subset_index(values.len(), n, &base, &clauses);
                    Column::Set {
                        base,
                        clauses,
                        by_subset,
                    }
                }
                FieldType::Text => {
                    let (base, preds) = clause_index(table, fi, |p| match p {
                        Present::Text(cl) => Some(cl.as_slice()),
                        _ => None,
                    });
                    let mut patterns = Vec::new();
                    let mut needles = Vec::new();
                    let mut regex_index = Vec::new();
                    for (p, _, _) in &preds {
                        match p {
                            TextPred::Matches(pat) => {
                                regex_index.push(Some((false, patterns.len())));
                                patterns.push(pat.clone());
                            }
                            TextPred::Contains(s) => {
                                regex_index.push(Some((true, needles.len())));
                                // stored in lower case already
                                needles.push(regex::escape(s));
                            }
                            TextPred::Eq(_) => regex_index.push(None),
                        }
                    }
                    let set = |p: &[String]| {
                        (!p.is_empty())
                            .then(|| regex::RegexSet::new(p).ok())
                            .flatten()
                    };
                    Column::Text {
                        base,
                        regex: set(&patterns),
                        contains: set(&needles),
                        preds,
                        regex_index,
                    }
                }
            };
            columns.push(ColumnIndex {
                field: fi,
                missing,
                column,
            });
        }
        Evaluator {
            columns,
            row_rule: table.rows.iter().map(|r| r.rule).collect(),
            words: n.div_ceil(64),
            all_rows,
        }
    }

    /// The rules whose condition holds, in source order.
    pub fn matched_rules(&self, facts: &Facts, out: &mut Vec<usize>) {
        SCRATCH.with(|s| {
            let mut acc = s.borrow_mut();
            acc.clear();
            acc.extend_from_slice(&self.all_rows);
            for col in &self.columns {
                let v = facts.get(col.field);
                and_column(&mut acc, col, v);
            }
            let mut last = usize::MAX;
            for (w, word) in acc.iter().enumerate() {
                let mut x = *word;
                while x != 0 {
                    let b = x.trailing_zeros() as usize;
                    x &= x - 1;
                    let rule = self.row_rule.get(w * 64 + b).copied().unwrap_or(usize::MAX);
                    if rule != last && rule != usize::MAX {
                        out.push(rule);
                        last = rule;
                    }
                }
            }
        });
        let _ = self.words;
    }
}

fn and_into(acc: &mut [u64], b: &[u64]) {
    for (a, x) in acc.iter_mut().zip(b) {
        *a &= *x;
    }
}

fn and_column(acc: &mut [u64], col: &ColumnIndex, v: Option<&Value>) {
    let Some(v) = v else {
        and_into(acc, &col.missing);
        return;
    };
    match (&col.column, v) {
        (Column::Discrete { by_value }, Value::Index(i)) => match by_value.get(*i as usize) {
            Some(b) => and_into(acc, b),
            None => acc.iter_mut().for_each(|a| *a = 0),
        },
        (Column::Num { bounds, by_region }, Value::Num(x)) => {
            let i = bounds.partition_point(|b| b < x);
            let region = if bounds.get(i) == Some(x) {
                2 * i + 1
            } else {
                2 * i
            };
            match by_region.get(region) {
                Some(b) => and_into(acc, b),
                None => acc.iter_mut().for_each(|a| *a = 0),
            }
        }
        (
            Column::Set {
                base,
                clauses,
                by_subset,
            },
            Value::Set(items),
        ) => {
            let precomputed = subset_mask(items).and_then(|m| by_subset.get(m));
            match precomputed {
                Some(b) => and_into(acc, b),
                None => and_set_clauses(acc, base, clauses, items),
            }
        }
        (
            Column::Text {
                base,
                preds,
                regex,
                contains,
                regex_index,
            },
            Value::Text(t),
        ) => {
            and_into(acc, base);
            let hits = regex.as_ref().map(|r| r.matches(t));
            let found = contains
                .as_ref()
                .map(|r| r.matches(&crate::facts::lower(t)));
            for ((p, need_true, need_false), ri) in preds.iter().zip(regex_index) {
                let holds = match (p, ri, &hits, &found) {
                    (TextPred::Eq(s), ..) => t == s,
                    (_, Some((false, k)), Some(h), _) => h.matched(*k),
                    (_, Some((true, k)), _, Some(h)) => h.matched(*k),
                    _ => p.holds(t),
                };
                if holds {
                    and_not_sparse(acc, need_false);
                } else {
                    and_not_sparse(acc, need_true);
                }
            }
        }
        _ => acc.iter_mut().for_each(|a| *a = 0),
    }
}

fn and_set_clauses(
    acc: &mut [u64],
    base: &[u64],
    clauses: &[(SetPred, Sparse, Sparse)],
    items: &[u32],
) {
    and_into(acc, base);
    for (p, need_true, need_false) in clauses {
        if p.holds(items) {
            and_not_sparse(acc, need_false);
        } else {
            and_not_sparse(acc, need_true);
        }
    }
}

/// The bitmask of a set fact's values, when they fit the subset index.
fn subset_mask(items: &[u32]) -> Option<usize> {
    items.iter().try_fold(0usize, |m, &i| {
        (i < SUBSET_MAX_VALUES).then(|| m | (1usize << i))
    })
}

/// A set field of at most this many values gets a row bitset per subset.
const SUBSET_MAX_VALUES: u32 = 12;
/// ... as long as the subset bitsets take at most this many words (8 MB).
const SUBSET_MAX_WORDS: usize = 1 << 20;

/// The accepting rows of every subset of a set field's `k` values, built
/// with the clause path itself, so the two paths cannot disagree. Empty
/// when the field has too many values or the table is too large for it.
fn subset_index(
    k: usize,
    rows: usize,
    base: &[u64],
    clauses: &[(SetPred, Sparse, Sparse)],
) -> Vec<Bits> {
    let words = rows.div_ceil(64);
    if k > SUBSET_MAX_VALUES as usize || (words << k) > SUBSET_MAX_WORDS {
        return Vec::new();
    }
    (0..1usize << k)
        .map(|mask| {
            let items: Vec<u32> = (0..k as u32).filter(|i| mask & (1 << i) != 0).collect();
            let mut b = vec![u64::MAX; words];
            and_set_clauses(&mut b, base, clauses, &items);
            b
        })
        .collect()
}

/// For a set or text column: the rows that accept a present value at all,
/// and per distinct predicate the rows that need it true / false.
fn clause_index<P: Clone + PartialEq>(
    table: &Table,
    fi: usize,
    clauses_of: impl Fn(&Present) -> Option<&[(P, bool)]>,
) -> (Bits, Vec<(P, Sparse, Sparse)>) {
    let n = table.rows.len();
    let mut base = bits(n);
    let mut out: Vec<(P, Bits, Bits)> = Vec::new();
    for (i, r) in table.rows.iter().enumerate() {
        let Some(c) = r.cell(fi) else {
            set_bit(&mut base, i);
            continue;
        };
        let Some(cl) = c.present.as_ref().and_then(&clauses_of) else {
            continue;
        };
        set_bit(&mut base, i);
        for (p, want) in cl {
            let k = match out.iter().position(|(q, _, _)| q == p) {
                Some(k) => k,
                None => {
                    out.push((p.clone(), bits(n), bits(n)));
                    out.len() - 1
                }
            };
            if let Some((_, t, f)) = out.get_mut(k) {
                set_bit(if *want { t } else { f }, i);
            }
        }
    }
    (
        base,
        out.into_iter()
            .map(|(p, t, f)| (p, sparse(&t), sparse(&f)))
            .collect(),
    )
}

/// The baseline action from the automation block (SPEC 2.4 step 2).
pub fn baseline<'m>(model: &'m Model, facts: &Facts) -> Option<&'m ActionM> {
    let auto = model.automation.as_ref()?;
    Some(match facts.get(auto.field) {
        Some(Value::Index(i)) => auto.by_value.get(*i as usize).unwrap_or(&auto.otherwise),
        _ => &auto.otherwise,
    })
}

/// Tags and attach items by number, so that a decision removes repeats by
/// comparing integers rather than strings.
#[derive(Debug, Default)]
pub struct Interned {
    tags: Vec<Vec<u32>>,
    attach: Vec<Vec<u32>>,
    ticket: Vec<u32>,
}

impl Interned {
    pub fn new(model: &Model) -> Interned {
        let mut ids: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        fn id<'m>(ids: &mut std::collections::HashMap<&'m str, u32>, s: &'m str) -> u32 {
            let next = ids.len() as u32;
            *ids.entry(s).or_insert(next)
        }
        let ticket = model.ticket.iter().map(|t| id(&mut ids, t)).collect();
        let mut attach = Vec::new();
        for r in &model.rules {
            attach.push(r.attach.iter().map(|a| id(&mut ids, a)).collect());
        }
        let mut tag_ids: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        let tags = model
            .rules
            .iter()
            .map(|r| {
                r.tags
                    .iter()
                    .map(|t| {
                        let next = tag_ids.len() as u32;
                        *tag_ids.entry(t.as_str()).or_insert(next)
                    })
                    .collect()
            })
            .collect();
        Interned {
            tags,
            attach,
            ticket,
        }
    }
}

/// Apply the priority hit policy to the matched rules (SPEC 2.4).
pub fn resolve<'p>(model: &'p Model, facts: &Facts, matched: Vec<usize>) -> Decision<'p> {
    resolve_with(model, facts, matched, None)
}

/// [`resolve`] with tags and attach items numbered in advance.
pub fn resolve_with<'p>(
    model: &'p Model,
    facts: &Facts,
    matched: Vec<usize>,
    interned: Option<&Interned>,
) -> Decision<'p> {
    let base = baseline(model, facts);
    let base_kind = base.map_or(ActionKind::Answer, |b| b.kind);
    let mut action = base_kind;
    for &r in &matched {
        if let Some(rule) = model.rules.get(r) {
            action = action.max(rule.action.kind);
        }
    }
    let mut winner: Option<usize> = None;
    for &r in &matched {
        let Some(rule) = model.rules.get(r) else {
            continue;
        };
        if rule.action.kind != action {
            continue;
        }
        let better = match winner.and_then(|w| model.rules.get(w)) {
            None => true,
            Some(w) => rule.priority > w.priority,
        };
        if better {
            winner = Some(r);
        }
    }
    let win_rule = winner.and_then(|w| model.rules.get(w));
    let (queue, priority) = match (action, win_rule) {
        (ActionKind::Answer, _) => (None, None),
        (_, Some(w)) => (w.action.queue.as_deref(), Some(w.priority)),
        (_, None) => (
            base.and_then(|b| b.queue.as_deref()),
            Some(Priority::Normal),
        ),
    };
    let mut tags: Vec<&str> = Vec::new();
    let mut attach: Vec<&str> = Vec::new();
    match interned {
        Some(ids) => {
            let mut seen_tags: Vec<u32> = Vec::new();
            let mut seen_attach: Vec<u32> = Vec::new();
            if action != ActionKind::Answer {
                for (t, id) in model.ticket.iter().zip(&ids.ticket) {
                    if !seen_attach.contains(id) {
                        seen_attach.push(*id);
                        attach.push(t);
                    }
                }
            }
            for &r in &matched {
                let Some(rule) = model.rules.get(r) else {
                    continue;
                };
                for (t, id) in rule.tags.iter().zip(ids.tags.get(r).map_or(&[][..], |v| v)) {
                    if !seen_tags.contains(id) {
                        seen_tags.push(*id);
                        tags.push(t);
                    }
                }
                if action != ActionKind::Answer {
                    for (a, id) in rule
                        .attach
                        .iter()
                        .zip(ids.attach.get(r).map_or(&[][..], |v| v))
                    {
                        if !seen_attach.contains(id) {
                            seen_attach.push(*id);
                            attach.push(a);
                        }
                    }
                }
            }
        }
        None => {
            if action != ActionKind::Answer {
                for t in &model.ticket {
                    if !attach.contains(&t.as_str()) {
                        attach.push(t);
                    }
                }
            }
            for &r in &matched {
                let Some(rule) = model.rules.get(r) else {
                    continue;
                };
                for t in &rule.tags {
                    if !tags.contains(&t.as_str()) {
                        tags.push(t);
                    }
                }
                if action != ActionKind::Answer {
                    for a in &rule.attach {
                        if !attach.contains(&a.as_str()) {
                            attach.push(a);
                        }
                    }
                }
            }
        }
    }
    let missing = model
        .fields
        .iter()
        .enumerate()
        .filter(|(i, f)| f.read && facts.get(*i).is_none())
        .map(|(_, f)| f.name.as_str())
        .collect();
    Decision {
        action,
        queue,
        priority,
        rule: win_rule.map(|r| r.name.as_str()),
        matched: matched
            .iter()
            .filter_map(|r| model.rules.get(*r).map(|x| x.name.as_str()))
            .collect(),
        tags,
        attach,
        missing,
        rule_index: winner,
        matched_index: matched,
    }
}
