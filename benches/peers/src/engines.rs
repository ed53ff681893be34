//! The three engines behind one shape: load a rendering, turn a [`Fact`]
//! into the engine's native input, decide, and read the answer back as an
//! [`Outcome`]. `decide` is what the benchmarks time; `outcome` is only for
//! the equivalence test.

use crate::spec::{Action, Fact, Outcome, Prio, CATEGORIES, RISKS, SENTIMENTS, VALUES};
use std::collections::HashMap;
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

// ---------------------------------------------------------------- handover

pub struct HandoverEngine {
    pub policy: handover::Policy,
}

impl HandoverEngine {
    /// What `handover` does at load: parse, check, compile the table, and
    /// run the lint analysis (`Policy::from_text`).
    pub fn load(text: &str) -> Result<HandoverEngine, String> {
        let policy = handover::Policy::from_text("bench.handover", text).map_err(|e| match &e {
            handover::LoadError::Invalid(c) => format!(
                "{e}: {:?}",
                c.diagnostics.iter().filter(|d| d.is_error()).take(3).map(|d| &d.message).collect::<Vec<_>>()
            ),
            e => e.to_string(),
        })?;
        Ok(HandoverEngine { policy })
    }

    /// Parse, check and compile without the lint analysis (what a runtime
    /// that only decides would need).
    pub fn load_without_analysis(text: &str) -> Option<HandoverEngine> {
        let files = vec![handover::span::SourceFile::new("bench.handover", text)];
        let policy = handover::Checked::build(files, false).into_policy().ok()?;
        Some(HandoverEngine { policy })
    }

    pub fn native(&self, f: &Fact) -> handover::Facts {
        self.policy.facts(&f.to_json()).unwrap_or_else(|e| panic!("facts rejected: {e}"))
    }

    #[inline]
    pub fn decide<'p>(&'p self, facts: &handover::Facts) -> handover::Decision<'p> {
        self.policy.decide(facts)
    }

    /// From the JSON text of the facts to the decision.
    #[inline]
    pub fn decide_json(&self, text: &str) -> Option<handover::Decision<'_>> {
        let facts = self.policy.facts_from_str(text).ok()?;
        Some(self.policy.decide(&facts))
    }

    pub fn outcome(d: &handover::Decision<'_>) -> Outcome {
        Outcome {
            action: Action::parse(d.action.as_str()).unwrap_or(Action::Answer),
            queue: d.queue.map(str::to_string),
            priority: d.priority.and_then(|p| Prio::parse(p.as_str())),
            rule: d.rule.map(str::to_string),
        }
    }
}

// ------------------------------------------------------------------- Cedar

/// What a satisfied Cedar policy means for the hit policy, read from its
/// annotations once at load.
#[derive(Clone, Debug)]
struct CedarMeta {
    baseline: bool,
    action: Action,
    prio: Prio,
    /// Source order of the rule (policy order in the set).
    order: usize,
    queue: Option<String>,
    rule: Option<String>,
}

pub struct CedarEngine {
    pub policies: cedar_policy::PolicySet,
    meta: HashMap<cedar_policy::PolicyId, CedarMeta>,
    authorizer: cedar_policy::Authorizer,
    entities: cedar_policy::Entities,
    principal: cedar_policy::EntityUid,
    action: cedar_policy::EntityUid,
    resource: cedar_policy::EntityUid,
}

/// Cedar's answer after the priority hit policy; names borrow from the engine.
#[derive(Clone, Debug, PartialEq)]
pub struct CedarDecision<'e> {
    pub action: Action,
    pub queue: Option<&'e str>,
    pub priority: Option<Prio>,
    pub rule: Option<&'e str>,
    /// Evaluation errors Cedar reported (there should be none).
    pub errors: usize,
}

impl CedarEngine {
    pub fn load(text: &str) -> Result<CedarEngine, String> {
        let policies = cedar_policy::PolicySet::from_str(text).map_err(|e| e.to_string())?;
        let mut meta = HashMap::new();
        for (order, p) in policies.policies().enumerate() {
            let action = p.annotation("action").and_then(Action::parse).ok_or("no @action")?;
            let prio = p.annotation("priority").and_then(Prio::parse).ok_or("no @priority")?;
            meta.insert(
                p.id().clone(),
                CedarMeta {
                    baseline: p.annotation("kind") == Some("baseline"),
                    action,
                    prio,
                    order: p.annotation("rule").and_then(|r| r.trim_start_matches('r').parse().ok()).unwrap_or(order),
                    queue: p.annotation("queue").map(str::to_string),
                    rule: p.annotation("rule").map(str::to_string),
                },
            );
        }
        let uid = |s: &str| cedar_policy::EntityUid::from_str(s).map_err(|e| e.to_string());
        Ok(CedarEngine {
            policies,
            meta,
            authorizer: cedar_policy::Authorizer::new(),
            entities: cedar_policy::Entities::empty(),
            principal: uid(r#"Agent::"support-bot""#)?,
            action: uid(r#"Action::"decide""#)?,
            resource: uid(r#"Ticket::"t""#)?,
        })
    }

    fn request(&self, context: cedar_policy::Context) -> Option<cedar_policy::Request> {
        cedar_policy::Request::new(
            self.principal.clone(),
            self.action.clone(),
            self.resource.clone(),
            context,
            None,
        )
        .ok()
    }

    /// The native input: a `Request` whose context carries the facts
    /// (confidence as a Cedar `decimal`, levels and enums as strings, risk
    /// as a set of strings).
    pub fn native(&self, f: &Fact) -> cedar_policy::Request {
        use cedar_policy::RestrictedExpression as R;
        let mut pairs: Vec<(String, R)> = Vec::new();
        if let Some(c) = f.category {
            pairs.push(("category".into(), R::new_string(CATEGORIES[c].into())));
        }
        if let Some(v) = f.value {
            pairs.push(("value".into(), R::new_string(VALUES[v].into())));
        }
        if let Some(c) = f.confidence {
            pairs.push(("confidence".into(), R::new_decimal(crate::render::dec(c))));
        }
        if let Some(s) = f.sentiment {
            pairs.push(("sentiment".into(), R::new_string(SENTIMENTS[s].into())));
        }
        if let Some(r) = &f.risk {
            pairs.push(("risk".into(), R::new_set(r.iter().map(|i| R::new_string(RISKS[*i].into())))));
        }
        if let Some(n) = f.repeat_contacts {
            pairs.push(("repeat_contacts".into(), R::new_long(i64::from(n))));
        }
        if let Some(b) = f.churn {
            pairs.push(("churn".into(), R::new_bool(b)));
        }
        let context = cedar_policy::Context::from_pairs(pairs).unwrap_or_else(|e| panic!("context: {e}"));
        self.request(context).unwrap_or_else(|| panic!("request"))
    }

    /// Authorize, then apply the priority hit policy to the satisfied
    /// policies' annotations.
    #[inline]
    pub fn decide(&self, request: &cedar_policy::Request) -> CedarDecision<'_> {
        let response = self.authorizer.is_authorized(request, &self.policies, &self.entities);
        let diagnostics = response.diagnostics();
        let mut base: Option<&CedarMeta> = None;
        let mut best: Option<&CedarMeta> = None;
        for id in diagnostics.reason() {
            let Some(m) = self.meta.get(id) else { continue };
            if m.baseline {
                base = Some(m);
                continue;
            }
            let better = match best {
                None => true,
                Some(b) => (m.action, m.prio, std::cmp::Reverse(m.order)) > (b.action, b.prio, std::cmp::Reverse(b.order)),
            };
            if better {
                best = Some(m);
            }
        }
        let base_action = base.map_or(Action::Answer, |b| b.action);
        let action = best.map_or(base_action, |b| b.action.max(base_action));
        let errors = diagnostics.errors().count();
        let (queue, priority, rule) = match best {
            _ if action == Action::Answer => (None, None, None),
            Some(b) if b.action == action => (b.queue.as_deref(), Some(b.prio), b.rule.as_deref()),
            _ => (base.and_then(|b| b.queue.as_deref()), Some(Prio::Normal), None),
        };
        CedarDecision {
            action,
            queue,
            priority,
            rule,
            errors,
        }
    }

    /// From the JSON text of the facts to the decision. Cedar's JSON has
    /// no fractional numbers: `confidence` is rewritten into Cedar's
    /// extension escape (`{"__extn": {"fn": "decimal", "arg": "0.5500"}}`)
    /// before `Context::from_json_value`.
    #[inline]
    pub fn decide_json(&self, text: &str) -> Option<CedarDecision<'_>> {
        let mut v: serde_json::Value = serde_json::from_str(text).ok()?;
        if let Some(c) = v.get_mut("confidence") {
            if let Some(x) = c.as_f64() {
                *c = serde_json::json!({ "__extn": { "fn": "decimal", "arg": format!("{x:.4}") } });
            }
        }
        let context = cedar_policy::Context::from_json_value(v, None).ok()?;
        let request = self.request(context)?;
        Some(self.decide(&request))
    }

    pub fn outcome(d: &CedarDecision<'_>) -> Outcome {
        Outcome {
            action: d.action,
            queue: d.queue.map(str::to_string),
            priority: d.priority,
            rule: d.rule.map(str::to_string),
        }
    }
}

// --------------------------------------------------------------------- zen

pub struct ZenEngine {
    pub decision: zen_engine::Decision,
}

/// Drive a future that never really waits (zen's evaluation is `async` but
/// a table-only graph completes on the first poll) without a runtime.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

impl ZenEngine {
    /// Deserialize the JDM and precompile it (`Decision::compile`: expression
    /// bytecode and the decision-table column indexes).
    pub fn load(text: &str) -> Result<ZenEngine, String> {
        let content: zen_engine::model::DecisionContent = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let engine = zen_engine::DecisionEngine::default();
        let mut decision = engine.create_decision(Arc::new(content)).map_err(|e| e.to_string())?;
        decision.compile();
        Ok(ZenEngine { decision })
    }

    pub fn native(&self, f: &Fact) -> zen_engine::Variable {
        zen_engine::Variable::from(f.to_json())
    }

    /// The table's first hit: an object with action, queue, priority, rule.
    #[inline]
    pub fn decide(&self, input: &zen_engine::Variable) -> Option<zen_engine::Variable> {
        block_on(self.decision.evaluate(input.clone())).ok().map(|r| r.result)
    }

    /// From the JSON text of the facts to the decision, with zen's own
    /// `Deserialize` for `Variable`.
    #[inline]
    pub fn decide_json(&self, text: &str) -> Option<zen_engine::Variable> {
        let input: zen_engine::Variable = serde_json::from_str(text).ok()?;
        block_on(self.decision.evaluate(input)).ok().map(|r| r.result)
    }

    /// None when the table had no hit (the baseline rows make that a bug).
    pub fn outcome(v: &zen_engine::Variable) -> Option<Outcome> {
        let j = v.to_value();
        let s = |k: &str| j.get(k).and_then(|x| x.as_str()).map(str::to_string);
        Some(Outcome {
            action: s("action").as_deref().and_then(Action::parse)?,
            queue: s("queue"),
            priority: s("priority").as_deref().and_then(Prio::parse),
            rule: s("rule"),
        })
    }
}
