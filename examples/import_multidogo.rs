//! Turn MultiDoGO's turn-level annotations into `handover` conversations.
//!
//! ```text
//! cargo run --release --example import_multidogo -- INPUT_DIR OUTPUT.jsonl [MAX] [DOMAINS]
//! ```
//!
//! * `INPUT_DIR` holds one folder per domain (`airline`, `finance`, ...), each
//!   with tab-separated files (`dev.tsv`, `test.tsv`, `train.tsv`) whose header
//!   names the columns `conversationId`, `turnNumber`, `utterance` and `intent`
//!   (`utteranceId` and `slot-labels` are read past).
//! * `OUTPUT.jsonl` receives one conversation per line in the format of
//!   SPEC section 4; `-` writes to standard output.
//! * `MAX` (optional, `0` or `all` for no limit) caps the number of
//!   conversations; they are taken round-robin across the domains so that every
//!   domain gets an even share, each domain's in file order.
//! * `DOMAINS` (optional) is a comma-separated list of domain folders to read;
//!   by default every folder of `INPUT_DIR`, in name order.
//!
//! The output is deterministic: the same input and arguments give the same
//! bytes. Rows that cannot be read (wrong number of columns, an unterminated
//! quote, an empty conversation id, a turn number that is not a number, an
//! empty intent) are reported on standard error with their file and line and
//! skipped. Exit status: 0 on success (even with skipped rows), 2 on a usage or
//! I/O error.
//!
//! The facts and the `expected` labels are OUR mapping of MultiDoGO's intent
//! annotations; MultiDoGO itself has no escalation, risk or queue labels. See
//! `examples/multidogo/README.md` for the mapping written out.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

// ---------------------------------------------------------------------------
// Our label mapping
// ---------------------------------------------------------------------------

/// The `category` fact for a task intent. Dialogue-level intents
/// (`openinggreeting`, `confirmation`, ...) have no category.
fn category_of(intent: &str) -> Option<&'static str> {
    Some(match intent {
        // airline
        "bookflight" => "booking",
        "changeseatassignment" => "seat_change",
        "getseatinfo" => "seat_info",
        "getboardingpass" => "boarding_pass",
        // fastfood
        "orderburgerintent"
        | "orderdrinkintent"
        | "orderpizzaintent"
        | "ordersaladintent"
        | "ordersideintent"
        | "orderdessertintent"
        | "orderbreakfastintent" => "food_order",
        // finance
        "checkbalance" => "balance",
        "transfermoney" => "transfer",
        "checkoffereligibility" => "offers",
        "updateaddress" => "address_change",
        "disputecharge" => "dispute",
        "orderchecks" => "checks",
        "closeaccount" => "close_account",
        "getroutingnumber" => "routing_number",
        "replacecard" => "card_replacement",
        "openaccount" => "open_account",
        "reportlostcard" => "lost_card",
        // insurance
        "getproofofinsurance" => "proof_of_insurance",
        "reportbrokenphone" => "claim",
        "checkclaimstatus" => "claim_status",
        // media
        "upgradeserviceintent" => "upgrade",
        "getchannelpackageintent" => "channel_info",
        "getinformationintent" => "service_info",
        "cancelserviceintent" => "cancel_service",
        "startserviceintent" => "start_service",
        "viewdatausageintent" => "data_usage",
        "updateaccountinfo" => "account_update",
        "transferserviceintent" => "move_service",
        "viewbillsintent" => "billing",
        // software
        "softwareupdate" => "software_update",
        "reportbrokensoftware" => "broken_software",
        "expensereport" => "expense_report",
        "checkserverstatus" => "server_status",
        "startorder" | "changeorder" | "stoporder" => "purchase_order",
        "getpromotions" => "promotions",
        "providereceipt" => "receipt",
        _ => return None,
    })
}

/// Intents that carry no task: they never set a category.
const DIALOGUE_INTENTS: &[&str] = &[
    "openinggreeting",
    "closinggreeting",
    "confirmation",
    "rejection",
    "thankyou",
    "contentonly",
    "outofdomain",
];

/// The `risk` values, in the order the policy declares them.
const RISKS: &[&str] = &["payment", "fraud", "account_access", "personal_data"];

/// Risk values raised by a task intent.
fn risks_of(intent: &str) -> &'static [&'static str] {
    match intent {
        "transfermoney" | "orderchecks" => &["payment"],
        "disputecharge" => &["payment", "fraud"],
        "reportlostcard" => &["fraud", "account_access"],
        "replacecard" | "closeaccount" => &["account_access"],
        "updateaddress" | "updateaccountinfo" | "openaccount" => &["personal_data"],
        _ => &[],
    }
}

/// Intents that, in our labelling, a person must handle, with the queue.
fn human_queue_of(intent: &str) -> Option<&'static str> {
    match intent {
        "disputecharge" => Some("disputes"),
        "reportlostcard" => Some("cards"),
        "closeaccount" | "cancelserviceintent" => Some("retention"),
        "reportbrokenphone" => Some("claims"),
        _ => None,
    }
}

/// Small talk that annotators also marked `outofdomain`; such turns are not a
/// request the agent failed to serve.
const SMALL_TALK: &[&str] = &[
    "are you there",
    "you there",
    "still there",
    "connected",
    "thank",
    "sorry",
    "bye",
    "wait",
    "take your time",
    "minute",
    "hold on",
    "carry on",
    "your response",
    "nice to",
];

/// Words that make a turn a request.
const REQUEST_CUES: &[&str] = &[
    "need",
    "want",
    "would like",
    "help",
    "how",
    "what",
    "which",
    "why",
    "where",
    "when",
    "can i",
    "can you",
    "could you",
    "do you",
    "is there",
    "tell me",
    "reimburs",
];

/// In our labelling an `outofdomain` turn is a real request the agent could not
/// serve when it has at least four words, asks for something (one of
/// `REQUEST_CUES`) and is not small talk (`SMALL_TALK`).
fn is_substantive_request(text: &str) -> bool {
    let lower = text.to_lowercase();
    let words = lower.split_whitespace().count();
    words >= 4
        && REQUEST_CUES.iter().any(|p| lower.contains(p))
        && !SMALL_TALK.iter().any(|p| lower.contains(p))
}

// ---------------------------------------------------------------------------
// Reading quoted TSV
// ---------------------------------------------------------------------------

/// One record of a tab-separated file: its fields and the line it starts on.
struct Record {
    line: usize,
    fields: Vec<String>,
}

/// Splits tab-separated text into records. A field that starts with `"` is
/// quoted: it runs to the next `"` that is not doubled, may hold tabs and line
/// breaks, and `""` inside it stands for one `"`. A `"` elsewhere is an
/// ordinary character. `\r\n` ends a record like `\n`. A record whose quote is
/// never closed is returned as an error with its starting line.
fn parse_tsv(text: &str) -> Vec<Result<Record, (usize, String)>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut record_line = 1usize;
    let mut at_field_start = true;
    let mut in_record = false;

    while let Some(c) = chars.next() {
        if at_field_start && c == '"' {
            // quoted field
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
                out.push(Err((
                    record_line,
                    "a quoted field is never closed".to_string(),
                )));
                return out;
            }
            continue;
        }
        match c {
            '\t' => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
                in_record = true;
            }
            '\n' | '\r' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                if in_record || !field.is_empty() {
                    fields.push(std::mem::take(&mut field));
                    out.push(Ok(Record {
                        line: record_line,
                        fields: std::mem::take(&mut fields),
                    }));
                }
                line += 1;
                record_line = line;
                at_field_start = true;
                in_record = false;
            }
            _ => {
                field.push(c);
                at_field_start = false;
                in_record = true;
            }
        }
    }
    if in_record || !field.is_empty() {
        fields.push(field);
        out.push(Ok(Record {
            line: record_line,
            fields,
        }));
    }
    out
}

// ---------------------------------------------------------------------------
// Conversations
// ---------------------------------------------------------------------------

struct Turn {
    number: f64,
    text: String,
    intents: Vec<String>,
}

struct Conversation {
    id: String,
    domain: String,
    turns: Vec<Turn>,
}

struct Reader {
    bad_rows: usize,
    unknown_intents: BTreeSet<String>,
}

impl Reader {
    fn report(&mut self, file: &Path, line: usize, msg: &str) {
        self.bad_rows += 1;
        eprintln!("{}:{}: {}; row skipped", file.display(), line, msg);
    }

    /// Reads one TSV file and appends its conversations (in order of first
    /// appearance) to `convs`.
    fn read_file(
        &mut self,
        path: &Path,
        domain: &str,
        split: &str,
        convs: &mut Vec<Conversation>,
    ) -> Result<(), String> {
        let bytes = fs::read(path).map_err(|e| format!("{}: {}", path.display(), e))?;
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                eprintln!(
                    "{}: not valid UTF-8, invalid bytes replaced",
                    path.display()
                );
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            }
        };
        let mut records = parse_tsv(&text).into_iter();
        let header = match records.next() {
            Some(Ok(h)) => h.fields,
            Some(Err((line, msg))) => return Err(format!("{}:{}: {}", path.display(), line, msg)),
            None => return Err(format!("{}: empty file", path.display())),
        };
        let col = |name: &str| header.iter().position(|h| h.trim() == name);
        let (Some(c_id), Some(c_turn), Some(c_text), Some(c_intent)) = (
            col("conversationId"),
            col("turnNumber"),
            col("utterance"),
            col("intent"),
        ) else {
            return Err(format!(
                "{}:1: the header must name conversationId, turnNumber, utterance and intent",
                path.display()
            ));
        };
        let mut index: HashMap<String, usize> = HashMap::new();
        let first_new = convs.len();
        for rec in records {
            let rec = match rec {
                Ok(r) => r,
                Err((line, msg)) => {
                    self.report(path, line, &msg);
                    continue;
                }
            };
            if rec.fields.len() != header.len() {
                let msg = format!(
                    "expected {} columns, found {}",
                    header.len(),
                    rec.fields.len()
                );
                self.report(path, rec.line, &msg);
                continue;
            }
            let field = |i: usize| rec.fields.get(i).map_or("", |f| f.trim());
            let id = field(c_id);
            if id.is_empty() {
                self.report(path, rec.line, "empty conversationId");
                continue;
            }
            let number = match field(c_turn).parse::<f64>() {
                Ok(n) if n.is_finite() => n,
                _ => {
                    let msg = format!("turnNumber {:?} is not a number", field(c_turn));
                    self.report(path, rec.line, &msg);
                    continue;
                }
            };
            let intents: Vec<String> = field(c_intent)
                .split("<div>")
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if intents.is_empty() {
                self.report(path, rec.line, "empty intent");
                continue;
            }
            for i in &intents {
                if category_of(i).is_none()
                    && !DIALOGUE_INTENTS.contains(&i.as_str())
                    && self.unknown_intents.insert(i.clone())
                {
                    eprintln!(
                        "{}:{}: unknown intent {:?} (kept, without a category)",
                        path.display(),
                        rec.line,
                        i
                    );
                }
            }
            let at = match index.get(id) {
                Some(&k) => k,
                None => {
                    convs.push(Conversation {
                        id: format!("{}/{}/{}", domain, split, id),
                        domain: domain.to_string(),
                        turns: Vec::new(),
                    });
                    index.insert(id.to_string(), convs.len() - 1);
                    convs.len() - 1
                }
            };
            let turn = Turn {
                number,
                text: field(c_text).to_string(),
                intents,
            };
            if let Some(c) = convs.get_mut(at) {
                c.turns.push(turn);
            }
        }
        for c in convs.iter_mut().skip(first_new) {
            c.turns.sort_by(|a, b| a.number.total_cmp(&b.number));
        }
        Ok(())
    }
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

/// The conversation as one JSON line, and whether we expect it to escalate.
fn conversation_json(c: &Conversation) -> (String, bool) {
    let mut category: Option<&'static str> = None;
    let mut risk: BTreeSet<usize> = BTreeSet::new();
    let mut previous_ood = false;
    let mut rejections = 0u32;
    let mut label: Option<(bool, Option<&'static str>, String)> = None;
    let mut first_task_text: Option<&str> = None;
    let mut turns = Vec::new();

    for t in &c.turns {
        let mut facts: Vec<(&str, String)> = Vec::new();
        let has = |name: &str| t.intents.iter().any(|i| i == name);

        if let Some(cat) = t.intents.iter().find_map(|i| category_of(i)) {
            if category != Some(cat) {
                facts.push(("category", js(cat)));
                category = Some(cat);
            }
            if first_task_text.is_none() {
                first_task_text = Some(&t.text);
            }
        }
        let before = risk.len();
        for i in &t.intents {
            for r in risks_of(i) {
                if let Some(k) = RISKS.iter().position(|x| x == r) {
                    risk.insert(k);
                }
            }
        }
        if risk.len() != before {
            let list: Vec<String> = risk
                .iter()
                .filter_map(|&k| RISKS.get(k))
                .map(|r| js(r))
                .collect();
            facts.push(("risk", format!("[{}]", list.join(","))));
        }
        let ood = has("outofdomain");
        if ood {
            facts.push(("out_of_domain", "true".to_string()));
        } else if previous_ood {
            facts.push(("out_of_domain", "false".to_string()));
        }
        previous_ood = ood;
        if has("rejection") {
            rejections += 1;
            facts.push(("rejections", rejections.to_string()));
        }

        if label.is_none() {
            if let Some(q) = t.intents.iter().find_map(|i| human_queue_of(i)) {
                label = Some((true, Some(q), t.text.clone()));
            } else if ood && is_substantive_request(&t.text) {
                label = Some((true, Some("general"), t.text.clone()));
            }
        }

        let mut turn = vec![("role", js("customer")), ("text", js(&t.text))];
        if !facts.is_empty() {
            turn.push(("facts", obj(&facts)));
        }
        turns.push(obj(&turn));
    }

    let (escalate, queue, question) = match label {
        Some((e, q, text)) => (e, q, Some(text)),
        None => (false, None, first_task_text.map(str::to_string)),
    };
    let mut expected = vec![("escalate", escalate.to_string())];
    if let Some(q) = queue {
        expected.push(("queue", js(q)));
    }
    let mut out = vec![
        ("id", js(&c.id)),
        ("facts", obj(&[("domain", js(&c.domain))])),
        ("turns", format!("[{}]", turns.join(","))),
        ("expected", obj(&expected)),
    ];
    if let Some(q) = question.filter(|q| !q.is_empty()) {
        out.push(("context", obj(&[("question", js(&q))])));
    }
    (obj(&out), escalate)
}

// ---------------------------------------------------------------------------

fn usage() -> ExitCode {
    eprintln!("usage: import_multidogo INPUT_DIR OUTPUT.jsonl [MAX|all] [DOMAIN,...]");
    ExitCode::from(2)
}

fn list_dir(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {}", dir.display(), e))?;
    let mut paths = Vec::new();
    for e in entries {
        let e = e.map_err(|e| format!("{}: {}", dir.display(), e))?;
        paths.push(e.path());
    }
    paths.sort();
    Ok(paths)
}

fn run(args: &[String]) -> Result<(), String> {
    let [_, input, output, rest @ ..] = args else {
        return Err("INPUT and OUTPUT.jsonl are required".to_string());
    };
    let input = Path::new(input);
    let max = match rest.first().map(String::as_str) {
        None | Some("all") | Some("0") => usize::MAX,
        Some(s) => s
            .parse::<usize>()
            .map_err(|_| format!("MAX must be a number or `all`, not {:?}", s))?,
    };

    let mut domains: Vec<PathBuf> = list_dir(input)?
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
    if let Some(filter) = args.get(4) {
        let wanted: Vec<&str> = filter
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        for w in &wanted {
            if !domains
                .iter()
                .any(|d| d.file_name().and_then(|n| n.to_str()) == Some(*w))
            {
                return Err(format!("no domain folder {:?} in {}", w, input.display()));
            }
        }
        domains.retain(|d| {
            d.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| wanted.contains(&n))
        });
    }
    if domains.is_empty() {
        return Err(format!("no domain folders in {}", input.display()));
    }

    let mut reader = Reader {
        bad_rows: 0,
        unknown_intents: BTreeSet::new(),
    };
    let mut per_domain: Vec<Vec<Conversation>> = Vec::new();
    for d in &domains {
        let domain = d
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("unknown")
            .to_string();
        let mut convs = Vec::new();
        for f in list_dir(d)? {
            if f.extension().and_then(|e| e.to_str()) != Some("tsv") {
                continue;
            }
            let split = f
                .file_stem()
                .and_then(|n| n.to_str())
                .unwrap_or("data")
                .to_string();
            if let Err(e) = reader.read_file(&f, &domain, &split, &mut convs) {
                eprintln!("{}; file skipped", e);
            }
        }
        per_domain.push(convs);
    }

    // An even share per domain: deal conversations round-robin until MAX.
    let mut quota = vec![0usize; per_domain.len()];
    let mut taken = 0usize;
    let mut progress = true;
    while taken < max && progress {
        progress = false;
        for (q, convs) in quota.iter_mut().zip(&per_domain) {
            if taken < max && *q < convs.len() {
                *q += 1;
                taken += 1;
                progress = true;
            }
        }
    }

    let sink: Box<dyn Write> = if output == "-" {
        Box::new(io::stdout().lock())
    } else {
        Box::new(fs::File::create(output).map_err(|e| format!("{}: {}", output, e))?)
    };
    let mut w = BufWriter::new(sink);
    let mut escalated = 0usize;
    for (convs, &q) in per_domain.iter().zip(&quota) {
        for c in convs.iter().take(q) {
            let (line, escalate) = conversation_json(c);
            escalated += usize::from(escalate);
            writeln!(w, "{}", line).map_err(|e| format!("{}: {}", output, e))?;
        }
    }
    w.flush().map_err(|e| format!("{}: {}", output, e))?;
    eprintln!(
        "import_multidogo: {} conversations written ({} expected to escalate), {} rows skipped",
        taken, escalated, reader.bad_rows
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 || args.len() > 5 || args.iter().any(|a| a == "-h" || a == "--help") {
        return usage();
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("import_multidogo: {}", e);
            ExitCode::from(2)
        }
    }
}
