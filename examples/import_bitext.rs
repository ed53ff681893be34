//! Turn the Bitext customer-support CSV into one-turn `handover` conversations.
//!
//! ```text
//! cargo run --release --example import_bitext -- INPUT.csv OUTPUT.jsonl [MAX]
//! ```
//!
//! * `INPUT.csv` is `Bitext_Sample_Customer_Support_Training_Dataset.csv`: a
//!   comma-separated file with a header row naming (at least) `instruction`,
//!   `intent`, `category`, `tags`, `entity_type` and `entity_value`. Fields may
//!   be quoted; a quoted field may hold commas, line breaks and doubled quotes.
//! * `OUTPUT.jsonl` receives one conversation per row in the format of SPEC
//!   section 4; `-` writes to standard output.
//! * `MAX` (optional, `0` or `all` for every row) keeps that many rows, evenly
//!   spaced over the file, so every intent keeps its share (the file is sorted
//!   by intent).
//!
//! The output is deterministic. Rows that cannot be read (an unterminated
//! quote, text after a closing quote, the wrong number of fields, an empty
//! instruction or intent) are reported on standard error with the file and the
//! line they start on, and skipped. Exit status: 0 on success (even with
//! skipped rows), 2 on a usage or I/O error.
//!
//! The facts and the `expected` labels are OUR mapping of Bitext's intents and
//! tags; Bitext has no escalation labels. See `examples/bitext/README.md`.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

// ---------------------------------------------------------------------------
// Our label mapping
// ---------------------------------------------------------------------------

/// The 27 intents of the 6,480-row file, as the policy declares them.
const INTENTS: &[&str] = &[
    "cancel_order",
    "change_order",
    "change_shipping_address",
    "check_cancellation_fee",
    "check_invoice",
    "check_payment_methods",
    "check_refund_policy",
    "complaint",
    "contact_customer_service",
    "contact_human_agent",
    "create_account",
    "delete_account",
    "delivery_options",
    "delivery_period",
    "edit_account",
    "get_invoice",
    "get_refund",
    "newsletter_subscription",
    "payment_issue",
    "place_order",
    "recover_password",
    "registration_problems",
    "review",
    "set_up_shipping_address",
    "switch_account",
    "track_order",
    "track_refund",
];

/// The 11 categories, lower-cased.
const CATEGORIES: &[&str] = &[
    "account",
    "cancellation_fee",
    "contact",
    "delivery",
    "feedback",
    "invoice",
    "newsletter",
    "order",
    "payment",
    "refund",
    "shipping_address",
];

/// Bitext's language tags that say something about the customer's register,
/// and the `style` value each becomes. The syntactic and lexical tags (B, C,
/// I, L, M, ...) are left out.
const STYLE_TAGS: &[(char, &str)] = &[
    ('W', "offensive"),
    ('Q', "colloquial"),
    ('P', "polite"),
    ('K', "keywords"),
    ('Z', "typos"),
    ('E', "abbreviations"),
];

/// The `plan` level from an `account_type` entity.
fn plan_of(account_type: &str) -> Option<&'static str> {
    match account_type.trim().to_lowercase().as_str() {
        "free" | "freemium" => Some("free"),
        "standard" => Some("standard"),
        "pro" | "premium" | "gold" => Some("premium"),
        "platinum" => Some("platinum"),
        _ => None,
    }
}

/// Our escalation label: explicit requests for people and complaints must be
/// handed over, and so must offensive or angry wording (tag W).
fn label(intent: &str, offensive: bool) -> Option<&'static str> {
    match intent {
        "complaint" => Some("complaints"),
        "contact_human_agent" | "contact_customer_service" => Some("agents"),
        _ if offensive => Some("care"),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Reading CSV
// ---------------------------------------------------------------------------

/// One CSV record: the line it starts on, its fields, and what was wrong with
/// it, if anything.
struct Record {
    line: usize,
    fields: Vec<String>,
    error: Option<String>,
}

/// Splits CSV text into records (RFC 4180, with `\n` or `\r\n` line ends). A
/// field that starts with `"` is quoted: it runs to the next `"` that is not
/// doubled and may hold commas and line breaks; `""` inside it stands for one
/// `"`. A `"` inside an unquoted field is kept as written. Text between a
/// closing quote and the next comma, and a quote that is never closed, make
/// the record malformed.
fn parse_csv(text: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    let mut rec = Record {
        line: 1,
        fields: Vec::new(),
        error: None,
    };
    let mut field = String::new();
    let mut at_field_start = true;
    let mut in_record = false;
    let mut after_quote = false;

    while let Some(c) = chars.next() {
        if at_field_start && c == '"' {
            at_field_start = false;
            in_record = true;
            let mut closed = false;
            while let Some(q) = chars.next() {
                if q == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        field.push('"');
                    } else {
                        closed = true;
                        break;
                    }
                } else {
                    if q == '\n' {
                        line += 1;
                    }
                    field.push(q);
                }
            }
            if !closed {
                rec.fields.push(std::mem::take(&mut field));
                rec.error = Some("a quoted field is never closed".to_string());
                out.push(rec);
                return out;
            }
            after_quote = true;
            continue;
        }
        match c {
            ',' => {
                rec.fields.push(std::mem::take(&mut field));
                at_field_start = true;
                in_record = true;
                after_quote = false;
            }
            '\n' | '\r' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                if in_record || !field.is_empty() {
                    rec.fields.push(std::mem::take(&mut field));
                    out.push(rec);
                }
                line += 1;
                rec = Record {
                    line,
                    fields: Vec::new(),
                    error: None,
                };
                at_field_start = true;
                in_record = false;
                after_quote = false;
            }
            _ => {
                if after_quote && rec.error.is_none() {
                    rec.error = Some(format!("unexpected {:?} after a closing quote", c));
                }
                field.push(c);
                at_field_start = false;
                in_record = true;
            }
        }
    }
    if in_record || !field.is_empty() {
        rec.fields.push(field);
        out.push(rec);
    }
    out
}

// ---------------------------------------------------------------------------
// JSON output, written by hand so that the key order never depends on
// serde_json's features.
// ---------------------------------------------------------------------------

fn js(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn obj(pairs: &[(&str, String)]) -> String {
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}:{}", js(k), v))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// A data row that was read correctly.
struct Row {
    /// 1-based position among the data rows of the file (the header is row 0).
    number: usize,
    instruction: String,
    intent: String,
    category: String,
    tags: String,
    entity_type: String,
    entity_value: String,
}

/// The conversation as one JSON line, and whether we expect it to escalate.
fn conversation_json(r: &Row) -> (String, bool) {
    let mut facts: Vec<(&str, String)> =
        vec![("category", js(&r.category)), ("intent", js(&r.intent))];
    if r.entity_type == "account_type" {
        if let Some(p) = plan_of(&r.entity_value) {
            facts.push(("plan", js(p)));
        }
    }
    if r.entity_type == "refund_amount" {
        let cleaned: String = r
            .entity_value
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        if let Ok(v) = cleaned.parse::<u64>() {
            facts.push(("refund_amount", v.to_string()));
        } else if let Some(n) = cleaned
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            facts.push(("refund_amount", n.to_string()));
        }
    }
    let style: Vec<String> = STYLE_TAGS
        .iter()
        .filter(|(tag, _)| r.tags.contains(*tag))
        .map(|(_, name)| js(name))
        .collect();
    facts.push(("style", format!("[{}]", style.join(","))));

    let queue = label(&r.intent, r.tags.contains('W'));
    let mut expected = vec![("escalate", queue.is_some().to_string())];
    if let Some(q) = queue {
        expected.push(("queue", js(q)));
    }
    let turn = obj(&[("role", js("customer")), ("text", js(&r.instruction))]);
    let line = obj(&[
        ("id", js(&format!("bitext-{:05}", r.number))),
        ("facts", obj(&facts)),
        ("turns", format!("[{}]", turn)),
        ("expected", obj(&expected)),
        ("context", obj(&[("question", js(&r.instruction))])),
    ]);
    (line, queue.is_some())
}

// ---------------------------------------------------------------------------

fn usage() -> ExitCode {
    eprintln!("usage: import_bitext INPUT.csv OUTPUT.jsonl [MAX|all]");
    ExitCode::from(2)
}

fn run(args: &[String]) -> Result<(), String> {
    let [_, input, output, rest @ ..] = args else {
        return Err("INPUT.csv and OUTPUT.jsonl are required".to_string());
    };
    let max = match rest.first().map(String::as_str) {
        None | Some("all") | Some("0") => usize::MAX,
        Some(s) => s
            .parse::<usize>()
            .map_err(|_| format!("MAX must be a number or `all`, not {:?}", s))?,
    };
    let bytes = fs::read(input).map_err(|e| format!("{}: {}", input, e))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{}: not valid UTF-8, invalid bytes replaced", input);
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut records = parse_csv(text).into_iter();
    let header = match records.next() {
        Some(h) if h.error.is_none() => h.fields,
        Some(h) => return Err(format!("{}:{}: bad header", input, h.line)),
        None => return Err(format!("{}: empty file", input)),
    };
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(c_text), Some(c_intent), Some(c_cat), Some(c_tags), Some(c_etype), Some(c_evalue)) = (
        col("instruction"),
        col("intent"),
        col("category"),
        col("tags"),
        col("entity_type"),
        col("entity_value"),
    ) else {
        return Err(format!(
            "{}:1: the header must name instruction, intent, category, tags, entity_type and entity_value",
            input
        ));
    };

    let mut rows = Vec::new();
    let mut bad = 0usize;
    let mut unknown: BTreeSet<String> = BTreeSet::new();
    for (ordinal, rec) in records.enumerate() {
        let field = |i: usize| rec.fields.get(i).map_or("", |f| f.trim());
        let problem = if let Some(e) = rec.error {
            Some(e)
        } else if rec.fields.len() != header.len() {
            Some(format!(
                "expected {} fields, found {}",
                header.len(),
                rec.fields.len()
            ))
        } else if field(c_text).is_empty() {
            Some("empty instruction".to_string())
        } else if field(c_intent).is_empty() {
            Some("empty intent".to_string())
        } else {
            None
        };
        if let Some(p) = problem {
            bad += 1;
            eprintln!("{}:{}: {}; row skipped", input, rec.line, p);
            continue;
        }
        let intent = field(c_intent).to_string();
        let category = field(c_cat).to_lowercase();
        for (kind, value, known) in [
            ("intent", &intent, INTENTS),
            ("category", &category, CATEGORIES),
        ] {
            if !known.contains(&value.as_str()) && unknown.insert(format!("{} {}", kind, value)) {
                eprintln!(
                    "{}:{}: unknown {} {:?} (kept as is)",
                    input, rec.line, kind, value
                );
            }
        }
        rows.push(Row {
            number: ordinal + 1,
            instruction: field(c_text).to_string(),
            intent,
            category,
            tags: field(c_tags).to_string(),
            entity_type: field(c_etype).to_string(),
            entity_value: field(c_evalue).to_string(),
        });
    }

    // Evenly spaced rows: row i is kept when floor(i * max / n) moves on.
    let n = rows.len();
    let keep = max.min(n);
    let sink: Box<dyn Write> = if output == "-" {
        Box::new(io::stdout().lock())
    } else {
        Box::new(fs::File::create(output).map_err(|e| format!("{}: {}", output, e))?)
    };
    let mut w = BufWriter::new(sink);
    let (mut written, mut escalated) = (0usize, 0usize);
    for (i, r) in rows.iter().enumerate() {
        let selected = keep == n || (i * keep) / n != ((i + 1) * keep) / n;
        if !selected {
            continue;
        }
        let (line, escalate) = conversation_json(r);
        writeln!(w, "{}", line).map_err(|e| format!("{}: {}", output, e))?;
        written += 1;
        escalated += usize::from(escalate);
    }
    w.flush().map_err(|e| format!("{}: {}", output, e))?;
    eprintln!(
        "import_bitext: {} conversations written ({} expected to escalate), {} rows skipped",
        written, escalated, bad
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 || args.len() > 4 || args.iter().any(|a| a == "-h" || a == "--help") {
        return usage();
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("import_bitext: {}", e);
            ExitCode::from(2)
        }
    }
}
