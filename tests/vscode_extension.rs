//! The VS Code extension end to end, without VS Code: the compiled
//! `editors/vscode/src/extension.ts` and the real `vscode-languageclient`
//! run under Node with a fake `vscode` module against this `handover lsp`
//! (`editors/vscode/test/e2e/run.js`). Needs `node` (18 or later) and
//! `editors/vscode/node_modules` (`npm ci` there); without them the test
//! says why and passes, unless `HANDOVER_REQUIRE_NODE` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// The runner stops the tests itself after this many seconds.
const RUNNER_TIMEOUT_SECS: u64 = 60;
/// A backstop over the runner (compiling the extension comes first).
const HARD_TIMEOUT: Duration = Duration::from_secs(180);

fn extension_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("editors")
        .join("vscode")
}

/// Skips the test with a reason, or fails when `HANDOVER_REQUIRE_NODE` is set.
fn unavailable(reason: &str) {
    if std::env::var_os("HANDOVER_REQUIRE_NODE").is_some() {
        panic!("HANDOVER_REQUIRE_NODE is set, but {reason}");
    }
    eprintln!("skipping the VS Code extension test: {reason}");
}

/// The major version of `node` on PATH, if it runs.
fn node_major() -> Option<u32> {
    let out = Command::new("node")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    version
        .strip_prefix('v')
        .unwrap_or(&version)
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// Reads a pipe to its end on a thread; the text comes through the channel.
fn read_all(mut r: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        let _ = tx.send(String::from_utf8_lossy(&buf).into_owned());
    });
    rx
}

/// Asks the runner to stop (it then kills its test process group and removes
/// its temporary directory), and kills it if it does not.
fn stop(child: &mut Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn vscode_extension_end_to_end() {
    let dir = extension_dir();
    match node_major() {
        None => return unavailable("`node` is not on PATH"),
        Some(major) if major < 18 => {
            return unavailable(&format!(
                "node {major} is too old (18 or later runs node:test)"
            ))
        }
        Some(_) => {}
    }
    for needed in [
        Path::new("node_modules/typescript/bin/tsc"),
        Path::new("node_modules/vscode-languageclient/package.json"),
    ] {
        if !dir.join(needed).is_file() {
            return unavailable(&format!(
                "{} is missing (run `npm ci` in editors/vscode)",
                dir.join(needed).display()
            ));
        }
    }

    let started = Instant::now();
    let mut child = Command::new("node")
        .arg(Path::new("test").join("e2e").join("run.js"))
        .arg("--server")
        .arg(env!("CARGO_BIN_EXE_handover"))
        .arg("--timeout")
        .arg(RUNNER_TIMEOUT_SECS.to_string())
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node test/e2e/run.js");
    let stdout = read_all(child.stdout.take().expect("stdout"));
    let stderr = read_all(child.stderr.take().expect("stderr"));

    let status = loop {
        match child.try_wait().expect("wait for the runner") {
            Some(status) => break Some(status),
            None if started.elapsed() > HARD_TIMEOUT => {
                stop(&mut child);
                break None;
            }
            None => thread::sleep(Duration::from_millis(100)),
        }
    };
    // A process left holding the pipes must not hang the test.
    let stdout = stdout
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_default();
    let stderr = stderr
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_default();
    let output = format!("--- stdout\n{stdout}\n--- stderr\n{stderr}");
    match status {
        None => panic!(
            "the VS Code extension tests did not finish in {} s\n{output}",
            HARD_TIMEOUT.as_secs()
        ),
        Some(s) if !s.success() => {
            panic!("the VS Code extension tests failed ({s})\n{output}")
        }
        Some(_) => {
            let summary = stdout.lines().last().unwrap_or("");
            eprintln!(
                "VS Code extension tests: {summary} ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
}
