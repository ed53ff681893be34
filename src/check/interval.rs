//! Sets of numbers as sorted, disjoint intervals: the cells of number and
//! int columns.

use std::cmp::Ordering;

/// One end of an interval: a value and whether it is included.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    pub value: f64,
    pub inclusive: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub lo: Bound,
    pub hi: Bound,
}

impl Interval {
    pub fn all() -> Interval {
        Interval {
            lo: Bound {
                value: f64::NEG_INFINITY,
                inclusive: false,
            },
            hi: Bound {
                value: f64::INFINITY,
                inclusive: false,
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        match self.lo.value.partial_cmp(&self.hi.value) {
            Some(Ordering::Less) => false,
            Some(Ordering::Equal) => !(self.lo.inclusive && self.hi.inclusive),
            _ => true,
        }
    }

    pub fn contains(&self, x: f64) -> bool {
        let above = x > self.lo.value || (self.lo.inclusive && x == self.lo.value);
        let below = x < self.hi.value || (self.hi.inclusive && x == self.hi.value);
        above && below
    }
}

/// A union of disjoint intervals in increasing order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct IntervalSet {
    pub parts: Vec<Interval>,
}

fn lo_cmp(a: &Bound, b: &Bound) -> Ordering {
    a.value
        .partial_cmp(&b.value)
        .unwrap_or(Ordering::Equal)
        .then_with(|| b.inclusive.cmp(&a.inclusive))
}

impl IntervalSet {
    pub fn empty() -> IntervalSet {
        IntervalSet { parts: Vec::new() }
    }

    pub fn all() -> IntervalSet {
        IntervalSet {
            parts: vec![Interval::all()],
        }
    }

    pub fn from(iv: Interval) -> IntervalSet {
        let mut s = IntervalSet { parts: vec![iv] };
        s.normalize();
        s
    }

    /// `x OP v` as a set.
    pub fn cmp(op: crate::syntax::ast::CmpOp, v: f64) -> IntervalSet {
        use crate::syntax::ast::CmpOp::*;
        let inf = f64::INFINITY;
        let b = |value, inclusive| Bound { value, inclusive };
        let iv = |lo, hi| Interval { lo, hi };
        match op {
            Eq => IntervalSet::from(iv(b(v, true), b(v, true))),
            Ne => IntervalSet::from(iv(b(v, true), b(v, true))).complement(),
            Lt => IntervalSet::from(iv(b(-inf, false), b(v, false))),
            Le => IntervalSet::from(iv(b(-inf, false), b(v, true))),
            Gt => IntervalSet::from(iv(b(v, false), b(inf, false))),
            Ge => IntervalSet::from(iv(b(v, true), b(inf, false))),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    pub fn is_all(&self) -> bool {
        self.parts.len() == 1
            && self
                .parts
                .first()
                .is_some_and(|p| p.lo.value == f64::NEG_INFINITY && p.hi.value == f64::INFINITY)
    }

    pub fn contains(&self, x: f64) -> bool {
        self.parts.iter().any(|p| p.contains(x))
    }

    fn normalize(&mut self) {
        self.parts.retain(|p| !p.is_empty());
        self.parts.sort_by(|a, b| lo_cmp(&a.lo, &b.lo));
        let mut out: Vec<Interval> = Vec::with_capacity(self.parts.len());
        for p in self.parts.drain(..) {
            if let Some(last) = out.last_mut() {
                let touches = p.lo.value < last.hi.value
                    || (p.lo.value == last.hi.value && (p.lo.inclusive || last.hi.inclusive));
                if touches {
                    let p_hi_greater = p.hi.value > last.hi.value
                        || (p.hi.value == last.hi.value && p.hi.inclusive && !last.hi.inclusive);
                    if p_hi_greater {
                        last.hi = p.hi;
                    }
                    continue;
                }
            }
            out.push(p);
        }
        self.parts = out;
    }

    pub fn union(&self, other: &IntervalSet) -> IntervalSet {
        let mut s = IntervalSet {
            parts: self
                .parts
                .iter()
                .chain(other.parts.iter())
                .copied()
                .collect(),
        };
        s.normalize();
        s
    }

    pub fn intersect(&self, other: &IntervalSet) -> IntervalSet {
        let mut parts = Vec::new();
        for a in &self.parts {
            for b in &other.parts {
                let lo = if lo_cmp(&a.lo, &b.lo) == Ordering::Less {
                    b.lo
                } else {
                    a.lo
                };
                let hi_a_smaller =
                    a.hi.value < b.hi.value || (a.hi.value == b.hi.value && !a.hi.inclusive);
                let hi = if hi_a_smaller { a.hi } else { b.hi };
                let iv = Interval { lo, hi };
                if !iv.is_empty() {
                    parts.push(iv);
                }
            }
        }
        let mut s = IntervalSet { parts };
        s.normalize();
        s
    }

    pub fn complement(&self) -> IntervalSet {
        let mut parts = Vec::new();
        let mut lo = Bound {
            value: f64::NEG_INFINITY,
            inclusive: false,
        };
        for p in &self.parts {
            parts.push(Interval {
                lo,
                hi: Bound {
                    value: p.lo.value,
                    inclusive: !p.lo.inclusive,
                },
            });
            lo = Bound {
                value: p.hi.value,
                inclusive: !p.hi.inclusive,
            };
        }
        parts.push(Interval {
            lo,
            hi: Bound {
                value: f64::INFINITY,
                inclusive: false,
            },
        });
        let mut s = IntervalSet { parts };
        // infinities are never members
        for p in &mut s.parts {
            if p.lo.value == f64::NEG_INFINITY {
                p.lo.inclusive = false;
            }
            if p.hi.value == f64::INFINITY {
                p.hi.inclusive = false;
            }
        }
        s.normalize();
        s
    }

    /// Keep only what whole numbers can reach: bounds become inclusive
    /// integers, and intervals with no integer disappear.
    pub fn to_integers(&self) -> IntervalSet {
        let mut parts = Vec::new();
        for p in &self.parts {
            let lo = if p.lo.value.is_infinite() {
                p.lo
            } else {
                let v = if p.lo.inclusive {
                    p.lo.value.ceil()
                } else {
                    above(p.lo.value, true)
                };
                Bound {
                    value: v,
                    inclusive: true,
                }
            };
            let hi = if p.hi.value.is_infinite() {
                p.hi
            } else {
                let v = if p.hi.inclusive {
                    p.hi.value.floor()
                } else {
                    below(p.hi.value, true)
                };
                Bound {
                    value: v,
                    inclusive: true,
                }
            };
            let iv = Interval { lo, hi };
            if !iv.is_empty() {
                parts.push(iv);
            }
        }
        let mut s = IntervalSet { parts };
        // [1,2] and [3,4] are adjacent in the integers
        let mut out: Vec<Interval> = Vec::new();
        s.normalize();
        for p in s.parts {
            if let Some(last) = out.last_mut() {
                if above(last.hi.value, true) == p.lo.value {
                    last.hi = p.hi;
                    continue;
                }
            }
            out.push(p);
        }
        IntervalSet { parts: out }
    }

    /// A member, preferring simple ones, for examples in diagnostics.
    pub fn sample(&self, integer: bool) -> Option<f64> {
        let p = self.parts.first()?;
        let lo = p.lo.value;
        let hi = p.hi.value;
        let pick = if lo.is_infinite() && hi.is_infinite() {
            0.0
        } else if lo.is_infinite() {
            if p.hi.inclusive {
                hi
            } else {
                below(hi, integer)
            }
        } else if hi.is_infinite() {
            if p.lo.inclusive {
                lo
            } else {
                above(lo, integer)
            }
        } else if p.lo.inclusive {
            lo
        } else if p.hi.inclusive {
            hi
        } else {
            between(lo, hi, integer).unwrap_or(lo)
        };
        if self.contains(pick) {
            Some(pick)
        } else {
            Some((lo.max(-1e300) + hi.min(1e300)) / 2.0).filter(|v| self.contains(*v))
        }
    }
}

/// The next float above `x` (`f64::next_up`, stable only since Rust 1.86,
/// after this crate's minimum version).
pub fn next_up(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == 0.0 {
        return f64::from_bits(1);
    }
    let bits = x.to_bits();
    f64::from_bits(if x > 0.0 { bits + 1 } else { bits - 1 })
}

/// The next float below `x`.
pub fn next_down(x: f64) -> f64 {
    -next_up(-x)
}

/// A simple number strictly above `l` (a whole one for whole-number
/// fields): `l + 1` where that is above `l`, else the next float. Past 2^53
/// adding 1 changes nothing, and a region's sample would land on its bound.
pub fn above(l: f64, int: bool) -> f64 {
    let v = if int { l.floor() + 1.0 } else { l + 1.0 };
    if v > l {
        v
    } else {
        next_up(l)
    }
}

/// A simple number strictly below `h` (see `above`).
pub fn below(h: f64, int: bool) -> f64 {
    let v = if int { h.ceil() - 1.0 } else { h - 1.0 };
    if v < h {
        v
    } else {
        next_down(h)
    }
}

/// A number strictly between `l` and `h` (a whole one for whole-number
/// fields), or None when there is none.
pub fn between(l: f64, h: f64, int: bool) -> Option<f64> {
    let v = if int {
        above(l, true)
    } else {
        let mid = l + (h - l) / 2.0;
        if mid.is_finite() {
            mid
        } else {
            l / 2.0 + h / 2.0
        }
    };
    if v > l && v < h {
        Some(v)
    } else {
        Some(next_up(l)).filter(|v| *v < h && (!int || v.fract() == 0.0))
    }
}

/// Format a number the way a policy writes it.
pub fn fmt_num(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
