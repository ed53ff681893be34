//! `handover fmt`: rewrite policies in the canonical layout.

use super::{CliError, FAILED, OK};
use crate::span::SourceFile;
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
                let path = std::path::Path::new(&f.name);
                // the file keeps its byte-order mark, as it keeps its line
                // endings: `fmt` changes layout, nothing else
                let bom = if starts_with_bom(path) {
                    "\u{feff}"
                } else {
                    ""
                };
                super::write_atomically(path, format!("{bom}{formatted}").as_bytes())?;
                eprintln!("formatted {}", f.name);
                if let Some(note) = renamed_rules(&f, &formatted, several) {
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

fn starts_with_bom(path: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 3];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| head == [0xef, 0xbb, 0xbf])
}

/// The names of the unnamed rules of a file's text, in order.
fn unnamed_rule_names(f: &SourceFile, several_files: bool) -> Vec<String> {
    let (ast, _) = crate::syntax::parse(0, &f.text);
    ast.stmts
        .iter()
        .filter_map(|s| match &s.kind {
            crate::syntax::ast::StmtKind::Rule(r) if r.name.is_none() => {
                Some(f.unnamed_rule_name(r.when_span.start, several_files))
            }
            _ => None,
        })
        .collect()
}

/// A note when formatting moved unnamed rules: they are named by line, so
/// decisions, reports and `diff` name them differently afterwards.
fn renamed_rules(before: &SourceFile, after: &str, several_files: bool) -> Option<String> {
    let after = SourceFile::new(before.name.clone(), after);
    let moved: Vec<(String, String)> = unnamed_rule_names(before, several_files)
        .into_iter()
        .zip(unnamed_rule_names(&after, several_files))
        .filter(|(a, b)| a != b)
        .collect();
    let (a, b) = moved.first()?;
    Some(format!(
        "note: {} unnamed rule(s) moved to another line, so their names change (`{a}` is now `{b}`); name them (`rule \"...\" when ...`) to keep names stable in decisions and reports",
        moved.len()
    ))
}
