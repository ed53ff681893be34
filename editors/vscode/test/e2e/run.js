#!/usr/bin/env node
// Runs the end-to-end tests of the VS Code extension (extension.test.js)
// against a handover binary, without VS Code:
//
//   node test/e2e/run.js --server PATH [--timeout SECONDS] [--keep]
//
// 1. compiles src/extension.ts with the project's tsc into a temporary
//    directory (with a node_modules link back to this extension's, so the
//    compiled client finds the real vscode-languageclient);
// 2. runs `node --test` on extension.test.js in its own process group, with
//    HANDOVER_E2E_SERVER, HANDOVER_E2E_EXTENSION and HANDOVER_E2E_TMP (scratch
//    space inside the temporary directory) set;
// 3. kills the whole group (test process and any server it started) when
//    it takes longer than --timeout (default 60 s), or when this runner is
//    interrupted, and removes the temporary directory (unless --keep).
//
// Exits with the status of the tests (1 on a failure), 2 when it cannot run
// them (no tsc, no server, compile error).
'use strict';

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');

function usage(message) {
  if (message) console.error(`e2e: ${message}`);
  console.error('usage: node test/e2e/run.js --server PATH [--timeout SECONDS] [--keep]');
  process.exit(2);
}

let server;
let timeoutSeconds = 60;
let keep = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--server') server = argv[++i];
  else if (a.startsWith('--server=')) server = a.slice('--server='.length);
  else if (a === '--timeout') timeoutSeconds = Number(argv[++i]);
  else if (a === '--keep') keep = true;
  else if (a === '-h' || a === '--help') usage();
  else usage(`unknown argument ${a}`);
}
if (!server) usage('--server is required');
server = path.resolve(server);
if (!fs.existsSync(server)) usage(`no server at ${server}`);
if (!(timeoutSeconds > 0)) usage('--timeout needs a positive number of seconds');

const [major] = process.versions.node.split('.').map(Number);
if (major < 18) usage(`Node.js 18 or later is needed (node:test), this is ${process.version}`);

const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
for (const needed of [tsc, path.join(ROOT, 'node_modules', 'vscode-languageclient')]) {
  if (!fs.existsSync(needed)) usage(`${path.relative(ROOT, needed)} is missing: run \`npm ci\` in ${ROOT}`);
}

const started = Date.now();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'handover-vscode-e2e-'));
let child;
let finished = false;

function cleanUp() {
  if (!keep) fs.rmSync(tmp, { recursive: true, force: true });
}

function killGroup(signal) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (process.platform === 'win32') spawnSync('taskkill', ['/pid', String(child.pid), '/T', '/F']);
    else process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`e2e: ${sig}, stopping the tests`);
    killGroup('SIGKILL');
    cleanUp();
    process.exit(1);
  });
}

// --- compile ------------------------------------------------------------------------------
const out = path.join(tmp, 'out');
fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp, 'node_modules'), process.platform === 'win32' ? 'junction' : 'dir');
const compile = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.json'), '--outDir', out, '--sourceMap', 'false'], {
  cwd: ROOT,
  encoding: 'utf8',
  timeout: 120000,
});
if (compile.status !== 0) {
  console.error(`e2e: tsc failed (${compile.error ? compile.error.message : `status ${compile.status}`}):\n${compile.stdout}${compile.stderr}`);
  cleanUp();
  process.exit(2);
}
const extension = path.join(out, 'extension.js');
if (!fs.existsSync(extension)) {
  console.error(`e2e: tsc wrote no ${extension}`);
  cleanUp();
  process.exit(2);
}
console.log(`e2e: compiled src/extension.ts in ${Date.now() - started} ms; server ${server}`);

// --- test ----------------------------------------------------------------------------------
const testArgs = ['--test'];
if (major >= 20) testArgs.push('--test-reporter=spec');
testArgs.push(path.join(__dirname, 'extension.test.js'));
child = spawn(process.execPath, testArgs, {
  cwd: ROOT,
  env: { ...process.env, HANDOVER_E2E_SERVER: server, HANDOVER_E2E_EXTENSION: extension, HANDOVER_E2E_TMP: tmp, NO_COLOR: '1', FORCE_COLOR: '0' },
  stdio: 'inherit',
  detached: process.platform !== 'win32', // its own process group, killed as a whole
});
const timer = setTimeout(() => {
  console.error(`e2e: the tests took longer than ${timeoutSeconds} s, killing them`);
  killGroup('SIGKILL');
}, timeoutSeconds * 1000);
child.on('exit', (code, signal) => {
  if (finished) return;
  finished = true;
  clearTimeout(timer);
  // Anything the tests left behind in their group goes too.
  if (process.platform !== 'win32') {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is empty
    }
  }
  cleanUp();
  const status = code === 0 ? 0 : 1;
  console.log(`e2e: ${status === 0 ? 'passed' : `FAILED (${signal || `status ${code}`})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(status);
});
