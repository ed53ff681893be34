//! The language server (`handover lsp`): a thin adapter from LSP 3.17 to
//! the synchronous editor features of [`crate::ide`].

pub mod convert;
mod framing;
pub mod workspace;

use crate::ide::{self, Analysis};
use crate::span::Span;
use convert::Encoding;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::lsp_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};
use workspace::{Built, Group, State};

/// Serve the Language Server Protocol on standard input and output.
/// Exit status 0 once `shutdown` was answered (then `exit`, or the input
/// ending), 1 when the input ended or `exit` came without `shutdown`.
pub fn run() -> i32 {
    // every keystroke reparses the document: unchanged statements come
    // from the cache
    crate::syntax::cache::enable();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the language server: {e}");
            return 2;
        }
    };
    let state = Arc::new(Mutex::new(State::default()));
    let shared = state.clone();
    rt.block_on(async move {
        let (service, socket) = LspService::new(move |client| Backend {
            client,
            state: shared,
        });
        let (to_server, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, from_server) = tokio::io::duplex(1 << 16);
        let (answers, answered) = tokio::sync::mpsc::unbounded_channel();
        let shutdown = Arc::new(framing::Shutdown::default());
        let reader = tokio::spawn(framing::read_client(
            tokio::io::stdin(),
            to_server,
            answers,
            shutdown.clone(),
        ));
        let writer = tokio::spawn(framing::write_client(
            from_server,
            answered,
            tokio::io::stdout(),
            shutdown,
        ));
        Server::new(server_in, server_out, socket)
            .serve(service)
            .await;
        // everything the server wrote reaches the editor before we exit
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), writer).await;
        reader.abort();
    });
    // the stdin reader may still be blocked in a read: do not wait for it
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    let clean = state.lock().map(|s| s.shutdown).unwrap_or(false);
    if clean {
        0
    } else {
        1
    }
}

#[derive(Clone)]
struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
}

/// The semantic token legend, in `ide::TokenType::ALL` order.
fn legend() -> SemanticTokensLegend {
    let types = ide::TokenType::ALL
        .iter()
        .map(|t| match t {
            ide::TokenType::Keyword => SemanticTokenType::KEYWORD,
            ide::TokenType::Field => SemanticTokenType::PROPERTY,
            ide::TokenType::Value => SemanticTokenType::ENUM_MEMBER,
            ide::TokenType::Queue => SemanticTokenType::TYPE,
            ide::TokenType::Let => SemanticTokenType::VARIABLE,
            ide::TokenType::Number => SemanticTokenType::NUMBER,
            ide::TokenType::String => SemanticTokenType::STRING,
            ide::TokenType::Comment => SemanticTokenType::COMMENT,
            ide::TokenType::Operator => SemanticTokenType::OPERATOR,
        })
        .collect();
    SemanticTokensLegend {
        token_types: types,
        token_modifiers: Vec::new(),
    }
}

/// A diagnostic in protocol form: code, docs link, help appended to the
/// message, related information. `uris` gives each file's URI.
pub fn lsp_diagnostic(
    a: &Analysis,
    uris: &[Uri],
    d: &crate::Diagnostic,
    enc: Encoding,
) -> Option<Diagnostic> {
    let f = a.file(d.span.file)?;
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    if let Some(ex) = &d.example {
        message.push_str("\nfor example: ");
        message.push_str(&ex.to_string());
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|(s, label)| {
            Some(DiagnosticRelatedInformation {
                location: location_in(a, uris, *s, enc)?,
                message: label.clone(),
            })
        })
        .collect();
    // a span that starts a string covers it whole, closing quote included
    let span = if f.slice(d.span).starts_with('"') {
        ide::index::string_span(&a.checked.files, d.span)
    } else {
        d.span
    };
    Some(Diagnostic {
        range: convert::range(f, span, enc),
        severity: Some(if d.is_error() {
            DiagnosticSeverity::ERROR
        } else {
            DiagnosticSeverity::WARNING
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        code_description: Uri::from_str(&d.code.docs_url())
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some("handover".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: (d.code == crate::Code::Unused).then(|| vec![DiagnosticTag::UNNECESSARY]),
        data: None,
    })
}

fn location(built: &Built, s: Span, enc: Encoding) -> Option<Location> {
    location_in(&built.analysis, &built.uris, s, enc)
}

fn location_in(a: &Analysis, uris: &[Uri], s: Span, enc: Encoding) -> Option<Location> {
    let f = a.file(s.file)?;
    let uri = uris.get(s.file as usize)?.clone();
    Some(Location {
        uri,
        range: convert::range(f, s, enc),
    })
}

/// The protocol diagnostics of one file of an analysis (what a change
/// publishes).
pub fn file_diagnostics(a: &Analysis, uris: &[Uri], file: u32, enc: Encoding) -> Vec<Diagnostic> {
    ide::diagnostics(a, file)
        .into_iter()
        .filter_map(|d| lsp_diagnostic(a, uris, d, enc))
        .collect()
}

// `Uri` caches its parts inside; the protocol type wants it as the key anyway
#[allow(clippy::mutable_key_type)]
fn edits_to_workspace(built: &Built, edits: &[crate::diag::Edit], enc: Encoding) -> WorkspaceEdit {
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for e in edits {
        let Some(loc) = location(built, e.span, enc) else {
            continue;
        };
        changes.entry(loc.uri).or_default().push(TextEdit {
            range: loc.range,
            new_text: e.text.clone(),
        });
    }
    WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }
}

fn symbol_kind(k: ide::SymbolKind) -> SymbolKind {
    match k {
        ide::SymbolKind::Policy => SymbolKind::PACKAGE,
        ide::SymbolKind::Field => SymbolKind::FIELD,
        ide::SymbolKind::Value => SymbolKind::ENUM_MEMBER,
        ide::SymbolKind::Let => SymbolKind::CONSTANT,
        ide::SymbolKind::Queue => SymbolKind::OBJECT,
        ide::SymbolKind::Ticket => SymbolKind::STRUCT,
        ide::SymbolKind::Automation => SymbolKind::NAMESPACE,
        ide::SymbolKind::AutomationEntry => SymbolKind::KEY,
        ide::SymbolKind::Rule => SymbolKind::FUNCTION,
        ide::SymbolKind::Example => SymbolKind::EVENT,
    }
}

#[allow(deprecated)]
fn document_symbol(
    f: &crate::span::SourceFile,
    n: &ide::SymbolNode,
    enc: Encoding,
) -> DocumentSymbol {
    let range = convert::range(f, n.span, enc);
    let mut sel = convert::range(f, n.selection, enc);
    // the selection must lie inside the range
    if sel.start < range.start || sel.end > range.end {
        sel = range;
    }
    DocumentSymbol {
        name: if n.name.is_empty() {
            "(unnamed)".into()
        } else {
            n.name.clone()
        },
        detail: n.detail.clone(),
        kind: symbol_kind(n.kind),
        tags: None,
        deprecated: None,
        range,
        selection_range: sel,
        children: (!n.children.is_empty()).then(|| {
            n.children
                .iter()
                .map(|c| document_symbol(f, c, enc))
                .collect()
        }),
    }
}

impl Backend {
    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn encoding(&self) -> Encoding {
        self.lock().encoding
    }

    /// The current analysis of a group, built if needed.
    fn built(&self, g: &Group) -> Arc<Built> {
        let snap = {
            let st = self.lock();
            if let Some(b) = st.cached(g) {
                return b;
            }
            st.snapshot(g)
        };
        let built = Arc::new(workspace::build(snap));
        self.lock().store(g, built.clone());
        built
    }

    /// The analysis holding a document, and its file index.
    fn analysis_for(&self, uri: &Uri) -> Option<(Arc<Built>, u32)> {
        let g = self.lock().group_of_uri(uri);
        let b = self.built(&g);
        let file = b.file_of(uri)?;
        Some((b, file))
    }

    /// The analysis and byte offset of a document position.
    fn at(&self, uri: &Uri, pos: Position) -> Option<(Arc<Built>, u32, usize, Encoding)> {
        let enc = self.encoding();
        let (b, file) = self.analysis_for(uri)?;
        let f = b.analysis.file(file)?;
        let off = convert::offset(f, pos, enc);
        Some((b, file, off, enc))
    }

    /// Publish the diagnostics of every open document of a group. While
    /// the table-based warnings of a large policy are still being computed,
    /// publish only to show or clear errors (the warnings follow).
    async fn publish(&self, g: &Group) {
        let generation = self.lock().generation(g);
        let b = self.built(g);
        if b.generation != generation {
            // a newer change will publish
            return;
        }
        let has_errors = b.analysis.checked.has_errors();
        let had_errors = self.lock().had_errors.get(g).copied().unwrap_or(true);
        if b.analysis.is_complete() || has_errors || had_errors {
            self.send_diagnostics(g, &b).await;
        }
        if !b.analysis.is_complete() {
            self.complete_in_background(g.clone());
        }
    }

    /// Publish the diagnostics of every file of the group (open or not),
    /// and clear those of files that left it.
    async fn send_diagnostics(&self, g: &Group, b: &Built) {
        let enc = self.encoding();
        let mut out = Vec::new();
        {
            let mut st = self.lock();
            if st.generation(g) != b.generation {
                return;
            }
            st.had_errors
                .insert(g.clone(), b.analysis.checked.has_errors());
            for (file, uri) in b.uris.iter().enumerate() {
                let version = st.docs.get(uri).map(|d| d.version);
                out.push((
                    uri.clone(),
                    file_diagnostics(&b.analysis, &b.uris, file as u32, enc),
                    version,
                ));
            }
            let before = st
                .published
                .insert(g.clone(), b.uris.clone())
                .unwrap_or_default();
            for uri in before {
                if !b.uris.contains(&uri) {
                    out.push((uri, Vec::new(), None));
                }
            }
        }
        for (uri, diags, version) in out {
            self.client.publish_diagnostics(uri, diags, version).await;
        }
    }

    /// Compute a large policy's table-based warnings off the request path,
    /// once typing pauses, and publish them if the text has not changed.
    fn complete_in_background(&self, g: Group) {
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                let b = {
                    let st = this.lock();
                    match st.cached(&g) {
                        Some(b) if !b.analysis.is_complete() => b,
                        Some(_) => return,
                        // not built yet (or changed since): build it below
                        None if st.docs.iter().any(|(u, _)| st.group_of_uri(u) == g) => {
                            drop(st);
                            this.built(&g)
                        }
                        None => return,
                    }
                };
                if !this.lock().analyzing.insert(g.clone()) {
                    // another task is on it and will pick up the latest text
                    return;
                }
                let quick = b.clone();
                let full = tokio::task::spawn_blocking(move || quick.completed()).await;
                this.lock().analyzing.remove(&g);
                if let Ok(Some(full)) = full {
                    let full = Arc::new(full);
                    let current = this.lock().generation(&g) == full.generation;
                    if current {
                        this.lock().store(&g, full.clone());
                        this.send_diagnostics(&g, &full).await;
                        return;
                    }
                } else {
                    return;
                }
                // the text changed meanwhile: analyse the latest one
            }
        });
    }

    /// Ask the client to fetch the code lenses again (the conversations
    /// changed), when it supports that.
    async fn refresh_lenses(&self) {
        if self.lock().lens_refresh {
            let _ = self.client.code_lens_refresh().await;
        }
    }

    fn conversation_stats(&self, b: &Built, file: u32) -> Option<Arc<ide::ConversationStats>> {
        let (configured, root) = {
            let st = self.lock();
            (st.conversations.clone(), st.root.clone())
        };
        let policy_dir = b
            .analysis
            .file(file)
            .and_then(|f| PathBuf::from(&f.name).parent().map(|p| p.to_path_buf()));
        let path = workspace::conversations_file(
            configured.as_deref(),
            root.as_deref(),
            policy_dir.as_deref(),
        )?;
        let mtime = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
        if let Some((t, id, s)) = self.lock().stats.get(&path) {
            if *t == mtime && *id == b.id {
                return Some(s.clone());
            }
        }
        let stats = Arc::new(ide::ConversationStats::from_file(
            &b.analysis,
            &path,
            ide::lens::MAX_CONVERSATIONS,
        )?);
        self.lock().stats.insert(path, (mtime, b.id, stats.clone()));
        Some(stats)
    }
}

fn conversations_option(v: Option<&Value>) -> Option<PathBuf> {
    let s = v?.get("conversations")?.as_str()?;
    let s = s.trim();
    (!s.is_empty()).then(|| PathBuf::from(s))
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let utf8 = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
        let enc = if utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        #[allow(deprecated)]
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|w| w.first())
            .and_then(|w| workspace::path_of(&w.uri))
            .or_else(|| params.root_uri.as_ref().and_then(workspace::path_of))
            .or_else(|| params.root_path.as_ref().map(PathBuf::from));
        {
            let mut st = self.lock();
            st.encoding = enc;
            st.root = root;
            st.conversations = conversations_option(params.initialization_options.as_ref());
            st.snippets = params
                .capabilities
                .text_document
                .as_ref()
                .and_then(|t| t.completion.as_ref())
                .and_then(|c| c.completion_item.as_ref())
                .and_then(|i| i.snippet_support)
                .unwrap_or(false);
            st.lens_refresh = params
                .capabilities
                .workspace
                .as_ref()
                .and_then(|w| w.code_lens.as_ref())
                .and_then(|c| c.refresh_support)
                .unwrap_or(false);
        }
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(if utf8 {
                    PositionEncodingKind::UTF8
                } else {
                    PositionEncodingKind::UTF16
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::FULL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec!["\"".into(), "{".into(), ",".into()]),
                    ..CompletionOptions::default()
                }),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                document_highlight_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..CodeActionOptions::default()
                    },
                )),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: legend(),
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            range: None,
                            work_done_progress_options: WorkDoneProgressOptions::default(),
                        },
                    ),
                ),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "handover".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        })
    }

    async fn shutdown(&self) -> Result<()> {
        self.lock().shutdown = true;
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let td = params.text_document;
        let g = {
            let mut st = self.lock();
            let path = workspace::path_of(&td.uri);
            st.docs.insert(
                td.uri.clone(),
                workspace::Doc {
                    text: td.text,
                    version: td.version,
                    path,
                },
            );
            let g = st.group_of_uri(&td.uri);
            st.bump(&g);
            g
        };
        self.publish(&g).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let g = {
            let mut st = self.lock();
            let enc = st.encoding;
            let Some(doc) = st.docs.get_mut(&uri) else {
                return;
            };
            if version <= doc.version {
                // stale: an older change that arrived late
                return;
            }
            for c in params.content_changes {
                doc.text = match c.range {
                    None => c.text,
                    Some(r) => convert::apply_change(&doc.text, r, &c.text, enc),
                };
            }
            doc.version = version;
            let g = st.group_of_uri(&uri);
            st.bump(&g);
            g
        };
        self.publish(&g).await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let g = {
            let mut st = self.lock();
            let g = st.group_of_uri(&uri);
            st.docs.remove(&uri);
            // it is published again when it is still part of the policy
            st.had_errors.insert(g.clone(), true);
            st.bump(&g);
            g
        };
        // a closed document keeps the diagnostics of its file on disk (a
        // file of a policy directory), or loses them
        self.publish(&g).await;
        if matches!(g, Group::Single(_)) {
            let mut st = self.lock();
            st.built.remove(&g);
            st.published.remove(&g);
            st.had_errors.remove(&g);
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let _ = params;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let _ = params;
        let groups = {
            let mut st = self.lock();
            st.bump_all();
            st.stats.clear();
            st.groups()
        };
        for g in groups {
            self.publish(&g).await;
        }
        self.refresh_lenses().await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let conv = params
            .settings
            .get("handover")
            .map(|h| conversations_option(Some(h)));
        if let Some(c) = conv {
            {
                let mut st = self.lock();
                st.conversations = c;
                st.stats.clear();
            }
            self.refresh_lenses().await;
        }
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let tdp = params.text_document_position;
        let Some((b, file, off, enc)) = self.at(&tdp.text_document.uri, tdp.position) else {
            return Ok(None);
        };
        let Some(f) = b.analysis.file(file) else {
            return Ok(None);
        };
        let snippets = self.lock().snippets;
        let items: Vec<CompletionItem> = ide::completions(&b.analysis, file, off)
            .into_iter()
            .map(|mut c| {
                // a client without snippets would insert `$1` as it is
                if c.snippet && !snippets {
                    c.insert_text = convert::plain_from_snippet(&c.insert_text);
                    c.snippet = false;
                }
                let range = convert::range(f, c.replace, enc);
                CompletionItem {
                    label: c.label,
                    kind: Some(match c.kind {
                        ide::CompletionKind::Field => CompletionItemKind::FIELD,
                        ide::CompletionKind::Value => CompletionItemKind::ENUM_MEMBER,
                        ide::CompletionKind::Let => CompletionItemKind::CONSTANT,
                        ide::CompletionKind::Queue => CompletionItemKind::VALUE,
                        ide::CompletionKind::Keyword => CompletionItemKind::KEYWORD,
                        ide::CompletionKind::Operator => CompletionItemKind::OPERATOR,
                        ide::CompletionKind::Action => CompletionItemKind::KEYWORD,
                        ide::CompletionKind::Priority => CompletionItemKind::ENUM_MEMBER,
                        ide::CompletionKind::ContextItem => CompletionItemKind::PROPERTY,
                        ide::CompletionKind::Type => CompletionItemKind::TYPE_PARAMETER,
                        ide::CompletionKind::Snippet => CompletionItemKind::SNIPPET,
                    }),
                    detail: c.detail,
                    documentation: c.documentation.map(|d| {
                        Documentation::MarkupContent(MarkupContent {
                            kind: MarkupKind::Markdown,
                            value: d,
                        })
                    }),
                    sort_text: Some(c.sort_text),
                    filter_text: c.filter_text,
                    insert_text_format: Some(if c.snippet {
                        InsertTextFormat::SNIPPET
                    } else {
                        InsertTextFormat::PLAIN_TEXT
                    }),
                    text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                        range,
                        new_text: c.insert_text,
                    })),
                    ..CompletionItem::default()
                }
            })
            .collect();
        Ok(Some(CompletionResponse::Array(items)))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let tdp = params.text_document_position_params;
        let Some((b, file, off, enc)) = self.at(&tdp.text_document.uri, tdp.position) else {
            return Ok(None);
        };
        let Some(h) = ide::hover(&b.analysis, file, off) else {
            return Ok(None);
        };
        let range = b
            .analysis
            .file(file)
            .map(|f| convert::range(f, h.span, enc));
        Ok(Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: h.markdown,
            }),
            range,
        }))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let tdp = params.text_document_position_params;
        let Some((b, file, off, enc)) = self.at(&tdp.text_document.uri, tdp.position) else {
            return Ok(None);
        };
        Ok(ide::definition(&b.analysis, file, off)
            .and_then(|s| location(&b, s, enc))
            .map(GotoDefinitionResponse::Scalar))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let tdp = params.text_document_position;
        let Some((b, file, off, enc)) = self.at(&tdp.text_document.uri, tdp.position) else {
            return Ok(None);
        };
        let spans = ide::references(&b.analysis, file, off, params.context.include_declaration);
        Ok(Some(
            spans
                .into_iter()
                .filter_map(|s| location(&b, s, enc))
                .collect(),
        ))
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let tdp = params.text_document_position_params;
        let Some((b, file, off, enc)) = self.at(&tdp.text_document.uri, tdp.position) else {
            return Ok(None);
        };
        let Some(f) = b.analysis.file(file) else {
            return Ok(None);
        };
        Ok(Some(
            ide::highlights(&b.analysis, file, off)
                .into_iter()
                .map(|(s, decl)| DocumentHighlight {
                    range: convert::range(f, s, enc),
                    kind: Some(if decl {
                        DocumentHighlightKind::WRITE
                    } else {
                        DocumentHighlightKind::READ
                    }),
                })
                .collect(),
        ))
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let Some((b, file, off, enc)) = self.at(&params.text_document.uri, params.position) else {
            return Ok(None);
        };
        let Some(f) = b.analysis.file(file) else {
            return Ok(None);
        };
        match ide::prepare_rename(&b.analysis, file, off) {
            Ok((span, placeholder)) => Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
                range: convert::range(f, span, enc),
                placeholder,
            })),
            Err(e) => Err(Error::invalid_params(e.0)),
        }
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let tdp = params.text_document_position;
        let Some((b, file, off, enc)) = self.at(&tdp.text_document.uri, tdp.position) else {
            return Ok(None);
        };
        match ide::rename(&b.analysis, file, off, &params.new_name) {
            Ok(edits) => Ok(Some(edits_to_workspace(&b, &edits, enc))),
            Err(e) => Err(Error::invalid_params(e.0)),
        }
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let enc = self.encoding();
        let Some((b, file)) = self.analysis_for(&params.text_document.uri) else {
            return Ok(None);
        };
        let Some(f) = b.analysis.file(file) else {
            return Ok(None);
        };
        let syms = ide::document_symbols(&b.analysis, file)
            .iter()
            .map(|n| document_symbol(f, n, enc))
            .collect();
        Ok(Some(DocumentSymbolResponse::Nested(syms)))
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<OneOf<Vec<SymbolInformation>, Vec<WorkspaceSymbol>>>> {
        let enc = self.encoding();
        let mut groups = self.lock().groups();
        let root = self.lock().root.clone();
        if let Some(r) = root {
            let g = Group::Dir(r.clone());
            let has_policy = std::fs::read_dir(&r).is_ok_and(|rd| {
                rd.flatten()
                    .any(|e| e.path().extension().is_some_and(|x| x == "handover"))
            });
            if has_policy && !groups.contains(&g) {
                groups.push(g);
            }
        }
        let mut out = Vec::new();
        for g in groups {
            let b = self.built(&g);
            for s in ide::workspace_symbols(&b.analysis, &params.query) {
                let Some(loc) = location(&b, s.span, enc) else {
                    continue;
                };
                #[allow(deprecated)]
                out.push(SymbolInformation {
                    name: s.name,
                    kind: symbol_kind(s.kind),
                    tags: None,
                    deprecated: None,
                    location: loc,
                    container_name: s.container,
                });
            }
        }
        Ok(Some(OneOf::Left(out)))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let enc = self.encoding();
        let Some((b, file)) = self.analysis_for(&params.text_document.uri) else {
            return Ok(None);
        };
        let Some(f) = b.analysis.file(file) else {
            return Ok(None);
        };
        let edits = ide::format_edits(file, &f.text)
            .into_iter()
            .map(|e| TextEdit {
                range: convert::range(f, e.span, enc),
                new_text: e.text,
            })
            .collect();
        Ok(Some(edits))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        if let Some(only) = &params.context.only {
            if !only
                .iter()
                .any(|k| k.as_str().starts_with("quickfix") || k.as_str().is_empty())
            {
                return Ok(Some(Vec::new()));
            }
        }
        let enc = self.encoding();
        let Some((b, file)) = self.analysis_for(&params.text_document.uri) else {
            return Ok(None);
        };
        let Some(f) = b.analysis.file(file) else {
            return Ok(None);
        };
        let span = convert::span(f, file, params.range, enc);
        let actions = ide::code_actions(&b.analysis, file, span)
            .into_iter()
            .map(|a| {
                CodeActionOrCommand::CodeAction(CodeAction {
                    title: a.title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: lsp_diagnostic(&b.analysis, &b.uris, &a.diagnostic, enc)
                        .map(|d| vec![d]),
                    edit: Some(edits_to_workspace(&b, &a.edits, enc)),
                    is_preferred: Some(a.preferred),
                    ..CodeAction::default()
                })
            })
            .collect();
        Ok(Some(actions))
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let enc = self.encoding();
        let Some((b, file)) = self.analysis_for(&params.text_document.uri) else {
            return Ok(None);
        };
        let stats = self.conversation_stats(&b, file);
        let Some(f) = b.analysis.file(file) else {
            return Ok(None);
        };
        Ok(Some(
            ide::code_lenses(&b.analysis, file, stats.as_deref())
                .into_iter()
                .map(|l| CodeLens {
                    range: convert::range(f, l.span, enc),
                    command: Some(Command {
                        title: l.title,
                        command: String::new(),
                        arguments: None,
                    }),
                    data: None,
                })
                .collect(),
        ))
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let Some((b, file)) = self.analysis_for(&params.text_document.uri) else {
            return Ok(None);
        };
        Ok(Some(
            ide::folding_ranges(&b.analysis, file)
                .into_iter()
                .map(|r| FoldingRange {
                    start_line: r.start_line as u32,
                    end_line: r.end_line as u32,
                    kind: Some(match r.kind {
                        ide::FoldKind::Comment => FoldingRangeKind::Comment,
                        ide::FoldKind::Region => FoldingRangeKind::Region,
                    }),
                    ..FoldingRange::default()
                })
                .collect(),
        ))
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let enc = self.encoding();
        let Some((b, file)) = self.analysis_for(&params.text_document.uri) else {
            return Ok(None);
        };
        Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: None,
            data: encode_tokens(&b.analysis, file, enc),
        })))
    }
}

/// Semantic tokens in the protocol's relative encoding.
pub fn encode_tokens(a: &Analysis, file: u32, enc: Encoding) -> Vec<SemanticToken> {
    let Some(f) = a.file(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let (mut prev_line, mut prev_col) = (0u32, 0u32);
    for (span, ty) in ide::semantic_tokens(a, file) {
        let start = convert::position(f, span.start, enc);
        let end = convert::position(f, span.end, enc);
        if end.line != start.line || end.character <= start.character {
            continue;
        }
        let delta_line = start.line.saturating_sub(prev_line);
        let delta_start = if delta_line == 0 {
            start.character.saturating_sub(prev_col)
        } else {
            start.character
        };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length: end.character - start.character,
            token_type: ty.index(),
            token_modifiers_bitset: 0,
        });
        prev_line = start.line;
        prev_col = start.character;
    }
    out
}
