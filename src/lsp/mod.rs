//! The language server (`handover lsp`).

/// Serve the Language Server Protocol on standard input and output.
pub fn run() -> i32 {
    eprintln!("error: the language server is not built yet");
    2
}
