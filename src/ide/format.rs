//! Formatting: the whole document, or nothing when it has syntax errors.

use crate::diag::Edit;
use crate::span::Span;

/// The edit that formats `text` (file `file`): none when it is already
/// formatted or has syntax errors. The edit covers only the part that
/// changes (common beginning and end left alone).
pub fn format_edits(file: u32, text: &str) -> Vec<Edit> {
    match crate::fmt::format_source(text) {
        Some(formatted) => edit_between(file, text, &formatted),
        None => Vec::new(),
    }
}

/// The one edit that turns `text` into `formatted`: none when they are the
/// same.
pub fn edit_between(file: u32, text: &str, formatted: &str) -> Vec<Edit> {
    if formatted == text {
        return Vec::new();
    }
    let mut prefix = text
        .bytes()
        .zip(formatted.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while prefix > 0 && !(text.is_char_boundary(prefix) && formatted.is_char_boundary(prefix)) {
        prefix -= 1;
    }
    let max_suffix = text.len().min(formatted.len()) - prefix;
    let mut suffix = text
        .bytes()
        .rev()
        .zip(formatted.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while suffix > 0
        && !(text.is_char_boundary(text.len() - suffix)
            && formatted.is_char_boundary(formatted.len() - suffix))
    {
        suffix -= 1;
    }
    vec![Edit {
        span: Span::new(file, prefix, text.len() - suffix),
        text: formatted
            .get(prefix..formatted.len() - suffix)
            .unwrap_or("")
            .to_string(),
    }]
}
