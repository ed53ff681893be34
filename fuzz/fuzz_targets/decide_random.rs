//! A small random policy built from the fuzz input (fields, values, queues
//! and literals from a fixed vocabulary), decided on random facts, compared
//! with a direct interpreter of SPEC 2.2 and 2.4 written here: the action,
//! queue, priority, winning rule, matched rules, tags, attach and missing
//! fields must all agree, and facts that do not fit must be an error.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value as Json};

// ---- the vocabulary ---------------------------------------------------------------

const CAT: [&str; 4] = ["a", "b", "c", "d"];
const LVL: [&str; 4] = ["l0", "l1", "l2", "l3"];
const TAGS: [&str; 3] = ["x", "y", "z"];
const QUEUES: [&str; 3] = ["q0", "q1", "q2"];
const PRIOS: [&str; 4] = ["low", "normal", "high", "urgent"];
const LABELS: [&str; 3] = ["t0", "t1", "t2"];
const ITEMS: [&str; 6] = ["question", "summary", "sources", "history", "cat", "msg"];
/// field index by declaration order
const FIELDS: [&str; 7] = ["cat", "lvl", "num", "cnt", "flag", "tags", "msg"];
const F_CAT: usize = 0;
const F_LVL: usize = 1;

/// number literals as written, with their values (all inside 0..100)
const NUM_LITS: [(&str, f64); 10] = [
    ("0", 0.0),
    ("1", 1.0),
    ("2.5", 2.5),
    ("5", 5.0),
    ("10", 10.0),
    ("50%", 0.5),
    ("99.5", 99.5),
    ("100", 100.0),
    ("th_num", 2.5),
    ("th_cnt", 3.0),
];
const NUM_FACTS: [f64; 12] = [0.0, 0.25, 0.5, 1.0, 2.4999, 2.5, 2.5001, 5.0, 10.0, 50.0, 99.5, 100.0];
const CNT_LITS: [(&str, f64); 9] = [
    ("0", 0.0),
    ("1", 1.0),
    ("2", 2.0),
    ("3", 3.0),
    ("5", 5.0),
    ("th_cnt", 3.0),
    ("2.5", 2.5),
    ("th_num", 2.5),
    ("50%", 0.5),
];
/// text literals (policy source, value)
const STRS: [(&str, &str); 4] = [("\"hello\"", "hello"), ("\"LO\"", "LO"), ("\"\"", ""), ("\"cancel now\"", "cancel now")];
const REGEXES: [(&str, &str); 4] = [
    ("\"^h\"", "^h"),
    ("\"(?i)cancel|x\\d\"", "(?i)cancel|x\\d"),
    ("\"o$\"", "o$"),
    ("\"\"", ""),
];
const MSG_FACTS: [&str; 6] = ["", "hello", "HELLO world", "cancel now", "x1", "Hello"];

// ---- the policy as data --------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Answer,
    Draft,
    Route,
    Human,
}

#[derive(Clone, Debug)]
struct Act {
    kind: Kind,
    queue: Option<usize>,
}

#[derive(Clone, Copy, Debug)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn text(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
    fn holds<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
        }
    }
}

#[derive(Clone, Debug)]
enum Atom {
    CatEq(bool, usize),
    CatIn(bool, u8),
    LvlCmp(Cmp, usize, bool),
    LvlIn(bool, u8),
    Num(Cmp, usize),
    Cnt(Cmp, usize),
    Flag,
    FlagEq(bool, bool),
    Has(usize),
    HasAny(u8),
    HasAll(u8),
    Contains(usize),
    Matches(usize),
    MsgEq(bool, usize),
    Missing(usize, bool),
}

#[derive(Clone, Debug)]
enum Cond {
    Atom(Atom),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

#[derive(Debug)]
struct Rule {
    name: String,
    /// written with only the parentheses precedence needs
    bare: bool,
    note: bool,
    cond: Cond,
    act: Act,
    priority: usize,
    tags: Vec<usize>,
    attach: Vec<usize>,
}

#[derive(Debug)]
struct Auto {
    field: usize,
    /// the action for each of the field's 4 values, None: not listed
    by_value: [Option<usize>; 4],
    entries: Vec<Act>,
    otherwise: Option<Act>,
}

#[derive(Debug, Default)]
struct Pol {
    auto: Option<Auto>,
    ticket: Vec<usize>,
    rules: Vec<Rule>,
}

// ---- generation ---------------------------------------------------------------------------

fn mask(u: &mut Unstructured, n: u32) -> Result<u8> {
    let m = u.int_in_range(1..=((1u32 << n) - 1))?;
    Ok(m as u8)
}

fn names(m: u8, vocab: &[&str]) -> String {
    let v: Vec<&str> = (0..vocab.len()).filter(|i| m & (1 << i) != 0).map(|i| vocab[i]).collect();
    format!("{{ {} }}", v.join(", "))
}

fn cmp(u: &mut Unstructured) -> Result<Cmp> {
    Ok(*u.choose(&[Cmp::Eq, Cmp::Ne, Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge])?)
}

fn atom(u: &mut Unstructured) -> Result<Atom> {
    Ok(match u.int_in_range(0..=14u8)? {
        0 => Atom::CatEq(u.arbitrary()?, u.choose_index(4)?),
        1 => Atom::CatIn(u.arbitrary()?, mask(u, 4)?),
        2 => Atom::LvlCmp(cmp(u)?, u.choose_index(4)?, u.arbitrary()?),
        3 => Atom::LvlIn(u.arbitrary()?, mask(u, 4)?),
        4 => Atom::Num(cmp(u)?, u.choose_index(NUM_LITS.len())?),
        5 => Atom::Cnt(cmp(u)?, u.choose_index(CNT_LITS.len())?),
        6 => Atom::Flag,
        7 => Atom::FlagEq(u.arbitrary()?, u.arbitrary()?),
        8 => Atom::Has(u.choose_index(3)?),
        9 => Atom::HasAny(mask(u, 3)?),
        10 => Atom::HasAll(mask(u, 3)?),
        11 => Atom::Contains(u.choose_index(STRS.len())?),
        12 => Atom::Matches(u.choose_index(REGEXES.len())?),
        13 => Atom::MsgEq(u.arbitrary()?, u.choose_index(STRS.len())?),
        _ => Atom::Missing(u.choose_index(FIELDS.len())?, u.arbitrary()?),
    })
}

fn cond(u: &mut Unstructured, depth: u32) -> Result<Cond> {
    if depth >= 3 || u.ratio(1, 2)? {
        return Ok(Cond::Atom(atom(u)?));
    }
    Ok(match u.int_in_range(0..=2u8)? {
        0 => Cond::Not(Box::new(cond(u, depth + 1)?)),
        1 => Cond::And(Box::new(cond(u, depth + 1)?), Box::new(cond(u, depth + 1)?)),
        _ => Cond::Or(Box::new(cond(u, depth + 1)?), Box::new(cond(u, depth + 1)?)),
    })
}

fn act(u: &mut Unstructured) -> Result<Act> {
    let kind = *u.choose(&[Kind::Answer, Kind::Draft, Kind::Route, Kind::Human])?;
    let queue = match kind {
        Kind::Answer => None,
        Kind::Draft => {
            if u.arbitrary()? {
                Some(u.choose_index(3)?)
            } else {
                None
            }
        }
        _ => Some(u.choose_index(3)?),
    };
    Ok(Act { kind, queue })
}

fn subset(u: &mut Unstructured, n: usize, max: usize) -> Result<Vec<usize>> {
    let k = u.int_in_range(0..=max)?;
    (0..k).map(|_| u.choose_index(n)).collect()
}

fn policy(u: &mut Unstructured) -> Result<Pol> {
    let mut p = Pol::default();
    if u.arbitrary()? {
        let n = u.int_in_range(1..=3usize)?;
        let entries = (0..n).map(|_| act(u)).collect::<Result<Vec<_>>>()?;
        let mut by_value = [None; 4];
        for slot in &mut by_value {
            if u.arbitrary()? {
                *slot = Some(u.choose_index(n)?);
            }
        }
        let otherwise = if u.arbitrary()? { Some(act(u)?) } else { None };
        p.auto = Some(Auto {
            field: if u.arbitrary()? { F_CAT } else { F_LVL },
            by_value,
            entries,
            otherwise,
        });
    }
    p.ticket = subset(u, ITEMS.len(), 3)?;
    let n = u.int_in_range(0..=6usize)?;
    for i in 0..n {
        let named: bool = u.arbitrary()?;
        p.rules.push(Rule {
            name: if named { format!("r{i}") } else { String::new() },
            bare: u.arbitrary()?,
            note: u.ratio(1, 4)?,
            cond: cond(u, 0)?,
            act: act(u)?,
            priority: if u.arbitrary()? { u.choose_index(4)? } else { 9 },
            tags: subset(u, 3, 2)?,
            attach: subset(u, ITEMS.len(), 2)?,
        });
    }
    Ok(p)
}

// ---- the policy as text -------------------------------------------------------------

fn atom_text(a: &Atom) -> String {
    let not = |b: bool| if b { "not " } else { "" };
    match a {
        Atom::CatEq(ne, v) => format!("cat {} {}", if *ne { "!=" } else { "=" }, CAT[*v]),
        Atom::CatIn(n, m) => format!("cat {}in {}", not(*n), names(*m, &CAT)),
        Atom::LvlCmp(c, v, via_let) => {
            if *via_let {
                format!("lvl {} th_lvl", c.text())
            } else {
                format!("lvl {} {}", c.text(), LVL[*v])
            }
        }
        Atom::LvlIn(n, m) => format!("lvl {}in {}", not(*n), names(*m, &LVL)),
        Atom::Num(c, i) => format!("num {} {}", c.text(), NUM_LITS[*i].0),
        Atom::Cnt(c, i) => format!("cnt {} {}", c.text(), CNT_LITS[*i].0),
        Atom::Flag => "flag".to_string(),
        Atom::FlagEq(ne, b) => format!("flag {} {}", if *ne { "!=" } else { "=" }, b),
        Atom::Has(v) => format!("tags has {}", TAGS[*v]),
        Atom::HasAny(m) => format!("tags has any {}", names(*m, &TAGS)),
        Atom::HasAll(m) => format!("tags has all {}", names(*m, &TAGS)),
        Atom::Contains(i) => format!("msg contains {}", STRS[*i].0),
        Atom::Matches(i) => format!("msg matches {}", REGEXES[*i].0),
        Atom::MsgEq(ne, i) => format!("msg {} {}", if *ne { "!=" } else { "=" }, STRS[*i].0),
        Atom::Missing(f, present) => format!("{} is {}", FIELDS[*f], if *present { "present" } else { "missing" }),
    }
}

fn cond_text(c: &Cond) -> String {
    let sub = |c: &Cond| match c {
        Cond::Atom(a) => atom_text(a),
        other => format!("({})", cond_text(other)),
    };
    match c {
        Cond::Atom(a) => atom_text(a),
        Cond::Not(x) => format!("not {}", sub(x)),
        Cond::And(x, y) => format!("{} and {}", sub(x), sub(y)),
        Cond::Or(x, y) => format!("{} or {}", sub(x), sub(y)),
    }
}

/// `not` binds tighter than `and`, which binds tighter than `or`.
fn bare_text(c: &Cond) -> String {
    match c {
        Cond::Atom(a) => atom_text(a),
        Cond::Not(x) => match **x {
            Cond::Atom(_) | Cond::Not(_) => format!("not {}", bare_text(x)),
            _ => format!("not ({})", bare_text(x)),
        },
        Cond::And(x, y) => {
            let side = |c: &Cond| match c {
                Cond::Or(..) => format!("({})", bare_text(c)),
                _ => bare_text(c),
            };
            format!("{} and {}", side(x), side(y))
        }
        Cond::Or(x, y) => format!("{} or {}", bare_text(x), bare_text(y)),
    }
}

fn act_text(a: &Act) -> String {
    let kw = match a.kind {
        Kind::Answer => "answer",
        Kind::Draft => "draft",
        Kind::Route => "route",
        Kind::Human => "human",
    };
    match a.queue {
        Some(q) => format!("{kw} \"{}\"", QUEUES[q]),
        None => kw.to_string(),
    }
}

/// The policy text; unnamed rules get their names (`line N`) here.
fn text(p: &mut Pol, u: &mut Unstructured) -> Result<String> {
    let mut lines: Vec<String> = vec![
        "policy \"fuzz\"".into(),
        "field cat: enum { a, b, c, d }".into(),
        "field lvl: level { l0 < l1 < l2 < l3 }".into(),
        "field num: number 0..100".into(),
        "field cnt: int 0..".into(),
        "field flag: bool".into(),
        "field tags: set { x, y, z }".into(),
        "field msg: text".into(),
        "let th_num = 2.5".into(),
        "let th_cnt = 3".into(),
        "let th_lvl = l2".into(),
        "queue \"q0\" sla 1h".into(),
        "queue \"q1\"".into(),
        "queue \"q2\" \"the third\"".into(),
    ];
    if !p.ticket.is_empty() {
        let items: Vec<&str> = p.ticket.iter().map(|&i| ITEMS[i]).collect();
        lines.push(format!("ticket requires {}", items.join(", ")));
    }
    if let Some(a) = &p.auto {
        lines.push(format!("automation by {} {{", FIELDS[a.field]));
        let vocab = if a.field == F_CAT { &CAT } else { &LVL };
        for (e, act) in a.entries.iter().enumerate() {
            let vals: Vec<&str> = (0..4).filter(|&v| a.by_value[v] == Some(e)).map(|v| vocab[v]).collect();
            if !vals.is_empty() {
                lines.push(format!("  {} => {}", vals.join(", "), act_text(act)));
            }
        }
        if let Some(o) = &a.otherwise {
            lines.push(format!("  otherwise => {}", act_text(o)));
        }
        lines.push("}".into());
    }
    for r in &mut p.rules {
        let mut mods = Vec::new();
        if r.priority < 4 {
            mods.push(format!("priority {}", PRIOS[r.priority]));
        }
        for &t in &r.tags {
            mods.push(format!("tag \"{}\"", LABELS[t]));
        }
        if r.note {
            mods.push("note \"say \\\"sorry\\\" \\d\"".to_string());
        }
        if !r.attach.is_empty() {
            let items: Vec<&str> = r.attach.iter().map(|&i| ITEMS[i]).collect();
            mods.push(format!("attach {}", items.join(", ")));
        }
        let split: bool = u.arbitrary()?;
        let cond = if r.bare { bare_text(&r.cond) } else { cond_text(&r.cond) };
        if r.name.is_empty() {
            r.name = format!("line {}", lines.len() + 1);
            lines.push(format!("when {} then {}", cond, act_text(&r.act)));
        } else {
            lines.push(format!("rule \"{}\"", r.name));
            lines.push(format!("  when {cond}"));
            lines.push(format!("  then {}", act_text(&r.act)));
        }
        for m in mods {
            if split {
                lines.push(format!("    {m}"));
            } else if let Some(last) = lines.last_mut() {
                last.push(' ');
                last.push_str(&m);
            }
        }
    }
    Ok(lines.join("\n") + "\n")
}

// ---- facts ----------------------------------------------------------------------------------

#[derive(Clone, Debug, Default)]
struct F {
    cat: Option<usize>,
    lvl: Option<usize>,
    num: Option<f64>,
    cnt: Option<i64>,
    flag: Option<bool>,
    tags: Option<u8>,
    msg: Option<&'static str>,
}

/// Random facts; the bool says whether they hold a value that does not fit.
fn facts(u: &mut Unstructured) -> Result<(F, Json, bool)> {
    let mut f = F::default();
    let mut j = Map::new();
    let mut bad = false;
    // 0: left out, 1: null, 2: bad, otherwise a good value
    let pick = |u: &mut Unstructured, j: &mut Map<String, Json>, name: &str| -> Result<u8> {
        let c = u.int_in_range(0..=9u8)?;
        if c == 1 {
            j.insert(name.into(), Json::Null);
        }
        Ok(c)
    };
    match pick(u, &mut j, "cat")? {
        0 | 1 => {}
        2 => {
            bad = true;
            j.insert("cat".into(), json!(*u.choose(&["e", "A", "l0"])?));
        }
        _ => {
            let v = u.choose_index(4)?;
            f.cat = Some(v);
            j.insert("cat".into(), json!(CAT[v]));
        }
    }
    match pick(u, &mut j, "lvl")? {
        0 | 1 => {}
        2 => {
            bad = true;
            j.insert("lvl".into(), json!(1));
        }
        _ => {
            let v = u.choose_index(4)?;
            f.lvl = Some(v);
            j.insert("lvl".into(), json!(LVL[v]));
        }
    }
    match pick(u, &mut j, "num")? {
        0 | 1 => {}
        2 => {
            bad = true;
            j.insert("num".into(), json!(*u.choose(&[-1.0, 100.5, 1e9])?));
        }
        _ => {
            let v = *u.choose(&NUM_FACTS)?;
            f.num = Some(v);
            j.insert("num".into(), json!(v));
        }
    }
    match pick(u, &mut j, "cnt")? {
        0 | 1 => {}
        2 => {
            bad = true;
            j.insert("cnt".into(), json!(*u.choose(&[-1.0, 2.5])?));
        }
        _ => {
            let v = u.int_in_range(0..=6i64)?;
            f.cnt = Some(v);
            // a whole number written as a float fits an int field
            j.insert("cnt".into(), if u.arbitrary()? { json!(v as f64) } else { json!(v) });
        }
    }
    match pick(u, &mut j, "flag")? {
        0 | 1 => {}
        2 => {
            bad = true;
            j.insert("flag".into(), json!("true"));
        }
        _ => {
            let v: bool = u.arbitrary()?;
            f.flag = Some(v);
            j.insert("flag".into(), json!(v));
        }
    }
    match pick(u, &mut j, "tags")? {
        0 | 1 => {}
        2 => {
            bad = true;
            j.insert("tags".into(), json!(["x", "w"]));
        }
        _ => {
            let m: u8 = u.int_in_range(0..=7u8)?;
            f.tags = Some(m);
            let mut list: Vec<&str> = (0..3).filter(|i| m & (1 << i) != 0).map(|i| TAGS[i]).collect();
            if u.arbitrary()? {
                list.extend(list.clone()); // repeats are allowed
            }
            j.insert("tags".into(), json!(list));
        }
    }
    match pick(u, &mut j, "msg")? {
        0 | 1 => {}
        2 => {
            bad = true;
            j.insert("msg".into(), json!(["hello"]));
        }
        _ => {
            let v = *u.choose(&MSG_FACTS)?;
            f.msg = Some(v);
            j.insert("msg".into(), json!(v));
        }
    }
    if u.arbitrary()? {
        j.insert("undeclared".into(), json!({"ignored": true}));
    }
    Ok((f, Json::Object(j), bad))
}

// ---- the interpreter -------------------------------------------------------------------

fn present(f: &F, field: usize) -> bool {
    match field {
        0 => f.cat.is_some(),
        1 => f.lvl.is_some(),
        2 => f.num.is_some(),
        3 => f.cnt.is_some(),
        4 => f.flag.is_some(),
        5 => f.tags.is_some(),
        _ => f.msg.is_some(),
    }
}

/// Compiled once: compiling them for every test took a fifth of the time.
fn compiled_regexes() -> &'static [regex::Regex] {
    static CELL: std::sync::OnceLock<Vec<regex::Regex>> = std::sync::OnceLock::new();
    CELL.get_or_init(|| REGEXES.iter().map(|(_, r)| regex::Regex::new(r).unwrap()).collect())
}

fn eval_atom(a: &Atom, f: &F) -> bool {
    let in_mask = |m: u8, v: usize| m & (1 << v) != 0;
    match a {
        Atom::CatEq(ne, v) => f.cat.is_some_and(|c| (c == *v) != *ne),
        Atom::CatIn(not, m) => f.cat.is_some_and(|c| in_mask(*m, c) != *not),
        Atom::LvlCmp(c, v, via_let) => {
            let v = if *via_let { 2 } else { *v };
            f.lvl.is_some_and(|l| c.holds(l, v))
        }
        Atom::LvlIn(not, m) => f.lvl.is_some_and(|l| in_mask(*m, l) != *not),
        Atom::Num(c, i) => f.num.is_some_and(|x| c.holds(x, NUM_LITS[*i].1)),
        Atom::Cnt(c, i) => f.cnt.is_some_and(|x| c.holds(x as f64, CNT_LITS[*i].1)),
        Atom::Flag => f.flag == Some(true),
        Atom::FlagEq(ne, b) => f.flag.is_some_and(|x| (x == *b) != *ne),
        Atom::Has(v) => f.tags.is_some_and(|m| in_mask(m, *v)),
        Atom::HasAny(m) => f.tags.is_some_and(|t| t & m != 0),
        Atom::HasAll(m) => f.tags.is_some_and(|t| t & m == *m),
        Atom::Contains(i) => f.msg.is_some_and(|s| s.to_lowercase().contains(&STRS[*i].1.to_lowercase())),
        Atom::Matches(i) => f.msg.is_some_and(|s| compiled_regexes()[*i].is_match(s)),
        Atom::MsgEq(ne, i) => f.msg.is_some_and(|s| (s == STRS[*i].1) != *ne),
        Atom::Missing(field, want_present) => present(f, *field) == *want_present,
    }
}

fn eval(c: &Cond, f: &F) -> bool {
    match c {
        Cond::Atom(a) => eval_atom(a, f),
        Cond::Not(x) => !eval(x, f),
        Cond::And(x, y) => eval(x, f) && eval(y, f),
        Cond::Or(x, y) => eval(x, f) || eval(y, f),
    }
}

fn reads(c: &Cond, out: &mut [bool; 7]) {
    match c {
        Cond::Atom(a) => {
            let field = match a {
                Atom::CatEq(..) | Atom::CatIn(..) => 0,
                Atom::LvlCmp(..) | Atom::LvlIn(..) => 1,
                Atom::Num(..) => 2,
                Atom::Cnt(..) => 3,
                Atom::Flag | Atom::FlagEq(..) => 4,
                Atom::Has(..) | Atom::HasAny(..) | Atom::HasAll(..) => 5,
                Atom::Contains(..) | Atom::Matches(..) | Atom::MsgEq(..) => 6,
                Atom::Missing(f, _) => *f,
            };
            out[field] = true;
        }
        Cond::Not(x) => reads(x, out),
        Cond::And(x, y) | Cond::Or(x, y) => {
            reads(x, out);
            reads(y, out);
        }
    }
}

#[derive(Debug, PartialEq)]
struct Expect {
    action: &'static str,
    queue: Option<&'static str>,
    priority: Option<&'static str>,
    rule: Option<String>,
    matched: Vec<String>,
    tags: Vec<&'static str>,
    attach: Vec<&'static str>,
    missing: Vec<&'static str>,
}

fn kind_str(k: Kind) -> &'static str {
    match k {
        Kind::Answer => "answer",
        Kind::Draft => "draft",
        Kind::Route => "route",
        Kind::Human => "human",
    }
}

fn rank(p: usize) -> usize {
    if p < 4 {
        p
    } else {
        1 // normal
    }
}

fn decide(p: &Pol, f: &F) -> Expect {
    let answer = Act { kind: Kind::Answer, queue: None };
    let base = match &p.auto {
        None => answer.clone(),
        Some(a) => {
            let v = if a.field == F_CAT { f.cat } else { f.lvl };
            match v.and_then(|v| a.by_value[v]) {
                Some(e) => a.entries[e].clone(),
                None => a.otherwise.clone().unwrap_or(answer.clone()),
            }
        }
    };
    let matched: Vec<&Rule> = p.rules.iter().filter(|r| eval(&r.cond, f)).collect();
    let action = matched.iter().map(|r| r.act.kind).fold(base.kind, Kind::max);
    let mut winner: Option<&Rule> = None;
    for r in matched.iter().filter(|r| r.act.kind == action) {
        if winner.is_none_or(|w| rank(r.priority) > rank(w.priority)) {
            winner = Some(r);
        }
    }
    let (queue, priority) = match (action, winner) {
        (Kind::Answer, _) => (None, None),
        (_, Some(w)) => (w.act.queue, Some(PRIOS[rank(w.priority)])),
        (_, None) => (base.queue, Some("normal")),
    };
    let mut tags = Vec::new();
    let mut attach = Vec::new();
    if action != Kind::Answer {
        for &i in &p.ticket {
            if !attach.contains(&ITEMS[i]) {
                attach.push(ITEMS[i]);
            }
        }
    }
    for r in &matched {
        for &t in &r.tags {
            if !tags.contains(&LABELS[t]) {
                tags.push(LABELS[t]);
            }
        }
        if action != Kind::Answer {
            for &i in &r.attach {
                if !attach.contains(&ITEMS[i]) {
                    attach.push(ITEMS[i]);
                }
            }
        }
    }
    let mut read = [false; 7];
    for r in &p.rules {
        reads(&r.cond, &mut read);
    }
    if let Some(a) = &p.auto {
        read[a.field] = true;
    }
    let missing = (0..7).filter(|&i| read[i] && !present(f, i)).map(|i| FIELDS[i]).collect();
    Expect {
        action: kind_str(action),
        queue: queue.map(|q| QUEUES[q]),
        priority,
        rule: winner.map(|w| w.name.clone()),
        matched: matched.iter().map(|r| r.name.clone()).collect(),
        tags,
        attach,
        missing,
    }
}

/// An `example` block giving these facts and expecting this decision.
fn example_text(n: usize, f: &F, e: &Expect) -> String {
    let mut facts = Vec::new();
    if let Some(v) = f.cat {
        facts.push(format!("cat = {}", CAT[v]));
    }
    if let Some(v) = f.lvl {
        facts.push(format!("lvl = {}", LVL[v]));
    }
    if let Some(v) = f.num {
        facts.push(format!("num = {v}"));
    }
    if let Some(v) = f.cnt {
        facts.push(format!("cnt = {v}"));
    }
    if let Some(v) = f.flag {
        facts.push(format!("flag = {v}"));
    }
    if let Some(m) = f.tags {
        facts.push(format!("tags = {}", names(m, &TAGS)));
    }
    if let Some(v) = f.msg {
        facts.push(format!("msg = \"{v}\""));
    }
    let mut expect = e.action.to_string();
    if let Some(q) = e.queue {
        expect.push_str(&format!(" \"{q}\""));
    }
    if let Some(p) = e.priority {
        expect.push_str(&format!(" priority {p}"));
    }
    for t in &e.tags {
        expect.push_str(&format!(" tag \"{t}\""));
    }
    format!("example \"e{n}\" {{\n  {}\n}} expect {expect}\n", facts.join(", "))
}

fn expect_of(d: &handover::Decision<'_>) -> Expect {
    let pick = |vocab: &[&'static str], s: &str| -> &'static str {
        vocab[vocab.iter().position(|x| *x == s).unwrap_or_else(|| panic!("`{s}` is not in {vocab:?}"))]
    };
    Expect {
        action: pick(&["answer", "draft", "route", "human"], d.action.as_str()),
        queue: d.queue.map(|q| pick(&QUEUES, q)),
        priority: d.priority.map(|p| pick(&PRIOS, p.as_str())),
        rule: d.rule.map(str::to_string),
        matched: d.matched.iter().map(|s| s.to_string()).collect(),
        tags: d.tags.iter().map(|t| pick(&LABELS, t)).collect(),
        attach: d.attach.iter().map(|t| pick(&ITEMS, t)).collect(),
        missing: d.missing.iter().map(|t| pick(&FIELDS, t)).collect(),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(mut pol) = policy(&mut u) else { return };
    let Ok(mut src) = text(&mut pol, &mut u) else { return };
    let mut cases = Vec::new();
    for _ in 0..8 {
        let Ok(case) = facts(&mut u) else { break };
        cases.push(case);
    }
    // the first fitting facts (without an empty set) also become examples
    let examples: Vec<(&F, Expect)> = cases
        .iter()
        .filter(|(f, _, bad)| !bad && f.tags != Some(0))
        .take(2)
        .map(|(f, _, _)| (f, decide(&pol, f)))
        .collect();
    for (n, (f, e)) in examples.iter().enumerate() {
        src.push_str(&example_text(n, f, e));
    }
    let compiled = match handover::Policy::from_text("fuzz.handover", &src) {
        Ok(p) => p,
        Err(handover::LoadError::Invalid(c)) => {
            let errors: Vec<String> = c
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| format!("{} {:?}: {}", d.code.as_str(), c.files[0].slice(d.span), d.message))
                .collect();
            if errors.iter().all(|e| e.starts_with("too-complex")) {
                return;
            }
            panic!("a well-formed policy does not compile:\n{src}\n{errors:#?}");
        }
        Err(e) => panic!("{e}"),
    };
    for (f, json, bad) in &cases {
        let facts = match (compiled.facts(json), bad) {
            (Ok(facts), false) => facts,
            (Err(_), true) => continue,
            (Ok(_), true) => panic!("facts that do not fit were accepted: {json}\n{src}"),
            (Err(e), false) => panic!("facts that fit were refused: {json}: {}\n{src}", e.message),
        };
        let got = expect_of(&compiled.decide(&facts));
        let want = decide(&pol, f);
        assert_eq!(got, want, "the policy and the interpreter disagree on {json}\n{src}");
    }
    let results = handover::testing::run_examples(&compiled);
    assert_eq!(results.len(), examples.len());
    for (r, (_, want)) in results.iter().zip(&examples) {
        assert!(r.passed(), "example e{} fails: {:?}\n{src}", r.index, r.failures);
        assert_eq!(&expect_of(&r.decision), want, "example e{} decides differently\n{src}", r.index);
    }
});
