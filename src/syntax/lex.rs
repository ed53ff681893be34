//! Line-level lexical facts the pest grammar does not keep: comments,
//! unterminated strings, statement boundaries and nesting depth.

use super::ast::Comment;
use crate::span::Span;

/// Keywords that start a top-level statement when they open a line.
pub const STATEMENT_KEYWORDS: &[&str] = &[
    "policy",
    "field",
    "let",
    "queue",
    "ticket",
    "automation",
    "rule",
    "when",
    "example",
];

/// Deeper conditions are refused before parsing, so that no input can
/// exhaust the stack of the parser or of any later pass.
pub const MAX_NESTING: usize = 100;

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The code part of a line (before any comment), and the comment's byte
/// offset within the line if there is one. Strings are skipped so that a
/// `#` inside quotes is not a comment.
pub fn split_comment(line: &str) -> (usize, Option<usize>) {
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
        } else if c == '#' {
            return (i, Some(i));
        }
    }
    (line.len(), None)
}

/// Each line of the text: (start offset, line text without the newline).
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split_inclusive('\n').map(move |l| {
        let s = start;
        start += l.len();
        (s, l.strip_suffix('\n').unwrap_or(l))
    })
}

pub fn comments(file: u32, text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    for (start, line) in lines(text) {
        let (code_end, hash) = split_comment(line);
        if let Some(h) = hash {
            let body = line.get(h + 1..).unwrap_or("");
            let trailing = !line.get(..code_end).unwrap_or("").trim().is_empty();
            out.push(Comment {
                text: body.trim_end().to_string(),
                span: Span::new(file, start + h, start + line.trim_end().len()),
                trailing,
            });
        }
    }
    out
}

/// The first string on a line that is not closed before the line ends:
/// (byte offset of its opening quote).
pub fn unterminated_strings(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for (start, line) in lines(text) {
        let mut in_str = None;
        let mut escaped = false;
        for (i, c) in line.char_indices() {
            match in_str {
                Some(_) if escaped => escaped = false,
                Some(_) if c == '\\' => escaped = true,
                Some(_) if c == '"' => in_str = None,
                Some(_) => {}
                None if c == '"' => in_str = Some(i),
                None if c == '#' => break,
                None => {}
            }
        }
        if let Some(i) = in_str {
            out.push(start + i);
        }
    }
    out
}

/// The first word of a line's code, if it is an identifier-like word.
fn first_word(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let end = t.find(|c: char| !is_ident_char(c)).unwrap_or(t.len());
    if end == 0 {
        None
    } else {
        t.get(..end)
    }
}

/// A line such as `policy => human "legal"` or `example, billing => draft`
/// in an automation block, or `rule < ...` in a level, starts with a value
/// that happens to be named like a statement keyword: a statement keyword
/// is followed by a name, a quoted string or nothing, never by `,`, `=`,
/// `<`, `>`, `}` or `)`.
fn used_as_value(code: &str, word: &str) -> bool {
    let rest = code
        .trim_start()
        .get(word.len()..)
        .unwrap_or("")
        .trim_start();
    rest.starts_with([',', '=', '<', '>', '}', ')'])
}

fn has_word(code: &str, word: &str) -> bool {
    let mut in_str = false;
    let mut escaped = false;
    let mut current = String::new();
    for c in code.chars().chain(std::iter::once(' ')) {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        if is_ident_char(c) {
            current.push(c);
            continue;
        }
        if current == word {
            return true;
        }
        current.clear();
        if c == '"' {
            in_str = true;
        }
    }
    false
}

/// Cut the text into statement chunks: a chunk starts at a line whose first
/// word is a statement keyword (`when` only when it does not complete a
/// `rule "name"` header). Leading text before the first keyword is a chunk
/// of its own. Returns byte ranges.
pub fn split(text: &str) -> Vec<(usize, usize)> {
    let mut starts = Vec::new();
    let mut rule_waiting_for_when = false;
    for (start, line) in lines(text) {
        let (code_end, _) = split_comment(line);
        let code = line.get(..code_end).unwrap_or("");
        let word = first_word(code);
        let indent = code.len() - code.trim_start().len();
        let opens = match word {
            Some("when") => !rule_waiting_for_when,
            Some(w) => STATEMENT_KEYWORDS.contains(&w) && !used_as_value(code, w),
            None => false,
        };
        if opens {
            starts.push(start + indent);
            rule_waiting_for_when = word == Some("rule") && !has_word(code, "when");
        } else if rule_waiting_for_when && has_word(code, "when") {
            rule_waiting_for_when = false;
        } else if rule_waiting_for_when && !code.trim().is_empty() {
            // a rule header followed by something else: the rule is broken
            // either way; keep what follows with it
        }
    }
    let mut chunks = Vec::new();
    let first = starts.first().copied().unwrap_or(text.len());
    if !code_is_blank(text.get(..first).unwrap_or("")) {
        chunks.push((0, first));
    }
    for (i, &s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).copied().unwrap_or(text.len());
        chunks.push((s, e));
    }
    chunks
}

/// True when the text holds only whitespace and comments.
pub fn code_is_blank(text: &str) -> bool {
    lines(text).all(|(_, l)| {
        let (end, _) = split_comment(l);
        l.get(..end).unwrap_or("").trim().is_empty()
    })
}

/// How deeply a chunk nests conditions: open parentheses plus runs of
/// `not`, ignoring strings and comments. Returns (depth, offset where the
/// limit was first passed).
pub fn nesting(text: &str) -> (usize, usize) {
    let mut depth = 0usize;
    let mut nots = 0usize;
    let mut max = 0usize;
    let mut at = 0usize;
    for (start, line) in lines(text) {
        let (code_end, _) = split_comment(line);
        let code = line.get(..code_end).unwrap_or("");
        let mut in_str = false;
        let mut escaped = false;
        let mut word = String::new();
        for (i, c) in code
            .char_indices()
            .chain(std::iter::once((code.len(), ' ')))
        {
            if in_str {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_str = false;
                }
                continue;
            }
            if is_ident_char(c) {
                word.push(c);
                continue;
            }
            if !word.is_empty() {
                if word == "not" {
                    nots += 1;
                } else {
                    nots = 0;
                }
                word.clear();
            }
            match c {
                '"' => in_str = true,
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth + nots > max {
                max = depth + nots;
                if max == MAX_NESTING + 1 {
                    at = start + i;
                }
            }
        }
    }
    (max, at)
}
