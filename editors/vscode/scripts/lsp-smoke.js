#!/usr/bin/env node
// End-to-end smoke test of the language server as the extension starts it:
// spawns `handover lsp` (stdio), initializes it with the same
// initializationOptions as the extension ({ conversations }), opens a policy,
// waits for textDocument/publishDiagnostics, asks for document symbols and
// shuts the server down. Not part of test.sh (the server is built by cargo);
// run it by hand once `handover` is built:
//
//   node scripts/lsp-smoke.js [--server PATH] [--conversations FILE] [POLICY]
//
// Defaults: `handover` on PATH (or ../../target/debug/handover when present),
// no conversations, test/snap/spec-example.handover.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const rpc = require('vscode-jsonrpc/node');
const { pathToFileURL } = require('url');

function option(name) {
  const i = process.argv.indexOf(name);
  if (i === -1) return undefined;
  const value = process.argv[i + 1];
  process.argv.splice(i, 2);
  return value;
}

const root = path.join(__dirname, '..');
const devBuild = path.join(root, '..', '..', 'target', 'debug', 'handover');
const server = option('--server') || (fs.existsSync(devBuild) ? devBuild : 'handover');
const conversations = option('--conversations');
const policy = path.resolve(process.argv[2] || path.join(root, 'test', 'snap', 'spec-example.handover'));

async function main() {
  const child = spawn(server, ['lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let done = false;
  child.on('exit', (code, signal) => {
    if (!done) {
      console.error(`lsp smoke: ${server} lsp exited early (${signal || `status ${code}`})`);
      process.exit(1);
    }
  });
  child.on('error', (err) => {
    console.error(`lsp smoke: cannot start ${server} lsp: ${err.message}`);
    process.exit(1);
  });
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(child.stdout),
    new rpc.StreamMessageWriter(child.stdin),
  );
  const uri = pathToFileURL(policy).href;
  const diagnostics = new Promise((resolve) => {
    connection.onNotification('textDocument/publishDiagnostics', (params) => {
      if (params.uri === uri) resolve(params.diagnostics);
    });
  });
  connection.onRequest(() => null); // workspace/configuration, registerCapability, ...
  connection.listen();

  const timeout = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`no ${what} after ${ms} ms`)), ms));

  const init = await Promise.race([
    connection.sendRequest('initialize', {
      processId: process.pid,
      clientInfo: { name: 'handover-lsp-smoke' },
      rootUri: pathToFileURL(path.dirname(policy)).href,
      capabilities: {
        general: { positionEncodings: ['utf-16'] },
        textDocument: { publishDiagnostics: {}, documentSymbol: { hierarchicalDocumentSymbolSupport: true } },
      },
      initializationOptions: { conversations: conversations ? path.resolve(conversations) : null },
      workspaceFolders: null,
    }),
    timeout(10000, 'initialize response'),
  ]);
  console.log(`capabilities: ${Object.keys(init.capabilities || {}).sort().join(', ')}`);
  connection.sendNotification('initialized', {});
  connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'handover', version: 1, text: fs.readFileSync(policy, 'utf8') },
  });
  const diags = await Promise.race([diagnostics, timeout(10000, 'publishDiagnostics')]);
  console.log(`diagnostics: ${diags.length}`);
  for (const d of diags) console.log(`  ${d.range.start.line + 1}:${d.range.start.character + 1} ${d.code} ${d.message}`);
  if (init.capabilities && init.capabilities.documentSymbolProvider) {
    const symbols = await connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } });
    console.log(`document symbols: ${(symbols || []).map((s) => s.name).join(', ')}`);
  }
  if (init.capabilities && init.capabilities.codeLensProvider) {
    const lenses = await connection.sendRequest('textDocument/codeLens', { textDocument: { uri } });
    console.log(`code lenses: ${(lenses || []).length}`);
  }
  await connection.sendRequest('shutdown');
  done = true;
  connection.sendNotification('exit');
  connection.dispose();
  console.log('lsp smoke: ok');
}

main().catch((err) => {
  console.error(`lsp smoke: ${err.message}`);
  process.exit(1);
});
