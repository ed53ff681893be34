//! Byte spans into source files, and the conversions editors and reports need.

use serde::Serialize;

/// A byte range in one source file of a policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub file: u32,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: u32, start: usize, end: usize) -> Span {
        Span { file, start, end }
    }

    /// The smallest span covering both (they must be in the same file).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, offset: usize) -> bool {
        self.start <= offset && offset <= self.end
    }
}

/// A source file of a policy: its display name and text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// 0-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len())
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Clamp an offset into the text and onto a character boundary.
    pub fn clamp(&self, offset: usize) -> usize {
        let mut o = offset.min(self.text.len());
        while o > 0 && !self.text.is_char_boundary(o) {
            o -= 1;
        }
        o
    }

    /// 1-based line and 1-based column counted in characters.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.clamp(offset);
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let col = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// 0-based line and column in UTF-16 code units (the LSP default).
    pub fn utf16_position(&self, offset: usize) -> (u32, u32) {
        let offset = self.clamp(offset);
        let line = self.line_of(offset);
        let start = self.line_start(line);
        // the `\r` of a `\r\n` belongs to the line break, as LSP counts
        let offset = offset.min(self.content_end(line));
        let col: usize = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().map(char::len_utf16).sum());
        (line as u32, col as u32)
    }

    /// Byte offset of a 0-based line and UTF-16 column, clamped to the line.
    pub fn offset_of_utf16(&self, line: u32, col: u32) -> usize {
        let line = line as usize;
        if line >= self.line_count() {
            return self.text.len();
        }
        let start = self.line_start(line);
        let content = self.text.get(start..self.content_end(line)).unwrap_or("");
        let mut units = 0u32;
        for (i, ch) in content.char_indices() {
            if units >= col {
                return start + i;
            }
            units += ch.len_utf16() as u32;
        }
        start + content.len()
    }

    /// Where a 0-based line's text ends: before its `\n` or `\r\n`.
    pub fn content_end(&self, line: usize) -> usize {
        let start = self.line_start(line);
        let end = self.line_start(line + 1).min(self.text.len());
        let line_text = self.text.get(start..end).unwrap_or("");
        let content = line_text.strip_suffix('\n').unwrap_or(line_text);
        let content = if content.len() < line_text.len() {
            content.strip_suffix('\r').unwrap_or(content)
        } else {
            content
        };
        start + content.len()
    }

    /// The file's name without its folders (`routing.handover`), as
    /// messages and rule names show it.
    pub fn base_name(&self) -> String {
        std::path::Path::new(&self.name)
            .file_name()
            .map_or(self.name.clone(), |b| b.to_string_lossy().into_owned())
    }

    /// The name of an unnamed rule whose `when` is at `offset`: `line N`,
    /// or `FILE line N` in a policy of several files (SPEC 2.1).
    pub fn unnamed_rule_name(&self, offset: usize, several_files: bool) -> String {
        let line = self.line_col(offset).0;
        if several_files {
            format!("{} line {line}", self.base_name())
        } else {
            format!("line {line}")
        }
    }

    /// The text of a span, or "" when the span does not fit this file.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }
}
