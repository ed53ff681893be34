//! `simulate` against KPIs worked out by hand, and parallel = sequential.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use serde_json::{json, Value};
use std::process::Command;

fn handover(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_handover"))
        .args(args)
        .output()
        .expect("run handover");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/simulate");

/// `simulate --format json` of a policy on conversations, both written to a
/// scratch folder of their own; the run must succeed.
fn simulate_json(name: &str, policy: &str, conversations: &[Value]) -> Value {
    let (code, report) = simulate_run(name, policy, conversations);
    assert_eq!(code, 0, "{report}");
    report
}

/// `simulate --format json` as [`simulate_json`]: its exit status and report.
fn simulate_run(name: &str, policy: &str, conversations: &[Value]) -> (i32, Value) {
    let dir = tempdir().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("p.handover");
    std::fs::write(&p, policy).unwrap();
    let convs = dir.join("c.jsonl");
    let text: String = conversations.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&convs, text).unwrap();
    let (code, out, err) = handover(&[
        "simulate",
        p.to_str().unwrap(),
        "--conversations",
        convs.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    (code, report)
}

#[test]
fn kpis_match_the_hand_computation() {
    let (code, out, err) = handover(&[
        "simulate",
        &format!("{DIR}/policy.handover"),
        "--conversations",
        &format!("{DIR}/conversations.jsonl"),
        "--format",
        "json",
    ]);
    // two bad lines (7: undeclared value, 9: not JSON): reported, exit 1
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let r: Value = serde_json::from_str(&out).expect("JSON report");
    // Valid conversations: c1 c2 c3 c4 c5 c6 c10 (line 8 is blank).
    assert_eq!(r["conversations"], 7);
    assert_eq!(r["lines"], 10);
    let lines: Vec<u64> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![7, 9]);
    // escalated: c2 (human by baseline, no customer turn: turn 0), c3 (turn 1),
    // c4 (agent confidence then customer turn 2), c5 (no customer turn: 0),
    // c6 (message "agent" on turn 3). Expected booleans: c1 F, c2 T, c3 F,
    // c4 T, c6 T, c10 F; c5 has none.
    // TP c2 c4 c6 = 3, FP c3 = 1, FN 0, TN c1 c10 = 2
    assert_eq!(
        r["confusion"],
        json!({"true_positive": 3, "false_positive": 1, "false_negative": 0, "true_negative": 2})
    );
    let k = &r["kpis"];
    assert_eq!(k["precision"], json!(0.75)); // 3 / 4
    assert_eq!(k["missed"], json!(0.0)); // 0 / 3
    assert_eq!(k["automation"], json!(2.0 / 7.0)); // c1, c10 answered
                                                   // tickets c2 c3 c4 c5 c6; complete: c2 (question), c5 (question from
                                                   // context), c6 (question + history); c3 has no context, c4's question is ""
    assert_eq!(k["completeness"], json!(0.6));
    // expected queue named by escalations c2 (legal, right), c4 (legal, got
    // billing), c6 (billing, right)
    assert_eq!(k["routing"], json!(2.0 / 3.0));
    // legal: [30]; billing: c3 10, c4 50, c5 20, c6 40 -> median 30
    assert_eq!(k["resolution"], json!({"billing": 30.0, "legal": 30.0}));
    assert_eq!(k["gaps"], json!({"missing-knowledge": 3, "slow": 1}));
    assert_eq!(r["handoff_turns"], json!({"0": 2, "1": 1, "2": 1, "3": 1}));
    assert_eq!(
        r["rule_stats"]["asks for human"],
        json!({"matched": 1, "won": 1})
    );
    assert_eq!(
        r["rule_stats"]["long chat"],
        json!({"matched": 1, "won": 0})
    );
    assert_eq!(r["rules_never_won"], json!(["long chat"]));
    // the conversations behind the misses: c3 escalated unexpectedly, c3 and
    // c4 lack the required `question`, c4 went to billing instead of legal
    let case = |id: &str, line: u64| json!({"id": id, "line": line, "action": "route", "queue": "billing", "rule": "unsure"});
    let with = |mut c: Value, k: &str, v: Value| {
        c[k] = v;
        c
    };
    assert_eq!(
        r["cases"],
        json!({
            "false_escalations": {"count": 1, "first": [case("c3", 3)]},
            "missed_escalations": {"count": 0, "first": []},
            "incomplete_tickets": {"count": 2, "first": [
                with(case("c3", 3), "absent", json!(["question"])),
                with(case("c4", 4), "absent", json!(["question"])),
            ]},
            "misrouted": {"count": 1, "first": [with(case("c4", 4), "expected_queue", json!("legal"))]},
        })
    );
}

/// The final decision is made at the last customer turn: facts an agent
/// turn gives after it complete no ticket, with or without a handoff.
#[test]
fn facts_after_the_final_decision_do_not_complete_its_ticket() {
    let policy = "field cat: enum { a, b }\nqueue \"q\"\nticket requires question\nautomation by cat {\n  b => route \"q\"\n  otherwise => draft\n}\n";
    let late = |id: &str, cat: &str| {
        json!({"id": id, "facts": {"cat": cat}, "turns": [
            {"role": "customer", "text": "hi"},
            {"role": "agent", "text": "ok", "facts": {"question": "late"}}]})
    };
    let r = simulate_json(
        "late-facts",
        policy,
        &[late("handoff", "b"), late("draft", "a")],
    );
    assert_eq!(r["tickets"], json!({"total": 2, "complete": 0}), "{r}");
    assert_eq!(r["actions"], json!({"draft": 1, "route": 1}), "{r}");
}

/// The report keeps the first ten conversations of each kind of miss, in
/// input order, with the full count; the terminal shows five.
#[test]
fn cases_keep_the_first_ten_and_the_count() {
    let policy = "field c: enum { a, b }\nqueue \"q\"\nwhen c = b then route \"q\"\n";
    let convs: Vec<Value> = (0..12)
        .map(
            |i| json!({"id": format!("m{i}"), "facts": {"c": "a"}, "expected": {"escalate": true}}),
        )
        .collect();
    let r = simulate_json("cases-cap", policy, &convs);
    let missed = &r["cases"]["missed_escalations"];
    assert_eq!(missed["count"], 12);
    let ids: Vec<&str> = missed["first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, (0..10).map(|i| format!("m{i}")).collect::<Vec<_>>());
    assert_eq!(
        missed["first"][0],
        json!({"id": "m0", "line": 1, "action": "answer", "queue": null, "rule": null})
    );

    let dir = tempdir().join("cases-cap");
    let (code, out, _) = handover(&[
        "simulate",
        dir.join("p.handover").to_str().unwrap(),
        "--conversations",
        dir.join("c.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains(
            "missed escalations (12, the first 5)\n    line 1      m0                   answer\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("line 5      m4") && !out.contains("line 6      m5"),
        "{out}"
    );
}

#[test]
fn empty_denominators_are_null() {
    let dir = tempdir();
    let convs = dir.join("c.jsonl");
    // one conversation, answered, without `expected`
    std::fs::write(
        &convs,
        "{\"id\": 1, \"facts\": {\"category\": \"other\", \"confidence\": 0.9}}\n",
    )
    .unwrap();
    let (code, out, err) = handover(&[
        "simulate",
        &format!("{DIR}/policy.handover"),
        "--conversations",
        convs.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    for kpi in ["precision", "missed", "completeness", "routing"] {
        assert_eq!(r["kpis"][kpi], Value::Null, "{kpi}");
    }
    assert_eq!(r["kpis"]["automation"], json!(1.0));
}

#[test]
fn the_filled_message_and_turns_complete_a_ticket() {
    let policy = "field message: text\nfield turns: int\nfield order: text\nqueue \"q\"\n\
         rule \"a\" when turns >= 2 then route \"q\" attach message, turns\n\
         rule \"b\" when turns = 1 then draft attach turns, order\n";
    let customer = |text: &str| json!({"role": "customer", "text": text});
    let r = simulate_json(
        "filled",
        policy,
        &[
            // routed on the second customer turn: message and turns filled
            json!({"id": "1", "turns": [customer("hello"), customer("still broken")]}),
            // a draft after one turn: `order` is nowhere, so incomplete
            json!({"id": "2", "turns": [customer("hello")]}),
            // the same with `order` in the context: complete
            json!({"id": "3", "turns": [customer("hello")], "context": {"order": "A-1"}}),
        ],
    );
    assert_eq!(r["tickets"], json!({"total": 3, "complete": 2}), "{r}");
}

/// A label or figure of the wrong kind is an error record naming it; the
/// conversation is not quietly left out of one KPI.
#[test]
fn wrong_kinds_of_labels_are_errors() {
    let policy = "field turns: int 0..2\nfield message: text\nqueue \"q\"\nrule \"late\" when turns = 2 and message contains \"third\" then route \"q\"\n";
    let customer = json!({"role": "customer", "text": "hi"});
    let lines = [
        json!({"id": "text", "turns": [{"role": "customer", "text": 5}]}),
        json!({"id": "expected", "turns": [customer], "expected": "yes"}),
        json!({"id": "escalate", "turns": [customer], "expected": {"escalate": "yes"}}),
        json!({"id": "queue", "turns": [customer], "expected": {"queue": 3}}),
        json!({"id": "context", "turns": [customer], "context": "ctx"}),
        json!({"id": "minutes", "turns": [customer], "resolution_minutes": "abc"}),
        json!({"id": "negative", "turns": [customer], "resolution_minutes": -5}),
        // the third customer turn on `int 0..2`: turns is 2 ("2 or more")
        json!({"id": "good", "turns": [customer, customer, {"role": "customer", "text": "third"}]}),
    ];
    let (code, r) = simulate_run("kinds", policy, &lines);
    assert_eq!(code, 1);
    let errors: Vec<(String, String)> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().to_string(),
                e["error"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let ids: Vec<&str> = errors.iter().map(|(i, _)| i.as_str()).collect();
    assert_eq!(
        ids,
        ["text", "expected", "escalate", "queue", "context", "minutes", "negative"],
        "{errors:?}"
    );
    for (id, e) in &errors {
        let named = if id == "negative" {
            "resolution_minutes"
        } else {
            id.as_str()
        };
        assert!(e.contains(named), "{id}: {e}");
    }
    assert_eq!(r["conversations"], 1);
    assert_eq!(
        r["handoff_turns"],
        json!({"3": 1}),
        "turns stays in its range: {r}"
    );
}

#[test]
fn a_later_null_clears_a_fact() {
    let policy = "field confidence: number 0..1\nqueue \"kb\"\n\
         rule \"unsure\" when confidence is missing then route \"kb\" attach confidence\n";
    let turn = |facts: Value| json!({"role": "customer", "text": "hi", "facts": facts});
    let r = simulate_json(
        "null",
        policy,
        &[
            // the turn's null wins over the conversation's 0.9: missing, routed
            json!({"id": "cleared", "facts": {"confidence": 0.9}, "turns": [turn(json!({"confidence": null}))]}),
            // a turn without the key changes nothing: answered
            json!({"id": "kept", "facts": {"confidence": 0.9}, "turns": [turn(json!({}))]}),
        ],
    );
    assert_eq!(r["kpis"]["automation"], json!(0.5), "{r}");
    // the routed ticket attaches the cleared fact: incomplete
    assert_eq!(r["tickets"], json!({"total": 1, "complete": 0}), "{r}");
}

#[test]
fn knowledge_gap_tags_come_first() {
    let policy = "field topic: enum { refund, other }\nqueue \"kb\"\n\
         rule \"refund gap\" when topic = refund then route \"kb\" tag \"missing-knowledge:refunds\"\n\
         rule \"all\" when topic is present then draft tag \"seen\"\n";
    let r = simulate_json(
        "gaps",
        policy,
        &[
            json!({"id": 1, "facts": {"topic": "refund"}}),
            json!({"id": 2, "facts": {"topic": "other"}}),
            json!({"id": 3, "facts": {"topic": "other"}}),
        ],
    );
    let tags: Vec<&String> = r["kpis"]["gaps"].as_object().unwrap().keys().collect();
    assert_eq!(tags, ["missing-knowledge:refunds", "seen"], "{r}");
}

#[test]
fn gates_fail_with_the_kpi_named() {
    let (code, _, err) = handover(&[
        "simulate",
        &format!("{DIR}/policy.handover"),
        "--conversations",
        &format!("{DIR}/conversations.jsonl"),
        "--format",
        "json",
        "--fail-under",
        "precision=0.9",
        "--fail-over",
        "missed=0.5",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("`precision` is 75%, under the required 90%"),
        "{err}"
    );
    assert!(!err.contains("`missed`"), "{err}");

    // a percentage without its `%` would never pass: refused, with the fix
    let (code, _, err) = handover(&[
        "simulate",
        &format!("{DIR}/policy.handover"),
        "--conversations",
        &format!("{DIR}/conversations.jsonl"),
        "--fail-under",
        "precision=90",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`precision=0.9` or `precision=90%`"), "{err}");
}

#[test]
fn baseline_shows_the_change() {
    let dir = tempdir();
    let base = dir.join("base.json");
    std::fs::write(&base, r#"{"kpis": {"precision": 0.5, "missed": 0.1, "automation": null, "completeness": 0.6, "routing": 1.0, "resolution": {"billing": 45, "returns": 12}, "gaps": {"missing-knowledge": 1}}}"#).unwrap();
    let run = |format: &str| {
        handover(&[
            "simulate",
            &format!("{DIR}/policy.handover"),
            "--conversations",
            &format!("{DIR}/conversations.jsonl"),
            "--format",
            format,
            "--baseline",
            base.to_str().unwrap(),
        ])
    };
    let (_, out, _) = run("json");
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["baseline"]["kpis"]["precision"], json!(0.5));
    assert_eq!(r["change"]["precision"], json!(0.25));
    assert_eq!(r["change"]["automation"], Value::Null);
    // the figures per queue and per tag are compared too, key by key
    assert_eq!(r["baseline"]["kpis"]["resolution"]["billing"], json!(45));
    assert_eq!(
        r["change"]["resolution"],
        json!({"billing": -15.0, "legal": null, "returns": null})
    );
    // tags are counts: a tag the earlier report lacks tagged nothing there
    assert_eq!(
        r["change"]["gaps"],
        json!({"missing-knowledge": 2, "slow": 1})
    );
    let (_, out, _) = run("human");
    assert!(out.contains("30.0   was 45.0"), "{out}");
    // the change in words: better or worse for that KPI, not an arrow
    assert!(
        out.contains("75.0%   was   50.0%  +25.0 pts, better"),
        "{out}"
    );
    assert!(out.contains("was 12.0"), "{out}");
    // the HTML report: an `earlier` column, with the queue only it had
    let (_, html, _) = run("html");
    assert!(html.contains("<th>earlier</th>"), "no earlier column");
    assert!(
        html.contains("<tr><td>returns</td><td>—</td><td>12.0</td></tr>"),
        "the earlier report's queue is missing"
    );

    // a report with a KPI that is not a number is refused
    std::fs::write(&base, r#"{"kpis": {"precision": "high"}}"#).unwrap();
    let (code, _, err) = run("json");
    assert_eq!(code, 2);
    assert!(
        err.contains("`kpis.precision` is \"high\", not a number"),
        "{err}"
    );
}

#[test]
fn parallel_and_sequential_runs_are_identical() {
    let policy = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/multidogo");
    let convs = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/multidogo/conversations.jsonl"
    );
    let run = |jobs: &str| {
        handover(&[
            "simulate",
            policy,
            "--conversations",
            convs,
            "--format",
            "json",
            "--per-conversation",
            "--jobs",
            jobs,
        ])
    };
    let (c1, one, _) = run("1");
    let (c2, two, _) = run("2");
    assert_eq!(c1, c2);
    assert!(one.len() > 100_000);
    assert!(one == two, "reports differ between --jobs 1 and --jobs 2");
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "handover-sim-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}
