//! Running a policy's `example` blocks (SPEC 2.5).

use crate::check::model::{ExampleFact, ExampleM, Model};
use crate::eval::Decision;
use crate::facts::{Facts, Value};
use crate::Policy;

/// The facts an example gives.
pub fn example_facts(model: &Model, e: &ExampleM) -> Facts {
    let mut f = Facts::empty(model);
    for (fi, v) in &e.facts {
        let value = match v {
            ExampleFact::Value(i) => Value::Index(*i),
            ExampleFact::Num(x) => Value::Num(*x),
            ExampleFact::Text(s) => Value::Text(s.clone()),
            ExampleFact::Set(items) => Value::Set(items.clone()),
        };
        if let Some(slot) = f.values.get_mut(*fi) {
            *slot = Some(value);
        }
    }
    f
}

/// How the decision differs from what the example expects; empty = pass.
pub fn mismatches(e: &ExampleM, d: &Decision<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if d.action != e.expect {
        out.push(format!(
            "action: expected `{}`, got `{}`",
            e.expect.as_str(),
            d.action.as_str()
        ));
    }
    if let Some(q) = &e.expect_queue {
        if d.queue != Some(q.as_str()) {
            out.push(format!(
                "queue: expected \"{q}\", got {}",
                d.queue
                    .map_or("no queue".to_string(), |x| format!("\"{x}\""))
            ));
        }
    }
    // an answer has no priority and attaches nothing, so such an `expect`
    // can never pass: say so rather than leave the author to guess
    let answer = e.expect == crate::ActionKind::Answer;
    if let Some(p) = e.expect_priority {
        if answer {
            out.push(format!(
                "priority: an `answer` has no priority; remove `priority {}` from the `expect`",
                p.as_str()
            ));
        } else if d.priority != Some(p) {
            out.push(format!(
                "priority: expected `{}`, got {}",
                p.as_str(),
                d.priority
                    .map_or("none".to_string(), |x| format!("`{}`", x.as_str()))
            ));
        }
    }
    for t in &e.expect_tags {
        if !d.tags.contains(&t.as_str()) {
            out.push(format!("tags: expected \"{t}\" among {:?}", d.tags));
        }
    }
    // like tags: the items it names must all be attached
    if answer && !e.expect_attach.is_empty() {
        out.push(format!(
            "attach: an `answer` attaches nothing (only a handoff carries a ticket); remove `attach {}` from the `expect`",
            e.expect_attach.join(", ")
        ));
        return out;
    }
    for a in &e.expect_attach {
        if !d.attach.contains(&a.as_str()) {
            out.push(format!("attach: expected `{a}` among {:?}", d.attach));
        }
    }
    out
}

/// One example's result.
pub struct ExampleResult<'p> {
    pub index: usize,
    pub decision: Decision<'p>,
    pub facts: Facts,
    pub failures: Vec<String>,
}

impl ExampleResult<'_> {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Run every example of a compiled policy.
pub fn run_examples(policy: &Policy) -> Vec<ExampleResult<'_>> {
    let model = policy.model();
    model
        .examples
        .iter()
        .enumerate()
        .map(|(index, e)| {
            let facts = example_facts(model, e);
            let decision = policy.decide(&facts);
            let failures = mismatches(e, &decision);
            ExampleResult {
                index,
                decision,
                facts,
                failures,
            }
        })
        .collect()
}

/// Which examples a rule takes part in (matched), by example index.
pub fn examples_matching_rule(results: &[ExampleResult<'_>], rule: usize) -> Vec<usize> {
    results
        .iter()
        .filter(|r| r.decision.matched_index.contains(&rule))
        .map(|r| r.index)
        .collect()
}
