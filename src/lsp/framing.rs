//! A guard between the editor and the protocol library. `tower-lsp-server`
//! stops reading after the first message it cannot decode (its framed
//! reader ends on an error), so one malformed message would end the
//! session; and it leaves requests named `$/…` unanswered, which LSP 3.17
//! forbids. The guard reads each frame itself, answers what the library
//! would choke on, and passes the rest on in the library's own framing.

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tower_lsp_server::jsonrpc::{Request, Response};

/// A header line longer than this is not a header: the frame is skipped.
const MAX_HEADER_LINE: u64 = 8 * 1024;
/// A message body larger than this is answered with an error and skipped
/// unread, so that a wrong `Content-Length` cannot exhaust memory.
const MAX_BODY: usize = 512 * 1024 * 1024;

/// What one frame from the editor turned out to be.
enum Frame {
    /// A message the library decodes: pass it on.
    Pass(Vec<u8>, Passed),
    /// A message to answer here with this error response.
    Answer(Value),
    /// Nothing to pass on or answer (an empty body).
    Skip,
}

/// What a passed message means to the guard.
#[derive(Debug, PartialEq)]
enum Passed {
    /// A `shutdown` request, with its id.
    Shutdown(Value),
    /// The `exit` notification.
    Exit,
    Other,
}

/// The `shutdown` request in flight: `exit` waits for its answer, since the
/// library drops the requests still running when `exit` arrives (a client
/// that sends both at once got "Canceled" and exit status 1).
#[derive(Default)]
pub struct Shutdown {
    pending: std::sync::Mutex<Option<Value>>,
    answered: tokio::sync::Notify,
}

impl Shutdown {
    fn pending(&self) -> Option<Value> {
        self.pending.lock().ok().and_then(|p| p.clone())
    }

    fn set_pending(&self, id: Option<Value>) {
        if let Ok(mut p) = self.pending.lock() {
            *p = id;
        }
    }
}

/// An error response, with the request's id when it has a usable one.
fn error_response(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": id})
}

/// Decide what to do with one message body, exactly as the library would
/// decode it, but without ending the session.
fn classify(body: Vec<u8>) -> Frame {
    if body.is_empty() {
        return Frame::Skip;
    }
    // the usual case first, read once: a request or notification
    if let Ok(req) = serde_json::from_slice::<Request>(&body) {
        let id = || serde_json::to_value(req.id()).unwrap_or_default();
        if req.id().is_some() && req.method().starts_with("$/") {
            return Frame::Answer(error_response(
                id(),
                -32601,
                &format!("Method not found: `{}`", req.method()),
            ));
        }
        let passed = match (req.method(), req.id().is_some()) {
            ("shutdown", true) => Passed::Shutdown(id()),
            ("exit", false) => Passed::Exit,
            _ => Passed::Other,
        };
        return Frame::Pass(body, passed);
    }
    if serde_json::from_slice::<Response>(&body).is_ok() {
        return Frame::Pass(body, Passed::Other);
    }
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return Frame::Answer(error_response(
            Value::Null,
            -32700,
            "Parse error: the message is not valid UTF-8 JSON",
        ));
    };
    // an id the library accepts (integer or string), echoed in our answer
    let id = match value.get("id") {
        Some(Value::Number(n)) if n.is_i64() => Value::Number(n.clone()),
        Some(Value::String(s)) => Value::String(s.clone()),
        _ => Value::Null,
    };
    Frame::Answer(error_response(
        id,
        -32600,
        "Invalid request: expected a JSON-RPC 2.0 request, notification or response object",
    ))
}

/// The frame's `Content-Length`, from its header lines (names are
/// case-insensitive). `Ok(None)` at the end of the input.
async fn read_header<R: AsyncRead + Unpin>(
    input: &mut BufReader<R>,
) -> std::io::Result<Option<Option<usize>>> {
    let mut length = None;
    let mut any = false;
    loop {
        let mut line = Vec::new();
        let n = (&mut *input)
            .take(MAX_HEADER_LINE)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text.is_empty() {
            if any {
                return Ok(Some(length));
            }
            // blank lines between frames
            continue;
        }
        any = true;
        // garbage before a header (a body without one) shares its line
        let lower = text.to_ascii_lowercase();
        if let Some(at) = lower.find("content-length:") {
            let value = lower.get(at + "content-length:".len()..).unwrap_or("");
            length = value.trim().parse::<usize>().ok();
        }
    }
}

/// Read frames from the editor until its input ends: pass the good ones to
/// the library, send answers for the others to the writer.
pub async fn read_client<R, W>(
    input: R,
    mut server: W,
    answers: UnboundedSender<Vec<u8>>,
    shutdown: std::sync::Arc<Shutdown>,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut input = BufReader::new(input);
    loop {
        let length = match read_header(&mut input).await {
            Ok(Some(length)) => length,
            Ok(None) | Err(_) => break,
        };
        let frame = match length {
            None => Frame::Answer(error_response(
                Value::Null,
                -32700,
                "Parse error: the message has no valid `Content-Length` header",
            )),
            Some(n) if n > MAX_BODY => {
                let skipped =
                    tokio::io::copy(&mut (&mut input).take(n as u64), &mut tokio::io::sink()).await;
                if skipped.map_or(true, |k| k < n as u64) {
                    break;
                }
                Frame::Answer(error_response(
                    Value::Null,
                    -32700,
                    &format!("Parse error: a message of {n} bytes is over the limit of {MAX_BODY}"),
                ))
            }
            Some(n) => {
                let mut body = vec![0; n];
                if input.read_exact(&mut body).await.is_err() {
                    break;
                }
                classify(body)
            }
        };
        match frame {
            Frame::Pass(body, passed) => {
                match passed {
                    Passed::Shutdown(id) => shutdown.set_pending(Some(id)),
                    Passed::Exit => {
                        if shutdown.pending().is_some() {
                            let wait = shutdown.answered.notified();
                            if shutdown.pending().is_some() {
                                let _ =
                                    tokio::time::timeout(std::time::Duration::from_secs(5), wait)
                                        .await;
                            }
                        }
                    }
                    Passed::Other => {}
                }
                let head = format!("Content-Length: {}\r\n\r\n", body.len());
                if server.write_all(head.as_bytes()).await.is_err()
                    || server.write_all(&body).await.is_err()
                    || server.flush().await.is_err()
                {
                    break;
                }
            }
            Frame::Answer(value) => {
                if answers.send(encode(&value)).is_err() {
                    break;
                }
            }
            Frame::Skip => {}
        }
    }
    // dropping `server` ends the library's input, as the editor's did
}

fn encode(value: &Value) -> Vec<u8> {
    let body = value.to_string();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// Copy whole frames from the library and the guard's answers to the
/// editor, never interleaving two frames. Ends when the library's output
/// ends.
pub async fn write_client<R, W>(
    server: R,
    mut answers: UnboundedReceiver<Vec<u8>>,
    mut output: W,
    shutdown: std::sync::Arc<Shutdown>,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    // reading a frame is not cancel-safe: it runs on its own, and the
    // frames come through a channel that `select!` may poll and drop; a
    // bounded one, so that a slow editor slows the server down rather than
    // frames piling up in memory
    let (frames_tx, mut frames) = tokio::sync::mpsc::channel::<Vec<u8>>(8);
    let pump = async move {
        let mut server = BufReader::new(server);
        while let Some(body) = read_frame(&mut server).await {
            if let Some(id) = shutdown.pending() {
                let answers_it = serde_json::from_slice::<Value>(&body)
                    .is_ok_and(|v| v.get("id") == Some(&id) && v.get("method").is_none());
                if answers_it {
                    shutdown.set_pending(None);
                    shutdown.answered.notify_waiters();
                }
            }
            let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
            out.extend_from_slice(&body);
            if frames_tx.send(out).await.is_err() {
                break;
            }
        }
    };
    let write = async move {
        let mut open = true;
        loop {
            tokio::select! {
                frame = frames.recv() => {
                    let Some(frame) = frame else { break };
                    if output.write_all(&frame).await.is_err() || output.flush().await.is_err() {
                        return;
                    }
                }
                answer = answers.recv(), if open => {
                    match answer {
                        Some(bytes) => {
                            if output.write_all(&bytes).await.is_err() || output.flush().await.is_err() {
                                return;
                            }
                        }
                        None => open = false,
                    }
                }
            }
        }
        while let Ok(bytes) = answers.try_recv() {
            if output.write_all(&bytes).await.is_err() {
                return;
            }
        }
        let _ = output.flush().await;
    };
    tokio::join!(pump, write);
}

/// One frame's body as the library wrote it (`Content-Length: N`, a blank
/// line, N bytes); `None` when its output has ended.
async fn read_frame<R: AsyncRead + Unpin>(input: &mut BufReader<R>) -> Option<Vec<u8>> {
    let length = read_header(input).await.ok()??;
    let length = length?;
    let mut body = vec![0; length];
    input.read_exact(&mut body).await.ok()?;
    Some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &str) -> Option<Value> {
        match classify(body.as_bytes().to_vec()) {
            Frame::Answer(v) => Some(v),
            _ => None,
        }
    }

    #[test]
    fn good_messages_pass() {
        for body in [
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#,
            r#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}"#,
            r#"{"jsonrpc":"2.0","id":"a","result":null}"#,
        ] {
            assert!(
                matches!(classify(body.as_bytes().to_vec()), Frame::Pass(..)),
                "{body}"
            );
        }
    }

    #[test]
    fn bad_messages_are_answered_with_their_id() {
        let a = answer("{bad}").unwrap_or_default();
        assert_eq!(a["error"]["code"], -32700);
        assert_eq!(a["id"], Value::Null);
        let a = answer(r#"{"jsonrpc":"1.0","id":7,"method":"x"}"#).unwrap_or_default();
        assert_eq!(a["error"]["code"], -32600);
        assert_eq!(a["id"], 7);
        let a = answer(r#"{"jsonrpc":"2.0","id":2,"method":"$/foo"}"#).unwrap_or_default();
        assert_eq!(a["error"]["code"], -32601);
        assert_eq!(a["id"], 2);
        for body in ["[]", "3", "\"s\"", r#"{"jsonrpc":"2.0","method":null}"#] {
            assert!(answer(body).is_some(), "{body}");
        }
    }
}
