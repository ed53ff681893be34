//! `handover init`: a starter policy, its examples and sample conversations.

use super::{CliError, OK};
use std::path::PathBuf;

const POLICY: &str = include_str!("init/policy.handover");
const CONVERSATIONS: &str = include_str!("init/conversations.jsonl");

/// Write a commented starter policy with examples and sample conversations.
#[derive(clap::Args)]
#[command(
    after_help = "Existing files are never overwritten.\n\nExample:\n  handover init support-policy && cd support-policy && handover check ."
)]
pub struct Args {
    /// Where to write (created when missing; default: the current directory)
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,
}

pub fn run(args: Args) -> Result<i32, CliError> {
    let files = [
        ("policy.handover", POLICY),
        ("conversations.jsonl", CONVERSATIONS),
    ];
    let existing: Vec<String> = files
        .iter()
        .map(|(n, _)| args.dir.join(n))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    // a `.handover` file already there would join the new policy to it
    let policy_files: Vec<String> = std::fs::read_dir(&args.dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "handover"))
        .map(|p| p.display().to_string())
        .collect();
    if existing.is_empty() && !policy_files.is_empty() {
        return Err(CliError::Usage(format!(
            "{} already holds a policy ({}); a starter policy there would join it. Pick another directory, such as `handover init {}`",
            args.dir.display(),
            policy_files.join(", "),
            fresh_dir(&args.dir).display()
        )));
    }
    if !existing.is_empty() {
        return Err(CliError::Usage(format!(
            "{} already {}; `handover init` never overwrites files. Pick another directory, such as `handover init {}`",
            existing.join(" and "),
            if existing.len() == 1 { "exists" } else { "exist" },
            fresh_dir(&args.dir).display()
        )));
    }
    std::fs::create_dir_all(&args.dir)
        .map_err(|e| CliError::Write(args.dir.display().to_string(), e))?;
    for (name, text) in files {
        let path = args.dir.join(name);
        super::write_atomically(&path, text.as_bytes())?;
        println!("created {}", path.display());
    }
    let d = args.dir.display();
    println!(
        "\nnext:\n  handover check {d}                  # is the policy well-formed?\n  handover test {d}                   # do the examples decide as expected?\n  handover simulate {d} --conversations {}   # replay sample conversations, see the KPIs",
        args.dir.join("conversations.jsonl").display()
    );
    println!(
        "\nopen {} in your editor (VS Code: editors/vscode) for completion, hover and quick fixes",
        args.dir.join("policy.handover").display()
    );
    Ok(OK)
}

/// A directory next to `dir` that does not exist yet: `dir-2`, `dir-3`...
fn fresh_dir(dir: &std::path::Path) -> std::path::PathBuf {
    let base = if dir.as_os_str().is_empty() || dir == std::path::Path::new(".") {
        std::path::PathBuf::from("my-policy")
    } else {
        dir.to_path_buf()
    };
    if !base.exists() {
        return base;
    }
    let name = base
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (2..1000)
        .map(|i| base.with_file_name(format!("{name}-{i}")))
        .find(|p| !p.exists())
        .unwrap_or(base)
}
