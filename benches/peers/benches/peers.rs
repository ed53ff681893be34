//! handover vs Cedar vs zen, in one run (issue 8).
//!
//! For each policy size (10, 100, 1,000, 10,000 rules):
//! - `load-N`: load/compile time of each engine from its text form;
//! - `decide-N`: one decision with the facts already in the engine's native
//!   input form (handover `Facts`, Cedar `Request`, zen `Variable`);
//! - `decide-json-N`: one decision from the JSON text of the facts.
//!
//! Criterion measures the means; afterwards a second pass times individual
//! decisions to get the median and the 99th percentile, which criterion does
//! not report. Both go into a markdown summary printed at the end and
//! written to `$CARGO_TARGET_DIR/peers-report.md` (or `target/`).
//!
//! Environment: `PEERS_SIZES=10,100` to run some sizes only,
//! `PEERS_MEASURE_MS` (criterion measurement time per benchmark, default
//! 1500), `PEERS_P99_MS` (time budget of the percentile pass per engine and
//! size, default 1500; at least 300 timings are taken whatever the budget).

use criterion::{black_box, Criterion, SamplingMode};
use handover_peers::{render, spec, CedarEngine, HandoverEngine, ZenEngine, SIZES};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const POOL: usize = 1024;
const ENGINES: [&str; 3] = ["handover", "cedar", "zen"];

fn env_ms(name: &str, default: u64) -> Duration {
    Duration::from_millis(std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default))
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from)
}

/// Criterion's own estimate (ns) for one benchmark, read back from its
/// output directory.
fn criterion_estimate(group: &str, id: &str, which: &str) -> Option<f64> {
    let base = std::env::var_os("CRITERION_HOME").map_or_else(|| target_dir().join("criterion"), PathBuf::from);
    let text = std::fs::read_to_string(base.join(group).join(id).join("new").join("estimates.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get(which)?.get("point_estimate")?.as_f64()
}

/// The median cost of reading the clock twice, subtracted from every
/// individual timing.
fn timer_overhead() -> Duration {
    let mut v: Vec<Duration> = (0..20_001)
        .map(|_| {
            let t = Instant::now();
            t.elapsed()
        })
        .collect();
    v.sort_unstable();
    v[v.len() / 2]
}

#[derive(Clone, Copy, Default)]
struct Percentiles {
    samples: usize,
    median: f64,
    p99: f64,
    max: f64,
}

/// Time `f(i)` one call at a time over the pool; median and p99 in ns.
fn percentiles(budget: Duration, overhead: Duration, mut f: impl FnMut(usize)) -> Percentiles {
    // warm up and estimate
    let t = Instant::now();
    let mut k = 0;
    while k < 32 || (t.elapsed() < Duration::from_millis(100) && k < POOL) {
        f(k % POOL);
        k += 1;
    }
    let est = t.elapsed() / k as u32;
    let n = ((budget.as_nanos() / est.as_nanos().max(1)) as usize).clamp(300, 20_000);
    let mut v: Vec<f64> = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        f(i % POOL);
        let d = t.elapsed().saturating_sub(overhead);
        v.push(d.as_nanos() as f64);
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
    Percentiles {
        samples: n,
        median: at(0.5),
        p99: at(0.99),
        max: v[v.len() - 1],
    }
}

#[derive(Default)]
struct SizeResult {
    rules: usize,
    table_rows: usize,
    text_bytes: [usize; 3],
    load_ns: [Option<f64>; 3],
    load_no_analysis_ns: Option<f64>,
    native: [Percentiles; 3],
    native_mean: [Option<f64>; 3],
    json: [Percentiles; 3],
    json_mean: [Option<f64>; 3],
    matched_per_decision: f64,
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn fmt_opt(ns: Option<f64>) -> String {
    ns.map_or("–".to_string(), fmt_ns)
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        let r = a / b;
        if r >= 100.0 {
            format!("{r:.0}×")
        } else {
            format!("{r:.1}×")
        }
    } else {
        "–".to_string()
    }
}

fn run_size(c: &mut Criterion, n: usize, measure: Duration, p99_budget: Duration, overhead: Duration) -> SizeResult {
    let spec = handover_peers::generate(n, 1);
    let texts = [render::handover(&spec), render::cedar(&spec), render::zen(&spec)];
    let mut r = SizeResult {
        rules: n,
        text_bytes: [texts[0].len(), texts[1].len(), texts[2].len()],
        ..SizeResult::default()
    };

    // ------------------------------------------------------------ load
    {
        let group_name = format!("load-{n}");
        let mut g = c.benchmark_group(&group_name);
        g.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(measure).warm_up_time(Duration::from_millis(100));
        g.bench_function("handover", |b| b.iter(|| black_box(HandoverEngine::load(black_box(&texts[0])).is_ok())));
        g.bench_function("handover-no-analysis", |b| {
            b.iter(|| black_box(HandoverEngine::load_without_analysis(black_box(&texts[0])).is_some()))
        });
        g.bench_function("cedar", |b| b.iter(|| black_box(CedarEngine::load(black_box(&texts[1])).is_ok())));
        g.bench_function("zen", |b| b.iter(|| black_box(ZenEngine::load(black_box(&texts[2])).is_ok())));
        g.finish();
        for (i, e) in ENGINES.iter().enumerate() {
            r.load_ns[i] = criterion_estimate(&group_name, e, "mean");
        }
        r.load_no_analysis_ns = criterion_estimate(&group_name, "handover-no-analysis", "mean");
    }

    let h = HandoverEngine::load(&texts[0]).unwrap_or_else(|e| panic!("{e}"));
    let cd = CedarEngine::load(&texts[1]).unwrap_or_else(|e| panic!("{e}"));
    let z = ZenEngine::load(&texts[2]).unwrap_or_else(|e| panic!("{e}"));
    r.table_rows = h.policy.table().rows.len();

    let facts = spec::bench_facts(POOL, 42);
    let hf: Vec<_> = facts.iter().map(|f| h.native(f)).collect();
    let cf: Vec<_> = facts.iter().map(|f| cd.native(f)).collect();
    let zf: Vec<_> = facts.iter().map(|f| z.native(f)).collect();
    let json: Vec<String> = facts.iter().map(|f| f.to_json().to_string()).collect();
    r.matched_per_decision = hf.iter().map(|f| h.decide(f).matched.len()).sum::<usize>() as f64 / POOL as f64;

    // ------------------------------------------------- decide, native input
    let slow = n >= 1_000;
    {
        let group_name = format!("decide-{n}");
        let mut g = c.benchmark_group(&group_name);
        g.measurement_time(measure).warm_up_time(Duration::from_millis(300)).sample_size(30);
        if slow {
            g.sampling_mode(SamplingMode::Flat);
        }
        g.bench_function("handover", |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % POOL;
                black_box(h.decide(black_box(&hf[i])).action)
            })
        });
        g.bench_function("cedar", |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % POOL;
                black_box(cd.decide(black_box(&cf[i])).action)
            })
        });
        g.bench_function("zen", |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % POOL;
                black_box(z.decide(black_box(&zf[i])))
            })
        });
        g.finish();
        for (i, e) in ENGINES.iter().enumerate() {
            r.native_mean[i] = criterion_estimate(&group_name, e, "mean");
        }
    }

    // ------------------------------------------------- decide, from JSON text
    {
        let group_name = format!("decide-json-{n}");
        let mut g = c.benchmark_group(&group_name);
        g.measurement_time(measure).warm_up_time(Duration::from_millis(300)).sample_size(30);
        if slow {
            g.sampling_mode(SamplingMode::Flat);
        }
        g.bench_function("handover", |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % POOL;
                black_box(h.decide_json(black_box(&json[i])).map(|d| d.action))
            })
        });
        g.bench_function("cedar", |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % POOL;
                black_box(cd.decide_json(black_box(&json[i])).map(|d| d.action))
            })
        });
        g.bench_function("zen", |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % POOL;
                black_box(z.decide_json(black_box(&json[i])))
            })
        });
        g.finish();
        for (i, e) in ENGINES.iter().enumerate() {
            r.json_mean[i] = criterion_estimate(&group_name, e, "mean");
        }
    }

    // ------------------------------------------ individual timings: p50, p99
    eprintln!("percentiles for {n} rules...");
    r.native[0] = percentiles(p99_budget, overhead, |i| {
        black_box(h.decide(black_box(&hf[i])).action);
    });
    r.native[1] = percentiles(p99_budget, overhead, |i| {
        black_box(cd.decide(black_box(&cf[i])).action);
    });
    r.native[2] = percentiles(p99_budget, overhead, |i| {
        black_box(z.decide(black_box(&zf[i])));
    });
    r.json[0] = percentiles(p99_budget, overhead, |i| {
        black_box(h.decide_json(black_box(&json[i])).map(|d| d.action));
    });
    r.json[1] = percentiles(p99_budget, overhead, |i| {
        black_box(cd.decide_json(black_box(&json[i])).map(|d| d.action));
    });
    r.json[2] = percentiles(p99_budget, overhead, |i| {
        black_box(z.decide_json(black_box(&json[i])));
    });
    r
}

fn command_output(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn machine() -> String {
    let nproc = command_output("nproc", &[]);
    let model = command_output("lscpu", &[])
        .lines()
        .find(|l| l.starts_with("Model name"))
        .map(|l| l.split_once(':').map_or(l, |x| x.1).trim().to_string())
        .unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let rev = command_output("git", &["-C", env!("CARGO_MANIFEST_DIR"), "describe", "--always", "--dirty"]);
    format!(
        "nproc {nproc}, CPU \"{model}\", rustc {}, handover at {rev}, load average at the end {}",
        command_output("rustc", &["--version"]).trim_start_matches("rustc "),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    )
}

fn report(results: &[SizeResult], overhead: Duration, measure: Duration, p99_budget: Duration, elapsed: Duration) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## Results\n\nMachine: {}.", machine());
    let _ = writeln!(
        s,
        "Run: {:.0} s in all; criterion {} ms per benchmark; percentile pass {} ms per engine and size (≥ 300 timings), clock overhead of {} ns subtracted from each timing.\n",
        elapsed.as_secs_f64(),
        measure.as_millis(),
        p99_budget.as_millis(),
        overhead.as_nanos()
    );
    for (title, json) in [("Per decision, facts already in the engine's input form", false), ("Per decision, from the JSON text of the facts", true)] {
        let _ = writeln!(s, "### {title}\n");
        let _ = writeln!(s, "| rules | handover p50 / p99 | Cedar p50 / p99 | zen p50 / p99 | criterion mean h / C / z | Cedar ÷ handover (p50) | zen ÷ handover (p50) |");
        let _ = writeln!(s, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for r in results {
            let (p, m) = if json { (&r.json, &r.json_mean) } else { (&r.native, &r.native_mean) };
            let _ = writeln!(
                s,
                "| {} | {} / {} | {} / {} | {} / {} | {} / {} / {} | {} | {} |",
                r.rules,
                fmt_ns(p[0].median),
                fmt_ns(p[0].p99),
                fmt_ns(p[1].median),
                fmt_ns(p[1].p99),
                fmt_ns(p[2].median),
                fmt_ns(p[2].p99),
                fmt_opt(m[0]),
                fmt_opt(m[1]),
                fmt_opt(m[2]),
                ratio(p[1].median, p[0].median),
                ratio(p[2].median, p[0].median),
            );
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "### Growth with the rule count (p50, native input, relative to 10 rules)\n");
    let _ = writeln!(s, "| rules | × rules | handover | Cedar | zen |");
    let _ = writeln!(s, "| ---: | ---: | ---: | ---: | ---: |");
    if let Some(first) = results.first() {
        for r in results {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                r.rules,
                ratio(r.rules as f64, first.rules as f64),
                ratio(r.native[0].median, first.native[0].median),
                ratio(r.native[1].median, first.native[1].median),
                ratio(r.native[2].median, first.native[2].median),
            );
        }
    }
    let _ = writeln!(s, "\n### Load / compile (criterion mean)\n");
    let _ = writeln!(s, "| rules | handover | handover without lint analysis | Cedar | zen | text size h / C / z | handover table rows | rules matched per decision |");
    let _ = writeln!(s, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in results {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} / {} / {} kB | {} | {:.1} |",
            r.rules,
            fmt_opt(r.load_ns[0]),
            fmt_opt(r.load_no_analysis_ns),
            fmt_opt(r.load_ns[1]),
            fmt_opt(r.load_ns[2]),
            r.text_bytes[0] / 1024,
            r.text_bytes[1] / 1024,
            r.text_bytes[2] / 1024,
            r.table_rows,
            r.matched_per_decision
        );
    }
    let _ = writeln!(s, "\nTimings per engine and size: {} (native) / {} (JSON) individual decisions.", 
        results.iter().map(|r| format!("{}: {}/{}/{}", r.rules, r.native[0].samples, r.native[1].samples, r.native[2].samples)).collect::<Vec<_>>().join(", "),
        results.iter().map(|r| format!("{}: {}/{}/{}", r.rules, r.json[0].samples, r.json[1].samples, r.json[2].samples)).collect::<Vec<_>>().join(", "));
    let _ = writeln!(s, "Slowest single decision seen (native): {}.",
        results.iter().map(|r| format!("{}: {} / {} / {}", r.rules, fmt_ns(r.native[0].max), fmt_ns(r.native[1].max), fmt_ns(r.native[2].max))).collect::<Vec<_>>().join("; "));
    s
}

fn main() {
    let started = Instant::now();
    let measure = env_ms("PEERS_MEASURE_MS", 1500);
    let p99_budget = env_ms("PEERS_P99_MS", 1500);
    let sizes: Vec<usize> = std::env::var("PEERS_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| SIZES.to_vec());
    let mut c = Criterion::default().configure_from_args();
    // `cargo test --benches` runs the bench binary in test mode: one pass each.
    let test_mode = std::env::args().any(|a| a == "--test");
    let overhead = timer_overhead();
    let mut results = Vec::new();
    for n in sizes {
        if test_mode {
            let l = handover_peers::load_all(n, 1).unwrap_or_else(|e| panic!("{e}"));
            let f = spec::bench_facts(1, 42).remove(0);
            assert_eq!(
                HandoverEngine::outcome(&l.handover.decide(&l.handover.native(&f))),
                CedarEngine::outcome(&l.cedar.decide(&l.cedar.native(&f)))
            );
            continue;
        }
        results.push(run_size(&mut c, n, measure, p99_budget, overhead));
    }
    c.final_summary();
    if test_mode {
        return;
    }
    let text = report(&results, overhead, measure, p99_budget, started.elapsed());
    println!("\n{text}");
    let path = target_dir().join("peers-report.md");
    match std::fs::write(&path, &text) {
        Ok(()) => eprintln!("summary written to {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
}
