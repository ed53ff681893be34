//! `simulate` throughput beside a bare serde_json parse of the same lines.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use handover::simulate::{replay, Totals};
use handover::Policy;

// the binary's allocator, so that the figures are the command's
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;

fn simulate(c: &mut Criterion) {
    let policy = Policy::from_text("gen.handover", &common::policy(100, 7)).expect("compiles");
    let mut r = common::Lcg(9);
    let lines: Vec<String> = (0..20_000)
        .map(|i| common::conversation_line(&mut r, i))
        .collect();
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let mut g = c.benchmark_group("simulate");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.bench_function("serde_json parse only", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in &lines {
                let v: serde_json::Value = serde_json::from_str(l).expect("json");
                n += v.as_object().map_or(0, |o| o.len());
            }
            n
        })
    });
    // what `replay` itself reads lines into (borrowed strings, objects as
    // lists): the share of the replay that is parsing
    g.bench_function("light JSON parse only", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in &lines {
                let v = handover::json::Json::parse(l).expect("json");
                n += v.entries().len();
            }
            n
        })
    });
    g.bench_function("replay + KPIs (one thread)", |b| {
        b.iter(|| {
            let mut t = Totals::new(policy.model().rules.len(), false);
            for (i, l) in lines.iter().enumerate() {
                if let Ok(o) = replay(&policy, i + 1, l) {
                    t.add(&o);
                }
            }
            t.conversations
        })
    });
    g.finish();
}

criterion_group!(benches, simulate);
criterion_main!(benches);
