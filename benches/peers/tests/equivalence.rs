//! The three engines give the same decision on the same facts (issue 8).
//!
//! For the 10- and 100-rule policies, 10,000 facts (half realistic random,
//! half aimed at a rule's condition and its boundaries) go through handover,
//! Cedar and zen; the action, queue, priority and winning rule must agree
//! with each other and with the reference reading of SPEC 2.4 in
//! `spec::PolicySpec::reference`. `a_wrong_peer_is_caught` shows that the
//! comparison does fail when one rendering is wrong.

use handover_peers::engines::{CedarEngine, HandoverEngine, ZenEngine};
use handover_peers::spec::{self, Action, Outcome, PolicySpec};
use handover_peers::{render, Fact};

const FACTS: usize = 10_000;

struct Report {
    compared: usize,
    mismatches: Vec<String>,
    rule_won: usize,
    actions: [usize; 4],
}

fn compare(spec: &PolicySpec, handover: &HandoverEngine, cedar: &CedarEngine, zen: &ZenEngine, facts: &[Fact]) -> Report {
    let mut r = Report {
        compared: 0,
        mismatches: Vec::new(),
        rule_won: 0,
        actions: [0; 4],
    };
    for f in facts {
        let expected = spec.reference(f);
        let h = HandoverEngine::outcome(&handover.decide(&handover.native(f)));
        let cd = cedar.decide(&cedar.native(f));
        let c = CedarEngine::outcome(&cd);
        let z = zen.decide(&zen.native(f)).and_then(|v| ZenEngine::outcome(&v));
        // the JSON paths must agree with the native ones
        let text = f.to_json().to_string();
        let hj = handover.decide_json(&text).map(|d| HandoverEngine::outcome(&d));
        let cj = cedar.decide_json(&text).map(|d| CedarEngine::outcome(&d));
        let zj = zen.decide_json(&text).and_then(|v| ZenEngine::outcome(&v));
        r.compared += 1;
        r.actions[expected.action as usize] += 1;
        if expected.rule.is_some() {
            r.rule_won += 1;
        }
        let ok = h == expected
            && c == expected
            && cd.errors == 0
            && z.as_ref() == Some(&expected)
            && hj.as_ref() == Some(&expected)
            && cj.as_ref() == Some(&expected)
            && zj.as_ref() == Some(&expected);
        if !ok && r.mismatches.len() < 5 {
            r.mismatches.push(format!(
                "facts {}\n  reference {expected:?}\n  handover  {h:?}\n  cedar     {c:?} ({} errors)\n  zen       {z:?}\n  json: handover {hj:?}\n        cedar {cj:?}\n        zen {zj:?}",
                text, cd.errors
            ));
        } else if !ok {
            r.mismatches.push(String::new());
        }
    }
    r
}

fn check_size(n: usize, seed: u64) {
    let loaded = handover_peers::load_all(n, seed).unwrap_or_else(|e| panic!("{e}"));
    let facts = spec::test_facts(&loaded.spec, FACTS, seed + 1000);
    let r = compare(&loaded.spec, &loaded.handover, &loaded.cedar, &loaded.zen, &facts);
    assert_eq!(r.compared, FACTS);
    assert!(
        r.mismatches.is_empty(),
        "{} of {} facts disagree at {n} rules; first ones:\n{}",
        r.mismatches.len(),
        r.compared,
        r.mismatches.iter().filter(|m| !m.is_empty()).cloned().collect::<Vec<_>>().join("\n")
    );
    // not vacuous: rules decide a good share, and every action occurs
    assert!(r.rule_won * 10 >= FACTS, "only {} of {FACTS} decisions were won by a rule", r.rule_won);
    for a in Action::ALL {
        assert!(r.actions[a as usize] > 0, "no decision was `{}`: {:?}", a.as_str(), r.actions);
    }
    eprintln!(
        "{n} rules: {} facts agree; won by a rule {}, actions answer/draft/route/human {:?}",
        r.compared, r.rule_won, r.actions
    );
}

#[test]
fn ten_rules_agree() {
    check_size(10, 1);
    check_size(10, 2);
}

#[test]
fn hundred_rules_agree() {
    check_size(100, 1);
}

#[test]
fn generated_policies_are_clean_handover() {
    // no errors at any size used here, and the text is what the engine read
    let spec = spec::generate(100, 1);
    let text = render::handover(&spec);
    assert!(HandoverEngine::load(&text).is_ok());
    assert!(text.contains(" or "), "the generator must produce `or` rules");
}

/// Break one peer's rendering on purpose: the comparison must notice.
#[test]
fn a_wrong_peer_is_caught() {
    let spec = spec::generate(100, 1);
    let handover = HandoverEngine::load(&render::handover(&spec)).unwrap_or_else(|e| panic!("{e}"));
    let zen = ZenEngine::load(&render::zen(&spec)).unwrap_or_else(|e| panic!("{e}"));
    // Cedar gets a policy where every `<` threshold is off by 0.01
    let mut wrong = spec.clone();
    for r in &mut wrong.rules {
        for c in &mut r.conjs {
            for a in c.iter_mut() {
                if let spec::Atom::ConfLt(t) = a {
                    *t += 1;
                }
            }
        }
    }
    let cedar = CedarEngine::load(&render::cedar(&wrong)).unwrap_or_else(|e| panic!("{e}"));
    let facts = spec::test_facts(&spec, FACTS, 7);
    let r = compare(&spec, &handover, &cedar, &zen, &facts);
    assert!(!r.mismatches.is_empty(), "an off-by-0.01 threshold in the Cedar policy went unnoticed");

    // and a zen table whose rows lost their priority order
    let cedar = CedarEngine::load(&render::cedar(&spec)).unwrap_or_else(|e| panic!("{e}"));
    let mut flipped = spec.clone();
    for r in &mut flipped.rules {
        r.prio = match r.prio {
            spec::Prio::Low => spec::Prio::Urgent,
            spec::Prio::Urgent => spec::Prio::Low,
            p => p,
        };
    }
    let zen = ZenEngine::load(&render::zen(&flipped)).unwrap_or_else(|e| panic!("{e}"));
    let r = compare(&spec, &handover, &cedar, &zen, &facts);
    assert!(!r.mismatches.is_empty(), "swapped priorities in the zen table went unnoticed");
}

/// The benchmarks reuse one native input per fact; evaluating must not
/// change it (zen's `Variable` is shared, reference-counted data).
#[test]
fn native_inputs_are_reusable() {
    let l = handover_peers::load_all(100, 3).unwrap_or_else(|e| panic!("{e}"));
    for f in spec::bench_facts(200, 5) {
        let z = l.zen.native(&f);
        let before = z.to_value();
        let a = l.zen.decide(&z).map(|v| v.to_value());
        let b = l.zen.decide(&z).map(|v| v.to_value());
        assert_eq!(a, b);
        assert_eq!(z.to_value(), before);
        let c = l.cedar.native(&f);
        assert_eq!(l.cedar.decide(&c), l.cedar.decide(&c));
        let h = l.handover.native(&f);
        assert_eq!(l.handover.decide(&h), l.handover.decide(&h));
    }
}

#[test]
fn reference_outcome_shape() {
    // the baseline decides when no rule matches: queue from automation,
    // priority normal; answer has neither
    let spec = spec::generate(10, 1);
    let none = Fact::default();
    let o: Outcome = spec.reference(&none);
    assert_eq!(o.action, Action::Answer);
    assert_eq!((o.queue, o.priority, o.rule), (None, None, None));
}
