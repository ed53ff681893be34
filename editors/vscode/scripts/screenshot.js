#!/usr/bin/env node
// The README's picture of editing a policy, made by a test: the real language
// server's answers shown in Monaco (VS Code's editor component) with the
// extension's TextMate grammar, in headless Chromium.
//
//   node scripts/screenshot.js --server PATH --out FILE.png
//        [--conversations FILE] [--chromium PATH] [--policy FILE]
//
// 1. Spawns `PATH lsp`, initializes it as the extension does
//    (initializationOptions { conversations }), opens a small policy with one
//    mistake (scripts/screenshot/policy.handover: `refnd` for `refund`), and
//    records the published diagnostics, the hover and the quick fixes at the
//    error and the code lenses.
// 2. Serves scripts/screenshot/index.html on 127.0.0.1 (Monaco from
//    node_modules/monaco-editor/min/vs, vscode-textmate + vscode-oniguruma,
//    the grammar from syntaxes/); the page turns the server's answers into
//    markers and hover / code action / code lens providers.
// 3. Opens it in headless Chromium (playwright-core, no network: every
//    request that is not to the local server is refused), shows the hover on
//    the error and the quick-fix menu, checks what is on screen and writes
//    the PNG.
//
// Prints one line per check ("ok - ..." or "not ok - ..."); exits 1 when a
// check fails, 2 on bad usage or when something cannot start.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { spawn, execFileSync } = require('child_process');
const { pathToFileURL } = require('url');

const root = path.join(__dirname, '..');
const assets = path.join(__dirname, 'screenshot');
const modules = path.join(root, 'node_modules');
const WIDTH = 1100;
const HEIGHT = 680;
const DEADLINE_MS = 90000;

// --- arguments -------------------------------------------------------------------
function usage(message) {
  if (message) console.error(`screenshot: ${message}`);
  console.error('usage: node scripts/screenshot.js --server PATH --out FILE.png [--conversations FILE] [--chromium PATH] [--policy FILE]');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {};
  const names = { '--server': 'server', '--out': 'out', '--conversations': 'conversations', '--chromium': 'chromium', '--policy': 'policy' };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-h' || argv[i] === '--help') usage();
    const key = names[argv[i]];
    if (!key) usage(`unknown argument ${argv[i]}`);
    if (i + 1 >= argv.length) usage(`${argv[i]} needs a value`);
    opts[key] = argv[++i];
  }
  if (!opts.server) usage('--server is required');
  if (!opts.out) usage('--out is required');
  opts.policy = path.resolve(opts.policy || path.join(assets, 'policy.handover'));
  opts.conversations = opts.conversations ? path.resolve(opts.conversations) : null;
  opts.out = path.resolve(opts.out);
  return opts;
}

function findChromium() {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      const p = execFileSync('which', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (p) return p;
    } catch {
      // not this one
    }
  }
  return null;
}

let failures = 0;
function check(ok, what, detail) {
  console.log(`${ok ? 'ok' : 'not ok'} - ${what}${detail ? `: ${detail}` : ''}`);
  if (!ok) failures++;
  return ok;
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no ${what} after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// --- 1. the language server --------------------------------------------------------
async function askServer(opts, text) {
  const rpc = require('vscode-jsonrpc/node');
  const child = spawn(opts.server, ['lsp'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  let done = false;
  const exited = new Promise((_, reject) => {
    child.on('error', (err) => reject(new Error(`cannot start ${opts.server} lsp: ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (!done) reject(new Error(`${opts.server} lsp exited early (${signal || `status ${code}`})${stderr ? `\n${stderr}` : ''}`));
    });
  });
  exited.catch(() => {});
  const connection = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const uri = pathToFileURL(opts.policy).href;
  const published = new Promise((resolve) => {
    connection.onNotification('textDocument/publishDiagnostics', (p) => { if (p.uri === uri) resolve(p.diagnostics); });
  });
  connection.onRequest(() => null); // workspace/configuration, client/registerCapability, ...
  connection.onNotification(() => {});
  connection.listen();
  const request = (method, params, what) => Promise.race([exited, withTimeout(params === undefined ? connection.sendRequest(method) : connection.sendRequest(method, params), 10000, what || method)]);

  const init = await request('initialize', {
    processId: process.pid,
    clientInfo: { name: 'handover-screenshot' },
    rootUri: pathToFileURL(path.dirname(opts.policy)).href,
    capabilities: {
      general: { positionEncodings: ['utf-16'] },
      textDocument: {
        publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true, tagSupport: { valueSet: [1, 2] } },
        hover: { contentFormat: ['markdown', 'plaintext'] },
        codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } }, isPreferredSupport: true },
        codeLens: {},
        documentSymbol: { hierarchicalDocumentSymbolSupport: true },
      },
    },
    initializationOptions: { conversations: opts.conversations },
    workspaceFolders: null,
  });
  connection.sendNotification('initialized', {});
  connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'handover', version: 1, text } });
  const diagnostics = await Promise.race([exited, withTimeout(published, 10000, 'textDocument/publishDiagnostics')]);
  const target = diagnostics.find((d) => d.severity === 1) || diagnostics[0];
  let hover = null;
  let codeActions = [];
  if (target) {
    const inside = { line: target.range.start.line, character: target.range.start.character + 1 };
    hover = await request('textDocument/hover', { textDocument: { uri }, position: inside });
    codeActions = (await request('textDocument/codeAction', {
      textDocument: { uri },
      range: target.range,
      context: { diagnostics: [target], only: ['quickfix'], triggerKind: 1 },
    })) || [];
  }
  const symbols = init.capabilities.documentSymbolProvider ? (await request('textDocument/documentSymbol', { textDocument: { uri } })) || [] : [];
  const codeLenses = init.capabilities.codeLensProvider ? (await request('textDocument/codeLens', { textDocument: { uri } })) || [] : [];
  await request('shutdown');
  done = true;
  connection.sendNotification('exit');
  await new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => { child.kill(); resolve(); }, 2000);
    child.on('exit', () => { clearTimeout(t); resolve(); });
  });
  connection.dispose();
  return {
    uri,
    serverName: init.serverInfo ? `${init.serverInfo.name} ${init.serverInfo.version || ''}`.trim() : 'handover lsp',
    diagnostics,
    target,
    hover,
    codeActions: codeActions.filter((a) => a && a.title && a.edit),
    codeLenses,
    symbolPath: target ? symbolPath(symbols, target.range.start) : [],
  };
}

// The names of the document symbols around a position (the breadcrumbs).
function symbolPath(symbols, pos) {
  const before = (a, b) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  const out = [];
  let level = symbols;
  for (;;) {
    const s = level.find((x) => {
      const r = x.range || (x.location && x.location.range);
      return r && before(r.start, pos) && before(pos, r.end);
    });
    if (!s) return out;
    out.push(s.name);
    level = s.children || [];
  }
}

// --- 2. the page ---------------------------------------------------------------------
const TYPES = { '.png': 'image/png', '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.ttf': 'font/ttf' };

function serve(data) {
  const monacoMin = path.join(modules, 'monaco-editor', 'min');
  const files = {
    '/': path.join(assets, 'index.html'),
    '/page.js': path.join(assets, 'page.js'),
    '/dark-plus.json': path.join(assets, 'dark-plus.json'),
    '/grammar.json': path.join(root, 'syntaxes', 'handover.tmLanguage.json'),
    '/icon.png': path.join(root, 'icon.png'),
    '/tm/vscode-textmate.js': path.join(modules, 'vscode-textmate', 'release', 'main.js'),
    '/tm/vscode-oniguruma.js': path.join(modules, 'vscode-oniguruma', 'release', 'main.js'),
    '/tm/onig.wasm': path.join(modules, 'vscode-oniguruma', 'release', 'onig.wasm'),
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let file = files[url.pathname];
    if (url.pathname === '/data.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(data));
      return;
    }
    if (!file && url.pathname.startsWith('/monaco/')) {
      const p = path.resolve(monacoMin, '.' + decodeURIComponent(url.pathname.slice('/monaco'.length)));
      if (p.startsWith(monacoMin + path.sep)) file = p;
    }
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// --- 3. the browser -------------------------------------------------------------------
async function photograph(opts, origin, answers) {
  const { chromium } = require('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'handover-screenshot-'));
  const pageErrors = [];
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: opts.chromium,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: WIDTH, height: HEIGHT },
      deviceScaleFactor: 2,
      colorScheme: 'dark',
      timeout: 30000,
    });
    // nothing but the local server
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(`${origin}/`) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
      pageErrors.push(`blocked request to ${u}`);
      return route.abort();
    });
    const page = context.pages()[0] || await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`page error: ${err.message}`));
    page.on('console', (msg) => { if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`); });
    await page.goto(`${origin}/`, { waitUntil: 'load', timeout: 20000 });
    await page.waitForFunction(() => window.shot && window.shot.ready, null, { timeout: 20000 });
    await page.evaluate(() => window.shot.ready);
    await page.evaluate(() => document.fonts.ready);

    // the grammar's colours. Monaco tokenizes in the background: wait until
    // the last line with text has a coloured token.
    const measureTokens = () => {
      const plain = getComputedStyle(document.querySelector('.monaco-editor .view-lines')).color;
      const lines = [...document.querySelectorAll('.view-lines .view-line')]
        .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
        .filter((l) => l.textContent.trim() !== '');
      const spans = lines.flatMap((l) => [...l.querySelectorAll('span span')]);
      const text = (el) => el.textContent.replace(/\u00a0/g, ' ');
      const colorOf = (pred) => {
        const s = spans.find((el) => pred(text(el)));
        return s ? getComputedStyle(s).color : null;
      };
      const last = lines[lines.length - 1];
      const sample = window.shot.samples();
      return {
        sample,
        done: Boolean(last) && [...last.querySelectorAll('span span')].some((el) => getComputedStyle(el).color !== plain),
        keyword: sample.keyword ? colorOf((t) => t.trim() === sample.keyword) || colorOf((t) => t.includes(sample.keyword)) : null,
        string: sample.string ? colorOf((t) => t.includes(sample.string)) : null,
        plain,
        distinct: new Set(spans.map((el) => getComputedStyle(el).color)).size,
        scopes: window.shot.scopes(),
      };
    };
    await page.waitForFunction(`(${measureTokens})().done`, null, { timeout: 10000 }).catch(() => {});
    const tokenInfo = await page.evaluate(measureTokens);
    check(
      tokenInfo.keyword && tokenInfo.string && tokenInfo.keyword !== tokenInfo.string &&
        tokenInfo.keyword !== tokenInfo.plain && tokenInfo.string !== tokenInfo.plain && tokenInfo.distinct >= 5,
      'TextMate grammar colours the tokens',
      `keyword ${JSON.stringify(tokenInfo.sample.keyword)} ${tokenInfo.keyword}, string ${JSON.stringify(tokenInfo.sample.string)} ${tokenInfo.string}, ` +
        `${tokenInfo.distinct} distinct colours from ${tokenInfo.scopes.length} scopes`,
    );

    // code lenses, when the server gave some (it gives none while the policy has errors)
    if (answers.codeLenses.length > 0) {
      await page.locator('.codelens-decoration').first().waitFor({ state: 'visible', timeout: 10000 }).catch(() => {});
      await page.waitForTimeout(300); // the lenses arrive together; let the view settle
      const lensText = await page.locator('.codelens-decoration').allInnerTexts();
      const wanted = answers.codeLenses.map((l) => l.command && l.command.title).filter(Boolean);
      check(wanted.every((t) => lensText.some((s) => s.includes(t))), 'code lenses show the server titles', `${wanted.length} lens(es)`);
    } else if (opts.conversations) {
      console.log('# code lenses: none from the server (it shows simulation lenses only for a policy without errors)');
    }

    // the hover on the error: the marker's message (and the server's hover, if any)
    await page.evaluate(() => window.shot.showHover());
    const hover = page.locator('.monaco-hover:not(.hidden)').filter({ hasText: answers.target.message.split('\n')[0] });
    await hover.first().waitFor({ state: 'visible', timeout: 10000 }).catch(() => {});
    const hoverText = normalize(await hover.first().innerText({ timeout: 1000 }).catch(() => ''));
    const messageShown = normalize(answers.target.message);
    check(hoverText.includes(messageShown), 'hover shows the server message', JSON.stringify(answers.target.message));
    if (answers.hover) {
      const first = normalize(markdownText(answers.hover.contents)).slice(0, 40);
      check(hoverText.includes(first), 'hover shows the server hover', JSON.stringify(first));
    }

    // the squiggle of the server's diagnostic
    const squiggleClass = `squiggly-${['error', 'error', 'warning', 'info', 'hint'][answers.target.severity || 1]}`;
    const squiggle = page.locator(`.view-overlays .${squiggleClass}`);
    await squiggle.first().waitFor({ state: 'attached', timeout: 10000 }).catch(() => {});
    const under = await page.evaluate((cls) => {
      const box = window.shot.targetBox();
      return [...document.querySelectorAll(`.view-overlays .${cls}`)].filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.left < box.right && r.right > box.left && r.top < box.bottom && r.bottom > box.top;
      }).length;
    }, squiggleClass);
    check(under > 0, 'squiggle under the server diagnostic', `.${squiggleClass} at ${rangeText(answers.target.range)}`);

    // the quick-fix menu
    await page.evaluate(() => window.shot.showQuickFix());
    const titles = answers.codeActions.map((a) => a.title);
    const menu = page.locator('.action-widget');
    await menu.first().waitFor({ state: 'visible', timeout: 10000 }).catch(() => {});
    const menuText = await menu.first().innerText({ timeout: 1000 }).catch(() => '');
    check(titles.length > 0 && titles.every((t) => menuText.includes(t)), 'quick-fix menu offers the server fix', titles.map((t) => JSON.stringify(t)).join(', ') || 'the server offered none');
    const lightbulb = await page.locator('.lightBulbWidget').first().isVisible().catch(() => false);
    check(lightbulb, 'lightbulb next to the error');

    // still there after the menu opened?
    const hoverStill = await hover.first().isVisible().catch(() => false);
    check(hoverStill, 'hover still visible with the menu open');

    fs.mkdirSync(path.dirname(opts.out), { recursive: true });
    await page.screenshot({ path: opts.out, fullPage: false });
    const size = fs.statSync(opts.out).size;
    check(size > 10000, 'screenshot written', `${opts.out} (${WIDTH}x${HEIGHT} at 2x, ${Math.round(size / 1024)} KiB)`);
    check(pageErrors.length === 0, 'no page errors and no request outside 127.0.0.1', pageErrors.slice(0, 5).join('; '));
  } finally {
    if (context) await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

function normalize(s) {
  return String(s).replace(/[\s\u00a0]+/g, ' ').trim();
}

function markdownText(contents) {
  const list = Array.isArray(contents) ? contents : [contents];
  return list.map((c) => (typeof c === 'string' ? c : c.value)).join('\n').replace(/[*`_]/g, '');
}

function rangeText(r) {
  return `${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1}`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  opts.chromium = opts.chromium || findChromium();
  if (!opts.chromium) usage('Chromium not found (apt-get install chromium), or give --chromium PATH');
  for (const pkg of ['monaco-editor', 'playwright-core', 'vscode-textmate', 'vscode-oniguruma', 'vscode-jsonrpc']) {
    if (!fs.existsSync(path.join(modules, pkg))) usage(`node_modules/${pkg} is missing: run npm ci in editors/vscode`);
  }
  const timer = setTimeout(() => {
    console.error(`screenshot: not done after ${DEADLINE_MS / 1000} s`);
    process.exit(1);
  }, DEADLINE_MS);
  timer.unref();

  const started = Date.now();
  const text = fs.readFileSync(opts.policy, 'utf8');
  const answers = await askServer(opts, text);
  check(Boolean(answers.target), 'server reports the mistake',
    answers.target ? `${rangeText(answers.target.range)} ${answers.target.code}: ${answers.target.message.split('\n')[0]}` : 'no diagnostics');
  if (!answers.target) process.exit(1);
  check(answers.codeActions.length > 0, 'server offers a quick fix', answers.codeActions.map((a) => JSON.stringify(a.title)).join(', ') || 'none');
  console.log(`# server: ${answers.diagnostics.length} diagnostic(s), hover ${answers.hover ? 'yes' : 'none (the marker shows the message)'}, ${answers.codeLenses.length} code lens(es)`);

  const data = {
    uri: answers.uri,
    text,
    scopeName: 'source.handover',
    fileName: path.basename(opts.policy),
    crumbs: [path.basename(opts.policy), ...answers.symbolPath],
    serverVersion: answers.serverName,
    diagnostics: answers.diagnostics,
    hovers: [{ position: answers.target.range.start, hover: answers.hover }],
    codeActions: answers.codeActions,
    codeLenses: answers.codeLenses,
  };
  const server = await serve(data);
  try {
    const origin = `http://127.0.0.1:${server.address().port}`;
    await photograph(opts, origin, answers);
  } finally {
    server.close();
  }
  console.log(`# ${failures === 0 ? 'all checks passed' : `${failures} check(s) failed`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((err) => {
  console.error(`screenshot: ${err.message}`);
  process.exit(2);
});
