//! `handover check`: parse, type-check and analyse; print diagnostics.

use super::{output, CliError, FAILED, OK};
use crate::policy::Checked;
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

/// Check policies: syntax, names, types, ranges, and what the rules can do.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  handover check policy.handover\n  handover check policies/ --format sarif > handover.sarif\n  cat policy.handover | handover check -\n\nExit status: 0 clean, 1 errors (or warnings with --deny-warnings), 2 usage or I/O error."
)]
pub struct Args {
    /// Policy files or directories (a directory is one policy); `-` reads standard input
    #[arg(required = true, value_name = "POLICY")]
    policies: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    deny_warnings: bool,
}

pub fn run(args: Args) -> Result<i32, CliError> {
    let mut all_files = Vec::new();
    let mut all_diags = Vec::new();
    // policies that decide nothing: an emptied file looks healthy otherwise
    let mut empty: Vec<String> = Vec::new();
    for p in &args.policies {
        // a file that is not UTF-8 is an error at its first bad byte, in
        // every format, and the other policies are still checked
        let (files, not_text) = super::read_policy_lossy(p)?;
        let working = super::SlowWork::start(format!(
            "checking {}: working out what every rule can do",
            p.display()
        ));
        let mut checked = Checked::from_sources(files);
        drop(working);
        for (i, at) in not_text {
            if let Some(f) = checked.files.get(i) {
                // one root cause, one message: what the bad bytes break
                // further down the file is not reported
                let d = crate::policy::not_utf8(f, i as u32, at);
                checked.diagnostics.retain(|x| x.span.file != i as u32);
                checked.diagnostics.insert(0, d);
            }
        }
        if !checked.has_errors()
            && checked.model.rules.is_empty()
            && checked.model.automation.is_none()
        {
            empty.push(p.display().to_string());
        }
        let offset = all_files.len() as u32;
        for mut d in checked.diagnostics {
            d.span.file += offset;
            for (s, _) in &mut d.related {
                s.file += offset;
            }
            all_diags.push(d);
        }
        all_files.extend(checked.files);
    }
    let errors = all_diags.iter().filter(|d| d.is_error()).count();
    let warnings = all_diags.len() - errors;
    let mut out = std::io::stdout().lock();
    let w = |out: &mut std::io::StdoutLock, s: &str| {
        writeln!(out, "{s}").map_err(|e| CliError::Write("<stdout>".into(), e))
    };
    match args.format {
        Format::Human => {
            let colour = super::stdout_colour();
            for d in &all_diags {
                w(&mut out, &output::render_human(&all_files, d, colour))?;
            }
            let n_files = all_files.len();
            let summary = if all_diags.is_empty() {
                format!(
                    "{} file{} checked: no problems",
                    n_files,
                    if n_files == 1 { "" } else { "s" }
                )
            } else {
                format!(
                    "{} file{} checked: {} error{}, {} warning{}",
                    n_files,
                    if n_files == 1 { "" } else { "s" },
                    errors,
                    if errors == 1 { "" } else { "s" },
                    warnings,
                    if warnings == 1 { "" } else { "s" }
                )
            };
            let denied = if errors == 0 && warnings > 0 && args.deny_warnings {
                " (failing: `--deny-warnings` makes warnings fail the check)"
            } else {
                ""
            };
            w(&mut out, &format!("{summary}{denied}"))?;
            for p in &empty {
                w(
                    &mut out,
                    &format!("note: `{p}` has no rules and no automation block, so every conversation is answered by the agent"),
                )?;
            }
        }
        Format::Json => w(
            &mut out,
            &output::json_report(&all_files, &all_diags).to_string(),
        )?,
        Format::Sarif => {
            let s = serde_json::to_string_pretty(&output::sarif_report(&all_files, &all_diags))
                .unwrap_or_default();
            w(&mut out, &s)?
        }
        Format::Github => {
            for line in output::github_lines(&all_files, &all_diags) {
                w(&mut out, &line)?;
            }
        }
    }
    Ok(if errors > 0 || (args.deny_warnings && warnings > 0) {
        FAILED
    } else {
        OK
    })
}
