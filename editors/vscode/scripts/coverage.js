#!/usr/bin/env node
// Tokenises valid handover policies with the TextMate grammar and fails when
// any non-blank text is left without a specific scope: only `source.handover`
// (or a `meta.*` scope), the generic identifier fallback `variable.other.handover`,
// or an `invalid.*` scope. It runs over the snapshot fixtures (test/snap) and
// over the repository's examples (examples/**/*.handover) when there are any.
//
//   node scripts/coverage.js                 check the default files
//   node scripts/coverage.js FILE...         check these files
//   node scripts/coverage.js --dump FILE...  print every token with its scopes
'use strict';

const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const root = path.join(__dirname, '..');
const grammarPath = path.join(root, 'syntaxes', 'handover.tmLanguage.json');

function walk(dir, out) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'target') walk(p, out);
    } else if (entry.name.endsWith('.handover')) {
      out.push(p);
    }
  }
  return out;
}

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.handover') return null;
      return vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath);
    },
  });
  return registry.loadGrammar('source.handover');
}

function problem(scopes) {
  if (scopes.some((s) => s.startsWith('invalid.'))) return 'invalid';
  const specific = scopes.filter((s) => s !== 'source.handover' && !s.startsWith('meta.'));
  if (specific.length === 0) return 'unscoped';
  if (specific.length === 1 && specific[0] === 'variable.other.handover') return 'generic identifier';
  return null;
}

async function main() {
  const args = process.argv.slice(2);
  const dump = args.includes('--dump');
  let files = args.filter((a) => a !== '--dump').map((f) => path.resolve(f));
  if (files.length === 0) {
    files = [...walk(path.join(root, 'test', 'snap'), []), ...walk(path.join(root, '..', '..', 'examples'), [])];
  }
  const grammar = await loadGrammar();
  let failures = 0;
  let tokens = 0;
  for (const file of files) {
    const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
    let stack = vsctm.INITIAL;
    lines.forEach((line, i) => {
      const result = grammar.tokenizeLine(line, stack);
      stack = result.ruleStack;
      for (const t of result.tokens) {
        const text = line.slice(t.startIndex, t.endIndex);
        if (dump) console.log(`${i + 1}:${t.startIndex + 1}\t${JSON.stringify(text)}\t${t.scopes.slice(1).join(' ')}`);
        if (text.trim() === '') continue;
        tokens++;
        const why = problem(t.scopes);
        if (why) {
          failures++;
          console.error(`${path.relative(process.cwd(), file)}:${i + 1}:${t.startIndex + 1}: ${why} token ${JSON.stringify(text)} (${t.scopes.join(' ')})`);
        }
      }
    });
  }
  if (failures > 0) {
    console.error(`grammar coverage: ${failures} token(s) without a specific scope in ${files.length} file(s)`);
    process.exit(1);
  }
  console.log(`grammar coverage: ${tokens} tokens in ${files.length} file(s), all scoped`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
