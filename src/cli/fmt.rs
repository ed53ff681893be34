//! `handover fmt`: rewrite policies in the canonical layout.

use super::{CliError, FAILED, OK};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Format policies in the one canonical layout (comments kept, decisions unchanged; an unnamed rule is named after its new line).
#[derive(clap::Args)]
#[command(
    after_help = "Files are rewritten in place; `-` formats standard input to standard output.\nA file with syntax errors is left as it is and its errors are shown.\n\nExamples:\n  handover fmt policies/\n  handover fmt --check policy.handover   # in CI: exit 1 if not formatted"
)]
pub struct Args {
    /// Policy files or directories; `-` reads standard input
    #[arg(required = true, value_name = "POLICY")]
    policies: Vec<PathBuf>,
    /// Change nothing; list the files that are not formatted and exit 1 if any
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> Result<i32, CliError> {
    let mut status = OK;
    let mut changed = 0usize;
    let mut seen = 0usize;
    for p in &args.policies {
        let files = super::read_policy(p)?;
        let several = files.len() > 1;
        for f in files {
            seen += 1;
            let Some(formatted) = crate::fmt::format_source(&f.text) else {
                let (_, diags) = crate::syntax::parse(0, &f.text);
                super::output::print_human(
                    std::slice::from_ref(&f),
                    &diags,
                    super::colour(std::io::stderr().is_terminal()),
                    true,
                );
                eprintln!(
                    "error: `{}` has syntax errors; it was not formatted",
                    f.name
                );
                status = FAILED;
                continue;
            };
            if p.as_os_str() == "-" {
                if args.check {
                    if formatted != f.text {
                        println!("<stdin> is not formatted");
                        status = FAILED;
                    }
                } else {
                    print!("{formatted}");
                }
                continue;
            }
            if formatted == f.text {
                continue;
            }
            changed += 1;
            if args.check {
                println!("{} is not formatted", f.name);
                status = FAILED;
            } else {
                super::write_atomically(std::path::Path::new(&f.name), formatted.as_bytes())?;
                eprintln!("formatted {}", f.name);
                // in a policy of several files, an unnamed rule is `FILE line N`
                let prefix = if several {
                    let name = std::path::Path::new(&f.name)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    format!("{name} ")
                } else {
                    String::new()
                };
                if let Some(note) = renamed_rules(&f.text, &formatted, &prefix) {
                    eprintln!("{note}");
                }
            }
        }
    }
    if args.check && changed > 0 {
        eprintln!("{changed} of {seen} file(s) would be reformatted: run `handover fmt` on them");
    }
    Ok(status)
}

/// The first lines of the unnamed rules of a text (their names: `line N`).
fn unnamed_rule_lines(text: &str) -> Vec<usize> {
    let (ast, _) = crate::syntax::parse(0, text);
    let f = crate::span::SourceFile::new("", text);
    ast.stmts
        .iter()
        .filter_map(|s| match &s.kind {
            crate::syntax::ast::StmtKind::Rule(r) if r.name.is_none() => {
                Some(f.line_of(r.when_span.start) + 1)
            }
            _ => None,
        })
        .collect()
}

/// A note when formatting moved unnamed rules: they are named by line, so
/// decisions, reports and `diff` name them differently afterwards.
fn renamed_rules(before: &str, after: &str, prefix: &str) -> Option<String> {
    let moved: Vec<(usize, usize)> = unnamed_rule_lines(before)
        .into_iter()
        .zip(unnamed_rule_lines(after))
        .filter(|(a, b)| a != b)
        .collect();
    let (a, b) = moved.first()?;
    Some(format!(
        "note: {} unnamed rule(s) moved to another line, so their names change (`{prefix}line {a}` is now `{prefix}line {b}`); name them (`rule \"...\" when ...`) to keep names stable in decisions and reports",
        moved.len()
    ))
}
