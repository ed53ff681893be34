//! The commands as a user runs them, on the bundled examples.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_handover"));
    cmd.args(args).current_dir(root()).env("NO_COLOR", "1");
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        // a command that fails on its arguments exits before reading
        let written = child.stdin.take().unwrap().write_all(input.as_bytes());
        if let Err(e) = written {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "panic: {err}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        err,
    )
}

/// A policy written to a scratch folder of its own; its path.
fn write_policy(tag: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("handover-cli-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("p.handover");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn example_dirs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && std::fs::read_dir(p).unwrap().any(|f| {
                    f.unwrap()
                        .path()
                        .extension()
                        .is_some_and(|e| e == "handover")
                })
        })
        .collect();
    v.sort();
    v
}

#[test]
fn examples_check_clean_format_clean_and_pass_their_examples() {
    let dirs = example_dirs();
    assert!(dirs.len() >= 6, "{dirs:?}");
    for d in &dirs {
        let d = d.to_str().unwrap();
        let (code, out, err) = run(&["check", d, "--deny-warnings"], None);
        assert_eq!(code, 0, "{d}: {out}{err}");
        let (code, out, _) = run(&["fmt", "--check", d], None);
        assert_eq!(code, 0, "{d} is not formatted: {out}");
        let (code, out, err) = run(&["test", d], None);
        assert_eq!(code, 0, "{d}: {out}{err}");
        assert!(out.contains(" passed, 0 failed"), "{out}");
    }
}

#[test]
fn compile_in_four_formats() {
    for d in example_dirs() {
        let name = d.file_name().unwrap().to_string_lossy().into_owned();
        let d = d.to_str().unwrap();
        for format in ["json", "table", "markdown", "csv"] {
            let (code, out, err) = run(&["compile", d, "--format", format], None);
            assert_eq!(code, 0, "{err}");
            if format == "json" {
                let v: serde_json::Value = serde_json::from_str(&out).unwrap();
                assert_eq!(v["format"], "handover-table/1");
                assert!(!v["rows"].as_array().unwrap().is_empty());
            }
            if name == "acme" || name == "marketplace" {
                insta::assert_snapshot!(format!("compile_{name}_{format}"), out);
            }
        }
    }
}

#[test]
fn decide_and_explain() {
    let facts = concat!(
        r#"{"id": "a", "facts": {"category": "refund", "value": "vip", "sentiment": "angry", "confidence": 0.4}}"#,
        "\n",
        r#"{"category": "billing", "confidence": 0.9}"#,
        "\n\n",
        r#"{"id": "bad", "facts": {"value": "gold"}}"#,
        "\n"
    );
    let (code, out, _) = run(&["decide", "examples/acme", "--facts", "-"], Some(facts));
    assert_eq!(code, 1, "a bad line makes the run exit 1");
    insta::assert_snapshot!("decide_json", out);
    let (_, out, _) = run(
        &[
            "decide",
            "examples/acme",
            "--facts",
            "-",
            "--explain",
            "--format",
            "human",
        ],
        Some(facts),
    );
    assert!(out.contains("why: `line 30` wins"), "{out}");
    insta::assert_snapshot!("decide_explain_human", out);
    let (_, out, _) = run(
        &["decide", "examples/acme", "--facts", "-", "--explain"],
        Some(facts),
    );
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert!(first["explain"]["rules"].as_array().unwrap().len() == 4);
    assert_eq!(
        first["explain"]["rules"][1]["conditions"][0]["result"],
        "true"
    );
    // a `not` applied to a test is shown and judged: `not` of a test on a
    // missing fact is true; a negated group is shown and judged as a whole
    // first, then its tests as they are
    let p = write_policy(
        "not",
        "field e: enum { a, b }\nfield f: enum { a, b }\nqueue \"q\"\n\
         rule \"x\" when not e in { a } then route \"q\"\n\
         rule \"y\" when e not in { a } then route \"q\"\n\
         rule \"z\" when not (e = a and f = b) then route \"q\"\n\
         rule \"w\" when not (not e = a) then route \"q\"\n",
    );
    let (_, out, _) = run(&["decide", &p, "--facts", "-", "--explain"], Some("{}\n"));
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let traces: Vec<(String, String)> = v["explain"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["conditions"].as_array().unwrap().clone())
        .map(|c| {
            (
                c["condition"].as_str().unwrap().to_string(),
                c["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("not e in { a }", "true"),
        ("e not in { a }", "missing"),
        ("not (e = a and f = b)", "true"),
        ("e = a", "missing"),
        ("f = b", "missing"),
        ("not (not e = a)", "false"),
        ("not e = a", "true"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(traces, want, "{out}");
}

#[test]
fn test_reports_failures_and_junit_is_xml() {
    let dir = std::env::temp_dir().join(format!("handover-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("p.handover");
    std::fs::write(
        &p,
        "field category: enum { refund, other }\nqueue \"billing\"\nwhen category = refund then route \"billing\" priority high\nexample \"refund goes to billing\" { category = refund } expect route \"billing\" priority high\nexample \"wrong on purpose\" { category = refund } expect answer\nexample \"other is answered\" { category = other } expect answer\n",
    )
    .unwrap();
    let p = p.to_str().unwrap();
    let (code, out, _) = run(&["test", p], None);
    assert_eq!(code, 1);
    assert!(out.contains("3 examples: 2 passed, 1 failed"), "{out}");
    assert!(
        out.contains("action: expected `answer`, got `route`"),
        "{out}"
    );
    // a failure names `path:line:col`, which terminals and editors open
    assert!(
        out.contains(&format!("FAIL  wrong on purpose ({p}:5:1)")),
        "{out}"
    );
    // passes too, and every case in JUnit and JSON, says its file
    assert!(
        out.contains(&format!("pass  other is answered ({p}:6:1)")),
        "{out}"
    );
    let (_, json_out, _) = run(&["test", p, "--format", "json"], None);
    let v: serde_json::Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(v["policies"][0]["examples"][2]["file"], p);
    let (_, xml, _) = run(&["test", p, "--format", "junit"], None);
    assert_eq!(xml.matches(&format!("file=\"{p}\"")).count(), 3, "{xml}");
    let check = Command::new("python3")
        .args(["-c", "import sys, xml.etree.ElementTree as E; r = E.fromstring(sys.stdin.read()); assert r.tag == 'testsuites' and r.get('failures') == '1' and len(r.findall('.//testcase')) == 3"])
        .stdin(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(xml.as_bytes())?;
            c.wait()
        });
    if let Ok(status) = check {
        assert!(
            status.success(),
            "JUnit output is not the expected XML:\n{xml}"
        );
    }
    // no examples at all is reported, not a silent pass
    let q = dir.join("q.handover");
    std::fs::write(&q, "field x: bool\nqueue \"a\"\nwhen x then route \"a\"\n").unwrap();
    let (code, out, _) = run(&["test", q.to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert!(out.contains("no examples found"), "{out}");
    // a policy with errors: its examples are not "missing", they cannot run
    let b = dir.join("b.handover");
    std::fs::write(
        &b,
        "field x: bool\nqueue \"a\"\nwhen x then route \"nope\"\nexample \"e\" { x = true } expect route \"a\"\n",
    )
    .unwrap();
    let (code, out, err) = run(&["test", b.to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert!(err.contains("unknown queue `nope`"), "{err}");
    assert!(!out.contains("no examples found"), "{out}");
    assert!(out.contains("the policy has errors"), "{out}");
    // ... and the reports say so: an error case in JUnit, the errors in
    // JSON, not a green "0 tests"
    let (code, xml, _) = run(&["test", b.to_str().unwrap(), "--format", "junit"], None);
    assert_eq!(code, 1);
    assert!(
        xml.contains("errors=\"1\"") && xml.contains("<error message=\"the policy has 1 error(s)"),
        "{xml}"
    );
    assert!(
        xml.contains(":3:19: unknown queue `nope` [unknown-queue]</error>"),
        "{xml}"
    );
    let (_, json_out, _) = run(&["test", b.to_str().unwrap(), "--format", "json"], None);
    let v: serde_json::Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(
        v["policies"][0]["errors"].as_array().map(Vec::len),
        Some(1),
        "{v}"
    );

    // JUnit stays XML whatever a name holds: line breaks become character
    // references (a raw one in an attribute reads as a space), and the
    // control characters XML cannot carry are replaced
    let n = dir.join("n.handover");
    std::fs::write(
        &n,
        "field c: enum { a, b }\nexample \"x\\ny\u{1}z & <w>\" { c = a } expect answer\n",
    )
    .unwrap();
    let (code, xml, _) = run(&["test", n.to_str().unwrap(), "--format", "junit"], None);
    assert_eq!(code, 0, "{xml}");
    assert!(
        xml.contains("name=\"x&#10;y\u{fffd}z &amp; &lt;w&gt;\""),
        "{xml}"
    );
}

#[test]
fn contains_and_matches_take_a_let() {
    // SPEC 2.2: a literal may be a `let` name of the same type
    let policy = "field message: text\nlet refund_words = \"(?i)refund|money back\"\nlet angry = \"LAWYER\"\n\
                  queue \"billing\"\nqueue \"legal\"\n\
                  rule \"refunds\" when message matches refund_words then route \"billing\"\n\
                  rule \"threats\" when message contains angry then human \"legal\"\n";
    let p = &write_policy("let-text", policy);
    let (code, out, err) = run(&["check", p], None);
    assert_eq!(code, 0, "{out}{err}");
    let facts = "{\"message\": \"I want my Money Back\"}\n{\"message\": \"my lawyer will call\"}\n{\"message\": \"hello\"}\n";
    let (code, out, err) = run(&["decide", p, "--facts", "-"], Some(facts));
    assert_eq!(code, 0, "{err}");
    let rules: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["rule"].clone())
        .collect();
    assert_eq!(
        rules,
        [
            serde_json::json!("refunds"),
            serde_json::json!("threats"),
            serde_json::Value::Null
        ],
        "{out}"
    );
    // fmt keeps the names
    let (_, formatted, _) = run(&["fmt", "-"], Some(policy));
    assert!(
        formatted.contains("message matches refund_words"),
        "{formatted}"
    );
    assert!(formatted.contains("message contains angry"), "{formatted}");
}

#[test]
fn examples_check_the_attach_items_they_name() {
    let p = write_policy(
        "attach",
        "field c: number\nqueue \"q\"\nrule \"r\" when c < 0.5 then route \"q\" attach summary\n\
         example \"names what is attached\" { c = 0.1 } expect route \"q\" attach summary\n\
         example \"names what is not\" { c = 0.1 } expect route \"q\" attach history\n",
    );
    let (code, out, _) = run(&["test", &p], None);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("pass  names what is attached"), "{out}");
    assert!(
        out.contains("attach: expected `history` among [\"summary\"]"),
        "{out}"
    );
    assert!(out.contains("2 examples: 1 passed, 1 failed"), "{out}");
}

/// An `answer` has no priority and no ticket: an example that expects one
/// can never pass, and the failure says why instead of "got none".
#[test]
fn examples_expecting_a_priority_or_attach_of_an_answer_say_it_cannot_be() {
    let p = write_policy(
        "answer-priority",
        "field c: number\nqueue \"q\"\nticket requires question\nrule \"r\" when c < 0.5 then route \"q\"\n\
         example \"answered\" { c = 0.9 } expect answer\n\
         example \"with a priority\" { c = 0.9 } expect answer priority high\n\
         example \"with attach\" { c = 0.9 } expect answer attach question\n",
    );
    let (code, out, _) = run(&["test", &p], None);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("pass  answered"), "{out}");
    assert!(
        out.contains(
            "priority: an `answer` has no priority; remove `priority high` from the `expect`"
        ),
        "{out}"
    );
    assert!(
        out.contains("attach: an `answer` attaches nothing (only a handoff carries a ticket); remove `attach question` from the `expect`"),
        "{out}"
    );
    assert!(out.contains("3 examples: 1 passed, 2 failed"), "{out}");
}

#[test]
fn check_formats_and_exit_codes() {
    let bad = "field category: enum { refund, other }\nqueue \"a\"\nwhen categry = refund then route \"a\"\n";
    let (code, out, _) = run(&["check", "-", "--format", "json"], Some(bad));
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "unknown-field");
    assert_eq!(
        (
            d["line"].as_u64(),
            d["column"].as_u64(),
            d["end_column"].as_u64()
        ),
        (Some(3), Some(6), Some(13))
    );
    assert_eq!(d["help"], "did you mean `category`?");
    let (_, out, _) = run(&["check", "-", "--format", "github"], Some(bad));
    assert!(out.starts_with("::error file=<stdin>,line=3,col=6,endLine=3,endColumn=13,title=handover unknown-field::unknown field `categry`"), "{out}");
    let (_, out, _) = run(&["check", "-", "--format", "sarif"], Some(bad));
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["version"], "2.1.0");
    assert_eq!(s["runs"][0]["results"][0]["ruleId"], "unknown-field");
    // code scanning: a relative uri without `./` (the same fingerprints for
    // `check ./p` and `check p`), rule descriptions, and the other rule of
    // an ambiguous route as a related location
    let (_, out, _) = run(
        &[
            "check",
            "./tests/fixtures/check/ambiguous-route/different-queues.handover",
            "--format",
            "sarif",
        ],
        None,
    );
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    let run0 = &s["runs"][0];
    let r = &run0["results"][0];
    assert_eq!(r["ruleId"], "ambiguous-route", "{r}");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "tests/fixtures/check/ambiguous-route/different-queues.handover"
    );
    let related = &r["relatedLocations"][0];
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 7, "{r}");
    assert!(related["message"]["text"].is_string(), "{r}");
    let rule = &run0["tool"]["driver"]["rules"][r["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(rule["id"], "ambiguous-route");
    assert!(
        rule["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .contains("only file order picks the queue"),
        "{rule}"
    );
    assert!(
        rule["help"]["text"]
            .as_str()
            .unwrap()
            .contains("ambiguous-route.md"),
        "{rule}"
    );
    let (_, out, _) = run(&["check", "-"], Some(bad));
    assert!(
        out.contains("unknown field `categry`") && out.contains("did you mean `category`?"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "no colour when not a terminal");
    // warnings pass unless denied
    let warn = "field x: bool\nfield y: bool\nqueue \"a\"\nwhen x then route \"a\"\n";
    assert_eq!(run(&["check", "-"], Some(warn)).0, 0);
    let (code, out, _) = run(&["check", "-", "--deny-warnings"], Some(warn));
    assert_eq!(code, 1);
    assert!(
        out.contains("(failing: `--deny-warnings`"),
        "says why: {out}"
    );
    // usage and I/O errors are 2
    assert_eq!(run(&["check", "does/not/exist.handover"], None).0, 2);
    assert_eq!(run(&["check", "--format", "xml", "-"], Some(warn)).0, 2);
}

#[test]
fn init_writes_a_starter_that_checks_tests_and_simulates() {
    let dir = std::env::temp_dir().join(format!("handover-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let (code, out, _) = run(&["init", d], None);
    assert_eq!(code, 0);
    assert!(out.contains("handover check"), "{out}");
    assert_eq!(run(&["check", d, "--deny-warnings"], None).0, 0);
    assert_eq!(run(&["test", d], None).0, 0);
    assert_eq!(run(&["fmt", "--check", d], None).0, 0);
    let convs = dir.join("conversations.jsonl");
    let (code, out, err) = run(
        &["simulate", d, "--conversations", convs.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("escalation precision"), "{out}");
    // never overwrites
    let before = std::fs::read_to_string(dir.join("policy.handover")).unwrap();
    let (code, _, err) = run(&["init", d], None);
    assert_eq!(code, 2, "a usage error, as when DIR is a file");
    assert!(err.contains("never overwrites"), "{err}");
    assert_eq!(
        before,
        std::fs::read_to_string(dir.join("policy.handover")).unwrap()
    );
}

/// A policy of 8,192 rows against a one-rule policy differs in thousands
/// of regions: the human output lists fifty and says where the rest are;
/// the JSON lists them all.
#[test]
fn diff_lists_at_most_fifty_regions_for_a_reader() {
    let wide = root().join("tests/fixtures/fuzz/diff_self-1.handover");
    let one = write_policy(
        "diff-one-rule",
        "field confidence: number 0..1\nqueue \"q\"\nwhen confidence is present then draft \"q\"\n",
    );
    let wide = wide.to_str().unwrap();
    let (code, out, _) = run(&["diff", wide, &one], None);
    assert_eq!(code, 1);
    let listed = out
        .lines()
        .filter(|l| l.starts_with("      for example"))
        .count();
    assert_eq!(listed, 50, "{}", &out[..out.len().min(2000)]);
    let total: usize = out
        .split(" region(s) where")
        .next()
        .unwrap()
        .trim()
        .rsplit('\n')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        out.contains(&format!(
            "  … and {} more region(s); `--format json` lists them all",
            total - 50
        )),
        "{}",
        &out[out.len().saturating_sub(600)..]
    );
    let (_, json, _) = run(&["diff", wide, &one, "--format", "json"], None);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["regions"].as_array().map(Vec::len), Some(total));
}

#[test]
fn diff_finds_the_change_and_nothing_else() {
    let (code, out, _) = run(&["diff", "examples/acme", "examples/acme"], None);
    assert_eq!(code, 0, "{out}");
    let dir = std::env::temp_dir().join(format!("handover-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(root().join("examples/acme/policy.handover")).unwrap();
    let changed = text.replace(
        "billing                  => draft",
        "billing                  => answer",
    );
    assert_ne!(text, changed);
    let p = dir.join("acme2.handover");
    std::fs::write(&p, changed).unwrap();
    let (code, out, _) = run(
        &[
            "diff",
            "examples/acme",
            p.to_str().unwrap(),
            "--format",
            "json",
            "--conversations",
            "examples/acme/conversations.jsonl",
        ],
        None,
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let regions = v["regions"].as_array().unwrap();
    assert!(!regions.is_empty());
    for r in regions {
        assert_eq!(r["old"], "draft priority normal", "{r}");
        assert_eq!(r["new"], "answer", "{r}");
        assert_eq!(r["direction"], "looser");
        assert!(
            r["condition"]
                .as_str()
                .unwrap()
                .contains("category = billing"),
            "{r}"
        );
    }
    assert_eq!(v["summary"]["looser"], regions.len());
    assert_eq!(
        v["edits"],
        serde_json::json!(["automation by `category`: `billing` draft → answer"])
    );

    // the human form starts with what was edited, in the policy's words
    let lets = "field n: int 0..\nqueue \"q\"\nlet many = 3\n# a comment\nrule \"r\" when n >= many then route \"q\"\n";
    let a = dir.join("a.handover");
    let b = dir.join("b.handover");
    std::fs::write(&a, lets).unwrap();
    std::fs::write(
        &b,
        lets.replace("many = 3", "many = 2")
            .replace("# a comment", "# another comment")
            .replace("rule \"r\" when", "rule \"r\"  # why it is here\n  when"),
    )
    .unwrap();
    let (code, out, _) = run(&["diff", a.to_str().unwrap(), b.to_str().unwrap()], None);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("edited:\n  let `many`: 3 → 2\n\n"),
        "layout and comments are not edits:\n{out}"
    );
    // an edited rule says what changed in it: the tests that differ when
    // the condition keeps its shape, the action, priority and modifiers
    let rule = "field c: enum { a, b }\nfield n: int\nqueue \"q\"\nqueue \"r\"\nrule \"x\" when c = a and n >= 3 then route \"q\" priority high tag \"t\" attach n\n";
    std::fs::write(&a, rule).unwrap();
    let edited = [
        ("n >= 3", "n >= 2", "`n >= 3` → `n >= 2`"),
        (
            "c = a and",
            "c = a or",
            "when `c = a and n >= 3` → `c = a or n >= 3`",
        ),
        (
            "route \"q\"",
            "human \"r\"",
            "then `route \"q\"` → `human \"r\"`",
        ),
        ("priority high", "priority urgent", "priority high → urgent"),
        (" priority high", "", "priority high → none"),
        (
            "tag \"t\" attach n",
            "attach n, c",
            "tag \"t\" removed; attach c added",
        ),
        (
            "tag \"t\" attach n",
            "attach n tag \"t\"",
            "modifiers reordered",
        ),
        (
            "queue \"r\"",
            "queue \"r\" sla 2h",
            "`queue \"r\"` → `queue \"r\" sla 2h`",
        ),
        // a long note is shown short
        (
            "attach n",
            "attach n note \"a note longer than sixty characters, which changes only at its very end: A\"",
            "note \"a note longer than sixty characters, which changes only at i…\" added",
        ),
    ];
    for (from, to, said) in edited {
        std::fs::write(&b, rule.replace(from, to)).unwrap();
        let (_, out, err) = run(
            &[
                "diff",
                a.to_str().unwrap(),
                b.to_str().unwrap(),
                "--format",
                "json",
            ],
            None,
        );
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
        let edits = v["edits"].to_string();
        assert!(
            edits.contains(
                &serde_json::Value::from(said)
                    .to_string()
                    .trim_matches('"')
                    .to_string()
            ),
            "{from} → {to}: {edits}"
        );
    }

    // but compared whole: two notes that differ past what is shown
    let long = |end: &str| {
        rule.replace(
            "attach n",
            &format!("attach n note \"{}{end}\"", "x".repeat(70)),
        )
    };
    std::fs::write(&a, long("A")).unwrap();
    std::fs::write(&b, long("B")).unwrap();
    let (_, out, _) = run(&["diff", a.to_str().unwrap(), b.to_str().unwrap()], None);
    assert!(
        out.contains("removed; note \"") && out.contains("…\" added"),
        "{out}"
    );
    std::fs::write(&a, rule).unwrap();

    // a policy against itself: nothing edited, also where a statement is
    // declared twice (two `ticket requires` lines)
    let (code, out, _) = run(
        &["diff", "examples/retail-bank", "examples/retail-bank"],
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "the two policies decide the same for every possible set of facts\n"
    );
}

/// 150 random rules over 30 fields, one rule's priority raised: too many
/// pieces to compare exhaustively, and the search, cut short, found
/// nothing and said `"equal": true`. It now follows the edited rule, and
/// samples cells inside it when cut short, so the change is reported.
#[test]
fn diff_of_a_large_policy_finds_a_one_rule_edit() {
    let a = root().join("tests/fixtures/diff/150-rules.handover");
    let b = root().join("tests/fixtures/diff/150-rules-one-priority.handover");
    let (code, out, _) = run(
        &[
            "diff",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["equal"], false, "{out}");
    let regions = v["regions"].as_array().unwrap();
    assert!(
        regions.iter().any(|r| r["old"] == "draft priority high"
            && r["new"] == "draft priority urgent"
            && r["old_rule"] == "r75"
            && r["new_rule"] == "r75"),
        "{out}"
    );
    // the human form names the rule too
    let (_, out, _) = run(&["diff", a.to_str().unwrap(), b.to_str().unwrap()], None);
    assert!(out.contains("decided by rule `r75` in both"), "{out}");
}

/// A conversation one policy decides and the other refuses is a change
/// (it was dropped as "could not be replayed"), and the lines neither
/// can replay are listed with why.
#[test]
fn diff_replay_counts_conversations_only_one_policy_accepts() {
    let old = write_policy(
        "replay-old",
        "field category: enum { refund, fraud, other }\nqueue \"q\"\nwhen category = refund then route \"q\"\n",
    );
    let new = write_policy(
        "replay-new",
        "field category: enum { refund, other }\nqueue \"q\"\nwhen category = refund then route \"q\"\n",
    );
    let dir = std::env::temp_dir().join(format!("handover-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conv = dir.join("conv.jsonl");
    std::fs::write(
        &conv,
        "{\"id\":\"a\",\"facts\":{\"category\":\"refund\"}}\n{\"id\":\"fr1\",\"facts\":{\"category\":\"fraud\"}}\n{\"id\":\"x\",\"facts\":{\"category\":\"nope\"}}\n",
    )
    .unwrap();
    let conv = conv.to_str().unwrap();
    let (code, out, _) = run(&["diff", &old, &new, "--conversations", conv], None);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("conversations: 1 of 2 change decision"),
        "{out}"
    );
    assert!(
        out.contains("line 2 (\"fr1\"): answer → (not accepted:"),
        "{out}"
    );
    assert!(
        out.contains("line 3: could not be replayed: `nope`"),
        "{out}"
    );
    let (_, out, _) = run(
        &[
            "diff",
            &old,
            &new,
            "--conversations",
            conv,
            "--format",
            "json",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["conversations"]["changed"], 1, "{out}");
    assert_eq!(v["conversations"]["errors"], 1, "{out}");
    assert_eq!(v["conversations"]["error_lines"][0]["line"], 3, "{out}");

    // a policy against itself on a file of bad lines: no change, but the
    // data has errors, so CI fails as `simulate` would
    let dir = std::env::temp_dir().join(format!("handover-diff-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, "garbage\nmore garbage\n").unwrap();
    let (code, out, _) = run(
        &["diff", &old, &old, "--conversations", bad.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("line 1: could not be replayed"), "{out}");
}

/// `diff` never claims two policies decide the same where they may not.
#[test]
fn diff_does_not_claim_equal_where_it_cannot_know() {
    // `int` to `number`: 5.5 was refused and is now decided
    let int = write_policy(
        "diff-int",
        "field n: int 0..10\nqueue \"q\"\nrule \"r\" when n > 5 then route \"q\"\n",
    );
    let num = write_policy(
        "diff-num",
        "field n: number 0..10\nqueue \"q\"\nrule \"r\" when n > 5 then route \"q\"\n",
    );
    let (code, out, _) = run(&["diff", &int, &num, "--format", "json"], None);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let examples: Vec<String> = v["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} → {}",
                r["example"],
                r["old"].as_str().unwrap(),
                r["new"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        examples.iter().any(|e| e.contains("5.5")
            && e.contains("not accepted")
            && e.ends_with("route \"q\" priority normal")),
        "{examples:?}"
    );

    // a set value added: facts holding it were refused and are decided
    let old = write_policy(
        "diff-set-old",
        "field risk: set { legal, payment }\nqueue \"q\"\nrule \"r\" when risk has legal then route \"q\"\n",
    );
    let new = write_policy(
        "diff-set-new",
        "field risk: set { legal, payment, fraud }\nqueue \"q\"\nrule \"r\" when risk has legal then route \"q\"\n",
    );
    let (code, out, _) = run(&["diff", &old, &new, "--format", "json"], None);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["regions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["example"]["risk"]
                .as_array()
                .is_some_and(|a| a.contains(&serde_json::json!("fraud")))
                && r["old"] == "(facts not accepted)"),
        "{out}"
    );

    // a combination of text tests no sample string satisfies: no
    // difference found, and the output says the search was not exhaustive
    let text = "field m: text\nqueue \"q\"\n";
    let with = write_policy(
        "diff-text",
        &format!("{text}rule \"a\" when m matches \"^[a-z]{{3}}[0-9]$\" and m contains \"q\" and not m matches \"^.q\" and not m matches \"^q\" then route \"q\"\n"),
    );
    let without = write_policy("diff-text-none", text);
    let (_, out, _) = run(&["diff", &with, &without], None);
    assert!(
        !out.contains("decide the same") && out.contains("not exhaustive") && out.contains("`m`"),
        "{out}"
    );
    // and the JSON does not say `equal: true`, and names the field
    let (_, out, _) = run(&["diff", &with, &without, "--format", "json"], None);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["equal"], serde_json::Value::Null, "{out}");
    assert_eq!(v["complete"], false, "{out}");
    assert_eq!(v["incomplete_fields"], serde_json::json!(["m"]), "{out}");
}

/// An emptied policy file checks clean, and would answer every
/// conversation: `check` says so in a note (exit 0: it is not an error).
#[test]
fn check_notes_a_policy_that_decides_nothing() {
    for text in ["", "## only a comment\nfield c: bool\n"] {
        let (code, out, _) = run(&["check", "-"], Some(text));
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains("has no rules and no automation block"),
            "{out}"
        );
    }
    let (_, out, _) = run(&["check", "examples/acme"], None);
    assert!(!out.contains("no rules"), "{out}");
}

#[test]
fn standard_input_is_read_once() {
    let policy = "field category: enum { refund, other }\nqueue \"q\"\nrule \"r\" when category = refund then route \"q\"\n";
    for args in [
        &["decide", "-", "--facts", "-"][..],
        &["diff", "-", "-"],
        &["simulate", "-", "--conversations", "-"],
    ] {
        let (code, out, err) = run(args, Some(policy));
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(err.contains("can be read only once"), "{args:?}: {err}");
    }
    // refused before anything is read: the conversations piped in were
    // read as the old policy and reported as its syntax errors
    let conversation = r#"{"id":"c1","facts":{"category":"refund"}}"#;
    let (code, _, err) = run(
        &["diff", "-", "examples/acme", "--conversations", "-"],
        Some(conversation),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("can be read only once") && !err.contains("syntax"),
        "{err}"
    );
}

/// Unnamed rules are named by line: `fmt` says when it moved one.
#[test]
fn fmt_says_when_unnamed_rules_change_name() {
    let p = write_policy(
        "fmt-unnamed",
        "field f: enum { a, b }\nqueue \"q\"\nwhen f = a then route \"q\"\n",
    );
    let (code, _, err) = run(&["fmt", &p], None);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("`line 3` is now `line 5`"), "{err}");
    // formatted already: nothing moves, nothing said
    let (_, _, err) = run(&["fmt", &p], None);
    assert!(!err.contains("note"), "{err}");
}

/// A policy of several files: what the trial of folders found.
#[cfg(unix)]
#[test]
fn policies_of_several_files() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = std::env::temp_dir().join(format!("handover-multi-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let p = dir.join("p");
    std::fs::create_dir_all(&p).unwrap();
    let d = p.to_str().unwrap();
    std::fs::write(p.join("a.handover"), "let x = 2\nqueue \"q\"\n").unwrap();
    std::fs::write(
        p.join("b.handover"),
        "field x: enum { a, b }\nwhen x = a then route \"q\"\n",
    )
    .unwrap();
    // a `let` before the field it clashes with: reported on the later one,
    // the field, saying where the `let` is
    let (code, out, _) = run(&["check", d, "--format", "json"], None);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let dup = &v["diagnostics"][0];
    assert_eq!(dup["code"], "duplicate", "{v}");
    assert!(
        dup["file"].as_str().unwrap().ends_with("b.handover"),
        "{dup}"
    );
    assert!(
        dup["help"].as_str().unwrap().contains("`a.handover:1`"),
        "{dup}"
    );

    // hidden files are not part of the policy; a dangling link is an error
    std::fs::write(p.join("a.handover"), "queue \"q\"\n").unwrap();
    std::fs::write(p.join("._b.handover"), b"\0\x05junk").unwrap();
    assert_eq!(run(&["check", d], None).0, 0);
    symlink(dir.join("nowhere"), p.join("c.handover")).unwrap();
    let (code, _, err) = run(&["check", d], None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("c.handover"), "{err}");
    std::fs::remove_file(p.join("c.handover")).unwrap();

    // a folder whose policy files are all in a subfolder: say so
    let outer = dir.join("outer");
    std::fs::create_dir_all(outer.join("sub")).unwrap();
    std::fs::write(outer.join("sub/p.handover"), "queue \"q\"\n").unwrap();
    let (code, _, err) = run(&["check", outer.to_str().unwrap()], None);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("subfolders are not read") && err.contains("outer/sub`"),
        "{err}"
    );

    // fmt writes through a link, keeps the link and the file's permissions
    let shared = dir.join("shared.hv");
    std::fs::write(&shared, "when    x = b then route \"q\"\n").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).unwrap();
    symlink(&shared, p.join("c.handover")).unwrap();
    let (code, _, err) = run(&["fmt", d], None);
    assert_eq!(code, 0, "{err}");
    assert!(p
        .join("c.handover")
        .symlink_metadata()
        .unwrap()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(&shared).unwrap(),
        "when x = b then route \"q\"\n"
    );
    assert_eq!(
        std::fs::metadata(&shared).unwrap().permissions().mode() & 0o777,
        0o640
    );
    // and its owner: a CI job as root on a checkout owned by the build
    // user (only root can set this up)
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::write(&shared, "when    x = b then route \"q\"\n").unwrap();
        if std::os::unix::fs::chown(&shared, Some(1001), Some(1002)).is_ok() {
            let (code, _, err) = run(&["fmt", d], None);
            assert_eq!(code, 0, "{err}");
            let m = std::fs::metadata(&shared).unwrap();
            assert_eq!((m.uid(), m.gid()), (1001, 1002), "fmt changed the owner");
        }
    }

    // init never joins a starter policy to one that is there
    let (code, _, err) = run(&["init", d], None);
    assert_eq!(code, 2);
    assert!(err.contains("already holds a policy"), "{err}");
    assert!(!p.join("policy.handover").exists());
}

#[test]
fn help_teaches_with_examples() {
    for cmd in [
        "check", "fmt", "compile", "decide", "test", "simulate", "diff", "init",
    ] {
        let (code, out, _) = run(&[cmd, "--help"], None);
        assert_eq!(code, 0);
        assert!(
            out.contains("Examples") || out.contains("Example:"),
            "{cmd} --help has no example:\n{out}"
        );
    }
    // on an 80-column terminal no example is wrapped: each can be pasted
    for cmd in [
        "check", "fmt", "compile", "decide", "test", "simulate", "diff", "init",
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_handover"))
            .args([cmd, "--help"])
            .env("COLUMNS", "80")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let examples = text.split("Examples:").nth(1).unwrap_or("");
        let examples = examples.split("\n\n").next().unwrap_or("");
        for line in examples.lines().filter(|l| !l.trim().is_empty()) {
            let first = line.split_whitespace().next().unwrap_or("");
            assert!(
                line.starts_with("    ") || ["handover", "echo", "cat"].contains(&first),
                "{cmd} --help wraps an example: {line:?}"
            );
        }
    }
    let (_, out, _) = run(&["completions", "bash"], None);
    assert!(out.contains("handover"), "{out}");
}

#[test]
fn fmt_lays_out_a_messy_policy() {
    let messy = "# header comment\npolicy   \"messy\"\n## doc for category\nfield category : enum{refund,billing , other}   # trailing\nfield confidence:number 0..1\nqueue \"a\"  sla 2h \"desc\"\nqueue \"billing-team\" sla 30m\nautomation by category{\nrefund=>draft\n  # entry comment\nbilling,other=>answer\n}\nrule \"r\" when category=refund and(confidence<0.5 or confidence is missing) then route \"a\" priority high tag \"x\"\nwhen confidence < 60% then route \"billing-team\"\nexample \"e\" {category=refund,confidence=0.1} expect route \"a\"\n";
    let (code, out, err) = run(&["fmt", "-"], Some(messy));
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("fmt_messy", out);
    let (code, again, _) = run(&["fmt", "-"], Some(&out));
    assert_eq!(code, 0);
    assert_eq!(out, again, "formatting twice = once");
    // Windows line endings are kept: the same layout, with CRLF
    let (_, crlf, _) = run(&["fmt", "-"], Some(&messy.replace('\n', "\r\n")));
    assert_eq!(crlf, out.replace('\n', "\r\n"));
    let (code, _, err) = run(&["fmt", "-"], Some("rule \"x\" when then answer\n"));
    assert_eq!(code, 1);
    assert!(err.contains("not formatted"), "{err}");
}

#[test]
fn lsp_accepts_the_stdio_flag_that_clients_pass() {
    // VS Code's client (and others) start servers as `SERVER lsp --stdio`
    let (code, _, err) = run(&["lsp", "--stdio"], Some(""));
    assert!(!err.contains("unexpected argument"), "{err}");
    assert_ne!(code, 2, "{err}");
    let (code, _, err) = run(&["lsp", "--no-such-flag"], Some(""));
    assert_eq!(code, 2, "{err}");
}

/// A `\n` written in a name (a queue, rule, example or tag) or in an input's
/// id is shown escaped in every human output: it can neither break a
/// report's lines nor start a line that CI reads as a command (`::error`).
#[test]
fn names_with_line_breaks_are_shown_escaped() {
    let text = r#"field c: enum { a, b }
queue "x\n::error::queue"
rule "r\n::error::rule" when c = a then route "x\n::error::queue" tag "t\n::error::tag"
rule "dup\n::error::dup" when c = a then route "x\n::error::queue"
example "ok\n::error::example" { c = a } expect route
example "bad\n::error::failing" { c = b } expect route
"#;
    let p = write_policy("line-breaks", text);
    // a queue used but not declared: its name is quoted in the help too
    let undeclared = write_policy(
        "line-breaks-help",
        "field c: bool\nwhen c then route \"x\\n::error::help\"\n",
    );
    let (code, out, _) = run(&["check", &undeclared], None);
    assert_eq!(code, 1);
    assert!(
        !out.lines().any(|l| l.trim_start().starts_with("::")),
        "{out}"
    );
    let changed = write_policy(
        "line-breaks-2",
        &text.replace("when c = a then", "when c = b then"),
    );
    let conv = std::path::Path::new(&p).with_file_name("c.jsonl");
    std::fs::write(
        &conv,
        "{\"id\": \"i\\n::error::id\", \"facts\": {\"c\": \"a\"}, \"expected\": {\"escalate\": false, \"queue\": \"y\\n::error::q\"}}\n{\"id\": \"e\\n::error::bad\", \"facts\": {\"c\": \"z\\n::error::value\"}}\n",
    )
    .unwrap();
    let c = conv.to_str().unwrap();
    let runs: [(&[&str], Option<&str>); 5] = [
        (&["check", &p], None),
        (&["test", &p], None),
        (
            &["decide", &p, "--facts", "-", "--explain"],
            Some("{\"id\": \"d\\n::error::id\", \"facts\": {\"c\": \"a\"}}\n"),
        ),
        (&["simulate", &p, "--conversations", c], None),
        (&["diff", &p, &changed], None),
    ];
    for (args, stdin) in runs {
        let (_, out, err) = run(args, stdin);
        for text in [&out, &err] {
            assert!(
                !text.lines().any(|l| l.trim_start().starts_with("::")),
                "{args:?}:\n{text}"
            );
        }
        assert!(
            out.contains("\\n::error::"),
            "{args:?}: no escaped name in\n{out}"
        );
    }
}

/// `-o -` is standard output, as `-` is standard input: no file named `-`.
#[test]
fn output_dash_is_standard_output() {
    let (code, plain, _) = run(&["compile", "examples/acme", "--format", "csv"], None);
    assert_eq!(code, 0);
    let (code, dash, _) = run(
        &["compile", "examples/acme", "--format", "csv", "-o", "-"],
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(plain, dash);
    let (code, report, _) = run(
        &[
            "simulate",
            "examples/acme",
            "--conversations",
            "examples/acme/conversations.jsonl",
            "--format",
            "json",
            "-o",
            "-",
        ],
        None,
    );
    assert_eq!(code, 0);
    assert!(report.starts_with('{'), "{report}");
    assert!(!root().join("-").exists(), "a file named `-` was written");
}

/// The table's text formats show what the policy says: Markdown escapes
/// what GitHub would read as markup, the terminal table is aligned by
/// display width (CJK and emoji take two columns), names with control
/// characters are escaped, and a rule whose condition can never hold, so
/// has no row, is named rather than silently missing.
#[test]
fn table_formats_show_what_the_policy_says() {
    let p = write_policy(
        "table-formats",
        "field m: text\nfield n: int\nqueue \"日本語キュー\"\nqueue \"q\"\n\
         rule \"r1 `code`\" when m matches \"\\d+ \\(x\\)\" then route \"q\" tag \"*em*\"\n\
         rule \"r2\" when m contains \"<b>\" then route \"日本語キュー\" tag \"🎉\"\n\
         rule \"never\" when n > 3 and n < 2 then route \"q\"\n",
    );
    let (code, md, err) = run(&["compile", &p, "--format", "markdown"], None);
    assert_eq!(code, 0, "{err}");
    assert!(
        md.contains(r#"| r1 \`code\` | matches "\\d+ \\(x\\)" |"#),
        "{md}"
    );
    assert!(
        md.contains(r"\*em\*") && md.contains(r#"contains "\<b>""#),
        "{md}"
    );
    assert!(
        md.contains("no row (the condition can never hold; `handover check` says why): `never`"),
        "{md}"
    );
    let (_, table, _) = run(&["compile", &p, "--format", "table"], None);
    let widths: Vec<usize> = table
        .lines()
        .filter(|l| l.starts_with(['┌', '│', '├', '└']))
        .map(|l| {
            l.chars()
                .map(|c| {
                    if "日本語キュー🎉".contains(c) {
                        2
                    } else {
                        1
                    }
                })
                .sum()
        })
        .collect();
    assert!(
        widths.len() >= 5 && widths.iter().all(|w| *w == widths[0]),
        "misaligned:\n{table}"
    );
    assert!(
        table.contains(", 2 rows\n") && table.contains("`never`"),
        "{table}"
    );
}
