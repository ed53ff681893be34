//! Positions and protocol types: byte offsets and spans to LSP positions
//! in the negotiated encoding (UTF-16 by default, UTF-8 when offered).

use crate::ide::lexer;
use crate::span::{SourceFile, Span};
use tower_lsp_server::lsp_types::{Position, Range};

/// How LSP columns count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    #[default]
    Utf16,
    Utf8,
}

/// Byte offset of an LSP position, clamped to the line and the text.
pub fn offset(f: &SourceFile, pos: Position, enc: Encoding) -> usize {
    match enc {
        Encoding::Utf16 => f.offset_of_utf16(pos.line, pos.character),
        Encoding::Utf8 => {
            let line = pos.line as usize;
            if line >= f.line_count() {
                return f.text.len();
            }
            let start = f.line_start(line);
            let content = f.content_end(line).saturating_sub(start);
            lexer::clamp(&f.text, start + (pos.character as usize).min(content))
        }
    }
}

/// The LSP position of a byte offset.
pub fn position(f: &SourceFile, offset: usize, enc: Encoding) -> Position {
    match enc {
        Encoding::Utf16 => {
            let (line, character) = f.utf16_position(offset);
            Position { line, character }
        }
        Encoding::Utf8 => {
            let offset = f.clamp(offset);
            let line = f.line_of(offset);
            let offset = offset.min(f.content_end(line));
            Position {
                line: line as u32,
                character: offset.saturating_sub(f.line_start(line)) as u32,
            }
        }
    }
}

pub fn range(f: &SourceFile, span: Span, enc: Encoding) -> Range {
    Range {
        start: position(f, span.start, enc),
        end: position(f, span.end.max(span.start), enc),
    }
}

/// Byte span of an LSP range (start and end clamped, in order).
pub fn span(f: &SourceFile, file: u32, r: Range, enc: Encoding) -> Span {
    let a = offset(f, r.start, enc);
    let b = offset(f, r.end, enc);
    Span::new(file, a.min(b), a.max(b))
}

/// Apply one content change (with a range) to a text.
pub fn apply_change(text: &str, r: Range, new_text: &str, enc: Encoding) -> String {
    let f = SourceFile::new("", text);
    let s = span(&f, 0, r, enc);
    let mut out = String::with_capacity(text.len() + new_text.len());
    out.push_str(text.get(..s.start).unwrap_or(""));
    out.push_str(new_text);
    out.push_str(text.get(s.end..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_and_utf16() {
        let f = SourceFile::new("t", "ab\n«é» x\n");
        // `x` is at byte 3 + 2 + 2 + 2 + 1 = 10 on line 1
        let x = f.text.find('x').unwrap_or(0);
        assert_eq!(position(&f, x, Encoding::Utf16), Position::new(1, 4));
        assert_eq!(position(&f, x, Encoding::Utf8), Position::new(1, 7));
        assert_eq!(offset(&f, Position::new(1, 4), Encoding::Utf16), x);
        assert_eq!(offset(&f, Position::new(1, 7), Encoding::Utf8), x);
        // past the end
        assert_eq!(
            offset(&f, Position::new(9, 9), Encoding::Utf8),
            f.text.len()
        );
        assert_eq!(offset(&f, Position::new(0, 99), Encoding::Utf8), 2);
        // inside a character: back to its start
        assert_eq!(offset(&f, Position::new(1, 1), Encoding::Utf8), 3);
    }

    /// The `\r` of `\r\n` is part of the line break: a position past the
    /// end of a line lands before it, and no range ends after it.
    #[test]
    fn crlf_line_ends() {
        let f = SourceFile::new("t", "ab\r\ncd\r\n");
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            assert_eq!(offset(&f, Position::new(0, 99), enc), 2, "{enc:?}");
            assert_eq!(position(&f, 3, enc), Position::new(0, 2), "{enc:?}");
            assert_eq!(position(&f, 2, enc), Position::new(0, 2), "{enc:?}");
            assert_eq!(position(&f, 4, enc), Position::new(1, 0), "{enc:?}");
            assert_eq!(offset(&f, Position::new(1, 1), enc), 5, "{enc:?}");
        }
        // a lone `\r` at the end of a line is text
        let f = SourceFile::new("t", "ab\r");
        assert_eq!(offset(&f, Position::new(0, 99), Encoding::Utf16), 3);
    }
}

/// A snippet as plain text: `${1:a}` becomes `a`, tab stops (`$1`, `$0`)
/// disappear, `\$` is a dollar.
pub fn plain_from_snippet(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len());
    let mut chars = snippet.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => {
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
            }
            '$' if chars.peek() == Some(&'{') => {
                chars.next();
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
                if chars.peek() == Some(&':') {
                    chars.next();
                }
                for n in chars.by_ref() {
                    if n == '}' {
                        break;
                    }
                    out.push(n);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod snippet_tests {
    #[test]
    fn snippets_read_as_plain_text() {
        let plain = super::plain_from_snippet;
        assert_eq!(plain("any { $1 }"), "any {  }");
        assert_eq!(plain("enum { ${1:a}, ${2:b} }$0"), "enum { a, b }");
        assert_eq!(plain("cost \\$5"), "cost $5");
        assert_eq!(plain("route \"${1:queue}\""), "route \"queue\"");
    }
}
