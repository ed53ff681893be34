//! The editor features (`handover::ide`, what the language server calls)
//! under arbitrary edit sequences: a document starts as one of the example
//! policies, takes inserts and deletes, and every feature is asked at
//! arbitrary byte offsets (also inside a character or past the end). No
//! function panics, and every edit a feature returns (quick fix, rename,
//! formatting) lies inside the document on character boundaries, and can
//! be applied.
#![no_main]

use arbitrary::Arbitrary;
use handover::diag::Edit;
use handover::ide::{self, Analysis};
use handover::span::{SourceFile, Span};
use libfuzzer_sys::fuzz_target;

const DOCS: [&str; 4] = [
    include_str!("../../examples/acme/policy.handover"),
    include_str!("../../examples/marketplace/10-rules.handover"),
    include_str!("../../tests/fixtures/ide/broken.handover"),
    "",
];

/// Pieces typed in whole, as a person would.
const WORDS: [&str; 32] = [
    "field ", "rule ", "when ", "then ", "and ", "or ", "not ", "route ", "human ", "draft ", "answer",
    "queue ", "\"", "{", "}", "(", ")", ",", " = ", " < ", "<=", " in ", " has any ", " is missing",
    "priority ", "tag ", "attach ", "automation by ", "=> ", "example ", "expect ", "\n",
];

#[derive(Arbitrary, Debug)]
enum Op {
    Insert { at: u16, text: String },
    Word { at: u16, word: u8 },
    Delete { at: u16, len: u8 },
    Query { at: u16, what: u8 },
    Rename { at: u16, name: String },
    Document { what: u8 },
}

#[derive(Arbitrary, Debug)]
struct Input {
    doc: u8,
    quick: bool,
    ops: Vec<Op>,
}

fn floor(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Check that edits lie in the text, on character boundaries, without
/// overlapping, and apply them.
fn apply(text: &str, edits: &[Edit], what: &str) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().filter(|e| e.span.file == 0).collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::new();
    let mut at = 0;
    for e in sorted {
        let Span { start, end, .. } = e.span;
        assert!(
            at <= start && start <= end && end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end),
            "{what}: bad edit {:?} {:?} (text of {} bytes, previous edit ends at {at})",
            e.span,
            e.text,
            text.len()
        );
        out.push_str(&text[at..start]);
        out.push_str(&e.text);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

fn analyse(text: &str, quick: bool) -> Analysis {
    let files = vec![SourceFile::new("fuzz.handover", text)];
    if quick {
        let a = Analysis::quick(files);
        a.completed().unwrap_or(a)
    } else {
        Analysis::new(files)
    }
}

fuzz_target!(|input: Input| {
    // as the language server runs: statements not edited come from the
    // parse cache (the `parse` target checks it against a fresh parse)
    handover::syntax::cache::enable();
    let mut text = DOCS[input.doc as usize % DOCS.len()].to_string();
    let mut analysis: Option<Analysis> = None;
    for op in input.ops.iter().take(24) {
        match op {
            Op::Insert { at, text: t } => {
                let i = floor(&text, *at as usize);
                text.insert_str(i, t);
                analysis = None;
            }
            Op::Word { at, word } => {
                let i = floor(&text, *at as usize);
                text.insert_str(i, WORDS[*word as usize % WORDS.len()]);
                analysis = None;
            }
            Op::Delete { at, len } => {
                let i = floor(&text, *at as usize);
                let j = floor(&text, i + *len as usize);
                text.replace_range(i..j, "");
                analysis = None;
            }
            Op::Query { at, what } => {
                let a = analysis.get_or_insert_with(|| analyse(&text, input.quick));
                let o = *at as usize; // may be inside a character or past the end
                match what % 8 {
                    0 => {
                        for c in ide::completions(a, 0, o) {
                            assert!(c.replace.start <= c.replace.end && c.replace.end <= text.len(), "completion replaces {:?}", c.replace);
                        }
                    }
                    1 => drop(ide::hover(a, 0, o)),
                    2 => drop(ide::definition(a, 0, o)),
                    3 => drop(ide::references(a, 0, o, what & 8 != 0)),
                    4 => drop(ide::highlights(a, 0, o)),
                    5 => drop(ide::prepare_rename(a, 0, o)),
                    6 => {
                        let len = (*what as usize) >> 3;
                        for action in ide::code_actions(a, 0, Span::new(0, o, o + len)) {
                            let _ = apply(&text, &action.edits, &action.title);
                        }
                    }
                    _ => drop(ide::hover::rule_index_at(a, 0, o)),
                }
            }
            Op::Rename { at, name } => {
                let a = analysis.get_or_insert_with(|| analyse(&text, input.quick));
                if let Ok(edits) = ide::rename(a, 0, *at as usize, name) {
                    let _ = apply(&text, &edits, "rename");
                }
            }
            Op::Document { what } => {
                let a = analysis.get_or_insert_with(|| analyse(&text, input.quick));
                match what % 8 {
                    0 => drop(ide::document_symbols(a, 0)),
                    1 => drop(ide::folding_ranges(a, 0)),
                    2 => drop(ide::semantic_tokens(a, 0)),
                    3 => drop(ide::code_lenses(a, 0, None)),
                    4 => drop(ide::workspace_symbols(a, ["", "e", "q", "risk"][(*what as usize >> 3) % 4])),
                    5 => drop(ide::diagnostics(a, 0)),
                    6 => drop(a.examples()),
                    _ => {
                        // what format_edits does, with the formatted text kept to compare
                        if let Some(f) = handover::fmt::format_source(&text) {
                            let edits = ide::format::edit_between(0, &text, &f);
                            let formatted = apply(&text, &edits, "format");
                            assert_eq!(formatted, f, "the format edit does not give the formatted text");
                        }
                    }
                }
            }
        }
        if text.len() > 20_000 {
            let i = floor(&text, 10_000);
            text.truncate(i);
            analysis = None;
        }
    }
});
