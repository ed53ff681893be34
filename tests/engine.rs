//! Differential test: the compiled decision table against a direct
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]
//! interpretation of the syntax tree, on random policies and random facts.
//! `HANDOVER_CASES=1000000 cargo test --release --test engine` runs more.

use handover::syntax::ast::{CmpOp, Cond, LitKind, Literal, StmtKind, Test};
use handover::Policy;
use proptest::prelude::*;
use serde_json::{json, Value};

const CATS: [&str; 4] = ["refund", "billing", "legal", "other"];
const LEVELS: [&str; 4] = ["free", "pro", "business", "vip"];
const RISKS: [&str; 3] = ["legal", "payment", "security"];
const OPS: [&str; 6] = ["=", "!=", "<", "<=", ">", ">="];
const QUEUES: [&str; 3] = ["a", "b", "c"];
// with letters whose lower case is not their case folding (`İ`, a final
// `Σ`): `contains` lowers both sides, in the table as in the SPEC reading
const TEXTS: [&str; 9] = [
    "",
    "ab",
    "xAB y",
    "cancel now",
    "refund please",
    "hello",
    "İstanbul",
    "ΟΔΟΣ",
    "ΟΣΑ",
];

const HEADER: &str = r#"
field category: enum { refund, billing, legal, other }
field value: level { free < pro < business < vip }
field confidence: number 0..1
field count: int 0..
field churn: bool
field risk: set { legal, payment, security }
field message: text
field tags: set { t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12 }
let sure = 55%
queue "a"
queue "b"
queue "c"
ticket requires question
"#;

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..4usize, any::<bool>()).prop_map(|(v, ne)| format!(
            "category {} {}",
            if ne { "!=" } else { "=" },
            CATS[v]
        )),
        (0..6usize, 0..4usize).prop_map(|(op, v)| format!("value {} {}", OPS[op], LEVELS[v])),
        (0..6usize, 0..=10u32).prop_map(|(op, v)| format!(
            "confidence {} {}",
            OPS[op],
            f64::from(v) / 10.0
        )),
        (0..6usize).prop_map(|op| format!("confidence {} sure", OPS[op])),
        (0..6usize, 0..=4u32).prop_map(|(op, v)| format!("count {} {}", OPS[op], v)),
        Just("churn".to_string()),
        any::<bool>().prop_map(|b| format!("churn = {b}")),
        (prop::collection::vec(0..4usize, 1..3), any::<bool>()).prop_map(|(vs, not)| {
            let names: Vec<&str> = vs.iter().map(|i| CATS[*i]).collect();
            format!(
                "category {}in {{ {} }}",
                if not { "not " } else { "" },
                names.join(", ")
            )
        }),
        (prop::collection::vec(0..4usize, 1..3)).prop_map(|vs| {
            let names: Vec<&str> = vs.iter().map(|i| LEVELS[*i]).collect();
            format!("value in {{ {} }}", names.join(", "))
        }),
        (0..3usize).prop_map(|v| format!("risk has {}", RISKS[v])),
        (prop::collection::vec(0..3usize, 1..3), any::<bool>()).prop_map(|(vs, all)| {
            let names: Vec<&str> = vs.iter().map(|i| RISKS[*i]).collect();
            format!(
                "risk has {} {{ {} }}",
                if all { "all" } else { "any" },
                names.join(", ")
            )
        }),
        // 13 values: more than the evaluator's per-subset index takes, so
        // this field goes through the per-clause path
        (prop::collection::vec(0..13usize, 1..3), 0..3usize).prop_map(|(vs, how)| {
            let names: Vec<String> = vs.iter().map(|i| format!("t{i}")).collect();
            match how {
                0 => format!("tags has {}", names[0]),
                1 => format!("tags has any {{ {} }}", names.join(", ")),
                _ => format!("tags has all {{ {} }}", names.join(", ")),
            }
        }),
        (0..7usize).prop_map(|i| [
            "message contains \"ab\"",
            "message matches \"^ab\"",
            "message = \"ab\"",
            "message matches \"(?i)cancel|refund\"",
            "message contains \"İ\"",
            "message contains \"σ\"",
            "message contains \"ΟΣ\""
        ][i]
            .to_string()),
        (0..8usize, any::<bool>()).prop_map(|(f, m)| {
            let field = [
                "category",
                "value",
                "confidence",
                "count",
                "churn",
                "risk",
                "message",
                "tags",
            ][f];
            format!("{field} is {}", if m { "missing" } else { "present" })
        }),
    ]
}

fn cond() -> impl Strategy<Value = String> {
    atom().prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|v| format!("({})", v.join(" and "))),
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|v| format!("({})", v.join(" or "))),
            inner.prop_map(|c| format!("not {c}")),
        ]
    })
}

fn rule() -> impl Strategy<Value = String> {
    (
        cond(),
        0..4usize,
        0..4usize,
        0..5usize,
        0..3usize,
        any::<bool>(),
    )
        .prop_map(|(c, act, q, pri, tag, attach)| {
            let queue = QUEUES
                .get(q)
                .map(|q| format!(" \"{q}\""))
                .unwrap_or_default();
            let action = match act {
                0 => "answer".to_string(),
                1 => format!("draft{queue}"),
                2 => format!("route \"{}\"", QUEUES[q % 3]),
                _ => format!("human \"{}\"", QUEUES[q % 3]),
            };
            let mut s = format!("when {c} then {action}");
            if let Some(p) = ["low", "normal", "high", "urgent"].get(pri) {
                s.push_str(&format!(" priority {p}"));
            }
            if tag > 0 {
                s.push_str(&format!(" tag \"t{tag}\""));
            }
            if attach {
                s.push_str(" attach summary, message");
            }
            s
        })
}

fn policy_text() -> impl Strategy<Value = String> {
    (prop::collection::vec(rule(), 1..7), 0..3usize).prop_map(|(rules, auto)| {
        let mut s = HEADER.to_string();
        match auto {
            1 => s.push_str("automation by category {\n  refund => draft \"a\"\n  legal => human \"c\"\n  otherwise => answer\n}\n"),
            2 => s.push_str("automation by value {\n  vip => route \"b\"\n  pro, business => draft\n}\n"),
            _ => {}
        }
        for r in rules {
            s.push_str(&r);
            s.push('\n');
        }
        s
    })
}

fn facts() -> impl Strategy<Value = Value> {
    (
        prop::option::of(0..4usize),
        prop::option::of(0..4usize),
        prop::option::of(prop_oneof![
            (0..=20u32).prop_map(|v| f64::from(v) / 20.0),
            Just(0.55),
            Just(0.549),
            Just(0.551)
        ]),
        prop::option::of(0..6u32),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::collection::vec(0..3usize, 0..3)),
        prop::option::of(0..TEXTS.len()),
        prop::option::of(prop::collection::vec(0..13usize, 0..4)),
    )
        .prop_map(|(c, v, conf, n, churn, risk, msg, tags)| {
            let mut m = serde_json::Map::new();
            if let Some(c) = c {
                m.insert("category".into(), json!(CATS[c]));
            }
            if let Some(v) = v {
                m.insert("value".into(), json!(LEVELS[v]));
            }
            if let Some(x) = conf {
                m.insert("confidence".into(), json!(x));
            }
            if let Some(n) = n {
                m.insert("count".into(), json!(n));
            }
            if let Some(b) = churn {
                m.insert("churn".into(), json!(b));
            }
            if let Some(r) = risk {
                m.insert(
                    "risk".into(),
                    json!(r.iter().map(|i| RISKS[*i]).collect::<Vec<_>>()),
                );
            }
            if let Some(t) = msg {
                m.insert("message".into(), json!(TEXTS[t]));
            }
            if let Some(t) = tags {
                let names: Vec<String> = t.iter().map(|i| format!("t{i}")).collect();
                m.insert("tags".into(), json!(names));
            }
            Value::Object(m)
        })
}

// ---- the reference interpreter: the syntax tree and JSON facts, nothing else

fn rank(name: &str) -> Option<usize> {
    LEVELS.iter().position(|l| *l == name)
}

fn lit_num(l: &Literal) -> f64 {
    match &l.kind {
        LitKind::Number(v) | LitKind::Percent(v) | LitKind::Duration(v) => *v,
        LitKind::Name(n) if n == "sure" => 0.55,
        _ => f64::NAN,
    }
}

fn lit_name(l: &Literal) -> String {
    match &l.kind {
        LitKind::Name(n) => n.clone(),
        LitKind::Str(s) => s.clone(),
        LitKind::Bool(b) => b.to_string(),
        _ => l.text.clone(),
    }
}

fn cmp<T: PartialOrd>(op: CmpOp, a: T, b: T) -> bool {
    match op {
        CmpOp::Eq => a == b,
        CmpOp::Ne => a != b,
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
        CmpOp::Gt => a > b,
        CmpOp::Ge => a >= b,
    }
}

fn holds(c: &Cond, facts: &Value) -> bool {
    match c {
        Cond::Or(p, _) => p.iter().any(|x| holds(x, facts)),
        Cond::And(p, _) => p.iter().all(|x| holds(x, facts)),
        Cond::Not(x, _) => !holds(x, facts),
        Cond::Group(x, _) => holds(x, facts),
        Cond::Atom(a) => {
            let f = a.field.name.as_str();
            let v = facts.get(f).filter(|v| !v.is_null());
            let Some(v) = v else {
                return matches!(a.test, Test::IsMissing);
            };
            match &a.test {
                Test::IsMissing => false,
                Test::IsPresent => true,
                Test::Truthy => v.as_bool() == Some(true),
                Test::Cmp(op, l) => match f {
                    "value" => cmp(*op, rank(v.as_str().unwrap_or("")), rank(&lit_name(l))),
                    "confidence" | "count" => cmp(*op, v.as_f64().unwrap_or(f64::NAN), lit_num(l)),
                    "churn" => cmp(*op, v.as_bool().map(|b| b.to_string()), Some(lit_name(l))),
                    _ => cmp(*op, v.as_str().unwrap_or("").to_string(), lit_name(l)),
                },
                Test::In(ls) => ls.iter().any(|l| v.as_str() == Some(lit_name(l).as_str())),
                Test::NotIn(ls) => !ls.iter().any(|l| v.as_str() == Some(lit_name(l).as_str())),
                Test::Has(l) => v
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(lit_name(l).as_str()))),
                Test::HasAny(ls) => ls.iter().any(|l| {
                    v.as_array()
                        .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(lit_name(l).as_str())))
                }),
                Test::HasAll(ls) => ls.iter().all(|l| {
                    v.as_array()
                        .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(lit_name(l).as_str())))
                }),
                Test::Matches(l) => regex::Regex::new(&lit_name(l))
                    .is_ok_and(|r| r.is_match(v.as_str().unwrap_or(""))),
                // each character's lower case: `Σ` is `σ` wherever it stands
                Test::Contains(l) => {
                    let lower =
                        |s: &str| s.chars().flat_map(char::to_lowercase).collect::<String>();
                    lower(v.as_str().unwrap_or("")).contains(&lower(&lit_name(l)))
                }
            }
        }
    }
}

fn strictness(a: &str) -> usize {
    ["answer", "draft", "route", "human"]
        .iter()
        .position(|x| *x == a)
        .unwrap_or(0)
}

/// A matched rule: name, action, queue, priority rank, tags, attach items.
type Hit = (
    String,
    String,
    Option<String>,
    usize,
    Vec<String>,
    Vec<String>,
);

/// SPEC 2.4, step by step, over the syntax tree.
fn interpret(text: &str, facts: &Value) -> Value {
    let (ast, _) = handover::syntax::parse(0, text);
    let src = handover::span::SourceFile::new("p.handover", text);
    let mut baseline = ("answer".to_string(), None::<String>);
    let mut read: Vec<String> = Vec::new();
    let mut matched: Vec<Hit> = Vec::new();
    for s in &ast.stmts {
        match &s.kind {
            StmtKind::Automation { field, entries } => {
                read.push(field.name.clone());
                let fv = facts.get(&field.name).and_then(Value::as_str);
                let mut chosen = None;
                let mut otherwise = None;
                for e in entries {
                    let a = (
                        e.action.kind.as_str().to_string(),
                        e.action.queue.as_ref().map(|q| q.value.clone()),
                    );
                    if e.otherwise {
                        otherwise = Some(a);
                    } else if e.values.iter().any(|v| Some(v.name.as_str()) == fv) {
                        chosen = Some(a);
                    }
                }
                if let Some(a) = chosen.or(otherwise) {
                    baseline = a;
                }
            }
            StmtKind::Rule(r) => {
                for a in r.cond.atoms() {
                    read.push(a.field.name.clone());
                }
                if holds(&r.cond, facts) {
                    let name = r.name.as_ref().map_or_else(
                        || format!("line {}", src.line_col(r.when_span.start).0),
                        |n| n.value.clone(),
                    );
                    let mut pri = 1;
                    let mut tags = Vec::new();
                    let mut attach = Vec::new();
                    for m in &r.modifiers {
                        match m {
                            handover::syntax::ast::Modifier::Priority(p, _) => {
                                pri = ["low", "normal", "high", "urgent"]
                                    .iter()
                                    .position(|x| *x == p.name)
                                    .unwrap_or(1)
                            }
                            handover::syntax::ast::Modifier::Tag(t, _) => {
                                tags.push(t.value.clone())
                            }
                            handover::syntax::ast::Modifier::Attach(items, _) => {
                                attach.extend(items.iter().map(|i| i.name.clone()))
                            }
                            handover::syntax::ast::Modifier::Note(..) => {}
                        }
                    }
                    matched.push((
                        name,
                        r.action.kind.as_str().to_string(),
                        r.action.queue.as_ref().map(|q| q.value.clone()),
                        pri,
                        tags,
                        attach,
                    ));
                }
            }
            _ => {}
        }
    }
    let mut action = baseline.0.clone();
    for m in &matched {
        if strictness(&m.1) > strictness(&action) {
            action = m.1.clone();
        }
    }
    let mut winner: Option<&Hit> = None;
    for m in matched.iter().filter(|m| m.1 == action) {
        if winner.is_none_or(|w| m.3 > w.3) {
            winner = Some(m);
        }
    }
    let prio = ["low", "normal", "high", "urgent"];
    let (queue, priority) = match (action.as_str(), winner) {
        ("answer", _) => (Value::Null, Value::Null),
        (_, Some(w)) => (json!(w.2), json!(prio[w.3])),
        (_, None) => (json!(baseline.1), json!("normal")),
    };
    let mut tags: Vec<String> = Vec::new();
    let mut attach: Vec<String> = Vec::new();
    if action != "answer" {
        attach.push("question".into());
    }
    for m in &matched {
        for t in &m.4 {
            if !tags.contains(t) {
                tags.push(t.clone());
            }
        }
        if action != "answer" {
            for a in &m.5 {
                if !attach.contains(a) {
                    attach.push(a.clone());
                }
            }
        }
    }
    let fields = [
        "category",
        "value",
        "confidence",
        "count",
        "churn",
        "risk",
        "message",
        "tags",
    ];
    let missing: Vec<&str> = fields
        .iter()
        .copied()
        .filter(|f| read.iter().any(|r| r == f) && facts.get(*f).is_none_or(Value::is_null))
        .collect();
    json!({
        "action": action, "queue": queue, "priority": priority,
        "rule": winner.map(|w| w.0.clone()),
        "matched": matched.iter().map(|m| m.0.clone()).collect::<Vec<_>>(),
        "tags": tags, "attach": attach, "missing": missing,
    })
}

fn cases() -> u32 {
    std::env::var("HANDOVER_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

proptest! {
    // 2,000 policies x 8 facts each = 16,000 decisions compared by default
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn table_agrees_with_the_syntax_tree(text in policy_text(), all_facts in prop::collection::vec(facts(), 8)) {
        let policy = match Policy::from_text("p.handover", &text) {
            Ok(p) => p,
            Err(e) => {
                // only the too-complex guard may refuse a random policy
                let handover::LoadError::Invalid(c) = e else { panic!("{e}") };
                prop_assert!(c.diagnostics.iter().filter(|d| d.is_error()).all(|d| d.code == handover::Code::TooComplex),
                    "unexpected errors: {:?}\n{text}", c.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>());
                return Ok(());
            }
        };
        for f in &all_facts {
            let facts = policy.facts(f).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(policy.facts_from_str(&f.to_string()), Ok(facts.clone()));
            let d = policy.decide(&facts);
            let got = json!({
                "action": d.action.as_str(), "queue": d.queue, "priority": d.priority.map(|p| p.as_str()),
                "rule": d.rule, "matched": d.matched, "tags": d.tags, "attach": d.attach, "missing": d.missing,
            });
            let want = interpret(&text, f);
            prop_assert_eq!(&got, &want, "policy:\n{}\nfacts: {}", text, f);
        }
    }
}

// ---- the formatter keeps the meaning and is idempotent

fn strip_spans(text: &str) -> String {
    let (ast, _) = handover::syntax::parse(0, text);
    let dbg = format!(
        "{:?}",
        ast.stmts.iter().map(|s| &s.kind).collect::<Vec<_>>()
    );
    regex::Regex::new(r"Span \{ file: \d+, start: \d+, end: \d+ \}")
        .unwrap()
        .replace_all(&dbg, "Span")
        .into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases() / 4, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fmt_keeps_meaning_and_is_idempotent(text in policy_text()) {
        let once = handover::fmt::format_source(&text).expect("well-formed policies format");
        let twice = handover::fmt::format_source(&once).expect("formatted text parses");
        prop_assert_eq!(&once, &twice, "not idempotent");
        prop_assert_eq!(strip_spans(&text), strip_spans(&once), "meaning changed:\n{}\n---\n{}", text, once);
    }

    #[test]
    fn fmt_keeps_comments_with_their_statements(text in policy_text(), choices in prop::collection::vec(0..10u8, 96)) {
        let commented = with_comments(&text, &choices);
        let once = handover::fmt::format_source(&commented).expect("well-formed policies format");
        let twice = handover::fmt::format_source(&once).expect("formatted text parses");
        prop_assert_eq!(&once, &twice, "not idempotent:\n{}", commented);
        prop_assert_eq!(strip_spans(&commented), strip_spans(&once), "meaning changed:\n{}\n---\n{}", commented, once);
        prop_assert_eq!(comment_owners(&commented), comment_owners(&once), "a comment moved to another statement:\n{}\n---\n{}", commented, once);
    }
}

/// The policy with comments where authors put them: above and at the end
/// of lines, and ending or between the lines of a statement broken before
/// `or`, `and` or `then`, which the formatter may join again.
fn with_comments(text: &str, choices: &[u8]) -> String {
    let mut pick = choices.iter().cycle().copied();
    let mut n = 0;
    let mut out = String::new();
    for line in text.lines() {
        let mut l = line.to_string();
        if !line.starts_with("field") && !line.starts_with("queue") {
            for word in [" or ", " and ", " then "] {
                let parts: Vec<&str> = l.split(word).collect();
                let mut joined = parts.first().copied().unwrap_or("").to_string();
                for part in parts.iter().skip(1) {
                    n += 1;
                    match pick.next().unwrap_or(0) {
                        0..=2 => joined.push_str(&format!("  # b{n}\n   {word}{part}")),
                        3..=4 => joined.push_str(&format!("\n  # i{n}\n   {word}{part}")),
                        _ => joined.push_str(&format!("{word}{part}")),
                    }
                }
                l = joined;
            }
        }
        if !l.trim().is_empty() && pick.next().unwrap_or(0) < 3 {
            n += 1;
            l.push_str(&format!("  # e{n}"));
        }
        if pick.next().unwrap_or(0) < 1 {
            n += 1;
            out.push_str(&format!("# o{n}\n"));
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// Each comment and the statement it belongs to: the one around it, else
/// the one whose line it ends, else the next one.
fn comment_owners(text: &str) -> Vec<(String, usize)> {
    let (ast, _) = handover::syntax::parse(0, text);
    let mut owners: Vec<(String, usize)> = ast
        .comments
        .iter()
        .map(|c| {
            let at = c.span.start;
            let inside = ast
                .stmts
                .iter()
                .position(|s| s.span.start < at && at < s.span.end);
            let owner = inside.unwrap_or_else(|| {
                if c.trailing {
                    ast.stmts
                        .iter()
                        .rposition(|s| s.span.start < at)
                        .unwrap_or(usize::MAX)
                } else {
                    ast.stmts
                        .iter()
                        .position(|s| s.span.start > at)
                        .unwrap_or(usize::MAX)
                }
            });
            (c.text.clone(), owner)
        })
        .collect();
    owners.sort();
    owners
}

// ---- analysis: what it reports is true on sampled facts

fn decision_key(p: &Policy, f: &Value) -> (String, Option<String>, Option<String>) {
    let facts = p.facts(f).unwrap();
    let d = p.decide(&facts);
    (
        d.action.as_str().to_string(),
        d.queue.map(str::to_string),
        d.priority.map(|x| x.as_str().to_string()),
    )
}

proptest! {
    // pairs too large to compare exactly are skipped (about one in eight):
    // allow that many skips at any number of cases
    #![proptest_config(ProptestConfig { cases: cases() / 4, max_global_rejects: cases().max(1024), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn analysis_findings_hold_on_samples(text in policy_text(), samples in prop::collection::vec(facts(), 24)) {
        let Ok(policy) = Policy::from_text("p.handover", &text) else { return Ok(()) };
        let model = policy.model();
        for d in policy.diagnostics() {
            let line = policy.checked().files[0].line_col(d.span.start).0;
            let Some(ri) = model.rules.iter().position(|r| policy.checked().files[0].line_col(r.span.start).0 == line) else { continue };
            let rule = &model.rules[ri];
            match d.code {
                handover::Code::ShadowedRule => {
                    // never the winner, and removing it changes no decision
                    let without: String = text.lines().enumerate().filter(|(i, _)| i + 1 != line).map(|(_, l)| format!("{l}\n")).collect();
                    let other = Policy::from_text("p.handover", &without).unwrap();
                    for f in &samples {
                        let facts = policy.facts(f).unwrap();
                        prop_assert_ne!(policy.decide(&facts).rule, Some(rule.name.as_str()), "shadowed rule won\n{}\n{}", text, f);
                        prop_assert_eq!(decision_key(&policy, f), decision_key(&other, f), "removing a shadowed rule changed a decision\n{}\n{}", text, f);
                    }
                }
                handover::Code::Unsatisfiable if d.message.starts_with("the condition") => {
                    for f in &samples {
                        let facts = policy.facts(f).unwrap();
                        prop_assert!(!policy.decide(&facts).matched.contains(&rule.name.as_str()), "unsatisfiable rule matched\n{}\n{}", text, f);
                    }
                }
                handover::Code::AlwaysTrue => {
                    for f in &samples {
                        let facts = policy.facts(f).unwrap();
                        prop_assert!(policy.decide(&facts).matched.contains(&rule.name.as_str()), "always-true rule did not match\n{}\n{}", text, f);
                    }
                }
                _ => {}
            }
        }
        // a policy against itself: no difference
        let same = handover::analyze::diff::diff(&policy, &policy);
        prop_assert!(same.changes.is_empty());
    }

    #[test]
    fn diff_regions_are_exact(a in policy_text(), b in policy_text(), samples in prop::collection::vec(facts(), 24)) {
        let (Ok(pa), Ok(pb)) = (Policy::from_text("a.handover", &a), Policy::from_text("b.handover", &b)) else { return Ok(()) };
        let result = handover::analyze::diff::diff(&pa, &pb);
        prop_assume!(!result.incomplete);
        // each region's condition, written as a rule, holds exactly inside it
        // (a condition longer than the language's limit on rows is skipped)
        let described: Vec<Option<Policy>> = result
            .changes
            .iter()
            .map(|c| {
                // "always": the whole space
                let condition = match c.condition.as_str() {
                    "always" => "category is missing or category is present",
                    other => other,
                };
                let text = format!("{HEADER}when {condition} then human \"a\"\n");
                match Policy::from_text("region.handover", &text) {
                    Ok(p) => Some(p),
                    Err(handover::LoadError::Invalid(k))
                        if k.diagnostics.iter().filter(|d| d.is_error()).all(|d| d.code.as_str() == "too-complex") => None,
                    Err(handover::LoadError::Invalid(k)) => {
                        let errors: Vec<String> = k.diagnostics.iter().map(|d| format!("{}: {}", d.code.as_str(), d.message)).collect();
                        panic!("the condition does not compile: {}\n{errors:#?}", c.condition)
                    }
                    Err(e) => panic!("{e}"),
                }
            })
            .collect();
        for f in &samples {
            let differ = decision_key(&pa, f) != decision_key(&pb, f);
            let Some(point) = result.space.locate(f) else {
                let cols: Vec<String> = result.space.cols.iter().map(|c| format!("{} {:?} {:?}", c.name, c.atoms, c.ranges)).collect();
                panic!("no atom for {f}\n{}", cols.join("\n"));
            };
            let inside = result.changes.iter().any(|c| handover::analyze::space::Space::contains(&c.region, &point));
            prop_assert_eq!(differ, inside, "facts {} differ={} but inside a region={}\nOLD\n{}\nNEW\n{}", f, differ, inside, a, b);
            for (c, p) in result.changes.iter().zip(&described) {
                let Some(Ok(facts)) = p.as_ref().map(|p| p.facts(f)) else { continue };
                let Some(p) = p else { continue };
                let holds = !p.decide(&facts).matched.is_empty();
                let within = handover::analyze::space::Space::contains(&c.region, &point);
                prop_assert_eq!(holds, within, "facts {} inside={} but the condition `{}` holds={}\nOLD\n{}\nNEW\n{}", f, within, c.condition, holds, a, b);
            }
        }
    }
}

/// Any JSON value, small: what a facts line may hold by mistake.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..30).prop_map(Value::from),
        prop_oneof![Just(0.5), Just(-0.0), Just(1e300), Just(0.55)].prop_map(Value::from),
        prop_oneof![
            Just("refund"),
            Just("vip"),
            Just("legal"),
            Just("t3"),
            Just("nope"),
            Just("")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec(inner, 0..2).prop_map(|v| {
                Value::Object(
                    v.into_iter()
                        .enumerate()
                        .map(|(i, x)| (format!("k{i}"), x))
                        .collect(),
                )
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases() / 4, failure_persistence: None, ..ProptestConfig::default() })]

    /// The fast reader of facts lines (`facts_from_str`) and the public
    /// `serde_json::Value` path agree on every object, good or bad, also
    /// when a key is given twice (the last value wins).
    #[test]
    fn facts_from_text_agree_with_facts_from_value(
        entries in prop::collection::vec((0..10usize, any_json()), 0..6),
    ) {
        let policy = Policy::from_text("p.handover", HEADER).unwrap();
        let keys = ["category", "value", "confidence", "count", "churn", "risk", "message", "tags", "other", "sure"];
        let body: Vec<String> = entries
            .iter()
            .map(|(k, v)| format!("{}: {}", json!(keys[*k]), v))
            .collect();
        let text = format!("{{{}}}", body.join(", "));
        let value: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(policy.facts_from_str(&text), policy.facts(&value), "{}", text);
    }
}

// ---- numbers at every magnitude: past 2^53 adding 1 changes nothing, and
// the table's regions must still be told apart

fn magnitude() -> impl Strategy<Value = f64> {
    let base = prop_oneof![
        Just(0.0),
        Just(0.1),
        Just(0.57),
        Just(1e15),
        Just(1e16),
        Just(9_007_199_254_740_992.0),
        Just(7.922_816_251_426_434e28),
        Just(1e300),
        -1e20..1e20f64,
    ];
    (base, any::<bool>(), 0..3u8).prop_map(|(x, neg, step)| {
        let x = if neg { -x } else { x };
        match step {
            0 => x,
            1 => handover::check::interval::next_up(x),
            _ => handover::check::interval::next_down(x),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn comparisons_hold_at_every_magnitude(tests in prop::collection::vec((0..6usize, magnitude()), 1..5), x in magnitude(), whole in any::<bool>()) {
        let ops = ["=", "!=", "<", "<=", ">", ">="];
        // an int field takes whole numbers only, in the policy and the facts
        let num = |v: f64| if whole { v.trunc() } else { v };
        let mut text = format!("field n: {}\nqueue \"q\"\n", if whole { "int" } else { "number" });
        for (i, (op, lit)) in tests.iter().enumerate() {
            text.push_str(&format!("rule \"r{i}\" when n {} {} then route \"q\"\n", ops[*op], num(*lit)));
        }
        let policy = Policy::from_text("p.handover", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let x = num(x);
        let facts = policy.facts(&json!({"n": x})).unwrap();
        let d = policy.decide(&facts);
        for (i, (op, lit)) in tests.iter().enumerate() {
            let lit = num(*lit);
            let want = match *op { 0 => x == lit, 1 => x != lit, 2 => x < lit, 3 => x <= lit, 4 => x > lit, _ => x >= lit };
            let name = format!("r{i}");
            prop_assert_eq!(d.matched.contains(&name.as_str()), want, "n = {} against rule {}\n{}", x, name, text);
        }
    }
}

proptest! {
    // the crate's next_up/next_down stand in for std's (Rust 1.86+)
    #[test]
    #[allow(clippy::incompatible_msrv)]
    fn next_float_matches_std(x in any::<f64>()) {
        use handover::check::interval::{next_down, next_up};
        prop_assert_eq!(next_up(x).to_bits(), x.next_up().to_bits());
        prop_assert_eq!(next_down(x).to_bits(), x.next_down().to_bits());
    }
}

proptest! {
    // a quoted name reads back as itself, whatever backslashes, quotes and
    // line breaks it holds (fmt writes names with `quote`)
    #[test]
    fn quoted_names_read_back(chars in prop::collection::vec(prop_oneof![Just('a'), Just('n'), Just('\\'), Just('"'), Just('\n'), Just('é')], 0..12)) {
        let value: String = chars.into_iter().collect();
        let quoted = handover::syntax::quote(&value);
        let body = &quoted[1..quoted.len() - 1];
        prop_assert_eq!(handover::syntax::unescape(body), value.clone(), "{}", quoted);
        // and the grammar takes it as one string
        let text = format!("field f: bool\nqueue {quoted}\n");
        let (ast, diags) = handover::syntax::parse(0, &text);
        prop_assert!(diags.is_empty(), "{:?}", diags);
        let StmtKind::Queue { name, .. } = &ast.stmts[1].kind else { panic!("{text}") };
        prop_assert_eq!(&name.value, &value);
    }
}
