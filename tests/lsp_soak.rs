//! Soak: thousands of random edits (characters inserted and deleted, whole
//! policies pasted, everything deleted) against the editor features and
//! against the running server, which must never panic and must still
//! answer correctly afterwards. A few seconds by default; set
//! `HANDOVER_SOAK=1` for a long run (and `HANDOVER_SOAK_SEED` to replay).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use handover::ide::{self, Analysis};
use handover::span::Span;
use serde_json::json;
use std::time::Duration;

fn long() -> bool {
    std::env::var("HANDOVER_SOAK").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn seed() -> u64 {
    std::env::var("HANDOVER_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1234_abcd_0042)
}

/// xorshift64*: small, seeded, good enough to shuffle edits.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn policy() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ide/acme/policy.handover"
    ))
    .expect("fixture")
}

const PIECES: &[&str] = &[
    "when ",
    "then ",
    "and ",
    "or ",
    "not ",
    "route \"",
    "human \"kb-gaps\"",
    "priority ",
    "attach ",
    "{ ",
    "} ",
    "(",
    ")",
    " = ",
    " >= ",
    " in { ",
    "has any {",
    "is missing",
    "\n",
    "\n  ",
    "rule \"",
    "example \"e\" { ",
    "expect ",
    "field f: level { a < b }\n",
    "let t = 60%\n",
    "queue \"q\" sla 1h30m\n",
    "automation by category {\n",
    "=> ",
    "\"",
    "#",
    "## doc\n",
    "55%",
    "-3",
    "0..1",
    "é",
    "😀",
    "«",
    "\t",
    "\r\n",
    "category",
    "value",
    "vip",
    "refund",
    "confidence",
    "retention",
];

const CHARS: &[char] = &[
    'a', 'e', 'x', '_', '1', '9', ' ', ' ', '\n', '{', '}', '(', ')', '<', '>', '=', '!', ',', '"',
    '#', '%', '.', '-', ':', '\\', 'é', '😀', '\u{feff}',
];

/// One random edit of `text`, kept on character boundaries.
fn edit(rng: &mut Rng, text: &mut String, paste: &str) {
    let boundary = |t: &str, mut i: usize| {
        i = i.min(t.len());
        while !t.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let at = boundary(text, rng.below(text.len() + 1));
    match rng.below(100) {
        0..=39 => {
            let c = CHARS[rng.below(CHARS.len())];
            text.insert(at, c);
        }
        40..=64 => {
            let end = boundary(text, at + rng.below(12));
            text.replace_range(at..end, "");
        }
        65..=89 => text.insert_str(at, PIECES[rng.below(PIECES.len())]),
        90..=94 => {
            // a line goes
            let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
            text.replace_range(start..end, "");
        }
        95..=97 => text.insert_str(at, paste),
        _ => text.clear(),
    }
    if text.len() > 40_000 {
        text.truncate(boundary(text, 20_000));
    }
}

/// A handful of features at random offsets (some past the end).
fn poke(rng: &mut Rng, a: &Analysis, len: usize) {
    for _ in 0..4 {
        let o = rng.below(len + 20);
        let _ = ide::completions(a, 0, o);
        let _ = ide::hover(a, 0, o);
        let _ = ide::definition(a, 0, o);
        let _ = ide::references(a, 0, o, true);
        let _ = ide::highlights(a, 0, o);
        let _ = ide::rename(a, 0, o, "renamed");
        let _ = ide::code_actions(a, 0, Span::new(0, o, o + 5));
    }
    let _ = ide::document_symbols(a, 0);
    let _ = ide::folding_ranges(a, 0);
    let _ = ide::semantic_tokens(a, 0);
    let _ = ide::code_lenses(a, 0, None);
    let _ = ide::workspace_symbols(a, "e");
}

#[test]
fn random_edits_against_the_ide_functions() {
    let paste = policy();
    let mut rng = Rng(seed());
    let mut text = paste.clone();
    let rounds = if long() { 100_000 } else { 2_500 };
    for round in 0..rounds {
        edit(&mut rng, &mut text, &paste);
        let a = Analysis::single("soak.handover", &text);
        // the expensive features every few edits, like an editor would
        if round % 3 == 0 {
            poke(&mut rng, &a, text.len());
        } else {
            let o = rng.below(text.len() + 2);
            let _ = ide::completions(&a, 0, o);
        }
        if round % 50 == 0 {
            let _ = ide::format_edits(0, &text);
        }
    }
    // still answers correctly afterwards
    let a = Analysis::single("p.handover", &paste);
    let at = paste.find("low_confidence or").expect("let use");
    let h = ide::hover(&a, 0, at).expect("hover");
    assert_eq!(
        h.markdown,
        "**let** `low_confidence` = `55%` (= 0.55)\n\nused 1 time"
    );
}

#[path = "common/lsp_client.rs"]
mod lsp_client;
use lsp_client::Client;

const TIMEOUT: Duration = Duration::from_secs(60);

/// Resident memory of a process, from /proc (Linux; None elsewhere).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn random_edits_against_the_server() {
    let paste = policy();
    let mut rng = Rng(seed() ^ 0xdead_beef);
    let mut c = Client::start_dropping_notifications(TIMEOUT);
    let init = c.request_full(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {"general": {"positionEncodings": ["utf-16"]}}}),
    );
    assert!(init.get("error").is_none(), "{init}");
    c.notify("initialized", json!({}));
    let uri = "untitled:soak";
    let mut text = paste.clone();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "handover", "version": 1, "text": text}}),
    );
    let rounds: usize = if long() {
        std::env::var("HANDOVER_SOAK_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000)
    } else {
        400
    };
    let mut rss_early = None;
    let mut rss_samples = Vec::new();
    let methods = [
        "textDocument/completion",
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/references",
        "textDocument/documentHighlight",
        "textDocument/prepareRename",
        "textDocument/rename",
        "textDocument/codeAction",
        "textDocument/codeLens",
        "textDocument/documentSymbol",
        "textDocument/formatting",
        "textDocument/semanticTokens/full",
        "textDocument/foldingRange",
    ];
    let mut pending = Vec::new();
    for round in 0..rounds {
        if round == rounds / 10 {
            rss_early = rss_kib(c.child.id());
        }
        if round % (rounds / 10).max(1) == 0 {
            rss_samples.extend(rss_kib(c.child.id()));
        }
        edit(&mut rng, &mut text, &paste);
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": round + 2}, "contentChanges": [{"text": text}]}),
        );
        let method = methods[rng.below(methods.len())];
        // positions anywhere, also past the end of lines and of the text
        let line = rng.below(text.lines().count() + 3) as u32;
        let character = rng.below(120) as u32;
        let pos = json!({"line": line, "character": character});
        let params = json!({
            "textDocument": {"uri": uri},
            "position": pos,
            "newName": "renamed",
            "context": {"includeDeclaration": true, "diagnostics": [], "triggerKind": 1},
            "range": {"start": pos, "end": {"line": line + 1, "character": 0}},
            "options": {"tabSize": 2, "insertSpaces": true},
        });
        pending.push((method, c.request_async(method, params)));
        if pending.len() >= 8 {
            for (m, id) in pending.drain(..) {
                let r = c.response(id);
                if let Some(e) = r.get("error") {
                    // refusing a rename is an answer; anything else is a bug
                    assert!(
                        matches!(m, "textDocument/rename" | "textDocument/prepareRename")
                            && e["code"] == -32602,
                        "{m} failed: {e}"
                    );
                }
            }
        }
    }
    for (_, id) in pending.drain(..) {
        let _ = c.response(id);
    }
    // memory stays flat: what the server holds after all the edits is
    // within reach of what it held a tenth of the way in
    if let (Some(early), Some(end)) = (rss_early, rss_kib(c.child.id())) {
        eprintln!(
            "soak: {rounds} edits and requests; server memory {early} KiB after {}, {end} KiB at the end; every tenth: {rss_samples:?} KiB",
            rounds / 10
        );
        assert!(
            end <= early * 2 + 128 * 1024,
            "the server grew from {early} KiB to {end} KiB"
        );
    }
    // the server still answers correctly
    let version = rounds + 2;
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": paste}]}),
    );
    let (line, col) = paste
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find("low_confidence or").map(|c| (i, c)))
        .expect("let use");
    let h = c.request_full(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": col + 1}}),
    );
    assert_eq!(
        h["result"]["contents"]["value"],
        "**let** `low_confidence` = `55%` (= 0.55)\n\nused 1 time",
        "{h}"
    );
    c.finish();
}
