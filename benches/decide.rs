//! Decisions per second for generated policies of 10 to 10,000 rules.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use handover::Policy;

// the binary's allocator, so that the figures are the command's
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;

/// One benchmark group: policies of `sizes` rules from `generate`, each
/// deciding 1,024 prepared sets of facts in turn.
fn group(c: &mut Criterion, name: &str, sizes: &[usize], generate: fn(usize, u64) -> String) {
    let mut g = c.benchmark_group(name);
    for &n in sizes {
        let policy =
            Policy::from_text("gen.handover", &generate(n, 7)).expect("generated policy compiles");
        let mut r = common::Lcg(42);
        let facts: Vec<_> = (0..1024)
            .map(|_| {
                policy
                    .facts(&common::facts_json(&mut r))
                    .expect("facts fit")
            })
            .collect();
        g.throughput(Throughput::Elements(1));
        g.bench_with_input(BenchmarkId::new("rules", n), &n, |b, _| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % facts.len();
                std::hint::black_box(policy.decide(&facts[i]).action)
            })
        });
    }
    g.finish();
}

fn decide(c: &mut Criterion) {
    group(c, "decide", &[10, 100, 1_000, 10_000], common::policy);
    group(c, "decide_broad", &[100, 1_000], common::policy_broad);
    let mut g = c.benchmark_group("decide_with_json");
    let policy = Policy::from_text("gen.handover", &common::policy(1_000, 7)).expect("compiles");
    let mut r = common::Lcg(42);
    let lines: Vec<String> = (0..1024)
        .map(|_| common::facts_json(&mut r).to_string())
        .collect();
    g.bench_function("rules/1000", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % lines.len();
            let v: serde_json::Value = serde_json::from_str(&lines[i]).expect("json");
            let f = policy.facts(&v).expect("facts");
            std::hint::black_box(policy.decide(&f).action)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = decide
}
criterion_main!(benches);
