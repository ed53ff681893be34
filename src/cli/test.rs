//! `handover test`: run the `example` blocks.

use super::{CliError, FAILED, OK};
use crate::diag::printable;
use crate::testing::run_examples;
use clap::ValueEnum;
use serde_json::json;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum Format {
    Human,
    Json,
    Junit,
}

/// Run the `example` blocks of policies and compare with what they expect.
#[derive(clap::Args)]
#[command(
    after_help = "An example reads: example \"name\" { category = refund, value = vip } expect route \"billing\" priority urgent\n\nExamples:\n  handover test policy.handover\n  handover test policy/ --format junit > junit.xml   # a folder is one policy\n\nExit status: 0 all pass, 1 a failure, a policy error or no examples at all, 2 usage or I/O error."
)]
pub struct Args {
    /// Policy files or directories
    #[arg(required = true, value_name = "POLICY")]
    policies: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

/// Text for an XML attribute or element. Line breaks and tabs become
/// character references (a raw one in an attribute reads as a space); the
/// other control characters, which XML 1.0 cannot carry at all, become
/// U+FFFD so the report still parses.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// [`xml`] for an element's text, where a line break stays one.
fn xml_text(s: &str) -> String {
    xml(s).replace("&#10;", "\n")
}

pub fn run(args: Args) -> Result<i32, CliError> {
    let mut total = 0usize;
    let mut failed = 0usize;
    let mut broken = false;
    let mut broken_policies = 0usize;
    let mut suites = Vec::new();
    let mut human = String::new();
    let mut json_suites = Vec::new();
    let colour = super::stdout_colour();
    let (green, red, reset) = if colour {
        ("\x1b[32m", "\x1b[31m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    for p in &args.policies {
        let name = p.display().to_string();
        let policy = match super::load_policy_or_errors(p)? {
            Ok(p) => p,
            Err(errors) => {
                // in the reports too: a CI dashboard showing "0 tests" in
                // green would hide why the job failed
                broken = true;
                broken_policies += 1;
                let message = format!(
                    "the policy has {} error(s); `handover check` shows them",
                    errors.len()
                );
                suites.push(format!(
                    "  <testsuite name=\"{}\" tests=\"1\" failures=\"0\" errors=\"1\">\n    <testcase name=\"policy errors\" classname=\"{}\">\n      <error message=\"{}\">{}</error>\n    </testcase>\n  </testsuite>\n",
                    xml(&name),
                    xml(&name),
                    xml(&message),
                    xml_text(&errors.join("\n"))
                ));
                json_suites.push(json!({"policy": name, "examples": [], "errors": errors}));
                continue;
            }
        };
        let results = run_examples(&policy);
        let model = policy.model();
        let mut cases = String::new();
        let mut json_cases = Vec::new();
        let mut suite_failed = 0;
        for r in &results {
            let Some(e) = model.examples.get(r.index) else {
                continue;
            };
            total += 1;
            let file = policy.checked().files.get(e.span.file as usize);
            let (line, col) = file.map_or((0, 0), |f| f.line_col(e.span.start));
            // `path:line:col`, which terminals and editors open at the place
            let file_name = file.map_or(name.as_str(), |f| f.name.as_str());
            let place = format!("{file_name}:{line}:{col}");
            let actual = format!(
                "{}{}{}",
                r.decision.action.as_str(),
                r.decision
                    .queue
                    .map(|q| format!(" \"{}\"", printable(q)))
                    .unwrap_or_default(),
                r.decision
                    .priority
                    .map(|p| format!(" priority {}", p.as_str()))
                    .unwrap_or_default()
            );
            if r.passed() {
                human.push_str(&format!(
                    "  {green}pass{reset}  {} ({place})\n",
                    printable(&e.name)
                ));
                cases.push_str(&format!(
                    "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{line}\"/>\n",
                    xml(&e.name),
                    xml(&name),
                    xml(file_name)
                ));
            } else {
                failed += 1;
                suite_failed += 1;
                let ex =
                    crate::explain::explain(model, &policy.checked().files, &r.facts, &r.decision);
                let mut detail = String::new();
                for f in &r.failures {
                    detail.push_str(&format!("        {}\n", printable(f)));
                }
                detail.push_str(&format!("        decided: {actual}"));
                if let Some(rule) = r.decision.rule {
                    detail.push_str(&format!(" by rule `{}`", printable(rule)));
                }
                detail.push_str(&format!(
                    "\n        baseline: {}\n        why: {}\n",
                    printable(&ex.baseline),
                    printable(&ex.why)
                ));
                for rt in &ex.rules {
                    let conds: Vec<String> = rt
                        .conditions
                        .iter()
                        .map(|c| format!("{} → {}", c.condition, c.result))
                        .collect();
                    detail.push_str(&format!(
                        "        {} `{}`: {}\n",
                        if rt.matched {
                            "matched"
                        } else {
                            "did not match"
                        },
                        printable(&rt.rule),
                        conds.join(", ")
                    ));
                }
                human.push_str(&format!(
                    "  {red}FAIL{reset}  {} ({place})\n{detail}",
                    printable(&e.name)
                ));
                cases.push_str(&format!(
                    "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{line}\">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                    xml(&e.name),
                    xml(&name),
                    xml(file_name),
                    xml(&r.failures.join("; ")),
                    xml_text(&detail)
                ));
            }
            json_cases.push(json!({
                "name": e.name,
                "file": file_name,
                "line": line,
                "passed": r.passed(),
                "failures": r.failures,
                "decision": {
                    "action": r.decision.action,
                    "queue": r.decision.queue,
                    "priority": r.decision.priority,
                    "rule": r.decision.rule,
                    "matched": r.decision.matched,
                    "tags": r.decision.tags,
                },
            }));
        }
        if results.is_empty() {
            human.push_str(&format!("  {name}: no `example` blocks\n"));
        }
        suites.push(format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n{}  </testsuite>\n",
            xml(&name),
            results.len(),
            suite_failed,
            cases
        ));
        json_suites.push(json!({"policy": name, "examples": json_cases}));
    }
    let summary = if total == 0 && broken {
        "no examples run: the policy has errors (above); fix them first".to_string()
    } else if total == 0 {
        "no examples found: add `example \"name\" { ... } expect ACTION` blocks to test the policy"
            .to_string()
    } else {
        format!(
            "{} example{}: {} passed, {} failed",
            total,
            if total == 1 { "" } else { "s" },
            total - failed,
            failed
        )
    };
    match args.format {
        Format::Human => {
            print!("{human}");
            println!("{summary}");
        }
        Format::Json => println!(
            "{}",
            json!({"policies": json_suites, "total": total, "passed": total - failed, "failed": failed})
        ),
        Format::Junit => {
            print!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"handover\" tests=\"{}\" failures=\"{failed}\" errors=\"{}\">\n{}</testsuites>\n",
                total + broken_policies,
                broken_policies,
                suites.concat()
            );
        }
    }
    if total == 0 && args.format != Format::Human {
        eprintln!("{summary}");
    }
    Ok(if failed > 0 || broken || total == 0 {
        FAILED
    } else {
        OK
    })
}
