//! The `handover` command line: one file per subcommand.

mod check;
mod compile;
mod decide;
mod diff;
mod fmt;
mod init;
pub mod output;
mod simulate;
mod test;

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Exit status: success.
pub const OK: i32 = 0;
/// Exit status: the policy or data has errors, or a check failed.
pub const FAILED: i32 = 1;
/// Exit status: usage or I/O error.
pub const USAGE: i32 = 2;

#[derive(Parser)]
#[command(
    name = "handover",
    version,
    about = "Decide when an AI support agent may answer and when it hands over to a human",
    long_about = "handover compiles escalation policies written by support-operations teams into \
                  decision tables, checks them, tests them and replays real conversations through them.\n\n\
                  Start with `handover init my-policy`, then `handover check my-policy`.",
    after_help = "Examples:\n  handover check policies/\n  handover decide policy.handover --facts facts.jsonl --explain\n  handover simulate policy.handover --conversations conversations.jsonl --format html -o report.html"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Check(check::Args),
    Fmt(fmt::Args),
    Compile(compile::Args),
    Decide(decide::Args),
    Test(test::Args),
    Simulate(simulate::Args),
    Diff(diff::Args),
    Init(init::Args),
    /// Print a shell completion script: `handover completions bash > /etc/bash_completion.d/handover`
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Serve the language server protocol on standard input and output (for editors)
    Lsp {
        /// Accepted and ignored: standard input and output is the only
        /// transport, and many clients (VS Code's among them) pass this flag
        #[arg(long, hide = true)]
        stdio: bool,
    },
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { USAGE } else { OK };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Compile(a) => compile::run(a),
        Command::Decide(a) => decide::run(a),
        Command::Test(a) => test::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Init(a) => init::run(a),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "handover", &mut std::io::stdout());
            Ok(OK)
        }
        Command::Lsp { stdio: _ } => Ok(crate::lsp::run()),
    };
    match result {
        Ok(code) => code,
        // the reader went away (`handover check . | head`): leave quietly
        // with the status of a process killed by SIGPIPE, as the panic hook
        // in main.rs does for `println!`, and as `grep` or `sort` would
        Err(CliError::Write(_, e)) if e.kind() == std::io::ErrorKind::BrokenPipe => CLOSED_PIPE,
        Err(e) => {
            eprintln!("error: {e}");
            USAGE
        }
    }
}

/// The exit status of a process whose standard output was closed early.
pub const CLOSED_PIPE: i32 = 141;

/// A usage or I/O error: reported on stderr, exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Load(#[from] crate::policy::LoadError),
    #[error("cannot read `{0}`: {1}")]
    Read(String, std::io::Error),
    #[error("cannot write `{0}`: {1}")]
    Write(String, std::io::Error),
    #[error("{0}")]
    Usage(String),
}

/// Whether to colour output written to stderr/stdout.
pub fn colour(stream_is_terminal: bool) -> bool {
    stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn stdout_colour() -> bool {
    colour(std::io::stdout().is_terminal())
}

/// A spinner on a terminal's stderr for work that turns out to be slow
/// (the analysis of a policy of thousands of rules): nothing for the first
/// second, then the message and the time spent; cleared when dropped.
pub struct SlowWork {
    done: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SlowWork {
    pub fn start(message: String) -> SlowWork {
        if !std::io::stderr().is_terminal() {
            return SlowWork {
                done: None,
                thread: None,
            };
        }
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let wait = std::time::Duration::from_secs(1);
            if rx.recv_timeout(wait) != Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                return;
            }
            let bar = indicatif::ProgressBar::new_spinner().with_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.set_message(message);
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            let _ = rx.recv();
            bar.finish_and_clear();
        });
        SlowWork {
            done: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for SlowWork {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Claim standard input for one `-` argument. A second `-` (`decide - --facts -`,
/// `diff - -`) would read an empty stream and quietly decide on nothing.
pub fn claim_stdin() -> Result<(), CliError> {
    static TAKEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if TAKEN.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return Err(stdin_twice());
    }
    Ok(())
}

/// Refuse, before anything is read, a command line that names standard
/// input twice: `diff - new --conversations -` read the conversations as
/// the old policy and reported syntax errors in them.
pub fn stdin_at_most_once(paths: &[&Path]) -> Result<(), CliError> {
    if paths.iter().filter(|p| **p == Path::new("-")).count() > 1 {
        return Err(stdin_twice());
    }
    Ok(())
}

fn stdin_twice() -> CliError {
    CliError::Usage(
        "standard input (`-`) can be read only once: give all but one of the inputs as files"
            .to_string(),
    )
}

/// The named bytes of one POLICY argument (`-` is standard input).
fn read_policy_bytes(path: &Path) -> Result<Vec<(String, Vec<u8>)>, CliError> {
    if path == Path::new("-") {
        claim_stdin()?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| CliError::Read("<stdin>".into(), e))?;
        return Ok(vec![("<stdin>".to_string(), bytes)]);
    }
    Ok(crate::policy::read_bytes(path)?)
}

/// Read the sources of one POLICY argument (`-` is standard input).
pub fn read_policy(path: &Path) -> Result<Vec<crate::span::SourceFile>, CliError> {
    let mut files = Vec::new();
    for (name, bytes) in read_policy_bytes(path)? {
        files.push(crate::policy::source_from_bytes(name, bytes)?);
    }
    Ok(files)
}

/// A policy's files, and per file that is not UTF-8 its index and the
/// offset of its first bad byte.
pub type LossyPolicy = (Vec<crate::span::SourceFile>, Vec<(usize, usize)>);

/// [`read_policy`], with a file that is not UTF-8 read as far as it goes
/// (bad bytes as U+FFFD): the files, and per such file its index and the
/// offset of its first bad byte.
pub fn read_policy_lossy(path: &Path) -> Result<LossyPolicy, CliError> {
    let mut files = Vec::new();
    let mut bad = Vec::new();
    for (name, bytes) in read_policy_bytes(path)? {
        let (f, at) = crate::policy::source_lossy(name, bytes);
        if let Some(at) = at {
            bad.push((files.len(), at));
        }
        files.push(f);
    }
    Ok((files, bad))
}

/// Load a policy that must compile; errors are printed as diagnostics.
pub fn load_policy(path: &Path) -> Result<Result<crate::Policy, i32>, CliError> {
    Ok(load_policy_or_errors(path)?.map_err(|_| FAILED))
}

/// [`load_policy`], with the errors (printed on standard error) also as
/// `file:line:column: message` lines, for a report to carry.
pub fn load_policy_or_errors(path: &Path) -> Result<Result<crate::Policy, Vec<String>>, CliError> {
    let files = read_policy(path)?;
    match crate::Checked::build(files, false).into_policy() {
        Ok(p) => Ok(Ok(p)),
        Err(checked) => {
            let errors: Vec<_> = checked
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect();
            output::print_human(
                &checked.files,
                &errors,
                colour(std::io::stderr().is_terminal()),
                true,
            );
            eprintln!(
                "error: `{}` has {} error(s); fix them before running this command",
                path.display(),
                errors.len()
            );
            let lines = errors
                .iter()
                .map(|d| {
                    let file = checked.files.get(d.span.file as usize);
                    let (line, col) = file.map_or((0, 0), |f| f.line_col(d.span.start));
                    let name = file.map_or("", |f| f.name.as_str());
                    format!("{name}:{line}:{col}: {} [{}]", d.message, d.code.as_str())
                })
                .collect();
            Ok(Err(lines))
        }
    }
}

pub type PathArg = PathBuf;

/// The replacement keeps the replaced file's owner and group: a CI job
/// running as root on a checkout owned by the build user must not leave
/// files the user can no longer write. Best effort: only root may give a
/// file away, and for anyone else the owner is already theirs.
fn keep_owner(tmp: &Path, before: Option<&std::fs::Metadata>) {
    #[cfg(unix)]
    if let Some(m) = before {
        use std::os::unix::fs::MetadataExt;
        let _ = std::os::unix::fs::chown(tmp, Some(m.uid()), Some(m.gid()));
    }
    #[cfg(not(unix))]
    let _ = (tmp, before);
}

/// Write a command's output to `-o FILE` (atomically) or, without it or
/// with `-o -`, to standard output.
pub fn write_output(output: Option<&Path>, bytes: &[u8]) -> Result<(), CliError> {
    match output {
        Some(path) if path != Path::new("-") => write_atomically(path, bytes),
        _ => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)
                .and_then(|_| out.flush())
                .map_err(|e| CliError::Write("<stdout>".into(), e))
        }
    }
}

/// Write a file so that a reader never sees it half written: a temporary
/// file beside it, then a rename. On failure nothing is left behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    // a device or pipe (`-o /dev/stdout`) is written as it is, never replaced
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes).and_then(|_| f.flush()))
            .map_err(|e| CliError::Write(path.display().to_string(), e));
    }
    // a link is written through: the file it points to is replaced, the
    // link stays (as rustfmt and gofmt do)
    let resolved = path
        .symlink_metadata()
        .is_ok_and(|m| m.is_symlink())
        .then(|| std::fs::canonicalize(path).ok())
        .flatten();
    let path = resolved.as_deref().unwrap_or(path);
    let before = std::fs::metadata(path).ok();
    let permissions = before.as_ref().map(std::fs::Metadata::permissions);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        // the replaced file keeps its permissions
        .and_then(|_| match &permissions {
            Some(p) => std::fs::set_permissions(&tmp, p.clone()),
            None => Ok(()),
        })
        .and_then(|_| {
            keep_owner(&tmp, before.as_ref());
            std::fs::rename(&tmp, path)
        });
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(CliError::Write(path.display().to_string(), e));
    }
    Ok(())
}
