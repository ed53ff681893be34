//! The engine-neutral model of a generated escalation policy and its facts.
//!
//! A policy is a baseline per ticket category (the `automation` block) plus
//! a list of rules. Every rule condition is kept in disjunctive normal form
//! (a list of conjunctions of atoms), so that each of the three renderings
//! (handover text, Cedar policy set, zen JDM table) is a direct translation
//! with no room for a different reading. The atoms stay within what all
//! three engines express natively: equality, set membership, numeric
//! ranges, "has any" on a list, a boolean, and "is missing".

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const CATEGORIES: [&str; 10] = [
    "refund",
    "billing",
    "password_reset",
    "shipping",
    "outage",
    "legal",
    "account",
    "technical",
    "order_status",
    "other",
];
/// Customer value, least to most valuable (a `level` in handover).
pub const VALUES: [&str; 5] = ["free", "pro", "business", "enterprise", "vip"];
/// Sentiment, worst to best (a `level` in handover).
pub const SENTIMENTS: [&str; 5] = ["hostile", "angry", "negative", "neutral", "positive"];
pub const RISKS: [&str; 6] = [
    "legal",
    "financial",
    "security",
    "compliance",
    "account_access",
    "payment",
];
pub const QUEUES: [&str; 8] = [
    "billing-priority",
    "trust-safety",
    "retention",
    "kb-gaps",
    "tier2",
    "enterprise-desk",
    "outage-desk",
    "fraud",
];

/// Actions from least to most strict (SPEC 2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Answer,
    Draft,
    Route,
    Human,
}

impl Action {
    pub const ALL: [Action; 4] = [Action::Answer, Action::Draft, Action::Route, Action::Human];
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Answer => "answer",
            Action::Draft => "draft",
            Action::Route => "route",
            Action::Human => "human",
        }
    }
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Prio {
    Low,
    Normal,
    High,
    Urgent,
}

impl Prio {
    pub const ALL: [Prio; 4] = [Prio::Low, Prio::Normal, Prio::High, Prio::Urgent];
    pub fn as_str(self) -> &'static str {
        match self {
            Prio::Low => "low",
            Prio::Normal => "normal",
            Prio::High => "high",
            Prio::Urgent => "urgent",
        }
    }
    pub fn parse(s: &str) -> Option<Prio> {
        Prio::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// One test over one field. Confidence thresholds are in hundredths
/// (55 = 0.55) so that every engine reads exactly the same decimal.
#[derive(Clone, Debug, PartialEq)]
pub enum Atom {
    /// category is one of these (indices into CATEGORIES, sorted).
    CategoryIn(Vec<usize>),
    /// value level within lo..=hi (indices into VALUES).
    ValueBetween(usize, usize),
    /// confidence < t
    ConfLt(u32),
    /// confidence >= t
    ConfGe(u32),
    /// lo <= confidence < hi
    ConfRange(u32, u32),
    /// confidence is missing
    ConfMissing,
    /// sentiment level within lo..=hi (indices into SENTIMENTS).
    SentimentBetween(usize, usize),
    /// risk has any of these (indices into RISKS, sorted).
    RiskAny(Vec<usize>),
    /// repeat_contacts >= n
    RepeatGe(u32),
    /// churn is true
    Churn,
}

impl Atom {
    /// The field this atom reads (index into the field order below).
    pub fn field(&self) -> usize {
        match self {
            Atom::CategoryIn(_) => 0,
            Atom::ValueBetween(..) => 1,
            Atom::ConfLt(_) | Atom::ConfGe(_) | Atom::ConfRange(..) | Atom::ConfMissing => 2,
            Atom::SentimentBetween(..) => 3,
            Atom::RiskAny(_) => 4,
            Atom::RepeatGe(_) => 5,
            Atom::Churn => 6,
        }
    }

    /// The reference meaning, used to check the generator itself.
    pub fn holds(&self, f: &Fact) -> bool {
        match self {
            Atom::CategoryIn(v) => f.category.is_some_and(|c| v.contains(&c)),
            Atom::ValueBetween(lo, hi) => f.value.is_some_and(|x| *lo <= x && x <= *hi),
            Atom::ConfLt(t) => f.confidence.is_some_and(|c| c < *t),
            Atom::ConfGe(t) => f.confidence.is_some_and(|c| c >= *t),
            Atom::ConfRange(lo, hi) => f.confidence.is_some_and(|c| *lo <= c && c < *hi),
            Atom::ConfMissing => f.confidence.is_none(),
            Atom::SentimentBetween(lo, hi) => f.sentiment.is_some_and(|x| *lo <= x && x <= *hi),
            Atom::RiskAny(v) => f.risk.as_ref().is_some_and(|r| v.iter().any(|x| r.contains(x))),
            Atom::RepeatGe(n) => f.repeat_contacts.is_some_and(|x| x >= *n),
            Atom::Churn => f.churn == Some(true),
        }
    }
}

pub const FIELD_NAMES: [&str; 7] = [
    "category",
    "value",
    "confidence",
    "sentiment",
    "risk",
    "repeat_contacts",
    "churn",
];

#[derive(Clone, Debug)]
pub struct Rule {
    pub name: String,
    /// Disjunction of conjunctions; within a conjunction, one atom per field.
    pub conjs: Vec<Vec<Atom>>,
    pub action: Action,
    /// Index into QUEUES; always set for route and human.
    pub queue: Option<usize>,
    pub prio: Prio,
}

impl Rule {
    pub fn holds(&self, f: &Fact) -> bool {
        self.conjs.iter().any(|c| c.iter().all(|a| a.holds(f)))
    }
}

/// The baseline per category (`automation by category`), with no
/// `otherwise` left implicit: `other_action` covers the categories that
/// are not listed and the missing category.
#[derive(Clone, Debug)]
pub struct Automation {
    /// (action, queue) per category index; None = falls to `otherwise`.
    pub by_category: Vec<Option<(Action, Option<usize>)>>,
    pub otherwise: (Action, Option<usize>),
}

impl Automation {
    pub fn for_category(&self, c: Option<usize>) -> (Action, Option<usize>) {
        c.and_then(|c| self.by_category.get(c).copied().flatten())
            .unwrap_or(self.otherwise)
    }
}

#[derive(Clone, Debug)]
pub struct PolicySpec {
    pub name: String,
    pub automation: Automation,
    pub rules: Vec<Rule>,
}

/// One conversation's facts. `None` is a missing fact.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fact {
    pub category: Option<usize>,
    pub value: Option<usize>,
    /// Hundredths: 55 = 0.55.
    pub confidence: Option<u32>,
    pub sentiment: Option<usize>,
    /// Sorted indices into RISKS; Some(empty) is a present, empty list.
    pub risk: Option<Vec<usize>>,
    pub repeat_contacts: Option<u32>,
    pub churn: Option<bool>,
}

/// What a decision says, in engine-neutral terms (SPEC 2.4 steps 3-5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub action: Action,
    pub queue: Option<String>,
    pub priority: Option<Prio>,
    /// The winning rule; None when the baseline decided.
    pub rule: Option<String>,
}

impl PolicySpec {
    /// The reference decision, straight from SPEC 2.4. The three engines
    /// are compared with each other and with this.
    pub fn reference(&self, f: &Fact) -> Outcome {
        let (base_action, base_queue) = self.automation.for_category(f.category);
        // max over (action, priority, earliest) among matched rules
        let mut best: Option<(usize, &Rule)> = None;
        for (i, r) in self.rules.iter().enumerate() {
            if !r.holds(f) {
                continue;
            }
            let better = match best {
                None => true,
                Some((_, b)) => (r.action, r.prio) > (b.action, b.prio),
            };
            if better {
                best = Some((i, r));
            }
        }
        let action = best.map_or(base_action, |(_, r)| r.action.max(base_action));
        match best {
            _ if action == Action::Answer => Outcome {
                action,
                queue: None,
                priority: None,
                rule: best.filter(|(_, r)| r.action == Action::Answer).map(|(_, r)| r.name.clone()),
            },
            Some((_, r)) if r.action == action => Outcome {
                action,
                queue: r.queue.map(|q| QUEUES[q].to_string()),
                priority: Some(r.prio),
                rule: Some(r.name.clone()),
            },
            _ => Outcome {
                action,
                queue: base_queue.map(|q| QUEUES[q].to_string()),
                priority: Some(Prio::Normal),
                rule: None,
            },
        }
    }
}

fn pick<T: Copy>(rng: &mut StdRng, weighted: &[(T, u32)]) -> T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (v, w) in weighted {
        if x < *w {
            return *v;
        }
        x -= w;
    }
    weighted[weighted.len() - 1].0
}

fn distinct(rng: &mut StdRng, n: usize, k: usize) -> Vec<usize> {
    let mut v: Vec<usize> = Vec::with_capacity(k);
    while v.len() < k.min(n) {
        let x = rng.random_range(0..n);
        if !v.contains(&x) {
            v.push(x);
        }
    }
    v.sort_unstable();
    v
}

/// Thresholds on the 0.05 grid between 0.10 and 0.90.
fn threshold(rng: &mut StdRng) -> u32 {
    rng.random_range(2..=18) * 5
}

fn random_atom(rng: &mut StdRng, field: usize) -> Atom {
    match field {
        0 => {
            let k = pick(rng, &[(1, 7), (2, 2), (3, 1)]);
            Atom::CategoryIn(distinct(rng, CATEGORIES.len(), k))
        }
        1 => match rng.random_range(0..4) {
            // value >= L (the common "high-value customer" test)
            0 | 1 => Atom::ValueBetween(rng.random_range(2..5), 4),
            2 => Atom::ValueBetween(0, rng.random_range(0..2)),
            _ => {
                let x = rng.random_range(0..5);
                Atom::ValueBetween(x, x)
            }
        },
        2 => match rng.random_range(0..10) {
            0..=4 => Atom::ConfLt(threshold(rng)),
            5 | 6 => Atom::ConfGe(threshold(rng)),
            7 | 8 => {
                let a = threshold(rng);
                let b = threshold(rng);
                if a == b {
                    Atom::ConfLt(a)
                } else {
                    Atom::ConfRange(a.min(b), a.max(b))
                }
            }
            _ => Atom::ConfMissing,
        },
        3 => match rng.random_range(0..3) {
            0 | 1 => Atom::SentimentBetween(0, rng.random_range(0..3)),
            _ => Atom::SentimentBetween(rng.random_range(3..5), 4),
        },
        4 => {
            let k = pick(rng, &[(1, 3), (2, 2), (3, 1)]);
            Atom::RiskAny(distinct(rng, RISKS.len(), k))
        }
        5 => Atom::RepeatGe(rng.random_range(1..=6)),
        _ => Atom::Churn,
    }
}

// The fact distribution of `random_fact`, shared with the selectivity
// estimate below.
const VALUE_W: [u32; 5] = [40, 30, 15, 10, 5];
const SENTIMENT_W: [u32; 5] = [5, 10, 20, 45, 20];
const REPEAT_W: [(u32, u32); 7] = [(0, 50), (1, 20), (2, 12), (3, 8), (4, 5), (5, 3), (7, 2)];
const P_MISSING: [f64; 7] = [0.03, 0.03, 0.10, 0.05, 0.05, 0.03, 0.05];
const P_RISK: f64 = 0.1;
const P_CHURN: f64 = 0.15;

fn share(w: &[u32], lo: usize, hi: usize) -> f64 {
    let total: u32 = w.iter().sum();
    f64::from(w[lo..=hi].iter().sum::<u32>()) / f64::from(total)
}

impl Atom {
    /// The probability that a `random_fact` satisfies this atom.
    pub fn selectivity(&self) -> f64 {
        let present = 1.0 - P_MISSING[self.field()];
        let conf = |lo: u32, hi: u32| present * f64::from(hi - lo) / 101.0;
        match self {
            Atom::CategoryIn(v) => present * v.len() as f64 / CATEGORIES.len() as f64,
            Atom::ValueBetween(lo, hi) => present * share(&VALUE_W, *lo, *hi),
            Atom::ConfLt(t) => conf(0, *t),
            Atom::ConfGe(t) => conf(*t, 101),
            Atom::ConfRange(lo, hi) => conf(*lo, *hi),
            Atom::ConfMissing => P_MISSING[2],
            Atom::SentimentBetween(lo, hi) => present * share(&SENTIMENT_W, *lo, *hi),
            Atom::RiskAny(v) => present * (1.0 - (1.0 - P_RISK).powi(v.len() as i32)),
            Atom::RepeatGe(n) => {
                let total: u32 = REPEAT_W.iter().map(|(_, w)| w).sum();
                let hit: u32 = REPEAT_W.iter().filter(|(v, _)| v >= n).map(|(_, w)| w).sum();
                present * f64::from(hit) / f64::from(total)
            }
            Atom::Churn => present * P_CHURN,
        }
    }
}

/// A conjunction whose chance of matching a random fact is about `target`:
/// usually a category, then tests on further fields until the product of
/// their selectivities reaches the target. Small policies get broad rules
/// ("refund and vip"), large ones narrow, specific rules, so that a
/// decision matches a handful of rules at every size, as in a real policy
/// that grew by refinement.
fn random_conj(rng: &mut StdRng, target: f64) -> Vec<Atom> {
    let mut atoms: Vec<Atom> = Vec::new();
    let mut sel = 1.0;
    // most rules are about a ticket category
    if rng.random_bool(0.9) {
        let a = random_atom(rng, 0);
        sel *= a.selectivity();
        atoms.push(a);
    }
    let mut free: Vec<usize> = (1..FIELD_NAMES.len()).collect();
    while (sel > target || atoms.is_empty()) && !free.is_empty() {
        let weights: Vec<(usize, u32)> = free
            .iter()
            .map(|f| (*f, [0, 3, 3, 2, 2, 1, 1][*f]))
            .collect();
        let f = pick(rng, &weights);
        free.retain(|x| *x != f);
        let a = random_atom(rng, f);
        sel *= a.selectivity();
        atoms.push(a);
    }
    atoms.sort_by_key(Atom::field);
    atoms
}

/// How many rules a random fact matches on average, at every policy size
/// (before the `or` branches, which add a little).
pub const MATCHED_PER_DECISION: f64 = 2.5;

/// A realistic escalation policy of `n` rules, deterministic in `seed`.
pub fn generate(n: usize, seed: u64) -> PolicySpec {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x6861_6e64_6f76_6572);
    let automation = Automation {
        by_category: CATEGORIES
            .iter()
            .map(|c| match *c {
                "password_reset" | "shipping" | "order_status" => Some((Action::Answer, None)),
                "billing" => Some((Action::Draft, None)),
                "refund" => Some((Action::Draft, Some(0))),
                "legal" => Some((Action::Human, Some(1))),
                "outage" => Some((Action::Route, Some(6))),
                _ => None,
            })
            .collect(),
        otherwise: (Action::Answer, None),
    };
    let mut rules = Vec::with_capacity(n);
    // about MATCHED_PER_DECISION rules match a random fact, whatever n
    let base_target = (MATCHED_PER_DECISION / n as f64).min(0.5);
    for i in 0..n {
        let target = base_target * 4f64.powf(rng.random_range(-1.0..1.0));
        let action = pick(&mut rng, &[(Action::Draft, 30), (Action::Route, 60), (Action::Human, 10)]);
        let queue = match action {
            Action::Draft if rng.random_bool(0.5) => None,
            _ => Some(rng.random_range(0..QUEUES.len())),
        };
        let prio = pick(
            &mut rng,
            &[(Prio::Low, 10), (Prio::Normal, 45), (Prio::High, 30), (Prio::Urgent, 15)],
        );
        let mut conjs = vec![random_conj(&mut rng, target)];
        // about a quarter of the rules have an `or`
        if rng.random_bool(0.25) {
            let second = if rng.random_bool(0.3) {
                // "confidence < T or confidence is missing", same other atoms
                let mut c = conjs[0].clone();
                c.retain(|a| a.field() != 2);
                c.push(Atom::ConfMissing);
                c.sort_by_key(Atom::field);
                c
            } else {
                random_conj(&mut rng, target)
            };
            if second != conjs[0] {
                conjs.push(second);
            }
        }
        rules.push(Rule {
            name: format!("r{i}"),
            conjs,
            action,
            queue,
            prio,
        });
    }
    PolicySpec {
        name: format!("bench-{n}"),
        automation,
        rules,
    }
}

fn maybe<T>(rng: &mut StdRng, p_missing: f64, v: T) -> Option<T> {
    if rng.random_bool(p_missing) {
        None
    } else {
        Some(v)
    }
}

/// Realistic random facts: skewed value and sentiment distributions,
/// occasionally missing fields, confidence on the 0.01 grid.
pub fn random_fact(rng: &mut StdRng) -> Fact {
    let category = rng.random_range(0..CATEGORIES.len());
    let w = |w: &[u32; 5]| [(0, w[0]), (1, w[1]), (2, w[2]), (3, w[3]), (4, w[4])];
    let value = pick(rng, &w(&VALUE_W));
    let confidence = rng.random_range(0..=100);
    let sentiment = pick(rng, &w(&SENTIMENT_W));
    let risk: Vec<usize> = (0..RISKS.len()).filter(|_| rng.random_bool(P_RISK)).collect();
    let repeat = pick(rng, &REPEAT_W);
    let churn = rng.random_bool(P_CHURN);
    Fact {
        category: maybe(rng, P_MISSING[0], category),
        value: maybe(rng, P_MISSING[1], value),
        confidence: maybe(rng, P_MISSING[2], confidence),
        sentiment: maybe(rng, P_MISSING[3], sentiment),
        risk: maybe(rng, P_MISSING[4], risk),
        repeat_contacts: maybe(rng, P_MISSING[5], repeat),
        churn: maybe(rng, P_MISSING[6], churn),
    }
}

/// Facts aimed at one rule: a random fact, then the fields of one of the
/// rule's conjunctions set to values that satisfy it, often on the
/// boundary. Half the facts the equivalence test uses are of this kind, so
/// that rules actually fire and thresholds are hit exactly.
pub fn targeted_fact(rng: &mut StdRng, spec: &PolicySpec) -> Fact {
    let mut f = random_fact(rng);
    if spec.rules.is_empty() {
        return f;
    }
    let rule = &spec.rules[rng.random_range(0..spec.rules.len())];
    let conj = &rule.conjs[rng.random_range(0..rule.conjs.len())];
    for a in conj {
        match a {
            Atom::CategoryIn(v) => f.category = Some(v[rng.random_range(0..v.len())]),
            Atom::ValueBetween(lo, hi) => f.value = Some(rng.random_range(*lo..=*hi)),
            Atom::ConfLt(t) => f.confidence = Some(if rng.random_bool(0.3) { t - 1 } else { rng.random_range(0..*t) }),
            Atom::ConfGe(t) => f.confidence = Some(if rng.random_bool(0.3) { *t } else { rng.random_range(*t..=100) }),
            Atom::ConfRange(lo, hi) => {
                f.confidence = Some(match rng.random_range(0..3) {
                    0 => *lo,
                    1 => hi - 1,
                    _ => rng.random_range(*lo..*hi),
                })
            }
            Atom::ConfMissing => f.confidence = None,
            Atom::SentimentBetween(lo, hi) => f.sentiment = Some(rng.random_range(*lo..=*hi)),
            Atom::RiskAny(v) => {
                let mut r = f.risk.take().unwrap_or_default();
                let x = v[rng.random_range(0..v.len())];
                if !r.contains(&x) {
                    r.push(x);
                    r.sort_unstable();
                }
                f.risk = Some(r);
            }
            Atom::RepeatGe(n) => f.repeat_contacts = Some(if rng.random_bool(0.3) { *n } else { rng.random_range(*n..*n + 4) }),
            Atom::Churn => f.churn = Some(true),
        }
    }
    // and sometimes knock one field just out of the rule again
    if rng.random_bool(0.2) {
        if let Some(a) = conj.get(rng.random_range(0..conj.len())) {
            match a {
                Atom::ConfLt(t) => f.confidence = Some(*t),
                Atom::ConfGe(t) if *t > 0 => f.confidence = Some(t - 1),
                Atom::ConfRange(_, hi) => f.confidence = Some(*hi),
                Atom::RepeatGe(n) if *n > 0 => f.repeat_contacts = Some(n - 1),
                Atom::Churn => f.churn = Some(false),
                _ => {}
            }
        }
    }
    f
}

/// `n` facts for the benchmarks: the realistic random mix only.
pub fn bench_facts(n: usize, seed: u64) -> Vec<Fact> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| random_fact(&mut rng)).collect()
}

/// `n` facts for the equivalence test: half random, half aimed at rules.
pub fn test_facts(spec: &PolicySpec, n: usize, seed: u64) -> Vec<Fact> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|i| if i % 2 == 0 { random_fact(&mut rng) } else { targeted_fact(&mut rng, spec) })
        .collect()
}

impl Fact {
    /// The facts as the support system would send them, the same JSON for
    /// all three engines.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        if let Some(c) = self.category {
            m.insert("category".into(), CATEGORIES[c].into());
        }
        if let Some(v) = self.value {
            m.insert("value".into(), VALUES[v].into());
        }
        if let Some(c) = self.confidence {
            // correctly rounded: the same f64 as parsing "0.55"
            m.insert("confidence".into(), serde_json::json!(f64::from(c) / 100.0));
        }
        if let Some(s) = self.sentiment {
            m.insert("sentiment".into(), SENTIMENTS[s].into());
        }
        if let Some(r) = &self.risk {
            m.insert("risk".into(), r.iter().map(|i| RISKS[*i]).collect::<Vec<_>>().into());
        }
        if let Some(n) = self.repeat_contacts {
            m.insert("repeat_contacts".into(), n.into());
        }
        if let Some(b) = self.churn {
            m.insert("churn".into(), b.into());
        }
        serde_json::Value::Object(m)
    }
}
