//! The input space as a product of finite atom sets: each enum value, each
//! interval between the thresholds the policies mention, each combination
//! of a text field's predicates, and `missing`. Rows become boxes in it.

use crate::check::model::{Cell, FieldType, Model, Present, TextPred};
use crate::facts::{Facts, Value};
use crate::table::Table;
use serde_json::{json, Value as Json};

pub type Bits = Vec<u64>;

pub fn bits_all(n: usize) -> Bits {
    let mut b = vec![0u64; n.div_ceil(64)];
    for i in 0..n {
        if let Some(w) = b.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }
    b
}

pub fn bit(b: &Bits, i: usize) -> bool {
    b.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
}

pub fn set(b: &mut Bits, i: usize) {
    if let Some(w) = b.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

pub fn is_zero(b: &Bits) -> bool {
    b.iter().all(|w| *w == 0)
}

pub fn first(b: &Bits) -> Option<usize> {
    b.iter()
        .enumerate()
        .find(|(_, w)| **w != 0)
        .map(|(i, w)| i * 64 + w.trailing_zeros() as usize)
}

pub fn count(b: &Bits) -> usize {
    b.iter().map(|w| w.count_ones() as usize).sum()
}

pub fn and(a: &Bits, b: &Bits) -> Bits {
    a.iter().zip(b).map(|(x, y)| x & y).collect()
}

/// How `a` meets `b`, without building `a & b` (the diff asks this of every
/// box against every rule): whether they share a bit, and whether `a` lies
/// inside `b`.
pub fn meet(a: &Bits, b: &Bits) -> (bool, bool) {
    let mut shared = false;
    let mut inside = a.len() <= b.len();
    for (x, y) in a.iter().zip(b) {
        shared |= x & y != 0;
        inside &= x & !y == 0;
    }
    (shared, inside)
}

pub fn minus(a: &Bits, b: &Bits) -> Bits {
    a.iter().zip(b).map(|(x, y)| x & !y).collect()
}

pub fn subset(a: &Bits, b: &Bits) -> bool {
    a.iter().zip(b).all(|(x, y)| x & !y == 0)
}

/// One column of the space.
#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    /// A representative JSON value per atom; `Null` is the missing atom.
    pub atoms: Vec<Json>,
    /// For text columns: the predicates, and per atom their truth values.
    pub text_preds: Vec<TextPred>,
    pub text_truth: Vec<Vec<bool>>,
    /// Atoms that stand for ranges, for descriptions: (lo, lo_incl, hi, hi_incl).
    pub ranges: Vec<Option<(f64, bool, f64, bool)>>,
    /// The space could not represent this column exactly.
    pub approximate: bool,
    /// A whole-number field in one policy and a number in the other: its
    /// intervals have a whole and a fractional sample each.
    pub mixed_int: bool,
    pub ty: FieldType,
}

/// A box: per column, the atoms it contains.
pub type Region = Vec<Bits>;

#[derive(Clone, Debug)]
pub struct Space {
    pub cols: Vec<Column>,
}

const MAX_TEXT_PREDS: usize = 8;
const MAX_SET_VALUES: usize = 10;

fn is_int(ty: &FieldType) -> bool {
    matches!(ty, FieldType::Int { .. })
}

impl Space {
    /// The space over the fields the given policies read.
    pub fn build(policies: &[(&Model, &Table)]) -> Space {
        let mut cols: Vec<Column> = Vec::new();
        let mut names: Vec<(String, FieldType)> = Vec::new();
        for (model, table) in policies {
            for (fi, f) in model.fields.iter().enumerate() {
                let used = table.rows.iter().any(|r| r.cell(fi).is_some())
                    || model.automation.as_ref().is_some_and(|a| a.field == fi);
                if used && !names.iter().any(|(n, _)| *n == f.name) {
                    names.push((f.name.clone(), f.ty.clone()));
                }
            }
        }
        for (name, ty) in names {
            let cells: Vec<&Cell> = policies
                .iter()
                .flat_map(|(m, t)| {
                    let fi = m.field(&name);
                    t.rows
                        .iter()
                        .filter_map(move |r| fi.and_then(|fi| r.cell(fi)))
                })
                .collect();
            let mut col = Column {
                name: name.clone(),
                atoms: vec![Json::Null],
                text_preds: Vec::new(),
                text_truth: vec![Vec::new()],
                ranges: vec![None],
                approximate: false,
                mixed_int: false,
                ty: ty.clone(),
            };
            match &ty {
                FieldType::Enum(_) | FieldType::Level(_) => {
                    let mut values: Vec<String> = Vec::new();
                    let mut seen: std::collections::HashSet<String> =
                        std::collections::HashSet::new();
                    for (m, _) in policies {
                        if let Some(f) = m.field(&name).and_then(|i| m.fields.get(i)) {
                            for v in f.ty.values() {
                                if seen.insert(v.clone()) {
                                    values.push(v.clone());
                                }
                            }
                        }
                    }
                    for v in values {
                        col.atoms.push(json!(v));
                    }
                }
                FieldType::Bool => {
                    col.atoms.push(json!(true));
                    col.atoms.push(json!(false));
                }
                FieldType::Number { .. } | FieldType::Int { .. } => {
                    let declared_int = |m: &Model| {
                        m.field(&name)
                            .and_then(|i| m.fields.get(i))
                            .map(|f| is_int(&f.ty))
                    };
                    let int = policies.iter().all(|(m, _)| declared_int(m) != Some(false));
                    // `int` in one policy and `number` in the other: each
                    // interval needs a whole and a fractional sample, since
                    // only one of the policies accepts the fractional one
                    let mixed = !int && policies.iter().any(|(m, _)| declared_int(m) == Some(true));
                    col.mixed_int = mixed;
                    let mut bounds: Vec<f64> = Vec::new();
                    let mut lo_all = f64::INFINITY;
                    let mut hi_all = f64::NEG_INFINITY;
                    for (m, _) in policies {
                        if let Some(f) = m.field(&name).and_then(|i| m.fields.get(i)) {
                            let (lo, hi) = f.ty.range().unwrap_or((None, None));
                            lo_all = lo_all.min(lo.unwrap_or(f64::NEG_INFINITY));
                            hi_all = hi_all.max(hi.unwrap_or(f64::INFINITY));
                            bounds.extend(lo);
                            bounds.extend(hi);
                        }
                    }
                    for c in &cells {
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
                    bounds.retain(|b| *b >= lo_all && *b <= hi_all);
                    bounds.sort_by(f64::total_cmp);
                    bounds.dedup();
                    let in_range = |x: f64| x >= lo_all && x <= hi_all;
                    let push = |col: &mut Column, rep: f64, r: (f64, bool, f64, bool)| {
                        if in_range(rep) && (!int || rep.fract() == 0.0) {
                            col.atoms.push(num_json(rep));
                            col.text_truth.push(Vec::new());
                            col.ranges.push(Some(r));
                        }
                    };
                    for i in 0..=bounds.len() {
                        let lo = if i == 0 {
                            None
                        } else {
                            bounds.get(i - 1).copied()
                        };
                        let hi = bounds.get(i).copied();
                        let open = match (lo, hi) {
                            (None, None) => {
                                Some((0.0, (f64::NEG_INFINITY, false, f64::INFINITY, false)))
                            }
                            (None, Some(h)) => Some((
                                crate::check::interval::below(h, int),
                                (f64::NEG_INFINITY, false, h, false),
                            )),
                            (Some(l), None) => Some((
                                crate::check::interval::above(l, int),
                                (l, false, f64::INFINITY, false),
                            )),
                            (Some(l), Some(h)) => crate::check::interval::between(l, h, int)
                                .map(|rep| (rep, (l, false, h, false))),
                        };
                        if let Some((rep, r)) = open {
                            push(&mut col, rep, r);
                            if mixed {
                                let whole = match (lo, hi) {
                                    (None, None) => Some(0.0),
                                    (None, Some(h)) => Some(crate::check::interval::below(h, true)),
                                    (Some(l), None) => Some(crate::check::interval::above(l, true)),
                                    (Some(l), Some(h)) => {
                                        crate::check::interval::between(l, h, true)
                                    }
                                };
                                let fractional = rep.fract() != 0.0;
                                match whole {
                                    Some(w) if fractional => push(&mut col, w, r),
                                    _ if !fractional => {
                                        if let Some(f) =
                                            [rep + 0.5, rep - 0.5].into_iter().find(|f| {
                                                f.fract() != 0.0
                                                    && lo.is_none_or(|l| *f > l)
                                                    && hi.is_none_or(|h| *f < h)
                                            })
                                        {
                                            push(&mut col, f, r);
                                        }
                                    }
                                    _ => {}
                                }
                            }
                        }
                        if let Some(h) = hi {
                            push(&mut col, h, (h, true, h, true));
                        }
                    }
                }
                FieldType::Set(_) => {
                    let mut mentioned: Vec<String> = Vec::new();
                    for (m, t) in policies {
                        let Some(fi) = m.field(&name) else { continue };
                        let values = m
                            .fields
                            .get(fi)
                            .map(|f| f.ty.values().to_vec())
                            .unwrap_or_default();
                        for r in &t.rows {
                            if let Some(Present::Set(cl)) =
                                r.cell(fi).and_then(|c| c.present.as_ref())
                            {
                                for (p, _) in cl {
                                    let idx = match p {
                                        crate::check::model::SetPred::HasAny(v)
                                        | crate::check::model::SetPred::HasAll(v) => v,
                                    };
                                    for i in idx {
                                        if let Some(n) = values.get(*i as usize) {
                                            if !mentioned.contains(n) {
                                                mentioned.push(n.clone());
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    // a value one policy declares and the other does not:
                    // facts holding it are accepted by one policy only
                    let declared: Vec<Vec<String>> = policies
                        .iter()
                        .filter_map(|(m, _)| {
                            let f = m.fields.get(m.field(&name)?)?;
                            Some(f.ty.values().to_vec())
                        })
                        .collect();
                    for values in &declared {
                        for v in values {
                            let everywhere = declared.iter().all(|d| d.contains(v));
                            if !everywhere && !mentioned.contains(v) {
                                mentioned.push(v.clone());
                            }
                        }
                    }
                    if mentioned.len() > MAX_SET_VALUES {
                        col.approximate = true;
                        mentioned.truncate(MAX_SET_VALUES);
                    }
                    for mask in 0u32..(1u32 << mentioned.len()) {
                        let items: Vec<&String> = mentioned
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| mask & (1 << i) != 0)
                            .map(|(_, v)| v)
                            .collect();
                        col.atoms.push(json!(items));
                    }
                }
                FieldType::Text => {
                    let mut preds: Vec<TextPred> = Vec::new();
                    for c in &cells {
                        if let Some(Present::Text(cl)) = &c.present {
                            for (p, _) in cl {
                                if !preds.contains(p) {
                                    preds.push(p.clone());
                                }
                            }
                        }
                    }
                    if preds.len() > MAX_TEXT_PREDS {
                        col.approximate = true;
                        preds.truncate(MAX_TEXT_PREDS);
                    }
                    let k = preds.len();
                    for mask in 0u32..(1u32 << k) {
                        let truth: Vec<bool> = (0..k).map(|i| mask & (1 << i) != 0).collect();
                        // an exact string decides every other predicate
                        let eq_true: Vec<&String> = preds
                            .iter()
                            .zip(&truth)
                            .filter_map(|(p, t)| match p {
                                TextPred::Eq(s) if *t => Some(s),
                                _ => None,
                            })
                            .collect();
                        let witness = match eq_true.as_slice() {
                            [] => witness_text(&preds, &truth),
                            [s] => Some((*s).clone()),
                            _ => None,
                        };
                        let realizable = match (eq_true.is_empty(), &witness) {
                            (false, Some(w)) => {
                                preds.iter().zip(&truth).all(|(p, t)| p.holds(w) == *t)
                            }
                            (false, None) => false,
                            // without an exact string, assume the combination
                            // can happen (regexes are not intersected)
                            (true, _) => !preds
                                .iter()
                                .zip(&truth)
                                .any(|(p, t)| matches!(p, TextPred::Eq(_)) && *t),
                        };
                        if realizable {
                            // no string found for a combination: answers
                            // that rely on this column are not exact
                            if witness.is_none() {
                                col.approximate = true;
                            }
                            col.atoms
                                .push(json!(witness.unwrap_or_else(|| "…".to_string())));
                            col.text_truth.push(truth);
                            col.ranges.push(None);
                        }
                    }
                    col.text_preds = preds;
                }
            }
            while col.text_truth.len() < col.atoms.len() {
                col.text_truth.push(Vec::new());
            }
            while col.ranges.len() < col.atoms.len() {
                col.ranges.push(None);
            }
            cols.push(col);
        }
        Space { cols }
    }

    pub fn full(&self) -> Region {
        self.cols.iter().map(|c| bits_all(c.atoms.len())).collect()
    }

    pub fn col(&self, name: &str) -> Option<usize> {
        self.cols.iter().position(|c| c.name == name)
    }

    /// The atoms of a column a cell accepts, for one model's field.
    pub fn cell_atoms(&self, model: &Model, fi: usize, ci: usize, cell: &Cell) -> Bits {
        let Some(col) = self.cols.get(ci) else {
            return Vec::new();
        };
        let mut b = vec![0u64; col.atoms.len().div_ceil(64)];
        // enum and level values by name, without building facts per atom
        let discrete: Option<std::collections::HashMap<&str, u32>> =
            match model.fields.get(fi).map(|f| &f.ty) {
                Some(FieldType::Enum(v)) | Some(FieldType::Level(v)) => Some(
                    v.iter()
                        .enumerate()
                        .map(|(i, n)| (n.as_str(), i as u32))
                        .collect(),
                ),
                _ => None,
            };
        for (ai, rep) in col.atoms.iter().enumerate() {
            let ok = if rep.is_null() {
                cell.missing
            } else if let Some(index) = &discrete {
                rep.as_str()
                    .and_then(|n| index.get(n))
                    .is_some_and(|i| cell.accepts(Some(&Value::Index(*i))))
            } else if let (FieldType::Text, Some(Present::Text(cl))) = (&col.ty, &cell.present) {
                let truth = col.text_truth.get(ai);
                cl.iter().all(|(p, want)| {
                    match col.text_preds.iter().position(|q| q == p) {
                        Some(k) => truth.and_then(|t| t.get(k)).copied().unwrap_or(false) == *want,
                        // a predicate past the cap: unknown, keep the atom
                        None => true,
                    }
                })
            } else {
                match typed(model, fi, rep) {
                    Some(v) => cell.accepts(Some(&v)),
                    None => false,
                }
            };
            if ok {
                set(&mut b, ai);
            }
        }
        b
    }

    /// The region of a row of one model.
    pub fn row_region(&self, model: &Model, cells: &[(usize, Cell)]) -> Region {
        let mut r = self.full();
        for (fi, cell) in cells {
            let Some(name) = model.fields.get(*fi).map(|f| f.name.as_str()) else {
                continue;
            };
            let Some(ci) = self.col(name) else { continue };
            if let Some(slot) = r.get_mut(ci) {
                *slot = self.cell_atoms(model, *fi, ci, cell);
            }
        }
        r
    }

    /// Facts JSON for one point of a region (the first atom per column;
    /// columns that allow a missing fact are left out).
    pub fn witness(&self, r: &Region) -> Json {
        let mut m = serde_json::Map::new();
        for (c, b) in self.cols.iter().zip(r) {
            if bit(b, 0) {
                continue;
            }
            if let Some(a) = first(b).and_then(|i| c.atoms.get(i)) {
                m.insert(c.name.clone(), a.clone());
            }
        }
        Json::Object(m)
    }
}

fn num_json(x: f64) -> Json {
    if x.fract() == 0.0 && x.abs() < 9e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

/// A fact's typed value for one model (None when it does not fit).
pub fn typed(model: &Model, fi: usize, rep: &Json) -> Option<Value> {
    let name = model.fields.get(fi)?.name.clone();
    let mut f = Facts::empty(model);
    f.set(model, &name, rep).ok()?;
    f.values.get(fi).cloned().flatten()
}

/// A string with the given truth values for the predicates, when one is
/// easy to find.
fn witness_text(preds: &[TextPred], truth: &[bool]) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for (p, t) in preds.iter().zip(truth) {
        if !*t {
            continue;
        }
        match p {
            TextPred::Contains(s) => parts.push(s.clone()),
            TextPred::Matches(pat) => parts.push(regex_sample(pat)),
            TextPred::Eq(s) => parts.push(s.clone()),
        }
    }
    let base = if parts.is_empty() {
        "hello".to_string()
    } else {
        parts.join(" ")
    };
    // an exact string may be excluded: pad it so it is no longer equal
    let candidates = [
        base.clone(),
        format!("x{base}"),
        format!("{base}x"),
        format!("x {base} x"),
        base.to_uppercase(),
        format!("X {} X", base.to_uppercase()),
        String::new(),
    ];
    candidates
        .into_iter()
        .find(|w| preds.iter().zip(truth).all(|(p, t)| p.holds(w) == *t))
}

/// A plausible match for a simple pattern: the first alternative with the
/// regex syntax stripped.
fn regex_sample(pat: &str) -> String {
    let p = pat.trim_start_matches("(?i)");
    let first_alt = p.split('|').next().unwrap_or(p);
    let mut out = String::new();
    let mut chars = first_alt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d') => out.push('1'),
                Some('b') | Some('B') => {}
                Some('s') => out.push(' '),
                Some('w') => out.push('a'),
                Some(x) => out.push(x),
                None => {}
            },
            '(' | ')' | '^' | '$' | '?' | '*' | '+' => {}
            '[' => {
                let mut first_in = None;
                for x in chars.by_ref() {
                    if x == ']' {
                        break;
                    }
                    if first_in.is_none() && x != '^' {
                        first_in = Some(x);
                    }
                }
                out.extend(first_in);
            }
            '{' => {
                for x in chars.by_ref() {
                    if x == '}' {
                        break;
                    }
                }
            }
            '.' => out.push('x'),
            c => out.push(c),
        }
    }
    out
}

/// Subtract box `b` from box `a`: disjoint boxes covering a − b.
pub fn subtract(a: &Region, b: &Region) -> Vec<Region> {
    if a.iter().zip(b).any(|(x, y)| is_zero(&and(x, y))) {
        return vec![a.clone()];
    }
    let mut out = Vec::new();
    let mut prefix = a.clone();
    for i in 0..a.len() {
        let (Some(ai), Some(bi)) = (a.get(i), b.get(i)) else {
            continue;
        };
        let outside = minus(ai, bi);
        if !is_zero(&outside) {
            let mut piece = prefix.clone();
            if let Some(slot) = piece.get_mut(i) {
                *slot = outside;
            }
            out.push(piece);
        }
        if let Some(slot) = prefix.get_mut(i) {
            *slot = and(ai, bi);
        }
    }
    out
}

pub fn intersect(a: &Region, b: &Region) -> Option<Region> {
    let r: Region = a.iter().zip(b).map(|(x, y)| and(x, y)).collect();
    (!r.iter().any(is_zero)).then_some(r)
}

/// `from` minus every box of `minus_all`, or None when the work grows past
/// `limit` boxes (the answer would not be exact in reasonable time).
pub fn subtract_all(from: Vec<Region>, minus_all: &[&Region], limit: usize) -> Option<Vec<Region>> {
    let mut cur = from;
    for m in minus_all {
        let mut next = Vec::new();
        for r in &cur {
            next.extend(subtract(r, m));
            if next.len() > limit {
                return None;
            }
        }
        cur = next;
        if cur.is_empty() {
            break;
        }
    }
    Some(cur)
}

impl Space {
    /// The atom of each column that a set of facts falls in (None when a
    /// fact has no atom, e.g. a value outside every declared one).
    pub fn locate(&self, facts: &Json) -> Option<Vec<usize>> {
        let mut out = Vec::with_capacity(self.cols.len());
        for col in &self.cols {
            let v = facts.get(&col.name).filter(|v| !v.is_null());
            let Some(v) = v else {
                out.push(0);
                continue;
            };
            let idx = match &col.ty {
                FieldType::Text => {
                    let t = v.as_str()?;
                    let truth: Vec<bool> = col.text_preds.iter().map(|p| p.holds(t)).collect();
                    (1..col.atoms.len()).find(|i| col.text_truth.get(*i) == Some(&truth))
                }
                FieldType::Number { .. } | FieldType::Int { .. } => {
                    let x = v.as_f64()?;
                    col.ranges.iter().position(|r| {
                        r.is_some_and(|(lo, li, hi, hi_i)| {
                            (x > lo || (li && x == lo)) && (x < hi || (hi_i && x == hi))
                        })
                    })
                }
                FieldType::Set(_) => {
                    let items: Vec<&str> = v.as_array()?.iter().filter_map(Json::as_str).collect();
                    col.atoms.iter().position(|a| {
                        a.as_array().is_some_and(|subset| {
                            let mentioned: Vec<&str> = col
                                .atoms
                                .iter()
                                .filter_map(Json::as_array)
                                .flatten()
                                .filter_map(Json::as_str)
                                .collect();
                            let mut mine: Vec<&str> = items
                                .iter()
                                .copied()
                                .filter(|i| mentioned.contains(i))
                                .collect();
                            mine.sort_unstable();
                            mine.dedup();
                            subset.len() == mine.len()
                                && subset
                                    .iter()
                                    .filter_map(Json::as_str)
                                    .all(|s| mine.contains(&s))
                        })
                    })
                }
                _ => col.atoms.iter().position(|a| a == v),
            }?;
            out.push(idx);
        }
        Some(out)
    }

    pub fn contains(r: &Region, point: &[usize]) -> bool {
        r.iter().zip(point).all(|(b, a)| bit(b, *a))
    }
}

/// Whether two boxes share a point (no allocation).
pub fn meets(a: &Region, b: &Region) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| x.iter().zip(y).any(|(p, q)| p & q != 0))
}
