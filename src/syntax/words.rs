//! Syntax errors in words: what was expected, never grammar rule names.

use super::Rule;
use crate::diag::{suggest, Code, Diagnostic};
use crate::span::Span;

fn describe(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        kw_policy => "`policy`",
        kw_field => "`field`",
        kw_let => "`let`",
        kw_queue => "`queue`",
        kw_sla => "`sla`",
        kw_ticket => "`ticket`",
        kw_requires => "`requires`",
        kw_automation => "`automation`",
        kw_by => "`by`",
        kw_otherwise => "`otherwise`",
        kw_rule => "`rule`",
        kw_when => "`when`",
        kw_then => "`then`",
        kw_example => "`example`",
        kw_expect => "`expect`",
        kw_enum | kw_level | kw_set | kw_number | kw_int | kw_bool | kw_text => {
            "a type (`enum`, `level`, `set`, `number`, `int`, `bool` or `text`)"
        }
        kw_answer | kw_draft | kw_route | kw_human | action => {
            "an action (`answer`, `draft`, `route` or `human`)"
        }
        kw_priority | kw_tag | kw_note | kw_attach | priority_mod | tag_mod | note_mod
        | attach_mod | stray_modifier => "a modifier (`priority`, `tag`, `note` or `attach`)",
        kw_and => "`and`",
        kw_or => "`or`",
        kw_not => "`not`",
        kw_in => "`in`",
        kw_has | kw_any | kw_all => "`has`",
        kw_matches => "`matches`",
        kw_contains => "`contains`",
        kw_is => "`is`",
        kw_missing | kw_present => "`missing` or `present`",
        kw_true | kw_false => "`true` or `false`",
        cmp_op | cmp_test | in_test | not_in_test | has_any_test | has_all_test | has_test
        | matches_test | contains_test | missing_test | present_test => "an operator",
        ident | ident_list => "a name",
        string | string_body | queue_desc => "a quoted string",
        numeric | range => "a number",
        literal | literal_list | value_set => "a value",
        condition | and_expr | not_expr | atom | group => "a condition",
        colon => "`:`",
        comma => "`,`",
        lbrace => "`{`",
        rbrace => "`}`",
        lparen => "`(`",
        rparen => "`)`",
        lt => "`<`",
        eq => "`=`",
        arrow => "`=>`",
        dotdot => "`..`",
        EOI => "the end of the statement",
        policy_decl | field_decl | let_decl | queue_decl | ticket_decl | automation_decl
        | rule_decl | example_decl => "a statement",
        example_fact => "a fact such as `category = refund`",
        auto_entry => "an entry such as `billing => draft`",
        _ => return None,
    })
}

const STATEMENT_HINT: &str =
    "a statement starts with `policy`, `field`, `let`, `queue`, `ticket requires`, `automation by`, `rule`, `when` or `example`";

/// The token at `pos`, for "found `...`".
fn found(chunk: &str, pos: usize) -> String {
    let rest = chunk.get(pos..).unwrap_or("");
    let rest_code = rest.trim_start();
    if rest_code.is_empty() {
        return "the end of the statement".into();
    }
    if let Some(len) = string_len(rest) {
        let text = rest.get(..len).unwrap_or(rest);
        return if text.chars().count() > 40 {
            format!("`{}…`", text.chars().take(39).collect::<String>())
        } else {
            format!("`{text}`")
        };
    }
    let word: String = if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '%' || *c == '.')
            .take(40)
            .collect()
    } else {
        rest.chars()
            .take_while(|c| !c.is_whitespace())
            .take(1)
            .collect()
    };
    if word.is_empty() {
        "the end of the line".into()
    } else {
        format!("`{word}`")
    }
}

/// The length of the quoted string `rest` starts with, closing quote
/// included (to the end of the line when it is not closed).
fn string_len(rest: &str) -> Option<usize> {
    let body = rest.strip_prefix('"')?;
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            '\n' | '\r' => return Some(1 + i),
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(2 + i),
            _ => escaped = false,
        }
    }
    Some(rest.len())
}

fn join_or(items: &[&str]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {}", rest.join(", "), last),
    }
}

pub(super) fn syntax_diagnostic(
    file: u32,
    base: usize,
    chunk: &str,
    pos: usize,
    err: &pest::error::Error<Rule>,
) -> Diagnostic {
    let positives: Vec<Rule> = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    // an error at the end of the statement points just after its last
    // token, not at the blank lines and comments that follow it
    let pos = if super::lex::code_is_blank(chunk.get(pos..).unwrap_or("")) {
        let before = chunk.get(..pos).unwrap_or("");
        let mut p = before.trim_end().len();
        // step back over a trailing comment line
        while let Some(line_start) = chunk.get(..p).map(|s| s.rfind('\n').map_or(0, |i| i + 1)) {
            let line = chunk.get(line_start..p).unwrap_or("");
            if line.trim_start().starts_with('#') && line_start > 0 {
                p = chunk.get(..line_start).unwrap_or("").trim_end().len();
            } else {
                break;
            }
        }
        p
    } else {
        pos
    };
    let found_tok = found(chunk, pos);
    let prev_word: String = chunk
        .get(..pos)
        .unwrap_or("")
        .trim_end()
        .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("")
        .to_string();
    // a string is one token, however many words it holds
    let word_len = chunk
        .get(pos..)
        .map(|r| {
            string_len(r).unwrap_or_else(|| {
                r.char_indices()
                    .find(|(_, c)| c.is_whitespace())
                    .map_or(r.len(), |(i, _)| i)
            })
        })
        .unwrap_or(0)
        .max(1);
    let end = (pos + word_len).min(chunk.len()).max(pos);
    let mut end = end;
    while end > pos && !chunk.is_char_boundary(end) {
        end -= 1;
    }
    let span = Span::new(file, base + pos, base + end);
    let has = |r: Rule| positives.contains(&r);
    let at_start = chunk.get(..pos).is_some_and(super::lex::code_is_blank);
    let bare_word = found_tok.trim_matches('`').to_string();
    let ctx = Ctx {
        file,
        base,
        chunk,
        pos,
        positives: &positives,
        at_start,
        found: &found_tok,
        prev_word: &prev_word,
        span,
    };
    if let Some(d) = common_mistake(&ctx) {
        return d;
    }

    let (message, help) = if at_start {
        let kw = suggest(&bare_word, super::lex::STATEMENT_KEYWORDS.iter().copied());
        (
            format!("expected a statement, found {found_tok}"),
            Some(match kw {
                Some(k) => format!("did you mean `{k}`? {STATEMENT_HINT}"),
                None => STATEMENT_HINT.to_string(),
            }),
        )
    } else if has(Rule::kw_then)
        && matches!(bare_word.as_str(), "answer" | "draft" | "route" | "human")
    {
        // the action is there, only `then` is not
        return Diagnostic::new(
            Code::Syntax,
            span,
            format!("expected `then` after the condition, found {found_tok}"),
        )
        .with_help(format!(
            "add `then` before `{bare_word}`: a rule reads `when CONDITION then ACTION`"
        ))
        .with_fix(
            format!("insert `then` before `{bare_word}`"),
            Span::new(span.file, span.start, span.start),
            "then ",
        );
    } else if has(Rule::kw_then) {
        let kw = suggest(&bare_word, ["then"]);
        (
            format!("expected `then` after the condition, found {found_tok}"),
            Some(match kw {
                Some(_) => "did you mean `then`?".to_string(),
                None => {
                    "a rule reads `when CONDITION then ACTION`; join conditions with `and` or `or`"
                        .to_string()
                }
            }),
        )
    } else if has(Rule::kw_when) && !has(Rule::kw_rule) {
        let kw = suggest(&bare_word, ["when"]);
        (
            format!("expected `when` after the rule's name, found {found_tok}"),
            Some(match kw {
                Some(_) => "did you mean `when`?".to_string(),
                None => "a rule reads `rule \"name\" when CONDITION then ACTION`".to_string(),
            }),
        )
    } else if has(Rule::kw_expect) {
        (
            format!("expected `expect` after the example's facts, found {found_tok}"),
            Some(
                "an example reads `example \"name\" { FIELD = VALUE, ... } expect ACTION`"
                    .to_string(),
            ),
        )
    } else if prev_word == "priority" && has(Rule::ident) {
        (
            format!("expected a priority after `priority`, found {found_tok}"),
            Some("a priority is `low`, `normal`, `high` or `urgent`".to_string()),
        )
    } else if has(Rule::rbrace)
        && (found_tok == "the end of the statement"
            || (has(Rule::comma)
                && found_tok
                    .trim_matches('`')
                    .chars()
                    .all(|c| c.is_ascii_lowercase())
                && unclosed_brace(chunk.get(..pos).unwrap_or("")).is_some()
                && matches!(
                    found_tok.trim_matches('`'),
                    "then"
                        | "and"
                        | "or"
                        | "expect"
                        | "when"
                        | "priority"
                        | "tag"
                        | "note"
                        | "attach"
                )))
    {
        let open = unclosed_brace(chunk);
        let d = Diagnostic::new(
            Code::Syntax,
            Span::new(
                file,
                base + open.unwrap_or(pos),
                base + open.map_or(pos + 1, |o| o + 1),
            ),
            "this `{` is never closed".to_string(),
        )
        .with_help("add the matching `}` at the end of the list or block");
        return d;
    } else if has(Rule::rparen) && !has(Rule::kw_then) && found_tok == "the end of the statement" {
        (
            "expected `)` to close the parenthesis".to_string(),
            Some("every `(` needs a matching `)`".to_string()),
        )
    } else {
        let mut words: Vec<&str> = Vec::new();
        for r in &positives {
            if let Some(w) = describe(*r) {
                if !words.contains(&w) {
                    words.push(w);
                }
            }
        }
        // "the end of the statement" is true but rarely what the user wants
        if words.len() > 1 {
            words.retain(|w| *w != "the end of the statement");
        }
        let expected = if words.is_empty() {
            "something else".to_string()
        } else {
            join_or(&words)
        };
        let is_action = has(Rule::action) || has(Rule::kw_answer);
        // a misspelt action: suggest the action, with a fix
        if is_action {
            let actions = ["answer", "draft", "route", "human"];
            if let Some(a) = crate::diag::suggest(&bare_word, actions.iter().copied()) {
                return Diagnostic::new(
                    Code::Syntax,
                    span,
                    format!("expected {expected}, found {found_tok}"),
                )
                .with_help(format!("did you mean `{a}`?"))
                .with_change_to(span, a);
            }
        }
        let help = if found_tok == "`.`" && (has(Rule::literal) || has(Rule::numeric)) {
            Some("a number starts with a digit: write `0.5`, not `.5`".to_string())
        } else if prev_word == "sla" {
            Some("`sla` takes a duration such as `30m`, `2h`, `1d` or `1h30m`".to_string())
        } else if prev_word == "when"
            || prev_word == "and"
            || prev_word == "or"
            || prev_word == "not"
        {
            Some("a condition compares a declared field: `category = refund`, `confidence < 60%`, `churn_signal`".to_string())
        } else if prev_word == "queue" {
            Some("queue names are quoted: `queue \"retention\" sla 4h`".to_string())
        } else if has(Rule::rparen) {
            Some("close the `(` opened earlier with `)` before going on".to_string())
        } else if positives.iter().any(|r| {
            matches!(
                r,
                Rule::kw_priority | Rule::kw_tag | Rule::kw_note | Rule::kw_attach
            )
        }) {
            Some("after the action come modifiers: `priority urgent`, `tag \"text\"`, `note \"text\"`, `attach summary`; a new statement starts on a new line".to_string())
        } else if is_action {
            Some("the action is `answer`, `draft`, `route \"queue\"` or `human \"queue\"`, such as `then route \"billing\"`".to_string())
        } else if prev_word == "tag" || prev_word == "note" {
            Some(format!(
                "`{prev_word}` takes quoted text, such as `{prev_word} \"refund\"`"
            ))
        } else if has(Rule::colon) && chunk.trim_start().starts_with("field") {
            Some("a field is declared `field NAME: TYPE`, such as `field tier: int`".to_string())
        } else if has(Rule::lt) && !has(Rule::cmp_op) {
            Some("a level lists its values in order with `<`, lowest first: `level { low < medium < high }`".to_string())
        } else if has(Rule::eq) && !has(Rule::cmp_op) && chunk.trim_start().starts_with("example") {
            Some("an example gives each fact as `name = value`, separated by commas: `{ category = refund, confidence = 40% }`".to_string())
        } else if has(Rule::cmp_op) {
            Some("compare a field with `=`, `!=`, `<`, `<=`, `>`, `>=`, `in { ... }`, `has`, `matches`, `contains` or `is missing`".to_string())
        } else if has(Rule::ident) || has(Rule::literal) {
            Some("names are letters, digits and `_`, starting with a letter; text goes in double quotes".to_string())
        } else {
            None
        };
        (format!("expected {expected}, found {found_tok}"), help)
    };
    let d = Diagnostic::new(Code::Syntax, span, message);
    match help {
        Some(h) => d.with_help(h),
        None => d,
    }
}

// ---- the common mistakes ------------------------------------------------------
//
// Each check recognises one mistake that non-engineers make (a spaced
// percentage, `==`, capitalised keywords, curly quotes...) and says how to
// fix it in the user's own words, usually with a quick fix. A check that
// does not recognise its mistake returns `None` and the generic wording
// above applies.

/// What `syntax_diagnostic` knows about the place where reading stopped.
struct Ctx<'a> {
    file: u32,
    base: usize,
    chunk: &'a str,
    pos: usize,
    positives: &'a [Rule],
    at_start: bool,
    found: &'a str,
    prev_word: &'a str,
    span: Span,
}

/// The longest text, in characters, that a check quotes and rewrites;
/// longer text gets the generic message.
const WORDS_MAX: usize = 60;

/// How far along the line a check looks, in characters.
const LINE_MAX: usize = 400;

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The byte length of the run of ASCII bytes at the end of `s` that
/// satisfy `keep`, counted up to `WORDS_MAX + 1` (more is too long anyway).
fn back_run(s: &str, keep: impl Fn(&u8) -> bool) -> usize {
    s.bytes().rev().take(WORDS_MAX + 1).take_while(keep).count()
}

/// The byte length of the run of characters at the start of `s` that
/// satisfy `keep`, if it is at most `WORDS_MAX` characters long.
fn run_len(s: &str, keep: impl Fn(char) -> bool) -> Option<usize> {
    for (n, (i, c)) in s.char_indices().enumerate() {
        if !keep(c) {
            return Some(i);
        }
        if n >= WORDS_MAX {
            return None;
        }
    }
    Some(s.len())
}

impl Ctx<'_> {
    fn has(&self, r: Rule) -> bool {
        self.positives.contains(&r)
    }

    fn at(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.base + start, self.base + end)
    }

    fn rest(&self) -> &str {
        self.chunk.get(self.pos..).unwrap_or("")
    }

    fn before(&self) -> &str {
        self.chunk.get(..self.pos).unwrap_or("")
    }

    /// The statement's first word: `field`, `rule`, `example`...
    fn statement(&self) -> &str {
        let t = self.chunk.trim_start();
        let n = run_len(t, is_name_char).unwrap_or(0);
        t.get(..n).unwrap_or("")
    }

    /// The name at `at` (letters, digits and `_`), or "".
    fn name_at(&self, at: usize) -> &str {
        let rest = self.chunk.get(at..).unwrap_or("");
        run_len(rest, is_name_char)
            .and_then(|n| rest.get(..n))
            .unwrap_or("")
    }

    /// The name that ends just before `end` (blanks skipped), with its
    /// start; "" when there is none.
    fn name_before(&self, end: usize) -> (usize, &str) {
        let t = self.chunk.get(..end).unwrap_or("").trim_end();
        // ASCII bytes: the run starts on a character boundary
        let n = back_run(t, |b| b.is_ascii_alphanumeric() || *b == b'_');
        if n > WORDS_MAX {
            return (t.len(), "");
        }
        let start = t.len() - n;
        (start, t.get(start..).unwrap_or(""))
    }

    /// The value written at `from` on the same line (blanks skipped): a
    /// quoted string, a name or a number; with its start.
    fn value_after(&self, from: usize) -> Option<(usize, &str)> {
        let rest = self.chunk.get(from..)?;
        let start = from + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
        let r = self.chunk.get(start..)?;
        let len = if let Some(body) = r.strip_prefix('"') {
            1 + run_len(body, |c| c != '"' && c != '\n')? + 1
        } else {
            run_len(r, |c| is_name_char(c) || matches!(c, '.' | '%' | '-'))?
        };
        let v = r.get(..len)?;
        (!v.is_empty() && v != "\"").then_some((start, v))
    }

    /// The rest of the line from `pos`, at most `LINE_MAX` characters.
    fn line_rest(&self) -> &str {
        let rest = self.rest();
        let line = rest.split(['\n', '\r']).next().unwrap_or("");
        match line.char_indices().nth(LINE_MAX) {
            Some((i, _)) => line.get(..i).unwrap_or(""),
            None => line,
        }
    }
}

fn help_diag(span: Span, message: String, help: String) -> Diagnostic {
    Diagnostic::new(Code::Syntax, span, message).with_help(help)
}

/// The diagnostic of a common mistake, if the error is one.
fn common_mistake(c: &Ctx<'_>) -> Option<Diagnostic> {
    straight_quotes(c)
        .or_else(|| keyword_case(c))
        .or_else(|| spaced_percent(c))
        .or_else(|| double_equals(c))
        .or_else(|| is_value(c))
        .or_else(|| sla_duration(c))
        .or_else(|| unquoted_text(c))
        .or_else(|| colon_or_equals(c))
        .or_else(|| non_ascii_name(c))
        .or_else(|| invalid_name(c))
        .or_else(|| misspelt_type(c))
        .or_else(|| missing_condition(c))
}

const CURLY_DOUBLE: &[char] = &['“', '”', '„', '‟', '″', '«', '»', '＂'];
const SINGLE: &[char] = &['‘', '’', '‚', '‛', '\''];

/// `rule “policy risk”` (pasted from Word or Slack) and `'policy risk'`.
fn straight_quotes(c: &Ctx<'_>) -> Option<Diagnostic> {
    let rest = c.rest();
    let open = rest.chars().next()?;
    let curly = CURLY_DOUBLE.contains(&open);
    if !curly && !SINGLE.contains(&open) {
        return None;
    }
    let closers = if curly { CURLY_DOUBLE } else { SINGLE };
    let body = rest.get(open.len_utf8()..).unwrap_or("");
    let inner_len = run_len(body, |ch| !closers.contains(&ch) && ch != '"' && ch != '\n');
    let close = inner_len.and_then(|n| body.get(n..)?.chars().next());
    let message = if curly || open != '\'' {
        format!("expected a straight quote `\"`, found the curly quote `{open}`")
    } else {
        format!("expected a double quote `\"`, found `{open}`")
    };
    let why = if curly || open != '\'' {
        "editors such as Word and Slack turn `\"` into curly quotes; handover reads only straight double quotes"
    } else {
        "text and names go in double quotes"
    };
    match (inner_len, close) {
        (Some(n), Some(close)) if close != '\n' => {
            let inner = body.get(..n).unwrap_or("");
            let end = c.pos + open.len_utf8() + n + close.len_utf8();
            let fixed = super::quote(inner);
            let span = c.at(c.pos, end);
            Some(
                help_diag(span, message, format!("write `{fixed}`: {why}"))
                    .with_change_to(span, fixed),
            )
        }
        _ => Some(help_diag(
            c.at(c.pos, c.pos + open.len_utf8()),
            message,
            format!("{why}: `\"like this\"`"),
        )),
    }
}

/// Every keyword, with its grammar rule.
const KEYWORDS: &[(&str, Rule)] = &[
    ("policy", Rule::kw_policy),
    ("field", Rule::kw_field),
    ("let", Rule::kw_let),
    ("queue", Rule::kw_queue),
    ("sla", Rule::kw_sla),
    ("ticket", Rule::kw_ticket),
    ("requires", Rule::kw_requires),
    ("automation", Rule::kw_automation),
    ("by", Rule::kw_by),
    ("otherwise", Rule::kw_otherwise),
    ("rule", Rule::kw_rule),
    ("when", Rule::kw_when),
    ("then", Rule::kw_then),
    ("example", Rule::kw_example),
    ("expect", Rule::kw_expect),
    ("enum", Rule::kw_enum),
    ("level", Rule::kw_level),
    ("set", Rule::kw_set),
    ("number", Rule::kw_number),
    ("int", Rule::kw_int),
    ("bool", Rule::kw_bool),
    ("text", Rule::kw_text),
    ("answer", Rule::kw_answer),
    ("draft", Rule::kw_draft),
    ("route", Rule::kw_route),
    ("human", Rule::kw_human),
    ("priority", Rule::kw_priority),
    ("tag", Rule::kw_tag),
    ("note", Rule::kw_note),
    ("attach", Rule::kw_attach),
    ("and", Rule::kw_and),
    ("or", Rule::kw_or),
    ("not", Rule::kw_not),
    ("in", Rule::kw_in),
    ("has", Rule::kw_has),
    ("any", Rule::kw_any),
    ("all", Rule::kw_all),
    ("matches", Rule::kw_matches),
    ("contains", Rule::kw_contains),
    ("is", Rule::kw_is),
    ("missing", Rule::kw_missing),
    ("present", Rule::kw_present),
    ("true", Rule::kw_true),
    ("false", Rule::kw_false),
];

/// `AND`, `OR`, `When`, `Then`: keywords are lowercase. `NOT x` reads
/// `NOT` as a field, so that error comes at `x`.
fn keyword_case(c: &Ctx<'_>) -> Option<Diagnostic> {
    let expected = |lower: &str| {
        let quoted = format!("`{lower}`");
        KEYWORDS.iter().any(|(k, r)| *k == lower && c.has(*r))
            || (c.at_start && super::lex::STATEMENT_KEYWORDS.contains(&lower))
            || c.positives
                .iter()
                .any(|r| describe(*r).is_some_and(|d| d.contains(&quoted)))
    };
    let is_keyword = |lower: &str| KEYWORDS.iter().any(|(k, _)| *k == lower);
    let word = c.name_at(c.pos);
    let lower = word.to_ascii_lowercase();
    let (start, word) =
        if !word.is_empty() && word != lower && is_keyword(&lower) && expected(&lower) {
            (c.pos, word)
        } else {
            let (start, prev) = c.name_before(c.pos);
            let spaced = c.before().len() > start + prev.len();
            if !(spaced && prev.eq_ignore_ascii_case("not") && prev != "not" && c.has(Rule::cmp_op))
            {
                return None;
            }
            (start, prev)
        };
    let lower = word.to_ascii_lowercase();
    let span = c.at(start, start + word.len());
    Some(
        help_diag(
            span,
            format!("keywords are written in lowercase, found `{word}`"),
            format!("write `{lower}`"),
        )
        .with_change_to(span, lower),
    )
}

/// `confidence < 55 %`, `let x = 70 %`.
fn spaced_percent(c: &Ctx<'_>) -> Option<Diagnostic> {
    if !c.rest().starts_with('%') {
        return None;
    }
    let before = c.before();
    let t = before.trim_end();
    if t.len() == before.len() {
        return None;
    }
    let n = back_run(t, |b| b.is_ascii_digit() || *b == b'.');
    if n == 0 || n > WORDS_MAX {
        return None;
    }
    let mut start = t.len() - n;
    if t.get(..start)?.ends_with('-') {
        start -= 1;
    }
    let num = t.get(start..)?;
    let glued = t
        .get(..start)?
        .chars()
        .next_back()
        .is_some_and(is_name_char);
    if glued
        || !num
            .trim_start_matches('-')
            .starts_with(|d: char| d.is_ascii_digit())
    {
        return None;
    }
    let fixed = format!("{num}%");
    let span = c.at(start, c.pos + 1);
    Some(
        help_diag(
            span,
            format!("expected a percentage without a space, found `{num} %`"),
            format!("write `{fixed}`: a percentage has no space before `%`"),
        )
        .with_change_to(span, fixed),
    )
}

/// `plan == enterprise`; in a condition also `=>` and `=<`.
fn double_equals(c: &Ctx<'_>) -> Option<Diagnostic> {
    let before = c.before();
    if !before.ends_with('=') {
        return None;
    }
    let op_start = c.pos.checked_sub(1)?;
    let prev = before.get(..op_start)?.chars().next_back();
    if matches!(prev, Some('!' | '<' | '>' | '=')) {
        return None;
    }
    let rest = c.rest();
    let condition = matches!(c.statement(), "rule" | "when");
    let (written, fixed) = if rest.starts_with('=') {
        let n = rest.bytes().take(8).take_while(|b| *b == b'=').count();
        ("=".repeat(n + 1), "=")
    } else if condition && rest.starts_with('>') {
        ("=>".to_string(), ">=")
    } else if condition && rest.starts_with('<') {
        ("=<".to_string(), "<=")
    } else {
        return None;
    };
    let op_end = op_start + written.len();
    let (_, name) = c.name_before(op_start);
    let value = c.value_after(op_end).map(|(_, v)| v);
    let let_ = if c.statement() == "let" { "let " } else { "" };
    let example = match value {
        Some(v) if !name.is_empty() => format!("`{let_}{name} {fixed} {v}`"),
        _ => format!("`{fixed}`"),
    };
    let (message, help) = if fixed == "=" {
        let what = match c.statement() {
            "example" => "example facts are written with a single `=`",
            "let" => "a `let` is written with a single `=`",
            _ => "handover compares with a single `=`",
        };
        (
            format!("expected a single `=`, found `{written}`"),
            format!("{what}: write {example}"),
        )
    } else {
        (
            format!("expected `{fixed}`, found `{written}`"),
            format!("write {example}: the `=` comes second"),
        )
    };
    let span = c.at(op_start, op_end);
    Some(help_diag(span, message, help).with_change_to(span, fixed))
}

/// `plan is enterprise`: `is` only goes with `missing` and `present`.
fn is_value(c: &Ctx<'_>) -> Option<Diagnostic> {
    if !c.has(Rule::kw_missing) {
        return None;
    }
    let (is_start, is) = c.name_before(c.pos);
    let (_, field) = c.name_before(is_start);
    if is != "is" || field.is_empty() {
        return None;
    }
    let Some((vstart, value)) = c.value_after(c.pos) else {
        return Some(help_diag(
            c.span,
            format!(
                "expected `missing` or `present` after `is`, found {}",
                c.found
            ),
            format!("write `{field} is missing` or `{field} is present`"),
        ));
    };
    let message = format!("expected `missing` or `present` after `is`, found `{value}`");
    let span = c.at(vstart, vstart + value.len());
    if value == "not" {
        return Some(help_diag(
            span,
            message,
            format!("`is not missing` is written `{field} is present`, and `is not present` is `{field} is missing`"),
        ));
    }
    if value.chars().all(is_name_char) && value.len() >= 4 {
        if let Some(s) = suggest(value, ["missing", "present"]) {
            return Some(
                help_diag(span, message, format!("did you mean `{field} is {s}`?"))
                    .with_change_to(span, s),
            );
        }
    }
    let is_span = c.at(is_start, is_start + is.len());
    Some(
        help_diag(
            span,
            message,
            format!("to compare `{field}` with a value, write `{field} = {value}`; `is` only goes with `missing` or `present`, as in `{field} is missing`"),
        )
        .with_fix("change `is` to `=`", is_span, "="),
    )
}

const DURATION_EXAMPLES: &str = "such as `30m`, `4h`, `1d` or `1h30m`";

/// The help for `sla 2`: a number without a unit.
pub(super) fn sla_without_unit(text: &str) -> String {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        format!("a duration needs a unit: `{text}m`, `{text}h` or `{text}d` for minutes, hours or days ({DURATION_EXAMPLES})")
    } else {
        format!("a duration is a whole number followed by `m`, `h` or `d`, {DURATION_EXAMPLES}")
    }
}

/// A whole number of minutes as a duration: `2h`, `1d`, `1h30m`.
fn duration_text(minutes: f64) -> Option<String> {
    if !(minutes.is_finite() && minutes >= 1.0 && minutes.fract() == 0.0 && minutes < 1e12) {
        return None;
    }
    let m = minutes as u64;
    Some(if m % 1440 == 0 {
        format!("{}d", m / 1440)
    } else if m % 60 == 0 {
        format!("{}h", m / 60)
    } else if m > 60 {
        format!("{}h{}m", m / 60, m % 60)
    } else {
        format!("{m}m")
    })
}

/// `sla 2 hours`; `sla` followed by no duration; `sla "4h"`.
fn sla_duration(c: &Ctx<'_>) -> Option<Diagnostic> {
    if c.statement() != "queue" {
        return None;
    }
    if c.prev_word == "sla" && c.has(Rule::numeric) {
        if let Some((start, quoted)) = c.value_after(c.pos).filter(|(_, v)| v.starts_with('"')) {
            let inner = quoted.trim_matches('"');
            if matches!(
                super::parse_numeric(inner),
                Ok(super::ast::LitKind::Duration(_))
            ) {
                let span = c.at(start, start + quoted.len());
                return Some(
                    help_diag(
                        span,
                        format!("expected a duration after `sla`, found `{quoted}`"),
                        format!("write the duration without quotes: `sla {inner}`"),
                    )
                    .with_change_to(span, inner),
                );
            }
        }
        return Some(help_diag(
            c.span,
            format!("expected a duration after `sla`, found {}", c.found),
            format!("`sla` takes the time to first response: a whole number followed by `m`, `h` or `d`, {DURATION_EXAMPLES}"),
        ));
    }
    // `sla 2 hours`: `2` was read as the duration, `hours` is unexpected
    if !c.has(Rule::string) {
        return None;
    }
    let unit = c.name_at(c.pos);
    let t = c.before().trim_end();
    if unit.is_empty() || t.len() == c.before().len() {
        return None;
    }
    let n = back_run(t, |b| b.is_ascii_digit() || *b == b'.');
    if n == 0 || n > WORDS_MAX {
        return None;
    }
    let num_start = t.len() - n;
    let num = t.get(num_start..)?;
    let (_, sla) = c.name_before(num_start);
    let spaced = t.get(..num_start)?.ends_with([' ', '\t']);
    if sla != "sla" || !spaced {
        return None;
    }
    let (letter, minutes) = match unit.to_ascii_lowercase().as_str() {
        "m" | "min" | "mins" | "minute" | "minutes" => ("m", 1.0),
        "h" | "hr" | "hrs" | "hour" | "hours" => ("h", 60.0),
        "d" | "day" | "days" => ("d", 1440.0),
        "w" | "wk" | "wks" | "week" | "weeks" => ("w", 10080.0),
        // `sla 2 business days`: the number has no unit
        _ => {
            return Some(help_diag(
                c.at(num_start, t.len()),
                format!("expected a duration after `sla`, found `{num}`"),
                sla_without_unit(num),
            ))
        }
    };
    let fixed = if letter != "w" && num.bytes().all(|b| b.is_ascii_digit()) {
        Some(format!("{num}{letter}"))
    } else {
        num.parse::<f64>()
            .ok()
            .and_then(|v| duration_text(v * minutes))
    };
    let span = c.at(num_start, c.pos + unit.len());
    let message = format!("expected a duration after `sla`, found `{num} {unit}`");
    let rule = format!("a duration is a whole number followed by `m`, `h` or `d` without a space, {DURATION_EXAMPLES}");
    Some(match fixed {
        Some(f) => help_diag(span, message, format!("write `{f}`: {rule}")).with_change_to(span, f),
        None => help_diag(span, message, rule),
    })
}

/// `rule policy risk`, `tag missing-knowledge`, `queue retention`: names
/// and text go in double quotes.
fn unquoted_text(c: &Ctx<'_>) -> Option<Diagnostic> {
    if !c.has(Rule::string) || !c.rest().starts_with(is_name_char) {
        return None;
    }
    const MODIFIERS: &[&str] = &["priority", "tag", "note", "attach"];
    let (kw, what, rule, stops, one_word): (&str, &str, &str, &[&str], bool) =
        match c.name_before(c.pos).1 {
            "rule" => ("rule", "rule name", "rule names go", &["when"], false),
            "example" => ("example", "example name", "example names go", &[], false),
            "policy" => ("policy", "policy name", "policy names go", &[], false),
            "queue" => ("queue", "queue name", "queue names go", &["sla"], false),
            "route" => ("route", "queue name", "queue names go", MODIFIERS, true),
            "draft" => ("draft", "queue name", "queue names go", MODIFIERS, true),
            "human" => ("human", "queue name", "queue names go", MODIFIERS, true),
            "tag" => ("tag", "tag", "tags go", MODIFIERS, false),
            "note" => ("note", "note", "notes go", MODIFIERS, false),
            "contains" => (
                "contains",
                "text",
                "the text goes",
                &["and", "or", "then"],
                true,
            ),
            "matches" => (
                "matches",
                "pattern",
                "the pattern goes",
                &["and", "or", "then"],
                true,
            ),
            _ => return None,
        };
    let line = c.line_rest();
    let mut end = 0;
    let mut offset = 0;
    for piece in line.split_inclusive([' ', '\t']) {
        let start = offset;
        offset += piece.len();
        let tok = piece.trim_end_matches([' ', '\t']);
        if tok.is_empty() {
            continue;
        }
        if stops.contains(&tok) {
            break;
        }
        if let Some(cut) = tok.find(['"', '#', '{', '(', ')']) {
            if cut > 0 {
                end = start + cut;
            }
            break;
        }
        end = start + tok.len();
        if one_word {
            break;
        }
    }
    let text = line.get(..end)?.trim_end();
    if text.is_empty() && kw == "rule" {
        // `rule when ...`: the name is missing, not unquoted
        return Some(help_diag(
            c.span,
            format!("expected a quoted rule name after `rule`, found {}", c.found),
            "name the rule in double quotes, `rule \"refund requests\" when ...`, or leave out `rule` and start with `when`".into(),
        ));
    }
    if text.is_empty() || text.chars().nth(WORDS_MAX).is_some() {
        return None;
    }
    let quoted = super::quote(text);
    let span = c.at(c.pos, c.pos + text.len());
    Some(
        help_diag(
            span,
            format!("expected a quoted {what} after `{kw}`, found `{text}`"),
            format!("{rule} in double quotes: `{kw} {quoted}`"),
        )
        .with_change_to(span, quoted),
    )
}

/// `category: how_to` in an example (or a condition): facts and
/// comparisons use `=`; and `field plan = level { ... }`, where a field's
/// type follows `:`.
fn colon_or_equals(c: &Ctx<'_>) -> Option<Diagnostic> {
    let rest = c.rest();
    let (name_start, name) = c.name_before(c.pos);
    if name.is_empty() {
        return None;
    }
    let name_end = name_start + name.len();
    if rest.starts_with(':') && (c.has(Rule::eq) || c.has(Rule::cmp_op)) {
        let value = c.value_after(c.pos + 1).map_or("VALUE", |(_, v)| v);
        let help = match c.statement() {
            "example" => format!("example facts are written with `=`: `{name} = {value}`"),
            "let" => format!("a `let` is written with `=`: `let {name} = {value}`"),
            _ => format!("compare with `=`: `{name} = {value}`"),
        };
        return Some(
            help_diag(
                c.at(c.pos, c.pos + 1),
                "expected `=`, found `:`".into(),
                help,
            )
            .with_fix("change to `=`", c.at(name_end, c.pos + 1), " ="),
        );
    }
    if rest.starts_with('=') && c.has(Rule::colon) && c.statement() == "field" {
        let ty = match c.value_after(c.pos + 1).map(|(_, v)| v) {
            Some(t @ ("enum" | "set")) => format!("{t} {{ ... }}"),
            Some("level") => "level { ... < ... }".to_string(),
            Some(t) => t.to_string(),
            None => "TYPE".to_string(),
        };
        return Some(
            help_diag(
                c.at(c.pos, c.pos + 1),
                "expected `:`, found `=`".into(),
                format!("a field's type follows `:`: `field {name}: {ty}`"),
            )
            .with_fix("change to `:`", c.at(name_end, c.pos + 1), ":"),
        );
    }
    None
}

/// `churn-signal`, and `field churn signal: bool`: names use letters,
/// digits and `_`.
/// ASCII spellings of the letters names are most often written with.
fn ascii_letter(ch: char) -> Option<&'static str> {
    Some(match ch {
        'ä' => "ae",
        'ö' => "oe",
        'ü' => "ue",
        'Ä' => "Ae",
        'Ö' => "Oe",
        'Ü' => "Ue",
        'ß' => "ss",
        'é' | 'è' | 'ê' | 'ë' => "e",
        'á' | 'à' | 'â' | 'å' => "a",
        'í' | 'ì' | 'î' | 'ï' => "i",
        'ó' | 'ò' | 'ô' => "o",
        'ú' | 'ù' | 'û' => "u",
        'ç' => "c",
        'ñ' => "n",
        'ø' => "o",
        'æ' => "ae",
        'É' => "E",
        _ => return None,
    })
}

/// `field verspätung: int`: a letter outside a–z inside a name, which
/// read as the end of the name and an unexpected `ätung`.
fn non_ascii_name(c: &Ctx<'_>) -> Option<Diagnostic> {
    let rest = c.rest();
    let before = c.before();
    let first = rest.chars().next()?;
    if first.is_ascii() || !first.is_alphabetic() || !before.ends_with(is_name_char) {
        return None;
    }
    let back = back_run(before, |b| b.is_ascii_alphanumeric() || *b == b'_');
    let fwd = run_len(rest, |ch: char| ch.is_alphanumeric() || ch == '_')?;
    if back > WORDS_MAX {
        return None;
    }
    let start = c.pos - back;
    let word = c.chunk.get(start..c.pos + fwd)?;
    let others: Vec<char> = word.chars().filter(|ch| !ch.is_ascii()).collect();
    let mut listed: Vec<String> = Vec::new();
    for ch in &others {
        let q = format!("`{ch}`");
        if !listed.contains(&q) {
            listed.push(q);
        }
    }
    let span = c.at(start, c.pos + fwd);
    let message = format!(
        "`{word}` is not a valid name: names use the letters a–z and A–Z, digits and `_` (not {})",
        listed.join(", ")
    );
    let fixed: Option<String> = word
        .chars()
        .map(|ch| {
            if ch.is_ascii() {
                Some(ch.to_string())
            } else {
                ascii_letter(ch).map(str::to_string)
            }
        })
        .collect();
    Some(match fixed {
        Some(f) => help_diag(
            span,
            message,
            format!("write `{f}`, here and wherever the name is used"),
        )
        .with_change_to(span, f),
        None => help_diag(
            span,
            message,
            "spell the name with the letters a–z".to_string(),
        ),
    })
}

fn invalid_name(c: &Ctx<'_>) -> Option<Diagnostic> {
    let rest = c.rest();
    let before = c.before();
    let name_or_dash = |ch: char| is_name_char(ch) || ch == '-';
    if rest.starts_with('-')
        && before.ends_with(is_name_char)
        && rest.get(1..).is_some_and(|r| r.starts_with(is_name_char))
    {
        let back = back_run(before, |b| {
            b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-'
        });
        let fwd = run_len(rest, name_or_dash)?;
        if back > WORDS_MAX {
            return None;
        }
        let start = c.pos - back;
        let word = c.chunk.get(start..c.pos + fwd)?;
        if !word.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_') {
            return None;
        }
        let fixed = word.replace('-', "_");
        let span = c.at(start, c.pos + fwd);
        return Some(
            help_diag(
                span,
                format!("`{word}` is not a valid name: names use letters, digits and `_`"),
                format!("write `{fixed}`"),
            )
            .with_change_to(span, fixed),
        );
    }
    // `field churn signal: bool`, `let low confidence = 60%`
    let sep = match c.statement() {
        "field" if c.has(Rule::colon) => ':',
        "let" if c.has(Rule::eq) => '=',
        _ => return None,
    };
    if !rest.starts_with(is_name_char) {
        return None;
    }
    let lead = c.chunk.len() - c.chunk.trim_start().len();
    let name_start = lead + c.statement().len();
    let line = c.chunk.get(name_start..)?.split('\n').next()?;
    let sep_at = line.find(sep)?;
    let written = line.get(..sep_at)?;
    let words: Vec<&str> = written.split_whitespace().collect();
    if words.len() < 2
        || written.chars().nth(WORDS_MAX).is_some()
        || !words.iter().all(|w| w.chars().all(is_name_char))
    {
        return None;
    }
    let text = written.trim();
    let start = name_start + (written.len() - written.trim_start().len());
    let fixed = words.join("_");
    let span = c.at(start, start + text.len());
    Some(
        help_diag(
            span,
            format!(
                "`{text}` is not a valid name: names use letters, digits and `_`, without spaces"
            ),
            format!("write `{fixed}`"),
        )
        .with_change_to(span, fixed),
    )
}

/// `boolean`, `numbr`, `string`: the type names are `enum`, `level`,
/// `set`, `number`, `int`, `bool` and `text`.
fn misspelt_type(c: &Ctx<'_>) -> Option<Diagnostic> {
    if !c.has(Rule::kw_bool) {
        return None;
    }
    let word = c.name_at(c.pos);
    if word.is_empty() {
        return None;
    }
    let types = ["enum", "level", "set", "number", "int", "bool", "text"];
    let s = match word.to_ascii_lowercase().as_str() {
        "boolean" | "boolen" | "flag" | "yesno" => Some("bool"),
        "integer" | "integers" | "count" => Some("int"),
        "string" | "str" | "varchar" | "char" => Some("text"),
        "float" | "double" | "decimal" | "real" | "percent" | "percentage" | "num" => {
            Some("number")
        }
        "enumeration" | "choice" | "one_of" => Some("enum"),
        "list" | "array" | "tags" => Some("set"),
        // a short word is close to too many: `foo` is not `bool`
        _ => suggest(word, types).filter(|s| {
            word.len() > 4 || strsim::damerau_levenshtein(&word.to_ascii_lowercase(), s) <= 1
        }),
    };
    let message = format!(
        "expected a type (`enum`, `level`, `set`, `number`, `int`, `bool` or `text`), found `{word}`"
    );
    let span = c.at(c.pos, c.pos + word.len());
    let Some(s) = s else {
        return Some(help_diag(
            span,
            message,
            "write one of the types: `bool`, `number`, `int`, `text`, or `enum { ... }`, `level { ... }` or `set { ... }` with the values".into(),
        ));
    };
    let braced = c
        .chunk
        .get(c.pos + word.len()..)
        .is_some_and(|r| r.trim_start().starts_with('{'));
    let with_values = matches!(s, "enum" | "level" | "set");
    let d = help_diag(span, message, format!("did you mean `{s}`?"));
    Some(if with_values && !braced {
        d
    } else {
        d.with_change_to(span, s)
    })
}

/// `rule "r" when` with nothing after, `... and` at the end of a condition.
fn missing_condition(c: &Ctx<'_>) -> Option<Diagnostic> {
    let expects_condition = [Rule::condition, Rule::and_expr, Rule::not_expr, Rule::atom]
        .iter()
        .any(|r| c.has(*r));
    if !expects_condition {
        return None;
    }
    let help = match c.prev_word {
        "when" => "a rule needs a condition after `when`, then an action: `when category = refund then draft \"billing\"`".to_string(),
        w @ ("and" | "or") => format!("`{w}` joins two conditions: `category = refund {w} plan >= pro`"),
        "not" => "`not` goes before a condition: `not churn_signal`".to_string(),
        _ => return None,
    };
    Some(help_diag(
        c.span,
        format!(
            "expected a condition after `{}`, found {}",
            c.prev_word, c.found
        ),
        help,
    ))
}

/// The offset of the last `{` that has no `}` (outside strings and comments).
fn unclosed_brace(chunk: &str) -> Option<usize> {
    let mut stack = Vec::new();
    let mut in_str = false;
    let mut escaped = false;
    let mut in_comment = false;
    for (i, c) in chunk.char_indices() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
            }
            continue;
        }
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' || c == '\n' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '#' => in_comment = true,
            '{' => stack.push(i),
            '}' => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop()
}
