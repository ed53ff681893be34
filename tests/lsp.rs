//! The language server: unit tests of the editor features (`handover::ide`)
//! on fixture documents, and end-to-end tests that start `handover lsp`
//! and speak the protocol over stdio as an editor would.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use handover::ide::{self, Analysis};
use handover::span::{SourceFile, Span};
use std::path::{Path, PathBuf};

fn fixture_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ide")
        .join(rel)
}

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(fixture_path(rel))
        .unwrap_or_else(|e| panic!("cannot read fixture {rel}: {e}"))
}

/// Text with a `$0` cursor marker: (text without it, cursor offset).
fn cursor(marked: &str) -> (String, usize) {
    let at = marked
        .find("$0")
        .unwrap_or_else(|| panic!("no $0 in {marked:?}"));
    (marked.replacen("$0", "", 1), at)
}

/// The offset of the `n`th (0-based) occurrence of `needle`, plus `delta`.
fn offset_of(text: &str, needle: &str, n: usize, delta: usize) -> usize {
    let mut from = 0;
    for _ in 0..n {
        from = text[from..]
            .find(needle)
            .map(|i| from + i + 1)
            .unwrap_or_else(|| panic!("no {needle:?}"));
    }
    text[from..]
        .find(needle)
        .map(|i| from + i + delta)
        .unwrap_or_else(|| panic!("no {needle:?}"))
}

/// `line:col-line:col `text`` of a span (1-based, columns in characters).
fn show(a: &Analysis, s: Span) -> String {
    let f = a.file(s.file).expect("file");
    let (l1, c1) = f.line_col(s.start);
    let (l2, c2) = f.line_col(s.end);
    let name = Path::new(&f.name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{name}:{l1}:{c1}-{l2}:{c2} `{}`", f.slice(s))
}

fn acme() -> Analysis {
    Analysis::single("policy.handover", &fixture("acme/policy.handover"))
}

mod completion {
    use super::*;

    fn complete(base: &str, marked: &str) -> Vec<ide::Completion> {
        let (line, at) = cursor(marked);
        let text = format!("{base}\n{line}");
        let a = Analysis::single("t.handover", &text);
        ide::completions(&a, 0, base.len() + 1 + at)
    }

    fn labels(items: &[ide::Completion]) -> String {
        let mut items = items.to_vec();
        items.sort_by(|a, b| a.sort_text.cmp(&b.sort_text));
        items
            .iter()
            .map(|c| match &c.detail {
                Some(d) => format!("{} ({:?}: {})", c.label, c.kind, d),
                None => format!("{} ({:?})", c.label, c.kind),
            })
            .collect::<Vec<_>>()
            .join("\n    ")
    }

    #[test]
    fn contexts() {
        let base = fixture("acme/policy.handover");
        let cases = [
            "$0",
            "when $0",
            "when category = $0",
            "when value >= $0",
            "when category in { refund, $0",
            "when category not $0",
            "when risk has any { legal, $0",
            "when risk has $0",
            "when confidence < $0",
            "when churn_signal $0",
            "when category = refund $0",
            "when category = refund and (value > pro or $0",
            "when message $0",
            "when value is $0",
            "when not $0",
            "when category = refund then $0",
            "when category = refund then route $0",
            "when category = refund then draft $0",
            "when category = refund then route \"kb-gaps\" $0",
            "when category = refund then route \"kb-gaps\" priority $0",
            "when category = refund then route \"kb-gaps\" attach summary, $0",
            "rule \"x\" $0",
            "example \"x\" {\n  $0",
            "example \"x\" { category = refund, $0",
            "example \"x\" { category = $0",
            "example \"x\" { risk = $0",
            "example \"x\" { risk = { legal, $0",
            "example \"x\" { churn_signal = $0",
            "example \"x\" { category = refund } $0",
            "example \"x\" { category = refund } expect $0",
            "automation by $0",
            "automation by value {\n  free, $0",
            "automation by value {\n  $0",
            "automation by value {\n  free => $0",
            "field x: $0",
            "ticket $0",
            "ticket requires question, $0",
            "queue \"x\" $0",
            "let floor = $0",
            "# a comment $0",
        ];
        let mut out = String::new();
        for case in cases {
            let items = complete(&base, case);
            out.push_str(&format!("{:?}\n    {}\n", case, labels(&items)));
        }
        insta::assert_snapshot!(out);
    }

    #[test]
    fn replaces_the_word_being_typed() {
        let base = fixture("acme/policy.handover");
        let items = complete(&base, "when categ$0");
        let c = items
            .iter()
            .find(|c| c.label == "category")
            .expect("category offered");
        let start = base.len() + 1 + "when ".len();
        assert_eq!(
            (c.replace.start, c.replace.end),
            (start, start + "categ".len())
        );
        // a half-typed queue keeps only queues, replacing from the quote
        let items = complete(&base, "when category = refund then route \"bil$0");
        assert!(!items.is_empty());
        assert!(
            items.iter().all(|c| c.kind == ide::CompletionKind::Queue),
            "{items:?}"
        );
        let q = items
            .iter()
            .find(|c| c.label == "\"billing-priority\"")
            .expect("queue");
        assert_eq!(q.insert_text, "\"billing-priority\"");
        assert_eq!(q.detail.as_deref(), Some("SLA 2h"));
        let start = base.len() + 1 + "when category = refund then route ".len();
        assert_eq!(q.replace.start, start);
        // inside an auto-closed string the closing quote is replaced too
        let (line, at) = cursor("when category = refund then route \"tr$0\"");
        let text = format!("{base}\n{line}");
        let a = Analysis::single("t.handover", &text);
        let items = ide::completions(&a, 0, base.len() + 1 + at);
        let q = items
            .iter()
            .find(|c| c.label == "\"trust-safety\"")
            .expect("queue");
        assert_eq!(q.replace.end, text.len());
        assert_eq!(
            q.detail.as_deref(),
            Some("SLA 30m · Legal, security and payment questions")
        );
    }

    #[test]
    fn works_while_the_statement_is_broken_and_elsewhere_too() {
        // the broken `when` of the fixture does not hide the fields
        let text = fixture("broken.handover");
        let a = Analysis::single("broken.handover", &text);
        let at = offset_of(&text, "value >=", 0, "value >=".len());
        let items = ide::completions(&a, 0, at);
        let got: Vec<&str> = items.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(got, ["free", "pro", "business", "enterprise", "vip"]);
        // the rule after it still completes
        let at = offset_of(&text, "route \"kb-gaps\"", 0, "route ".len());
        let items = ide::completions(&a, 0, at);
        assert!(items.iter().any(|c| c.label == "\"billing-priority\""));
    }

    #[test]
    fn lets_where_a_literal_of_their_type_fits() {
        let base =
            "field c: number 0..1\nfield n: int 0..\nfield cat: enum { a, b }\nfield t: text\n\
                    let low = 55%\nlet many = 3\nlet pick = b\nlet word = \"hi\"\nlet alias = low";
        let names = |marked: &str| -> Vec<String> {
            complete(base, marked)
                .into_iter()
                .filter(|c| c.kind == ide::CompletionKind::Let)
                .map(|c| c.label)
                .collect()
        };
        assert_eq!(names("when c < $0"), ["low", "many", "alias"]);
        assert_eq!(names("when n >= $0"), ["many"]);
        assert_eq!(names("when cat = $0"), ["pick"]);
        assert_eq!(names("when t = $0"), ["word"]);
        assert_eq!(names("when t contains $0"), ["word"]);
        assert_eq!(names("when t matches $0"), ["word"]);
        // after a let, the connectives
        let after: Vec<String> = complete(base, "when t contains word $0")
            .into_iter()
            .map(|c| c.label)
            .collect();
        assert!(after.iter().any(|l| l == "then"), "{after:?}");
    }
}

mod hover {
    use super::*;

    #[test]
    fn names_numbers_and_rules() {
        let a = acme();
        let text = a.text(0).to_string();
        let cases = [
            ("field decl", offset_of(&text, "value: level", 0, 1)),
            ("field use", offset_of(&text, "value >= vip", 0, 2)),
            ("level value", offset_of(&text, "vip then", 0, 1)),
            ("lowest level", offset_of(&text, "hostile", 0, 0)),
            ("enum value", offset_of(&text, "refund and", 0, 0)),
            ("set value", offset_of(&text, "payment, security", 0, 0)),
            ("queue", offset_of(&text, "\"trust-safety\" priority", 0, 3)),
            ("let", offset_of(&text, "low_confidence or", 0, 3)),
            ("percent", offset_of(&text, "55%", 0, 1)),
            ("duration", offset_of(&text, "30m", 0, 1)),
            ("rule by name", offset_of(&text, "\"knowledge gap\"", 0, 2)),
            (
                "unnamed rule",
                offset_of(&text, "when category = refund", 0, 1),
            ),
            ("rule with or", offset_of(&text, "rule \"upset", 0, 1)),
            ("keyword", offset_of(&text, "draft\n", 0, 1)),
            ("doc comment", offset_of(&text, "message: text", 0, 1)),
        ];
        let mut out = String::new();
        for (what, at) in cases {
            let h = ide::hover(&a, 0, at);
            let body = h.map_or("(none)".to_string(), |h| {
                format!("{}\n{}", show(&a, h.span), h.markdown)
            });
            out.push_str(&format!("## {what}\n{body}\n\n"));
        }
        insta::assert_snapshot!(out);
    }

    #[test]
    fn percent_shows_the_decimal() {
        let a = Analysis::single(
            "t.handover",
            "field c: number 0..1\nwhen c < 60% then answer\n",
        );
        let h = ide::hover(&a, 0, a.text(0).find("60%").unwrap_or(0) + 2).expect("hover");
        assert_eq!(h.markdown, "`60%` = 0.6");
    }

    /// A statement being typed does not parse; its field, value, `let` and
    /// queue names still hover as what they are declared to be.
    #[test]
    fn names_in_a_statement_that_does_not_parse() {
        let text = "field value: level { free < vip }\nfield c: enum { refund, other }\n\
            let high = vip\nqueue \"billing\"\n\
            when c = refund and value >= high then route \"billing\" priority\n";
        let a = Analysis::single("t.handover", text);
        let at = |needle: &str| offset_of(text, needle, 0, 0);
        let hover = |needle: &str| ide::hover(&a, 0, at(needle)).map(|h| h.markdown);
        let starts = |needle: &str, start: &str| {
            let h = hover(needle);
            assert!(
                h.as_deref().is_some_and(|h| h.starts_with(start)),
                "{needle}: {h:?}"
            );
        };
        starts("c = refund", "**field** `c`");
        starts("refund and", "**value** `refund` of enum `c`");
        starts("value >=", "**field** `value`");
        starts("high then", "**let** `high`");
        starts("\"billing\" priority", "**queue** `\"billing\"`");
        // a word that is no declared name still gets the keyword's help or nothing
        assert!(hover("priority\n").is_some_and(|h| !h.starts_with("**field")));
    }

    /// The counts agree with references: a rule with an error counts too.
    #[test]
    fn counts_include_rules_with_errors() {
        let text = "field c: enum { a, b }\nqueue \"q\"\n\
            rule \"ok\" when c = a then route \"q\"\n\
            rule \"typo\" when c = zz then route \"q\"\n";
        let a = Analysis::single("t.handover", text);
        let q = ide::hover(&a, 0, offset_of(text, "\"q\"", 0, 1)).expect("hover");
        assert!(q.markdown.ends_with("named by 2 rules"), "{}", q.markdown);
        let c = ide::hover(&a, 0, offset_of(text, "c:", 0, 0)).expect("hover");
        assert!(c.markdown.ends_with("read by 2 rules"), "{}", c.markdown);
    }
}

mod navigation {
    use super::*;

    #[test]
    fn definition_references_highlights() {
        let a = acme();
        let text = a.text(0).to_string();
        let mut out = String::new();
        for (what, at) in [
            ("field", offset_of(&text, "sentiment <=", 0, 0)),
            ("value", offset_of(&text, "angry or", 0, 2)),
            ("let", offset_of(&text, "low_confidence or", 0, 0)),
            ("queue", offset_of(&text, "\"retention\" priority", 0, 1)),
            (
                "value shared by two fields (risk)",
                offset_of(&text, "legal, payment", 0, 0),
            ),
        ] {
            let def = ide::definition(&a, 0, at).map(|s| show(&a, s));
            out.push_str(&format!(
                "## {what}\ndefinition: {}\nreferences:\n",
                def.unwrap_or_default()
            ));
            for s in ide::references(&a, 0, at, true) {
                out.push_str(&format!("  {}\n", show(&a, s)));
            }
            let hl = ide::highlights(&a, 0, at);
            out.push_str(&format!(
                "highlights: {} ({} declaration)\n\n",
                hl.len(),
                hl.iter().filter(|h| h.1).count()
            ));
        }
        insta::assert_snapshot!(out);
    }

    #[test]
    fn across_files() {
        let files = ["00-facts.handover", "10-rules.handover"]
            .map(|n| SourceFile::new(format!("multi/{n}"), fixture(&format!("multi/{n}"))));
        let a = Analysis::new(files.to_vec());
        assert!(
            a.checked.diagnostics.is_empty(),
            "{:?}",
            a.checked.diagnostics
        );
        let rules = a.text(1).to_string();
        let at = offset_of(&rules, "plan = enterprise", 0, 1);
        let def = ide::definition(&a, 1, at).expect("definition");
        assert_eq!(show(&a, def), "00-facts.handover:4:7-4:11 `plan`");
        let refs: Vec<String> = ide::references(&a, 0, def.start, false)
            .into_iter()
            .map(|s| show(&a, s))
            .collect();
        assert_eq!(refs, ["10-rules.handover:2:8-2:12 `plan`"]);
        let edits = ide::rename(&a, 1, at, "tier").expect("rename");
        let files: Vec<u32> = edits.iter().map(|e| e.span.file).collect();
        assert_eq!(files, [0, 1]);
        // unnamed rules are named after their file in a multi-file policy
        let syms = ide::document_symbols(&a, 1);
        let names: Vec<&str> = syms.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["enterprise billing", "10-rules.handover line 5"]);
    }

    #[test]
    fn rename() {
        let a = acme();
        let text = a.text(0).to_string();
        let apply = |edits: &[handover::diag::Edit]| {
            let mut t = text.clone();
            let mut edits = edits.to_vec();
            edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
            for e in edits {
                t.replace_range(e.span.start..e.span.end, &e.text);
            }
            t
        };
        let field = offset_of(&text, "sentiment <=", 0, 0);
        let edits = ide::rename(&a, 0, field, "mood").expect("rename field");
        // the declaration, the condition, `attach sentiment` and two examples
        assert_eq!(edits.len(), 5, "{edits:?}");
        let renamed = apply(&edits);
        assert!(!renamed.contains("sentiment "), "{renamed}");
        // attach sentiment is the context item... and also the field: both renamed
        let b = Analysis::single("t", &renamed);
        assert!(!b.checked.has_errors(), "{:?}", b.checked.diagnostics);

        let queue = offset_of(&text, "\"retention\" priority", 0, 2);
        assert_eq!(
            ide::prepare_rename(&a, 0, queue).map(|(s, n)| (show(&a, s), n)),
            Ok((
                "policy.handover:43:15-43:24 `retention`".to_string(),
                "retention".to_string()
            ))
        );
        let edits = ide::rename(&a, 0, queue, "keep \"them\"").expect("rename queue");
        assert!(edits.iter().all(|e| e.text == "\"keep \\\"them\\\"\""));
        let b = Analysis::single("t", &apply(&edits));
        assert!(!b.checked.has_errors(), "{:?}", b.checked.diagnostics);

        let value = offset_of(&text, "vip then", 0, 0);
        let edits = ide::rename(&a, 0, value, "vvip").expect("rename value");
        assert_eq!(edits.len(), 3);
        let b = Analysis::single("t", &apply(&edits));
        assert!(!b.checked.has_errors(), "{:?}", b.checked.diagnostics);

        let refused = |at: usize, name: &str| ide::rename(&a, 0, at, name).map_err(|e| e.0).err();
        insta::assert_snapshot!([
            refused(field, "value"),
            refused(field, "low_confidence"),
            refused(field, "summary"),
            refused(field, "2fast"),
            refused(field, "when"),
            refused(value, "pro"),
            refused(queue, "kb-gaps"),
            refused(queue, ""),
            refused(offset_of(&text, "low_confidence =", 0, 0), "refund"),
            refused(offset_of(&text, "policy \"acme", 0, 1), "x"),
        ]
        .map(|e| e.unwrap_or_else(|| "(accepted)".into()))
        .join("\n"));
    }

    /// Rename refuses what it cannot do whole: a use inside a statement
    /// that does not parse, a `let` that stands for a value of two fields.
    #[test]
    fn rename_refuses_what_it_cannot_do_whole() {
        let broken = "field category: enum { refund, billing }\nqueue \"q\"\n\
            rule \"a\" when category = refund then route \"q\"\n\
            rule \"b\" when category = billing and then route \"q\"\n";
        let a = Analysis::single("t", broken);
        // prepareRename refuses already, whatever the new name will be
        assert!(ide::prepare_rename(&a, 0, offset_of(broken, "category:", 0, 0)).is_err());
        for (at, new) in [
            (offset_of(broken, "category:", 0, 0), "topic"),
            (offset_of(broken, "\"q\"\nrule", 0, 1), "queue"),
        ] {
            let e = ide::rename(&a, 0, at, new).map_err(|e| e.0);
            assert!(
                e.as_ref()
                    .is_err_and(|m| m.contains("line 4") && m.contains("does not parse")),
                "{e:?}"
            );
        }
        let shared = "field category: enum { refund, legal }\nfield risk: set { legal, payment }\n\
            let x = legal\nqueue \"q\"\n\
            rule \"a\" when category = x then route \"q\"\nrule \"b\" when risk has x then human \"q\"\n";
        let a = Analysis::single("t", shared);
        let e = ide::rename(&a, 0, offset_of(shared, "legal }", 0, 0), "law").map_err(|e| e.0);
        assert!(
            e.as_ref().is_err_and(|m| m.contains("`let x = legal`")),
            "{e:?}"
        );
        // with one field only, the let goes with the value
        let one = shared.replace("legal, payment", "fraud, payment");
        let a = Analysis::single("t", &one);
        let edits = ide::rename(&a, 0, offset_of(&one, "legal }", 0, 0), "law").expect("rename");
        assert_eq!(edits.len(), 2, "{edits:?}");
    }
}

mod outline {
    use super::*;

    #[test]
    fn document_symbols() {
        let a = acme();
        insta::assert_json_snapshot!(ide::document_symbols(&a, 0));
    }

    #[test]
    fn workspace_symbols() {
        let a = acme();
        let found: Vec<String> = ide::workspace_symbols(&a, "gap")
            .into_iter()
            .map(|s| format!("{:?} {} {}", s.kind, s.name, show(&a, s.span)))
            .collect();
        insta::assert_snapshot!(found.join("\n"));
    }

    #[test]
    fn folding() {
        let a = acme();
        insta::assert_json_snapshot!(ide::folding_ranges(&a, 0));
    }

    #[test]
    fn semantic_tokens() {
        let a = Analysis::single("u.handover", &fixture("unicode.handover"));
        let toks: Vec<String> = ide::semantic_tokens(&a, 0)
            .into_iter()
            .map(|(s, t)| {
                format!(
                    "{:?} {}",
                    t,
                    a.file(0).map(|f| f.slice(s)).unwrap_or_default()
                )
            })
            .collect();
        insta::assert_snapshot!(toks.join("\n"));
    }
}

mod fixes {
    use super::*;

    #[test]
    fn every_fix_is_a_code_action() {
        let text = fixture("fixes.handover");
        let a = Analysis::single("fixes.handover", &text);
        let all = Span::new(0, 0, text.len());
        let mut out = String::new();
        for act in ide::code_actions(&a, 0, all) {
            out.push_str(&format!(
                "[{}] {}{}\n",
                act.diagnostic.code.as_str(),
                act.title,
                if act.preferred { " (preferred)" } else { "" }
            ));
            for e in &act.edits {
                out.push_str(&format!("    {} -> {:?}\n", show(&a, e.span), e.text));
            }
        }
        insta::assert_snapshot!(out);
        // only the fixes of diagnostics that touch the range
        let line = offset_of(&text, "vipp", 0, 1);
        let acts = ide::code_actions(&a, 0, Span::new(0, line, line));
        let titles: Vec<&str> = acts.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, ["change to `vip`"]);
    }

    #[test]
    fn formatting() {
        let messy = "field  x :  bool\nwhen x then   answer\n";
        let edits = ide::format_edits(0, messy);
        assert_eq!(edits.len(), 1);
        let mut t = messy.to_string();
        for e in &edits {
            t.replace_range(e.span.start..e.span.end, &e.text);
        }
        assert_eq!(Some(t.clone()), handover::fmt::format_source(messy));
        assert!(
            ide::format_edits(0, &t).is_empty(),
            "formatted text needs no edits"
        );
        // syntax errors: nothing
        assert!(ide::format_edits(0, &fixture("broken.handover")).is_empty());
        // other errors: formats
        assert!(!ide::format_edits(0, "field  x : bool\nwhen y then answer\n").is_empty());
    }
}

mod lenses {
    use super::*;

    #[test]
    fn examples_and_conversations() {
        let a = acme();
        let conv = fixture("acme/conversations.jsonl");
        let stats = ide::ConversationStats::from_lines(&a, conv.lines()).expect("stats");
        assert_eq!((stats.decided, stats.skipped), (6, 2));
        let out: Vec<String> = ide::code_lenses(&a, 0, Some(&stats))
            .into_iter()
            .map(|l| format!("{}: {}", show(&a, l.span), l.title))
            .collect();
        insta::assert_snapshot!(out.join("\n"));
    }

    /// The lenses count what `simulate` counts: the replay goes turn by
    /// turn and stops at the handoff, so a later turn's facts do not undo
    /// the rule that escalated.
    #[test]
    fn conversations_are_replayed_turn_by_turn() {
        let a = Analysis::single(
            "t",
            "field sentiment: level { angry < neutral < positive }\nfield message: text\n\
             queue \"care\"\n\
             rule \"upset\" when sentiment <= angry then route \"care\"\n\
             rule \"cancel\" when message contains \"cancel\" then route \"care\"\n",
        );
        let lines = [
            r#"{"id":"c1","turns":[{"role":"customer","text":"hi","facts":{"sentiment":"angry"}},{"role":"agent","text":"sorry"},{"role":"customer","text":"ok","facts":{"sentiment":"positive"}}]}"#,
            r#"{"id":"c2","turns":[{"role":"customer","text":"I want to cancel"},{"role":"customer","text":"never mind"}]}"#,
        ];
        let stats = ide::ConversationStats::from_lines(&a, lines).expect("stats");
        assert_eq!((stats.decided, stats.skipped), (2, 0));
        assert_eq!(stats.matched, [1, 1]);
        assert_eq!(stats.wins, [1, 1]);
    }

    #[test]
    fn nothing_runs_with_errors() {
        let a = Analysis::single("b", &fixture("broken.handover"));
        assert!(ide::code_lenses(&a, 0, None).is_empty());
        assert!(ide::ConversationStats::from_lines(&a, ["{}"]).is_none());
        assert_eq!(ide::lens::thousands(5000), "5,000");
        assert_eq!(ide::lens::thousands(132), "132");
    }
}

mod robustness {
    use super::*;

    /// Every feature at every offset (and past the end) of a text.
    pub fn everything_everywhere(text: &str) {
        let a = Analysis::single("t.handover", text);
        let len = text.len();
        let mut offsets: Vec<usize> = (0..=len).collect();
        offsets.extend([len + 1, len + 100, usize::MAX]);
        for &o in &offsets {
            let _ = ide::completions(&a, 0, o);
            let _ = ide::hover(&a, 0, o);
            let _ = ide::definition(&a, 0, o);
            let _ = ide::references(&a, 0, o, true);
            let _ = ide::highlights(&a, 0, o);
            let _ = ide::prepare_rename(&a, 0, o);
            let _ = ide::rename(&a, 0, o, "renamed");
            let _ = ide::code_actions(&a, 0, Span::new(0, o, o.saturating_add(3)));
        }
        let _ = ide::document_symbols(&a, 0);
        let _ = ide::workspace_symbols(&a, "a");
        let _ = ide::folding_ranges(&a, 0);
        let _ = ide::semantic_tokens(&a, 0);
        let _ = ide::code_lenses(&a, 0, None);
        let _ = ide::format_edits(0, text);
        // a file index that does not exist
        let _ = ide::completions(&a, 7, 0);
        let _ = ide::hover(&a, 7, 0);
        let _ = ide::document_symbols(&a, 7);
    }

    #[test]
    fn fixtures_and_odd_texts() {
        for f in [
            "acme/policy.handover",
            "broken.handover",
            "fixes.handover",
            "unicode.handover",
        ] {
            everything_everywhere(&fixture(f));
        }
        for t in [
            "",
            "\n",
            "\"",
            "when",
            "when (((((",
            "rule \"x",
            "example \"é\" { risk = { ",
            "field x: level { a < }\nwhen x >= ",
            "automation by {\n =>",
            "é😀\r\n\twhen x in {",
            "let a = b\nlet b = a\nwhen c < a then answer",
        ] {
            everything_everywhere(t);
        }
    }
}

#[path = "common/lsp_client.rs"]
mod lsp_client;

/// End-to-end: the real binary over stdio.
mod protocol {
    use super::lsp_client::{uri, Client};
    use super::*;
    use serde_json::{json, Value};

    /// A fresh directory under the system's temp dir.
    pub fn temp_dir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("handover-lsp-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("temp dir");
        d.canonicalize().expect("canonical temp dir")
    }

    fn pos(line: u32, character: u32) -> Value {
        json!({"line": line, "character": character})
    }

    fn td(uri: &str, line: u32, character: u32) -> Value {
        json!({"textDocument": {"uri": uri}, "position": pos(line, character)})
    }

    /// (line, UTF-16 column) of the `n`th occurrence of `needle` plus `delta` chars.
    fn lc16(text: &str, needle: &str, delta: usize) -> (u32, u32) {
        let at = text.find(needle).unwrap_or_else(|| panic!("no {needle:?}"));
        let before = &text[..at];
        let line = before.matches('\n').count() as u32;
        let col_text = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
        let extra: String = text[at..].chars().take(delta).collect();
        let col = col_text.encode_utf16().count() + extra.encode_utf16().count();
        (line, col as u32)
    }

    const POLICY: &str = "\
field value: level { free < pro < business < enterprise < vip }
field category: enum { refund, billing, other }
field  confidence:  number 0..1
queue \"billing-priority\" sla 2h \"Refunds and invoices\"
queue \"kb-gaps\"

when category = refund and valeu >= vip then route \"billing-priority\" priority urgent
rule \"gap\" when confidence < 60% then route \"kb-gaps\"
";

    /// `shutdown` and `exit` sent together: the shutdown is answered and
    /// the exit status is 0 (the protocol library alone cancelled the
    /// shutdown still running when `exit` came).
    #[test]
    fn shutdown_then_exit_at_once() {
        for _ in 0..5 {
            let mut c = Client::start();
            c.initialize(json!({}), json!({}), None);
            let mut both = Vec::new();
            for body in [
                json!({"jsonrpc": "2.0", "id": 99, "method": "shutdown"}),
                json!({"jsonrpc": "2.0", "method": "exit"}),
            ] {
                let body = body.to_string();
                both.extend(format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes());
            }
            c.send_raw(&both);
            let answer = c.response(99);
            assert_eq!(answer.get("result"), Some(&Value::Null), "{answer}");
            assert_eq!(c.wait_exit(), Some(0));
        }
    }

    /// A file of the policy's folder that is not UTF-8 is reported where
    /// it is, not left out (which made its fields unknown elsewhere).
    #[test]
    fn a_sibling_file_that_is_not_utf8_is_reported() {
        let dir = temp_dir("latin1");
        let a = dir.join("a.handover");
        let b = dir.join("b.handover");
        let text = "queue \"q\"\nrule \"r\" when vip then route \"q\"\n";
        std::fs::write(&a, text).expect("write");
        std::fs::write(&b, b"## Kundenstatus f\xfcr VIPs\nfield vip: bool\n").expect("write");
        let mut c = Client::start();
        c.initialize(json!({}), json!({}), Some(&dir));
        c.open(&uri(&a), text);
        assert_eq!(c.diagnostics(&uri(&a), Some(1)), Vec::<Value>::new());
        let on_b = c.diagnostics(&uri(&b), None);
        assert_eq!(on_b.len(), 1, "{on_b:?}");
        assert!(
            on_b[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("not valid UTF-8")),
            "{on_b:?}"
        );
        assert_eq!(on_b[0]["range"]["start"], pos(0, 17));
        c.finish();
    }

    /// Snippets (`${1:a}`) only for a client that says it expands them.
    #[test]
    fn snippets_only_for_clients_that_support_them() {
        let text = "field f: ";
        for support in [false, true] {
            let dir = temp_dir(&format!("snippets-{support}"));
            let u = uri(&dir.join("p.handover"));
            let mut c = Client::start();
            let caps = json!({"textDocument": {"completion": {"completionItem": {"snippetSupport": support}}}});
            c.initialize(caps, json!({}), Some(&dir));
            c.open(&u, text);
            let items = c.request("textDocument/completion", td(&u, 0, text.len() as u32));
            let items = items.as_array().cloned().unwrap_or_default();
            let e = items
                .iter()
                .find(|i| i["label"].as_str().is_some_and(|l| l.starts_with("enum")))
                .unwrap_or_else(|| panic!("no enum item in {items:?}"));
            let new_text = e["textEdit"]["newText"].as_str().unwrap_or_default();
            if support {
                assert_eq!(e["insertTextFormat"], 2, "{e}");
                assert!(new_text.contains("${1:"), "{e}");
            } else {
                assert_eq!(e["insertTextFormat"], 1, "{e}");
                assert!(!new_text.contains('$'), "{e}");
            }
            c.finish();
        }
    }

    /// One bad message is answered and the session goes on (the protocol
    /// library alone stops reading at the first one it cannot decode).
    #[test]
    fn malformed_messages_are_answered_and_the_session_goes_on() {
        let mut c = Client::start();
        c.initialize(json!({}), json!({}), None);
        let frame = |body: &[u8]| {
            let mut f = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
            f.extend_from_slice(body);
            f
        };
        let cases: [(&[u8], i64, Value); 6] = [
            (b"{bad}", -32700, Value::Null),
            (b"[]", -32600, Value::Null),
            (b"\xff\xfe", -32700, Value::Null),
            (
                br#"{"jsonrpc":"1.0","id":41,"method":"shutdown"}"#,
                -32600,
                json!(41),
            ),
            (
                br#"{"jsonrpc":"2.0","id":42,"method":null}"#,
                -32600,
                json!(42),
            ),
            // LSP 3.17: a `$/` request the server does not know gets an answer
            (
                br#"{"jsonrpc":"2.0","id":43,"method":"$/unknown"}"#,
                -32601,
                json!(43),
            ),
        ];
        for (body, code, id) in cases {
            c.send_raw(&frame(body));
            let answer = c.recv();
            assert_eq!(answer["error"]["code"], code, "{answer}");
            assert_eq!(answer["id"], id, "{answer}");
        }
        // a lower-case header name is read too
        let hover =
            br#"{"jsonrpc":"2.0","id":44,"method":"workspace/symbol","params":{"query":""}}"#;
        let mut f = format!("content-length: {}\r\n\r\n", hover.len()).into_bytes();
        f.extend_from_slice(hover);
        c.send_raw(&f);
        assert!(c.response(44).get("error").is_none());
        c.finish();
    }

    #[test]
    fn a_whole_editing_session() {
        let dir = temp_dir("session");
        let path = dir.join("policy.handover");
        std::fs::write(&path, POLICY).expect("write");
        let u = uri(&path);
        let mut c = Client::start();
        let init = c.initialize(json!({}), json!({}), Some(&dir));
        let caps = &init["capabilities"];
        assert_eq!(caps["positionEncoding"], "utf-16");
        assert_eq!(caps["textDocumentSync"]["change"], 1, "full sync");
        for cap in [
            "completionProvider",
            "hoverProvider",
            "definitionProvider",
            "referencesProvider",
            "renameProvider",
            "documentFormattingProvider",
            "codeActionProvider",
            "codeLensProvider",
            "documentSymbolProvider",
            "workspaceSymbolProvider",
            "semanticTokensProvider",
            "foldingRangeProvider",
            "documentHighlightProvider",
        ] {
            assert!(!caps[cap].is_null(), "{cap} missing from {caps}");
        }

        c.open(&u, POLICY);
        let diags = c.diagnostics(&u, Some(1));
        let unknown = diags
            .iter()
            .find(|d| d["code"] == "unknown-field")
            .unwrap_or_else(|| panic!("no unknown-field in {diags:?}"));
        assert_eq!(unknown["severity"], 1);
        assert_eq!(unknown["source"], "handover");
        assert_eq!(
            unknown["codeDescription"]["href"],
            "https://github.com/handover-policy/handover/blob/main/docs/diagnostics/unknown-field.md"
        );
        assert!(
            unknown["message"]
                .as_str()
                .is_some_and(|m| m.contains("unknown field `valeu`")
                    && m.contains("help: did you mean `value`?")),
            "{unknown}"
        );
        let (l, col) = lc16(POLICY, "valeu", 0);
        assert_eq!(unknown["range"]["start"], pos(l, col));
        assert_eq!(unknown["range"]["end"], pos(l, col + 5));

        // completion after `when `
        let items = c.request(
            "textDocument/completion",
            td(&u, 7, "rule \"gap\" when ".len() as u32),
        );
        let labels: Vec<&str> = items
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["label"].as_str())
            .collect();
        assert_eq!(
            labels[..3],
            ["value", "category", "confidence"],
            "{labels:?}"
        );
        let first = &items[0];
        assert_eq!(
            first["detail"],
            "level { free < pro < business < enterprise < vip }"
        );
        // queues after `route `
        let (l, col) = lc16(POLICY, "route \"kb-gaps\"", 6);
        let items = c.request("textDocument/completion", td(&u, l, col));
        let q = items
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["label"] == "\"billing-priority\"")
            .cloned()
            .expect("queue item");
        assert_eq!(q["detail"], "SLA 2h · Refunds and invoices");

        // hover on a field
        let (l, col) = lc16(POLICY, "confidence < 60%", 2);
        let h = c.request("textDocument/hover", td(&u, l, col));
        let md = h["contents"]["value"].as_str().expect("markdown");
        assert!(md.contains("**field** `confidence`: `number 0..1`"), "{md}");
        let (l, col) = lc16(POLICY, "60%", 1);
        let h = c.request("textDocument/hover", td(&u, l, col));
        assert_eq!(h["contents"]["value"], "`60%` = 0.6");

        // definition and references of a queue
        let (l, col) = lc16(POLICY, "route \"kb-gaps\"", 8);
        let def = c.request("textDocument/definition", td(&u, l, col));
        assert_eq!(def["uri"], json!(u));
        assert_eq!(def["range"]["start"], pos(4, 6));
        let mut params = td(&u, l, col);
        params["context"] = json!({"includeDeclaration": true});
        let refs = c.request("textDocument/references", params);
        assert_eq!(refs.as_array().map(Vec::len), Some(2), "{refs}");

        // rename a field
        let (l, col) = lc16(POLICY, "category = refund", 1);
        let mut params = td(&u, l, col);
        params["newName"] = json!("topic");
        let edit = c.request("textDocument/rename", params);
        let edits = edit["changes"][&u].as_array().cloned().unwrap_or_default();
        assert_eq!(edits.len(), 2, "{edit}");
        assert!(edits.iter().all(|e| e["newText"] == "topic"));
        // a clash is refused with an error
        let mut params = td(&u, l, col);
        params["newName"] = json!("value");
        let r = c.request_full("textDocument/rename", params);
        assert!(
            r["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("already a field")),
            "{r}"
        );

        // formatting: the document has no syntax error, so it formats
        let fmt = c.request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": u}, "options": {"tabSize": 2, "insertSpaces": true}}),
        );
        assert!(!fmt.as_array().expect("edits").is_empty(), "{fmt}");

        // code action: did you mean
        let range = unknown["range"].clone();
        let acts = c.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": u}, "range": range, "context": {"diagnostics": [unknown]}}),
        );
        let act = acts
            .as_array()
            .and_then(|a| a.iter().find(|x| x["title"] == "change to `value`"))
            .cloned()
            .unwrap_or_else(|| panic!("no quick fix in {acts}"));
        assert_eq!(act["kind"], "quickfix");
        assert_eq!(act["edit"]["changes"][&u][0]["newText"], "value");
        assert_eq!(act["edit"]["changes"][&u][0]["range"], range);

        // fix the typo: the diagnostics go, the lenses come
        let fixed = POLICY.replace("valeu", "value");
        c.change(&u, 2, &fixed);
        let diags = c.diagnostics(&u, Some(2));
        assert!(diags.iter().all(|d| d["severity"] == 2), "{diags:?}");
        let lenses = c.request("textDocument/codeLens", json!({"textDocument": {"uri": u}}));
        let titles: Vec<&str> = lenses
            .as_array()
            .expect("lenses")
            .iter()
            .filter_map(|l| l["command"]["title"].as_str())
            .collect();
        assert_eq!(titles, ["examples: none", "examples: none"]);

        // a syntax error: no formatting edits
        c.change(&u, 3, &format!("{fixed}when category =\n"));
        let diags = c.diagnostics(&u, Some(3));
        assert!(diags.iter().any(|d| d["code"] == "syntax"), "{diags:?}");
        let fmt = c.request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": u}, "options": {"tabSize": 2, "insertSpaces": true}}),
        );
        assert_eq!(fmt, json!([]));
        // ...but completion still works in the broken statement
        let items = c.request(
            "textDocument/completion",
            td(&u, 8, "when category = ".len() as u32),
        );
        let labels: Vec<&str> = items
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["label"].as_str())
            .collect();
        assert_eq!(labels, ["refund", "billing", "other"]);

        let syms = c.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": u}}),
        );
        let names: Vec<&str> = syms
            .as_array()
            .expect("symbols")
            .iter()
            .filter_map(|s| s["name"].as_str())
            .collect();
        assert_eq!(
            names,
            [
                "value",
                "category",
                "confidence",
                "billing-priority",
                "kb-gaps",
                "line 7",
                "gap"
            ]
        );
        let ws = c.request("workspace/symbol", json!({"query": "kb"}));
        assert!(
            ws.as_array()
                .is_some_and(|a| a.iter().any(|s| s["name"] == "kb-gaps")),
            "{ws}"
        );
        let toks = c.request(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": u}}),
        );
        assert!(toks["data"]
            .as_array()
            .is_some_and(|d| d.len() > 50 && d.len() % 5 == 0));
        let folds = c.request(
            "textDocument/foldingRange",
            json!({"textDocument": {"uri": u}}),
        );
        assert!(folds.is_array());
        let hl = c.request("textDocument/documentHighlight", td(&u, 0, 7));
        assert_eq!(hl.as_array().map(Vec::len), Some(2), "{hl}");

        // closed, the document is the file on disk again (with its typo)
        c.notify("textDocument/didClose", json!({"textDocument": {"uri": u}}));
        let diags = c.diagnostics(&u, None);
        assert!(
            diags.iter().any(|d| d["code"] == "unknown-field"),
            "{diags:?}"
        );
        // a document that is not a file of a policy directory loses them
        let untitled = "untitled:scratch";
        c.open(untitled, "when x then answer\n");
        assert!(!c.diagnostics(untitled, Some(1)).is_empty());
        c.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": untitled}}),
        );
        assert_eq!(c.diagnostics(untitled, None), Vec::<Value>::new());
        c.finish();
        let _ = std::fs::remove_dir_all(dir);
    }

    const UNICODE: &str = "# « Politique » 😀 ✓\nfield valeur: level { bas < haut }\nqueue \"équipe 🇫🇷\" sla 1h\n\
                           rule \"règle «1»\" when valeur >= haut then route \"équipe 🇫🇷\" tag \"😀\"\n";

    #[test]
    fn positions_are_utf16_unless_utf8_is_negotiated() {
        for utf8 in [false, true] {
            let mut c = Client::start();
            let caps = if utf8 {
                json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}})
            } else {
                json!({"general": {"positionEncodings": ["utf-16"]}})
            };
            let init = c.initialize(caps, Value::Null, None);
            assert_eq!(
                init["capabilities"]["positionEncoding"],
                if utf8 { "utf-8" } else { "utf-16" }
            );
            let u = "untitled:Politique-1";
            c.open(u, UNICODE);
            let _ = c.diagnostics(u, Some(1));
            let line = UNICODE.lines().nth(3).expect("line");
            let at = line.find("haut then").expect("haut");
            let col = if utf8 {
                at
            } else {
                line[..at].encode_utf16().count()
            };
            // the value `haut` after the non-ASCII rule name
            let h = c.request("textDocument/hover", td(u, 3, col as u32 + 1));
            assert!(
                h["contents"]["value"]
                    .as_str()
                    .is_some_and(|m| m.contains("rank 2 of 2")),
                "{h}"
            );
            assert_eq!(h["range"]["start"], pos(3, col as u32));
            assert_eq!(h["range"]["end"], pos(3, col as u32 + 4));
            // the queue after it: definition lands on the declaration
            let q = line.rfind("\"équipe").expect("queue");
            let qcol = if utf8 {
                q
            } else {
                line[..q].encode_utf16().count()
            };
            let def = c.request("textDocument/definition", td(u, 3, qcol as u32 + 2));
            let decl_line = UNICODE.lines().nth(2).expect("queue line");
            let end = if utf8 {
                "queue \"équipe 🇫🇷\"".len()
            } else {
                "queue \"équipe 🇫🇷\"".encode_utf16().count()
            };
            assert_eq!(def["range"]["start"], pos(2, 6), "{decl_line}");
            assert_eq!(def["range"]["end"], pos(2, end as u32));
            // semantic tokens: the tag string after the emoji queue starts where it should
            let toks = c.request(
                "textDocument/semanticTokens/full",
                json!({"textDocument": {"uri": u}}),
            );
            let data: Vec<u64> = toks["data"]
                .as_array()
                .expect("data")
                .iter()
                .filter_map(Value::as_u64)
                .collect();
            let mut line_no = 0;
            let mut col_no = 0;
            let mut last = (0, 0, 0);
            for t in data.chunks(5) {
                if t[0] > 0 {
                    line_no += t[0];
                    col_no = t[1];
                } else {
                    col_no += t[1];
                }
                last = (line_no, col_no, t[2]);
            }
            let tag = line.rfind("\"😀\"").expect("tag");
            let (tcol, tlen) = if utf8 {
                (tag, "\"😀\"".len())
            } else {
                (
                    line[..tag].encode_utf16().count(),
                    "\"😀\"".encode_utf16().count(),
                )
            };
            assert_eq!(last, (3, tcol as u64, tlen as u64));
            c.finish();
        }
    }

    #[test]
    fn stale_versions_are_ignored() {
        let mut c = Client::start();
        c.initialize(json!({}), Value::Null, None);
        let u = "untitled:stale";
        c.open(u, "field x: bool\nwhen x then answer\n");
        let _ = c.diagnostics(u, Some(1));
        c.change(u, 3, "field x: bool\nwhen y then answer\n");
        let d3 = c.diagnostics(u, Some(3));
        assert!(d3.iter().any(|d| d["code"] == "unknown-field"), "{d3:?}");
        // version 2 arrives late: ignored
        c.change(u, 2, "field x: bool\nwhen x then answer\n");
        let h = c.request("textDocument/hover", td(u, 1, 5));
        assert!(
            h.is_null(),
            "the stale text (where `x` is a field) was applied: {h}"
        );
        c.change(u, 4, "field x: bool\nwhen x then answer\n");
        let d4 = c.diagnostics(u, Some(4));
        assert!(d4.is_empty(), "{d4:?}");
        c.finish();
    }

    #[test]
    fn a_directory_is_one_policy_and_open_text_wins() {
        let dir = temp_dir("multi");
        for f in ["00-facts.handover", "10-rules.handover"] {
            std::fs::copy(fixture_path(&format!("multi/{f}")), dir.join(f)).expect("copy");
        }
        std::fs::write(dir.join("conversations.jsonl"), "{\"id\":1,\"facts\":{\"plan\":\"enterprise\",\"topic\":\"billing\"}}\n{\"id\":2,\"facts\":{\"topic\":\"billing\"}}\n{\"id\":3,\"facts\":{\"topic\":\"bug\"}}\n").expect("write");
        let facts = uri(&dir.join("00-facts.handover"));
        let rules = uri(&dir.join("10-rules.handover"));
        let rules_text = fixture("multi/10-rules.handover");
        let mut c = Client::start();
        c.initialize(json!({}), Value::Null, Some(&dir));
        c.open(&rules, &rules_text);
        assert_eq!(c.diagnostics(&rules, Some(1)), Vec::<Value>::new());
        // a field declared in the other file
        let def = c.request("textDocument/definition", td(&rules, 1, 8));
        assert_eq!(def["uri"], json!(facts));
        assert_eq!(def["range"]["start"], pos(3, 6));
        // the code lenses count the conversations beside the policy
        let lenses = c.request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": rules}}),
        );
        let titles: Vec<&str> = lenses
            .as_array()
            .expect("lenses")
            .iter()
            .filter_map(|l| l["command"]["title"].as_str())
            .collect();
        assert_eq!(
            titles,
            [
                "examples: none",
                "matches 1 · wins 1 of 3 sample conversations",
                "examples: none",
                "matches 2 · wins 1 of 3 sample conversations"
            ]
        );
        // open the facts file with an edit: the rules file sees it
        let facts_text = fixture("multi/00-facts.handover").replace("plan:", "tier:");
        c.open(&facts, &facts_text);
        let d = c.diagnostics(&rules, Some(1));
        assert!(
            d.iter().any(|d| d["code"] == "unknown-field"
                && d["message"].as_str().is_some_and(|m| m.contains("`plan`"))),
            "{d:?}"
        );
        // rename across the files
        let mut params = td(&rules, 4, 6);
        params["newName"] = json!("subject");
        let edit = c.request("textDocument/rename", params);
        assert_eq!(
            edit["changes"][&facts].as_array().map(Vec::len),
            Some(1),
            "{edit}"
        );
        assert_eq!(
            edit["changes"][&rules].as_array().map(Vec::len),
            Some(2),
            "{edit}"
        );
        c.finish();
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn initialization_options_name_the_conversations() {
        let dir = temp_dir("conv-option");
        let policy = dir.join("p.handover");
        std::fs::copy(fixture_path("acme/policy.handover"), &policy).expect("copy");
        std::fs::create_dir_all(dir.join("data")).expect("mkdir");
        std::fs::copy(
            fixture_path("acme/conversations.jsonl"),
            dir.join("data/sample.jsonl"),
        )
        .expect("copy");
        let mut c = Client::start();
        c.initialize(
            json!({}),
            json!({"conversations": "data/sample.jsonl"}),
            Some(&dir),
        );
        let u = uri(&policy);
        c.open(&u, &fixture("acme/policy.handover"));
        let _ = c.diagnostics(&u, Some(1));
        let lenses = c.request("textDocument/codeLens", json!({"textDocument": {"uri": u}}));
        let titles: Vec<&str> = lenses
            .as_array()
            .expect("lenses")
            .iter()
            .filter_map(|l| l["command"]["title"].as_str())
            .collect();
        assert!(
            titles.contains(&"matches 2 · wins 1 of 6 sample conversations"),
            "{titles:?}"
        );
        assert!(
            titles.iter().any(|t| t.starts_with("✗ fails")),
            "{titles:?}"
        );
        c.finish();
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A policy over the synchronous limit: the table-based warnings come
    /// in a second publication, errors at once.
    #[test]
    fn large_policies_get_their_warnings_in_the_background() {
        let mut text = String::from("field n: int 0..\nqueue \"q\"\n");
        for i in 0..450 {
            text.push_str(&format!("rule \"r{i}\" when n = {i} then route \"q\"\n"));
        }
        text.push_str("rule \"again\" when n = 7 then route \"q\"\n");
        let mut c = Client::start();
        c.initialize(json!({}), Value::Null, None);
        let u = "untitled:large";
        c.open(u, &text);
        let shadowed = |d: &Vec<Value>| d.iter().any(|x| x["code"] == "shadowed-rule");
        let first = c.diagnostics(u, Some(1));
        let all = if shadowed(&first) {
            first
        } else {
            c.diagnostics(u, Some(1))
        };
        assert!(shadowed(&all), "{all:?}");
        // an error shows at once
        c.change(
            u,
            2,
            &text.replace(
                "route \"q\"\nrule \"again\"",
                "route \"qq\"\nrule \"again\"",
            ),
        );
        let d = c.diagnostics(u, Some(2));
        assert!(d.iter().any(|x| x["code"] == "unknown-queue"), "{d:?}");
        // and goes at once; the warnings follow
        c.change(u, 3, &text);
        let d = c.diagnostics(u, Some(3));
        assert!(!d.iter().any(|x| x["severity"] == 1), "{d:?}");
        let d = if shadowed(&d) {
            d
        } else {
            c.diagnostics(u, Some(3))
        };
        assert!(shadowed(&d), "{d:?}");
        c.finish();
    }

    #[test]
    fn new_conversations_refresh_the_lenses() {
        let mut c = Client::start();
        c.initialize(
            json!({"workspace": {"codeLens": {"refreshSupport": true}}}),
            Value::Null,
            None,
        );
        c.open("untitled:r", "field x: bool\nwhen x then answer\n");
        let _ = c.diagnostics("untitled:r", Some(1));
        c.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": "file:///tmp/conversations.jsonl", "type": 2}]}),
        );
        let req = loop {
            let v = c.recv();
            if v["method"] == "workspace/codeLens/refresh" {
                break v;
            }
        };
        c.send(&json!({"jsonrpc": "2.0", "id": req["id"], "result": null}));
        c.notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"handover": {"conversations": "elsewhere.jsonl"}}}),
        );
        let req = loop {
            let v = c.recv();
            if v["method"] == "workspace/codeLens/refresh" {
                break v;
            }
        };
        c.send(&json!({"jsonrpc": "2.0", "id": req["id"], "result": null}));
        c.finish();
    }

    #[test]
    fn exit_without_shutdown_is_status_1() {
        let mut c = Client::start();
        c.initialize(json!({}), Value::Null, None);
        c.notify("exit", Value::Null);
        assert_eq!(c.wait_exit(), Some(1));
    }
}
