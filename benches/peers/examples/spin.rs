//! Run one engine's decide in a loop, for a profiler:
//! `perf record -g target/release/examples/spin handover 1000 5`
//! (engine: handover | handover-json | cedar | zen | handover-load).
use handover_peers::*;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let engine = args.get(1).map(String::as_str).unwrap_or("handover");
    let n: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let secs: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(5);
    let spec = generate(n, 1);
    let facts = spec::bench_facts(1000, 42);
    let until = Instant::now() + Duration::from_secs(secs);
    let mut count = 0u64;
    match engine {
        "handover-load" => {
            let text = render::handover(&spec);
            while Instant::now() < until {
                black_box(HandoverEngine::load(&text).ok());
                count += 1;
            }
        }
        "handover" | "handover-json" => {
            let h = HandoverEngine::load_without_analysis(&render::handover(&spec)).unwrap();
            let nat: Vec<_> = facts.iter().map(|f| h.native(f)).collect();
            let texts: Vec<_> = facts.iter().map(|f| f.to_json().to_string()).collect();
            while Instant::now() < until {
                for i in 0..1000 {
                    if engine == "handover" {
                        black_box(h.decide(&nat[i]));
                    } else {
                        black_box(h.decide_json(&texts[i]));
                    }
                }
                count += 1000;
            }
        }
        "cedar" => {
            let c = CedarEngine::load(&render::cedar(&spec)).unwrap();
            let nat: Vec<_> = facts.iter().map(|f| c.native(f)).collect();
            while Instant::now() < until {
                for f in &nat {
                    black_box(c.decide(f));
                }
                count += 1000;
            }
        }
        "zen" => {
            let z = ZenEngine::load(&render::zen(&spec)).unwrap();
            let nat: Vec<_> = facts.iter().map(|f| z.native(f)).collect();
            while Instant::now() < until {
                for f in &nat {
                    black_box(z.decide(f));
                }
                count += 1000;
            }
        }
        _ => panic!("unknown engine {engine}"),
    }
    eprintln!("{engine} {n}: {count} iterations in {secs}s");
}
