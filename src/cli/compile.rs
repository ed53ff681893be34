//! `handover compile`: the decision table.

use super::{CliError, OK};
use crate::table::render;
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum Format {
    Json,
    Table,
    Markdown,
    Csv,
}

/// Compile a policy to its decision table (one row per `or` branch of each rule).
#[derive(clap::Args)]
#[command(
    after_help = "The JSON form is stable and documented in docs/table-format.md.\n\nExamples:\n  handover compile policy.handover --format table\n  handover compile policy/ --format markdown -o TABLE.md\n  handover compile policy/ -o table.json"
)]
pub struct Args {
    /// The policy file or directory
    #[arg(value_name = "POLICY")]
    policy: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Write to FILE instead of standard output (`-`: standard output)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<i32, CliError> {
    let policy = match super::load_policy(&args.policy)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let (model, table) = (policy.model(), policy.table());
    let text = match args.format {
        Format::Json => {
            serde_json::to_string_pretty(&render::to_json(model, table)).unwrap_or_default() + "\n"
        }
        Format::Table => render::to_terminal(model, table),
        Format::Markdown => render::to_markdown(model, table),
        Format::Csv => render::to_csv(model, table),
    };
    super::write_output(args.output.as_deref(), text.as_bytes())?;
    Ok(OK)
}
