// A hand-written stand-in for the `vscode` module, so that the compiled
// extension (out/extension.js) and the real vscode-languageclient/node can run
// under plain Node, without VS Code. The test (extension.test.js) makes
// `require('vscode')` resolve to this file.
//
// It models the parts of the VS Code API (1.85) that extension.ts and
// vscode-languageclient 9 touch when they load, start a server, sync
// documents, show diagnostics, register providers and stop:
//
//   - value types: Uri (file: and parsed URIs, encoded the way VS Code does),
//     Position, Range, Selection, Location, Diagnostic (+ severity, tags,
//     related information), TextEdit, WorkspaceEdit, CodeLens, CompletionItem,
//     CodeAction(Kind), MarkdownString, Hover, DocumentSymbol, SymbolInformation,
//     FoldingRange, SemanticTokens(Legend), ... -- every class that the client
//     library subclasses at load time (`class ProtocolX extends code.X`) or
//     builds in its protocol converter, with their real enum values (VS Code's
//     DiagnosticSeverity.Error is 0, the protocol's is 1: the conversion is
//     part of what the test checks);
//   - Disposable, EventEmitter, CancellationTokenSource, CancellationError;
//   - workspace: folders, configuration (defaults read from the extension's
//     package.json, overridden by test settings, nested like VS Code's:
//     getConfiguration('handover').get('server.path') and
//     getConfiguration().get('handover') both work), onDidChangeConfiguration
//     with affectsConfiguration(), text documents (openTextDocument reads the
//     file, picks the language from the package.json `contributes.languages`
//     extensions and fires onDidOpenTextDocument; edits and closes through the
//     test controller fire onDidChangeTextDocument/onDidCloseTextDocument),
//     createFileSystemWatcher with glob matching, applyEdit (recorded);
//   - languages: createDiagnosticCollection, getDiagnostics,
//     onDidChangeDiagnostics, match (VS Code's document-selector score), every
//     register*Provider (recorded so a test can call a provider the way the
//     editor would);
//   - window: output channels (lines recorded), show*Message (recorded,
//     resolve to undefined as if the user dismissed them), withProgress,
//     tabGroups (no tabs), activeTextEditor (none);
//   - commands: registerCommand (throws on a duplicate id, as VS Code does),
//     executeCommand (registered ones are run, others recorded);
//   - env, extensions, version ("1.85.0", the engines minimum in package.json).
//
// It does not model: an editor UI (no text editors, tabs, decorations, status
// bar), notebooks (empty lists and events that never fire), a real file
// system watcher (events only fire through the controller), settings scopes
// and targets (one flat layer of settings; update() ignores the target),
// workspace trust, authentication, tasks, debugging, webviews, l10n beyond
// env.language, multi-root folder changes after start (the event exists but
// never fires), Uri edge cases beyond file: and simple scheme://authority/path.
//
// The test drives it through `vscode._test` (not part of the VS Code API,
// non-enumerable): reset(), setConfiguration(), editDocument(),
// closeDocument(), fireFileEvent(), createExtensionContext(), and the
// recorded messages, commands, providers and output channels. Reads of API
// members the fake lacks are recorded in `vscode._test.unknownAccesses` (the
// test fails on them).

'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const MANIFEST = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));

// --- Disposable, events, cancellation ------------------------------------------

/** Errors thrown by event listeners (VS Code logs them and calls the next listener). */
const listenerErrors = [];

class Disposable {
  static from(...disposables) {
    return new Disposable(() => {
      for (const d of disposables) {
        if (d && typeof d.dispose === 'function') d.dispose();
      }
    });
  }
  constructor(callOnDispose) {
    this._callOnDispose = callOnDispose;
  }
  dispose() {
    if (typeof this._callOnDispose === 'function') {
      const f = this._callOnDispose;
      this._callOnDispose = undefined;
      f();
    }
  }
}

/** VS Code's EventEmitter: `event(listener, thisArgs?, disposables?)` returns a Disposable. */
class EventEmitter {
  constructor() {
    this._listeners = new Set();
    this._disposed = false;
    this.event = (listener, thisArgs, disposables) => {
      if (this._disposed) return new Disposable(() => {});
      const entry = { listener, thisArgs };
      this._listeners.add(entry);
      const d = new Disposable(() => this._listeners.delete(entry));
      if (Array.isArray(disposables)) disposables.push(d);
      return d;
    };
  }
  fire(data) {
    for (const { listener, thisArgs } of Array.from(this._listeners)) {
      try {
        listener.call(thisArgs, data);
      } catch (err) {
        // VS Code logs listener errors and goes on with the others.
        listenerErrors.push(err);
        console.error('fake vscode: event listener threw:', err);
      }
    }
  }
  dispose() {
    this._disposed = true;
    this._listeners.clear();
  }
}

class CancellationError extends Error {
  constructor() {
    super('Canceled');
    this.name = 'Canceled';
  }
}

class CancellationTokenSource {
  constructor() {
    this._emitter = new EventEmitter();
    const self = this;
    this._cancelled = false;
    this.token = {
      get isCancellationRequested() {
        return self._cancelled;
      },
      onCancellationRequested: this._emitter.event,
    };
  }
  cancel() {
    if (!this._cancelled) {
      this._cancelled = true;
      this._emitter.fire(undefined);
    }
  }
  dispose(cancel = false) {
    if (cancel) this.cancel();
    this._emitter.dispose();
  }
}

// --- Uri ----------------------------------------------------------------------------

const URI_REGEX = /^(([^:/?#]+?):)?(\/\/([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?/;

/** Percent-encodes like vscode-uri: unreserved characters and `/` stay, the rest is %XX (UTF-8). */
function encodeUriPart(value, keepSlash) {
  let out = '';
  for (const ch of value) {
    if (/[A-Za-z0-9\-._~]/.test(ch) || (keepSlash && ch === '/')) {
      out += ch;
    } else {
      out += Array.from(Buffer.from(ch, 'utf8'))
        .map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0'))
        .join('');
    }
  }
  return out;
}

function decodeUriPart(value) {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

class Uri {
  static parse(value, strict = false) {
    const m = URI_REGEX.exec(String(value));
    if (!m || (strict && !m[2])) throw new Error(`[UriError]: cannot parse ${value}`);
    return new Uri(
      m[2] || 'file',
      decodeUriPart(m[4] || ''),
      decodeUriPart(m[5] || ''),
      decodeUriPart(m[7] || ''),
      decodeUriPart(m[9] || ''),
    );
  }
  static file(fsPath) {
    let p = process.platform === 'win32' ? fsPath.replace(/\\/g, '/') : fsPath;
    let authority = '';
    if (p.startsWith('//')) {
      // UNC path //server/share
      const i = p.indexOf('/', 2);
      authority = i === -1 ? p.slice(2) : p.slice(2, i);
      p = i === -1 ? '/' : p.slice(i);
    }
    if (!p.startsWith('/')) p = '/' + p;
    return new Uri('file', authority, p, '', '');
  }
  static from(c) {
    return new Uri(c.scheme, c.authority || '', c.path || '', c.query || '', c.fragment || '');
  }
  static joinPath(base, ...segments) {
    return base.with({ path: path.posix.join(base.path || '/', ...segments) });
  }
  constructor(scheme, authority, p, query, fragment) {
    this.scheme = scheme;
    this.authority = authority;
    this.path = p;
    this.query = query;
    this.fragment = fragment;
  }
  get fsPath() {
    let p = this.authority && this.scheme === 'file' ? `//${this.authority}${this.path}` : this.path;
    if (process.platform === 'win32') {
      if (/^\/[A-Za-z]:/.test(p)) p = p.slice(1);
      p = p.replace(/\//g, '\\');
    }
    return p;
  }
  with(change) {
    return new Uri(
      change.scheme ?? this.scheme,
      change.authority ?? this.authority,
      change.path ?? this.path,
      change.query ?? this.query,
      change.fragment ?? this.fragment,
    );
  }
  toString(skipEncoding = false) {
    const enc = skipEncoding ? (s) => s : encodeUriPart;
    let out = `${this.scheme}:`;
    if (this.authority || this.scheme === 'file') out += '//' + enc(this.authority, false);
    out += enc(this.path, true);
    if (this.query) out += '?' + enc(this.query, false);
    if (this.fragment) out += '#' + enc(this.fragment, false);
    return out;
  }
  toJSON() {
    return { $mid: 1, scheme: this.scheme, authority: this.authority, path: this.path, query: this.query, fragment: this.fragment, fsPath: this.fsPath, external: this.toString() };
  }
}

function toUri(value) {
  if (value instanceof Uri) return value;
  if (typeof value === 'string') return /^[A-Za-z][A-Za-z0-9+.-]+:/.test(value) && !/^[A-Za-z]:[\\/]/.test(value) ? Uri.parse(value) : Uri.file(value);
  throw new Error(`fake vscode: not a Uri: ${value}`);
}

// --- positions and ranges -----------------------------------------------------------

class Position {
  constructor(line, character) {
    if (!Number.isInteger(line) || line < 0) throw new Error('Illegal argument: line must be non-negative');
    if (!Number.isInteger(character) || character < 0) throw new Error('Illegal argument: character must be non-negative');
    this.line = line;
    this.character = character;
  }
  compareTo(other) {
    return this.line === other.line ? this.character - other.character : this.line - other.line;
  }
  isBefore(other) {
    return this.compareTo(other) < 0;
  }
  isBeforeOrEqual(other) {
    return this.compareTo(other) <= 0;
  }
  isAfter(other) {
    return this.compareTo(other) > 0;
  }
  isAfterOrEqual(other) {
    return this.compareTo(other) >= 0;
  }
  isEqual(other) {
    return this.compareTo(other) === 0;
  }
  translate(lineDelta = 0, characterDelta = 0) {
    if (typeof lineDelta === 'object') {
      characterDelta = lineDelta.characterDelta ?? 0;
      lineDelta = lineDelta.lineDelta ?? 0;
    }
    return new Position(this.line + lineDelta, this.character + characterDelta);
  }
  with(line = this.line, character = this.character) {
    if (typeof line === 'object') return new Position(line.line ?? this.line, line.character ?? this.character);
    return new Position(line, character);
  }
}

class Range {
  /** `new Range(start, end)` or `new Range(startLine, startCharacter, endLine, endCharacter)`; swapped ends are ordered. */
  constructor(a, b, c, d) {
    let start = a;
    let end = b;
    if (typeof a === 'number') {
      start = new Position(a, b);
      end = new Position(c, d);
    }
    if (!(start instanceof Position) || !(end instanceof Position)) throw new Error('Illegal argument: Range needs positions');
    if (start.isAfter(end)) [start, end] = [end, start];
    this.start = start;
    this.end = end;
  }
  get isEmpty() {
    return this.start.isEqual(this.end);
  }
  get isSingleLine() {
    return this.start.line === this.end.line;
  }
  contains(x) {
    if (x instanceof Range) return this.contains(x.start) && this.contains(x.end);
    return x.isAfterOrEqual(this.start) && x.isBeforeOrEqual(this.end);
  }
  isEqual(other) {
    return this.start.isEqual(other.start) && this.end.isEqual(other.end);
  }
  intersection(other) {
    const start = this.start.isAfter(other.start) ? this.start : other.start;
    const end = this.end.isBefore(other.end) ? this.end : other.end;
    return start.isAfter(end) ? undefined : new Range(start, end);
  }
  union(other) {
    return new Range(this.start.isBefore(other.start) ? this.start : other.start, this.end.isAfter(other.end) ? this.end : other.end);
  }
  with(start = this.start, end = this.end) {
    if (start && !(start instanceof Position)) return new Range(start.start ?? this.start, start.end ?? this.end);
    return new Range(start, end);
  }
}

class Selection extends Range {
  constructor(anchor, active, c, d) {
    if (typeof anchor === 'number') {
      anchor = new Position(anchor, active);
      active = new Position(c, d);
    }
    super(anchor, active);
    this.anchor = anchor;
    this.active = active;
  }
  get isReversed() {
    return this.anchor.isAfter(this.active);
  }
}

class Location {
  constructor(uri, rangeOrPosition) {
    this.uri = uri;
    this.range = rangeOrPosition instanceof Position ? new Range(rangeOrPosition, rangeOrPosition) : rangeOrPosition;
  }
}

// --- diagnostics ------------------------------------------------------------------------

const DiagnosticSeverity = { Error: 0, Warning: 1, Information: 2, Hint: 3 };
const DiagnosticTag = { Unnecessary: 1, Deprecated: 2 };

class DiagnosticRelatedInformation {
  constructor(location, message) {
    this.location = location;
    this.message = message;
  }
}

class Diagnostic {
  constructor(range, message, severity = DiagnosticSeverity.Error) {
    if (!(range instanceof Range)) throw new TypeError('range must be a Range');
    if (typeof message !== 'string') throw new TypeError('message must be a string');
    this.range = range;
    this.message = message;
    this.severity = severity;
    this.source = undefined;
    this.code = undefined;
    this.relatedInformation = undefined;
    this.tags = undefined;
  }
}

// --- editing and language feature value types -------------------------------------------------

class TextEdit {
  static replace(range, newText) {
    return new TextEdit(range, newText);
  }
  static insert(position, newText) {
    return new TextEdit(new Range(position, position), newText);
  }
  static delete(range) {
    return new TextEdit(range, '');
  }
  constructor(range, newText) {
    this.range = range;
    this.newText = newText;
  }
}

class WorkspaceEdit {
  constructor() {
    this._edits = [];
  }
  get size() {
    return new Set(this._edits.map((e) => e.uri && e.uri.toString())).size;
  }
  replace(uri, range, newText, metadata) {
    this._edits.push({ kind: 'edit', uri, edit: new TextEdit(range, newText), metadata });
  }
  insert(uri, position, newText, metadata) {
    this.replace(uri, new Range(position, position), newText, metadata);
  }
  delete(uri, range, metadata) {
    this.replace(uri, range, '', metadata);
  }
  set(uri, edits) {
    for (const e of edits || []) {
      const [edit, metadata] = Array.isArray(e) ? e : [e, undefined];
      this._edits.push({ kind: 'edit', uri, edit, metadata });
    }
  }
  get(uri) {
    return this._edits.filter((e) => e.kind === 'edit' && e.uri.toString() === uri.toString()).map((e) => e.edit);
  }
  has(uri) {
    return this.get(uri).length > 0;
  }
  entries() {
    const map = new Map();
    for (const e of this._edits.filter((x) => x.kind === 'edit')) {
      const key = e.uri.toString();
      if (!map.has(key)) map.set(key, [e.uri, []]);
      map.get(key)[1].push(e.edit);
    }
    return Array.from(map.values());
  }
  createFile(uri, options, metadata) {
    this._edits.push({ kind: 'create', uri, options, metadata });
  }
  deleteFile(uri, options, metadata) {
    this._edits.push({ kind: 'delete', uri, options, metadata });
  }
  renameFile(oldUri, newUri, options, metadata) {
    this._edits.push({ kind: 'rename', uri: oldUri, newUri, options, metadata });
  }
}

class SnippetString {
  constructor(value = '') {
    this.value = value;
  }
  appendText(s) {
    this.value += s.replace(/[$}\\]/g, '\\$&');
    return this;
  }
  appendTabstop(n = 0) {
    this.value += `$${n}`;
    return this;
  }
  appendPlaceholder(v, n = 1) {
    this.value += `\${${n}:${typeof v === 'string' ? v : ''}}`;
    return this;
  }
}

class MarkdownString {
  constructor(value = '', supportThemeIcons = false) {
    this.value = value;
    this.supportThemeIcons = supportThemeIcons;
    this.isTrusted = undefined;
    this.supportHtml = undefined;
    this.baseUri = undefined;
  }
  appendText(value) {
    this.value += value.replace(/[\\`*_{}[\]()#+\-.!]/g, '\\$&');
    return this;
  }
  appendMarkdown(value) {
    this.value += value;
    return this;
  }
  appendCodeblock(code, language = '') {
    this.value += '\n```' + language + '\n' + code + '\n```\n';
    return this;
  }
}

class Hover {
  constructor(contents, range) {
    this.contents = Array.isArray(contents) ? contents : [contents];
    this.range = range;
  }
}

class CodeLens {
  constructor(range, command) {
    this.range = range;
    this.command = command;
  }
  get isResolved() {
    return !!this.command;
  }
}

const CompletionItemKind = {
  Text: 0, Method: 1, Function: 2, Constructor: 3, Field: 4, Variable: 5, Class: 6, Interface: 7, Module: 8,
  Property: 9, Unit: 10, Value: 11, Enum: 12, Keyword: 13, Snippet: 14, Color: 15, File: 16, Reference: 17,
  Folder: 18, EnumMember: 19, Constant: 20, Struct: 21, Event: 22, Operator: 23, TypeParameter: 24, User: 25, Issue: 26,
};
const CompletionItemTag = { Deprecated: 1 };
const CompletionTriggerKind = { Invoke: 0, TriggerCharacter: 1, TriggerForIncompleteCompletions: 2 };

class CompletionItem {
  constructor(label, kind) {
    this.label = label;
    this.kind = kind;
  }
}

class CompletionList {
  constructor(items = [], isIncomplete = false) {
    this.items = items;
    this.isIncomplete = isIncomplete;
  }
}

class CodeActionKind {
  constructor(value) {
    this.value = value;
  }
  append(part) {
    return new CodeActionKind(this.value ? `${this.value}.${part}` : part);
  }
  intersects(other) {
    return this.contains(other) || other.contains(this);
  }
  contains(other) {
    return this.value === other.value || this.value === '' || other.value.startsWith(this.value + '.');
  }
}
CodeActionKind.Empty = new CodeActionKind('');
CodeActionKind.QuickFix = new CodeActionKind('quickfix');
CodeActionKind.Refactor = new CodeActionKind('refactor');
CodeActionKind.RefactorExtract = new CodeActionKind('refactor.extract');
CodeActionKind.RefactorInline = new CodeActionKind('refactor.inline');
CodeActionKind.RefactorMove = new CodeActionKind('refactor.move');
CodeActionKind.RefactorRewrite = new CodeActionKind('refactor.rewrite');
CodeActionKind.Source = new CodeActionKind('source');
CodeActionKind.SourceOrganizeImports = new CodeActionKind('source.organizeImports');
CodeActionKind.SourceFixAll = new CodeActionKind('source.fixAll');
CodeActionKind.Notebook = new CodeActionKind('notebook');

const CodeActionTriggerKind = { Invoke: 1, Automatic: 2 };

class CodeAction {
  constructor(title, kind) {
    this.title = title;
    this.kind = kind;
  }
}

const SymbolKind = {
  File: 0, Module: 1, Namespace: 2, Package: 3, Class: 4, Method: 5, Property: 6, Field: 7, Constructor: 8, Enum: 9,
  Interface: 10, Function: 11, Variable: 12, Constant: 13, String: 14, Number: 15, Boolean: 16, Array: 17, Object: 18,
  Key: 19, Null: 20, EnumMember: 21, Struct: 22, Event: 23, Operator: 24, TypeParameter: 25,
};
const SymbolTag = { Deprecated: 1 };

class SymbolInformation {
  constructor(name, kind, containerNameOrRange, locationOrUri, containerName) {
    this.name = name;
    this.kind = kind;
    if (containerNameOrRange instanceof Range) {
      this.location = new Location(locationOrUri, containerNameOrRange);
      this.containerName = containerName;
    } else {
      this.containerName = containerNameOrRange;
      this.location = locationOrUri;
    }
  }
}

class DocumentSymbol {
  constructor(name, detail, kind, range, selectionRange) {
    if (!range.contains(selectionRange)) throw new Error('selectionRange must be contained in fullRange');
    this.name = name;
    this.detail = detail;
    this.kind = kind;
    this.range = range;
    this.selectionRange = selectionRange;
    this.children = [];
  }
}

const DocumentHighlightKind = { Text: 0, Read: 1, Write: 2 };
class DocumentHighlight {
  constructor(range, kind = DocumentHighlightKind.Text) {
    this.range = range;
    this.kind = kind;
  }
}

class DocumentLink {
  constructor(range, target) {
    this.range = range;
    this.target = target;
  }
}

const FoldingRangeKind = { Comment: 1, Imports: 2, Region: 3 };
class FoldingRange {
  constructor(start, end, kind) {
    this.start = start;
    this.end = end;
    this.kind = kind;
  }
}

class SelectionRange {
  constructor(range, parent) {
    this.range = range;
    this.parent = parent;
  }
}

class SemanticTokensLegend {
  constructor(tokenTypes, tokenModifiers = []) {
    this.tokenTypes = tokenTypes;
    this.tokenModifiers = tokenModifiers;
  }
}
class SemanticTokens {
  constructor(data, resultId) {
    this.data = data;
    this.resultId = resultId;
  }
}
class SemanticTokensEdit {
  constructor(start, deleteCount, data) {
    this.start = start;
    this.deleteCount = deleteCount;
    this.data = data;
  }
}
class SemanticTokensEdits {
  constructor(edits, resultId) {
    this.edits = edits;
    this.resultId = resultId;
  }
}

class SignatureHelp {
  constructor() {
    this.signatures = [];
    this.activeSignature = 0;
    this.activeParameter = 0;
  }
}
class SignatureInformation {
  constructor(label, documentation) {
    this.label = label;
    this.documentation = documentation;
    this.parameters = [];
  }
}
class ParameterInformation {
  constructor(label, documentation) {
    this.label = label;
    this.documentation = documentation;
  }
}
const SignatureHelpTriggerKind = { Invoke: 1, TriggerCharacter: 2, ContentChange: 3 };

class Color {
  constructor(red, green, blue, alpha) {
    Object.assign(this, { red, green, blue, alpha });
  }
}
class ColorInformation {
  constructor(range, color) {
    this.range = range;
    this.color = color;
  }
}
class ColorPresentation {
  constructor(label) {
    this.label = label;
  }
}

class CallHierarchyItem {
  constructor(kind, name, detail, uri, range, selectionRange) {
    Object.assign(this, { kind, name, detail, uri, range, selectionRange });
  }
}
class CallHierarchyIncomingCall {
  constructor(from, fromRanges) {
    this.from = from;
    this.fromRanges = fromRanges;
  }
}
class CallHierarchyOutgoingCall {
  constructor(to, fromRanges) {
    this.to = to;
    this.fromRanges = fromRanges;
  }
}
class TypeHierarchyItem {
  constructor(kind, name, detail, uri, range, selectionRange) {
    Object.assign(this, { kind, name, detail, uri, range, selectionRange });
  }
}

const InlayHintKind = { Type: 1, Parameter: 2 };
class InlayHint {
  constructor(position, label, kind) {
    this.position = position;
    this.label = label;
    this.kind = kind;
  }
}
class InlayHintLabelPart {
  constructor(value) {
    this.value = value;
  }
}

class InlineValueText {
  constructor(range, text) {
    this.range = range;
    this.text = text;
  }
}
class InlineValueVariableLookup {
  constructor(range, variableName, caseSensitiveLookup = true) {
    Object.assign(this, { range, variableName, caseSensitiveLookup });
  }
}
class InlineValueEvaluatableExpression {
  constructor(range, expression) {
    this.range = range;
    this.expression = expression;
  }
}
class InlineCompletionItem {
  constructor(insertText, range, command) {
    Object.assign(this, { insertText, range, command });
  }
}
class InlineCompletionList {
  constructor(items) {
    this.items = items;
  }
}
class LinkedEditingRanges {
  constructor(ranges, wordPattern) {
    this.ranges = ranges;
    this.wordPattern = wordPattern;
  }
}

class RelativePattern {
  constructor(base, pattern) {
    this.baseUri = typeof base === 'string' ? Uri.file(base) : base.uri ?? base;
    this.base = this.baseUri.fsPath;
    this.pattern = pattern;
  }
}

// Tab inputs: there are no tabs, but the diagnostic feature does `instanceof` checks.
class TabInputText {
  constructor(uri) {
    this.uri = uri;
  }
}
class TabInputTextDiff {
  constructor(original, modified) {
    this.original = original;
    this.modified = modified;
  }
}
class TabInputCustom {
  constructor(uri, viewType) {
    this.uri = uri;
    this.viewType = viewType;
  }
}

const EndOfLine = { LF: 1, CRLF: 2 };
const TextDocumentSaveReason = { Manual: 1, AfterDelay: 2, FocusOut: 3 };
const TextDocumentChangeReason = { Undo: 1, Redo: 2 };
const ProgressLocation = { SourceControl: 1, Window: 10, Notification: 15 };
const ConfigurationTarget = { Global: 1, Workspace: 2, WorkspaceFolder: 3 };
const ExtensionMode = { Production: 1, Development: 2, Test: 3 };
const UIKind = { Desktop: 1, Web: 2 };
const NotebookCellKind = { Markup: 1, Code: 2 };
const StatusBarAlignment = { Left: 1, Right: 2 };
const ViewColumn = { Active: -1, Beside: -2, One: 1, Two: 2, Three: 3 };
const LogLevel = { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 };

// --- glob matching (file system watchers, document filters) ---------------------------------------

/** A glob as VS Code's `**`, `*`, `?`, `{a,b}` and `[...]` patterns, matched against a /-separated path. */
function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches any number of directories (also none)
        if (glob[i + 2] === '/') {
          re += '(?:.*/)?';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close === -1) {
        re += '\\{';
      } else {
        re += '(?:' + glob.slice(i + 1, close).split(',').map((alt) => globToRegExp(alt).source.slice(1, -1)).join('|') + ')';
        i = close;
      }
    } else if (c === '[') {
      const close = glob.indexOf(']', i);
      if (close === -1) {
        re += '\\[';
      } else {
        re += '[' + glob.slice(i + 1, close).replace(/^!/, '^') + ']';
        i = close;
      }
    } else {
      re += c.replace(/[.+^$()|\\]/g, '\\$&');
    }
  }
  return new RegExp('^' + re + '$');
}

function globMatches(pattern, uri) {
  const target = uri.fsPath.replace(/\\/g, '/');
  if (pattern instanceof RelativePattern || (pattern && typeof pattern === 'object' && 'pattern' in pattern)) {
    const base = (pattern.baseUri ? pattern.baseUri.fsPath : pattern.base).replace(/\\/g, '/').replace(/\/$/, '');
    if (!target.startsWith(base + '/')) return false;
    return globToRegExp(pattern.pattern).test(target.slice(base.length + 1));
  }
  const glob = String(pattern);
  // A pattern without a directory part matches the file name anywhere, as in VS Code's selector matching.
  return globToRegExp(glob).test(target) || (!glob.includes('/') && globToRegExp(glob).test(path.posix.basename(target)));
}

// --- text documents ---------------------------------------------------------------------------------

function languageOfPath(p) {
  const ext = path.extname(p).toLowerCase();
  for (const lang of (MANIFEST.contributes && MANIFEST.contributes.languages) || []) {
    if ((lang.extensions || []).some((e) => e.toLowerCase() === ext)) return lang.id;
  }
  if (ext === '.json') return 'json';
  if (ext === '.jsonl') return 'jsonl';
  return 'plaintext';
}

class FakeTextDocument {
  constructor(uri, languageId, text) {
    this.uri = uri;
    this.languageId = languageId;
    this.version = 1;
    this.isDirty = false;
    this.isClosed = false;
    this.isUntitled = uri.scheme === 'untitled';
    this._text = text;
  }
  get fileName() {
    return this.uri.fsPath;
  }
  get eol() {
    return this._text.includes('\r\n') ? EndOfLine.CRLF : EndOfLine.LF;
  }
  get _lines() {
    return this._text.split(/\r?\n/);
  }
  get lineCount() {
    return this._lines.length;
  }
  lineAt(lineOrPosition) {
    const line = typeof lineOrPosition === 'number' ? lineOrPosition : lineOrPosition.line;
    const lines = this._lines;
    if (line < 0 || line >= lines.length) throw new Error('Illegal value for `line`');
    const text = lines[line];
    const firstNonWhitespaceCharacterIndex = text.search(/\S|$/);
    return {
      lineNumber: line,
      text,
      range: new Range(line, 0, line, text.length),
      rangeIncludingLineBreak: line < lines.length - 1 ? new Range(line, 0, line + 1, 0) : new Range(line, 0, line, text.length),
      firstNonWhitespaceCharacterIndex,
      isEmptyOrWhitespace: firstNonWhitespaceCharacterIndex === text.length,
    };
  }
  offsetAt(position) {
    const p = this.validatePosition(position);
    const lines = this._text.split('\n');
    let offset = 0;
    for (let i = 0; i < p.line; i++) offset += lines[i].length + 1;
    return offset + p.character;
  }
  positionAt(offset) {
    const clamped = Math.max(0, Math.min(offset, this._text.length));
    const before = this._text.slice(0, clamped).split('\n');
    return new Position(before.length - 1, before[before.length - 1].replace(/\r$/, '').length);
  }
  getText(range) {
    if (!range) return this._text;
    const r = this.validateRange(range);
    return this._text.slice(this.offsetAt(r.start), this.offsetAt(r.end));
  }
  getWordRangeAtPosition(position, regex = /[A-Za-z_][A-Za-z0-9_]*/g) {
    const text = this.lineAt(position.line).text;
    const re = new RegExp(regex.source, regex.flags.includes('g') ? regex.flags : regex.flags + 'g');
    let m;
    while ((m = re.exec(text)) !== null) {
      if (m.index <= position.character && position.character <= m.index + m[0].length && m[0].length > 0) {
        return new Range(position.line, m.index, position.line, m.index + m[0].length);
      }
      if (m[0].length === 0) re.lastIndex++;
    }
    return undefined;
  }
  validatePosition(position) {
    const lines = this._lines;
    const line = Math.max(0, Math.min(position.line, lines.length - 1));
    const character = Math.max(0, Math.min(position.character, lines[line].length));
    return new Position(line, character);
  }
  validateRange(range) {
    return new Range(this.validatePosition(range.start), this.validatePosition(range.end));
  }
  save() {
    return Promise.resolve(false);
  }
}

// --- configuration ---------------------------------------------------------------------------------

function getPath(obj, dotted) {
  let cur = obj;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(part in cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function setPath(obj, dotted, value) {
  const parts = dotted.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    if (cur[part] === null || typeof cur[part] !== 'object') cur[part] = {};
    cur = cur[part];
  }
  cur[parts[parts.length - 1]] = value;
}

function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

// --- the API ------------------------------------------------------------------------------------------

const state = {};

function freshState(options = {}) {
  // Dispose what the previous test left (emitters drop their listeners).
  for (const e of Object.values(state.emitters || {})) e.dispose();
  state.emitters = {
    didChangeConfiguration: new EventEmitter(),
    didOpenTextDocument: new EventEmitter(),
    didCloseTextDocument: new EventEmitter(),
    didChangeTextDocument: new EventEmitter(),
    didSaveTextDocument: new EventEmitter(),
    willSaveTextDocument: new EventEmitter(),
    didChangeWorkspaceFolders: new EventEmitter(),
    didChangeDiagnostics: new EventEmitter(),
    didChangeActiveTextEditor: new EventEmitter(),
  };
  // Defaults of the extension's settings, as VS Code takes them from package.json.
  state.defaults = {};
  for (const [key, schema] of Object.entries((MANIFEST.contributes.configuration || {}).properties || {})) {
    if ('default' in schema) setPath(state.defaults, key, clone(schema.default));
  }
  state.settings = {}; // flat: 'handover.server.path' -> value
  for (const [k, v] of Object.entries(options.settings || {})) state.settings[k] = clone(v);
  state.workspaceFolders = (options.workspaceFolders || []).map((p, index) => ({ uri: Uri.file(p), name: path.basename(p), index }));
  state.documents = new Map(); // uri string -> FakeTextDocument
  state.diagnosticCollections = new Set();
  state.providers = []; // { kind, selector, provider, args }
  state.commands = new Map(); // id -> { callback, thisArg }
  state.executedCommands = []; // { id, args } of commands nobody registered
  state.messages = []; // { severity: 'error'|'warning'|'information', message, items }
  state.outputChannels = []; // { name, lines, disposed }
  state.watchers = []; // { pattern, ignore: {create, change, delete}, emitters, disposed }
  state.appliedEdits = [];
  state.openedExternal = [];
  state.shownDocuments = [];
  state.respondToMessage = undefined;
}

/** The settings tree: package.json defaults with the test settings on top. */
function settingsTree() {
  const tree = clone(state.defaults);
  for (const [k, v] of Object.entries(state.settings)) setPath(tree, k, clone(v));
  return tree;
}

function getConfiguration(section, _scope) {
  const prefix = section ? `${section}.` : '';
  const lookup = (key) => {
    const full = prefix + key;
    const value = getPath(settingsTree(), full);
    return clone(value);
  };
  const config = {
    get(key, defaultValue) {
      const value = lookup(key);
      return value === undefined ? defaultValue : value;
    },
    has(key) {
      return lookup(key) !== undefined;
    },
    inspect(key) {
      const full = prefix + key;
      return {
        key: full,
        defaultValue: clone(getPath(state.defaults, full)),
        globalValue: clone(state.settings[full]),
        workspaceValue: undefined,
        workspaceFolderValue: undefined,
      };
    },
    update(key, value) {
      control.setConfiguration(prefix + key, value);
      return Promise.resolve();
    },
  };
  // Like VS Code, the section's own values are also readable as properties.
  const values = section ? getPath(settingsTree(), section) : settingsTree();
  if (values && typeof values === 'object') {
    for (const [k, v] of Object.entries(values)) {
      if (!(k in config)) config[k] = clone(v);
    }
  }
  return Object.freeze(config);
}

function createDiagnosticCollection(name) {
  const entries = new Map(); // uri string -> [uri, Diagnostic[]]
  let disposed = false;
  const changed = (uris) => state.emitters.didChangeDiagnostics.fire({ uris });
  const collection = {
    get name() {
      return name;
    },
    set(uriOrEntries, diagnostics) {
      if (disposed) throw new Error('DiagnosticCollection is disposed');
      if (Array.isArray(uriOrEntries)) {
        const uris = [];
        for (const [uri, diags] of uriOrEntries) {
          if (!diags) entries.delete(uri.toString());
          else entries.set(uri.toString(), [uri, (entries.get(uri.toString())?.[1] || []).concat(diags)]);
          uris.push(uri);
        }
        changed(uris);
        return;
      }
      const uri = uriOrEntries;
      if (!diagnostics) entries.delete(uri.toString());
      else {
        for (const d of diagnostics) {
          if (!(d instanceof Diagnostic)) throw new TypeError('not a Diagnostic');
        }
        entries.set(uri.toString(), [uri, diagnostics.slice()]);
      }
      changed([uri]);
    },
    delete(uri) {
      if (entries.delete(uri.toString())) changed([uri]);
    },
    clear() {
      const uris = Array.from(entries.values()).map(([u]) => u);
      entries.clear();
      if (uris.length) changed(uris);
    },
    forEach(callback, thisArg) {
      for (const [uri, diags] of entries.values()) callback.call(thisArg, uri, diags, collection);
    },
    get(uri) {
      const e = entries.get(uri.toString());
      return e ? Object.freeze(e[1].slice()) : undefined;
    },
    has(uri) {
      return entries.has(uri.toString());
    },
    dispose() {
      if (disposed) return;
      collection.clear();
      disposed = true;
      state.diagnosticCollections.delete(collection);
    },
    [Symbol.iterator]() {
      return Array.from(entries.values())[Symbol.iterator]();
    },
  };
  state.diagnosticCollections.add(collection);
  return collection;
}

function getDiagnostics(uri) {
  if (uri) {
    const out = [];
    for (const c of state.diagnosticCollections) out.push(...(c.get(uri) || []));
    return out;
  }
  const byUri = new Map();
  for (const c of state.diagnosticCollections) {
    c.forEach((u, diags) => {
      const key = u.toString();
      if (!byUri.has(key)) byUri.set(key, [u, []]);
      byUri.get(key)[1].push(...diags);
    });
  }
  return Array.from(byUri.values());
}

/** VS Code's document selector score: 10 for an exact language/scheme/pattern match, 5 for `*`, 0 for none. */
function match(selector, document) {
  if (Array.isArray(selector)) return selector.reduce((best, s) => Math.max(best, match(s, document)), 0);
  if (typeof selector === 'string') return selector === document.languageId ? 10 : selector === '*' ? 5 : 0;
  if (!selector) return 0;
  const { language, scheme, pattern, notebookType } = selector;
  if (notebookType) return 0; // no notebooks here
  let score = 0;
  if (scheme) {
    if (scheme === document.uri.scheme) score = 10;
    else if (scheme === '*') score = 5;
    else return 0;
  }
  if (language) {
    if (language === document.languageId) score = 10;
    else if (language === '*') score = Math.max(score, 5);
    else return 0;
  }
  if (pattern) {
    if (globMatches(pattern, document.uri)) score = 10;
    else return 0;
  }
  return score;
}

function registerProvider(kind) {
  return (selector, provider, ...args) => {
    const entry = { kind, selector, provider, args };
    state.providers.push(entry);
    return new Disposable(() => {
      const i = state.providers.indexOf(entry);
      if (i !== -1) state.providers.splice(i, 1);
    });
  };
}

function createOutputChannel(name, options) {
  const channel = { name, lines: [], text: '', disposed: false, shown: 0, log: !!(options && options.log) };
  state.outputChannels.push(channel);
  const append = (s) => {
    channel.text += s;
    channel.lines = channel.text.split('\n');
  };
  const api = {
    get name() {
      return name;
    },
    append,
    appendLine: (s) => append(s + '\n'),
    replace: (s) => {
      channel.text = '';
      append(s);
    },
    clear: () => {
      channel.text = '';
      channel.lines = [];
    },
    show: () => {
      channel.shown++;
    },
    hide: () => {},
    dispose: () => {
      channel.disposed = true;
    },
  };
  if (channel.log) {
    for (const level of ['trace', 'debug', 'info', 'warn', 'error']) {
      api[level] = (msg) => append(`[${level}] ${msg instanceof Error ? msg.message : msg}\n`);
    }
    api.logLevel = LogLevel.Info;
    api.onDidChangeLogLevel = new EventEmitter().event;
  }
  return api;
}

function showMessage(severity) {
  return (message, ...rest) => {
    const items = rest.filter((r) => typeof r === 'string' || (r && typeof r === 'object' && 'title' in r));
    state.messages.push({ severity, message, items });
    // By default the user closes the notification without choosing anything;
    // a test can set `vscode._test.respondToMessage` to pick an item.
    return Promise.resolve(state.respondToMessage ? state.respondToMessage({ severity, message, items }) : undefined);
  };
}

function createFileSystemWatcher(pattern, ignoreCreate = false, ignoreChange = false, ignoreDelete = false) {
  const emitters = { create: new EventEmitter(), change: new EventEmitter(), delete: new EventEmitter() };
  const entry = { pattern, ignore: { create: ignoreCreate, change: ignoreChange, delete: ignoreDelete }, emitters, disposed: false };
  state.watchers.push(entry);
  return {
    ignoreCreateEvents: ignoreCreate,
    ignoreChangeEvents: ignoreChange,
    ignoreDeleteEvents: ignoreDelete,
    onDidCreate: emitters.create.event,
    onDidChange: emitters.change.event,
    onDidDelete: emitters.delete.event,
    dispose() {
      entry.disposed = true;
      for (const e of Object.values(emitters)) e.dispose();
    },
  };
}

async function openTextDocument(arg) {
  let uri;
  let doc;
  if (arg === undefined || (arg && typeof arg === 'object' && !(arg instanceof Uri))) {
    const options = arg || {};
    uri = Uri.from({ scheme: 'untitled', path: `Untitled-${state.documents.size + 1}` });
    doc = new FakeTextDocument(uri, options.language || 'plaintext', options.content || '');
  } else {
    uri = toUri(arg);
    const existing = state.documents.get(uri.toString());
    if (existing) return existing;
    const text = await fs.promises.readFile(uri.fsPath, 'utf8');
    doc = new FakeTextDocument(uri, languageOfPath(uri.fsPath), text);
  }
  state.documents.set(uri.toString(), doc);
  state.emitters.didOpenTextDocument.fire(doc);
  return doc;
}

const noEvent = new EventEmitter().event;

const vscode = {
  version: '1.85.0',
  Disposable,
  EventEmitter,
  CancellationError,
  CancellationTokenSource,
  Uri,
  Position,
  Range,
  Selection,
  Location,
  Diagnostic,
  DiagnosticSeverity,
  DiagnosticTag,
  DiagnosticRelatedInformation,
  TextEdit,
  WorkspaceEdit,
  SnippetString,
  MarkdownString,
  Hover,
  CodeLens,
  CompletionItem,
  CompletionItemKind,
  CompletionItemTag,
  CompletionList,
  CompletionTriggerKind,
  CodeAction,
  CodeActionKind,
  CodeActionTriggerKind,
  SymbolKind,
  SymbolTag,
  SymbolInformation,
  DocumentSymbol,
  DocumentHighlight,
  DocumentHighlightKind,
  DocumentLink,
  FoldingRange,
  FoldingRangeKind,
  SelectionRange,
  SemanticTokens,
  SemanticTokensLegend,
  SemanticTokensEdit,
  SemanticTokensEdits,
  SignatureHelp,
  SignatureInformation,
  ParameterInformation,
  SignatureHelpTriggerKind,
  Color,
  ColorInformation,
  ColorPresentation,
  CallHierarchyItem,
  CallHierarchyIncomingCall,
  CallHierarchyOutgoingCall,
  TypeHierarchyItem,
  InlayHint,
  InlayHintKind,
  InlayHintLabelPart,
  InlineValueText,
  InlineValueVariableLookup,
  InlineValueEvaluatableExpression,
  InlineCompletionItem,
  InlineCompletionList,
  LinkedEditingRanges,
  RelativePattern,
  TabInputText,
  TabInputTextDiff,
  TabInputCustom,
  EndOfLine,
  TextDocumentSaveReason,
  TextDocumentChangeReason,
  ProgressLocation,
  ConfigurationTarget,
  ExtensionMode,
  UIKind,
  NotebookCellKind,
  StatusBarAlignment,
  ViewColumn,
  LogLevel,

  workspace: {
    get workspaceFolders() {
      return state.workspaceFolders.length ? state.workspaceFolders.slice() : undefined;
    },
    get name() {
      return state.workspaceFolders[0]?.name;
    },
    get rootPath() {
      return state.workspaceFolders[0]?.uri.fsPath;
    },
    get workspaceFile() {
      return undefined;
    },
    get textDocuments() {
      return Array.from(state.documents.values());
    },
    get notebookDocuments() {
      return [];
    },
    get isTrusted() {
      return true;
    },
    getWorkspaceFolder(uri) {
      const p = uri.fsPath;
      return state.workspaceFolders.find((f) => p === f.uri.fsPath || p.startsWith(f.uri.fsPath + path.sep));
    },
    asRelativePath(pathOrUri) {
      const p = typeof pathOrUri === 'string' ? pathOrUri : pathOrUri.fsPath;
      const folder = state.workspaceFolders.find((f) => p.startsWith(f.uri.fsPath + path.sep));
      return folder ? path.relative(folder.uri.fsPath, p) : p;
    },
    getConfiguration,
    openTextDocument,
    createFileSystemWatcher,
    applyEdit(edit) {
      state.appliedEdits.push(edit);
      return Promise.resolve(true);
    },
    findFiles() {
      return Promise.resolve([]);
    },
    saveAll() {
      return Promise.resolve(true);
    },
    onDidChangeConfiguration: (...a) => state.emitters.didChangeConfiguration.event(...a),
    onDidOpenTextDocument: (...a) => state.emitters.didOpenTextDocument.event(...a),
    onDidCloseTextDocument: (...a) => state.emitters.didCloseTextDocument.event(...a),
    onDidChangeTextDocument: (...a) => state.emitters.didChangeTextDocument.event(...a),
    onDidSaveTextDocument: (...a) => state.emitters.didSaveTextDocument.event(...a),
    onWillSaveTextDocument: (...a) => state.emitters.willSaveTextDocument.event(...a),
    onDidChangeWorkspaceFolders: (...a) => state.emitters.didChangeWorkspaceFolders.event(...a),
    onDidOpenNotebookDocument: noEvent,
    onDidCloseNotebookDocument: noEvent,
    onDidChangeNotebookDocument: noEvent,
    onDidSaveNotebookDocument: noEvent,
    onDidCreateFiles: noEvent,
    onDidDeleteFiles: noEvent,
    onDidRenameFiles: noEvent,
    onWillCreateFiles: noEvent,
    onWillDeleteFiles: noEvent,
    onWillRenameFiles: noEvent,
    onDidGrantWorkspaceTrust: noEvent,
  },

  languages: {
    createDiagnosticCollection,
    getDiagnostics,
    onDidChangeDiagnostics: (...a) => state.emitters.didChangeDiagnostics.event(...a),
    match,
    getLanguages() {
      return Promise.resolve(((MANIFEST.contributes && MANIFEST.contributes.languages) || []).map((l) => l.id).concat(['plaintext']));
    },
    setTextDocumentLanguage(document, languageId) {
      document.languageId = languageId;
      return Promise.resolve(document);
    },
    setLanguageConfiguration: () => new Disposable(() => {}),
    registerCompletionItemProvider: registerProvider('completion'),
    registerHoverProvider: registerProvider('hover'),
    registerSignatureHelpProvider: registerProvider('signatureHelp'),
    registerDefinitionProvider: registerProvider('definition'),
    registerReferenceProvider: registerProvider('references'),
    registerDocumentHighlightProvider: registerProvider('documentHighlight'),
    registerDocumentSymbolProvider: registerProvider('documentSymbol'),
    registerWorkspaceSymbolProvider: (provider, ...args) => registerProvider('workspaceSymbol')(undefined, provider, ...args),
    registerCodeActionsProvider: registerProvider('codeAction'),
    registerCodeLensProvider: registerProvider('codeLens'),
    registerDocumentFormattingEditProvider: registerProvider('formatting'),
    registerDocumentRangeFormattingEditProvider: registerProvider('rangeFormatting'),
    registerOnTypeFormattingEditProvider: registerProvider('onTypeFormatting'),
    registerRenameProvider: registerProvider('rename'),
    registerDocumentLinkProvider: registerProvider('documentLink'),
    registerTypeDefinitionProvider: registerProvider('typeDefinition'),
    registerImplementationProvider: registerProvider('implementation'),
    registerColorProvider: registerProvider('color'),
    registerFoldingRangeProvider: registerProvider('foldingRange'),
    registerDeclarationProvider: registerProvider('declaration'),
    registerSelectionRangeProvider: registerProvider('selectionRange'),
    registerCallHierarchyProvider: registerProvider('callHierarchy'),
    registerTypeHierarchyProvider: registerProvider('typeHierarchy'),
    registerDocumentSemanticTokensProvider: registerProvider('semanticTokens'),
    registerDocumentRangeSemanticTokensProvider: registerProvider('rangeSemanticTokens'),
    registerLinkedEditingRangeProvider: registerProvider('linkedEditingRange'),
    registerInlayHintsProvider: registerProvider('inlayHints'),
    registerInlineValuesProvider: registerProvider('inlineValues'),
    registerInlineCompletionItemProvider: registerProvider('inlineCompletion'),
    registerEvaluatableExpressionProvider: registerProvider('evaluatableExpression'),
  },

  window: {
    get activeTextEditor() {
      return undefined;
    },
    get visibleTextEditors() {
      return [];
    },
    tabGroups: {
      get all() {
        return [];
      },
      get activeTabGroup() {
        return undefined;
      },
      onDidChangeTabs: noEvent,
      onDidChangeTabGroups: noEvent,
    },
    onDidChangeActiveTextEditor: (...a) => state.emitters.didChangeActiveTextEditor.event(...a),
    onDidChangeVisibleTextEditors: noEvent,
    onDidChangeTextEditorSelection: noEvent,
    createOutputChannel,
    showErrorMessage: showMessage('error'),
    showWarningMessage: showMessage('warning'),
    showInformationMessage: showMessage('information'),
    showQuickPick: () => Promise.resolve(undefined),
    showInputBox: () => Promise.resolve(undefined),
    showTextDocument(documentOrUri, options) {
      state.shownDocuments.push({ target: documentOrUri, options });
      return Promise.resolve(undefined);
    },
    withProgress(_options, task) {
      const source = new CancellationTokenSource();
      return Promise.resolve(task({ report: () => {} }, source.token));
    },
    setStatusBarMessage: () => new Disposable(() => {}),
  },

  commands: {
    registerCommand(id, callback, thisArg) {
      if (state.commands.has(id)) throw new Error(`command '${id}' already exists`);
      state.commands.set(id, { callback, thisArg });
      return new Disposable(() => state.commands.delete(id));
    },
    registerTextEditorCommand(id, callback, thisArg) {
      return vscode.commands.registerCommand(id, callback, thisArg);
    },
    async executeCommand(id, ...args) {
      const cmd = state.commands.get(id);
      if (cmd) return cmd.callback.apply(cmd.thisArg, args);
      // A built-in command such as workbench.action.openSettings: recorded, no effect.
      state.executedCommands.push({ id, args });
      return undefined;
    },
    getCommands() {
      return Promise.resolve(Array.from(state.commands.keys()));
    },
  },

  env: {
    appName: 'Visual Studio Code (fake for tests)',
    appRoot: path.join(os.tmpdir(), 'fake-vscode'),
    appHost: 'desktop',
    uriScheme: 'vscode',
    language: 'en',
    machineId: 'fake-machine-id',
    sessionId: 'fake-session-id',
    remoteName: undefined,
    shell: process.env.SHELL || '',
    uiKind: UIKind.Desktop,
    isTelemetryEnabled: false,
    onDidChangeTelemetryEnabled: noEvent,
    clipboard: { readText: () => Promise.resolve(''), writeText: () => Promise.resolve() },
    openExternal(uri) {
      state.openedExternal.push(uri);
      return Promise.resolve(true);
    },
    asExternalUri: (uri) => Promise.resolve(uri),
  },

  extensions: {
    all: [],
    getExtension: () => undefined,
    onDidChange: noEvent,
  },
};

// --- the test controller (not VS Code API) ------------------------------------------------------------

const control = {
  /** Forget everything (documents, settings, registrations, messages) and set up a new window. */
  reset(options) {
    freshState(options);
  },
  get state() {
    return state;
  },
  get messages() {
    return state.messages;
  },
  /** `({ severity, message, items }) => item | undefined`: what the user clicks in the next notifications. */
  set respondToMessage(fn) {
    state.respondToMessage = fn;
  },
  get executedCommands() {
    return state.executedCommands;
  },
  get commands() {
    return state.commands;
  },
  get outputChannels() {
    return state.outputChannels;
  },
  get watchers() {
    return state.watchers;
  },
  providers(kind) {
    return state.providers.filter((p) => kind === undefined || p.kind === kind);
  },
  /** Providers registered for a document, best selector match first, as the editor would pick them. */
  providersFor(kind, document) {
    return control
      .providers(kind)
      .map((p) => ({ p, score: p.selector === undefined ? 10 : match(p.selector, document) }))
      .filter((x) => x.score > 0)
      .sort((a, b) => b.score - a.score)
      .map((x) => x.p.provider);
  },
  /** Sets a setting (e.g. 'handover.conversations') as the user would in settings.json, and fires onDidChangeConfiguration. */
  setConfiguration(key, value) {
    if (value === undefined) delete state.settings[key];
    else state.settings[key] = clone(value);
    state.emitters.didChangeConfiguration.fire({
      affectsConfiguration(section, _scope) {
        return key === section || key.startsWith(section + '.') || section.startsWith(key + '.');
      },
    });
  },
  /** Replaces the whole text of an open document (one content change), bumps its version and fires onDidChangeTextDocument. */
  editDocument(document, newText) {
    const fullRange = new Range(new Position(0, 0), document.positionAt(document._text.length));
    const rangeLength = document._text.length;
    document._text = newText;
    document.version += 1;
    document.isDirty = true;
    state.emitters.didChangeTextDocument.fire({
      document,
      contentChanges: [{ range: fullRange, rangeOffset: 0, rangeLength, text: newText }],
      reason: undefined,
    });
  },
  closeDocument(document) {
    state.documents.delete(document.uri.toString());
    document.isClosed = true;
    state.emitters.didCloseTextDocument.fire(document);
  },
  /** A file changed on disk: fires the matching file system watchers ('create' | 'change' | 'delete'). */
  fireFileEvent(kind, uriOrPath) {
    const uri = toUri(uriOrPath);
    let fired = 0;
    for (const w of state.watchers) {
      if (!w.disposed && !w.ignore[kind] && globMatches(w.pattern, uri)) {
        w.emitters[kind].fire(uri);
        fired++;
      }
    }
    return fired;
  },
  /** An ExtensionContext as VS Code passes to activate(). */
  createExtensionContext(extensionPath) {
    const memento = () => {
      const m = new Map();
      return {
        keys: () => Array.from(m.keys()),
        get: (k, d) => (m.has(k) ? m.get(k) : d),
        update: (k, v) => {
          m.set(k, v);
          return Promise.resolve();
        },
        setKeysForSync: () => {},
      };
    };
    const storage = path.join(os.tmpdir(), 'fake-vscode-storage');
    return {
      subscriptions: [],
      extensionPath,
      extensionUri: Uri.file(extensionPath),
      extensionMode: ExtensionMode.Test,
      asAbsolutePath: (rel) => path.join(extensionPath, rel),
      globalState: memento(),
      workspaceState: memento(),
      secrets: { get: () => Promise.resolve(undefined), store: () => Promise.resolve(), delete: () => Promise.resolve(), onDidChange: noEvent },
      storageUri: Uri.file(path.join(storage, 'workspace')),
      globalStorageUri: Uri.file(path.join(storage, 'global')),
      logUri: Uri.file(path.join(storage, 'log')),
      storagePath: path.join(storage, 'workspace'),
      globalStoragePath: path.join(storage, 'global'),
      logPath: path.join(storage, 'log'),
      environmentVariableCollection: { persistent: false, replace() {}, append() {}, prepend() {}, get() {}, forEach() {}, delete() {}, clear() {} },
      extension: { id: `${MANIFEST.publisher}.${MANIFEST.name}`, extensionPath, extensionUri: Uri.file(extensionPath), packageJSON: MANIFEST, isActive: true },
    };
  },
  /** Disposes an ExtensionContext's subscriptions, as VS Code does after deactivate(). */
  disposeExtensionContext(context) {
    for (const d of context.subscriptions.splice(0)) {
      try {
        d.dispose();
      } catch (err) {
        console.error('fake vscode: disposing a subscription threw:', err);
      }
    }
  },
  globToRegExp,
};

// Reads of API members this fake does not have (a namespace function, a
// class, an enum) would be `undefined` here but not in VS Code: they are
// recorded, and the test fails on them, so the fake cannot silently lag
// behind what the client library uses.
const unknownAccesses = [];
const IGNORED = new Set(['__esModule', 'default', 'then', 'toJSON', 'inspect', 'constructor', 'prototype', 'length', 'name', 'asymmetricMatch', '$$typeof', 'nodeType', 'tagName']);
function reportUnknown(target, name) {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      if (typeof prop === 'string' && !(prop in obj) && !IGNORED.has(prop)) {
        unknownAccesses.push(`${name}.${prop}`);
      }
      return Reflect.get(obj, prop, receiver);
    },
  });
}
for (const ns of ['workspace', 'languages', 'window', 'commands', 'env', 'extensions']) {
  vscode[ns] = reportUnknown(vscode[ns], `vscode.${ns}`);
}
control.unknownAccesses = unknownAccesses;
control.listenerErrors = listenerErrors;

freshState();

Object.defineProperty(vscode, '_test', { value: control, enumerable: false });

module.exports = reportUnknown(vscode, 'vscode');
