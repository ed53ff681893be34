//! Generated escalation policies and facts for the benchmarks.
#![allow(dead_code, clippy::indexing_slicing, clippy::string_slice)]

/// A small deterministic generator (no dependency, same numbers everywhere).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

pub const CATEGORIES: &[&str] = &[
    "refund",
    "billing",
    "password_reset",
    "shipping",
    "outage",
    "legal",
    "other",
];
pub const VALUES: &[&str] = &["free", "pro", "business", "enterprise", "vip"];
pub const SENTIMENTS: &[&str] = &["hostile", "angry", "negative", "neutral", "positive"];
pub const RISKS: &[&str] = &[
    "legal",
    "financial",
    "security",
    "compliance",
    "account_access",
    "payment",
];

pub const HEADER: &str = r#"policy "generated"
field value: level { free < pro < business < enterprise < vip }
field category: enum { refund, billing, password_reset, shipping, outage, legal, other }
field confidence: number 0..1
field sentiment: level { hostile < angry < negative < neutral < positive }
field risk: set { legal, financial, security, compliance, account_access, payment }
field repeat_contacts: int 0..
field churn_signal: bool
field message: text
queue "q0"
queue "q1"
queue "q2"
queue "q3"
ticket requires question, history
automation by category {
  password_reset, shipping => answer
  billing => draft
  legal => human "q0"
  otherwise => answer
}
"#;

/// An escalation policy with `n` rules, each aimed at one situation (a
/// category, a customer level, a mood, a confidence band), as decision
/// tables are written: a few rules match any one conversation.
pub fn policy(n: usize, seed: u64) -> String {
    let mut r = Lcg(seed);
    let mut s = String::from(HEADER);
    for i in 0..n {
        let extra = match r.below(4) {
            0 => format!("risk has any {{ {}, {} }}", r.pick(RISKS), r.pick(RISKS)),
            1 => format!("repeat_contacts >= {}", 1 + r.below(5)),
            2 => format!(
                "(churn_signal or message contains \"{}\")",
                ["cancel", "refund", "lawyer"][r.below(3) as usize]
            ),
            _ => format!("confidence < {}", (r.below(90) + 10) as f64 / 100.0),
        };
        let cond = format!(
            "category = {} and value = {} and sentiment = {} and {extra}",
            r.pick(CATEGORIES),
            r.pick(VALUES),
            r.pick(SENTIMENTS)
        );
        let action = match r.below(4) {
            0 => "draft".to_string(),
            1 | 2 => format!("route \"q{}\"", r.below(4)),
            _ => format!("human \"q{}\"", r.below(4)),
        };
        let pri = ["low", "normal", "high", "urgent"][r.below(4) as usize];
        s.push_str(&format!(
            "rule \"r{i}\" when {cond} then {action} priority {pri} tag \"t{}\"\n",
            r.below(20)
        ));
    }
    s
}

/// Broad rules (about one in eight matches any conversation): the worst
/// case, where the decision's `matched` list itself grows with the policy.
pub fn policy_broad(n: usize, seed: u64) -> String {
    let mut r = Lcg(seed);
    let mut s = String::from(HEADER);
    for i in 0..n {
        let atom = |r: &mut Lcg| -> String {
            match r.below(8) {
                0 => format!("category = {}", r.pick(CATEGORIES)),
                1 => format!("value >= {}", r.pick(VALUES)),
                2 => format!("confidence < {}", (r.below(99) + 1) as f64 / 100.0),
                3 => format!("sentiment <= {}", r.pick(SENTIMENTS)),
                4 => format!("risk has any {{ {}, {} }}", r.pick(RISKS), r.pick(RISKS)),
                5 => format!("repeat_contacts >= {}", r.below(10)),
                6 => "churn_signal".to_string(),
                _ => format!(
                    "category in {{ {}, {} }}",
                    r.pick(CATEGORIES),
                    r.pick(CATEGORIES)
                ),
            }
        };
        let cond = match r.below(3) {
            0 => format!("{} and {}", atom(&mut r), atom(&mut r)),
            1 => format!(
                "({} or {}) and {}",
                atom(&mut r),
                atom(&mut r),
                atom(&mut r)
            ),
            _ => format!("{} and {} and {}", atom(&mut r), atom(&mut r), atom(&mut r)),
        };
        let action = match r.below(4) {
            0 => "draft".to_string(),
            1 | 2 => format!("route \"q{}\"", r.below(4)),
            _ => format!("human \"q{}\"", r.below(4)),
        };
        let pri = ["low", "normal", "high", "urgent"][r.below(4) as usize];
        s.push_str(&format!(
            "rule \"r{i}\" when {cond} then {action} priority {pri} tag \"t{}\"\n",
            r.below(20)
        ));
    }
    s
}

/// One realistic set of facts as JSON.
pub fn facts_json(r: &mut Lcg) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("category".into(), r.pick(CATEGORIES).into());
    m.insert("value".into(), r.pick(VALUES).into());
    if r.below(10) > 0 {
        m.insert("confidence".into(), ((r.below(101)) as f64 / 100.0).into());
    }
    m.insert("sentiment".into(), r.pick(SENTIMENTS).into());
    let risks: Vec<&str> = (0..r.below(3)).map(|_| r.pick(RISKS)).collect();
    m.insert("risk".into(), risks.into());
    m.insert("repeat_contacts".into(), r.below(6).into());
    m.insert("churn_signal".into(), (r.below(5) == 0).into());
    m.insert(
        "message".into(),
        [
            "where is my parcel?",
            "I want a refund now",
            "cancel my account",
            "thanks!",
        ][r.below(4) as usize]
            .into(),
    );
    serde_json::Value::Object(m)
}

/// One conversation line for `simulate`.
pub fn conversation_line(r: &mut Lcg, id: usize) -> String {
    let f = facts_json(r);
    let turns = 1 + r.below(3);
    let mut t = Vec::new();
    for k in 0..turns {
        t.push(serde_json::json!({"role": "customer", "text": format!("message {k}"), "facts": {"confidence": (r.below(101) as f64) / 100.0}}));
        t.push(serde_json::json!({"role": "agent", "text": "answer"}));
    }
    serde_json::json!({
        "id": format!("c-{id}"), "facts": f, "turns": t,
        "expected": {"escalate": r.below(2) == 0, "queue": format!("q{}", r.below(4))},
        "context": {"question": "q", "history": true}, "resolution_minutes": r.below(300),
    })
    .to_string()
}
