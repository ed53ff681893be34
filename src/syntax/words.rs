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
    let word_len = chunk
        .get(pos..)
        .map(|r| {
            r.char_indices()
                .find(|(_, c)| c.is_whitespace())
                .map_or(r.len(), |(i, _)| i)
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

    let (message, help) = if at_start {
        let kw = suggest(&bare_word, super::lex::STATEMENT_KEYWORDS.iter().copied());
        (
            format!("expected a statement, found {found_tok}"),
            Some(match kw {
                Some(k) => format!("did you mean `{k}`? {STATEMENT_HINT}"),
                None => STATEMENT_HINT.to_string(),
            }),
        )
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
