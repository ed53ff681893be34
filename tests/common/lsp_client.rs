//! A client for the language-server tests: the real `handover lsp` binary,
//! spoken to over stdio with Content-Length framing, as an editor does.
//! Shared by `tests/lsp.rs` and `tests/lsp_soak.rs`.

// each test file uses part of it
#![allow(dead_code)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

pub struct Client {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    rx: Receiver<Value>,
    next_id: i64,
    /// Messages received while waiting for something else, for a later
    /// `notification`. None drops them: the soak's 100,000 edits would
    /// otherwise pile up every diagnostics notification.
    stash: Option<Vec<Value>>,
    timeout: Duration,
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

pub fn uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

impl Client {
    /// A server whose unrequested messages are kept for `notification`.
    pub fn start() -> Client {
        Client::spawn(Some(Vec::new()), Duration::from_secs(30))
    }

    /// A server whose messages other than the awaited answer are dropped.
    pub fn start_dropping_notifications(timeout: Duration) -> Client {
        Client::spawn(None, timeout)
    }

    fn spawn(stash: Option<Vec<Value>>, timeout: Duration) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_handover"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start handover lsp");
        let stdout = child.stdout.take().expect("stdout");
        let stdin = child.stdin.take();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(v) = read_message(&mut r) {
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            next_id: 1,
            stash,
            timeout,
        }
    }

    pub fn send(&mut self, v: &Value) {
        let body = v.to_string();
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).expect("write");
        stdin.flush().expect("flush");
    }

    /// Write bytes as they are: malformed frames and bodies.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write");
        stdin.flush().expect("flush");
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message from the server, whatever it is.
    pub fn recv(&mut self) -> Value {
        match self.rx.recv_timeout(self.timeout) {
            Ok(v) => v,
            Err(e) => panic!("the server did not answer within {:?}: {e}", self.timeout),
        }
    }

    fn keep(&mut self, v: Value) {
        if let Some(stash) = &mut self.stash {
            stash.push(v);
        }
    }

    /// Send a request without waiting; returns its id.
    pub fn request_async(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Wait for the response to `id` (the whole message).
    pub fn response(&mut self, id: i64) -> Value {
        loop {
            let v = self.recv();
            if v.get("id") == Some(&json!(id)) && v.get("method").is_none() {
                return v;
            }
            self.keep(v);
        }
    }

    /// Send a request and wait for its response (the whole message).
    pub fn request_full(&mut self, method: &str, params: Value) -> Value {
        let id = self.request_async(method, params);
        self.response(id)
    }

    /// Send a request and return its result (panics on an error).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let v = self.request_full(method, params);
        if let Some(e) = v.get("error") {
            panic!("{method} failed: {e}");
        }
        v.get("result").cloned().unwrap_or(Value::Null)
    }

    /// Wait for a notification that satisfies `pred`.
    pub fn notification(&mut self, method: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let is_it = |v: &Value| v.get("method") == Some(&json!(method)) && pred(&v["params"]);
        if let Some(stash) = &mut self.stash {
            if let Some(i) = stash.iter().position(is_it) {
                return stash.remove(i)["params"].clone();
            }
        }
        loop {
            let v = self.recv();
            if is_it(&v) {
                return v["params"].clone();
            }
            self.keep(v);
        }
    }

    pub fn initialize(
        &mut self,
        capabilities: Value,
        options: Value,
        root: Option<&Path>,
    ) -> Value {
        let r = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root.map(uri),
                "capabilities": capabilities,
                "initializationOptions": options,
            }),
        );
        self.notify("initialized", json!({}));
        r
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "handover", "version": 1, "text": text}}),
        );
    }

    pub fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// The next diagnostics published for a document at a version (None:
    /// published without a version, the document not being open).
    pub fn diagnostics(&mut self, uri: &str, version: Option<i64>) -> Vec<Value> {
        let want = version.map_or(Value::Null, |v| json!(v));
        let p = self.notification("textDocument/publishDiagnostics", |p| {
            p["uri"] == json!(uri) && p["version"] == want
        });
        p["diagnostics"].as_array().cloned().unwrap_or_default()
    }

    /// Close the server's input and wait for it to end; its exit code.
    pub fn wait_exit(&mut self) -> Option<i32> {
        drop(self.stdin.take());
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// shutdown then exit; the process must end with status 0.
    pub fn finish(mut self) {
        let r = self.request_full("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        assert_eq!(r["result"], Value::Null);
        self.notify("exit", Value::Null);
        assert_eq!(
            self.wait_exit(),
            Some(0),
            "exit status after shutdown + exit"
        );
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
