//! The README's editor picture, made by a test: editors/vscode/scripts/screenshot.js
//! asks the real language server (this build of `handover lsp`) about a policy
//! with a misspelled value, shows its answers in Monaco with the extension's
//! TextMate grammar in headless Chromium (squiggle, hover, quick-fix menu),
//! checks them on screen and writes target/editor.png (docs/img/editor.png is
//! a copy of it).
//! Needs node, Chromium and editors/vscode/node_modules (`npm ci` there, or
//! `bash editors/vscode/test.sh`); without them the test says it was skipped,
//! unless HANDOVER_REQUIRE_CHROMIUM is set, when a missing tool is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn which(names: &[&str]) -> Option<PathBuf> {
    names.iter().find_map(|c| {
        let out = Command::new("which").arg(c).output().ok()?;
        out.status
            .success()
            .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    })
}

/// Skips the test with `reason`, or fails it when the tools are required.
fn skip(reason: &str) {
    assert!(
        std::env::var_os("HANDOVER_REQUIRE_CHROMIUM").is_none(),
        "HANDOVER_REQUIRE_CHROMIUM is set but {reason}"
    );
    eprintln!("skipped: {reason}");
}

/// Width and height from the IHDR chunk of a PNG file.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if !png.starts_with(b"\x89PNG\r\n\x1a\n") || png.get(12..16)? != b"IHDR" {
        return None;
    }
    let be = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(png.get(at..at + 4)?.try_into().ok()?))
    };
    Some((be(16)?, be(20)?))
}

#[test]
fn editor_screenshot_shows_the_server_answers() {
    let Some(browser) = which(&["chromium", "chromium-browser", "google-chrome"]) else {
        return skip("chromium is not installed (apt-get install chromium)");
    };
    let Some(node) = which(&["node"]) else {
        return skip("node is not installed (Node.js 20 or later)");
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let vscode = root.join("editors/vscode");
    for pkg in [
        "monaco-editor",
        "playwright-core",
        "vscode-textmate",
        "vscode-oniguruma",
    ] {
        if !vscode.join("node_modules").join(pkg).is_dir() {
            return skip(&format!(
                "editors/vscode/node_modules/{pkg} is missing (run `npm ci` in editors/vscode, or `bash editors/vscode/test.sh`)"
            ));
        }
    }

    let target = root.join("target");
    std::fs::create_dir_all(&target).unwrap();
    let shot = target.join("editor.png");
    let _ = std::fs::remove_file(&shot);

    let started = Instant::now();
    let mut child = Command::new(node)
        .arg(vscode.join("scripts/screenshot.js"))
        .arg("--server")
        .arg(env!("CARGO_BIN_EXE_handover"))
        .arg("--out")
        .arg(&shot)
        .arg("--chromium")
        .arg(&browser)
        .current_dir(&vscode)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // the script has its own deadline; this one is in case node hangs
    let limit = Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("scripts/screenshot.js did not finish in {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        status.success(),
        "scripts/screenshot.js failed ({status}):\n{stdout}\n{stderr}"
    );
    for check in [
        "squiggle under the server diagnostic",
        "hover shows the server message",
        "quick-fix menu offers the server fix",
        "TextMate grammar colours the tokens",
    ] {
        assert!(
            stdout.contains(&format!("ok - {check}")),
            "check `{check}` did not pass:\n{stdout}"
        );
    }
    assert!(!stdout.contains("not ok"), "a check failed:\n{stdout}");

    let png = std::fs::read(&shot).expect("no target/editor.png");
    let (w, h) = png_size(&png).expect("target/editor.png is not a PNG");
    assert!(
        (1000..=4000).contains(&w) && (500..=3000).contains(&h),
        "unexpected picture size {w}x{h}"
    );
    assert!(
        png.len() > 50_000,
        "the picture looks empty ({} bytes)",
        png.len()
    );
    eprintln!(
        "target/editor.png: {w}x{h}, {} KiB, {:.1} s",
        png.len() / 1024,
        started.elapsed().as_secs_f64()
    );
}
