//! Checking (parse, type-check, compile, analyse) generated policies.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]
use criterion::{criterion_group, criterion_main, Criterion};
use handover::span::SourceFile;
use handover::{Checked, Policy};

// the binary's allocator, so that the figures are the command's
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;

fn check(c: &mut Criterion) {
    let mut g = c.benchmark_group("check");
    g.sample_size(10);
    for n in [1_000usize, 10_000] {
        let text = common::policy(n, 7);
        g.bench_function(format!("parse+check+compile/{n}"), |b| {
            b.iter(|| {
                Checked::build(vec![SourceFile::new("gen.handover", text.clone())], false)
                    .diagnostics
                    .len()
            })
        });
    }
    for n in [100usize, 1_000] {
        let text = common::policy(n, 7);
        g.bench_function(format!("with analysis/{n}"), |b| {
            b.iter(|| {
                Checked::build(vec![SourceFile::new("gen.handover", text.clone())], true)
                    .diagnostics
                    .len()
            })
        });
    }
    let examples = std::fs::read_to_string("examples/saas/policy.handover").unwrap_or_default();
    g.bench_function("with analysis/examples-saas", |b| {
        b.iter(|| {
            Checked::build(
                vec![SourceFile::new("policy.handover", examples.clone())],
                true,
            )
            .diagnostics
            .len()
        })
    });
    g.finish();
}

/// `handover diff` of the retail-bank example: against itself (equal
/// decision tables: no split of the space) and against an edit of one
/// threshold (the space split until both policies are constant); and a
/// policy of thousands of rows against a small one.
fn diff(c: &mut Criterion) {
    let mut g = c.benchmark_group("diff");
    g.sample_size(10);
    let text = std::fs::read_to_string("examples/retail-bank/policy.handover").unwrap_or_default();
    let edited = text.replace("let large_amount = 1000", "let large_amount = 500");
    let old = Policy::from_text("old.handover", &text).expect("retail-bank loads");
    let new = Policy::from_text("new.handover", &edited).expect("edited retail-bank loads");
    g.bench_function("retail-bank/itself", |b| {
        b.iter(|| handover::analyze::diff::diff(&old, &old).changes.len())
    });
    g.bench_function("retail-bank/one-threshold", |b| {
        b.iter(|| handover::analyze::diff::diff(&old, &new).changes.len())
    });
    // 8,192 rows from a `not` over 13 pairs against a one-rule policy
    let wide =
        std::fs::read_to_string("tests/fixtures/fuzz/diff_self-1.handover").unwrap_or_default();
    let wide = Policy::from_text("wide.handover", &wide).expect("the fuzz fixture loads");
    let one = Policy::from_text(
        "one.handover",
        "field confidence: number 0..1\nqueue \"kb-gaps\"\nwhen confidence is present then draft \"kb-gaps\"\n",
    )
    .expect("the one-rule policy loads");
    g.bench_function("8192-rows/one-rule", |b| {
        b.iter(|| handover::analyze::diff::diff(&wide, &one).changes.len())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(std::time::Duration::from_secs(5));
    targets = check, diff
}
criterion_main!(benches);
