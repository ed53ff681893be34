//! The public conformance cases of ../shared/conformance, through their
//! own checker script, against the real binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use std::path::Path;
use std::process::Command;

#[test]
fn public_conformance_cases_agree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let checker = root.join("../shared/conformance/check.py");
    if !checker.exists() {
        // the cases live beside the repository; CI always has them
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing",
            checker.display()
        );
        eprintln!("skipped: {} not found", checker.display());
        return;
    }
    let out = Command::new("python3")
        .arg(&checker)
        .arg(env!("CARGO_BIN_EXE_handover"))
        .output()
        .expect("python3 runs the conformance checker");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default().to_string();
    assert!(
        out.status.success(),
        "conformance failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (agree, total) = last
        .trim_start_matches("conformance: ")
        .trim_end_matches(" agree")
        .split_once('/')
        .map(|(a, b)| (a.parse::<u32>().unwrap(), b.parse::<u32>().unwrap()))
        .unwrap();
    assert_eq!(agree, total);
    assert!(total >= 600, "expected the full set of cases, got {total}");
}
