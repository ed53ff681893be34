#!/usr/bin/env node
// Static checks of the extension's declarative files:
//  - syntaxes/handover.tmLanguage.json is what scripts/build-grammar.js generates;
//  - package.json, language-configuration.json and the snippets parse, and the
//    paths package.json names exist;
//  - the regular expressions of the language configuration compile;
//  - every keyword of the parser (grammar/handover.pest, `kw_*` rules) is
//    known to the TextMate grammar and to the Vim syntax file.
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const repo = path.join(root, '..', '..');
const problems = [];

function readJson(rel) {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, rel), 'utf8'));
  } catch (err) {
    problems.push(`${rel}: ${err.message}`);
    return undefined;
  }
}

// 1. generated grammar is current
try {
  execFileSync(process.execPath, [path.join(__dirname, 'build-grammar.js'), '--check'], { stdio: 'pipe' });
} catch (err) {
  problems.push(String(err.stderr || err.message).trim());
}

// 2. JSON files and the paths package.json names
const pkg = readJson('package.json');
const langConfig = readJson('language-configuration.json');
const snippets = readJson('snippets/handover.json');
const grammar = readJson('syntaxes/handover.tmLanguage.json');

if (pkg) {
  const paths = [pkg.icon, ...(pkg.contributes.languages || []).map((l) => l.configuration), ...(pkg.contributes.grammars || []).map((g) => g.path), ...(pkg.contributes.snippets || []).map((s) => s.path)];
  for (const p of paths.filter(Boolean)) {
    if (!fs.existsSync(path.join(root, p))) problems.push(`package.json names ${p}, which does not exist`);
  }
  const lang = pkg.contributes.languages.find((l) => l.id === 'handover');
  if (!lang || !lang.extensions.includes('.handover')) problems.push('package.json: the handover language must own .handover');
  const props = pkg.contributes.configuration.properties;
  for (const key of ['handover.server.path', 'handover.conversations']) {
    if (!props[key] || props[key].type !== 'string' || props[key].default !== '') problems.push(`package.json: ${key} must be a string setting with default ""`);
  }
  if (pkg.engines.vscode !== '^1.85.0') problems.push('package.json: engines.vscode must be ^1.85.0');
  for (const cmd of pkg.contributes.commands || []) {
    const src = fs.readFileSync(path.join(root, 'src', 'extension.ts'), 'utf8');
    if (!src.includes(`'${cmd.command}'`)) problems.push(`package.json contributes command ${cmd.command}, which src/extension.ts never registers`);
  }
}

if (langConfig) {
  const rules = langConfig.indentationRules || {};
  for (const [key, value] of Object.entries(rules)) {
    try {
      new RegExp(value);
    } catch (err) {
      problems.push(`language-configuration.json indentationRules.${key}: ${err.message}`);
    }
  }
  for (const [i, rule] of (langConfig.onEnterRules || []).entries()) {
    try {
      new RegExp(rule.beforeText);
    } catch (err) {
      problems.push(`language-configuration.json onEnterRules[${i}]: ${err.message}`);
    }
  }
  if (!langConfig.comments || langConfig.comments.lineComment !== '#') problems.push('language-configuration.json: the line comment is #');
}

if (snippets) {
  for (const [name, s] of Object.entries(snippets)) {
    if (!s.prefix || !Array.isArray(s.body) || !s.description) problems.push(`snippet "${name}" needs a prefix, a body array and a description`);
  }
}

// 3. keywords of the parser
const pest = path.join(repo, 'grammar', 'handover.pest');
if (grammar && fs.existsSync(pest)) {
  const words = [...fs.readFileSync(pest, 'utf8').matchAll(/^kw_\w+\s*=\s*@\{\s*"([a-z_]+)"/gm)].map((m) => m[1]);
  if (words.length === 0) problems.push('grammar/handover.pest: found no kw_* rules to compare with');
  const json = JSON.stringify(grammar);
  const vimPath = path.join(root, '..', 'nvim', 'syntax', 'handover.vim');
  const vim = fs.existsSync(vimPath) ? fs.readFileSync(vimPath, 'utf8') : undefined;
  for (const w of words) {
    if (!new RegExp(`[(|]${w}[|)]`).test(json)) problems.push(`the TextMate grammar does not know the keyword "${w}"`);
    if (vim !== undefined && !new RegExp(`\\b${w}\\b`).test(vim)) problems.push(`editors/nvim/syntax/handover.vim does not know the keyword "${w}"`);
  }
}

if (problems.length) {
  for (const p of problems) console.error(`lint: ${p}`);
  process.exit(1);
}
console.log('lint: package.json, language configuration, snippets and grammar are consistent');
