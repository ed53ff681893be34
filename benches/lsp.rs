//! Language-server latency on a generated 2,000-rule policy: from a change
//! to the diagnostics (parse, check, compile, analyse, index, convert),
//! completion and hover.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use handover::ide::{self, Analysis};
use handover::lsp::convert::Encoding;
use handover::span::SourceFile;
use std::str::FromStr;
use tower_lsp_server::lsp_types::Uri;

// the binary's allocator, so that the figures are the server's
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A policy with `rules` rules over a dozen fields and 40 queues.
pub fn generate(rules: usize) -> String {
    let mut s = String::from("policy \"bench\"\n\n");
    s.push_str("## How much the customer is worth to us.\n");
    s.push_str("field value: level { free < pro < business < enterprise < vip }\n");
    s.push_str("field category: enum { refund, billing, password_reset, shipping, outage, legal, other, account, bug, how_to }\n");
    s.push_str("field confidence: number 0..1\n");
    s.push_str("field sentiment: level { hostile < angry < negative < neutral < positive }\n");
    s.push_str(
        "field risk: set { legal, financial, security, compliance, account_access, payment }\n",
    );
    s.push_str("field repeat_contacts: int 0..\n");
    s.push_str("field churn_signal: bool\n");
    s.push_str("field message: text\n");
    s.push_str("field region: enum { eu, us, apac, latam }\n");
    s.push_str("field seats: int 1..100000\n\n");
    s.push_str("let low_confidence = 55%\n\n");
    for q in 0..40 {
        s.push_str(&format!(
            "queue \"queue-{q}\" sla {}h \"Queue number {q}\"\n",
            1 + q % 8
        ));
    }
    s.push_str("\nticket requires question, sources\n\n");
    s.push_str("automation by category {\n  billing => draft\n  legal => human \"queue-0\"\n  otherwise => answer\n}\n\n");
    let cats = [
        "refund",
        "billing",
        "password_reset",
        "shipping",
        "outage",
        "legal",
        "other",
        "account",
        "bug",
        "how_to",
    ];
    let levels = ["free", "pro", "business", "enterprise", "vip"];
    let moods = ["hostile", "angry", "negative", "neutral", "positive"];
    let regions = ["eu", "us", "apac", "latam"];
    let actions = ["route", "human", "draft"];
    let prios = ["low", "normal", "high", "urgent"];
    for i in 0..rules {
        let cond = match i % 5 {
            0 => format!("category = {} and value >= {}", cats[i % 10], levels[i % 5]),
            1 => format!(
                "confidence < {}% or sentiment <= {}",
                10 + i % 80,
                moods[i % 5]
            ),
            2 => format!(
                "region = {} and seats > {} and not churn_signal",
                regions[i % 4],
                i % 1000
            ),
            3 => format!(
                "risk has any {{ legal, payment }} and repeat_contacts >= {}",
                i % 7
            ),
            _ => format!(
                "message contains \"word{i}\" and category in {{ {}, {} }}",
                cats[i % 10],
                cats[(i + 3) % 10]
            ),
        };
        s.push_str(&format!(
            "rule \"rule {i}\"\n  when {cond}\n  then {} \"queue-{}\" priority {} tag \"t{}\"\n\n",
            actions[i % 3],
            i % 40,
            prios[i % 4],
            i % 17
        ));
    }
    for i in 0..50 {
        s.push_str(&format!(
            "example \"example {i}\" {{\n  category = {}, value = {}, confidence = 0.{}\n}} expect route\n\n",
            cats[i % 10],
            levels[i % 5],
            i % 10
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = generate(2000);
    let uris = [Uri::from_str("file:///bench/policy.handover").expect("uri")];
    let a = Analysis::single("policy.handover", &text);
    assert!(
        !a.checked.has_errors(),
        "{:?}",
        a.checked.diagnostics.first()
    );

    let mut g = c.benchmark_group("lsp 2000 rules");
    g.sample_size(10);
    // what the server publishes at once: parse, check, compile, index. The
    // server caches parsed statements; each iteration types into one rule,
    // as an editor does, so one statement is new every time.
    handover::syntax::cache::enable();
    let typed_at = text.find("seats > 2").expect("a rule to type into") + "seats > 2".len();
    let mut keystroke = 0u64;
    g.bench_function("change to diagnostics (without table warnings)", |b| {
        b.iter(|| {
            keystroke += 1;
            let mut edited = String::with_capacity(text.len() + 24);
            edited.push_str(&text[..typed_at]);
            edited.push_str(&keystroke.to_string());
            edited.push_str(&text[typed_at..]);
            let a = Analysis::quick(vec![SourceFile::new("policy.handover", edited)]);
            black_box(handover::lsp::file_diagnostics(
                &a,
                &uris,
                0,
                Encoding::Utf16,
            ))
        })
    });
    // everything `check` reports (the table-based warnings of a policy
    // this large come in a second publication)
    g.bench_function("change to all diagnostics", |b| {
        b.iter(|| {
            let a = Analysis::new(vec![SourceFile::new("policy.handover", text.clone())]);
            black_box(handover::lsp::file_diagnostics(
                &a,
                &uris,
                0,
                Encoding::Utf16,
            ))
        })
    });
    // completion at the end (a new rule), and in the middle of a rule
    let with_when = format!("{text}when ");
    let b_when = Analysis::single("policy.handover", &with_when);
    let middle =
        text.find("rule \"rule 1000\"").expect("rule 1000") + "rule \"rule 1000\"\n  when ".len();
    g.bench_function("completion after `when`", |b| {
        b.iter(|| black_box(ide::completions(&b_when, 0, with_when.len())))
    });
    g.bench_function("completion in a rule", |b| {
        b.iter(|| black_box(ide::completions(&a, 0, middle)))
    });
    g.bench_function("completion of a queue", |b| {
        let at = text.find("then route \"queue-").expect("route") + "then route ".len();
        b.iter(|| black_box(ide::completions(&a, 0, at)))
    });
    let field = text.rfind("confidence <").expect("field use") + 2;
    g.bench_function("hover on a field", |b| {
        b.iter(|| black_box(ide::hover(&a, 0, field)))
    });
    let rule = text.find("rule \"rule 1500\"").expect("rule") + 2;
    g.bench_function("hover on a rule", |b| {
        b.iter(|| black_box(ide::hover(&a, 0, rule)))
    });
    g.bench_function("semantic tokens", |b| {
        b.iter(|| black_box(ide::semantic_tokens(&a, 0)))
    });
    g.bench_function("document symbols", |b| {
        b.iter(|| black_box(ide::document_symbols(&a, 0)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
