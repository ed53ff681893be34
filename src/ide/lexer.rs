//! A forgiving tokenizer for editor features: it never fails, keeps
//! comments and unterminated strings, and knows nothing about statements.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokKind {
    /// An identifier or keyword.
    Ident,
    /// A number, percentage or duration (`3`, `0.6`, `60%`, `1h30m`).
    Number,
    /// A string; `terminated` is false when the line ends first.
    Str { terminated: bool },
    /// Punctuation: `{ } ( ) , : = != < <= > >= => ..`.
    Punct,
    /// A `#` comment, to the end of the line.
    Comment,
    /// Any other character.
    Other,
}

/// A token: its kind and byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tok {
    pub kind: TokKind,
    pub start: usize,
    pub end: usize,
}

impl Tok {
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.start..self.end).unwrap_or("")
    }

    pub fn is_ident(&self) -> bool {
        self.kind == TokKind::Ident
    }

    pub fn is_str(&self) -> bool {
        matches!(self.kind, TokKind::Str { .. })
    }

    pub fn is_literal(&self) -> bool {
        matches!(
            self.kind,
            TokKind::Ident | TokKind::Number | TokKind::Str { .. }
        )
    }
}

pub fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

pub fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whether `s` is an identifier (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_ident_start) && chars.all(is_ident_char)
}

const PUNCT2: [&str; 5] = ["=>", "!=", "<=", ">=", ".."];
const PUNCT1: [char; 9] = ['{', '}', '(', ')', ',', ':', '=', '<', '>'];

/// Tokenize `text[from..to]` (clamped); offsets are into `text`.
pub fn tokens(text: &str, from: usize, to: usize) -> Vec<Tok> {
    let to = clamp(text, to);
    let from = clamp(text, from.min(to));
    let mut out = Vec::new();
    let Some(src) = text.get(from..to) else {
        return out;
    };
    let mut it = src.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let start = from + i;
        if c.is_whitespace() {
            continue;
        }
        let end_at = |it: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
                      pred: &dyn Fn(char) -> bool| {
            let mut end = start + c.len_utf8();
            while let Some(&(j, d)) = it.peek() {
                if !pred(d) {
                    break;
                }
                end = from + j + d.len_utf8();
                it.next();
            }
            end
        };
        let (kind, end) = if c == '#' {
            (TokKind::Comment, end_at(&mut it, &|d| d != '\n'))
        } else if c == '"' {
            let mut end = start + 1;
            let mut escaped = false;
            let mut terminated = false;
            while let Some(&(j, d)) = it.peek() {
                if d == '\n' {
                    break;
                }
                it.next();
                end = from + j + d.len_utf8();
                if escaped {
                    escaped = false;
                } else if d == '\\' {
                    escaped = true;
                } else if d == '"' {
                    terminated = true;
                    break;
                }
            }
            (TokKind::Str { terminated }, end)
        } else if is_ident_start(c) {
            (TokKind::Ident, end_at(&mut it, &is_ident_char))
        } else if c.is_ascii_digit()
            || (c == '-' && it.peek().is_some_and(|&(_, d)| d.is_ascii_digit()))
        {
            let end = end_at(&mut it, &|d| is_ident_char(d) || d == '%' || d == '.');
            // `0..1`: the number stops before `..`
            let s = text.get(start..end).unwrap_or("");
            match s.find("..") {
                Some(k) if k > 0 => {
                    let cut = start + k;
                    // re-feed the rest: tokenize the tail separately
                    out.push(Tok {
                        kind: TokKind::Number,
                        start,
                        end: cut,
                    });
                    out.extend(tokens(text, cut, end));
                    continue;
                }
                _ => (TokKind::Number, end),
            }
        } else {
            let two = text.get(start..start + 2).unwrap_or("");
            if PUNCT2.contains(&two) {
                it.next();
                (TokKind::Punct, start + 2)
            } else if PUNCT1.contains(&c) {
                (TokKind::Punct, start + 1)
            } else {
                (TokKind::Other, start + c.len_utf8())
            }
        };
        out.push(Tok { kind, start, end });
    }
    out
}

/// Clamp an offset into the text and onto a character boundary.
pub fn clamp(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while o > 0 && !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// The identifier around `offset`: (start, end), possibly empty.
pub fn word_at(text: &str, offset: usize) -> (usize, usize) {
    let offset = clamp(text, offset);
    let before = text.get(..offset).unwrap_or("");
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident_char(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let after = text.get(offset..).unwrap_or("");
    let end = offset
        + after
            .find(|c: char| !is_ident_char(c))
            .unwrap_or(after.len());
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes_everything() {
        let t = "field x: number 0..1 # note\nwhen x >= 60% then route \"q";
        let toks = tokens(t, 0, t.len());
        let texts: Vec<&str> = toks.iter().map(|k| k.text(t)).collect();
        assert_eq!(
            texts,
            vec![
                "field", "x", ":", "number", "0", "..", "1", "# note", "when", "x", ">=", "60%",
                "then", "route", "\"q"
            ]
        );
        assert_eq!(
            toks.last().map(|t| t.kind),
            Some(TokKind::Str { terminated: false })
        );
    }

    #[test]
    fn words() {
        assert_eq!(word_at("ab cd", 4), (3, 5));
        assert_eq!(word_at("ab cd", 2), (0, 2));
        assert_eq!(word_at("é", 1), (0, 0));
        assert!(is_identifier("_a1"));
        assert!(!is_identifier("1a"));
    }
}
