//! Where two policies decide differently: regions of the input space, each
//! with the old and the new decision, found exactly by splitting the atom
//! space until both policies are constant on each piece.

use super::space::{and, bit, first, meet, minus, subset, Region, Space};
use crate::{ActionKind, Policy, Priority};
use serde_json::{json, Value as Json};

/// The part of a decision a diff compares.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    Decided {
        action: ActionKind,
        queue: Option<String>,
        priority: Option<Priority>,
    },
    /// The facts do not fit this policy (e.g. a value it does not declare).
    NotAccepted,
}

impl Outcome {
    pub fn describe(&self) -> String {
        match self {
            Outcome::Decided {
                action,
                queue,
                priority,
            } => {
                let mut s = action.as_str().to_string();
                if let Some(q) = queue {
                    s.push_str(&format!(" \"{q}\""));
                }
                if let Some(p) = priority {
                    if *action != ActionKind::Answer {
                        s.push_str(&format!(" priority {}", p.as_str()));
                    }
                }
                s
            }
            Outcome::NotAccepted => "(facts not accepted)".to_string(),
        }
    }

    fn rank(&self) -> Option<(ActionKind, Option<Priority>)> {
        match self {
            Outcome::Decided {
                action, priority, ..
            } => Some((*action, *priority)),
            Outcome::NotAccepted => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Change {
    pub region: Region,
    pub old: Outcome,
    pub new: Outcome,
    pub condition: String,
    pub example: Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Stricter,
    Looser,
    /// Same action: another queue or priority.
    Sideways,
}

impl Change {
    pub fn direction(&self) -> Direction {
        match (self.old.rank(), self.new.rank()) {
            (Some((a, _)), Some((b, _))) if b > a => Direction::Stricter,
            (Some((a, _)), Some((b, _))) if b < a => Direction::Looser,
            _ => Direction::Sideways,
        }
    }
}

pub struct DiffResult {
    pub space: Space,
    pub changes: Vec<Change>,
    /// The split was cut short; the changes found are real but maybe not all.
    pub incomplete: bool,
}

const MAX_LEAVES: usize = 200_000;

struct Side {
    /// Per column: the policy's field, if it declares one of that name.
    field: Vec<Option<usize>>,
    /// Per column and atom: the typed value, `None` for the missing atom,
    /// `Err` when this policy does not accept the value.
    values: Vec<Vec<Result<Option<crate::facts::Value>, ()>>>,
    regions: Vec<Region>,
    /// Per row: how strongly its rule claims the decision (see [`Rank`]).
    ranks: Vec<Rank>,
    /// Per atom of the automation column: the baseline, as text.
    auto: Option<(usize, Vec<String>)>,
}

/// A rule's claim on the decision: its action, then its priority, then the
/// earlier rule first (SPEC 2.4). Once a rule covers a whole box, a row
/// whose rank is not above it cannot change the box's action, queue or
/// priority (the parts a diff compares), so it need not cut the box.
type Rank = (ActionKind, Priority, std::cmp::Reverse<usize>);

impl Side {
    fn valid(&self, ci: usize, a: usize) -> bool {
        self.values
            .get(ci)
            .and_then(|v| v.get(a))
            .is_none_or(Result::is_ok)
    }
}

fn side(space: &Space, policy: &Policy) -> Side {
    let model = policy.model();
    let regions = policy
        .table()
        .rows
        .iter()
        .map(|row| space.row_region(model, &row.cells))
        .collect();
    let ranks = policy
        .table()
        .rows
        .iter()
        .map(|row| {
            let rule = model.rules.get(row.rule);
            (
                rule.map_or(ActionKind::Answer, |r| r.action.kind),
                rule.map_or(Priority::Normal, |r| r.priority),
                std::cmp::Reverse(row.rule),
            )
        })
        .collect();
    let auto = model.automation.as_ref().and_then(|a| {
        let f = model.fields.get(a.field)?;
        let ci = space.col(&f.name)?;
        let col = space.cols.get(ci)?;
        let labels = col
            .atoms
            .iter()
            .map(|rep| {
                match rep
                    .as_str()
                    .and_then(|v| f.ty.values().iter().position(|x| x == v))
                {
                    Some(i) => a.by_value.get(i).map(|x| x.describe()).unwrap_or_default(),
                    None if rep.is_null() => a.otherwise.describe(),
                    None => "?".to_string(),
                }
            })
            .collect();
        Some((ci, labels))
    });
    let field: Vec<Option<usize>> = space.cols.iter().map(|c| model.field(&c.name)).collect();
    let values = space
        .cols
        .iter()
        .zip(&field)
        .map(|(col, fi)| {
            col.atoms
                .iter()
                .map(|rep| match fi {
                    _ if rep.is_null() => Ok(None),
                    None => Ok(None),
                    Some(fi) => super::space::typed(model, *fi, rep).map(Some).ok_or(()),
                })
                .collect()
        })
        .collect();
    Side {
        field,
        values,
        regions,
        ranks,
        auto,
    }
}

/// Per policy, the rows that may still cut a box, and the highest rank of
/// a row that covers it: each box keeps what its parent had, minus the
/// rows found to contain it, miss it or rank below one that contains it,
/// which do the same for every part of it. Without this, every box was
/// compared with every row, and a policy whose `not` expands to thousands
/// of rows took a minute.
#[derive(Clone)]
struct Cutting {
    rows: Vec<u32>,
    covered: Option<Rank>,
}

impl Cutting {
    /// The rows that can change an outcome: `answer` rows never do.
    fn new(side: &Side) -> Cutting {
        Cutting {
            rows: (0..side.regions.len() as u32)
                .filter(|&k| {
                    side.ranks
                        .get(k as usize)
                        .is_some_and(|r| r.0 != ActionKind::Answer)
                })
                .collect(),
            covered: None,
        }
    }
}

/// The first row in `cutting` that cuts the box, and the atoms to split it
/// by. Every row that does not cut the box, or cannot matter in it, is
/// dropped here, once for all the parts the box is split into.
fn cutting_row(side: &Side, cutting: &mut Cutting, b: &Region) -> Option<(usize, Vec<u64>)> {
    let mut covered = cutting.covered;
    cutting.rows.retain(|&k| {
        let Some(r) = side.regions.get(k as usize) else {
            return false;
        };
        let mut inside = true;
        for (x, y) in b.iter().zip(r) {
            let (shared, within) = meet(x, y);
            if !shared {
                return false;
            }
            inside &= within;
        }
        if inside {
            covered = covered.max(side.ranks.get(k as usize).copied());
        }
        !inside
    });
    cutting.covered = covered;
    if covered.is_some() {
        cutting.rows.retain(|&k| {
            side.ranks
                .get(k as usize)
                .is_some_and(|r| Some(*r) > covered)
        });
    }
    let r = side.regions.get(*cutting.rows.first()? as usize)?;
    b.iter().zip(r).enumerate().find_map(|(ci, (x, y))| {
        let i = and(x, y);
        (i != *x).then_some((ci, i))
    })
}

/// A column and the atoms to split it by, when the box is not uniform.
fn split_point(
    space: &Space,
    sides: &[Side; 2],
    cutting: &mut [Cutting; 2],
    b: &Region,
) -> Option<(usize, Vec<u64>)> {
    for (s, c) in sides.iter().zip(cutting.iter_mut()) {
        if let Some(split) = cutting_row(s, c, b) {
            return Some(split);
        }
        if let Some((ci, labels)) = &s.auto {
            if let Some(x) = b.get(*ci) {
                let first_label = first(x).and_then(|a| labels.get(a));
                let mut same = vec![0u64; x.len()];
                let mut uniform = true;
                for a in 0..space.cols.get(*ci).map_or(0, |c| c.atoms.len()) {
                    if bit(x, a) {
                        if labels.get(a) == first_label {
                            super::space::set(&mut same, a);
                        } else {
                            uniform = false;
                        }
                    }
                }
                if !uniform {
                    return Some((*ci, same));
                }
            }
        }
    }
    // atoms valid in one policy and not the other must not share a box
    for (ci, col) in space.cols.iter().enumerate() {
        let Some(x) = b.get(ci) else { continue };
        let key = |a: usize| (sides[0].valid(ci, a), sides[1].valid(ci, a));
        let mut key_first = None;
        let mut same = vec![0u64; x.len()];
        let mut uniform = true;
        for a in (0..col.atoms.len()).filter(|a| bit(x, *a)) {
            match key_first {
                None => {
                    key_first = Some(key(a));
                    super::space::set(&mut same, a);
                }
                Some(k) if k == key(a) => super::space::set(&mut same, a),
                Some(_) => uniform = false,
            }
        }
        if !uniform {
            return Some((ci, same));
        }
    }
    None
}

/// The decision at the box's witness point (the first atom of each
/// column), with the facts built from the atoms' typed values directly.
fn leaf_outcome(p: &Policy, s: &Side, b: &Region) -> Outcome {
    let mut facts = crate::facts::Facts::empty(p.model());
    for (ci, x) in b.iter().enumerate() {
        if bit(x, 0) {
            continue; // the missing atom
        }
        let value = first(x).and_then(|a| s.values.get(ci)?.get(a));
        match (value, s.field.get(ci).copied().flatten()) {
            (Some(Err(())), _) => return Outcome::NotAccepted,
            (Some(Ok(Some(v))), Some(fi)) => {
                if let Some(slot) = facts.values.get_mut(fi) {
                    *slot = Some(v.clone());
                }
            }
            _ => {}
        }
    }
    let d = p.decide(&facts);
    Outcome::Decided {
        action: d.action,
        queue: d.queue.map(str::to_string),
        priority: d.priority,
    }
}

/// The part of a compiled policy that decides action, queue and priority:
/// its decision table without names, tags, notes, attach items and what
/// the policy reads. Two policies with the same shape decide the same.
fn decision_shape(p: &Policy) -> Json {
    let mut j = crate::table::render::to_json(p.model(), p.table());
    if let Some(o) = j.as_object_mut() {
        o.remove("policy");
        o.remove("ticket");
        let unused: [(&str, &[&str]); 2] = [
            ("rules", &["name", "tags", "notes", "attach"]),
            ("fields", &["read"]),
        ];
        for (list, keys) in unused {
            let items = o.get_mut(list).and_then(Json::as_array_mut);
            for item in items.into_iter().flatten().filter_map(Json::as_object_mut) {
                for key in keys {
                    item.remove(*key);
                }
            }
        }
    }
    j
}

pub fn diff(old: &Policy, new: &Policy) -> DiffResult {
    let space = Space::build(&[(old.model(), old.table()), (new.model(), new.table())]);
    // the same table decides the same everywhere: no need to split the
    // space (which, for thousands of rows, takes seconds), e.g. a change
    // of comments, layout, names or tags only
    if decision_shape(old) == decision_shape(new) {
        return DiffResult {
            space,
            changes: Vec::new(),
            incomplete: false,
        };
    }
    let sides = [side(&space, old), side(&space, new)];
    let mut stack: Vec<(Region, [Cutting; 2])> = vec![(
        space.full(),
        [Cutting::new(&sides[0]), Cutting::new(&sides[1])],
    )];
    let mut leaves = 0usize;
    let mut found: Vec<(Region, Outcome, Outcome)> = Vec::new();
    let mut incomplete = space.cols.iter().any(|c| c.approximate);
    while let Some((b, mut cutting)) = stack.pop() {
        if let Some((ci, part)) = split_point(&space, &sides, &mut cutting, &b) {
            let Some(x) = b.get(ci) else { continue };
            let rest = minus(x, &part);
            let mut a = b.clone();
            let mut c = b;
            if let (Some(sa), Some(sc)) = (a.get_mut(ci), c.get_mut(ci)) {
                *sa = part;
                *sc = rest;
            }
            stack.push((c, cutting.clone()));
            stack.push((a, cutting));
            continue;
        }
        leaves += 1;
        if leaves > MAX_LEAVES {
            incomplete = true;
            break;
        }
        let (o, n) = (
            leaf_outcome(old, &sides[0], &b),
            leaf_outcome(new, &sides[1], &b),
        );
        if o != n {
            found.push((b, o, n));
        }
    }
    merge_boxes(&mut found, space.cols.len());
    let changes = found
        .into_iter()
        .map(|(region, old, new)| Change {
            condition: describe_region(&space, &region),
            example: space.witness(&region),
            region,
            old,
            new,
        })
        .collect();
    DiffResult {
        space,
        changes,
        incomplete,
    }
}

/// Merges boxes with the same change that differ in one column only: per
/// column, boxes equal everywhere else become one, until nothing merges.
/// The first box of each group keeps its place, so the order is stable.
/// Boxes are grouped by a hash of everything but the column, then compared,
/// so that no box is copied to serve as a key. That hash is the sum of the
/// columns' hashes minus the column's: hashing whole boxes once per column
/// took seconds for a diff with a hundred thousand boxes.
fn merge_boxes(found: &mut Vec<(Region, Outcome, Outcome)>, ncols: usize) {
    use std::hash::{BuildHasher, Hash, Hasher};
    let state = std::collections::hash_map::RandomState::new();
    let col_hash = |ci: usize, col: &super::space::Bits| {
        let mut h = state.build_hasher();
        ci.hash(&mut h);
        col.hash(&mut h);
        h.finish()
    };
    let box_hashes = |(r, o, n): &(Region, Outcome, Outcome)| {
        let cols: Vec<u64> = r
            .iter()
            .enumerate()
            .map(|(ci, c)| col_hash(ci, c))
            .collect();
        let mut h = state.build_hasher();
        o.hash(&mut h);
        n.hash(&mut h);
        let total = cols.iter().fold(h.finish(), |a, b| a.wrapping_add(*b));
        (cols, total)
    };
    let same_key = |a: &(Region, Outcome, Outcome), b: &(Region, Outcome, Outcome), k: usize| {
        a.1 == b.1
            && a.2 == b.2
            && a.0.len() == b.0.len()
            && a.0
                .iter()
                .zip(&b.0)
                .enumerate()
                .all(|(ci, (x, y))| ci == k || x == y)
    };
    let mut hashes: Vec<(Vec<u64>, u64)> = found.iter().map(box_hashes).collect();
    let mut changed = true;
    while changed {
        changed = false;
        for k in 0..ncols {
            // the first box with each key; boxes whose key collides with
            // another's without being equal to it go to `others`
            let mut leaders: std::collections::HashMap<u64, usize, KeyIsHash> =
                std::collections::HashMap::with_capacity_and_hasher(found.len(), KeyIsHash);
            let mut others: Vec<(u64, usize)> = Vec::new();
            let mut keep = vec![true; found.len()];
            let mut grown: Vec<usize> = Vec::new();
            for i in 0..found.len() {
                let (Some(item), Some((cols, total))) = (found.get(i), hashes.get(i)) else {
                    break;
                };
                let key = total.wrapping_sub(cols.get(k).copied().unwrap_or(0));
                let first = leaders.get(&key).copied();
                let leader = first
                    .into_iter()
                    .chain(others.iter().filter(|(h, _)| *h == key).map(|(_, j)| *j))
                    .find(|&j| found.get(j).is_some_and(|f| same_key(f, item, k)));
                let Some(j) = leader else {
                    match first {
                        Some(_) => others.push((key, i)),
                        None => {
                            leaders.insert(key, i);
                        }
                    }
                    continue;
                };
                let col = found
                    .get_mut(i)
                    .and_then(|f| f.0.get_mut(k))
                    .map(std::mem::take)
                    .unwrap_or_default();
                if let Some(acc) = found.get_mut(j).and_then(|f| f.0.get_mut(k)) {
                    for (x, y) in acc.iter_mut().zip(&col) {
                        *x |= *y;
                    }
                }
                if let Some(flag) = keep.get_mut(i) {
                    *flag = false;
                }
                grown.push(j);
                changed = true;
            }
            grown.sort_unstable();
            grown.dedup();
            for j in grown {
                if let (Some(f), Some(h)) = (found.get(j), hashes.get_mut(j)) {
                    *h = box_hashes(f);
                }
            }
            let mut flags = keep.iter();
            found.retain(|_| flags.next().copied().unwrap_or(true));
            let mut flags = keep.iter();
            hashes.retain(|_| flags.next().copied().unwrap_or(true));
        }
    }
}

/// The keys of the merge's map are hashes already.
#[derive(Clone, Copy, Default)]
struct KeyIsHash;

impl std::hash::BuildHasher for KeyIsHash {
    type Hasher = PassThrough;
    fn build_hasher(&self) -> PassThrough {
        PassThrough(0)
    }
}

struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A region as a readable condition.
pub fn describe_region(space: &Space, r: &Region) -> String {
    let mut parts = Vec::new();
    for (col, b) in space.cols.iter().zip(r) {
        let all = super::space::bits_all(col.atoms.len());
        if subset(&all, b) {
            continue;
        }
        let missing = bit(b, 0);
        let present: Vec<usize> = (1..col.atoms.len()).filter(|a| bit(b, *a)).collect();
        let name = &col.name;
        let text = if present.is_empty() {
            format!("{name} is missing")
        } else if col.ranges.iter().skip(1).any(Option::is_some) {
            // merge adjacent ranges
            let mut spans: Vec<(f64, bool, f64, bool)> = Vec::new();
            let mut prev: Option<usize> = None;
            for a in &present {
                let Some(Some(rg)) = col.ranges.get(*a) else {
                    continue;
                };
                match (spans.last_mut(), prev) {
                    (Some(last), Some(p)) if p + 1 == *a => {
                        last.2 = rg.2;
                        last.3 = rg.3;
                    }
                    _ => spans.push(*rg),
                }
                prev = Some(*a);
            }
            let fmt = crate::check::interval::fmt_num;
            let s: Vec<String> = spans
                .iter()
                .map(
                    |(lo, li, hi, hi_i)| match (lo.is_infinite(), hi.is_infinite()) {
                        (true, true) => format!("{name} is present"),
                        (true, false) => {
                            format!("{name} {} {}", if *hi_i { "<=" } else { "<" }, fmt(*hi))
                        }
                        (false, true) => {
                            format!("{name} {} {}", if *li { ">=" } else { ">" }, fmt(*lo))
                        }
                        (false, false) if lo == hi => format!("{name} = {}", fmt(*lo)),
                        _ => format!(
                            "{name} {} {} and {name} {} {}",
                            if *li { ">=" } else { ">" },
                            fmt(*lo),
                            if *hi_i { "<=" } else { "<" },
                            fmt(*hi)
                        ),
                    },
                )
                .collect();
            let s = if s.len() == 1 {
                s.join("")
            } else {
                format!("({})", s.join(" or "))
            };
            let fractional = |a: &usize| {
                col.atoms
                    .get(*a)
                    .and_then(Json::as_f64)
                    .is_some_and(|v| v.fract() != 0.0)
            };
            if !col.mixed_int {
                s
            } else if present.iter().all(fractional) {
                format!("{s} and {name} is not a whole number")
            } else if !present.iter().any(fractional) {
                format!("{s} and {name} is a whole number")
            } else {
                s
            }
        } else if !col.text_preds.is_empty() {
            let mut clauses = Vec::new();
            for (k, p) in col.text_preds.iter().enumerate() {
                let vals: Vec<bool> = present
                    .iter()
                    .filter_map(|a| col.text_truth.get(*a).and_then(|t| t.get(k)).copied())
                    .collect();
                let all_true = vals.iter().all(|v| *v);
                let all_false = vals.iter().all(|v| !*v);
                let body = match p {
                    crate::check::model::TextPred::Eq(s) => {
                        format!("{name} = {}", crate::syntax::quote(s))
                    }
                    crate::check::model::TextPred::Matches(s) => {
                        format!("{name} matches {}", crate::syntax::quote(s))
                    }
                    crate::check::model::TextPred::Contains(s) => {
                        format!("{name} contains {}", crate::syntax::quote(s))
                    }
                };
                if all_true {
                    clauses.push(body);
                } else if all_false {
                    clauses.push(format!("not {body}"));
                }
            }
            if clauses.is_empty() {
                format!("{name} is present")
            } else {
                clauses.join(" and ")
            }
        } else {
            let names: Vec<String> = present
                .iter()
                .filter_map(|a| col.atoms.get(*a))
                .map(|v| match v {
                    Json::String(s) => s.clone(),
                    Json::Array(items) => format!(
                        "{{{}}}",
                        items
                            .iter()
                            .filter_map(Json::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    other => other.to_string(),
                })
                .collect();
            if names.len() == 1 {
                if matches!(col.ty, crate::check::model::FieldType::Set(_)) {
                    format!("{name} = {}", names.join(""))
                } else if col.ty == crate::check::model::FieldType::Bool {
                    if names.first().is_some_and(|n| n == "true") {
                        name.clone()
                    } else {
                        format!("not {name}")
                    }
                } else {
                    format!("{name} = {}", names.join(""))
                }
            } else {
                format!("{name} in {{{}}}", names.join(", "))
            }
        };
        parts.push(if missing && !present.is_empty() {
            format!("({text} or {name} is missing)")
        } else {
            text
        });
    }
    if parts.is_empty() {
        "always".to_string()
    } else {
        parts.join(" and ")
    }
}

pub fn change_json(c: &Change) -> Json {
    json!({
        "condition": c.condition,
        "old": c.old.describe(),
        "new": c.new.describe(),
        "direction": match c.direction() { Direction::Stricter => "stricter", Direction::Looser => "looser", Direction::Sideways => "other" },
        "example": c.example,
    })
}
