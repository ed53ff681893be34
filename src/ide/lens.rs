//! Code lenses: how the examples fare over each rule and example, and how
//! often each rule matches and wins over sample conversations.

use super::Analysis;
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

    /// Replay every line as `simulate` does (turn by turn, the first
    /// `route` or `human` final), counting the final decision's matched
    /// rules and winner. None when the policy has errors.
    pub fn from_lines<I, S>(a: &Analysis, lines: I) -> Option<ConversationStats>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        if a.checked.has_errors() {
            return None;
        }
        // the same policy as `simulate` replays (without a table, none)
        let policy = crate::Checked {
            files: a.checked.files.clone(),
            asts: a.checked.asts.clone(),
            model: a.checked.model.clone(),
            diagnostics: Vec::new(),
            table: a.checked.table.clone(),
        }
        .into_policy()
        .ok()?;
        let n = a.model().rules.len();
        let mut st = ConversationStats {
            matched: vec![0; n],
            wins: vec![0; n],
            ..ConversationStats::default()
        };
        for (i, line) in lines.into_iter().enumerate() {
            let line = line.as_ref();
            if line.trim().is_empty() {
                continue;
            }
            let Ok(outcome) = crate::simulate::replay(&policy, i + 1, line) else {
                st.skipped += 1;
                continue;
            };
            let d = outcome.decision;
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
    // what the figures leave out is said once, over the file's first rule
    let mut skipped_said = false;
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
                    "matches {} · wins {} of {} sample conversations{}",
                    thousands(st.matched.get(ri).copied().unwrap_or(0)),
                    thousands(st.wins.get(ri).copied().unwrap_or(0)),
                    thousands(st.decided),
                    // say what the figures leave out, as `simulate` does
                    if st.skipped > 0 && !std::mem::replace(&mut skipped_said, true) {
                        format!(" ({} line(s) could not be replayed)", thousands(st.skipped))
                    } else {
                        String::new()
                    }
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
