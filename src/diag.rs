//! Diagnostics: the stable codes of SPEC 2.6 and what each finding carries.

use crate::span::Span;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($($variant:ident => $name:literal, $sev:ident, $summary:literal;)*) => {
        /// A diagnostic's stable code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($variant),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name),* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev),* }
            }

            /// What the code means, in one sentence (SARIF's rule
            /// descriptions, which code scanning shows above an alert).
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary),* }
            }

            pub fn parse(s: &str) -> Option<Code> {
                match s { $($name => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    Syntax => "syntax", Error, "The text does not parse.";
    UnknownField => "unknown-field", Error, "A name that is not a declared field.";
    UnknownValue => "unknown-value", Error, "A value that is not in the field's type, or a priority other than low, normal, high or urgent.";
    TypeMismatch => "type-mismatch", Error, "An operator or literal that does not fit the field's type.";
    OutOfRange => "out-of-range", Error, "A literal outside the field's declared range.";
    UnknownQueue => "unknown-queue", Error, "A queue that is not declared.";
    Duplicate => "duplicate", Error, "A name declared twice, or a second policy or automation block.";
    BadRegex => "bad-regex", Error, "A matches pattern that is not a valid regular expression.";
    MissingQueue => "missing-queue", Error, "route or human without a queue.";
    TooComplex => "too-complex", Error, "A condition too large to compile into the decision table.";
    Unsatisfiable => "unsatisfiable", Warning, "A condition, or one or-branch of it, that no facts can satisfy.";
    AlwaysTrue => "always-true", Warning, "A condition that every facts satisfy, missing facts included.";
    ShadowedRule => "shadowed-rule", Warning, "A rule that decides for no facts at all: others always win where it matches.";
    AmbiguousRoute => "ambiguous-route", Warning, "Two rules with the same action and priority but different queues match the same facts, so only file order picks the queue.";
    MixedAndOr => "mixed-and-or", Warning, "and and or mixed without parentheses.";
    Unused => "unused", Warning, "A field, let or queue that nothing uses.";
    UncoveredValues => "uncovered-values", Warning, "An automation block without otherwise leaves values to the answer fallback.";
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Code {
    /// Where the code's page lives in the repository.
    pub fn docs_path(self) -> String {
        format!("docs/diagnostics/{}.md", self.as_str())
    }

    pub fn docs_url(self) -> String {
        format!("{}/{}.md", DOCS_BASE, self.as_str())
    }
}

/// Where the diagnostics pages are published.
pub const DOCS_BASE: &str =
    "https://github.com/handover-policy/handover/blob/main/docs/diagnostics";

/// A text replacement that fixes (part of) a diagnostic.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Edit {
    #[serde(skip)]
    pub span: Span,
    pub text: String,
}

/// A suggested fix: a title and the edits that apply it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
    /// Secondary places worth pointing at, with a short label.
    pub related: Vec<(Span, String)>,
    /// Facts (as JSON) that demonstrate an analysis finding.
    pub example: Option<serde_json::Value>,
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            message: bound_quotes(message.into()),
            span,
            help: None,
            related: Vec::new(),
            example: None,
            fixes: Vec::new(),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(bound_quotes(help.into()));
        self
    }

    /// Help that quotes pieces of the policy longer than a word (a test, a
    /// whole condition): a quote is cut only past [`POLICY_QUOTE_MAX`]
    /// characters.
    pub fn with_help_quoting_policy(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(bound_quotes_at(help.into(), POLICY_QUOTE_MAX));
        self
    }

    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.related.push((span, label.into()));
        self
    }

    /// A quick fix that replaces `span` with `text`, titled
    /// "change to `text`".
    pub fn with_change_to(self, span: Span, text: impl Into<String>) -> Diagnostic {
        let text = text.into();
        self.with_fix(format!("change to `{text}`"), span, text)
    }

    pub fn with_fix(
        mut self,
        title: impl Into<String>,
        span: Span,
        text: impl Into<String>,
    ) -> Diagnostic {
        self.fixes.push(Fix {
            title: title.into(),
            edits: vec![Edit {
                span,
                text: text.into(),
            }],
        });
        self
    }

    pub fn with_example(mut self, example: serde_json::Value) -> Diagnostic {
        self.example = Some(example);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The closest candidate within a bounded edit distance, for "did you mean".
pub fn suggest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = word.to_lowercase();
    let limit = match word.chars().count() {
        0..=2 => 1,
        3..=5 => 2,
        n => (n / 4).max(3),
    };
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let d = strsim::damerau_levenshtein(&lower, &c.to_lowercase());
        // a candidate that merely contains the word is a good guess too
        let d = if d > limit && lower.len() >= 4 && c.to_lowercase().starts_with(&lower) {
            limit
        } else {
            d
        };
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// "a, b or c" with each item in backticks.
pub fn list_words<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{}`", s.as_ref())).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {}", rest.join(", "), last),
    }
}

/// The longest user text quoted whole in a message, in characters.
const QUOTE_MAX: usize = 60;

/// The longest piece of a policy (a test, a condition) quoted whole in a
/// help, in characters.
pub const POLICY_QUOTE_MAX: usize = 200;

/// Messages quote the user's words in backticks; a word of megabytes (a
/// generated or corrupted file) is cut to its first characters and `…`, so
/// that one diagnostic stays readable. The span still covers all of it.
fn bound_quotes(message: String) -> String {
    bound_quotes_at(message, QUOTE_MAX)
}

/// [`bound_quotes`] with a longer or shorter limit: a quote of more than
/// `max` characters keeps its first `max - 20`.
fn bound_quotes_at(message: String, max: usize) -> String {
    if message.len() <= max {
        return message;
    }
    let parts: Vec<&str> = message.split('`').collect();
    // odd-numbered parts are quoted, when the backticks pair up
    if parts.len() % 2 == 0
        || !parts
            .iter()
            .skip(1)
            .step_by(2)
            .any(|q| q.chars().nth(max).is_some())
    {
        return message;
    }
    let mut out = String::with_capacity(message.len().min(4096));
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 && part.chars().nth(max).is_some() {
            out.extend(part.chars().take(max.saturating_sub(20)));
            out.push('…');
        } else {
            out.push_str(part);
        }
    }
    out
}

/// A name from a policy or an input as the terminal shows it: control
/// characters (a `\n` written in a queue name, say) are escaped, so that a
/// name can neither break a report's lines nor start a line of its own
/// that CI reads as a command (`::error …`).
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// [`printable`] of each name, joined with `, `.
pub fn printable_list<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| printable(n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod quote_tests {
    use super::*;

    #[test]
    fn long_quotes_are_cut_short_ones_kept() {
        let long = "y".repeat(3000);
        let m = bound_quotes(format!("`{long}` is not a value of `a`"));
        assert_eq!(m, format!("`{}…` is not a value of `a`", "y".repeat(40)));
        let short = "`refnd` is not a value of `topic`".to_string();
        assert_eq!(bound_quotes(short.clone()), short);
        // unpaired backticks: left alone
        let odd = format!("a ` {long}");
        assert_eq!(bound_quotes(odd.clone()), odd);
        let wide = format!("`{}`", "é".repeat(100));
        assert_eq!(bound_quotes(wide), format!("`{}…`", "é".repeat(40)));
    }

    #[test]
    fn printable_escapes_control_characters_only() {
        assert_eq!(super::printable("billing-priority"), "billing-priority");
        assert_eq!(
            super::printable("a\n::error::x\t\u{1}é"),
            "a\\n::error::x\\t\\u{1}é"
        );
    }
}
