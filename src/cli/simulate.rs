//! `handover simulate`: replay conversations and report the KPIs.

use super::{CliError, FAILED, OK};
use crate::simulate::{self, report, Totals};
use clap::ValueEnum;
use rayon::prelude::*;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum Format {
    Human,
    Json,
    Html,
}

/// Replay conversations through a policy and report the escalation KPIs.
#[derive(clap::Args)]
#[command(
    after_help = "KPIs: precision, missed, automation, completeness, routing (see docs/simulate-report.md).\n\nExamples:\n  handover simulate policy.handover --conversations conversations.jsonl\n  handover simulate policy/ --conversations week48.jsonl \\\n    --format html -o report.html\n  handover simulate policy/ --conversations week48.jsonl \\\n    --baseline week47.json --fail-under precision=0.9 --fail-over missed=0.05"
)]
pub struct Args {
    /// The policy file or directory
    #[arg(value_name = "POLICY")]
    policy: PathBuf,
    /// Conversations as JSON Lines; `-` reads standard input
    #[arg(long, value_name = "FILE")]
    conversations: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Write the report to FILE instead of standard output (`-`: standard output)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// An earlier `--format json` report to compare with
    #[arg(long, value_name = "REPORT.json")]
    baseline: Option<PathBuf>,
    /// Fail (exit 1) when a KPI is below X, e.g. `precision=0.9` (repeatable)
    #[arg(long = "fail-under", value_name = "KPI=X")]
    fail_under: Vec<report::Gate>,
    /// Fail (exit 1) when a KPI is above X, e.g. `missed=0.05` (repeatable)
    #[arg(long = "fail-over", value_name = "KPI=X")]
    fail_over: Vec<report::Gate>,
    /// Include every conversation's decision in the JSON report
    #[arg(long)]
    per_conversation: bool,
    /// Worker threads (default: all cores); the report is the same for any number
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
}

const BATCH: usize = 2048;

pub fn run(args: Args) -> Result<i32, CliError> {
    super::stdin_at_most_once(&[args.policy.as_path(), args.conversations.as_path()])?;
    let policy = match super::load_policy(&args.policy)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let earlier = match &args.baseline {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| CliError::Read(p.display().to_string(), e))?;
            let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                CliError::Usage(format!("`{}` is not a JSON report: {e}", p.display()))
            })?;
            if v.get("kpis").is_none() {
                return Err(CliError::Usage(format!(
                    "`{}` has no `kpis`: pass a report written by `handover simulate --format json`",
                    p.display()
                )));
            }
            if let Some(bad) = report::bad_baseline_kpi(&v) {
                return Err(CliError::Usage(format!(
                    "`{}` is not a report written by `handover simulate --format json`: {bad}",
                    p.display()
                )));
            }
            Some(v)
        }
        None => None,
    };
    let size = if args.conversations.as_os_str() == "-" {
        None
    } else {
        std::fs::metadata(&args.conversations).ok().map(|m| m.len())
    };
    let mut input = super::decide::open_input(&args.conversations)?;
    let progress = if std::io::stderr().is_terminal() {
        let bar = match size {
            Some(n) => indicatif::ProgressBar::new(n).with_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {bar:30} {bytes}/{total_bytes} · {msg} · eta {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            ),
            None => indicatif::ProgressBar::new_spinner(),
        };
        Some(bar)
    } else {
        None
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start worker threads: {e}")))?;
    let mut totals = Totals::new(policy.model().rules.len(), args.per_conversation);
    let started = std::time::Instant::now();
    let mut line_no = 0usize;
    let mut bytes_read = 0u64;
    loop {
        // read a batch of lines, replay it in parallel, add in input order
        let mut batch: Vec<(usize, Result<String, String>)> = Vec::with_capacity(BATCH);
        while batch.len() < BATCH {
            let mut buf = Vec::new();
            let n = input
                .read_until(b'\n', &mut buf)
                .map_err(|e| CliError::Read(args.conversations.display().to_string(), e))?;
            if n == 0 {
                break;
            }
            bytes_read += n as u64;
            line_no += 1;
            match String::from_utf8(buf) {
                Ok(s) if s.trim().is_empty() => {}
                Ok(s) => batch.push((line_no, Ok(s))),
                Err(e) => batch.push((
                    line_no,
                    Err(format!(
                        "the line is not valid UTF-8 (byte {})",
                        e.utf8_error().valid_up_to() + 1
                    )),
                )),
            }
        }
        if batch.is_empty() {
            break;
        }
        let outcomes: Vec<_> = pool.install(|| {
            batch
                .par_iter()
                .map(|(line, text)| match text {
                    Ok(t) => simulate::replay(&policy, *line, t.trim()),
                    Err(e) => Err(simulate::LineError {
                        id: serde_json::Value::Null,
                        line: *line,
                        error: e.clone(),
                    }),
                })
                .collect()
        });
        for o in outcomes {
            match o {
                Ok(o) => totals.add(&o),
                Err(e) => totals.errors.push(e),
            }
        }
        if let Some(p) = &progress {
            if size.is_some() {
                p.set_position(bytes_read);
            } else {
                p.tick();
            }
            let secs = started.elapsed().as_secs_f64().max(1e-3);
            p.set_message(format!(
                "{} conversations, {:.0}/s",
                totals.conversations,
                totals.conversations as f64 / secs
            ));
        }
    }
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    totals.lines = line_no;
    let mut rep = report::build(policy.model(), &totals);
    if let Some(e) = &earlier {
        report::add_baseline(&mut rep, e);
    }
    let mut gates: Vec<report::Gate> = args.fail_under.clone();
    gates.extend(args.fail_over.iter().cloned().map(|mut g| {
        g.under = false;
        g
    }));
    let failed = report::failed_gates(&rep, &gates);
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&rep).unwrap_or_default() + "\n",
        Format::Html => simulate::html::render(&rep),
        Format::Human => {
            let colour = args
                .output
                .as_deref()
                .is_none_or(|o| o == std::path::Path::new("-"))
                && super::stdout_colour();
            report::human(&rep, colour)
        }
    };
    super::write_output(args.output.as_deref(), text.as_bytes())?;
    for f in &failed {
        eprintln!("error: KPI gate failed: {f}");
    }
    if !totals.errors.is_empty() {
        eprintln!(
            "{} line(s) could not be replayed and are left out of every figure; the report lists them",
            totals.errors.len()
        );
    }
    Ok(if failed.is_empty() && totals.errors.is_empty() {
        OK
    } else {
        FAILED
    })
}
