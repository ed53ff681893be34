//! The library API: load a policy, get all its diagnostics, decide.

use crate::check::model::Model;
use crate::diag::Diagnostic;
use crate::eval::{self, Decision, Evaluator};
use crate::facts::{FactError, Facts};
use crate::span::SourceFile;
use crate::syntax::ast::Ast;
use crate::table::Table;
use std::path::{Path, PathBuf};

/// Everything known about a policy's text: parsed, checked and, when it
/// has no errors, compiled. Diagnostics are sorted by file and position.
pub struct Checked {
    pub files: Vec<SourceFile>,
    pub asts: Vec<Ast>,
    pub model: Model,
    pub diagnostics: Vec<Diagnostic>,
    /// None when the policy has errors.
    pub table: Option<Table>,
}

impl Checked {
    pub fn from_sources(files: Vec<SourceFile>) -> Checked {
        Self::build(files, true)
    }

    /// Parse, check and compile; `analyze` adds the table-based warnings.
    pub fn build(files: Vec<SourceFile>, analyze: bool) -> Checked {
        let mut diagnostics = Vec::new();
        let mut asts = Vec::with_capacity(files.len());
        for (i, f) in files.iter().enumerate() {
            let (ast, d) = crate::syntax::parse(i as u32, &f.text);
            asts.push(ast);
            diagnostics.extend(d);
        }
        let (model, d) = crate::check::check(&files, &asts);
        // one root cause, one message: a literal that did not read (a
        // malformed duration) is not also the wrong type
        let syntax: Vec<crate::span::Span> = diagnostics.iter().map(|d| d.span).collect();
        diagnostics.extend(d.into_iter().filter(|d| !syntax.contains(&d.span)));
        let mut table = None;
        if !diagnostics.iter().any(Diagnostic::is_error) {
            let (t, d) = crate::table::compile(&model);
            let too_complex = !d.is_empty();
            diagnostics.extend(d);
            if !too_complex {
                if analyze {
                    diagnostics.extend(crate::analyze::warnings(&model, &t));
                }
                table = Some(t);
            }
        }
        diagnostics.sort_by_key(|d| (d.span.file, d.span.start, d.span.end));
        Checked {
            files,
            asts,
            model,
            diagnostics,
            table,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The compiled policy, or (boxed, it is large) the checked text with
    /// its errors.
    pub fn into_policy(self) -> Result<Policy, Box<Checked>> {
        match self.table.clone() {
            Some(table) if !self.has_errors() => {
                let evaluator = Evaluator::new(&self.model, &table);
                let interned = eval::Interned::new(&self.model);
                Ok(Policy {
                    checked: self,
                    table,
                    evaluator,
                    interned,
                })
            }
            _ => Err(Box::new(self)),
        }
    }
}

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is not valid UTF-8 text: line {line}, column {column} (byte offset {offset}); save the file as UTF-8")]
    NotUtf8 {
        path: String,
        offset: usize,
        line: usize,
        column: usize,
    },
    #[error("`{path}` holds no `.handover` files{}", match .nested.first() {
        Some(sub) => format!(" of its own: a policy is the files of one folder, its subfolders are not read (name the folder, e.g. `{sub}`)"),
        None => String::new(),
    })]
    Empty { path: String, nested: Vec<String> },
    #[error("the policy has {} error(s); run `handover check` to see them", .0.diagnostics.iter().filter(|d| d.is_error()).count())]
    Invalid(Box<Checked>),
}

impl std::fmt::Debug for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checked")
            .field(
                "files",
                &self.files.iter().map(|f| &f.name).collect::<Vec<_>>(),
            )
            .field("diagnostics", &self.diagnostics.len())
            .finish()
    }
}

/// The bytes of a policy's source files, named: a file, or every
/// `.handover` file of a directory in name order.
pub fn read_bytes(path: &Path) -> Result<Vec<(String, Vec<u8>)>, LoadError> {
    let display = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| LoadError::Io {
        path: display.clone(),
        source,
    })?;
    let paths: Vec<PathBuf> = if meta.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|source| LoadError::Io {
                path: display.clone(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            // a dangling link is kept, to fail with its error below rather
            // than leave its rules out; hidden files (`.x.handover`, macOS's
            // `._x.handover`) are not part of the policy
            .filter(|p| {
                p.extension().is_some_and(|e| e == "handover")
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                    && (p.is_file() || p.symlink_metadata().is_ok_and(|m| m.is_symlink()))
            })
            .collect();
        v.sort();
        if v.is_empty() {
            // subfolders that hold policy files: the user may have meant one
            let mut nested: Vec<String> = std::fs::read_dir(path)
                .into_iter()
                .flatten()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|d| {
                    d.is_dir()
                        && std::fs::read_dir(d).into_iter().flatten().any(|e| {
                            e.is_ok_and(|e| e.path().extension().is_some_and(|x| x == "handover"))
                        })
                })
                .map(|d| d.display().to_string())
                .collect();
            nested.sort();
            return Err(LoadError::Empty {
                path: display,
                nested,
            });
        }
        v
    } else {
        vec![path.to_path_buf()]
    };
    let mut files = Vec::new();
    for p in paths {
        let name = p.display().to_string();
        let bytes = std::fs::read(&p).map_err(|source| LoadError::Io {
            path: name.clone(),
            source,
        })?;
        files.push((name, bytes));
    }
    Ok(files)
}

/// Read a policy's source files: a file, or every `.handover` file of a
/// directory in name order.
pub fn read_sources(path: &Path) -> Result<Vec<SourceFile>, LoadError> {
    read_bytes(path)?
        .into_iter()
        .map(|(name, bytes)| source_from_bytes(name, bytes))
        .collect()
}

/// A file that is not all UTF-8: its text (each bad byte read as U+FFFD)
/// and the offset of the first bad byte in that text, to report there
/// rather than refuse the whole policy (`check` and the editor do).
pub fn source_lossy(name: String, bytes: Vec<u8>) -> (SourceFile, Option<usize>) {
    let (mut text, mut bad) = match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
        }
    };
    if text.starts_with('\u{feff}') {
        text.replace_range(..3, "");
        bad = bad.map(|b| b.saturating_sub(3));
    }
    (SourceFile::new(name, text), bad)
}

/// The error for a file that is not UTF-8, at its first bad byte (`at`, an
/// offset in the text [`source_lossy`] made of it).
pub fn not_utf8(f: &SourceFile, file: u32, at: usize) -> crate::Diagnostic {
    let (line, col) = f.line_col(at);
    crate::Diagnostic::new(
        crate::Code::Syntax,
        crate::span::Span::new(file, at, (at + '\u{fffd}'.len_utf8()).min(f.text.len())),
        format!(
            "`{}` is not valid UTF-8 text (line {line}, column {col})",
            f.name
        ),
    )
    .with_help("save the file as UTF-8 (an editor's \"Save with encoding\", or `iconv -f latin1 -t utf-8`)")
}

pub fn source_from_bytes(name: String, bytes: Vec<u8>) -> Result<SourceFile, LoadError> {
    let bom = if bytes.starts_with("\u{feff}".as_bytes()) {
        3
    } else {
        0
    };
    match source_lossy(name, bytes) {
        (f, None) => Ok(f),
        // the text before the bad byte is the file's own: its line and
        // column are where the reader finds the byte
        (f, Some(at)) => {
            let (line, column) = f.line_col(at);
            Err(LoadError::NotUtf8 {
                path: f.name,
                offset: at + bom,
                line,
                column,
            })
        }
    }
}

/// A policy without errors, compiled and ready to decide.
///
/// ```
/// use handover::Policy;
///
/// let policy = Policy::from_text("example.handover", r#"
/// field category: enum { refund, billing, other }
/// field confidence: number 0..1
/// queue "billing"
/// when category = refund and confidence < 60% then route "billing" priority high
/// "#).unwrap();
///
/// let facts = policy.facts(&serde_json::json!({"category": "refund", "confidence": 0.4})).unwrap();
/// let decision = policy.decide(&facts);
/// assert_eq!(decision.action.as_str(), "route");
/// assert_eq!(decision.queue, Some("billing"));
/// assert_eq!(decision.rule, Some("line 5"));
/// ```
pub struct Policy {
    checked: Checked,
    table: Table,
    evaluator: Evaluator,
    interned: eval::Interned,
}

impl Policy {
    /// Compile a policy from text. Errors come back with every diagnostic.
    pub fn from_text(name: &str, text: &str) -> Result<Policy, LoadError> {
        // the analysis warnings are `check`'s business, not the runtime's
        Checked::build(vec![SourceFile::new(name, text)], false)
            .into_policy()
            .map_err(LoadError::Invalid)
    }

    /// Load a policy file or directory.
    pub fn load(path: impl AsRef<Path>) -> Result<Policy, LoadError> {
        let files = read_sources(path.as_ref())?;
        Checked::build(files, false)
            .into_policy()
            .map_err(LoadError::Invalid)
    }

    pub fn model(&self) -> &Model {
        &self.checked.model
    }

    pub fn table(&self) -> &Table {
        &self.table
    }

    pub fn checked(&self) -> &Checked {
        &self.checked
    }

    /// The warnings of a policy that compiled.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.checked.diagnostics
    }

    pub fn name(&self) -> Option<&str> {
        self.checked.model.name.as_deref()
    }

    /// Facts from a JSON object, checked against the policy's fields.
    pub fn facts(&self, json: &serde_json::Value) -> Result<Facts, FactError> {
        Facts::from_json(&self.checked.model, json)
    }

    /// Facts from the text of a JSON object: the fast path for input
    /// lines, with no `serde_json::Value` in between. Bad JSON is a
    /// [`FactError`] without a field.
    pub fn facts_from_str(&self, json: &str) -> Result<Facts, FactError> {
        let v = crate::json::Json::parse(json).map_err(|e| FactError {
            field: None,
            message: format!("not valid JSON: {e}"),
        })?;
        let mut facts = Facts::empty(&self.checked.model);
        facts.merge_light(&self.checked.model, &v)?;
        Ok(facts)
    }

    pub fn decide(&self, facts: &Facts) -> Decision<'_> {
        let mut matched = Vec::new();
        self.evaluator.matched_rules(facts, &mut matched);
        eval::resolve_with(&self.checked.model, facts, matched, Some(&self.interned))
    }
}
