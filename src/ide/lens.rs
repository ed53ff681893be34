//! Code lenses: how the examples fare over each rule and example, and how
//! often each rule matches and wins over sample conversations.

use super::Analysis;
use crate::check::model::FieldType;
use crate::facts::Facts;
use crate::span::Span;
use std::io::BufRead;
use std::path::Path;

/// At most this many conversation lines are read for the lenses.
pub const MAX_CONVERSATIONS: usize = 5000;

/// A lens: a line of text shown above a span.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Lens {
    #[serde(skip)]
    pub span: Span,
    pub title: String,
}

/// How often each rule matched and won over a sample of conversations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConversationStats {
    /// Conversations decided.
    pub decided: usize,
    /// Lines that could not be read or whose facts did not fit.
    pub skipped: usize,
    /// Per rule (model index): conversations where it matched.
    pub matched: Vec<usize>,
    /// Per rule: conversations where it won.
    pub wins: Vec<usize>,
}

impl ConversationStats {
    /// Read at most `max` lines of a JSON Lines file of conversations.
    pub fn from_file(a: &Analysis, path: &Path, max: usize) -> Option<ConversationStats> {
        let f = std::fs::File::open(path).ok()?;
        let reader = std::io::BufReader::new(f);
        let lines = reader.lines().take(max).map_while(Result::ok);
        Self::from_lines(a, lines)
    }

    /// Decide every line (a conversation: its facts, then each turn's in
    /// order, merged, decided once). None when the policy has errors.
    pub fn from_lines<I, S>(a: &Analysis, lines: I) -> Option<ConversationStats>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        a.evaluator()?;
        let n = a.model().rules.len();
        let mut st = ConversationStats {
            matched: vec![0; n],
            wins: vec![0; n],
            ..ConversationStats::default()
        };
        for line in lines {
            let line = line.as_ref();
            if line.trim().is_empty() {
                continue;
            }
            let Some(facts) = conversation_facts(a, line) else {
                st.skipped += 1;
                continue;
            };
            let Some(d) = a.decide(&facts) else { continue };
            st.decided += 1;
            for r in &d.matched_index {
                if let Some(c) = st.matched.get_mut(*r) {
                    *c += 1;
                }
            }
            if let Some(w) = d.rule_index.and_then(|w| st.wins.get_mut(w)) {
                *w += 1;
            }
        }
        Some(st)
    }
}

/// The merged facts of one conversation line.
fn conversation_facts(a: &Analysis, line: &str) -> Option<Facts> {
    let model = a.model();
    let json: serde_json::Value = serde_json::from_str(line).ok()?;
    let obj = json.as_object()?;
    let mut facts = Facts::empty(model);
    let mut any = false;
    if let Some(f) = obj.get("facts").filter(|f| !f.is_null()) {
        facts.merge_json(model, f).ok()?;
        any = true;
    }
    let mut customer_turns = 0i64;
    let mut last_text: Option<&str> = None;
    if let Some(turns) = obj.get("turns").and_then(|t| t.as_array()) {
        any = true;
        for t in turns {
            if let Some(f) = t.get("facts").filter(|f| !f.is_null()) {
                facts.merge_json(model, f).ok()?;
            }
            if t.get("role").and_then(|r| r.as_str()) == Some("customer") {
                customer_turns += 1;
                if let Some(text) = t.get("text").and_then(|x| x.as_str()) {
                    last_text = Some(text);
                }
            }
        }
    }
    if !any {
        return None;
    }
    // SPEC 4: `message` and `turns` are filled in unless the facts give them
    if let Some(fi) = model.field("message") {
        if facts.get(fi).is_none()
            && model
                .fields
                .get(fi)
                .is_some_and(|f| f.ty == FieldType::Text)
        {
            if let Some(t) = last_text {
                let _ = facts.set(model, "message", &serde_json::json!(t));
            }
        }
    }
    if let Some(fi) = model.field("turns") {
        if facts.get(fi).is_none()
            && model
                .fields
                .get(fi)
                .is_some_and(|f| matches!(f.ty, FieldType::Int { .. }))
        {
            let _ = facts.set(model, "turns", &serde_json::json!(customer_turns));
        }
    }
    Some(facts)
}

/// `5000` as `5,000`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The lenses of one file: over each rule, its examples and (with
/// `stats`) its matches and wins over the sample conversations; over
/// each example, whether it passes. Nothing runs while the policy has errors.
pub fn code_lenses(a: &Analysis, file: u32, stats: Option<&ConversationStats>) -> Vec<Lens> {
    let model = a.model();
    let mut out = Vec::new();
    if a.evaluator().is_none() {
        return out;
    }
    let outcomes = a.examples();
    for (ri, r) in model.rules.iter().enumerate() {
        if r.span.file != file {
            continue;
        }
        let ex: Vec<&super::ExampleOutcome> = outcomes
            .iter()
            .filter(|o| o.matched.contains(&ri))
            .collect();
        let title = if ex.is_empty() {
            "examples: none".to_string()
        } else {
            let pass = ex.iter().filter(|o| o.passed).count();
            format!("examples: {} pass / {} fail", pass, ex.len() - pass)
        };
        out.push(Lens {
            span: r.span,
            title,
        });
        if let Some(st) = stats {
            out.push(Lens {
                span: r.span,
                title: format!(
                    "matches {} · wins {} of {} sample conversations",
                    thousands(st.matched.get(ri).copied().unwrap_or(0)),
                    thousands(st.wins.get(ri).copied().unwrap_or(0)),
                    thousands(st.decided)
                ),
            });
        }
    }
    for o in outcomes {
        let Some(e) = model.examples.get(o.example) else {
            continue;
        };
        if e.span.file != file {
            continue;
        }
        let winner = o
            .winner
            .and_then(|w| model.rules.get(w))
            .map_or("the baseline".to_string(), |r| format!("rule `{}`", r.name));
        let title = if o.passed {
            format!("✓ passes: {} (by {winner})", o.got)
        } else {
            format!(
                "✗ fails: {} (got {} by {winner})",
                o.failures.join("; "),
                o.got
            )
        };
        out.push(Lens {
            span: e.span,
            title,
        });
    }
    out.sort_by_key(|l| (l.span.start, l.span.end));
    out
}
