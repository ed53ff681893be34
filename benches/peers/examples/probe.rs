//! Quick look at the generated workload: load times, decision mix, matched
//! rules per decision, one rough latency per engine, and timer overhead.
use handover_peers::spec::{self, Action};
use handover_peers::*;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { SIZES.to_vec() } else { sizes };
    let t = Instant::now();
    let mut x = 0u128;
    for _ in 0..100_000 {
        x += Instant::now().elapsed().as_nanos();
    }
    println!("Instant::now + elapsed: {:.1} ns per pair (sum {x})", t.elapsed().as_nanos() as f64 / 100_000.0);
    for n in sizes {
        let spec = generate(n, 1);
        let ht = render::handover(&spec);
        let ct = render::cedar(&spec);
        let zt = render::zen(&spec);
        let t = Instant::now();
        let h = HandoverEngine::load(&ht).unwrap();
        let lh = t.elapsed();
        let t = Instant::now();
        let _h2 = HandoverEngine::load_without_analysis(&ht).unwrap();
        let lh2 = t.elapsed();
        let t = Instant::now();
        let c = CedarEngine::load(&ct).unwrap();
        let lc = t.elapsed();
        let t = Instant::now();
        let z = ZenEngine::load(&zt).unwrap();
        let lz = t.elapsed();
        println!("{n} rules: load handover {lh:?} (no analysis {lh2:?}), cedar {lc:?}, zen {lz:?}; text {} / {} / {} bytes, table rows {}",
            ht.len(), ct.len(), zt.len(), h.policy.table().rows.len());
        let facts = spec::bench_facts(1000, 42);
        let mut actions = [0usize; 4];
        let mut matched = 0usize;
        for f in &facts {
            let d = h.decide(&h.native(f));
            matched += d.matched.len();
            actions[Action::parse(d.action.as_str()).unwrap() as usize] += 1;
        }
        println!("   random facts: answer/draft/route/human {actions:?}, mean matched rules {:.1}", matched as f64 / 1000.0);
        let hf: Vec<_> = facts.iter().map(|f| h.native(f)).collect();
        let cf: Vec<_> = facts.iter().map(|f| c.native(f)).collect();
        let zf: Vec<_> = facts.iter().map(|f| z.native(f)).collect();
        let reps = if n >= 10_000 { 1 } else { 5 };
        let t = Instant::now();
        for _ in 0..reps { for f in &hf { black_box(h.decide(f)); } }
        let th = t.elapsed() / (1000 * reps);
        let t = Instant::now();
        for _ in 0..reps { for f in &cf { black_box(c.decide(f)); } }
        let tc = t.elapsed() / (1000 * reps);
        let t = Instant::now();
        for _ in 0..reps { for f in &zf { black_box(z.decide(f)); } }
        let tz = t.elapsed() / (1000 * reps);
        println!("   mean decide: handover {th:?}, cedar {tc:?}, zen {tz:?}");
    }
}
