//! Diagnostics in the four formats of `check`: human (miette), JSON
//! (SPEC section 3), SARIF 2.1.0 and GitHub annotations.

use crate::diag::{Diagnostic, Severity};
use crate::span::{SourceFile, Span};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};
use serde_json::json;

/// A file lent to miette: no copy per diagnostic, and the lines around a
/// span found through the file's line index rather than by scanning.
struct Src<'a> {
    file: &'a SourceFile,
    /// For an excerpt of a long line: its real line (0-based), and the
    /// real column (in characters, 0-based) of the excerpt's first byte
    /// minus the characters of the `…` put before it.
    line_offset: usize,
    column_offset: isize,
    /// The file's bytes from an offset as the excerpt shows them (see
    /// [`spaced`]), when they differ from the file's.
    shown: Option<(usize, String)>,
}

impl miette::SourceCode for Src<'_> {
    fn read_span<'b>(
        &'b self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'b> + 'b>, miette::MietteError> {
        let f = self.file;
        let start = f.clamp(span.offset());
        let end = f.clamp(span.offset() + span.len()).max(start);
        let first = f.line_of(start).saturating_sub(before);
        let last_line = f.line_of(end.saturating_sub(1).max(start));
        let last = (last_line + after).min(f.line_count().saturating_sub(1));
        let data_start = f.line_start(first);
        let data_end = f.line_start(last + 1).min(f.text.len());
        let data = match &self.shown {
            Some((off, t)) if data_start >= *off && data_end <= off + t.len() => {
                t.get(data_start - off..data_end - off).unwrap_or("")
            }
            _ => f.text.get(data_start..data_end).unwrap_or(""),
        };
        // without context (the header line), the column is the span's own,
        // counted in characters
        let column = if before == 0 {
            let own = f.line_col(start).1.saturating_sub(1) as isize;
            (own + self.column_offset).max(0) as usize
        } else {
            0
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            f.name.clone(),
            data.as_bytes(),
            (data_start, data_end - data_start).into(),
            first + self.line_offset,
            column,
            last - first + 1,
        )))
    }
}

/// A diagnostic wrapped for miette's renderer.
struct Report<'a> {
    d: &'a Diagnostic,
    src: Src<'a>,
    labels: Vec<LabeledSpan>,
}

impl std::fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl std::fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // a name quoted in the message may hold a `\n` written in a string
        f.write_str(&crate::diag::printable(&self.d.message))
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.d.code.as_str()))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        // the help quotes names too, which may hold a `\n`
        let mut help = crate::diag::printable(self.d.help.as_deref().unwrap_or("")).into_owned();
        if let Some(ex) = &self.d.example {
            if !help.is_empty() {
                help.push('\n');
            }
            help.push_str(&format!("for example: {ex}"));
        }
        (!help.is_empty()).then(|| Box::new(help) as Box<dyn std::fmt::Display>)
    }
    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.d.code.docs_path()))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

fn byte_span(file: &SourceFile, start: usize, end: usize) -> miette::SourceSpan {
    let s = file.clamp(start);
    let e = file.clamp(end).max(s);
    (s, e - s).into()
}

/// A line longer than this is shown as an excerpt around the diagnostic.
const LONG_LINE: usize = 400;
/// Characters of context kept on each side of the span in an excerpt, and
/// the most of the span itself that is underlined.
const EXCERPT_CONTEXT: usize = 60;
const EXCERPT_SPAN: usize = 200;

/// Render one diagnostic for a terminal (or plain text when not colour).
pub fn render_human(files: &[SourceFile], d: &Diagnostic, colour: bool) -> String {
    let Some(file) = files.get(d.span.file as usize) else {
        return format!(
            "{}[{}]: {}\n",
            d.severity.as_str(),
            d.code.as_str(),
            d.message
        );
    };
    let line = file.line_of(file.clamp(d.span.start));
    let line_len = file.line_start(line + 1).min(file.text.len()) - file.line_start(line);
    if line_len > LONG_LINE {
        return render_excerpt(file, line, d, colour);
    }
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        None,
        byte_span(file, d.span.start, d.span.end),
    )];
    for (s, l) in &d.related {
        if s.file == d.span.file {
            labels.push(LabeledSpan::new_with_span(
                Some(l.clone()),
                byte_span(file, s.start, s.end),
            ));
        }
    }
    // the lines miette may show (the spans' and some around them), with
    // their control characters as spaces
    let ends = std::iter::once(d.span).chain(
        d.related
            .iter()
            .map(|(s, _)| *s)
            .filter(|s| s.file == d.span.file),
    );
    let (lo, hi) = ends.fold((usize::MAX, 0), |(lo, hi), s| {
        (lo.min(s.start), hi.max(s.end))
    });
    let from = file.line_start(file.line_of(file.clamp(lo)).saturating_sub(3));
    let to = file
        .line_start(file.line_of(file.clamp(hi)) + 4)
        .min(file.text.len());
    let src = Src {
        file,
        line_offset: 0,
        column_offset: 0,
        shown: spaced(&file.text, from, to).map(|t| (from, t)),
    };
    render_with(d, src, labels, colour)
}

/// `text[from..to]` with its control characters (but tabs and line breaks)
/// as spaces, byte for byte, when it has any: miette ends a line at a lone
/// `\r`, where the policy's lines (and so the line numbers it is given) do
/// not, and an escape sequence in a binary file would drive the terminal.
fn spaced(text: &str, from: usize, to: usize) -> Option<String> {
    let part = text.get(from..to)?;
    // C0 and C1 controls (U+009B starts an escape sequence on its own)
    let hidden = |i: usize, c: char| match c {
        '\t' | '\n' => false,
        '\r' => text.as_bytes().get(from + i + 1) != Some(&b'\n'),
        c => c.is_control(),
    };
    if !part.char_indices().any(|(i, c)| hidden(i, c)) {
        return None;
    }
    let mut out = String::with_capacity(part.len());
    for (i, c) in part.char_indices() {
        if hidden(i, c) {
            // as many spaces as the character has bytes: offsets stay
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// A diagnostic on a very long line (a generated file, a pasted blob): the
/// line is cut to the span and some context, marked with `…`, so that one
/// diagnostic stays a few lines long; the position shown is the real one.
fn render_excerpt(file: &SourceFile, line: usize, d: &Diagnostic, colour: bool) -> String {
    let text = file.text.as_str();
    let line_start = file.line_start(line);
    let line_end = line_start
        + text
            .get(line_start..)
            .map_or(0, |t| t.find('\n').unwrap_or(t.len()));
    let start = file.clamp(d.span.start).clamp(line_start, line_end);
    let end = file.clamp(d.span.end).clamp(start, line_end);
    let back = |from: usize, chars: usize| {
        text.get(..from)
            .and_then(|t| t.char_indices().rev().take(chars).last())
            .map_or(from, |(i, _)| i)
            .max(line_start)
    };
    let forward = |from: usize, chars: usize| {
        text.get(from..)
            .and_then(|t| t.char_indices().nth(chars))
            .map_or(text.len(), |(i, _)| from + i)
            .min(line_end)
    };
    let shown_end = forward(start, EXCERPT_SPAN).min(end);
    let from = back(start, EXCERPT_CONTEXT);
    let to = forward(shown_end, EXCERPT_CONTEXT);
    let before = if from > line_start { "…" } else { "" };
    let after = if to < line_end { "…" } else { "" };
    let middle =
        spaced(text, from, to).unwrap_or_else(|| text.get(from..to).unwrap_or("").to_string());
    let excerpt = format!("{before}{middle}{after}");
    let part = SourceFile::new(file.name.clone(), excerpt);
    let skipped = text.get(line_start..from).map_or(0, |t| t.chars().count());
    let src = Src {
        file: &part,
        line_offset: line,
        column_offset: skipped as isize - before.chars().count() as isize,
        shown: None,
    };
    let at = start - from + before.len();
    let labels = vec![LabeledSpan::new_primary_with_span(
        None,
        miette::SourceSpan::from((at, shown_end - start)),
    )];
    render_with(d, src, labels, colour)
}

fn render_with(d: &Diagnostic, src: Src<'_>, labels: Vec<LabeledSpan>, colour: bool) -> String {
    let report = Report { d, src, labels };
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = format!(
            "{}[{}]: {}\n",
            d.severity.as_str(),
            d.code.as_str(),
            d.message
        );
    }
    out
}

pub fn print_human(files: &[SourceFile], diags: &[Diagnostic], colour: bool, to_stderr: bool) {
    for d in diags {
        let s = render_human(files, d, colour);
        if to_stderr {
            eprintln!("{s}");
        } else {
            println!("{s}");
        }
    }
}

fn position(files: &[SourceFile], span: Span) -> (String, usize, usize, usize, usize) {
    match files.get(span.file as usize) {
        Some(f) => {
            let (l, c) = f.line_col(span.start);
            let (el, ec) = f.line_col(span.end);
            (f.name.clone(), l, c, el, ec)
        }
        None => (String::new(), 1, 1, 1, 1),
    }
}

/// A SARIF `physicalLocation`: the file's uri and the span's region.
fn physical_location(files: &[SourceFile], span: Span) -> serde_json::Value {
    let (file, line, column, end_line, end_column) = position(files, span);
    json!({
        "artifactLocation": {"uri": sarif_uri(&file)},
        "region": {
            "startLine": line,
            "startColumn": column,
            "endLine": end_line,
            "endColumn": end_column,
        }
    })
}

/// The JSON record of one diagnostic: exactly the keys of SPEC section 3,
/// which tools compare. The facts an analysis warning shows (`example`) are
/// in the human form, the editor and SARIF's property bag.
pub fn json_record(files: &[SourceFile], d: &Diagnostic) -> serde_json::Value {
    let (file, line, column, end_line, end_column) = position(files, d.span);
    json!({
        "file": file,
        "severity": d.severity.as_str(),
        "code": d.code.as_str(),
        "message": d.message,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "help": d.help,
    })
}

pub fn json_report(files: &[SourceFile], diags: &[Diagnostic]) -> serde_json::Value {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    json!({
        "diagnostics": diags.iter().map(|d| json_record(files, d)).collect::<Vec<_>>(),
        "errors": errors,
        "warnings": diags.len() - errors,
    })
}

pub fn sarif_report(files: &[SourceFile], diags: &[Diagnostic]) -> serde_json::Value {
    let rules: Vec<serde_json::Value> = crate::diag::Code::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "name": c.as_str(),
                "shortDescription": {"text": c.summary()},
                "fullDescription": {"text": c.summary()},
                "help": {"text": format!("{} See {} for an example and how to fix it.", c.summary(), c.docs_url())},
                "helpUri": c.docs_url(),
                "defaultConfiguration": {"level": c.severity().as_str()},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str(&format!("\nhelp: {h}"));
            }
            let mut result = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": crate::diag::Code::ALL.iter().position(|c| *c == d.code),
                "level": d.severity.as_str(),
                "message": {"text": text},
                "locations": [{"physicalLocation": physical_location(files, d.span)}],
            });
            if let (Some(ex), Some(obj)) = (&d.example, result.as_object_mut()) {
                obj.insert("properties".into(), json!({"example": ex}));
            }
            // the other places the message names (the earlier rule of an
            // `ambiguous-route`, the first declaration of a `duplicate`)
            let related: Vec<serde_json::Value> = d
                .related
                .iter()
                .filter(|(span, _)| files.get(span.file as usize).is_some())
                .enumerate()
                .map(|(i, (span, label))| {
                    json!({
                        "id": i,
                        "message": {"text": label},
                        "physicalLocation": physical_location(files, *span),
                    })
                })
                .collect();
            if let (false, Some(obj)) = (related.is_empty(), result.as_object_mut()) {
                obj.insert("relatedLocations".into(), json!(related));
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "handover",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/handover-policy/handover",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// GitHub Actions workflow commands; the message escapes %, CR and LF.
pub fn github_lines(files: &[SourceFile], diags: &[Diagnostic]) -> Vec<String> {
    let esc = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let esc_prop = |s: &str| esc(s).replace(':', "%3A").replace(',', "%2C");
    diags
        .iter()
        .map(|d| {
            let (file, line, column, end_line, end_column) = position(files, d.span);
            let mut msg = d.message.clone();
            if let Some(h) = &d.help {
                msg.push_str(&format!("\nhelp: {h}"));
            }
            format!(
                "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                d.severity.as_str(),
                esc_prop(&file),
                line,
                column,
                end_line,
                end_column,
                esc_prop(&format!("handover {}", d.code.as_str())),
                esc(&msg)
            )
        })
        .collect()
}

/// A file's SARIF `uri`: relative paths as URI references without a
/// leading `./` (code scanning matches them against the repository, and
/// `check ./p` and `check p` must give the same fingerprints), absolute
/// ones as `file://` URIs. Only Windows separates with `\\`; elsewhere it
/// is part of a name.
fn sarif_uri(path: &str) -> String {
    let path = if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_string()
    };
    let mut rest = path.as_str();
    while let Some(r) = rest.strip_prefix("./") {
        rest = r.trim_start_matches('/');
    }
    if rest.starts_with('/') {
        format!("file://{}", uri_reference(rest))
    } else if cfg!(windows) && rest.get(1..2) == Some(":") {
        format!("file:///{}", uri_reference(rest))
    } else {
        uri_reference(rest)
    }
}

/// A path as an RFC 3986 URI reference, as SARIF requires: every byte but
/// the unreserved characters and `/` percent-encoded (`règles ü.handover`
/// is `r%C3%A8gles%20%C3%BC.handover`; `#` would start a fragment).
pub fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod uri_tests {
    #[test]
    fn paths_become_uri_references() {
        let u = super::uri_reference;
        assert_eq!(u("./policy.handover"), "./policy.handover");
        assert_eq!(u("règles ü.handover"), "r%C3%A8gles%20%C3%BC.handover");
        assert_eq!(
            u("gh/r,1:x%%y#z.handover"),
            "gh/r%2C1%3Ax%25%25y%23z.handover"
        );
        let s = super::sarif_uri;
        assert_eq!(s("./policy.handover"), "policy.handover");
        assert_eq!(s("././a/p.handover"), "a/p.handover");
        assert_eq!(
            s("/tmp/odd dir/p.handover"),
            "file:///tmp/odd%20dir/p.handover"
        );
        if cfg!(unix) {
            assert_eq!(s("a\\b.handover"), "a%5Cb.handover");
        }
    }
}
