//! The properties the byte-input fuzz targets check, shared with the
//! regression tests of the main crate (`tests/fuzz_regressions.rs` includes
//! this file), so that a saved crash input runs exactly the code path that
//! found it. Every function panics when its property does not hold.
//!
//! Only the main crate's own dependencies (handover, serde_json, regex) are
//! used here.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use handover::span::SourceFile;
use handover::syntax::ast::StmtKind;
use handover::{ActionKind, Checked, Policy};
use std::sync::OnceLock;

pub const ACME: &str = include_str!("../examples/acme/policy.handover");

/// The acme example policy, compiled once.
pub fn acme() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| Policy::from_text("policy.handover", ACME).expect("acme compiles"))
}

// ---- parse -----------------------------------------------------------------------------

/// Arbitrary bytes as policy source: parsing, checking, compiling, the
/// table-based analysis and rendering the diagnostics never panic, and
/// every diagnostic points inside its file. A NUL byte splits the input
/// into several files of one policy.
pub fn parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    // the language server's statement cache gives what a fresh parse does,
    // also when an edit above moves every statement
    handover::syntax::cache::enable();
    let (ast, diags) = handover::syntax::parse(0, text);
    assert!(
        (ast.clone(), diags.clone()) == handover::syntax::parse_fresh(0, text),
        "a cached parse differs from a fresh one"
    );
    let moved = format!("let moved = 1\n{text}");
    assert!(
        handover::syntax::parse(3, &moved) == handover::syntax::parse_fresh(3, &moved),
        "a cached parse of moved statements differs from a fresh one"
    );
    for s in &ast.stmts {
        assert!(
            s.span.start <= s.span.end && s.span.end <= text.len(),
            "statement span out of the text: {:?}",
            s.span
        );
    }
    for d in &diags {
        assert!(
            d.span.start <= d.span.end && d.span.end <= text.len(),
            "syntax diagnostic span out of the text: {d:?}"
        );
    }

    let files: Vec<SourceFile> = text
        .split('\0')
        .take(4)
        .enumerate()
        .map(|(i, t)| SourceFile::new(format!("{i:02}.handover"), t))
        .collect();
    let checked = Checked::from_sources(files);
    for d in &checked.diagnostics {
        let f = &checked.files[d.span.file as usize];
        assert!(
            d.span.start <= d.span.end
                && d.span.end <= f.text.len()
                && f.text.is_char_boundary(d.span.start)
                && f.text.is_char_boundary(d.span.end),
            "diagnostic span not inside its file (len {}): {:?} {:?} {}",
            f.text.len(),
            d.code,
            d.span,
            d.message
        );
        let _ = handover::cli::output::render_human(&checked.files, d, false);
    }
    let _ = handover::cli::output::json_report(&checked.files, &checked.diagnostics);
    if let Ok(policy) = checked.into_policy() {
        // a policy that compiles decides on no facts at all
        let facts = handover::Facts::empty(policy.model());
        let _ = policy.decide(&facts);
    }
}

// ---- fmt -------------------------------------------------------------------------------

fn spans() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"Span \{ file: \d+, start: \d+, end: \d+ \}").unwrap())
}

/// The statements of a text, as Debug with the spans blanked.
pub fn shape(text: &str) -> Vec<String> {
    let (ast, _) = handover::syntax::parse(0, text);
    ast.stmts
        .iter()
        .map(|s| {
            spans()
                .replace_all(&format!("{:?}", s.kind), "Span")
                .into_owned()
        })
        .collect()
}

fn comments(text: &str) -> Vec<String> {
    let (ast, _) = handover::syntax::parse(0, text);
    ast.comments
        .iter()
        .map(|c| c.text.trim().to_string())
        .collect()
}

fn codes(text: &str) -> Vec<&'static str> {
    let c = Checked::from_sources(vec![SourceFile::new("fuzz.handover", text)]);
    let mut v: Vec<&'static str> = c.diagnostics.iter().map(|d| d.code.as_str()).collect();
    v.sort_unstable();
    v
}

/// The formatter on text that parses without errors: it formats, it is
/// idempotent, and the formatted text means the same (same statements
/// modulo spans, same comments, same diagnostic codes).
pub fn fmt(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (ast, diags) = handover::syntax::parse(0, text);
    if !diags.is_empty() || ast.stmts.iter().any(|s| matches!(s.kind, StmtKind::Error)) {
        assert!(handover::fmt::format_source(text).is_none());
        return;
    }
    let once = handover::fmt::format_source(text).expect("text without syntax errors must format");
    let twice = handover::fmt::format_source(&once).expect("formatted text must parse again");
    assert_eq!(once, twice, "formatting is not idempotent");
    assert_eq!(
        shape(text),
        shape(&once),
        "formatting changed the statements"
    );
    assert_eq!(
        comments(text),
        comments(&once),
        "formatting changed the comments"
    );
    assert_eq!(
        codes(text),
        codes(&once),
        "formatting changed the diagnostics"
    );
}

// ---- decide ----------------------------------------------------------------------------

/// Arbitrary bytes as one `decide` input line against the acme policy: the
/// facts are an error or a decision, and the decision obeys the priority
/// hit policy (SPEC 2.4).
pub fn decide(data: &[u8]) {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let policy = acme();
    // a line is `{"id": .., "facts": {..}}` or the facts object itself
    let facts_json = match json.get("facts") {
        Some(f) => f,
        None => &json,
    };
    let Ok(facts) = policy.facts(facts_json) else {
        return;
    };
    let d = policy.decide(&facts);
    let model = policy.model();

    // the action is the strictest of the baseline and the matched rules
    let base = handover::eval::baseline(model, &facts).map_or(ActionKind::Answer, |b| b.kind);
    let strictest = d
        .matched_index
        .iter()
        .map(|&r| model.rules[r].action.kind)
        .fold(base, ActionKind::max);
    assert_eq!(d.action, strictest);
    // the winner matched and has the decision's action
    if let Some(w) = d.rule_index {
        assert!(d.matched_index.contains(&w));
        assert_eq!(model.rules[w].action.kind, d.action);
        assert_eq!(d.rule, Some(model.rules[w].name.as_str()));
    } else {
        assert!(d.rule.is_none());
    }
    if d.action == ActionKind::Answer {
        assert!(d.attach.is_empty() && d.priority.is_none() && d.queue.is_none());
    } else {
        assert!(d.priority.is_some());
    }
    assert_eq!(d.matched.len(), d.matched_index.len());
    // the facts as JSON read back to facts that decide the same
    let again = policy
        .facts(&facts.to_json(model))
        .expect("facts read back");
    assert_eq!(policy.decide(&again), d);
    let _ = serde_json::to_string(&d).expect("decision serialises");
}

// ---- diff_self -------------------------------------------------------------------------

fn describe(r: &handover::analyze::diff::DiffResult) -> Vec<String> {
    r.changes
        .iter()
        .map(|c| {
            format!(
                "{}: {} -> {} (e.g. {})",
                c.condition,
                c.old.describe(),
                c.new.describe(),
                c.example
            )
        })
        .collect()
}

/// A policy that compiles: `diff` with itself finds no change, and neither
/// does `diff` with its formatted text (both ways).
pub fn diff_self(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(p) = Policy::from_text("fuzz.handover", text) else {
        return;
    };
    let same = handover::analyze::diff::diff(&p, &p);
    assert!(
        same.changes.is_empty(),
        "a policy differs from itself: {:#?}",
        describe(&same)
    );

    let formatted = handover::fmt::format_source(text).expect("a policy that compiles formats");
    let q = match Policy::from_text("formatted.handover", &formatted) {
        Ok(q) => q,
        Err(e) => panic!("the formatted policy does not compile: {e}\n{formatted}"),
    };
    let d = handover::analyze::diff::diff(&p, &q);
    assert!(
        d.changes.is_empty(),
        "formatting changed what the policy decides: {:#?}\n{formatted}",
        describe(&d)
    );
    let d = handover::analyze::diff::diff(&q, &p);
    assert!(
        d.changes.is_empty(),
        "formatting changed what the policy decides (reverse): {:#?}",
        describe(&d)
    );
}

// ---- simulate --------------------------------------------------------------------------

/// Arbitrary bytes as one conversation line replayed through the acme
/// policy: an error or an outcome, and the outcome is consistent (SPEC 4);
/// then it goes through the KPI totals and the reports like a real run.
pub fn simulate(data: &[u8]) {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let policy = acme();
    let Ok(o) = handover::simulate::replay(policy, 7, line) else {
        return;
    };
    assert_eq!(o.line, 7);
    assert_eq!(
        o.escalated,
        matches!(o.decision.action, ActionKind::Route | ActionKind::Human)
    );
    assert_eq!(
        o.complete.is_none(),
        o.decision.action == ActionKind::Answer
    );
    if let Some(t) = o.handoff_turn {
        assert!(
            t <= o.customer_turns,
            "handoff at turn {t} of {}",
            o.customer_turns
        );
    }
    let mut totals = handover::simulate::Totals::new(policy.model().rules.len(), true);
    totals.add(&o);
    totals.lines = 7;
    let mut report = handover::simulate::report::build(policy.model(), &totals);
    let earlier = report.clone();
    handover::simulate::report::add_baseline(&mut report, &earlier);
    let _ = handover::simulate::report::human(&report, false);
    let _ = handover::simulate::html::render(&report);
}
