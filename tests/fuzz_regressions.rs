//! Regression tests for the fuzz targets (fuzz/, see fuzz/README.md).
//!
//! The byte-input targets' properties live in fuzz/checks.rs, included
//! here, so a saved input runs exactly the code path that found it:
//!
//! * every input of the committed seed corpus `fuzz/corpus/seed/<target>/`
//!   holds every property (the fuzzers' starting point, checked on stable
//!   Rust in the ordinary test run);
//! * every crash the fuzzers found, minimised, is a file
//!   `tests/fixtures/fuzz/<target>-<n>.<ext>` with a test of its own below
//!   (`#[ignore = "fuzz bug: ..."]` while the bug is open);
//! * `every_fuzz_fixture` runs all of tests/fixtures/fuzz by target prefix,
//!   except the open bugs listed in `OPEN`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Fixtures of bugs not fixed yet: `every_fuzz_fixture` skips them (their
/// own tests are ignored).
const OPEN: &[&str] = &[];

/// A saved crash input, for the tests of single crashes below.
#[allow(dead_code)]
fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(ROOT).join("tests/fixtures/fuzz").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn check_for(target: &str) -> fn(&[u8]) {
    match target {
        "parse" => checks::parse,
        "fmt" => checks::fmt,
        "decide" => checks::decide,
        "diff_self" => checks::diff_self,
        "simulate" => checks::simulate,
        other => panic!("no byte-input check for target `{other}`"),
    }
}

/// Run a check on every file of a directory, naming the file that fails.
fn run_all(target: &str, dir: &Path) -> usize {
    let check = check_for(target);
    let all = files(dir);
    for p in &all {
        let data = std::fs::read(p).unwrap();
        let r = std::panic::catch_unwind(|| check(&data));
        assert!(r.is_ok(), "{target} fails on {}", p.display());
    }
    all.len()
}

fn seed(target: &str) {
    let dir = Path::new(ROOT).join("fuzz/corpus/seed").join(target);
    let n = run_all(target, &dir);
    assert!(n > 0, "no seed inputs in {}", dir.display());
}

// ---- the seed corpus -----------------------------------------------------------------

#[test]
fn seed_corpus_parse() {
    seed("parse");
}

#[test]
fn seed_corpus_fmt() {
    seed("fmt");
}

#[test]
fn seed_corpus_decide() {
    seed("decide");
}

#[test]
fn seed_corpus_diff_self() {
    seed("diff_self");
}

#[test]
fn seed_corpus_simulate() {
    seed("simulate");
}

// ---- every saved crash -----------------------------------------------------------------

#[test]
fn every_fuzz_fixture() {
    let dir = Path::new(ROOT).join("tests/fixtures/fuzz");
    for p in files(&dir) {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if OPEN.contains(&name.as_str()) {
            continue;
        }
        let Some((target, _)) = name.rsplit_once('-') else {
            continue;
        };
        if !matches!(
            target,
            "parse" | "fmt" | "decide" | "diff_self" | "simulate"
        ) {
            continue; // decide_random and lsp fixtures have tests of their own
        }
        let data = std::fs::read(&p).unwrap();
        let r = std::panic::catch_unwind(|| check_for(target)(&data));
        assert!(r.is_ok(), "{target} fails on {}", p.display());
    }
}

// ---- one test per crash ------------------------------------------------------------------

/// fmt wrote a backslash followed by a line break in a quoted name as
/// `\\n`, which reads back as a backslash and the letter n: the queue was
/// renamed. Found by the `fmt` target after 408,073 executions.
#[test]
fn fmt_1() {
    checks::fmt(&fixture("fmt-1.handover"));
}

/// A value named like a statement keyword (`example`) at the start of an
/// automation entry line was read as the start of an `example` statement:
/// fmt put the entry on its own line, and the result no longer parsed.
/// Found by the `fmt` target after 721,481 executions.
#[test]
fn fmt_2() {
    checks::fmt(&fixture("fmt-2.handover"));
}

/// `diff` of a policy with itself (4,096 decision-table rows from a `not`
/// over 12 `or`s) took 28 s and gave up as "too large to compare". Equal
/// decision tables now decide the same without splitting the space. Found
/// as a timeout by the `diff_self` target.
#[test]
fn diff_self_1() {
    let text = String::from_utf8(fixture("diff_self-1.handover")).unwrap();
    let p = handover::Policy::from_text("p.handover", &text).unwrap();
    let r = handover::analyze::diff::diff(&p, &p);
    assert!(r.changes.is_empty() && !r.incomplete);
    checks::diff_self(text.as_bytes());
}

/// The same policy against a one-rule policy gave up after 200,000 boxes
/// (21 s), listing 537 of its regions: every box was compared with each
/// of the 8,192 rows. Rows that contain or miss a box now leave its parts
/// alone, and rows ranked below one that covers the box (SPEC 2.4) do
/// not split it, so the comparison is complete.
#[test]
fn diff_self_1_against_another_policy() {
    let text = String::from_utf8(fixture("diff_self-1.handover")).unwrap();
    let p = handover::Policy::from_text("p.handover", &text).unwrap();
    let other = handover::Policy::from_text(
        "q.handover",
        "field confidence: number 0..1\nqueue \"kb-gaps\"\nwhen confidence is missing or confidence is present then draft \"kb-gaps\"\n",
    )
    .unwrap();
    let r = handover::analyze::diff::diff(&p, &other);
    assert!(!r.incomplete);
    assert!(!r.changes.is_empty());
    for c in &r.changes {
        let decide = |p: &handover::Policy| {
            let d = p.decide(&p.facts(&c.example).unwrap());
            (d.action, d.queue.map(str::to_string))
        };
        assert_ne!(decide(&p), decide(&other), "{} decides the same", c.example);
    }
}

// Add one test per minimised input here, e.g.
//
//     #[test]
//     #[ignore = "fuzz bug: <what fails, where in src/>"]
//     fn parse_1() {
//         checks::parse(&fixture("parse-1.handover"));
//     }
//
// and list the file in `OPEN` while it is ignored.
