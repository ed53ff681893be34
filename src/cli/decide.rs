//! `handover decide`: one decision per JSON line of facts.

use super::{CliError, FAILED, OK};
use crate::diag::{printable, printable_list};
use crate::facts::Facts;
use crate::json::Json;
use crate::Policy;
use clap::ValueEnum;
use serde_json::json;
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum Format {
    Json,
    Human,
}

/// Decide for each line of facts: the action, queue, priority and ticket.
#[derive(clap::Args)]
#[command(
    after_help = "Each input line is a JSON object: either {\"id\": ..., \"facts\": {...}} or the facts object itself.\n\nExamples:\n  handover decide policy.handover --facts facts.jsonl\n  echo '{\"category\": \"refund\", \"value\": \"vip\"}' | \\\n    handover decide policy.handover --facts - --explain --format human"
)]
pub struct Args {
    /// The policy file or directory
    #[arg(value_name = "POLICY")]
    policy: PathBuf,
    /// JSON Lines of facts; `-` reads standard input
    #[arg(long, value_name = "FILE")]
    facts: PathBuf,
    /// Add, per rule, each condition with the fact's value and result, and why the winner won
    #[arg(long)]
    explain: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
}

/// One input line: its id and facts, or why it cannot be read.
pub fn parse_line(
    policy: &Policy,
    text: &str,
) -> Result<(serde_json::Value, Facts), (serde_json::Value, String)> {
    let v = Json::parse(text).map_err(|e| crate::json::unreadable(text, &e))?;
    if !v.is_object() {
        return Err((
            serde_json::Value::Null,
            "a line must be a JSON object".into(),
        ));
    }
    let (id, facts_json) = match v.get("facts") {
        Some(f) => (
            v.get("id").map_or(serde_json::Value::Null, Json::to_value),
            f,
        ),
        None => (serde_json::Value::Null, &v),
    };
    if !facts_json.is_object() {
        return Err((id, "`facts` must be a JSON object".into()));
    }
    let mut facts = Facts::empty(policy.model());
    match facts.merge_light(policy.model(), facts_json) {
        Ok(()) => Ok((id, facts)),
        Err(e) => Err((id, e.message)),
    }
}

pub fn open_input(path: &PathBuf) -> Result<Box<dyn BufRead>, CliError> {
    if path.as_os_str() == "-" {
        super::claim_stdin()?;
        return Ok(Box::new(std::io::BufReader::with_capacity(
            1 << 16,
            std::io::stdin(),
        )));
    }
    let f = std::fs::File::open(path).map_err(|e| CliError::Read(path.display().to_string(), e))?;
    Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, f)))
}

pub fn run(args: Args) -> Result<i32, CliError> {
    super::stdin_at_most_once(&[args.policy.as_path(), args.facts.as_path()])?;
    let policy = match super::load_policy(&args.policy)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let mut input = open_input(&args.facts)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let write_err = |e| CliError::Write("<stdout>".into(), e);
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    let mut bad = 0usize;
    loop {
        buf.clear();
        let n = input
            .read_until(b'\n', &mut buf)
            .map_err(|e| CliError::Read(args.facts.display().to_string(), e))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let text = match std::str::from_utf8(&buf) {
            // a byte-order mark at the start of the file is not part of the JSON
            Ok(t) => t.trim_start_matches('\u{feff}').trim(),
            Err(e) => {
                bad += 1;
                let error = format!("the line is not valid UTF-8 (byte {})", e.valid_up_to() + 1);
                if args.format == Format::Human {
                    writeln!(out, "line {line_no}: error: {error}").map_err(write_err)?;
                } else {
                    writeln!(
                        out,
                        "{}",
                        json!({"id": null, "line": line_no, "error": error})
                    )
                    .map_err(write_err)?;
                }
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        match parse_line(&policy, text) {
            Ok((id, facts)) => {
                let d = policy.decide(&facts);
                if args.format == Format::Human {
                    writeln!(
                        out,
                        "{}",
                        human(&policy, line_no, &id, &facts, &d, args.explain)
                    )
                    .map_err(write_err)?;
                    continue;
                }
                let mut rec = json!({
                    "id": id,
                    "action": d.action,
                    "queue": d.queue,
                    "priority": d.priority,
                    "rule": d.rule,
                    "matched": d.matched,
                    "tags": d.tags,
                    "attach": d.attach,
                    "missing": d.missing,
                });
                if args.explain {
                    let ex = crate::explain::explain(
                        policy.model(),
                        &policy.checked().files,
                        &facts,
                        &d,
                    );
                    if let Some(o) = rec.as_object_mut() {
                        o.insert(
                            "explain".into(),
                            serde_json::to_value(ex).unwrap_or_default(),
                        );
                    }
                }
                writeln!(out, "{rec}").map_err(write_err)?;
            }
            Err((id, error)) => {
                bad += 1;
                if args.format == Format::Human {
                    writeln!(out, "line {line_no}: error: {error}").map_err(write_err)?;
                } else {
                    writeln!(
                        out,
                        "{}",
                        json!({"id": id, "line": line_no, "error": error})
                    )
                    .map_err(write_err)?;
                }
            }
        }
    }
    out.flush().map_err(write_err)?;
    if bad > 0 {
        let where_ = match args.format {
            Format::Json => "the records with an `error` say which and why",
            _ => "the lines marked `error` above say which and why",
        };
        eprintln!("{bad} of {line_no} line(s) could not be decided; {where_}");
        return Ok(FAILED);
    }
    Ok(OK)
}

fn human(
    policy: &Policy,
    line: usize,
    id: &serde_json::Value,
    facts: &Facts,
    d: &crate::Decision<'_>,
    explain: bool,
) -> String {
    let mut s = format!("line {line}");
    if !id.is_null() {
        s.push_str(&format!(
            " ({})",
            crate::diag::printable(&id.as_str().map_or(id.to_string(), str::to_string))
        ));
    }
    s.push_str(": ");
    s.push_str(d.action.as_str());
    if let Some(q) = d.queue {
        s.push_str(&format!(" \"{}\"", printable(q)));
    }
    if let Some(p) = d.priority {
        s.push_str(&format!(" priority {}", p.as_str()));
    }
    match d.rule {
        Some(r) => s.push_str(&format!("  (rule `{}`)", printable(r))),
        None => s.push_str("  (baseline)"),
    }
    if !d.matched.is_empty() {
        s.push_str(&format!("\n  matched: {}", printable_list(&d.matched)));
    }
    if !d.tags.is_empty() {
        s.push_str(&format!("\n  tags: {}", printable_list(&d.tags)));
    }
    if !d.attach.is_empty() {
        s.push_str(&format!("\n  attach: {}", printable_list(&d.attach)));
    }
    if !d.missing.is_empty() {
        s.push_str(&format!("\n  missing: {}", d.missing.join(", ")));
    }
    if explain {
        let ex = crate::explain::explain(policy.model(), &policy.checked().files, facts, d);
        s.push_str(&format!("\n  baseline: {}", printable(&ex.baseline)));
        for r in &ex.rules {
            s.push_str(&format!(
                "\n  {} rule `{}` ({} priority {})",
                if r.matched { "✓" } else { "✗" },
                printable(&r.rule),
                r.action,
                r.priority
            ));
            for c in &r.conditions {
                let indent = "  ".repeat(c.depth);
                if c.field.is_empty() {
                    s.push_str(&format!("\n      {indent}{:<7} {}", c.result, c.condition));
                } else if c.value.is_null() {
                    s.push_str(&format!(
                        "\n      {indent}{:<7} {}   [{} is missing]",
                        c.result, c.condition, c.field
                    ));
                } else {
                    s.push_str(&format!(
                        "\n      {indent}{:<7} {}   [{} = {}]",
                        c.result, c.condition, c.field, c.value
                    ));
                }
            }
        }
        s.push_str(&format!("\n  why: {}", printable(&ex.why)));
    }
    s
}
