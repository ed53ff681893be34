// End-to-end tests of the VS Code extension without VS Code: the compiled
// extension (src/extension.ts built by tsc) and the real
// vscode-languageclient/node run under plain Node against the real
// `handover lsp`, with `require('vscode')` answered by ./fake-vscode.js.
//
// Run through ./run.js (it compiles the extension and sets the environment):
//
//   node test/e2e/run.js --server ../../target/debug/handover
//
// Environment (set by run.js):
//   HANDOVER_E2E_SERVER     the handover executable
//   HANDOVER_E2E_EXTENSION  the compiled extension.js
//   HANDOVER_E2E_TMP        where to make scratch directories (default: the OS temp dir)

'use strict';

const { test, describe, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const cp = require('child_process');
const fs = require('fs');
const Module = require('module');
const os = require('os');
const path = require('path');

const SERVER = process.env.HANDOVER_E2E_SERVER;
const EXTENSION = process.env.HANDOVER_E2E_EXTENSION;
if (!SERVER || !EXTENSION) {
  throw new Error('run these tests through test/e2e/run.js --server PATH (HANDOVER_E2E_SERVER and HANDOVER_E2E_EXTENSION are not set)');
}

const EXTENSION_ROOT = path.resolve(__dirname, '..', '..');
// Scratch directories go under the runner's temporary directory (removed even when the tests are killed).
const SCRATCH = process.env.HANDOVER_E2E_TMP || os.tmpdir();
const REPO = path.resolve(EXTENSION_ROOT, '..', '..');
const ACME = path.join(REPO, 'examples', 'acme');

// --- require('vscode') -> the fake -------------------------------------------------

const FAKE = require.resolve('./fake-vscode.js');
const originalResolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'vscode') return FAKE;
  return originalResolve.call(this, request, ...rest);
};
const vscode = require('vscode');
const fake = vscode._test;

// --- every process the client spawns -----------------------------------------------

/** @type {{command: string, args: string[], options: object, child: cp.ChildProcess, exit: Promise<{code: number|null, signal: string|null}>, exited: boolean}[]} */
const spawned = [];
const originalSpawn = cp.spawn;
cp.spawn = function (command, args, options) {
  const child = originalSpawn.apply(this, arguments);
  const entry = { command, args: args || [], options: options || {}, child, exited: false };
  entry.exit = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      entry.exited = true;
      resolve({ code, signal });
    });
    child.once('error', () => {
      entry.exited = true;
      resolve({ code: null, signal: null });
    });
  });
  spawned.push(entry);
  return child;
};

function alive(entry) {
  return !entry.exited && entry.child.exitCode === null && entry.child.signalCode === null;
}

// --- helpers --------------------------------------------------------------------------

function outputText() {
  return fake.outputChannels.map((c) => `--- output channel "${c.name}":\n${c.text}`).join('\n');
}

function context() {
  return [
    `messages: ${JSON.stringify(fake.messages, null, 1)}`,
    `spawned: ${JSON.stringify(spawned.map((s) => ({ command: s.command, args: s.args, pid: s.child.pid, exited: s.exited })))}`,
    outputText(),
  ].join('\n');
}

/** Polls `fn` until it returns a truthy value (returned), failing after `ms` with what was awaited and the state of the fake. */
async function waitFor(what, fn, ms = 6000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      assert.fail(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${last.stack || last})` : ''}\n${context()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}\n${context()}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Loads a fresh copy of the compiled extension (module state reset), as a new extension host would. */
function loadExtension() {
  delete require.cache[require.resolve(EXTENSION)];
  return require(EXTENSION);
}

let current; // { ext, ctx } of the activated extension, deactivated after each test

/** Resets the fake window with these settings and folders, then activates the extension. */
async function activate({ settings = {}, folders = [workspace] } = {}) {
  fake.reset({ settings, workspaceFolders: folders });
  const ext = loadExtension();
  const ctx = fake.createExtensionContext(EXTENSION_ROOT);
  current = { ext, ctx };
  await withTimeout(ext.activate(ctx), 10000, 'activate()');
  return current;
}

/** What VS Code does on shutdown: deactivate(), then dispose the context's subscriptions. */
async function deactivate() {
  if (!current) return;
  const { ext, ctx } = current;
  current = undefined;
  await withTimeout(Promise.resolve(ext.deactivate()), 10000, 'deactivate()');
  fake.disposeExtensionContext(ctx);
}

/** Waits until the server processes spawned so far have exited; kills and fails on the ones that do not. */
async function expectAllExited(ms = 5000) {
  const pending = spawned.filter(alive);
  if (pending.length === 0) return;
  const all = Promise.all(pending.map((s) => s.exit));
  try {
    await withTimeout(all, ms, 'the server processes to exit');
  } catch (err) {
    for (const s of spawned.filter(alive)) s.child.kill('SIGKILL');
    throw err;
  }
}

/** The diagnostics VS Code shows for a URI, once the client has set them (the server published). */
async function diagnosticsOnceSet(uri, predicate = () => true, ms) {
  return waitFor(`diagnostics for ${uri.toString()}`, () => {
    const collections = Array.from(fake.state.diagnosticCollections);
    if (!collections.some((c) => c.has(uri))) return undefined;
    const diags = vscode.languages.getDiagnostics(uri);
    return predicate(diags) ? diags : undefined;
  }, ms);
}

/** Asks the code lens providers registered for a document, as the editor does. */
async function codeLenses(document) {
  const providers = fake.providersFor('codeLens', document);
  const source = new vscode.CancellationTokenSource();
  const results = [];
  for (const p of providers) results.push(...((await p.provideCodeLenses(document, source.token)) || []));
  return results;
}

function lensTitles(lenses) {
  return lenses.map((l) => (l.command ? l.command.title : '')).filter(Boolean);
}

// --- the workspace --------------------------------------------------------------------

let tmp;
let workspace; // the workspace folder
let cleanPolicy;
let badPolicy;
let badLine;
let badColumn;

before(() => {
  tmp = fs.mkdtempSync(path.join(SCRATCH, 'handover-e2e-ws-'));
  workspace = path.join(tmp, 'workspace');
  // One directory per policy: the server treats the .handover files of a
  // directory as one policy, and reads a conversations.jsonl found beside it,
  // so the conversations live elsewhere (data/).
  fs.mkdirSync(path.join(workspace, 'clean'), { recursive: true });
  fs.mkdirSync(path.join(workspace, 'bad'), { recursive: true });
  fs.mkdirSync(path.join(workspace, 'data'), { recursive: true });
  const source = fs.readFileSync(path.join(ACME, 'policy.handover'), 'utf8');
  cleanPolicy = path.join(workspace, 'clean', 'policy.handover');
  fs.writeFileSync(cleanPolicy, source);
  // A misspelled enum value: `refund` -> `refnd`.
  assert.ok(source.includes('category = refund and'), 'examples/acme/policy.handover changed: update the test');
  const bad = source.replace('category = refund and', 'category = refnd and');
  badPolicy = path.join(workspace, 'bad', 'policy.handover');
  fs.writeFileSync(badPolicy, bad);
  const lines = bad.split('\n');
  badLine = lines.findIndex((l) => l.includes('refnd'));
  badColumn = lines[badLine].indexOf('refnd');
  fs.copyFileSync(path.join(ACME, 'conversations.jsonl'), path.join(workspace, 'data', 'conversations.jsonl'));
});

afterEach(async () => {
  await deactivate();
  await expectAllExited();
  const unknown = Array.from(new Set(fake.unknownAccesses.splice(0)));
  assert.deepEqual(unknown, [], 'the extension or the client read API members the fake vscode lacks');
  const listenerErrors = fake.listenerErrors.splice(0);
  assert.deepEqual(listenerErrors.map((e) => String(e && e.stack ? e.stack : e)), [], 'event listeners threw');
});

/**
 * The client logged no error ("[Error - ...]" in the output channel) and showed no message.
 * vscode-languageclient logs every exit of the server process at error level,
 * also a clean one after shutdown ("Server process exited with code 0."): not an error.
 */
function assertNoClientErrors() {
  const errors = fake.outputChannels.flatMap((c) =>
    c.lines.filter((l) => l.startsWith('[Error') && !/^\[Error - [^\]]*\] Server process exited with code 0\.$/.test(l)),
  );
  assert.deepEqual(errors, [], `no error in the output channel\n${context()}`);
  assert.deepEqual(fake.messages, [], `no message shown\n${context()}`);
}

after(() => {
  cp.spawn = originalSpawn;
  Module._resolveFilename = originalResolve;
  const leftovers = spawned.filter(alive);
  for (const s of leftovers) s.child.kill('SIGKILL');
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  assert.deepEqual(leftovers.map((s) => s.child.pid), [], 'server processes left running');
});

// --- the tests ---------------------------------------------------------------------------

describe('language server through the extension', () => {
  test('starts the server and shows its diagnostics', { timeout: 20000 }, async () => {
    const before = spawned.length;
    await activate({ settings: { 'handover.server.path': SERVER } });

    assert.equal(spawned.length, before + 1, `one server process\n${context()}`);
    const server = spawned[spawned.length - 1];
    assert.equal(server.command, SERVER);
    assert.deepEqual(server.args, ['lsp'], 'the server is started as `handover lsp` (no --stdio)');
    assert.equal(server.options.cwd, workspace, 'the server runs in the workspace folder');
    assert.ok(alive(server), `the server runs after activate()\n${context()}`);
    assert.deepEqual(fake.messages, [], 'no message shown');
    assert.ok(fake.commands.has('handover.restartServer') && fake.commands.has('handover.showOutput'));

    // The client registered the providers the server announced.
    for (const kind of ['hover', 'completion', 'definition', 'references', 'documentSymbol', 'formatting', 'rename', 'codeLens', 'codeAction', 'semanticTokens', 'foldingRange']) {
      assert.ok(fake.providers(kind).length > 0, `a ${kind} provider is registered`);
    }

    // A policy with a misspelled enum value: one error.
    const bad = await vscode.workspace.openTextDocument(badPolicy);
    assert.equal(bad.languageId, 'handover');
    const diags = await diagnosticsOnceSet(bad.uri, (d) => d.length > 0);
    assert.equal(diags.length, 1, `one diagnostic: ${JSON.stringify(diags)}`);
    const [d] = diags;
    assert.ok(d instanceof vscode.Diagnostic, 'converted to a vscode.Diagnostic');
    assert.ok(d.range instanceof vscode.Range);
    assert.deepEqual(
      [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character],
      [badLine, badColumn, badLine, badColumn + 'refnd'.length],
    );
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error, 'protocol severity 1 becomes DiagnosticSeverity.Error (0)');
    assert.match(d.message, /`refnd` is not a value of `category`/);
    assert.match(d.message, /did you mean `refund`\?/);
    assert.equal(d.source, 'handover');
    // The server sends a codeDescription, so the client makes the code a { value, target } pair.
    assert.equal(typeof d.code, 'object', `code with its documentation link: ${JSON.stringify(d.code)}`);
    assert.equal(d.code.value, 'unknown-value');
    assert.ok(d.code.target instanceof vscode.Uri);
    assert.match(d.code.target.toString(), /^https:\/\/.*unknown-value\.md$/);

    // A clean policy: the server publishes an empty list.
    const clean = await vscode.workspace.openTextDocument(cleanPolicy);
    const cleanDiags = await diagnosticsOnceSet(clean.uri);
    assert.deepEqual(cleanDiags, []);

    // Fixing the typo (full-text sync, as the server asked) clears the error.
    fake.editDocument(bad, bad.getText().replace('refnd', 'refund'));
    await diagnosticsOnceSet(bad.uri, (ds) => ds.length === 0);

    // And breaking it again brings it back, with the new version.
    fake.editDocument(bad, bad.getText().replace('category = refund and', 'category = refnd and'));
    const again = await diagnosticsOnceSet(bad.uri, (ds) => ds.length === 1);
    assert.equal(again[0].code.value, 'unknown-value');

    // Hover and document symbols go through the client's converters too.
    const [hover] = fake.providersFor('hover', clean);
    const token = new vscode.CancellationTokenSource().token;
    const fieldLine = clean.getText().split('\n').findIndex((l) => l.startsWith('field category'));
    const h = await hover.provideHover(clean, new vscode.Position(fieldLine, 'field '.length + 2), token);
    assert.ok(h instanceof vscode.Hover, `a Hover: ${JSON.stringify(h)}`);
    assert.ok(h.contents.some((c) => /category/.test(c.value ?? String(c))), `hover about category: ${JSON.stringify(h.contents)}`);
    const [symbols] = fake.providersFor('documentSymbol', clean);
    const syms = await symbols.provideDocumentSymbols(clean, token);
    assert.ok(Array.isArray(syms) && syms.length > 0, 'document symbols');
    const names = syms.map((s) => s.name);
    assert.ok(names.some((n) => /category/.test(n)), `a symbol for the category field: ${names.join(', ')}`);

    // showOutput shows the channel the extension created.
    await vscode.commands.executeCommand('handover.showOutput');
    assert.equal(fake.outputChannels.find((c) => c.name === 'handover').shown, 1);
    assertNoClientErrors();
  });

  test('passes handover.conversations (relative to the workspace folder) to the server', { timeout: 20000 }, async () => {
    const sampleLens = (titles) => titles.find((t) => /of 30 sample conversations/.test(t));

    // Without the setting: no conversation statistics above the rules.
    await activate({ settings: { 'handover.server.path': SERVER } });
    let doc = await vscode.workspace.openTextDocument(cleanPolicy);
    await diagnosticsOnceSet(doc.uri);
    const without = lensTitles(await codeLenses(doc));
    assert.equal(sampleLens(without), undefined, `no simulation lens without the setting: ${without.join(' | ')}`);
    await deactivate();
    await expectAllExited();

    for (const setting of ['data/conversations.jsonl', '${workspaceFolder}/data/conversations.jsonl']) {
      await activate({ settings: { 'handover.server.path': SERVER, 'handover.conversations': setting } });
      const expected = path.join(workspace, 'data', 'conversations.jsonl');
      assert.ok(
        fake.outputChannels.some((c) => c.text.includes(`(conversations: ${expected})`)),
        `the extension resolved ${setting} to ${expected}\n${outputText()}`,
      );
      doc = await vscode.workspace.openTextDocument(cleanPolicy);
      await diagnosticsOnceSet(doc.uri);
      const lenses = await waitFor(`simulation code lenses with ${setting}`, async () => {
        const ls = await codeLenses(doc);
        return sampleLens(lensTitles(ls)) ? ls : undefined;
      });
      assert.ok(lenses.every((l) => l instanceof vscode.CodeLens && l.range instanceof vscode.Range), 'converted to vscode.CodeLens');
      assert.match(sampleLens(lensTitles(lenses)), /^matches \d+ · wins \d+ of 30 sample conversations$/);
      assertNoClientErrors();
      await deactivate();
      await expectAllExited();
    }
  });

  test('restarts the server when handover.conversations changes', { timeout: 20000 }, async () => {
    const before = spawned.length;
    await activate({ settings: { 'handover.server.path': SERVER } });
    const doc = await vscode.workspace.openTextDocument(cleanPolicy);
    await diagnosticsOnceSet(doc.uri);
    assert.equal(spawned.length, before + 1);
    const first = spawned[spawned.length - 1];

    // An unrelated setting does not restart it.
    fake.setConfiguration('editor.tabSize', 2);
    fake.setConfiguration('handover.trace.server', 'off');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(spawned.length, before + 1, 'no restart for other settings');
    assert.ok(alive(first));

    fake.setConfiguration('handover.conversations', 'data/conversations.jsonl');
    await waitFor('a second server process', () => spawned.length === before + 2);
    const second = spawned[spawned.length - 1];
    const { code } = await withTimeout(first.exit, 5000, 'the first server to exit');
    assert.equal(code, 0, 'the first server shut down cleanly (shutdown + exit)');
    assert.notEqual(second.child.pid, first.child.pid);
    assert.ok(alive(second));

    // The new server has the document (the client re-opens it) and the conversations.
    await waitFor('simulation code lenses from the new server', async () =>
      lensTitles(await codeLenses(doc)).some((t) => /of 30 sample conversations/.test(t)),
    );

    // The restart command does the same.
    await vscode.commands.executeCommand('handover.restartServer');
    await waitFor('a third server process', () => spawned.length === before + 3);
    await withTimeout(second.exit, 5000, 'the second server to exit');
    assert.ok(alive(spawned[spawned.length - 1]));
    await diagnosticsOnceSet(doc.uri);
    assertNoClientErrors();
  });

  test('tells the server about .handover files changed on disk (file system watchers)', { timeout: 20000 }, async () => {
    const dir = path.join(workspace, 'watched');
    fs.mkdirSync(dir, { recursive: true });
    const policy = path.join(dir, 'policy.handover');
    fs.copyFileSync(cleanPolicy, policy);
    const extra = path.join(dir, 'extra.handover');
    fs.rmSync(extra, { force: true });
    try {
      await activate({ settings: { 'handover.server.path': SERVER } });
      const doc = await vscode.workspace.openTextDocument(policy);
      await diagnosticsOnceSet(doc.uri, (d) => d.length === 0);

      // A second file of the same policy (same directory) appears on disk,
      // declaring a field again. The server only learns it from the client.
      fs.writeFileSync(extra, 'field churn_signal: bool\n');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(vscode.languages.getDiagnostics(doc.uri), [], 'nothing changes before the watcher fires');
      assert.ok(fake.fireFileEvent('create', extra) >= 1, `a watcher for ${extra}: ${fake.watchers.map((w) => w.pattern).join(', ')}`);
      const diags = await diagnosticsOnceSet(doc.uri, (d) => d.length > 0);
      assert.deepEqual(diags.map((d) => d.code.value), ['duplicate'], diags.map((d) => d.message).join('\n'));
      assert.match(diags[0].message, /`churn_signal` is declared twice/);

      // And when it goes away again.
      fs.rmSync(extra);
      fake.fireFileEvent('delete', extra);
      await diagnosticsOnceSet(doc.uri, (d) => d.length === 0);
      assertNoClientErrors();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('deactivate() stops the server', { timeout: 20000 }, async () => {
    await activate({ settings: { 'handover.server.path': SERVER } });
    const server = spawned[spawned.length - 1];
    const doc = await vscode.workspace.openTextDocument(badPolicy);
    await diagnosticsOnceSet(doc.uri, (d) => d.length > 0);
    assert.ok(alive(server));

    // deactivate() alone (before VS Code disposes the context's subscriptions).
    const started = Date.now();
    await withTimeout(Promise.resolve(current.ext.deactivate()), 5000, 'deactivate()');
    const { code, signal } = await withTimeout(server.exit, 3000, 'the server to exit after deactivate()');
    assert.equal(code, 0, `clean exit (signal ${signal})`);
    assert.ok(Date.now() - started < 3000);
    // The client disposed its diagnostic collection.
    assert.deepEqual(vscode.languages.getDiagnostics(doc.uri), []);
    assertNoClientErrors();
    // A second deactivate() (and the subscriptions' dispose) find nothing to stop.
    await deactivate();
    assert.equal(spawned.filter(alive).length, 0);
  });
});

describe('missing server', () => {
  let saved;
  let emptyDir;
  before(() => {
    emptyDir = fs.mkdtempSync(path.join(SCRATCH, 'handover-e2e-empty-'));
  });
  after(() => {
    fs.rmSync(emptyDir, { recursive: true, force: true });
  });
  afterEach(() => {
    if (saved) {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      saved = undefined;
    }
  });
  function setEnv(vars) {
    saved = {};
    for (const [k, v] of Object.entries(vars)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  }

  test('handover.server.path pointing nowhere: an error message with the install hint, no process', async () => {
    const before = spawned.length;
    const missing = path.join(emptyDir, 'no-such-handover');
    let clicked;
    fake.respondToMessage = undefined;
    await activate({ settings: { 'handover.server.path': missing } });
    assert.equal(spawned.length, before, 'no process spawned');
    assert.equal(fake.messages.length, 1, context());
    const [m] = fake.messages;
    assert.equal(m.severity, 'error');
    assert.ok(m.message.includes(`\`handover.server.path\` is set to "${missing}"`), m.message);
    assert.ok(m.message.includes('cargo install --path .'), `install hint: ${m.message}`);
    assert.deepEqual(m.items, ['Open Settings']);
    assert.ok(fake.outputChannels.some((c) => c.text.includes('handover executable not found')), outputText());
    assert.equal(fake.executedCommands.length, 0);

    // Choosing "Open Settings" opens the setting.
    await deactivate();
    fake.reset({ settings: { 'handover.server.path': missing }, workspaceFolders: [workspace] });
    fake.respondToMessage = ({ items }) => {
      clicked = items[0];
      return items[0];
    };
    const ext = loadExtension();
    const ctx = fake.createExtensionContext(EXTENSION_ROOT);
    current = { ext, ctx };
    await ext.activate(ctx);
    await waitFor('the settings to open', () => fake.executedCommands.length > 0);
    assert.equal(clicked, 'Open Settings');
    assert.deepEqual(fake.executedCommands, [{ id: 'workbench.action.openSettings', args: ['handover.server.path'] }]);
    assert.equal(spawned.length, before);
  });

  test('empty setting, no handover on PATH nor in CARGO_HOME: an error message with the install hint', async () => {
    const before = spawned.length;
    setEnv({ PATH: emptyDir, CARGO_HOME: emptyDir });
    await activate({ settings: { 'handover.server.path': '' } });
    assert.equal(spawned.length, before, 'no process spawned');
    assert.equal(fake.messages.length, 1, context());
    const [m] = fake.messages;
    assert.equal(m.severity, 'error');
    assert.match(m.message, /`handover` is not on PATH/);
    assert.ok(m.message.includes('cargo install --path .'), `install hint: ${m.message}`);
    assert.ok(m.message.includes('handover.server.path'), 'names the setting to set');
  });

  test('empty setting, handover on PATH: that one is started', { timeout: 20000 }, async () => {
    const bin = path.join(emptyDir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    const link = path.join(bin, process.platform === 'win32' ? 'handover.exe' : 'handover');
    fs.rmSync(link, { force: true });
    fs.symlinkSync(SERVER, link);
    setEnv({ PATH: bin, CARGO_HOME: emptyDir });
    await activate();
    const server = spawned[spawned.length - 1];
    assert.equal(server.command, link);
    const doc = await vscode.workspace.openTextDocument(badPolicy);
    await diagnosticsOnceSet(doc.uri, (d) => d.length === 1);
  });
});

describe('findServer and resolvePath', () => {
  let ext;
  let dir;
  let saved;
  const home = () => os.homedir();
  before(() => {
    ext = loadExtension();
    dir = fs.mkdtempSync(path.join(SCRATCH, 'handover-e2e-find-'));
    for (const d of ['path1', 'path2', 'cargo/bin', 'home/.cargo/bin', 'home/tools', 'ws/bin', 'notexec']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    const exe = (p) => {
      fs.writeFileSync(p, '#!/bin/sh\nexit 0\n');
      fs.chmodSync(p, 0o755);
    };
    exe(path.join(dir, 'path2', 'handover'));
    exe(path.join(dir, 'path2', 'handover-dev'));
    exe(path.join(dir, 'cargo', 'bin', 'handover'));
    exe(path.join(dir, 'home', '.cargo', 'bin', 'handover'));
    exe(path.join(dir, 'home', 'tools', 'handover'));
    exe(path.join(dir, 'ws', 'bin', 'handover'));
    fs.writeFileSync(path.join(dir, 'notexec', 'handover'), 'not a program');
    fs.chmodSync(path.join(dir, 'notexec', 'handover'), 0o644);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    for (const [k, v] of Object.entries(saved || {})) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    saved = undefined;
  });
  function env(vars) {
    saved = saved || {};
    for (const [k, v] of Object.entries(vars)) {
      if (!(k in saved)) saved[k] = process.env[k];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const p = (...parts) => path.join(dir, ...parts);

  test('resolvePath', () => {
    const ws = p('ws');
    env({ HOME: p('home'), USERPROFILE: p('home') });
    assert.equal(ext.resolvePath(undefined, ws), undefined);
    assert.equal(ext.resolvePath('', ws), undefined);
    assert.equal(ext.resolvePath('   ', ws), undefined);
    assert.equal(ext.resolvePath('~', ws), home());
    assert.equal(home(), p('home'));
    assert.equal(ext.resolvePath('~/data/c.jsonl', ws), p('home', 'data', 'c.jsonl'));
    assert.equal(ext.resolvePath('${workspaceFolder}/data/c.jsonl', ws), p('ws', 'data', 'c.jsonl'));
    assert.equal(ext.resolvePath('${workspaceFolder}', ws), ws);
    assert.equal(ext.resolvePath('data/c.jsonl', ws), p('ws', 'data', 'c.jsonl'));
    assert.equal(ext.resolvePath('./data/c.jsonl', ws), p('ws', 'data', 'c.jsonl'));
    assert.equal(ext.resolvePath('../c.jsonl', ws), p('c.jsonl'));
    assert.equal(ext.resolvePath('  data/c.jsonl  ', ws), p('ws', 'data', 'c.jsonl'), 'trimmed');
    assert.equal(ext.resolvePath('/abs/c.jsonl', ws), '/abs/c.jsonl');
    // Without a workspace folder a relative path stays relative, and ${workspaceFolder} is not expanded.
    assert.equal(ext.resolvePath('data/c.jsonl', undefined), 'data/c.jsonl');
    assert.equal(ext.resolvePath('${workspaceFolder}/c.jsonl', undefined), '${workspaceFolder}/c.jsonl');
    assert.equal(ext.resolvePath('~/c.jsonl', undefined), p('home', 'c.jsonl'));
  });

  test('findServer with a setting', { skip: process.platform === 'win32' && 'executable bits' }, () => {
    const ws = p('ws');
    env({ PATH: [p('path1'), p('path2')].join(path.delimiter), HOME: p('home'), CARGO_HOME: p('cargo') });
    // An absolute path to an executable.
    assert.deepEqual(ext.findServer(p('ws', 'bin', 'handover'), ws), { path: p('ws', 'bin', 'handover'), reason: '' });
    // Relative, ${workspaceFolder} and ~ paths.
    assert.equal(ext.findServer('bin/handover', ws).path, p('ws', 'bin', 'handover'));
    assert.equal(ext.findServer('${workspaceFolder}/bin/handover', ws).path, p('ws', 'bin', 'handover'));
    assert.equal(ext.findServer('~/tools/handover', ws).path, p('home', 'tools', 'handover'));
    assert.equal(ext.findServer('  ~/tools/handover  ', ws).path, p('home', 'tools', 'handover'), 'trimmed');
    // A bare name is looked up on PATH.
    assert.equal(ext.findServer('handover-dev', ws).path, p('path2', 'handover-dev'));
    assert.equal(ext.findServer('handover', ws).path, p('path2', 'handover'));
    // Not executable, a directory, missing: not found, and the reason quotes the setting.
    for (const bad of [p('notexec', 'handover'), p('ws', 'bin'), p('nothing', 'handover'), 'no-such-program', '${workspaceFolder}/nope']) {
      const r = ext.findServer(bad, ws);
      assert.equal(r.path, undefined, bad);
      assert.equal(r.reason, `\`handover.server.path\` is set to "${bad}", which is not an executable file`);
    }
  });

  test('findServer without a setting: PATH, then CARGO_HOME/bin, then ~/.cargo/bin', { skip: process.platform === 'win32' && 'executable bits' }, () => {
    env({ PATH: [p('path1'), p('path2')].join(path.delimiter), HOME: p('home'), CARGO_HOME: p('cargo') });
    assert.deepEqual(ext.findServer('', undefined), { path: p('path2', 'handover'), reason: '' });
    assert.deepEqual(ext.findServer('   ', undefined), { path: p('path2', 'handover'), reason: '' });
    env({ PATH: p('path1') });
    assert.equal(ext.findServer('', undefined).path, p('cargo', 'bin', 'handover'));
    env({ CARGO_HOME: undefined });
    assert.equal(ext.findServer('', undefined).path, p('home', '.cargo', 'bin', 'handover'));
    env({ HOME: p('path1') });
    assert.deepEqual(ext.findServer('', undefined), { reason: '`handover` is not on PATH' });
    // A non-executable handover on PATH is skipped.
    env({ PATH: p('notexec') });
    assert.equal(ext.findServer('', undefined).path, undefined);
  });
});
