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
                    s.push_str(&format!(" \"{}\"", crate::diag::printable(q)));
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
    /// The rule that decides the example in the old and the new policy
    /// (None: the baseline, or facts the policy refuses).
    pub decided_by: [Option<String>; 2],
}

/// The name of the rule that decides these facts, if a rule does.
fn deciding_rule(p: &Policy, facts: &Json) -> Option<String> {
    let f = p.facts(facts).ok()?;
    p.decide(&f).rule.map(str::to_string)
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
/// Rows compared with boxes before the search gives up: each box is
/// compared with the rows that may still cut it, and a policy of hundreds
/// of overlapping rules makes that a few hundred per box. About two
/// seconds; the answer stays the same from run to run, as a time limit's
/// would not.
const MAX_ROW_TESTS: usize = 60_000_000;

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
    cut(b, side.regions.get(*cutting.rows.first()? as usize)?)
}

/// Where region `r` cuts box `b` (they meet, and `b` is not inside `r`):
/// the first column where it does, and the atoms of `b` inside `r` there.
fn cut(b: &Region, r: &Region) -> Option<(usize, Vec<u64>)> {
    if !super::space::meets(b, r) {
        return None;
    }
    b.iter().zip(r).enumerate().find_map(|(ci, (x, y))| {
        let i = and(x, y);
        (i != *x).then_some((ci, i))
    })
}

/// Where the two policies can decide differently at all: where a row
/// only one of them has matches, where their baselines differ, or where
/// a value is accepted by one and refused by the other. Elsewhere the
/// same rows match, in the same order, with the same actions, so the
/// outcome is the same. A policy of hundreds of rules with one edited
/// rule is then compared around that rule, where the whole space split
/// into pieces was cut short before reaching it.
struct Focus {
    /// (side, row) of the rows without a counterpart in the other policy.
    rows: Vec<(usize, u32)>,
    /// The automation column's atoms whose baseline differs.
    base: Option<(usize, Vec<u64>)>,
    /// Per column: the atoms one policy accepts and the other refuses.
    validity: Vec<Vec<u64>>,
}

impl Focus {
    /// None when the baselines come from different fields: no focus then.
    fn new(space: &Space, sides: &[Side; 2], policies: [&Policy; 2]) -> Option<Focus> {
        let base = match (&sides[0].auto, &sides[1].auto) {
            (None, None) => None,
            (Some((c0, l0)), Some((c1, l1))) if c0 == c1 => {
                let n = space.cols.get(*c0)?.atoms.len();
                let mut bits = vec![0u64; n.div_ceil(64)];
                for a in (0..n).filter(|&a| l0.get(a) != l1.get(a)) {
                    super::space::set(&mut bits, a);
                }
                Some((*c0, bits))
            }
            _ => return None,
        };
        let validity = space
            .cols
            .iter()
            .enumerate()
            .map(|(ci, col)| {
                let mut bits = vec![0u64; col.atoms.len().div_ceil(64)];
                for a in 0..col.atoms.len() {
                    if sides[0].valid(ci, a) != sides[1].valid(ci, a) {
                        super::space::set(&mut bits, a);
                    }
                }
                bits
            })
            .collect();
        // rows matched in order by what decides: region, action, queue and
        // priority; whatever is left over is one policy's own
        let key = |si: usize, k: usize| {
            let p = policies.get(si)?;
            let row = p.table().rows.get(k)?;
            let rule = p.model().rules.get(row.rule)?;
            let region = sides.get(si)?.regions.get(k)?;
            Some((
                region,
                rule.action.kind,
                rule.action.queue.as_deref(),
                rule.priority,
            ))
        };
        let n = [sides[0].regions.len(), sides[1].regions.len()];
        let mut by_key: std::collections::HashMap<_, std::collections::VecDeque<usize>> =
            std::collections::HashMap::new();
        for j in 0..n[1] {
            by_key.entry(key(1, j)).or_default().push_back(j);
        }
        let mut taken = vec![false; n[1]];
        let mut rows = Vec::new();
        let mut after = 0;
        for i in 0..n[0] {
            let next = by_key.get_mut(&key(0, i)).and_then(|js| {
                // counterparts before the last one taken would break the order
                while js.front().is_some_and(|&j| j < after) {
                    js.pop_front();
                }
                js.pop_front()
            });
            match next {
                Some(j) => {
                    if let Some(t) = taken.get_mut(j) {
                        *t = true;
                    }
                    after = j + 1;
                }
                None => rows.push((0, i as u32)),
            }
        }
        rows.extend(
            taken
                .iter()
                .enumerate()
                .filter(|(_, t)| !**t)
                .map(|(j, _)| (1, j as u32)),
        );
        // most rows changed: following them costs more than it saves
        if rows.len() * 2 > n[0] + n[1] {
            return None;
        }
        Some(Focus {
            rows,
            base,
            validity,
        })
    }

    fn base_or_validity_differs(&self, b: &Region) -> bool {
        let meets = |x: Option<&Vec<u64>>, m: &Vec<u64>| x.is_some_and(|x| meet(x, m).0);
        self.base
            .as_ref()
            .is_some_and(|(ci, m)| meets(b.get(*ci), m))
            || self
                .validity
                .iter()
                .enumerate()
                .any(|(ci, m)| meets(b.get(ci), m))
    }
}

/// Row `k` of policy `si` (0 old, 1 new) as a region of the space.
fn row_region(sides: &[Side; 2], si: usize, k: u32) -> Option<&Region> {
    sides.get(si)?.regions.get(k as usize)
}

/// A box still to look at: its region, the rows that may cut it, and the
/// rows only one policy has that still meet it (see [`Focus`]).
type Pending = (Region, [Cutting; 2], Vec<(usize, u32)>);

/// When the search was cut short: single cells of the space (one atom per
/// column, where both policies are constant) drawn at random inside the
/// rows only one policy has (or any row), kept where the outcomes differ
/// and no region found covers them. Exact, like every region, so that a
/// search too large to finish still shows where a change bites.
fn sample_cells(
    space: &Space,
    sides: &[Side; 2],
    policies: [&Policy; 2],
    focus: Option<&Focus>,
    found: &mut Vec<(Region, Outcome, Outcome)>,
) {
    const ROWS: usize = 400;
    const PER_ROW: usize = 16;
    let rows: Vec<&Region> = match focus {
        Some(f) => f
            .rows
            .iter()
            .filter_map(|&(si, k)| row_region(sides, si, k))
            .collect(),
        None => sides.iter().flat_map(|s| &s.regions).collect(),
    };
    // a fixed seed: the same answer every run
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let step = rows.len().div_ceil(ROWS).max(1);
    for r in rows.iter().step_by(step) {
        for sample in 0..PER_ROW {
            let mut point = Vec::with_capacity(space.cols.len());
            let mut cell: Region = Vec::with_capacity(space.cols.len());
            for (col, bits) in space.cols.iter().zip(r.iter()) {
                let atoms: Vec<usize> = (0..col.atoms.len()).filter(|&a| bit(bits, a)).collect();
                // the first sample leaves out every fact it can (atom 0 is
                // `missing`), as do half the others column by column: few
                // facts match few other rules
                let pick = if sample == 0 || next() % 2 == 0 {
                    0
                } else {
                    (next() % atoms.len().max(1) as u64) as usize
                };
                let Some(&a) = atoms.get(pick) else {
                    return;
                };
                let mut one = vec![0u64; col.atoms.len().div_ceil(64)];
                super::space::set(&mut one, a);
                point.push(a);
                cell.push(one);
            }
            if found.iter().any(|(f, _, _)| Space::contains(f, &point)) {
                continue;
            }
            let o = leaf_outcome(policies[0], &sides[0], &cell);
            let n = leaf_outcome(policies[1], &sides[1], &cell);
            if o != n {
                found.push((cell, o, n));
            }
        }
    }
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
    let focus = Focus::new(&space, &sides, [old, new]);
    let mut stack: Vec<Pending> = vec![(
        space.full(),
        [Cutting::new(&sides[0]), Cutting::new(&sides[1])],
        focus.as_ref().map_or_else(Vec::new, |f| f.rows.clone()),
    )];
    let mut leaves = 0usize;
    let mut found: Vec<(Region, Outcome, Outcome)> = Vec::new();
    let mut incomplete = space.cols.iter().any(|c| c.approximate);
    let mut row_tests = 0usize;
    while let Some((b, mut cutting, mut own)) = stack.pop() {
        row_tests += cutting[0].rows.len() + cutting[1].rows.len() + own.len();
        if row_tests > MAX_ROW_TESTS {
            incomplete = true;
            break;
        }
        let mut split = split_point(&space, &sides, &mut cutting, &b);
        if let Some(f) = &focus {
            // a row that misses the box, or ranks below a row of another
            // rule of its policy that covers it, changes nothing here (the
            // covering row may be this very row, or one of its rule's)
            own.retain(|&(si, k)| {
                let covered = cutting.get(si).and_then(|c| c.covered);
                let rank = sides.get(si).and_then(|s| s.ranks.get(k as usize));
                row_region(&sides, si, k).is_some_and(|r| super::space::meets(&b, r))
                    && rank.is_none_or(|r| covered.is_none_or(|c| *r >= c))
            });
            if own.is_empty() && !f.base_or_validity_differs(&b) {
                continue; // the same rows, baseline and validity: the same outcome
            }
            // carve out the rows only one policy has first: the rest of
            // the box then needs no further look
            if let Some(own_split) = own
                .iter()
                .find_map(|&(si, k)| cut(&b, row_region(&sides, si, k)?))
            {
                split = Some(own_split);
            }
        }
        if let Some((ci, part)) = split {
            let Some(x) = b.get(ci) else { continue };
            let rest = minus(x, &part);
            let mut a = b.clone();
            let mut c = b;
            if let (Some(sa), Some(sc)) = (a.get_mut(ci), c.get_mut(ci)) {
                *sa = part;
                *sc = rest;
            }
            stack.push((c, cutting.clone(), own.clone()));
            stack.push((a, cutting, own));
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
    // a search that found many regions shows where the change bites already
    if incomplete && found.len() < 1000 {
        sample_cells(&space, &sides, [old, new], focus.as_ref(), &mut found);
    }
    merge_boxes(&mut found, space.cols.len());
    let (old_policy, new_policy) = (old, new);
    let changes = found
        .into_iter()
        .map(|(region, old, new)| {
            let example = space.witness(&region);
            Change {
                condition: describe_region(&space, &region),
                decided_by: [
                    deciding_rule(old_policy, &example),
                    deciding_rule(new_policy, &example),
                ],
                example,
                region,
                old,
                new,
            }
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
                let s: Vec<String> = s.iter().map(|x| grouped(x)).collect();
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
            describe_text(name, col, &present)
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
            if matches!(col.ty, crate::check::model::FieldType::Set(_)) {
                describe_set(name, col, &present)
            } else if col.ty == crate::check::model::FieldType::Bool {
                // `not x` would also hold for a missing `x`
                match names.as_slice() {
                    [one] if one == "true" => name.clone(),
                    [one] => format!("{name} = {one}"),
                    _ => format!("{name} is present"),
                }
            } else if col.ty == crate::check::model::FieldType::Text {
                // no text tests: its one atom is any text
                format!("{name} is present")
            } else if names.len() == 1 {
                format!("{name} = {}", names.join(""))
            } else {
                format!("{name} in {{{}}}", names.join(", "))
            }
        };
        parts.push(if missing && !present.is_empty() {
            format!("({} or {name} is missing)", grouped(&text))
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

/// A conjunction in parentheses, so that it reads unambiguously inside
/// an `or` (`mixed-and-or` asks the same of policies).
fn grouped(text: &str) -> String {
    if text.contains(" and ") && !(text.starts_with('(') && text.ends_with(')')) {
        format!("({text})")
    } else {
        text.to_string()
    }
}

/// Atoms of a text column: each is one combination of the truth values of
/// the column's tests. The tests true (or false) in every atom, when the
/// atoms are all those that agree on them; else one clause per atom.
fn describe_text(name: &str, col: &super::space::Column, present: &[usize]) -> String {
    let truth = |a: usize| col.text_truth.get(a).cloned().unwrap_or_default();
    let body = |p: &crate::check::model::TextPred| format!("{name} {}", p.text());
    // clauses for the tests with a fixed truth value (None: mixed)
    let clause = |fixed: &[Option<bool>]| {
        let mut c: Vec<String> = Vec::new();
        for (p, t) in col.text_preds.iter().zip(fixed) {
            match t {
                Some(true) => c.push(body(p)),
                Some(false) => c.push(format!("not {}", body(p))),
                None => {}
            }
        }
        // `not … contains` alone would also hold for a missing text
        if !fixed.contains(&Some(true)) {
            c.insert(0, format!("{name} is present"));
        }
        c.join(" and ")
    };
    let fixed: Vec<Option<bool>> = (0..col.text_preds.len())
        .map(|k| {
            let mut vals = present.iter().map(|a| truth(*a).get(k).copied());
            let first = vals.next().flatten();
            vals.all(|v| v == first).then_some(first).flatten()
        })
        .collect();
    let agreeing: Vec<usize> = (1..col.atoms.len())
        .filter(|a| {
            let t = truth(*a);
            fixed
                .iter()
                .enumerate()
                .all(|(k, f)| f.is_none_or(|f| t.get(k) == Some(&f)))
        })
        .collect();
    if agreeing.iter().all(|a| present.contains(a)) {
        return clause(&fixed);
    }
    // (one atom always takes the branch above: its truths are all fixed)
    let each: Vec<String> = present
        .iter()
        .map(|a| {
            let t: Vec<Option<bool>> = truth(*a).into_iter().map(Some).collect();
            grouped(&clause(&t))
        })
        .collect();
    format!("({})", each.join(" or "))
}

/// Atoms of a set column: each holds exactly some of the values the rules
/// mention (and any others). One clause when the atoms are every
/// combination of some values with the rest fixed, else one per atom.
fn describe_set(name: &str, col: &super::space::Column, present: &[usize]) -> String {
    let items = |a: &usize| -> Vec<&str> {
        col.atoms
            .get(*a)
            .and_then(Json::as_array)
            .map(|v| v.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default()
    };
    let mut mentioned: Vec<&str> = Vec::new();
    for a in 1..col.atoms.len() {
        for v in items(&a) {
            if !mentioned.contains(&v) {
                mentioned.push(v);
            }
        }
    }
    let sets: Vec<Vec<&str>> = present.iter().map(items).collect();
    let clause = |has: &[&str], not: &[&str]| {
        let mut c = Vec::new();
        match has {
            [] => {}
            [one] => c.push(format!("{name} has {one}")),
            many => c.push(format!("{name} has all {{{}}}", many.join(", "))),
        }
        if !not.is_empty() {
            if has.is_empty() {
                // `not … has any` alone would also hold for a missing set
                c.push(format!("{name} is present"));
            }
            c.push(format!("not {name} has any {{{}}}", not.join(", ")));
        }
        if c.is_empty() {
            format!("{name} is present")
        } else {
            c.join(" and ")
        }
    };
    let in_all: Vec<&str> = mentioned
        .iter()
        .copied()
        .filter(|v| sets.iter().all(|s| s.contains(v)))
        .collect();
    let in_none: Vec<&str> = mentioned
        .iter()
        .copied()
        .filter(|v| sets.iter().all(|s| !s.contains(v)))
        .collect();
    let free = mentioned.len() - in_all.len() - in_none.len();
    if free < 20 && sets.len() == 1usize << free {
        return clause(&in_all, &in_none);
    }
    let each: Vec<String> = sets
        .iter()
        .map(|s| {
            let not: Vec<&str> = mentioned
                .iter()
                .copied()
                .filter(|v| !s.contains(v))
                .collect();
            grouped(&clause(s, &not))
        })
        .collect();
    format!("({})", each.join(" or "))
}

pub fn change_json(c: &Change) -> Json {
    json!({
        "condition": c.condition,
        "old": c.old.describe(),
        "new": c.new.describe(),
        "direction": match c.direction() { Direction::Stricter => "stricter", Direction::Looser => "looser", Direction::Sideways => "other" },
        "example": c.example,
        "old_rule": c.decided_by[0],
        "new_rule": c.decided_by[1],
    })
}
