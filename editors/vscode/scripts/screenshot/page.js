// Runs in the browser (see index.html). Sets up Monaco as the VS Code
// extension would look: the extension's TextMate grammar tokenizes the policy
// (vscode-textmate + vscode-oniguruma, coloured with the Dark+ token colours),
// and the language server's real answers, recorded by scripts/screenshot.js in
// /data.json, become the model markers and the hover, code action and code
// lens providers. scripts/screenshot.js drives the page through window.shot.
/* global require, monaco */
'use strict';

require.config({
  paths: {
    vs: '/monaco/vs',
    'vscode-textmate': '/tm/vscode-textmate',
    'vscode-oniguruma': '/tm/vscode-oniguruma',
  },
});

// vscode-textmate's encoded token metadata (EncodedTokenAttributes).
const FONT_STYLE_MASK = 0x00007800;
const FONT_STYLE_OFFSET = 11;
const FOREGROUND_MASK = 0x00ff8000;
const FOREGROUND_OFFSET = 15;

const json = (url) => fetch(url).then((r) => {
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
});

function lspRange(r) {
  return new monaco.Range(r.start.line + 1, r.start.character + 1, r.end.line + 1, r.end.character + 1);
}

function severity(s) {
  switch (s) {
    case 1: return monaco.MarkerSeverity.Error;
    case 2: return monaco.MarkerSeverity.Warning;
    case 3: return monaco.MarkerSeverity.Info;
    default: return monaco.MarkerSeverity.Hint;
  }
}

function hoverContents(contents) {
  const list = Array.isArray(contents) ? contents : [contents];
  return list.map((c) => {
    if (typeof c === 'string') return { value: c };
    if (c.kind === 'plaintext') return { value: c.value.replace(/[\\`*_{}[\]()#+\-.!<>]/g, '\\$&') };
    if (c.language) return { value: '```' + c.language + '\n' + c.value + '\n```' };
    return { value: c.value };
  });
}

async function setUp() {
  const [data, grammarText, theme] = await Promise.all([
    json('/data.json'),
    fetch('/grammar.json').then((r) => r.text()),
    json('/dark-plus.json'),
  ]);
  const [tm, onig] = await new Promise((resolve, reject) => {
    require(['vs/editor/editor.main', 'vscode-textmate', 'vscode-oniguruma'], (_m, a, b) => resolve([a, b]), reject);
  });

  // --- TextMate grammar and theme ---------------------------------------------
  await onig.loadWASM(await fetch('/tm/onig.wasm').then((r) => r.arrayBuffer()));
  const registry = new tm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new onig.OnigScanner(patterns),
      createOnigString: (s) => new onig.OnigString(s),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === data.scopeName ? tm.parseRawGrammar(grammarText, 'handover.tmLanguage.json') : null,
  });
  registry.setTheme(theme);
  const grammar = await registry.loadGrammar(data.scopeName);
  const colors = registry.getColorMap(); // index -> '#RRGGBB'; 1 is the default foreground

  class TmState {
    constructor(stack) { this.stack = stack; }
    clone() { return new TmState(this.stack); }
    equals(other) { return other instanceof TmState && other.stack.equals(this.stack); }
  }
  const scopesSeen = new Set();
  const samples = {}; // the first keyword and string the grammar found, for the checks
  monaco.languages.register({ id: 'handover', extensions: ['.handover'], aliases: ['handover'] });
  monaco.languages.setTokensProvider('handover', {
    getInitialState: () => new TmState(tm.INITIAL),
    tokenize(line, state) {
      const r = grammar.tokenizeLine2(line, state.stack);
      const tokens = [];
      for (let i = 0; i < r.tokens.length; i += 2) {
        const meta = r.tokens[i + 1];
        const fg = (meta & FOREGROUND_MASK) >>> FOREGROUND_OFFSET;
        const style = (meta & FONT_STYLE_MASK) >>> FONT_STYLE_OFFSET;
        tokens.push({ startIndex: r.tokens[i], scopes: `tm${fg}${style ? `.s${style}` : ''}` });
      }
      // the scopes, for the report: tokenizeLine gives them by name
      for (const t of grammar.tokenizeLine(line, state.stack).tokens) {
        const scope = t.scopes[t.scopes.length - 1];
        const text = line.slice(t.startIndex, t.endIndex).trim();
        scopesSeen.add(scope);
        if (!samples.keyword && /^keyword\.(control|other)\./.test(scope) && /^[a-z]{3,}$/.test(text)) samples.keyword = text;
        if (!samples.string && scope.startsWith('string.quoted.') && text.length >= 8) samples.string = text;
      }
      return { tokens, endState: new TmState(r.ruleStack) };
    },
  });
  const rules = [];
  colors.forEach((c, i) => {
    if (!c) return;
    rules.push({ token: `tm${i}`, foreground: c.slice(1) });
    for (let s = 1; s < 16; s++) {
      const fontStyle = [s & 1 && 'italic', s & 2 && 'bold', s & 4 && 'underline', s & 8 && 'strikethrough'].filter(Boolean).join(' ');
      rules.push({ token: `tm${i}.s${s}`, foreground: c.slice(1), fontStyle });
    }
  });
  monaco.editor.defineTheme('handover-dark-plus', {
    base: 'vs-dark',
    inherit: true,
    rules: [{ token: '', foreground: (colors[1] || '#D4D4D4').slice(1), background: '1E1E1E' }, ...rules],
    colors: { 'editor.background': '#1E1E1E', 'editor.foreground': colors[1] || '#D4D4D4' },
  });

  // --- the language server's answers --------------------------------------------
  const model = monaco.editor.createModel(data.text, 'handover', monaco.Uri.parse(data.uri));
  monaco.editor.setModelMarkers(model, 'handover', data.diagnostics.map((d) => ({
    severity: severity(d.severity),
    message: d.message,
    source: d.source,
    code: d.codeDescription ? { value: String(d.code), target: monaco.Uri.parse(d.codeDescription.href) } : d.code,
    tags: d.tags,
    ...lspRange(d.range),
  })));

  monaco.languages.registerHoverProvider('handover', {
    provideHover(m, position) {
      for (const h of data.hovers) {
        if (!h.hover) continue;
        const range = h.hover.range ? lspRange(h.hover.range) : lspRange({ start: h.position, end: h.position });
        if (range.containsPosition(position) || range.getStartPosition().equals(position)) {
          return { range, contents: hoverContents(h.hover.contents) };
        }
      }
      return null;
    },
  });

  monaco.languages.registerCodeActionProvider('handover', {
    provideCodeActions(m, range, context) {
      const actions = data.codeActions
        .filter((a) => (a.diagnostics || []).some((d) => monaco.Range.areIntersectingOrTouching(lspRange(d.range), range)))
        .map((a) => ({
          title: a.title,
          kind: a.kind,
          isPreferred: a.isPreferred,
          diagnostics: context.markers.filter((mk) => (a.diagnostics || []).some((d) => d.message === mk.message)),
          edit: {
            edits: Object.entries((a.edit && a.edit.changes) || {}).flatMap(([uri, edits]) =>
              edits.map((e) => ({ resource: monaco.Uri.parse(uri), textEdit: { range: lspRange(e.range), text: e.newText }, versionId: undefined }))),
          },
        }));
      return { actions, dispose() {} };
    },
  }, { providedCodeActionKinds: ['quickfix'] });

  monaco.languages.registerCodeLensProvider('handover', {
    provideCodeLenses: () => ({
      lenses: data.codeLenses.map((l, i) => ({ id: `lens${i}`, range: lspRange(l.range), command: { id: '', title: l.command ? l.command.title : '' } })),
      dispose() {},
    }),
    resolveCodeLens: (_m, lens) => lens,
  });

  // --- the editor, dressed like a VS Code window -----------------------------------
  const errors = data.diagnostics.filter((d) => d.severity === 1).length;
  const warnings = data.diagnostics.filter((d) => d.severity === 2).length;
  document.getElementById('tab-name').textContent = data.fileName;
  document.getElementById('tab-problems').textContent = errors ? String(errors) : '';
  document.getElementById('crumbs').textContent = data.crumbs.join('  \u203a  ');
  document.getElementById('status-problems').textContent = `\u2297 ${errors}   \u26a0 ${warnings}`;
  document.getElementById('status-server').textContent = data.serverVersion;

  const editor = monaco.editor.create(document.getElementById('editor'), {
    model,
    theme: 'handover-dark-plus',
    fontFamily: '"DejaVu Sans Mono", "Liberation Mono", monospace',
    fontSize: 15,
    lineHeight: 22,
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    renderLineHighlight: 'line',
    lightbulb: { enabled: 'on' },
    hover: { enabled: true, delay: 100, sticky: true },
    codeLens: true,
    glyphMargin: true,
    automaticLayout: true,
    fixedOverflowWidgets: true,
    padding: { top: 6 },
  });
  const updateCursor = () => {
    const p = editor.getPosition();
    document.getElementById('status-cursor').textContent = `Ln ${p.lineNumber}, Col ${p.column}`;
  };
  editor.onDidChangeCursorPosition(updateCursor);
  updateCursor();

  const target = data.diagnostics.find((d) => d.severity === 1) || data.diagnostics[0];
  const targetRange = target ? lspRange(target.range) : null;

  return {
    colors,
    scopes: () => [...scopesSeen].sort(),
    samples: () => samples,
    // where the mistake is on screen (client coordinates)
    targetBox() {
      const dom = editor.getDomNode().getBoundingClientRect();
      const a = editor.getScrolledVisiblePosition(targetRange.getStartPosition());
      const b = editor.getScrolledVisiblePosition(targetRange.getEndPosition());
      return { left: dom.left + a.left, right: dom.left + b.left, top: dom.top + a.top, bottom: dom.top + a.top + a.height };
    },
    // Put the cursor inside the mistake: the lightbulb appears, the keyboard
    // hover shows the marker (and any server hover) there.
    async showHover() {
      const at = { lineNumber: targetRange.startLineNumber, column: targetRange.startColumn + 2 };
      editor.setPosition(at);
      editor.revealLineInCenterIfOutsideViewport(at.lineNumber);
      editor.focus();
      editor.trigger('screenshot', 'editor.action.showHover', {});
    },
    async showQuickFix() {
      editor.trigger('screenshot', 'editor.action.quickFix', {});
    },
  };
}

window.shot = { ready: setUp().then((api) => Object.assign(window.shot, api)) };
