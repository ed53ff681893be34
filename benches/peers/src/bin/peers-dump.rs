//! Write the three renderings of one generated policy, for reading:
//! `cargo run --release --bin peers-dump -- 100 DIR`.
fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let spec = handover_peers::generate(n, 1);
    let _ = std::fs::create_dir_all(&dir);
    for (name, text) in [
        (format!("bench-{n}.handover"), handover_peers::render::handover(&spec)),
        (format!("bench-{n}.cedar"), handover_peers::render::cedar(&spec)),
        (format!("bench-{n}.jdm.json"), handover_peers::render::zen(&spec)),
    ] {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("{}: {e}", path.display());
            std::process::exit(1);
        }
        println!("{}", path.display());
    }
}
