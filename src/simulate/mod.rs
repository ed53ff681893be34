//! `simulate`: replay conversations turn by turn through a policy and
//! compute the escalation KPIs of SPEC section 4.

pub mod html;
pub mod report;

use crate::eval::Decision;
use crate::facts::{Facts, Value};
use crate::json::Json as Light;
use crate::syntax::ast::ActionKind;
use crate::Policy;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// One conversation after replay.
#[derive(Debug)]
pub struct Outcome<'p> {
    pub id: Json,
    pub line: usize,
    pub decision: Decision<'p>,
    pub escalated: bool,
    /// The customer turn of the handoff (0: decided without customer turns).
    pub handoff_turn: Option<usize>,
    /// None when the final action makes no ticket (`answer`).
    pub complete: Option<bool>,
    /// The `attach` items an incomplete ticket lacks.
    pub absent: Vec<&'p str>,
    pub expected_escalate: Option<bool>,
    pub expected_queue: Option<String>,
    pub resolution_minutes: Option<f64>,
    pub customer_turns: usize,
}

/// A line that could not be replayed.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LineError {
    pub id: Json,
    pub line: usize,
    pub error: String,
}

/// An object's entries, as [`Light::entries`] lists them.
type Entries<'j> = Vec<(&'j str, &'j Light<'j>)>;

/// The fact keys a conversation has given so far (declared or not), and
/// whether the latest value is non-empty. A handful of keys: a list beats
/// a hash map.
#[derive(Default)]
struct Given<'j>(Vec<(&'j str, bool)>);

impl<'j> Given<'j> {
    fn merge(&mut self, facts: &[(&'j str, &'j Light<'_>)]) {
        for &(k, v) in facts {
            if v.is_null() {
                self.0.retain(|(key, _)| *key != k);
                continue;
            }
            let given = v.non_empty();
            match self.0.iter_mut().find(|(key, _)| *key == k) {
                Some(slot) => slot.1 = given,
                None => self.0.push((k, given)),
            }
        }
    }

    fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| *k == key)
    }

    fn non_empty(&self, key: &str) -> bool {
        self.0.iter().any(|(k, given)| *k == key && *given)
    }
}

/// Replay one conversation line.
pub fn replay<'p>(policy: &'p Policy, line: usize, text: &str) -> Result<Outcome<'p>, LineError> {
    let fail = |id: &Json, error: String| LineError {
        id: id.clone(),
        line,
        error,
    };
    // a byte-order mark at the start of a file is not part of the JSON
    let text = text.trim_start_matches('\u{feff}');
    let obj = Light::parse(text).map_err(|e| {
        let (id, error) = crate::json::unreadable(text, &e);
        fail(&id, error)
    })?;
    if !obj.is_object() {
        return Err(fail(
            &Json::Null,
            "a conversation must be a JSON object".into(),
        ));
    }
    let id = obj.get("id").map_or(Json::Null, Light::to_value);
    if id.is_null() {
        return Err(fail(&id, "a conversation needs an `id`".into()));
    }
    let conv_facts = match obj.get("facts") {
        None | Some(Light::Null) => None,
        Some(m @ Light::Obj(_)) => Some(m),
        Some(_) => return Err(fail(&id, "`facts` must be an object".into())),
    };
    let turns: Option<&[Light]> = match obj.get("turns") {
        None | Some(Light::Null) => None,
        Some(Light::Arr(a)) => Some(a),
        Some(_) => return Err(fail(&id, "`turns` must be a list".into())),
    };
    if conv_facts.is_none() && turns.is_none() {
        return Err(fail(&id, "a conversation needs `facts` or `turns`".into()));
    }
    let model = policy.model();
    // Validate everything first: a conversation whose facts do not fit is
    // left out whole, also when the bad fact comes after the handoff.
    // each facts object is listed once (`entries`), then typed and
    // remembered from that list
    let mut turn_facts: Vec<Option<(Entries<'_>, Facts)>> = Vec::new();
    let mut typed = Facts::empty(model);
    let mut raw = Given::default();
    if let Some(f) = conv_facts {
        let entries = f.entries();
        typed
            .merge_light_entries(model, &entries)
            .map_err(|e| fail(&id, e.message))?;
        raw.merge(&entries);
    }
    for (i, t) in turns.unwrap_or(&[]).iter().enumerate() {
        if !t.is_object() {
            return Err(fail(&id, format!("turn {} must be an object", i + 1)));
        }
        // a role or text of the wrong kind would quietly drop the turn
        // from the replay and the KPIs
        for key in ["role", "text"] {
            if !matches!(t.get(key), None | Some(Light::Null | Light::Str(_))) {
                return Err(fail(
                    &id,
                    format!("turn {}: `{key}` must be a string", i + 1),
                ));
            }
        }
        match t.get("facts") {
            None | Some(Light::Null) => turn_facts.push(None),
            Some(m @ Light::Obj(_)) => {
                let entries = m.entries();
                let mut f = Facts::empty(model);
                f.merge_light_entries(model, &entries)
                    .map_err(|e| fail(&id, format!("turn {}: {}", i + 1, e.message)))?;
                turn_facts.push(Some((entries, f)));
            }
            Some(_) => {
                return Err(fail(
                    &id,
                    format!("turn {}: `facts` must be an object", i + 1),
                ))
            }
        }
    }
    // the labels and figures the KPIs count: a wrong kind is an error, not
    // a conversation quietly left out of a figure
    let expected =
        match obj.get("expected") {
            None | Some(Light::Null) => None,
            Some(e @ Light::Obj(_)) => Some(e),
            Some(_) => return Err(fail(
                &id,
                "`expected` must be an object such as {\"escalate\": true, \"queue\": \"billing\"}"
                    .into(),
            )),
        };
    let expected_escalate = match expected.and_then(|e| e.get("escalate")) {
        None | Some(Light::Null) => None,
        Some(Light::Bool(b)) => Some(*b),
        Some(_) => {
            return Err(fail(
                &id,
                "`expected.escalate` must be true or false".into(),
            ))
        }
    };
    let expected_queue = match expected.and_then(|e| e.get("queue")) {
        None | Some(Light::Null) => None,
        Some(Light::Str(q)) => Some(q.to_string()),
        Some(_) => {
            return Err(fail(
                &id,
                "`expected.queue` must be a queue name (a string)".into(),
            ))
        }
    };
    let resolution_minutes = match obj.get("resolution_minutes") {
        None | Some(Light::Null) => None,
        Some(m) => match m.as_f64() {
            Some(x) if x >= 0.0 => Some(x),
            _ => {
                return Err(fail(
                    &id,
                    "`resolution_minutes` must be a number of minutes, 0 or more".into(),
                ))
            }
        },
    };
    let context = match obj.get("context") {
        None | Some(Light::Null) => None,
        Some(c @ Light::Obj(_)) => Some(c),
        Some(_) => return Err(fail(&id, "`context` must be an object".into())),
    };

    let message_field = model.field("message").filter(|&i| {
        model
            .fields
            .get(i)
            .is_some_and(|f| f.ty == crate::check::model::FieldType::Text)
    });
    let turns_field = model.field("turns").filter(|&i| {
        model
            .fields
            .get(i)
            .is_some_and(|f| matches!(f.ty, crate::check::model::FieldType::Int { .. }))
    });

    // The derived facts go straight into `typed`: a key the conversation
    // never gives is only ever written here, so nothing is overwritten.
    let decide = |typed: &mut Facts, raw: &Given<'_>, customer: usize, last_text: Option<&str>| {
        if let (Some(mi), Some(t)) = (message_field, last_text) {
            if !raw.contains("message") {
                if let Some(slot) = typed.values.get_mut(mi) {
                    match slot {
                        Some(Value::Text(old)) => {
                            old.clear();
                            old.push_str(t);
                        }
                        _ => *slot = Some(Value::Text(t.to_string())),
                    }
                }
            }
        }
        if let Some(ti) = turns_field {
            if !raw.contains("turns") {
                if let Some(slot) = typed.values.get_mut(ti) {
                    // within the declared range: `int 0..5` reads "5 or more"
                    // once the conversation is longer
                    let (lo, hi) = model
                        .fields
                        .get(ti)
                        .and_then(|f| f.ty.range())
                        .unwrap_or((None, None));
                    let n = (customer as f64)
                        .min(hi.unwrap_or(f64::INFINITY))
                        .max(lo.unwrap_or(f64::NEG_INFINITY));
                    *slot = Some(Value::Num(n));
                }
            }
        }
        policy.decide(typed)
    };

    let mut customer = 0usize;
    let mut last_text: Option<&str> = None;
    let mut last: Option<Decision<'p>> = None;
    let mut handoff_turn = None;
    let turns = turns.unwrap_or(&[]);
    // the final decision is made at the last customer turn: facts that come
    // later do not complete its ticket either
    let last_customer = turns
        .iter()
        .rposition(|t| t.get("role").and_then(Light::as_str) == Some("customer"));
    for (i, (t, tf)) in turns.iter().zip(&turn_facts).enumerate() {
        if let Some((entries, f)) = tf {
            // typed and validated above: copy over the facts it gives
            for (slot, v) in typed.values.iter_mut().zip(&f.values) {
                if v.is_some() {
                    slot.clone_from(v);
                }
            }
            // later ones win, `null` too: the fact is missing again
            for (k, v) in entries {
                if v.is_null() {
                    if let Some(slot) = model.field(k).and_then(|i| typed.values.get_mut(i)) {
                        *slot = None;
                    }
                }
            }
            raw.merge(entries);
        }
        if t.get("role").and_then(Light::as_str) != Some("customer") {
            continue;
        }
        customer += 1;
        if let Some(text) = t.get("text").and_then(Light::as_str) {
            last_text = Some(text);
        }
        let d = decide(&mut typed, &raw, customer, last_text);
        let escalates = matches!(d.action, ActionKind::Route | ActionKind::Human);
        last = Some(d);
        if escalates {
            handoff_turn = Some(customer);
            break;
        }
        if Some(i) == last_customer {
            break;
        }
    }
    let decision = match last {
        Some(d) => d,
        None => {
            let d = decide(&mut typed, &raw, 0, None);
            if matches!(d.action, ActionKind::Route | ActionKind::Human) {
                handoff_turn = Some(0);
            }
            d
        }
    };
    let escalated = matches!(decision.action, ActionKind::Route | ActionKind::Human);
    let mut absent = Vec::new();
    if decision.action != ActionKind::Answer {
        absent.extend(decision.attach.iter().copied().filter(|item| {
            // `message` and `turns` count when the replay filled them
            let in_facts = raw.non_empty(item)
                || (*item == "message"
                    && message_field.is_some()
                    && last_text.is_some_and(|t| !t.is_empty()))
                || (*item == "turns" && turns_field.is_some());
            !(in_facts
                || context
                    .and_then(|c| c.get(item))
                    .is_some_and(Light::non_empty))
        }));
    }
    let complete = (decision.action != ActionKind::Answer).then_some(absent.is_empty());
    Ok(Outcome {
        id,
        line,
        decision,
        escalated,
        handoff_turn,
        complete,
        absent,
        expected_escalate,
        expected_queue,
        resolution_minutes,
        customer_turns: customer,
    })
}

/// Median of a multiset kept as value -> count (exact, memory bounded by
/// the number of distinct values).
#[derive(Clone, Debug, Default)]
pub struct Median {
    counts: BTreeMap<OrdF64, u64>,
    n: u64,
}

#[derive(Clone, Copy, Debug)]
struct OrdF64(f64);
impl PartialEq for OrdF64 {
    fn eq(&self, o: &Self) -> bool {
        self.0.total_cmp(&o.0).is_eq()
    }
}
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}

impl Median {
    pub fn push(&mut self, v: f64) {
        *self.counts.entry(OrdF64(v)).or_default() += 1;
        self.n += 1;
    }

    pub fn get(&self) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let nth = |k: u64| {
            let mut seen = 0;
            for (v, c) in &self.counts {
                seen += c;
                if seen > k {
                    return v.0;
                }
            }
            f64::NAN
        };
        if self.n % 2 == 1 {
            Some(nth(self.n / 2))
        } else {
            Some((nth(self.n / 2 - 1) + nth(self.n / 2)) / 2.0)
        }
    }
}

/// Running totals over replayed conversations, in input order.
#[derive(Debug, Default)]
pub struct Totals {
    pub lines: usize,
    pub conversations: usize,
    pub errors: Vec<LineError>,
    pub escalated: usize,
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    pub tn: usize,
    pub answered: usize,
    pub tickets: usize,
    pub complete: usize,
    pub routed_with_expected_queue: usize,
    pub routed_correctly: usize,
    pub resolution: BTreeMap<String, Median>,
    pub gaps: BTreeMap<String, usize>,
    pub queue_load: BTreeMap<String, usize>,
    /// Per rule: (matched, won).
    pub rule_stats: Vec<(usize, usize)>,
    pub handoff_turns: BTreeMap<usize, usize>,
    pub actions: BTreeMap<&'static str, usize>,
    /// The conversations that took longest to hand off: (turn, id, line).
    pub slowest: Vec<(usize, Json, usize)>,
    /// The first conversations behind each KPI's misses, by kind (see
    /// [`CASE_KINDS`]), in input order: where to start reading.
    pub cases: BTreeMap<&'static str, Vec<Json>>,
    pub results: Option<Vec<Json>>,
}

pub const SLOWEST_KEPT: usize = 10;

/// How many conversations [`Totals::cases`] keeps of each kind.
pub const CASES_KEPT: usize = 10;

/// The kinds of [`Totals::cases`], each the numerator of a KPI's misses:
/// `precision` (escalated, not expected), `missed`, `completeness` and
/// `routing`.
pub const CASE_KINDS: [&str; 4] = [
    "false_escalations",
    "missed_escalations",
    "incomplete_tickets",
    "misrouted",
];

impl Totals {
    pub fn new(rules: usize, per_conversation: bool) -> Totals {
        Totals {
            rule_stats: vec![(0, 0); rules],
            results: per_conversation.then(Vec::new),
            ..Totals::default()
        }
    }

    fn case(&mut self, kind: &'static str, o: &Outcome<'_>, more: Json) {
        let kept = self.cases.entry(kind).or_default();
        if kept.len() < CASES_KEPT {
            let d = &o.decision;
            let mut c = serde_json::json!({
                "id": o.id,
                "line": o.line,
                "action": d.action,
                "queue": d.queue,
                "rule": d.rule,
            });
            if let (Json::Object(c), Json::Object(more)) = (&mut c, more) {
                c.extend(more);
            }
            kept.push(c);
        }
    }

    pub fn add(&mut self, o: &Outcome<'_>) {
        self.conversations += 1;
        let d = &o.decision;
        match (o.escalated, o.expected_escalate) {
            (true, Some(false)) => self.case("false_escalations", o, Json::Null),
            (false, Some(true)) => self.case("missed_escalations", o, Json::Null),
            _ => {}
        }
        if o.complete == Some(false) {
            self.case(
                "incomplete_tickets",
                o,
                serde_json::json!({"absent": o.absent}),
            );
        }
        if let (true, Some(q)) = (o.escalated, &o.expected_queue) {
            if d.queue != Some(q.as_str()) {
                self.case("misrouted", o, serde_json::json!({"expected_queue": q}));
            }
        }
        *self.actions.entry(d.action.as_str()).or_default() += 1;
        if d.action == ActionKind::Answer {
            self.answered += 1;
        }
        if o.escalated {
            self.escalated += 1;
        }
        match (o.escalated, o.expected_escalate) {
            (true, Some(true)) => self.tp += 1,
            (true, Some(false)) => self.fp += 1,
            (false, Some(true)) => self.fn_ += 1,
            (false, Some(false)) => self.tn += 1,
            _ => {}
        }
        if let Some(c) = o.complete {
            self.tickets += 1;
            if c {
                self.complete += 1;
            }
        }
        if o.escalated {
            if let Some(q) = &o.expected_queue {
                self.routed_with_expected_queue += 1;
                if d.queue == Some(q.as_str()) {
                    self.routed_correctly += 1;
                }
            }
            if let (Some(q), Some(m)) = (d.queue, o.resolution_minutes) {
                self.resolution.entry(q.to_string()).or_default().push(m);
            }
            if let Some(t) = o.handoff_turn {
                *self.handoff_turns.entry(t).or_default() += 1;
                self.slowest.push((t, o.id.clone(), o.line));
                self.slowest
                    .sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)));
                self.slowest.truncate(SLOWEST_KEPT);
            }
        }
        if let Some(q) = d.queue {
            *self.queue_load.entry(q.to_string()).or_default() += 1;
        }
        for t in &d.tags {
            *self.gaps.entry(t.to_string()).or_default() += 1;
        }
        for &r in &d.matched_index {
            if let Some(s) = self.rule_stats.get_mut(r) {
                s.0 += 1;
            }
        }
        if let Some(s) = d.rule_index.and_then(|r| self.rule_stats.get_mut(r)) {
            s.1 += 1;
        }
        if let Some(results) = &mut self.results {
            results.push(serde_json::json!({
                "id": o.id,
                "line": o.line,
                "escalated": o.escalated,
                "handoff_turn": o.handoff_turn,
                "complete": o.complete,
                "decision": {
                    "action": d.action,
                    "queue": d.queue,
                    "priority": d.priority,
                    "rule": d.rule,
                    "matched": d.matched,
                    "tags": d.tags,
                    "attach": d.attach,
                    "missing": d.missing,
                }
            }));
        }
    }
}

/// Ratio, or None for an empty denominator.
pub fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}
