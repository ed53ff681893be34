//! The HTML report opened in headless Chromium: every chart and KPI card
//! is there, and a screenshot is taken (target/report.png).
//! Without Chromium the test says it was skipped; `.ci/run` sets
//! HANDOVER_REQUIRE_CHROMIUM=1 and installs it, so there it is mandatory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|c| {
            let out = Command::new("which").arg(c).output().ok()?;
            out.status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
}

fn chrome_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(std::iter::once(format!(
        "--user-data-dir={}",
        profile.display()
    )))
    .collect()
}

#[test]
fn html_report_renders_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("HANDOVER_REQUIRE_CHROMIUM").is_none(),
            "Chromium is required here but was not found"
        );
        eprintln!("skipped: chromium not installed (apt-get install chromium)");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = root.join("target");
    std::fs::create_dir_all(&target).unwrap();
    let html = target.join(format!("report-test-{}.html", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_handover"))
        .args([
            "simulate",
            "examples/saas",
            "--conversations",
            "examples/saas/conversations.jsonl",
            "--format",
            "html",
            "-o",
        ])
        .arg(&html)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains("<script"),
        "the report must not need scripts"
    );
    for remote in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(
            !page.contains(remote),
            "the report must be readable offline: found {remote}"
        );
    }

    let profile = std::env::temp_dir().join(format!("handover-chrome-{}", std::process::id()));
    let url = format!("file://{}", html.display());
    let dom = Command::new(&browser)
        .args(chrome_args(&profile))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    for kpi in [
        "precision",
        "missed",
        "automation",
        "completeness",
        "routing",
    ] {
        assert!(
            dom.contains(&format!("data-kpi=\"{kpi}\"")),
            "KPI card {kpi} missing from the rendered page"
        );
    }
    for chart in [
        "confusion",
        "queue-load",
        "rule-activity",
        "handoff-turns",
        "gaps",
    ] {
        assert!(
            dom.contains(&format!("data-chart=\"{chart}\"")),
            "chart {chart} missing from the rendered page"
        );
    }
    assert!(dom.matches("<svg").count() >= 5, "charts are SVG");
    // the conversations behind the misses, named so they can be looked up
    assert!(
        dom.contains("Conversations behind the misses")
            && dom
                .contains("<td>saas-010</td><td>route \"customer-success\" by `churn signal`</td>"),
        "the table of misses is missing from the rendered page"
    );

    let shot = target.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let status = Command::new(&browser)
        .args(chrome_args(&profile))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1100,1800")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "screenshot looks empty ({} bytes)",
        png.len()
    );
    let _ = std::fs::remove_file(&html);
    let _ = std::fs::remove_dir_all(&profile);
}
