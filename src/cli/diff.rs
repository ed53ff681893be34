//! `handover diff`: where two policies decide differently.

use super::{CliError, FAILED, OK};
use crate::analyze::diff::{self, Direction};
use crate::diag::printable;
use clap::ValueEnum;
use serde_json::json;
use std::io::BufRead;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum Format {
    Human,
    Json,
}

/// Show where two policies decide differently (action, queue or priority).
#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 when no difference was found (the output says when the comparison
was not exhaustive), 1 when they differ, a policy has errors (the errors are printed on
standard error, and nothing on standard output) or a line of --conversations cannot be
replayed, 2 usage or I/O error.\n\nExamples:\n  handover diff policy-v1.handover policy-v2.handover\n  handover diff main/policy/ branch/policy/ \\\n    --conversations last-week.jsonl --format json"
)]
pub struct Args {
    /// The current policy
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The proposed policy
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// Replay these conversations through both and count what changes
    #[arg(long, value_name = "FILE")]
    conversations: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

/// Regions listed in the human output: past this many, a reader wants
/// the summary and the JSON, not pages of conditions.
const MAX_SHOWN: usize = 50;

#[derive(Default)]
struct Replay {
    total: usize,
    changed: usize,
    stricter: usize,
    looser: usize,
    other: usize,
    changed_expected_escalate: usize,
    errors: usize,
    /// The first lines neither policy could replay, with why.
    error_lines: Vec<serde_json::Value>,
    examples: Vec<serde_json::Value>,
}

impl Replay {
    /// A conversation one policy decides and the other refuses.
    fn refused(&mut self, line: usize, id: &serde_json::Value, old: String, new: String) {
        self.total += 1;
        self.changed += 1;
        self.other += 1;
        if self.examples.len() < 10 {
            self.examples
                .push(json!({"id": id, "line": line, "old": old, "new": new}));
        }
    }
}

pub fn run(args: Args) -> Result<i32, CliError> {
    let mut inputs = vec![args.old.as_path(), args.new.as_path()];
    inputs.extend(args.conversations.as_deref());
    super::stdin_at_most_once(&inputs)?;
    let old = match super::load_policy(&args.old)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let new = match super::load_policy(&args.new)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    // a spinner when it turns out slow: a policy of thousands of rows
    let working = super::SlowWork::start(format!(
        "comparing `{}` with `{}`",
        args.old.display(),
        args.new.display()
    ));
    let result = diff::diff(&old, &new);
    let edited = edits(old.checked(), new.checked());
    let stricter = result
        .changes
        .iter()
        .filter(|c| c.direction() == Direction::Stricter)
        .count();
    let looser = result
        .changes
        .iter()
        .filter(|c| c.direction() == Direction::Looser)
        .count();
    let other = result.changes.len() - stricter - looser;

    let replay = match &args.conversations {
        None => None,
        Some(path) => {
            let mut r = Replay::default();
            let mut input = super::decide::open_input(path)?;
            let mut buf = Vec::new();
            let mut line = 0usize;
            loop {
                buf.clear();
                let n = input
                    .read_until(b'\n', &mut buf)
                    .map_err(|e| CliError::Read(path.display().to_string(), e))?;
                if n == 0 {
                    break;
                }
                line += 1;
                let Ok(text) = std::str::from_utf8(&buf) else {
                    r.errors += 1;
                    continue;
                };
                if text.trim().is_empty() {
                    continue;
                }
                let (a, b) = match (
                    crate::simulate::replay(&old, line, text.trim()),
                    crate::simulate::replay(&new, line, text.trim()),
                ) {
                    (Ok(a), Ok(b)) => (a, b),
                    // accepted by one policy and refused by the other: the
                    // breakage a reviewer most needs to see
                    (Ok(a), Err(e)) => {
                        r.refused(
                            line,
                            &a.id,
                            describe(&a.decision),
                            format!("(not accepted: {})", e.error),
                        );
                        continue;
                    }
                    (Err(e), Ok(b)) => {
                        r.refused(
                            line,
                            &b.id,
                            format!("(not accepted: {})", e.error),
                            describe(&b.decision),
                        );
                        continue;
                    }
                    (Err(e), Err(_)) => {
                        r.errors += 1;
                        if r.error_lines.len() < 10 {
                            r.error_lines
                                .push(json!({"line": line, "id": e.id, "error": e.error}));
                        }
                        continue;
                    }
                };
                r.total += 1;
                let key =
                    |d: &crate::Decision<'_>| (d.action, d.queue.map(str::to_string), d.priority);
                if key(&a.decision) != key(&b.decision) {
                    r.changed += 1;
                    if b.decision.action > a.decision.action {
                        r.stricter += 1;
                    } else if b.decision.action < a.decision.action {
                        r.looser += 1;
                    } else {
                        r.other += 1;
                    }
                    if a.expected_escalate == Some(true) {
                        r.changed_expected_escalate += 1;
                    }
                    if r.examples.len() < 10 {
                        r.examples.push(json!({"id": a.id, "line": line, "old": describe(&a.decision), "new": describe(&b.decision)}));
                    }
                }
            }
            Some(r)
        }
    };

    drop(working);
    match args.format {
        Format::Json => {
            let mut v = json!({
                // null: none found, but the search was not exhaustive
                "equal": if result.changes.is_empty() && result.incomplete {
                    serde_json::Value::Null
                } else {
                    json!(result.changes.is_empty())
                },
                "incomplete_fields": if result.incomplete { incomplete_fields(&result.space) } else { Vec::new() },
                "complete": !result.incomplete,
                "regions": result.changes.iter().map(diff::change_json).collect::<Vec<_>>(),
                "summary": {"regions": result.changes.len(), "stricter": stricter, "looser": looser, "other": other},
                "edits": edited,
            });
            if let (Some(r), Some(o)) = (&replay, v.as_object_mut()) {
                o.insert(
                    "conversations".into(),
                    json!({
                        "total": r.total, "changed": r.changed, "stricter": r.stricter, "looser": r.looser,
                        "other": r.other, "changed_expected_escalate": r.changed_expected_escalate,
                        "errors": r.errors, "error_lines": r.error_lines, "examples": r.examples,
                    }),
                );
            }
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        Format::Human => {
            if !edited.is_empty() {
                println!("edited:");
                for e in &edited {
                    println!("  {e}");
                }
                println!();
            }
            if result.changes.is_empty() && result.incomplete {
                println!("no difference found, but the comparison was not exhaustive (see the note below): the policies may still decide differently");
            } else if result.changes.is_empty() {
                println!("the two policies decide the same for every possible set of facts");
            } else {
                println!(
                    "{} region(s) where the decision changes: {} stricter, {} looser, {} other (the same action with another queue or priority, or facts only one policy accepts)\n",
                    result.changes.len(),
                    stricter,
                    looser,
                    other
                );
                for c in result.changes.iter().take(MAX_SHOWN) {
                    let arrow = match c.direction() {
                        Direction::Stricter => "stricter",
                        Direction::Looser => "LOOSER",
                        Direction::Sideways => "changed",
                    };
                    println!(
                        "  {}: {} → {}  [{arrow}]",
                        c.condition,
                        c.old.describe(),
                        c.new.describe()
                    );
                    println!("      for example {}", c.example);
                    let by = |r: &Option<String>| {
                        r.as_ref().map_or("no rule".to_string(), |n| {
                            format!("rule `{}`", printable(n))
                        })
                    };
                    if c.decided_by[0] != c.decided_by[1] {
                        println!(
                            "      decided by {} → {}",
                            by(&c.decided_by[0]),
                            by(&c.decided_by[1])
                        );
                    } else if let Some(n) = &c.decided_by[0] {
                        println!("      decided by rule `{}` in both", printable(n));
                    }
                }
                if result.changes.len() > MAX_SHOWN {
                    println!(
                        "  … and {} more region(s); `--format json` lists them all",
                        result.changes.len() - MAX_SHOWN
                    );
                }
            }
            if result.incomplete {
                println!("\nnote: {}", not_exhaustive(&result.space));
            }
            if let Some(r) = &replay {
                println!(
                    "\nconversations: {} of {} change decision ({} stricter, {} looser, {} other: another queue or priority, or accepted by one policy only); {} of the changed ones were expected to escalate{}",
                    r.changed,
                    r.total,
                    r.stricter,
                    r.looser,
                    r.other,
                    r.changed_expected_escalate,
                    if r.errors > 0 { format!("; {} line(s) could not be replayed", r.errors) } else { String::new() }
                );
                for e in &r.examples {
                    println!(
                        "  line {} ({}): {} → {}",
                        e["line"],
                        e["id"],
                        e["old"].as_str().unwrap_or_default(),
                        e["new"].as_str().unwrap_or_default()
                    );
                }
                if r.changed > r.examples.len() {
                    println!("  … and {} more", r.changed - r.examples.len());
                }
                for e in &r.error_lines {
                    println!(
                        "  line {}: could not be replayed: {}",
                        e["line"],
                        e["error"].as_str().unwrap_or_default()
                    );
                }
                if r.errors > r.error_lines.len() {
                    println!(
                        "  … and {} more line(s) that could not be replayed",
                        r.errors - r.error_lines.len()
                    );
                }
            }
        }
    }
    // as in `decide` and `simulate`: data with bad lines fails, whatever
    // the comparison found
    let replay_changed = replay
        .as_ref()
        .is_some_and(|r| r.changed > 0 || r.errors > 0);
    Ok(if result.changes.is_empty() && !replay_changed {
        OK
    } else {
        FAILED
    })
}

/// What was edited, declaration by declaration: the reader's own words
/// for why the regions below changed (`let too_many_contacts: 3 → 2`,
/// `rule "vip": priority urgent → high`).
/// Declarations are matched by kind and name; layout and comments inside a
/// declaration do not count as edits.
fn edits(old: &crate::Checked, new: &crate::Checked) -> Vec<String> {
    let old = declarations(old);
    let new = declarations(new);
    let mut out = Vec::new();
    for o in &old {
        match new.iter().find(|n| n.key == o.key) {
            None => out.push(format!("{}: removed", o.key)),
            Some(n) if n.text != o.text => out.push(format!("{}: {}", o.key, what_changed(o, n))),
            Some(_) => {}
        }
    }
    for n in &new {
        if !old.iter().any(|o| o.key == n.key) {
            out.push(format!("{}: added", n.key));
        }
    }
    out
}

/// One declaration as `diff` compares it.
struct Declaration {
    /// What it is: `rule "vip"`, `let \`x\``.
    key: String,
    /// Its words, comments and layout left out.
    text: String,
    /// A `let`'s value.
    value: Option<String>,
    /// A rule's parts.
    rule: Option<RuleParts>,
    /// An automation block's action per value (`otherwise` included).
    automation: Option<Vec<(String, String)>>,
}

/// A rule's parts, each in the author's words.
struct RuleParts {
    when: String,
    /// The condition with each test replaced by `□`, and the tests: two
    /// conditions of one shape differ only in the tests that differ.
    shape: String,
    tests: Vec<String>,
    then: String,
    priority: Option<String>,
    tags: Vec<String>,
    notes: Vec<String>,
    attach: Vec<String>,
}

/// How a declaration changed: the parts of a rule that differ, a `let`'s
/// values, or a short declaration's old and new words.
fn what_changed(old: &Declaration, new: &Declaration) -> String {
    if let (Some(a), Some(b)) = (&old.value, &new.value) {
        if a != b {
            return format!("{a} → {b}");
        }
    }
    if let (Some(a), Some(b)) = (&old.rule, &new.rule) {
        let mut parts = Vec::new();
        if a.when != b.when {
            if a.shape == b.shape {
                for (x, y) in a.tests.iter().zip(&b.tests).filter(|(x, y)| x != y) {
                    parts.push(format!("`{}` → `{}`", shorten(x), shorten(y)));
                }
            } else {
                parts.push(format!(
                    "when `{}` → `{}`",
                    shorten(&a.when),
                    shorten(&b.when)
                ));
            }
        }
        if a.then != b.then {
            parts.push(format!("then `{}` → `{}`", a.then, b.then));
        }
        if a.priority != b.priority {
            let p = |p: &Option<String>| p.clone().unwrap_or_else(|| "none".to_string());
            parts.push(format!("priority {} → {}", p(&a.priority), p(&b.priority)));
        }
        for (what, a, b) in [
            ("tag", &a.tags, &b.tags),
            ("note", &a.notes, &b.notes),
            ("attach", &a.attach, &b.attach),
        ] {
            let added: Vec<&String> = b.iter().filter(|x| !a.contains(x)).collect();
            let removed: Vec<&String> = a.iter().filter(|x| !b.contains(x)).collect();
            let shown = |x: &str| match what {
                "note" => format!("\"{}\"", shorten(x)),
                _ => x.to_string(),
            };
            for x in removed {
                parts.push(format!("{what} {} removed", shown(x)));
            }
            for x in added {
                parts.push(format!("{what} {} added", shown(x)));
            }
        }
        return if parts.is_empty() {
            "modifiers reordered".to_string()
        } else {
            parts.join("; ")
        };
    }
    if let (Some(a), Some(b)) = (&old.automation, &new.automation) {
        let mut parts = Vec::new();
        for (value, x) in a {
            match b.iter().find(|(v, _)| v == value) {
                Some((_, y)) if x != y => parts.push(format!("`{value}` {x} → {y}")),
                Some(_) => {}
                None => parts.push(format!("`{value}` removed")),
            }
        }
        for (value, y) in b {
            if !a.iter().any(|(v, _)| v == value) {
                parts.push(format!("`{value}` added ({y})"));
            }
        }
        if !parts.is_empty() {
            return parts.join("; ");
        }
    }
    if old.text.chars().count() <= 70 && new.text.chars().count() <= 70 {
        format!("`{}` → `{}`", old.text, new.text)
    } else {
        "changed".to_string()
    }
}

/// Each declaration, in file order.
fn declarations(c: &crate::Checked) -> Vec<Declaration> {
    use crate::syntax::ast::{Modifier, StmtKind};
    let mut out: Vec<Declaration> = Vec::new();
    for (ast, file) in c.asts.iter().zip(&c.files) {
        // the words of a span, comments and layout left out
        let words = |span: crate::span::Span| {
            let text = file
                .text
                .get(span.start..span.end)
                .map(crate::check::model::one_line)
                .unwrap_or_default();
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        for stmt in &ast.stmts {
            let text = words(stmt.span);
            let mut value = None;
            let mut rule = None;
            let mut automation = None;
            let key = match &stmt.kind {
                StmtKind::Policy(_) => "policy name".to_string(),
                StmtKind::Field { name, .. } => format!("field `{}`", name.name),
                StmtKind::Let { name, value: v } => {
                    value = Some(v.text.clone());
                    format!("let `{}`", name.name)
                }
                StmtKind::Queue { name, .. } => format!("queue \"{}\"", printable(&name.value)),
                StmtKind::Ticket(_) => "ticket requires".to_string(),
                StmtKind::Automation { field, entries } => {
                    let mut by_value = Vec::new();
                    for e in entries {
                        let action = words(e.action.span);
                        if e.otherwise {
                            by_value.push(("otherwise".to_string(), action.clone()));
                        }
                        by_value.extend(e.values.iter().map(|v| (v.name.clone(), action.clone())));
                    }
                    automation = Some(by_value);
                    format!("automation by `{}`", field.name)
                }
                StmtKind::Rule(r) => {
                    let atoms = r.cond.atoms();
                    let mut shape = String::new();
                    let mut at = r.cond.span().start;
                    for a in &atoms {
                        shape.push_str(file.text.get(at..a.span.start).unwrap_or(""));
                        shape.push('□');
                        at = a.span.end.max(at);
                    }
                    shape.push_str(file.text.get(at..r.cond.span().end).unwrap_or(""));
                    let mut parts = RuleParts {
                        when: words(r.cond.span()),
                        shape: crate::check::model::one_line(&shape)
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" "),
                        tests: atoms.iter().map(|a| words(a.span)).collect(),
                        then: words(r.action.span),
                        priority: None,
                        tags: Vec::new(),
                        notes: Vec::new(),
                        attach: Vec::new(),
                    };
                    for m in &r.modifiers {
                        match m {
                            Modifier::Priority(p, _) => parts.priority = Some(p.name.clone()),
                            Modifier::Tag(t, _) => {
                                parts.tags.push(format!("\"{}\"", printable(&t.value)))
                            }
                            // compared whole, shown short
                            Modifier::Note(n, _) => {
                                parts.notes.push(printable(&n.value).into_owned())
                            }
                            Modifier::Attach(items, _) => {
                                parts.attach.extend(items.iter().map(|i| i.name.clone()))
                            }
                        }
                    }
                    rule = Some(parts);
                    match &r.name {
                        Some(n) => format!("rule \"{}\"", printable(&n.value)),
                        None => format!("rule `{}`", shorten(&text)),
                    }
                }
                StmtKind::Example(e) => format!("example \"{}\"", printable(&e.name.value)),
                StmtKind::Error => continue,
            };
            // a key declared twice (two `ticket requires` lines, say) is
            // compared as the two together
            match out.iter_mut().find(|d| d.key == key) {
                Some(d) => {
                    d.text.push_str(" ; ");
                    d.text.push_str(&text);
                    // two rules of one name: compared by their words only
                    d.rule = None;
                    d.automation = None;
                }
                None => out.push(Declaration {
                    key,
                    text,
                    value,
                    rule,
                    automation,
                }),
            }
        }
    }
    out
}

fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(60).collect();
    if text.chars().nth(60).is_some() {
        s.push('…');
    }
    s
}

fn describe(d: &crate::Decision<'_>) -> String {
    let mut s = d.action.as_str().to_string();
    if let Some(q) = d.queue {
        s.push_str(&format!(" \"{}\"", printable(q)));
    }
    if let Some(p) = d.priority {
        s.push_str(&format!(" priority {}", p.as_str()));
    }
    s
}

/// Why a comparison was not exhaustive, naming the fields whose values
/// could not all be tried.
/// The fields whose values could not all be tried.
fn incomplete_fields(space: &crate::analyze::space::Space) -> Vec<String> {
    space
        .cols
        .iter()
        .filter(|c| c.approximate)
        .map(|c| c.name.clone())
        .collect()
}

fn not_exhaustive(space: &crate::analyze::space::Space) -> String {
    let cols: Vec<String> = incomplete_fields(space)
        .iter()
        .map(|c| format!("`{c}`"))
        .collect();
    if cols.is_empty() {
        return "the policies are too large to compare exhaustively; any regions listed are real but there may be more".to_string();
    }
    format!(
        "not every combination of the tests on {} could be tried (text tests are compared through sample strings, sets through at most 10 named values); any regions listed are real but there may be more: replay real conversations with `--conversations FILE` to check",
        cols.join(", ")
    )
}
