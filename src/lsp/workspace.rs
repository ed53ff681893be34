//! Open documents and the policies they belong to. The `.handover` files
//! of one directory are one policy; an open document's text overrides the
//! file on disk. Analyses are cached per policy until one of its
//! documents changes.

use super::convert::Encoding;
use crate::ide::{Analysis, ConversationStats};
use crate::span::SourceFile;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;
use tower_lsp_server::lsp_types::Uri;
use tower_lsp_server::UriExt;

/// An open document.
#[derive(Clone, Debug)]
pub struct Doc {
    pub text: String,
    pub version: i32,
    pub path: Option<PathBuf>,
}

/// Which policy a document belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// Every `.handover` file of a directory.
    Dir(PathBuf),
    /// A document on its own (not a `.handover` file on disk).
    Single(String),
}

/// A built analysis and, per file index, the document's URI.
pub struct Built {
    pub id: u64,
    pub analysis: Analysis,
    pub uris: Vec<Uri>,
    /// The group's generation it was built from.
    pub generation: u64,
}

impl Built {
    pub fn file_of(&self, uri: &Uri) -> Option<u32> {
        self.uris.iter().position(|u| u == uri).map(|i| i as u32)
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

#[derive(Default)]
pub struct State {
    pub encoding: Encoding,
    pub root: Option<PathBuf>,
    /// The conversations file from the initialization options or settings.
    pub conversations: Option<PathBuf>,
    pub docs: HashMap<Uri, Doc>,
    pub generations: HashMap<Group, u64>,
    pub built: HashMap<Group, Arc<Built>>,
    pub stats: HashMap<PathBuf, (SystemTime, u64, Arc<ConversationStats>)>,
    /// Groups whose table-based warnings are being computed.
    pub analyzing: HashSet<Group>,
    /// The documents whose diagnostics were last published, per group.
    pub published: HashMap<Group, Vec<Uri>>,
    /// Whether the diagnostics last published for a group had errors.
    pub had_errors: HashMap<Group, bool>,
    /// The client can be asked to refresh its code lenses.
    pub lens_refresh: bool,
    /// The client expands snippets (`$1`, `${1:a}`) in completions.
    pub snippets: bool,
    pub shutdown: bool,
}

pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    let is_file = uri
        .scheme()
        .is_some_and(|s| s.as_str().eq_ignore_ascii_case("file"));
    if !is_file {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

fn is_policy_file(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "handover")
}

pub fn group_of(uri: &Uri, path: Option<&Path>) -> Group {
    match path {
        Some(p) if is_policy_file(p) => match p.parent() {
            Some(dir) => Group::Dir(dir.to_path_buf()),
            None => Group::Single(uri.as_str().to_string()),
        },
        _ => Group::Single(uri.as_str().to_string()),
    }
}

pub fn uri_of_path(p: &Path) -> Option<Uri> {
    Uri::from_file_path(p).or_else(|| {
        let s = p.to_string_lossy().replace('%', "%25").replace(' ', "%20");
        Uri::from_str(&format!("file://{s}")).ok()
    })
}

/// What building a group needs, taken under the lock.
pub struct Snapshot {
    pub group: Group,
    pub generation: u64,
    /// Open documents of the group: (uri, path, text).
    pub open: Vec<(Uri, Option<PathBuf>, String)>,
}

impl State {
    pub fn bump(&mut self, g: &Group) {
        *self.generations.entry(g.clone()).or_insert(0) += 1;
        self.built.remove(g);
    }

    pub fn bump_all(&mut self) {
        for g in self.groups() {
            self.bump(&g);
        }
        self.built.clear();
    }

    pub fn generation(&self, g: &Group) -> u64 {
        self.generations.get(g).copied().unwrap_or(0)
    }

    pub fn group_of_uri(&self, uri: &Uri) -> Group {
        let path = match self.docs.get(uri) {
            Some(d) => d.path.clone(),
            None => path_of(uri),
        };
        group_of(uri, path.as_deref())
    }

    /// The groups of the open documents.
    pub fn groups(&self) -> Vec<Group> {
        let mut out: Vec<Group> = Vec::new();
        for (uri, d) in &self.docs {
            let g = group_of(uri, d.path.as_deref());
            if !out.contains(&g) {
                out.push(g);
            }
        }
        out
    }

    pub fn snapshot(&self, g: &Group) -> Snapshot {
        let open = self
            .docs
            .iter()
            .filter(|(u, d)| &group_of(u, d.path.as_deref()) == g)
            .map(|(u, d)| (u.clone(), d.path.clone(), d.text.clone()))
            .collect();
        Snapshot {
            group: g.clone(),
            generation: self.generation(g),
            open,
        }
    }

    /// The cached analysis of a group, if still current.
    pub fn cached(&self, g: &Group) -> Option<Arc<Built>> {
        self.built
            .get(g)
            .filter(|b| b.generation == self.generation(g))
            .cloned()
    }

    pub fn store(&mut self, g: &Group, b: Arc<Built>) {
        if b.generation == self.generation(g) {
            self.built.insert(g.clone(), b);
        }
    }
}

/// A file's text; with the offset of the first byte that is not UTF-8
/// (read as U+FFFD) when it is not all text, to be reported there rather
/// than the file left out, which made its declarations unknown elsewhere.
fn read_text(p: &Path) -> Option<(String, Option<usize>)> {
    let bytes = std::fs::read(p).ok()?;
    let (f, bad) = crate::policy::source_lossy(String::new(), bytes);
    Some((f.text, bad))
}

/// Parse, check and index a group: the directory's files with the open
/// documents' text, in name order.
pub fn build(s: Snapshot) -> Built {
    let mut files: Vec<(PathBuf, Option<Uri>, Option<String>)> = Vec::new();
    match &s.group {
        Group::Dir(dir) => {
            if let Ok(rd) = std::fs::read_dir(dir) {
                for e in rd.flatten() {
                    let p = e.path();
                    if is_policy_file(&p) && p.is_file() {
                        files.push((p, None, None));
                    }
                }
            }
            for (uri, path, text) in &s.open {
                let Some(p) = path else { continue };
                match files.iter_mut().find(|(fp, _, _)| fp == p) {
                    Some(slot) => {
                        slot.1 = Some(uri.clone());
                        slot.2 = Some(text.clone());
                    }
                    None => files.push((p.clone(), Some(uri.clone()), Some(text.clone()))),
                }
            }
            files.sort_by(|a, b| a.0.cmp(&b.0));
        }
        Group::Single(_) => {
            for (uri, path, text) in &s.open {
                let name = path.clone().unwrap_or_else(|| PathBuf::from(uri.as_str()));
                files.push((name, Some(uri.clone()), Some(text.clone())));
            }
        }
    }
    let mut sources = Vec::new();
    let mut uris = Vec::new();
    let mut bad = Vec::new();
    for (path, uri, text) in files {
        let Some((text, not_text)) = text.map(|t| (t, None)).or_else(|| read_text(&path)) else {
            continue;
        };
        let Some(uri) = uri.or_else(|| uri_of_path(&path)) else {
            continue;
        };
        if let Some(at) = not_text {
            bad.push((sources.len(), at));
        }
        sources.push(SourceFile::new(path.display().to_string(), text));
        uris.push(uri);
    }
    let mut quick = Analysis::quick(sources);
    for (i, at) in bad {
        if let Some(f) = quick.checked.files.get(i) {
            let d = crate::policy::not_utf8(f, i as u32, at);
            quick.checked.diagnostics.push(d);
        }
    }
    // small policies get every diagnostic at once; large ones get the
    // table-based warnings in the background
    let small = quick
        .checked
        .table
        .as_ref()
        .is_none_or(|t| t.rows.len() <= SYNC_ROWS);
    let analysis = match small.then(|| quick.completed()).flatten() {
        Some(full) => full,
        None => quick,
    };
    Built {
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        analysis,
        uris,
        generation: s.generation,
    }
}

/// Up to this many decision-table rows, the table-based warnings are
/// computed with the rest on every change.
pub const SYNC_ROWS: usize = 400;

impl Built {
    /// The same build with the table-based warnings (None: nothing to add).
    pub fn completed(&self) -> Option<Built> {
        Some(Built {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            analysis: self.analysis.completed()?,
            uris: self.uris.clone(),
            generation: self.generation,
        })
    }
}

/// The conversations file for a policy: the configured one (relative to
/// the workspace root, else to the policy), else `conversations.jsonl`
/// or a `*.conversations.jsonl` beside the policy.
pub fn conversations_file(
    configured: Option<&Path>,
    root: Option<&Path>,
    policy_dir: Option<&Path>,
) -> Option<PathBuf> {
    if let Some(c) = configured {
        if c.is_absolute() {
            return c.is_file().then(|| c.to_path_buf());
        }
        for base in [root, policy_dir].into_iter().flatten() {
            let p = base.join(c);
            if p.is_file() {
                return Some(p);
            }
        }
        return None;
    }
    let dir = policy_dir?;
    let beside = dir.join("conversations.jsonl");
    if beside.is_file() {
        return Some(beside);
    }
    let mut others: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".conversations.jsonl"))
        })
        .collect();
    others.sort();
    others.into_iter().next()
}
